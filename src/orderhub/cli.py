"""The ``orderhub`` console script: Django's management commands under one product name.

``orderhub catalog import ...``, ``orderhub partner token ...``, ``orderhub worker`` and every
stock command (``orderhub migrate``) go through here.
"""

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")

    execute_from_command_line(["orderhub", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
