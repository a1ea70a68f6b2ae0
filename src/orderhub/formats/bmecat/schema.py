"""The BMEcat 2005 schema: namespace, transactions, the official XSD (parsed once per path and
thread) and the strict mode's validation.

``strict=True`` validates BMEcat 2005 against the XSD in batches of products
(``STRICT_BATCH_PRODUCTS``) so memory stays flat and errors keep their line numbers; articles are
only yielded once the batch holding their product validated.
"""

from __future__ import annotations

import copy
import os
import re
import threading
from pathlib import Path

from lxml import etree

from .. import FormatError, catalog_messages, safexml
from ..catalog import CatalogArticle, ImportIssue

NS_2005 = "http://www.bmecat.org/bmecat/2005"
TRANSACTIONS = ("T_NEW_CATALOG", "T_UPDATE_PRODUCTS", "T_UPDATE_PRICES")
SCHEMA_RELATIVE_PATH = Path("bmecat-2005") / "bmecat_2005.xsd"

#: Products validated together in strict mode (memory vs. per-call overhead).
STRICT_BATCH_PRODUCTS = 500
#: How many schema errors a strict FormatError lists.
STRICT_ERRORS_LISTED = 10


def default_standards_dir() -> Path:
    """``$ORDERHUB_STANDARDS_DIR``, else the copies shipped in ``orderhub/formats/standards``."""
    env = os.environ.get("ORDERHUB_STANDARDS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "standards"


# lxml schema objects must not be shared between threads (each keeps its own error log), so
# the parsed XSD is cached per thread.
_schema_cache = threading.local()
_COMPILE_LOCK = threading.Lock()


def _load_schema_cached(path: str) -> etree.XMLSchema:
    cache: dict[str, etree.XMLSchema] | None = getattr(_schema_cache, "schemas", None)
    if cache is None:
        cache = _schema_cache.schemas = {}
    if path not in cache:
        try:
            document = etree.parse(path, safexml.parser())
        except OSError:
            raise catalog_messages.error("schema_missing", path=path) from None
        with _COMPILE_LOCK:  # libxml2 must not compile schemas in two threads at once
            cache[path] = etree.XMLSchema(document)
    return cache[path]


def load_schema(standards_dir: str | os.PathLike[str] | None = None) -> etree.XMLSchema:
    """The BMEcat 2005 XSD, parsed once per path (and thread) and cached."""
    base = Path(standards_dir) if standards_dir is not None else default_standards_dir()
    return _load_schema_cached(str((base / SCHEMA_RELATIVE_PATH).resolve()))


_LONG_ENUMERATION = re.compile(r"\{'[^}]{80,}\}")


def _clean_schema_message(message: str) -> str:
    message = message.replace("{" + NS_2005 + "}", "")
    message = _LONG_ENUMERATION.sub("{…}", message)
    return message if len(message) <= 240 else message[:239] + "…"


class _StrictBatches:
    """Validates the transaction's children in batches against the XSD.

    Each batch is a small stand-alone BMEcat document (root, header copy, transaction, the
    batch's elements) — every contiguous run of products is valid wherever the whole file is,
    as long as a batch only ends right before a product. Copied nodes keep their source line, so
    errors point into the uploaded file.
    """

    def __init__(self, schema: etree.XMLSchema, root: etree._Element) -> None:
        self.schema = schema
        self.root = root
        self.header: etree._Element | None = None
        self.transaction: etree._Element | None = None
        self.elements: list[etree._Element] = []
        self.products = 0
        # items of the products in this batch, released once valid
        self.items: list[CatalogArticle | ImportIssue] = []
        self._seen: set[tuple[int | None, str]] = set()

    def add(
        self, element: etree._Element, items: list[CatalogArticle | ImportIssue] | None
    ) -> None:
        self.elements.append(copy.deepcopy(element))
        if items is not None:
            self.products += 1
            self.items.extend(items)

    @property
    def full(self) -> bool:
        return self.products >= STRICT_BATCH_PRODUCTS

    def validate(self) -> list[CatalogArticle | ImportIssue]:
        """Validate the batch; return its items or raise FormatError listing the errors."""
        wrapper = etree.Element(self.root.tag, attrib=dict(self.root.attrib), nsmap=self.root.nsmap)
        if self.header is not None:
            wrapper.append(copy.deepcopy(self.header))
        if self.transaction is not None:
            txn = etree.SubElement(
                wrapper, self.transaction.tag, attrib=dict(self.transaction.attrib)
            )
            for element in self.elements:
                txn.append(element)
        valid = self.schema.validate(wrapper)
        errors: list[tuple[int | None, str]] = []
        if not valid:
            for entry in self.schema.error_log:
                line = entry.line or (
                    self.transaction.sourceline
                    if self.transaction is not None
                    else self.root.sourceline
                )
                key = (line, entry.message)
                if key in self._seen:  # header errors repeat in every batch
                    continue
                self._seen.add(key)
                errors.append((line, _clean_schema_message(entry.message)))
        if errors:
            raise _schema_error(errors)
        items, self.items = self.items, []
        self.elements, self.products = [], 0
        return items


def _schema_error(errors: list[tuple[int | None, str]]) -> FormatError:
    errors.sort(key=lambda e: e[0] or 0)
    listed = [[line, message] for line, message in errors[:STRICT_ERRORS_LISTED]]
    more = max(len(errors) - STRICT_ERRORS_LISTED, 0)
    return catalog_messages.error(
        "schema_invalid", line=errors[0][0] or None, errors=listed, more=more
    )


__all__ = [
    "NS_2005",
    "STRICT_BATCH_PRODUCTS",
    "TRANSACTIONS",
    "default_standards_dir",
    "load_schema",
]
