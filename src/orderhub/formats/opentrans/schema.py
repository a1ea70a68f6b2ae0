"""The openTRANS 2.1 schema: its namespaces, the official XSD (the copy in
``formats/standards/opentrans-2.1``, loaded once per location and never from the network),
:func:`validate`, and :func:`document_type` for routing inbound documents.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from pathlib import Path

from lxml import etree

from .. import FormatError
from ..documents import standards_path
from ..safexml import parse_bytes, parser

OT_NS = "http://www.opentrans.org/XMLSchema/2.1"
BMECAT_NS = "http://www.bmecat.org/bmecat/2005"


_ROOTS = ("ORDER", "ORDERRESPONSE", "DISPATCHNOTIFICATION")


class _LocalOnlyResolver(etree.Resolver):
    """Refuse anything but local files while loading the XSD and its imports."""

    def resolve(self, url: str | None, pubid: str | None, context: object) -> None:
        if url and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+://", url) and not url.startswith("file:"):
            raise FormatError(f"refusing to fetch {url} while loading the openTRANS schema")
        return None


_VALIDATION_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _schema(path: str) -> etree.XMLSchema:
    schema_parser = parser()
    schema_parser.resolvers.add(_LocalOnlyResolver())
    try:
        return etree.XMLSchema(etree.parse(path, schema_parser))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise FormatError(f"cannot load the openTRANS schema {path}: {exc}") from None


@functools.lru_cache(maxsize=16)
def _resolved(path: str) -> str:
    # Path.resolve() stats every component: 50 µs, a third of validating an ORDER (bench/profile).
    return str(Path(path).resolve())


def schema(standards_dir: str | os.PathLike[str] | None = None) -> etree.XMLSchema:
    """The openTRANS 2.1 XSD, loaded once per location."""
    path = standards_path("opentrans-2.1", "opentrans_2_1.xsd", standards_dir=standards_dir)
    # libxml2 must not compile a schema in several threads at once: the first deliveries of a worker
    # (a pool of senders) or the simulator's first requests crashed it ("Internal error", segfault).
    with _VALIDATION_LOCK:
        return _schema(_resolved(str(path)))


def is_valid(root: etree._Element, *, standards_dir: str | os.PathLike[str] | None = None) -> bool:
    """Whether a tree built in memory matches the XSD: the writers' check before they serialise,
    without parsing their own bytes again (a third of :func:`validate`'s time). It has no line
    numbers; a writer whose tree fails calls :func:`validate` on the bytes for the message."""
    xsd = schema(standards_dir)
    with _VALIDATION_LOCK:  # one schema object is shared; its error log is per object
        return bool(xsd.validate(root))


def validate(
    data: bytes, *, standards_dir: str | os.PathLike[str] | None = None, max_errors: int = 5
) -> None:
    """Raise :class:`FormatError` listing the first XSD errors (with line numbers), if any."""
    root = parse_bytes(bytes(data))
    xsd = schema(standards_dir)
    with _VALIDATION_LOCK:  # one schema object is shared; its error log is per object
        if xsd.validate(root.getroottree()):
            return
        errors = list(xsd.error_log)[:max_errors]
    details = "; ".join(f"line {e.line}: {e.message}" for e in errors)
    raise FormatError(
        f"openTRANS document does not match the 2.1 XSD: {details}",
        line=errors[0].line if errors else None,
    )


def document_type(data: bytes) -> str:
    """The openTRANS document type (root element name), for routing inbound documents."""
    root = parse_bytes(bytes(data))
    name = etree.QName(root).localname
    if name not in _ROOTS:
        raise FormatError(
            f"not an openTRANS order document: root element <{name}>", line=root.sourceline
        )
    return name


__all__ = ["BMECAT_NS", "OT_NS", "document_type", "is_valid", "schema", "validate"]
