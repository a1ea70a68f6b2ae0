"""``python -m orderhub_connector`` — same as the ``orderhub-connector`` script."""

import sys

from .cli import main

sys.exit(main())
