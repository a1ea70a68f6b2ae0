"""Hardened lxml parsing: no DTD loading, no entity expansion, no network, size limits.

Partner files come from outside. A billion-laughs document or an external entity must fail
with a clear error instead of eating memory or reaching the network.
"""

from __future__ import annotations

from typing import IO

from lxml import etree

from . import FormatError

#: Largest XML document accepted in one piece (catalog uploads stream and use their own limit).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def parser(**overrides) -> etree.XMLParser:
    options = dict(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )
    options.update(overrides)
    return etree.XMLParser(**options)


def reject_doctype_entities(docinfo_or_tree) -> None:
    """Refuse documents that declare entities: legitimate partner documents never need them."""
    docinfo = getattr(docinfo_or_tree, "docinfo", docinfo_or_tree)
    dtd = docinfo.internalDTD
    if dtd is not None and list(dtd.iterentities()):
        raise FormatError("XML documents with entity declarations are refused (DOCTYPE ENTITY)")


def parse_bytes(data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> etree._Element:
    """Parse a whole (small) XML document safely and return its root element."""
    if len(data) > max_bytes:
        raise FormatError(f"XML document too large: {len(data)} bytes, limit {max_bytes}")
    if not data.strip():
        raise FormatError("empty XML document")
    try:
        tree = etree.fromstring(data, parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"malformed XML: {exc.msg}", line=exc.lineno) from None
    reject_doctype_entities(tree)
    return tree.getroot()


def iterparse(source: IO[bytes], **kwargs):
    """``etree.iterparse`` with the same hardening as :func:`parser`."""
    return etree.iterparse(
        source,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        **kwargs,
    )
