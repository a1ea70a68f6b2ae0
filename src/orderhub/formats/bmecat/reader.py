"""The streaming BMEcat reader (2005, 1.2, 1.01): :func:`iter_bmecat`, used through
:func:`orderhub.formats.catalog_reader.read_catalog`.

Reading uses ``lxml.etree.iterparse`` through :mod:`..safexml` (no DTD loading, no entity
expansion, no network). Only the elements named in ``_EVENT_TAGS`` produce Python events, and
each product is removed from the tree as soon as it was turned into a :class:`CatalogArticle`,
so memory stays flat whatever the number of products.

Element names are matched without regard to the namespace: BMEcat 2005 uses
``http://www.bmecat.org/bmecat/2005``, 1.2 and 1.01 files usually none (some carry the 1.2
schema namespaces). 2005 names (PRODUCT, SUPPLIER_PID, PRODUCT_DETAILS, ...) and 1.x names
(ARTICLE, SUPPLIER_AID, ARTICLE_DETAILS, ...) are both understood. Which elements are read, and
how features map to attributes, is documented in ``docs/catalog-formats.md``.

``strict=True`` validates BMEcat 2005 against the official XSD (:mod:`.schema`); BMEcat 1.x is
then read leniently with an :class:`ImportIssue` saying so (no schema is shipped for it).
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from lxml import etree

from .. import FormatError, catalog_messages, safexml
from ..catalog import (
    PRICE_TYPE_RANK,
    CatalogArticle,
    CatalogHeader,
    ImportIssue,
    _name_key,
    attribute_key,
    canonical_price_type,
    normalize_attribute_value,
    parse_price,
    parse_status,
    price_type_rank,
    unit_price,
)
from ..catalog_messages import Report as _Issue
from ..identifiers import InvalidIdentifier, normalize_gtin, normalize_hmv
from ..units import unit_code
from .schema import NS_2005, TRANSACTIONS, _schema_error, _StrictBatches, load_schema

_PRODUCT_NAMES = ("PRODUCT", "ARTICLE")
# Direct children of a transaction that can be large or numerous; they are dropped (or, in
# strict mode, handed to the validator) as soon as they are complete.
_TRANSACTION_CHILDREN = (
    "PRODUCT_TO_CATALOGGROUP_MAP",
    "ARTICLE_TO_CATALOGGROUP_MAP",
    "CLASSIFICATION_SYSTEM",
    "CATALOG_GROUP_SYSTEM",
    "FEATURE_SYSTEM",
    "FORMULAS",
    "IPP_DEFINITIONS",
)
_EVENT_TAGS = [
    "{*}" + name
    for name in ("BMECAT", "HEADER", *TRANSACTIONS, *_PRODUCT_NAMES, *_TRANSACTION_CHILDREN)
]

# Identifier carriers. INTERNATIONAL_PID without a type is taken as a GTIN.
_GTIN_PID_TYPES = {
    "",
    "gtin",
    "ean",
    "gtin8",
    "gtin12",
    "gtin13",
    "gtin14",
    "ean8",
    "ean13",
    "upc",
    "upca",
}
_HMV_NAMES = {
    _name_key(n)
    for n in (
        "HMV",
        "HMV-Nummer",
        "HMV-Nr",
        "HMV number",
        "Hilfsmittelnummer",
        "Hilfsmittel-Nr",
        "Hilfsmittelverzeichnisnummer",
        "Hilfsmittelpositionsnummer",
        "Positionsnummer HMV",
    )
}


class _LocalNames(dict[object, str]):
    """``{namespace}NAME`` → ``NAME`` (comments and processing instructions → ``""``), memoised.

    A plain dict lookup per element instead of a function call: the reader looks at every
    element of every product. Only a bounded number of distinct tags is remembered.
    """

    def __missing__(self, tag: object) -> str:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(self) < 4096:
            self[tag] = name
        return name


_LOCAL_NAMES = _LocalNames()


def _local(tag: object) -> str:
    return _LOCAL_NAMES[tag]


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    if len(element):
        return "".join(element.itertext()).strip()
    text = element.text
    return text.strip() if text else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _syntax_error(exc: etree.XMLSyntaxError) -> FormatError:
    message, line = exc.msg or str(exc), exc.lineno
    if not line or message.startswith("no element found"):
        # iterparse sometimes reports a generic message; the log holds the real cause.
        last = exc.error_log.last_error if exc.error_log else None
        if last is not None:
            message, line = last.message, last.line
    lowered = message.lower()
    if "encoding" in lowered or "utf-8" in lowered or "char 0x" in lowered:
        code = "xml_encoding"
    elif "document is empty" in lowered or "start tag expected" in lowered:
        code = "xml_not_xml"
    elif "entity" in lowered:
        code = "xml_entity"
    else:
        code = "xml_malformed"
    return catalog_messages.error(code, line=line or None, detail=message.strip())


def _refuse_entities(root: etree._Element) -> frozenset[str]:
    """The declared entity names; their use is refused element by element as elements end."""
    return safexml.declared_entities(root.getroottree())


def _header_from(element: etree._Element | None, transaction: str, version: str) -> CatalogHeader:
    header = CatalogHeader(transaction=transaction, format_version=version)
    if element is None:
        return header
    language_seen = False
    for part in element:
        name = _local(part.tag)
        if name == "CATALOG":
            for child in part:
                child_name = _local(child.tag)
                if child_name == "LANGUAGE" and not language_seen and _text(child):
                    header.language = _text(child)
                    language_seen = True
                elif child_name == "CATALOG_ID":
                    header.catalog_id = _text(child)
                elif child_name == "CATALOG_VERSION":
                    header.catalog_version = _text(child)
                elif child_name == "CURRENCY" and _text(child):
                    header.currency = _text(child)
        elif name == "SUPPLIER":
            for child in part:
                if _local(child.tag) == "SUPPLIER_NAME":
                    header.supplier_name = _one_line(_text(child))
    return header


def _pick_text(elements: list[etree._Element], language: str) -> str:
    """The text in the catalog language if several languages are given, else the first."""
    if not elements:
        return ""
    for element in elements:
        if element.get("lang") in (None, language):
            return _text(element)
    return _text(elements[0])


def _decimal(text: str) -> Decimal | None:
    try:
        return _price(text)
    except ValueError:
        return None


# -- fast paths for the values nearly every product has; each falls back to the general function
# (which also produces the error reasons), so results are the same.

_PLAIN_NUMBER = re.compile(r"\d{1,15}(?:\.\d{1,10})?")


def _price(text: str) -> Decimal:
    """:func:`~.catalog.parse_price`, without its clean-up for the plain ``1234.56`` form."""
    if _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text)
    return parse_price(text)


def _gtin(raw: str) -> str:
    """:func:`~.identifiers.normalize_gtin`, checking a plain 8/12/13/14-digit GTIN inline."""
    if raw.isascii() and raw.isdigit() and len(raw) in _GTIN_LENGTHS and raw.strip("0"):
        # GS1 check digit: weights 3, 1, 3, … from the digit left of the check digit.
        total = 3 * sum(map(int, raw[-2::-2])) + sum(map(int, raw[-3::-2]))
        if -total % 10 == ord(raw[-1]) - 48:
            return raw.zfill(14)
    return normalize_gtin(raw)


def _hmv(raw: str) -> str:
    """:func:`~.identifiers.normalize_hmv`, without its clean-up for plain 10 digits."""
    if len(raw) == 10 and raw.isascii() and raw.isdigit() and raw.strip("0"):
        return raw
    return normalize_hmv(raw)


_GTIN_LENGTHS = frozenset((8, 12, 13, 14))
#: Short texts are memoised (feature names and values repeat across a catalog); long ones never.
_MEMO_TEXT = 64
_MEMO_ENTRIES = 4096
_HMV_FEATURE = "\x00hmv"  # a FEATURE carrying the HMV number
_IGNORED = "\x00ignored"  # a FEATURE that is not one of the attributes
_feature_keys: dict[str, str] = {}


def _feature_key(fname: str) -> str:
    """What a FEATURE name means: :data:`_HMV_FEATURE`, an attribute key, or :data:`_IGNORED`."""
    if _name_key(fname) in _HMV_NAMES:
        key = _HMV_FEATURE
    else:
        key = attribute_key(fname) or _IGNORED
    if len(fname) <= _MEMO_TEXT and len(_feature_keys) < _MEMO_ENTRIES:
        _feature_keys[fname] = key
    return key


_feature_values: dict[tuple[str, str], str] = {}


def _feature_value(key: str, value: str) -> str:
    """:func:`~.catalog.normalize_attribute_value`, memoised for short values."""
    try:
        return _feature_values[key, value]
    except KeyError:
        pass
    normalized = normalize_attribute_value(key, value)
    if len(value) <= _MEMO_TEXT and len(_feature_values) < _MEMO_ENTRIES:
        _feature_values[key, value] = normalized
    return normalized


_ONE = Decimal(1)


class _Product:
    """What one PRODUCT/ARTICLE says, gathered by the section readers below before it becomes an
    article (descriptions and prices stay elements: the catalog language and the price rule
    choose among them afterwards)."""

    __slots__ = (
        "attributes",
        "gtins",
        "hmvs",
        "longs",
        "manufacturer_name",
        "manufacturer_pid",
        "order_unit",
        "pid",
        "price_quantity",
        "prices",
        "shorts",
        "sides",
        "status_texts",
    )

    def __init__(self) -> None:
        self.pid = ""
        self.shorts: list[etree._Element] = []
        self.longs: list[etree._Element] = []
        #: GTIN and HMV candidates in document order; the first usable one is taken.
        self.gtins: list[str] = []
        self.hmvs: list[str] = []
        self.manufacturer_pid: str | None = None
        self.manufacturer_name: str | None = None
        self.status_texts: list[str | None] = []
        self.attributes: dict[str, str] = {}
        self.sides: list[str] = []
        self.order_unit = ""
        self.price_quantity: Decimal | None = None
        self.prices: list[etree._Element] = []  # PRODUCT_PRICE / ARTICLE_PRICE elements


def _read_pid(section: etree._Element, product: _Product) -> None:
    product.pid = _text(section)


# What the reader does with the children of PRODUCT_DETAILS / ARTICLE_DETAILS.
(_SHORT, _LONG, _INTERNATIONAL_PID, _EAN, _MPN, _MANUFACTURER, _SPECIAL_TREATMENT, _STATUS) = range(
    1, 9
)
_DETAIL_PARTS = {
    "DESCRIPTION_SHORT": _SHORT,
    "DESCRIPTION_LONG": _LONG,
    "INTERNATIONAL_PID": _INTERNATIONAL_PID,
    "EAN": _EAN,
    "MANUFACTURER_PID": _MPN,
    "MANUFACTURER_AID": _MPN,
    "MANUFACTURER_NAME": _MANUFACTURER,
    "SPECIAL_TREATMENT_CLASS": _SPECIAL_TREATMENT,
    "PRODUCT_STATUS": _STATUS,
    "ARTICLE_STATUS": _STATUS,
}


def _read_details(section: etree._Element, product: _Product) -> None:
    local = _LOCAL_NAMES
    for detail in section:
        kind = _DETAIL_PARTS.get(local[detail.tag])
        if kind is None:
            continue
        if kind == _SHORT:
            product.shorts.append(detail)
        elif kind == _LONG:
            product.longs.append(detail)
        elif kind == _INTERNATIONAL_PID:
            pid_type = _name_key(detail.get("type", ""))
            if pid_type in _GTIN_PID_TYPES:
                product.gtins.append(_text(detail))
            elif pid_type in _HMV_NAMES:
                product.hmvs.append(_text(detail))
        elif kind == _EAN:
            product.gtins.append(_text(detail))
        elif kind == _MPN:
            product.manufacturer_pid = _text(detail) or None
        elif kind == _MANUFACTURER:
            product.manufacturer_name = _one_line(_text(detail)) or None
        elif kind == _SPECIAL_TREATMENT:
            if _name_key(detail.get("type", "")) in _HMV_NAMES:
                product.hmvs.append(_text(detail))
        else:  # _STATUS
            product.status_texts.extend((detail.get("type"), _text(detail)))


def _read_features(section: etree._Element, product: _Product) -> None:
    """FEATUREs with a name and a value: the HMV number, the side(s), or the first value of an
    attribute; features that are none of the attributes are ignored."""
    local = _LOCAL_NAMES
    attributes = product.attributes
    for feature in section:
        if local[feature.tag] != "FEATURE":
            continue
        fname = ""
        values = []
        for fpart in feature:
            # _text without the call for the usual leaf element: FNAME and FVALUE are the most
            # frequent elements of a catalog.
            part_name = local[fpart.tag]
            if part_name == "FNAME":
                if not fname:
                    fname = _text(fpart) if len(fpart) else (fpart.text or "").strip()
            elif part_name == "FVALUE":
                value = _text(fpart) if len(fpart) else (fpart.text or "").strip()
                if value:
                    values.append(value)
        if not fname or not values:
            continue
        key = _feature_keys.get(fname) or _feature_key(fname)
        if key is _IGNORED:
            continue
        if key is _HMV_FEATURE:
            product.hmvs.append(values[0])
        elif key == "side":
            product.sides.extend(_feature_value("side", v) for v in values)
        elif key not in attributes:
            attributes[key] = _feature_value(key, values[0])


def _read_order_details(section: etree._Element, product: _Product) -> None:
    local = _LOCAL_NAMES
    for detail in section:
        detail_name = local[detail.tag]
        if detail_name == "ORDER_UNIT":
            product.order_unit = _text(detail)
        elif detail_name == "PRICE_QUANTITY":
            product.price_quantity = _decimal(_text(detail))


def _read_price_details(section: etree._Element, product: _Product) -> None:
    local = _LOCAL_NAMES
    for price in section:
        if local[price.tag] in ("PRODUCT_PRICE", "ARTICLE_PRICE"):
            product.prices.append(price)


#: What the reader does with a direct child of a product (2005 and 1.x names); others are skipped.
_PRODUCT_SECTIONS: dict[str, Callable[[etree._Element, _Product], None]] = {
    "SUPPLIER_PID": _read_pid,
    "SUPPLIER_AID": _read_pid,
    "PRODUCT_DETAILS": _read_details,
    "ARTICLE_DETAILS": _read_details,
    "PRODUCT_FEATURES": _read_features,
    "ARTICLE_FEATURES": _read_features,
    "PRODUCT_ORDER_DETAILS": _read_order_details,
    "ARTICLE_ORDER_DETAILS": _read_order_details,
    "PRODUCT_PRICE_DETAILS": _read_price_details,
    "ARTICLE_PRICE_DETAILS": _read_price_details,
}


def _product_items(
    element: etree._Element, transaction: str, header: CatalogHeader
) -> list[CatalogArticle | ImportIssue]:
    """Turn one PRODUCT/ARTICLE element into an article plus issues (or only issues)."""
    local = _LOCAL_NAMES
    sections = _PRODUCT_SECTIONS
    product = _Product()
    for child in element:
        read = sections.get(local[child.tag])
        if read is not None:
            read(child, product)

    line = element.sourceline
    pid = product.pid
    if not pid:
        what = _local(element.tag)
        field = "SUPPLIER_PID" if what == "PRODUCT" else "SUPPLIER_AID"
        return [ImportIssue(line, "no_article_number", {"element": what, "field": field})]
    issues: list[CatalogArticle | ImportIssue] = []

    def issue(code: str, **params: Any) -> None:
        issues.append(ImportIssue(line, code, params, pid))

    mode = _mode(element, transaction, issue)
    if mode is None:
        return issues
    article = CatalogArticle(
        partner_article_number=pid, mode=mode, line=line, currency=header.currency or "EUR"
    )
    if mode == "delete":
        return [*issues, article]

    if product.prices or transaction == "T_UPDATE_PRICES":
        _set_price(article, product.prices, product.price_quantity, issue)
    if transaction == "T_UPDATE_PRICES":
        if article.price is None:
            issue("price_update_without_price")
            return issues
        return [*issues, article]

    _describe(article, product, header.language, issue)
    return [*issues, article]


def _mode(element: etree._Element, transaction: str, issue: _Issue) -> str | None:
    """The product's mode, fixed by T_NEW_CATALOG ("new") and T_UPDATE_PRICES ("update"), else
    its ``mode`` attribute; None when the product is skipped."""
    if transaction == "T_UPDATE_PRICES":
        return "update"
    if transaction != "T_UPDATE_PRODUCTS":
        return "new"
    mode = (element.get("mode") or "").strip().lower()
    if not mode:
        issue("mode_missing")
        return "update"
    if mode not in ("new", "update", "delete"):
        issue("mode_unknown", mode=mode)
        return None
    return mode


def _describe(article: CatalogArticle, product: _Product, language: str, issue: _Issue) -> None:
    """Everything but the price: texts in the catalog language, manufacturer, unit, identifiers,
    attributes and status."""
    article.short_description = _one_line(_pick_text(product.shorts, language))
    article.long_description = _pick_text(product.longs, language)
    article.manufacturer_article_number = product.manufacturer_pid
    article.manufacturer_name = product.manufacturer_name
    _set_unit(article, product.order_unit, issue)
    _set_identifiers(article, product, issue)

    attributes, sides = product.attributes, product.sides
    if sides:
        distinct = set(sides)
        attributes["side"] = "B" if distinct >= {"L", "R"} else sides[0]
    article.attributes = {key: value for key, value in attributes.items() if value}
    status_texts = product.status_texts
    if status_texts and parse_status(*status_texts) == "discontinued":
        article.status = "discontinued"


def _set_identifiers(article: CatalogArticle, product: _Product, issue: _Issue) -> None:
    """The first valid GTIN and HMV number; each invalid one before it is reported and dropped."""
    for raw in product.gtins:
        if not raw:
            continue
        try:
            article.gtin = _gtin(raw)
            break
        except InvalidIdentifier as exc:
            issue("gtin_invalid", value=raw, reason=exc.reason)
    for raw in product.hmvs:
        if not raw:
            continue
        try:
            article.hmv_number = _hmv(raw)
            break
        except InvalidIdentifier as exc:
            issue("hmv_invalid", value=raw, reason=exc.reason)


def _price_parts(price: etree._Element) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in price:
        name = _local(part.tag)
        if (
            name in ("PRICE_AMOUNT", "PRICE_CURRENCY", "PRICE_FACTOR", "LOWER_BOUND")
            and name not in parts
        ):
            parts[name] = _text(part)
    return parts


def _set_price(
    article: CatalogArticle,
    prices: list[etree._Element],
    price_quantity: Decimal | None,
    issue: _Issue,
) -> None:
    """Choose one price by :data:`~.catalog.PRICE_TYPE_RANK`, then the lowest LOWER_BOUND.

    The amount is kept as written (``price_amount``, for ``PRICE_QUANTITY`` units) and as the
    price of one order unit (``price``, × PRICE_FACTOR ÷ PRICE_QUANTITY, 6 decimals).
    """
    candidates = []
    for order, price in enumerate(prices):
        price_type = canonical_price_type(price.get("price_type") or "")
        parts = _price_parts(price)
        amount_text = parts.get("PRICE_AMOUNT")
        if not amount_text:
            if price_type:
                issue("price_without_amount", price_type=price_type)
            else:
                issue("price_without_amount.untyped")
            continue
        try:
            amount = _price(amount_text)
        except ValueError:
            code = "price_not_a_number" if len(prices) > 1 else "price_not_a_number.no_price"
            issue(code, value=amount_text)
            continue
        bound = _decimal(parts.get("LOWER_BOUND", "")) or _ONE
        candidates.append((price_type_rank(price_type), bound, order, price_type, amount, parts))
    if not candidates:  # every price element already gave its issue
        return
    rank, _, _, price_type, amount, parts = min(candidates)
    if rank > PRICE_TYPE_RANK["net_list"] + 1:
        issue("no_net_price", price_type=price_type or "–")
    if parts.get("PRICE_CURRENCY"):
        article.currency = parts["PRICE_CURRENCY"]
    factor = _decimal(parts["PRICE_FACTOR"]) if parts.get("PRICE_FACTOR") else None
    quantity = price_quantity if price_quantity not in (None, 0) else _ONE
    article.price_type = price_type[:20]
    article.price_amount = amount
    article.price_quantity = quantity
    article.price = unit_price(amount, quantity, factor)


def _set_unit(article: CatalogArticle, text: str, issue: _Issue) -> None:
    """ORDER_UNIT → Rec 20 code (``units.unit_code``); an unknown unit is kept and reported."""
    code = unit_code(text)
    if code is None:
        article.order_unit = _one_line(text)[:10]
        issue("unit_unknown", unit=text)
    else:
        article.order_unit = code


def _drain(
    parent: etree._Element,
    stop_at: etree._Element | None,
    batches: _StrictBatches | None,
    pending: deque[list[CatalogArticle | ImportIssue]],
) -> Iterator[CatalogArticle | ImportIssue]:
    """Remove the handled children of ``parent`` before ``stop_at`` (all if None).

    This keeps memory flat. In strict mode the children go to the validator first, products
    together with their pending items; a full batch is validated right before a product.
    """
    while len(parent) and parent[0] is not stop_at:
        child = parent[0]
        if batches is not None:
            if _local(child.tag) in _PRODUCT_NAMES:
                if batches.full:
                    yield from batches.validate()
                batches.add(child, pending.popleft())
            elif isinstance(child.tag, str):
                batches.add(child, None)
        del parent[0]


class _Document:
    """How far :func:`iter_bmecat` got in the document: the root, the header, the transaction
    whose products it reads and, in strict mode, the batches that validate them. The events
    before the transaction and the ends of the header, the transaction and the root are handled
    here; the products themselves stay in :func:`iter_bmecat`'s loop."""

    def __init__(
        self,
        set_header: Callable[[CatalogHeader], None],
        strict: bool,
        standards_dir: str | os.PathLike[str] | None,
    ) -> None:
        self.set_header = set_header
        self.strict = strict
        self.standards_dir = standards_dir
        self.root: etree._Element | None = None
        self.header_element: etree._Element | None = None
        self.header: CatalogHeader | None = None  # set together with transaction
        self.transaction: etree._Element | None = None
        self.transaction_name = ""
        self.version = ""
        self.batches: _StrictBatches | None = None
        #: strict: items of products not yet handed to the validator
        self.pending: deque[list[CatalogArticle | ImportIssue]] = deque()
        self.entity_names: frozenset[str] = frozenset()
        #: a DOCTYPE with an internal subset: look for entity references
        self.check_entities = False

    def start(self, element: etree._Element, name: str) -> ImportIssue | None:
        """A start tag before the transaction: the root, then the transaction's own."""
        root = self.root
        if root is None:
            if name == "BMECAT" and element.getparent() is None:
                self._open_root(element)
        elif name in TRANSACTIONS and element.getparent() is root:
            return self._open_transaction(root, element, name)
        return None

    def _open_root(self, root: etree._Element) -> None:
        self.root = root
        self.entity_names = _refuse_entities(root)
        self.check_entities = root.getroottree().docinfo.internalDTD is not None
        version = (root.get("version") or "").strip()
        if not version and etree.QName(root).namespace == NS_2005:
            version = "2005"
        self.version = version

    def _open_transaction(
        self, root: etree._Element, transaction: etree._Element, name: str
    ) -> ImportIssue | None:
        """The header is complete once the transaction starts: report it, set up strict mode."""
        self.transaction = transaction
        self.transaction_name = name
        self.header = _header_from(self.header_element, name, self.version)
        self.set_header(self.header)
        if not self.strict:
            return None
        if not self.version.startswith("2005"):
            return ImportIssue(None, "strict_needs_2005", {"version": self.version or "1.x"})
        self.batches = _StrictBatches(load_schema(self.standards_dir), root)
        self.batches.header = self.header_element
        self.batches.transaction = transaction
        return None

    def end(
        self, element: etree._Element, name: str, parent: etree._Element | None
    ) -> Iterator[CatalogArticle | ImportIssue]:
        """An end tag that is not a child of the transaction: the header, the transaction (the
        last of its children, and the last strict batch), the root (nothing else in strict
        mode)."""
        if name == "HEADER" and parent is self.root:
            self.header_element = element
        elif element is self.transaction:
            yield from _drain(element, None, self.batches, self.pending)
            if self.batches is not None:
                yield from self.batches.validate()
        elif element is self.root and self.batches is not None:
            extra = [
                child
                for child in element
                if isinstance(child.tag, str)
                and child is not self.header_element
                and child is not self.transaction
            ]
            if extra:
                raise _schema_error(
                    [
                        (child.sourceline, f"unexpected element {_local(child.tag)} in BMECAT")
                        for child in extra
                    ]
                )

    def check_complete(self, found: etree._Element | None) -> None:
        """After the last event: refuse a file that was no BMEcat or had no transaction."""
        if self.root is None:
            if found is None:
                raise catalog_messages.error("not_bmecat.no_root", line=1)
            raise catalog_messages.error("not_bmecat", line=1, root=_local(found.tag))
        if self.transaction is None:
            raise catalog_messages.error("no_transaction", line=self.root.sourceline)


def _refuse_parameter_entities(stream: BinaryIO) -> None:
    """A DOCTYPE whose internal subset uses a parameter entity is refused from the raw head of
    the stream (``safexml.refuse_parameter_entity_use``): libxml2 would expand it whatever the
    parser options say."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        head = peek(1 << 16)
        if b"<!DOCTYPE" in head[:4096]:
            safexml.refuse_parameter_entity_use(head)


def iter_bmecat(
    stream: BinaryIO,
    set_header: Callable[[CatalogHeader], None],
    *,
    strict: bool = False,
    standards_dir: str | os.PathLike[str] | None = None,
) -> Iterator[CatalogArticle | ImportIssue]:
    """Yield articles and issues from a BMEcat stream; call ``set_header`` once it is known.

    Used through :func:`orderhub.formats.catalog_reader.read_catalog`.
    """
    _refuse_parameter_entities(stream)
    context = safexml.iterparse(stream, events=("start", "end"), tag=_EVENT_TAGS)
    document = _Document(set_header, strict, standards_dir)
    pending = document.pending
    try:
        for event, element in context:
            name = _local(element.tag)
            if event == "start":
                if document.transaction is None:
                    found = document.start(element, name)
                    if found is not None:
                        yield found
                continue

            # "end" events
            if document.root is None:
                continue
            parent = element.getparent()
            if document.check_entities:
                safexml.refuse_entity_references(element, document.entity_names)
            transaction, header = document.transaction, document.header
            if transaction is None or header is None or parent is not transaction:
                yield from document.end(element, name, parent)
                continue
            # a child of the transaction: a product, or one to drop (strict: to validate)
            batches = document.batches
            if name in _PRODUCT_NAMES:
                items = _product_items(element, document.transaction_name, header)
                if batches is None:
                    yield from items
                else:
                    pending.append(items)
            if batches is None:  # lenient: drop what came before, without a generator
                while transaction[0] is not element:
                    del transaction[0]
            else:
                yield from _drain(transaction, element, batches, pending)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    document.check_complete(context.root)
