"""Pure format code: BMEcat, CSV, openTRANS, EDIFACT, identifiers.

Nothing in this package imports Django. Plain dataclasses go in, bytes come out, and back.
Every parser raises :class:`FormatError` with a message a person can act on.
"""


class FormatError(ValueError):
    """A document could not be read or written; ``line`` points into the input when known."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        self.message = message
        self.line = line
        self.field = field
        where = f" (line {line})" if line else ""
        super().__init__(f"{message}{where}")
