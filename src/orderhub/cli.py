"""The ``orderhub`` console script: Django's management commands under one product name.

``orderhub catalog import ...``, ``orderhub partner token ...``, ``orderhub worker`` and every
stock command (``orderhub migrate``) go through here.
"""

import os
import sys

import django
from django.core.management import execute_from_command_line
from django.utils import translation

#: The operator's language for what the commands print: ``ORDERHUB_LANG``, else the POSIX
#: locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``en…`` is English), else German.
LANGUAGE_VARIABLES = ("ORDERHUB_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def cli_language(environ=os.environ) -> str:
    for name in LANGUAGE_VARIABLES:
        value = (environ.get(name) or "").strip().lower()
        if value and value not in ("c", "posix") and not value.startswith("c."):
            return "en" if value.startswith("en") else "de"
    return "de"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderhub.settings")
    # A command's sentences, its errors and the mails it sends are in the operator's language
    # (in this thread only: the portal's requests choose theirs in LocaleMiddleware).
    django.setup()
    translation.activate(cli_language())
    execute_from_command_line(["orderhub", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
