"""Loaded before Django (``-p tests.devenv`` in pyproject): the suite is a development run.

Production refuses to start on built-in keys; the suite and the processes it starts (e2e stacks,
simulator) run with ``ORDERHUB_DEVELOPMENT=1``, and partners on 127.0.0.1 are allowed
(``ORDERHUB_ALLOW_PRIVATE_URLS=1``); the tests of those rules switch them off.
"""

import os

os.environ.setdefault("ORDERHUB_DEVELOPMENT", "1")
os.environ.setdefault("ORDERHUB_ALLOW_PRIVATE_URLS", "1")
