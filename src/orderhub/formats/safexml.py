"""Hardened lxml parsing: no DTD loading, no entity expansion, no network, size limits.

A DOCTYPE with an internal subset is read (BMEcat 1.x declares its UDX elements there); only
the *use* of an entity is refused.

Partner files come from outside. A billion-laughs document or an external entity must fail
with a clear error instead of eating memory or reaching the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Literal

from lxml import etree

from . import FormatError

#: Largest XML document accepted in one piece (catalog uploads stream and use their own limit).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def parser(
    *,
    resolve_entities: bool = False,
    no_network: bool = True,
    load_dtd: bool = False,
    dtd_validation: bool = False,
    huge_tree: bool = False,
    remove_blank_text: bool = False,
) -> etree.XMLParser:
    """The hardened parser; each keyword overrides one of the safe defaults."""
    return etree.XMLParser(
        resolve_entities=resolve_entities,
        no_network=no_network,
        load_dtd=load_dtd,
        dtd_validation=dtd_validation,
        huge_tree=huge_tree,
        remove_blank_text=remove_blank_text,
    )


_PREDEFINED = frozenset(("lt", "gt", "amp", "quot", "apos"))


def declared_entities(docinfo_or_tree: etree.DocInfo | etree._ElementTree) -> frozenset[str]:
    """Names of the entities the internal DTD subset declares (general and parameter).

    Declaring an entity is harmless as long as nothing expands it: BMEcat 1.x files declare
    ``<!ENTITY % USERDEFINES …>`` and ``<!ELEMENT UDX.… >`` for their user-defined extensions,
    and such declarations are accepted. The parser never loads external DTDs or entities
    (``load_dtd=False``, ``no_network=True``) and keeps references unexpanded
    (``resolve_entities=False``); :func:`refuse_entity_references` then refuses a document whose
    content or attributes *use* an entity.
    """
    if isinstance(docinfo_or_tree, etree.DocInfo):
        docinfo = docinfo_or_tree
    else:
        docinfo = docinfo_or_tree.docinfo
    dtd = docinfo.internalDTD
    if dtd is None:
        return frozenset()
    return frozenset(
        e.name for e in dtd.iterentities() if e.name is not None and e.name not in _PREDEFINED
    )


def refuse_entity_references(
    element: etree._Element, names: frozenset[str] | set[str] = frozenset()
) -> None:
    """Raise FormatError if ``element`` (with its subtree) references an entity.

    Content references stay ``etree._Entity`` nodes because entities are not resolved;
    attribute values are expanded by lxml on access, so when the DTD declares entities
    (``names``) the serialised subtree is searched for ``&name;`` as well.
    """
    for node in element.iter(etree.Entity):
        # iter(etree.Entity) yields only entity references (the stubs type them as elements).
        if isinstance(node, etree._Entity):
            raise FormatError(
                f"the XML document uses the entity &{node.name}; — entity expansion is refused "
                "(declarations alone are accepted)",
                line=node.sourceline or element.sourceline,
                code="entity_refused",
                params={"entity": node.name},
            )
    if names:
        text = etree.tostring(element, encoding="unicode", with_tail=False)
        for name in sorted(names):
            if f"&{name};" in text:
                raise FormatError(
                    f"the XML document uses the entity &{name}; in an attribute — entity "
                    "expansion is refused (declarations alone are accepted)",
                    line=element.sourceline,
                    code="entity_in_attribute_refused",
                    params={"entity": name},
                )


_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[(?P<subset>.*?)\]\s*>", re.S)
_LITERALS = re.compile(rb"\"[^\"]*\"|'[^']*'|<!--.*?-->", re.S)
_PE_REFERENCE = re.compile(rb"%\s*([A-Za-z_:][\w.:-]*)\s*;")


def refuse_parameter_entity_use(head: bytes) -> None:
    """Refuse a DOCTYPE internal subset that *uses* a parameter entity (``%name;``).

    libxml2 expands internal parameter entities inside the DTD whatever the options say, and an
    external one would make the document depend on a file OrderHub never reads. Declaring one
    (``<!ENTITY % USERDEFINES "…">`` for the external BMEcat DTD) is fine. ``head`` is the start
    of the document; a subset longer than ``head`` is checked as far as it goes.
    """
    start = head.find(b"<!DOCTYPE")
    if start < 0:
        return
    match = _SUBSET.search(head, start)
    subset = match.group("subset") if match else head[start:]
    reference = _PE_REFERENCE.search(_LITERALS.sub(b"", subset))
    if reference:
        name = reference.group(1).decode("ascii", "replace")
        raise FormatError(
            f"the XML document uses the parameter entity %{name}; in its DOCTYPE — entity "
            "expansion and external entities are refused (declarations alone are accepted)",
            line=1,
            code="parameter_entity_refused",
            params={"entity": name},
        )


def reject_doctype_entities(docinfo_or_tree: etree.DocInfo | etree._ElementTree) -> None:
    """Refuse a parsed document that references an entity (declarations alone are fine)."""
    root = docinfo_or_tree.getroot() if hasattr(docinfo_or_tree, "getroot") else None
    names = declared_entities(docinfo_or_tree)
    if root is not None and (names or root.getroottree().docinfo.internalDTD is not None):
        refuse_entity_references(root, names)


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
    if tree.docinfo.internalDTD is not None:
        refuse_parameter_entity_use(data[: 1 << 20])
    reject_doctype_entities(tree)
    return tree.getroot()


ElementEvent = Literal["start", "end", "comment", "pi"]


def iterparse(
    source: IO[bytes],
    *,
    events: Iterable[ElementEvent] = ("end",),
    tag: str | Iterable[str] | None = None,
) -> etree.iterparse[tuple[ElementEvent, etree._Element]]:
    """``etree.iterparse`` with the same hardening as :func:`parser`."""
    return etree.iterparse(
        source,
        events=events,
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
