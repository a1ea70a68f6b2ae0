"""Pure format code: BMEcat, CSV, openTRANS, EDIFACT, identifiers.

Nothing in this package imports Django. Plain dataclasses go in, bytes come out, and back.
Every parser raises :class:`FormatError` with a message a person can act on.
"""

from typing import Any


class FormatError(ValueError):
    """A document could not be read or written; ``line`` points into the input when known."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        code: str = "",
        params: dict[str, Any] | None = None,
    ):
        self.message = message
        self.line = line
        self.field = field
        #: what went wrong as data, for a person's language (catalog files:
        #: :mod:`orderhub.formats.catalog_messages`); "" where only ``message`` says it
        self.code = code
        self.params = params or {}
        where = f" (line {line})" if line else ""
        super().__init__(f"{message}{where}")
