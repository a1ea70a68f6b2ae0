"""openTRANS 2.1: ORDER out, ORDERRESPONSE and DISPATCHNOTIFICATION in (and out, for the simulator).

Everything written here validates against the official XSD (the copy in
``formats/standards/opentrans-2.1``, see :func:`validate`). Parsing is deliberately more lenient than the XSD: partners' documents are
read when the fields OrderHub needs are present, and a missing one raises :class:`FormatError`
naming it. The mapping between the dataclasses and the elements is documented for partners in
``docs/partner-formats.md``.

Choices worth knowing:

* Identifiers (order number, article numbers, GTIN) are never shortened; one that exceeds its XSD
  length raises :class:`FormatError`. Free text (names, streets, descriptions) is cut to the XSD
  length; a description longer than ``DESCRIPTION_SHORT`` also goes out complete as
  ``DESCRIPTION_LONG``.
* A party without any id gets ``PARTY_ID type="local"`` (value = its role) so the
  ``*_IDREF`` elements the XSD requires can point at it; parsers ignore such ids.
* The order-response line status travels explicitly in ``ITEM_UDX/UDX.ORDERHUB.STATUS``; without it
  (documents from other systems) it is derived from the quantities, see
  :func:`orderhub.formats.documents.line_status`.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from . import FormatError
from . import options as opts
from .documents import (
    LINE_STATUSES,
    AnswerLine,
    Attachment,
    OrderDocument,
    OrderItem,
    PartnerAnswer,
    Party,
    aware,
    line_status,
    standards_path,
)
from .safexml import parse_bytes, parser
from .units import unit_code

OT_NS = "http://www.opentrans.org/XMLSchema/2.1"
BMECAT_NS = "http://www.bmecat.org/bmecat/2005"
NSMAP = {None: OT_NS, "bmecat": BMECAT_NS}

GENERATOR = "OrderHub"
#: PARTY_ID type for ids that only exist so IDREFs inside one document can point at a party.
LOCAL_ID_TYPE = "local"
#: REMARKS type carrying OrderDocument.reference / OrderItem.reference.
REFERENCE_REMARK = "reference"
#: INTERNATIONAL_PID type carrying the German Hilfsmittelverzeichnis number.
HMV_PID_TYPE = "hmv"
STATUS_UDX = "UDX.ORDERHUB.STATUS"
#: Issue 17: the order type and its facts in ``HEADER_UDX``, the binaural pair in ``ITEM_UDX``,
#: and the sentence for a person in ``REMARKS type="order_type"``.
ORDER_TYPE_UDX = "UDX.ORDERHUB.ORDER_TYPE"
ORIGINAL_ORDER_UDX = "UDX.ORDERHUB.ORIGINAL_ORDER"
RETURN_DATE_UDX = "UDX.ORDERHUB.RETURN_DATE"
FITTING_REFERENCE_UDX = "UDX.ORDERHUB.FITTING_REFERENCE"
PAIR_UDX = "UDX.ORDERHUB.PAIR"
#: The vocabulary keys of the first features of the item, in order: which features are typed
#: options (the others are free attributes, also when a name looks like an option).
OPTIONS_UDX = "UDX.ORDERHUB.OPTIONS"
ORDER_TYPE_REMARK = "ordertype"
#: Issue 17: attachments are ``MIME_INFO/MIME`` with the signed link (``MIME_SOURCE``) and
#: ``FILE_HASH_VALUE type="SHA256"``; ``MIME_DESCR`` says ``<kind>: <file name>``. An
#: impression's tracking number is ``REMARKS type="impressiontracking"``.
TRACKING_REMARK = "impressiontracking"
#: MIME_TYPE values the BMEcat pattern takes as they are; others go as their subtype ("stl").
_MIME_TYPES = {"application/pdf", "application/xml", "image/gif", "image/jpeg", "text/plain"}

_ROOTS = ("ORDER", "ORDERRESPONSE", "DISPATCHNOTIFICATION")
_COUNTRY_CODED = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_LINE_NUMBER = re.compile(r"[0-9]{1,9}")
_DATETIME = re.compile(
    r"(?P<y>[0-9]{4})(-(?P<m>[0-9]{2})(-(?P<d>[0-9]{2})"
    r"(T(?P<H>[0-9]{2}):(?P<M>[0-9]{2})(:(?P<S>[0-9]{2})(\.(?P<f>[0-9]+))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?"
)
# ISO 8601 basic format (20200901, 20200901T1430, 20200901T143000+0200) and the German
# 01.09.2020, both written by partner systems although the XSD wants the extended format.
_DATETIME_BASIC = re.compile(
    r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"
    r"([T ]?(?P<H>[0-9]{2}):?(?P<M>[0-9]{2})(:?(?P<S>[0-9]{2})(\.(?P<f>[0-9]+))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_DATE_GERMAN = re.compile(r"(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})")
# Characters XML 1.0 cannot carry at all.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# --------------------------------------------------------------------------- writing helpers


def _clean(value: str | None) -> str:
    return _XML_INVALID.sub("", value or "").strip()


def _sub(
    parent: etree._Element, name: str, text: str | None = None, *, bme: bool = False, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{BMECAT_NS if bme else OT_NS}}}{name}", attrib=attrs)
    if text is not None:
        element.text = text
    return element


def _identifier(value: str | None, limit: int, field: str) -> str:
    """An identifier goes out whole or not at all: shortening one would order the wrong thing."""
    text = _clean(value)
    if len(text) > limit:
        raise FormatError(
            f"{field} is longer than the {limit} characters openTRANS allows: {text[:40]!r}…",
            field=field,
        )
    return text


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise FormatError(f"not a finite number: {value}")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def _datetime_text(value: datetime) -> str:
    value = aware(value).replace(microsecond=0)
    offset = value.utcoffset() or timedelta(0)
    if offset.seconds % 60:  # historic offsets with seconds do not fit dtDATETIME
        value = value.astimezone(UTC)
    return value.isoformat()


def _party_ids(party: Party, *, account: str = "") -> list[tuple[str, str]]:
    """(type, value) pairs for one party; the first one is what IDREFs point at."""
    ids: list[tuple[str, str]] = []
    if party.role == "buyer":
        if account:
            ids.append(("supplier_specific", _identifier(account, 250, "customer_number")))
    elif party.party_id:
        ids.append(("buyer_specific", _identifier(party.party_id, 250, f"{party.role}.party_id")))
    if party.gln:
        ids.append(("gln", _identifier(party.gln, 250, f"{party.role}.gln")))
    return ids or [(LOCAL_ID_TYPE, party.role)]


def _write_party(
    parties: etree._Element, party: Party, role: str, ids: list[tuple[str, str]]
) -> None:
    element = _sub(parties, "PARTY")
    for id_type, value in ids:
        _sub(element, "PARTY_ID", value, bme=True, type=id_type)
    _sub(element, "PARTY_ROLE", role)
    address = etree.Element(f"{{{OT_NS}}}ADDRESS")
    if _clean(party.name):
        _sub(address, "NAME", _clean(party.name)[:50], bme=True)
    if _clean(party.contact):
        details = _sub(address, "CONTACT_DETAILS")
        _sub(details, "CONTACT_NAME", _clean(party.contact)[:50], bme=True)
    for name, value, limit in (
        ("STREET", party.street, 50),
        ("ZIP", party.postal_code, 20),
        ("CITY", party.city, 50),
    ):
        if _clean(value):
            _sub(address, name, _clean(value)[:limit], bme=True)
    country = _clean(party.country)
    if country:
        if _COUNTRY_CODED.fullmatch(country):
            _sub(address, "COUNTRY_CODED", country, bme=True)
        else:
            _sub(address, "COUNTRY", country[:50], bme=True)
    if _clean(party.phone):
        _sub(address, "PHONE", _clean(party.phone)[:50], bme=True, type="office")
    if _clean(party.email):
        _sub(address, "EMAIL", _identifier(party.email, 255, f"{party.role}.email"), bme=True)
    if len(address):
        element.append(address)


def _remarks(
    parent: etree._Element, *, note: str = "", reference: str = "", note_type: str = "general"
) -> None:
    if _clean(reference):
        _sub(parent, "REMARKS", _clean(reference), type=REFERENCE_REMARK)
    if _clean(note):
        _sub(parent, "REMARKS", _clean(note), type=note_type)


def _delivery_date(parent: etree._Element, value: date) -> None:
    element = _sub(parent, "DELIVERY_DATE", type="fixed")
    _sub(element, "DELIVERY_START_DATE", value.isoformat())
    _sub(element, "DELIVERY_END_DATE", value.isoformat())


def _control_info(header: etree._Element) -> None:
    # No GENERATION_DATE: the same order must produce the same bytes on every delivery attempt.
    _sub(_sub(header, "CONTROL_INFO"), "GENERATOR_INFO", GENERATOR)


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --------------------------------------------------------------------------- ORDER


def _order_parties(info: etree._Element, doc: OrderDocument) -> tuple[str, str]:
    """PARTIES and ORDER_PARTIES_REFERENCE of an ORDER (and an ORDERCHANGE, which repeats them);
    returns the supplier's (type, id) pair the items refer to."""
    parties = _sub(info, "PARTIES")
    buyer_ids = _party_ids(doc.buyer, account=doc.buyer_account)
    supplier_ids = _party_ids(doc.supplier)
    _write_party(parties, doc.buyer, "buyer", buyer_ids)
    _write_party(parties, doc.supplier, "supplier", supplier_ids)
    delivery_ids = None
    if doc.delivery is not None:
        delivery_ids = _party_ids(doc.delivery)
        _write_party(parties, doc.delivery, "delivery", delivery_ids)
    references = _sub(info, "ORDER_PARTIES_REFERENCE")
    _sub(references, "BUYER_IDREF", buyer_ids[0][1], bme=True, type=buyer_ids[0][0])
    _sub(references, "SUPPLIER_IDREF", supplier_ids[0][1], bme=True, type=supplier_ids[0][0])
    if delivery_ids:
        shipment = _sub(references, "SHIPMENT_PARTIES_REFERENCE")
        _sub(shipment, "DELIVERY_IDREF", delivery_ids[0][1], type=delivery_ids[0][0])
    return supplier_ids[0]


def write_order(doc: OrderDocument) -> bytes:
    """openTRANS 2.1 ``ORDER`` for one order; ``type`` is ``standard``, ``express`` or
    ``consignment`` (the XSD's enumeration), other order types are ``standard`` and stated in
    ``HEADER_UDX`` and ``REMARKS type="order_type"``."""
    order_type = doc.order_type or "standard"
    if order_type not in opts.ORDER_TYPE_CODES:
        raise FormatError(f"unknown order type {order_type!r}", field="order_type")
    root = etree.Element(
        f"{{{OT_NS}}}ORDER",
        nsmap=NSMAP,
        version="2.1",
        type=opts.OPENTRANS_ORDER_TYPE.get(order_type, "standard"),
    )
    header = _sub(root, "ORDER_HEADER")
    _control_info(header)
    info = _sub(header, "ORDER_INFO")
    order_id = _identifier(doc.order_number, 250, "order_number")
    if not order_id:
        raise FormatError("an order needs an order number", field="order_number")
    _sub(info, "ORDER_ID", order_id)
    _sub(info, "ORDER_DATE", _datetime_text(doc.order_date))
    _sub(info, "LANGUAGE", "deu", bme=True, default="true")

    supplier_id = _order_parties(info, doc)
    currency = _clean(doc.currency).upper()
    if currency:
        _sub(info, "CURRENCY", currency, bme=True)
    _mime_info(info, doc.attachments)
    _remarks(info, note=doc.note, reference=doc.reference)
    _tracking_remarks(info, doc.attachments)
    _order_facts(info, doc)

    if not doc.items:
        raise FormatError("an order needs at least one line", field="items")
    item_list = _sub(root, "ORDER_ITEM_LIST")
    for item in doc.items:
        _write_order_item(item_list, item, supplier_id, doc.option_terms)

    summary = _sub(root, "ORDER_SUMMARY")
    _sub(summary, "TOTAL_ITEM_NUM", str(len(doc.items)))
    total = doc.total_amount
    if total is not None:
        _sub(summary, "TOTAL_AMOUNT", _number(total))
    data = _serialize(root)
    # Never hand a partner an ORDER its schema refuses: check it here, before any channel sends.
    try:
        validate(data)
    except FormatError as exc:
        raise FormatError(
            f"the openTRANS ORDER {order_id} would not be valid, so it is not sent: {exc.message}",
            field=exc.field,
        ) from None
    return data


def _order_facts(info: etree._Element, doc: OrderDocument) -> None:
    """Order type, original order, return date and fitting reference (issue 17)."""
    statement = opts.order_statement(doc.facts)
    if statement:
        _sub(info, "REMARKS", _clean(statement), type=ORDER_TYPE_REMARK)
    udx = [
        (ORDER_TYPE_UDX, doc.order_type if doc.order_type != "standard" else ""),
        (ORIGINAL_ORDER_UDX, _identifier(doc.original_order_number, 250, "original_order_number")),
        (RETURN_DATE_UDX, doc.return_date.isoformat() if doc.return_date else ""),
        (FITTING_REFERENCE_UDX, _clean(doc.fitting_reference)[:64]),
    ]
    udx = [(name, value) for name, value in udx if value]
    if udx:
        header_udx = _sub(info, "HEADER_UDX")
        for name, value in udx:
            _sub(header_udx, name, value)


def _feature_rows(
    item: OrderItem, terms: opts.Terms | None
) -> tuple[list[str], list[opts.Feature]]:
    """(option keys, features): the options first (in the partner's terms), then the free
    attributes that no option already says."""

    def cleaned(row: opts.Feature) -> opts.Feature:
        return opts.Feature(
            _clean(row.name)[:60], _clean(row.value)[:60], _clean(row.details)[:250]
        )

    keys, rows = [], []
    for key, row in zip(
        [k for k in opts.OPTION_KEYS if k in item.options], opts.features(item.options, terms)
    ):
        row = cleaned(row)
        if row.name and row.value:
            keys.append(key)
            rows.append(row)
    for name, value in item.attributes.items():
        if opts.option_key(name) in item.options:
            continue  # the typed option says it
        row = cleaned(opts.Feature(name, value))
        if row.name and row.value:
            rows.append(row)
    return keys, rows


def order_unit(unit: str | None, line_no: int) -> str:
    """The Rec 20 code for an order line's unit, or FormatError naming the line."""
    code = unit_code(unit)
    if code is None:
        raise FormatError(
            f"line {line_no}: order unit {_clean(unit)!r} is not a UN/ECE Recommendation 20 "
            "code; fix the unit in the partner's catalog (docs/catalog-formats.md)",
            field="unit",
        )
    return code


def _mime_info(parent: etree._Element, attachments: list[Attachment]) -> None:
    files = [a for a in attachments if a.url]
    if not files:
        return
    info = _sub(parent, "MIME_INFO")
    for a in files:
        mime = _sub(info, "MIME")
        content_type = a.content_type or "application/octet-stream"
        _sub(
            mime,
            "MIME_TYPE",
            content_type if content_type in _MIME_TYPES else content_type.split("/")[-1][:30],
            bme=True,
        )
        if len(a.url) > 255:
            raise FormatError("an attachment's link is longer than 255 characters", field="url")
        _sub(mime, "MIME_SOURCE", a.url, bme=True)
        if a.sha256:
            _sub(mime, "FILE_HASH_VALUE", a.sha256, type="SHA256")
        _sub(mime, "MIME_DESCR", _clean(f"{a.kind}: {a.filename}")[:250], bme=True)
        _sub(mime, "MIME_PURPOSE", "others")


def _tracking_remarks(parent: etree._Element, attachments: list[Attachment]) -> None:
    for a in attachments:
        if a.kind == "tracking_number" and _clean(a.text):
            _sub(parent, "REMARKS", _clean(a.text)[:250], type=TRACKING_REMARK)


def _read_attachments(element: etree._Element | None) -> list[Attachment]:
    out = []
    for mime in _children(_child(element, "MIME_INFO"), "MIME"):
        kind, _, filename = _text(_child(mime, "MIME_DESCR")).partition(": ")
        sha = next(
            (
                _text(h).lower()
                for h in _children(mime, "FILE_HASH_VALUE")
                if (h.get("type") or "").upper() == "SHA256"
            ),
            "",
        )
        out.append(
            Attachment(
                kind=kind or "file",
                filename=filename,
                content_type=_text(_child(mime, "MIME_TYPE")),
                sha256=sha,
                url=_text(_child(mime, "MIME_SOURCE")),
            )
        )
    for remark in _children(element, "REMARKS"):
        if remark.get("type") == TRACKING_REMARK and _text(remark):
            out.append(Attachment(kind="tracking_number", text=_text(remark)))
    return out


def _write_order_item(
    item_list: etree._Element,
    item: OrderItem,
    supplier_id: tuple[str, str],
    terms: opts.Terms | None = None,
) -> None:
    element = _sub(item_list, "ORDER_ITEM")
    _sub(element, "LINE_ITEM_ID", str(item.line_no))
    product = _sub(element, "PRODUCT_ID")
    article = _identifier(item.supplier_article_number, 32, "supplier_article_number")
    if article:
        _sub(product, "SUPPLIER_PID", article, bme=True, type="supplier_specific")
    if _clean(item.gtin):
        _sub(
            product, "INTERNATIONAL_PID", _identifier(item.gtin, 100, "gtin"), bme=True, type="gtin"
        )
    if _clean(item.hmv_number):
        _sub(
            product,
            "INTERNATIONAL_PID",
            _identifier(item.hmv_number, 100, "hmv_number"),
            bme=True,
            type=HMV_PID_TYPE,
        )
    description = _clean(item.description)
    if description:
        _sub(product, "DESCRIPTION_SHORT", description[:150], bme=True)
        if len(description) > 150:
            _sub(product, "DESCRIPTION_LONG", description[:64000], bme=True)
    if _clean(item.manufacturer_article_number):
        # OrderHub knows no separate manufacturer party: the IDREF names the supplier, the
        # MANUFACTURER_PID is what the partner needs.
        manufacturer = _sub(product, "MANUFACTURER_INFO")
        _sub(manufacturer, "MANUFACTURER_IDREF", supplier_id[1], bme=True, type=supplier_id[0])
        _sub(
            manufacturer,
            "MANUFACTURER_PID",
            _identifier(item.manufacturer_article_number, 50, "manufacturer_article_number"),
            bme=True,
        )
    option_keys, features = _feature_rows(item, terms)
    if features:
        container = _sub(element, "PRODUCT_FEATURES")
        for row in features:
            feature = _sub(container, "FEATURE")
            _sub(feature, "FNAME", row.name, bme=True)
            _sub(feature, "FVALUE", row.value, bme=True)
            if row.details:
                _sub(feature, "FVALUE_DETAILS", row.details, bme=True)
    _sub(element, "QUANTITY", _number(item.quantity))
    _sub(element, "ORDER_UNIT", order_unit(item.unit, item.line_no), bme=True)
    if item.price is not None:
        price = _sub(element, "PRODUCT_PRICE_FIX")
        _sub(price, "PRICE_AMOUNT", _number(item.price), bme=True)
        _sub(element, "PRICE_LINE_AMOUNT", _number(item.price * item.quantity))
    _mime_info(element, item.attachments)
    _remarks(element, reference=item.reference)
    _tracking_remarks(element, item.attachments)
    if option_keys or _clean(item.pair):
        udx = _sub(element, "ITEM_UDX")
        if option_keys:
            _sub(udx, OPTIONS_UDX, " ".join(option_keys))
        if _clean(item.pair):
            _sub(udx, PAIR_UDX, _clean(item.pair)[:20])


# --------------------------------------------------------------------------- answers (writing)


def _answer_parties(
    info: etree._Element, answer: PartnerAnswer, other_role: str, carrier: str = ""
) -> tuple[tuple[str, str], tuple[str, str]]:
    parties = _sub(info, "PARTIES")
    supplier_ids = _party_ids(Party(role="supplier", party_id=answer.sender_id or None))
    other_ids = [(LOCAL_ID_TYPE, other_role)]
    _write_party(parties, Party(role="supplier", country=""), "supplier", supplier_ids)
    _write_party(parties, Party(role=other_role, country=""), other_role, other_ids)
    if carrier:
        _write_party(
            parties,
            Party(role="deliverer", name=carrier, country=""),
            "deliverer",
            [(LOCAL_ID_TYPE, "deliverer")],
        )
    return supplier_ids[0], other_ids[0]


def _answer_quantity(line: AnswerLine) -> Decimal:
    if line.quantity is not None:
        return line.quantity
    if line.status == "rejected":
        return Decimal(0)
    raise FormatError(f"line {line.line_no}: openTRANS needs a quantity", field="quantity")


def _check_answer(answer: PartnerAnswer, kind: str) -> None:
    if answer.kind != kind:
        raise FormatError(f"expected a {kind} answer, got {answer.kind!r}", field="kind")
    if not answer.lines:
        raise FormatError("openTRANS answers need at least one line", field="lines")
    if not _clean(answer.document_id):
        raise FormatError("the answer needs a document id", field="document_id")
    if not _clean(answer.order_number):
        raise FormatError("the answer needs an order number", field="order_number")


def write_order_response(answer: PartnerAnswer) -> bytes:
    """openTRANS 2.1 ``ORDERRESPONSE``; ``document_id`` travels as ``SUPPLIER_ORDER_ID``."""
    _check_answer(answer, "order_response")
    root = etree.Element(f"{{{OT_NS}}}ORDERRESPONSE", nsmap=NSMAP, version="2.1")
    header = _sub(root, "ORDERRESPONSE_HEADER")
    _control_info(header)
    info = _sub(header, "ORDERRESPONSE_INFO")
    _sub(info, "ORDER_ID", _identifier(answer.order_number, 250, "order_number"))
    _sub(info, "ORDERRESPONSE_DATE", _datetime_text(answer.issued_at))
    _sub(info, "SUPPLIER_ORDER_ID", _identifier(answer.document_id, 250, "document_id"))
    if answer.delivery_date:
        _delivery_date(info, answer.delivery_date)
    supplier_id, buyer_id = _answer_parties(info, answer, "buyer")
    references = _sub(info, "ORDER_PARTIES_REFERENCE")
    _sub(references, "BUYER_IDREF", buyer_id[1], bme=True, type=buyer_id[0])
    _sub(references, "SUPPLIER_IDREF", supplier_id[1], bme=True, type=supplier_id[0])
    _remarks(info, note=answer.note)

    items = _sub(root, "ORDERRESPONSE_ITEM_LIST")
    for line in answer.lines:
        if line.status not in LINE_STATUSES or line.status == "shipped":
            raise FormatError(
                f"line {line.line_no}: status {line.status!r} does not belong in an order response",
                field="status",
            )
        item = _sub(items, "ORDERRESPONSE_ITEM")
        _sub(item, "LINE_ITEM_ID", str(line.line_no))
        product = _sub(item, "PRODUCT_ID")
        if _clean(line.supplier_article_number):
            _sub(
                product,
                "SUPPLIER_PID",
                _identifier(line.supplier_article_number, 32, "supplier_article_number"),
                bme=True,
                type="supplier_specific",
            )
        _sub(item, "QUANTITY", _number(_answer_quantity(line)))
        _sub(item, "ORDER_UNIT", order_unit(line.unit, line.line_no), bme=True)
        if line.price is not None:
            _sub(_sub(item, "PRODUCT_PRICE_FIX"), "PRICE_AMOUNT", _number(line.price), bme=True)
        _response_item_delivery(item, line)
        _remarks(item, note=line.note)
        _sub(_sub(item, "ITEM_UDX"), STATUS_UDX, line.status)
    _sub(_sub(root, "ORDERRESPONSE_SUMMARY"), "TOTAL_ITEM_NUM", str(len(answer.lines)))
    return _serialize(root)


def _response_item_delivery(item: etree._Element, line: AnswerLine) -> None:
    """``DELIVERY_DATE``, or for a backorder a ``PARTIAL_DELIVERY_LIST``: the part delivered now
    (at the line's date) and the backordered part (at its expected date)."""
    backordered = line.backordered_quantity or Decimal(0)
    if not backordered:
        if line.delivery_date:
            _delivery_date(item, line.delivery_date)
        return
    total = _answer_quantity(line)
    if backordered > total:
        raise FormatError(
            f"line {line.line_no}: the backordered quantity is more than the confirmed one",
            field="backordered_quantity",
        )
    parts = _sub(item, "PARTIAL_DELIVERY_LIST")
    for quantity, when in (
        (total - backordered, line.delivery_date),
        (backordered, line.backorder_date),
    ):
        if quantity:
            part = _sub(parts, "PARTIAL_DELIVERY")
            _sub(part, "QUANTITY", _number(quantity))
            if when:
                _delivery_date(part, when)


def write_dispatch_notification(answer: PartnerAnswer) -> bytes:
    """openTRANS 2.1 ``DISPATCHNOTIFICATION``.

    Tracking: the first number is ``SHIPMENT_ID``; every number is also one
    ``LOGISTIC_DETAILS_INFO/PACKAGE_INFO/PACKAGE/PACKAGE_ID type="deliverer_specific"``. The carrier
    is a ``PARTY`` with ``PARTY_ROLE deliverer``.
    """
    _check_answer(answer, "dispatch_notification")
    root = etree.Element(f"{{{OT_NS}}}DISPATCHNOTIFICATION", nsmap=NSMAP, version="2.1")
    header = _sub(root, "DISPATCHNOTIFICATION_HEADER")
    _control_info(header)
    info = _sub(header, "DISPATCHNOTIFICATION_INFO")
    _sub(info, "DISPATCHNOTIFICATION_ID", _identifier(answer.document_id, 250, "document_id"))
    _sub(info, "DISPATCHNOTIFICATION_DATE", _datetime_text(answer.issued_at))
    if answer.delivery_date:
        _delivery_date(info, answer.delivery_date)
    carrier = _clean(answer.carrier)
    supplier_id, delivery_id = _answer_parties(info, answer, "delivery", carrier)
    _sub(info, "SUPPLIER_IDREF", supplier_id[1], bme=True, type=supplier_id[0])
    shipment = _sub(info, "SHIPMENT_PARTIES_REFERENCE")
    _sub(shipment, "DELIVERY_IDREF", delivery_id[1], type=delivery_id[0])
    if carrier:
        _sub(shipment, "DELIVERER_IDREF", "deliverer", type=LOCAL_ID_TYPE)
    tracking = [_identifier(t, 50, "tracking_numbers") for t in answer.tracking_numbers]
    tracking = [t for t in tracking if t]
    if tracking:
        _sub(info, "SHIPMENT_ID", tracking[0])
        packages = _sub(_sub(info, "LOGISTIC_DETAILS_INFO"), "PACKAGE_INFO")
        for number in tracking:
            _sub(_sub(packages, "PACKAGE"), "PACKAGE_ID", number, type="deliverer_specific")
    _remarks(info, note=answer.note, note_type="general")

    items = _sub(root, "DISPATCHNOTIFICATION_ITEM_LIST")
    order_id = _identifier(answer.order_number, 250, "order_number")
    for line in answer.lines:
        item = _sub(items, "DISPATCHNOTIFICATION_ITEM")
        _sub(item, "LINE_ITEM_ID", str(line.line_no))
        product = _sub(item, "PRODUCT_ID")
        if _clean(line.supplier_article_number):
            _sub(
                product,
                "SUPPLIER_PID",
                _identifier(line.supplier_article_number, 32, "supplier_article_number"),
                bme=True,
                type="supplier_specific",
            )
        for name, numbers in (
            ("LOT_NUMBER", line.lot_numbers),
            ("SERIAL_NUMBER", line.serial_numbers),
        ):
            for number in numbers:
                if _clean(number):
                    _sub(product, name, _identifier(number, 80, name.lower() + "s"))
        _sub(item, "QUANTITY", _number(_answer_quantity(line)))
        _sub(item, "ORDER_UNIT", order_unit(line.unit, line.line_no), bme=True)
        reference = _sub(item, "ORDER_REFERENCE")
        _sub(reference, "ORDER_ID", order_id)
        _sub(reference, "LINE_ITEM_ID", str(line.line_no))
        line_shipment = _sub(item, "SHIPMENT_PARTIES_REFERENCE")
        _sub(line_shipment, "DELIVERY_IDREF", delivery_id[1], type=delivery_id[0])
        _remarks(item, note=line.note)
    _sub(_sub(root, "DISPATCHNOTIFICATION_SUMMARY"), "TOTAL_ITEM_NUM", str(len(answer.lines)))
    return _serialize(root)


# --------------------------------------------------------------------------- reading helpers


def _load(data: bytes, expected: tuple[str, ...]) -> etree._Element:
    """Parse safely, drop namespaces (partners mix prefixes freely) and check the root."""
    if not isinstance(data, (bytes, bytearray)):
        raise FormatError("openTRANS documents are bytes")
    root = parse_bytes(bytes(data))
    namespace = etree.QName(root).namespace
    name = etree.QName(root).localname
    if name not in expected:
        raise FormatError(
            f"expected an openTRANS {' or '.join(expected)} document, got root element <{name}>",
            line=root.sourceline,
        )
    version = (root.get("version") or "").strip()
    if version.startswith("1.") or (
        namespace is None
        and not version
        and any(
            etree.QName(e).localname in ("ARTICLE_ID", "SUPPLIER_AID", "BUYER_AID")
            for e in root.iter()
            if isinstance(e.tag, str)
        )
    ):
        raise FormatError(
            f"this is an openTRANS {version or '1.x'} document; OrderHub reads openTRANS 2.1 "
            f"only — please send {name} in openTRANS 2.1 (namespace {OT_NS})",
            line=root.sourceline,
            field="version",
        )
    if namespace not in (OT_NS, None):
        raise FormatError(
            f"root element <{name}> is not in the openTRANS 2.1 namespace "
            f"{OT_NS} but in {namespace}",
            line=root.sourceline,
        )
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    return root


def _children(element: etree._Element | None, name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [child for child in element if child.tag == name]


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _path(element: etree._Element | None, *names: str) -> etree._Element | None:
    for name in names:
        element = _child(element, name)
    return element


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _texts(element: etree._Element | None, name: str) -> list[str]:
    """The non-empty texts of every ``name`` child, in document order."""
    return [t for t in (_text(c) for c in _children(element, name)) if t]


def _required(element: etree._Element | None, name: str, where: str) -> etree._Element:
    found = _child(element, name)
    if found is None or not _text(found):
        line = element.sourceline if element is not None else None
        raise FormatError(f"{where} has no {name}", field=name, line=line)
    return found


def _decimal(element: etree._Element, name: str) -> Decimal:
    text = _text(element)
    if not _DECIMAL.fullmatch(text):
        raise FormatError(
            f"{name} is not a number: {text[:40]!r}", field=name, line=element.sourceline
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes this
        raise FormatError(f"{name} is not a number: {text[:40]!r}", field=name) from None


def _datetime(element: etree._Element, name: str) -> datetime:
    text = _text(element)
    match = (
        _DATETIME.fullmatch(text) or _DATETIME_BASIC.fullmatch(text) or _DATE_GERMAN.fullmatch(text)
    )
    if not match:
        raise FormatError(
            f"{name} is not a date/time: {text[:40]!r}", field=name, line=element.sourceline
        )
    parts = match.groupdict()
    try:
        value = datetime(
            int(parts["y"]),
            int(parts["m"] or 1),
            int(parts["d"] or 1),
            int(parts.get("H") or 0),
            int(parts.get("M") or 0),
            int(parts.get("S") or 0),
            int((parts.get("f") or "0")[:6].ljust(6, "0")),
        )
        tz = (parts.get("tz") or "").replace(":", "")
        if len(tz) == 5:
            tz = f"{tz[:3]}:{tz[3:]}"
        if tz == "Z":
            value = value.replace(tzinfo=UTC)
        elif tz:
            sign = -1 if tz[0] == "-" else 1
            offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
            value = value.replace(tzinfo=timezone(sign * offset))
    except ValueError as exc:
        raise FormatError(
            f"{name} is not a valid date/time: {text[:40]!r} ({exc})",
            field=name,
            line=element.sourceline,
        ) from None
    return aware(value)


def _date(element: etree._Element | None, name: str) -> date | None:
    if element is None:
        return None
    start = _child(element, "DELIVERY_START_DATE")
    end = _child(element, "DELIVERY_END_DATE")
    chosen = end if end is not None and _text(end) else start
    if chosen is None or not _text(chosen):
        return None
    # Delivery dates are calendar days: read them in local time without shifting zones.
    return _datetime(chosen, name).date()


def _line_no(element: etree._Element, position: int) -> int:
    text = _text(_child(element, "LINE_ITEM_ID"))
    return int(text) if _LINE_NUMBER.fullmatch(text) else position


def _remark_texts(element: etree._Element | None) -> tuple[str, str]:
    """(note, reference) from REMARKS children; several notes are joined by newlines."""
    notes: list[str] = []
    references: list[str] = []
    for remark in _children(element, "REMARKS"):
        text = _text(remark)
        kind = remark.get("type")
        # The order-type sentence is read from the UDX, tracking numbers as attachments.
        if text and kind not in (ORDER_TYPE_REMARK, TRACKING_REMARK):
            (references if kind == REFERENCE_REMARK else notes).append(text)
    return "\n".join(notes), "\n".join(references)


def _read_ids(party: etree._Element) -> list[tuple[str, str]]:
    ids = []
    for element in _children(party, "PARTY_ID"):
        value = _text(element)
        if value:
            ids.append(((element.get("type") or "").strip(), value))
    return ids


def _read_party(element: etree._Element, role: str) -> Party:
    ids = [(t, v) for t, v in _read_ids(element) if t != LOCAL_ID_TYPE]
    gln = next((v for t, v in ids if t in ("gln", "iln")), None)
    others = [(t, v) for t, v in ids if t not in ("gln", "iln")]
    if role == "buyer":
        # The buyer's number at the supplier is the customer number.
        preferred = [v for t, v in others if t == "supplier_specific"]
        party_id = preferred[0] if preferred else (others[0][1] if others else None)
    else:
        party_id = others[0][1] if others else None
    party = Party(role=role, party_id=party_id, gln=gln, country="")
    address = _child(element, "ADDRESS")
    if address is None:
        party.country = "DE"
        return party
    names = [_text(_child(address, n)) for n in ("NAME", "NAME2", "NAME3")]
    party.name = ", ".join(n for n in names if n)
    party.street = _text(_child(address, "STREET"))
    party.postal_code = _text(_child(address, "ZIP"))
    party.city = _text(_child(address, "CITY"))
    party.country = (
        _text(_child(address, "COUNTRY_CODED")) or _text(_child(address, "COUNTRY")) or "DE"
    )
    contact = _child(address, "CONTACT_DETAILS")
    if contact is not None:
        names = [_text(_child(contact, "FIRST_NAME")), _text(_child(contact, "CONTACT_NAME"))]
        party.contact = " ".join(n for n in names if n) or None
    party.phone = _text(_child(address, "PHONE")) or _text(_child(contact, "PHONE")) or None
    party.email = (
        _text(_child(address, "EMAIL")) or _text(_path(contact, "EMAILS", "EMAIL")) or None
    )
    return party


def _parties_by_role(info: etree._Element) -> dict[str, etree._Element]:
    """Map roles to PARTY elements, by PARTY_ROLE or, failing that, by the *_IDREF elements."""
    parties = _children(_child(info, "PARTIES"), "PARTY")
    by_role: dict[str, etree._Element] = {}
    for party in parties:
        for role_element in _children(party, "PARTY_ROLE"):
            by_role.setdefault(_text(role_element), party)
    references = _child(info, "ORDER_PARTIES_REFERENCE")
    idrefs = {
        "buyer": _text(_child(references, "BUYER_IDREF")) or _text(_child(info, "BUYER_IDREF")),
        "supplier": (
            _text(_child(references, "SUPPLIER_IDREF")) or _text(_child(info, "SUPPLIER_IDREF"))
        ),
        "delivery": (
            _text(_path(references, "SHIPMENT_PARTIES_REFERENCE", "DELIVERY_IDREF"))
            or _text(_path(info, "SHIPMENT_PARTIES_REFERENCE", "DELIVERY_IDREF"))
        ),
    }
    for role, ref in idrefs.items():
        if role in by_role or not ref:
            continue
        for party in parties:
            if any(value == ref for _, value in _read_ids(party)):
                by_role[role] = party
                break
    return by_role


# --------------------------------------------------------------------------- ORDER (reading)


def parse_order(data: bytes) -> OrderDocument:
    """Read an openTRANS 2.1 ORDER (ours or a partner's) into an :class:`OrderDocument`."""
    root = _load(data, ("ORDER",))
    info = _path(root, "ORDER_HEADER", "ORDER_INFO")
    if info is None:
        raise FormatError(
            "ORDER has no ORDER_HEADER/ORDER_INFO", field="ORDER_INFO", line=root.sourceline
        )
    order_number = _text(_required(info, "ORDER_ID", "ORDER_INFO"))
    order_date = _datetime(_required(info, "ORDER_DATE", "ORDER_INFO"), "ORDER_DATE")

    by_role = _parties_by_role(info)
    references = _child(info, "ORDER_PARTIES_REFERENCE")

    def party(role: str, idref: str) -> Party:
        if role in by_role:
            return _read_party(by_role[role], role)
        return Party(role=role, party_id=idref or None)

    buyer = party("buyer", _text(_child(references, "BUYER_IDREF")))
    supplier = party("supplier", _text(_child(references, "SUPPLIER_IDREF")))
    delivery = _read_party(by_role["delivery"], "delivery") if "delivery" in by_role else None
    note, reference = _remark_texts(info)
    udx = _child(info, "HEADER_UDX")
    order_type = _text(_child(udx, ORDER_TYPE_UDX)) or (root.get("type") or "standard").strip()
    if order_type not in opts.ORDER_TYPE_CODES:
        order_type = "standard"  # "release" and the like: an order as any other
    return_date = _text(_child(udx, RETURN_DATE_UDX))

    items_element = _child(root, "ORDER_ITEM_LIST")
    items = [
        _read_order_item(element, position)
        for position, element in enumerate(_children(items_element, "ORDER_ITEM"), 1)
    ]
    if not items:
        raise FormatError("ORDER has no ORDER_ITEM", field="ORDER_ITEM", line=root.sourceline)
    return OrderDocument(
        order_number=order_number,
        order_date=order_date,
        buyer=buyer,
        supplier=supplier,
        delivery=delivery,
        customer_number=buyer.party_id or "",
        currency=_text(_child(info, "CURRENCY")) or "EUR",
        reference=reference,
        note=note,
        recipient_id=supplier.gln or supplier.party_id or "",
        items=items,
        order_type=order_type,
        original_order_number=_text(_child(udx, ORIGINAL_ORDER_UDX)),
        return_date=_iso_date(return_date, RETURN_DATE_UDX) if return_date else None,
        fitting_reference=_text(_child(udx, FITTING_REFERENCE_UDX)),
        attachments=_read_attachments(info),
    )


def _iso_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormatError(
            f"{field} is not a date (YYYY-MM-DD): {text[:20]!r}", field=field
        ) from None


def _read_order_item(element: etree._Element, position: int) -> OrderItem:
    product = _child(element, "PRODUCT_ID")
    quantity = _decimal(_required(element, "QUANTITY", f"ORDER_ITEM {position}"), "QUANTITY")
    item = OrderItem(line_no=_line_no(element, position), quantity=quantity)
    item.unit = _text(_child(element, "ORDER_UNIT")) or "C62"
    item.supplier_article_number = _text(_child(product, "SUPPLIER_PID"))
    for pid in _children(product, "INTERNATIONAL_PID"):
        kind = (pid.get("type") or "").strip().lower()
        if kind in ("gtin", "ean") and not item.gtin:
            item.gtin = _text(pid) or None
        elif kind == HMV_PID_TYPE and not item.hmv_number:
            item.hmv_number = _text(pid) or None
    short = _text(_child(product, "DESCRIPTION_SHORT"))
    long = _text(_child(product, "DESCRIPTION_LONG"))
    # A long description that continues the short one is the complete text (ours always is).
    item.description = long if long.startswith(short) else short
    item.manufacturer_article_number = (
        _text(_path(product, "MANUFACTURER_INFO", "MANUFACTURER_PID")) or None
    )
    option_keys = _text(_path(element, "ITEM_UDX", OPTIONS_UDX)).split()
    for index, feature in enumerate(_children(_child(element, "PRODUCT_FEATURES"), "FEATURE")):
        name = _text(_child(feature, "FNAME"))
        values = [_text(v) for v in _children(feature, "FVALUE")]
        value = ", ".join(v for v in values if v)
        key = option_keys[index] if index < len(option_keys) else ""
        if key in opts.VOCABULARY:
            details = _text(_child(feature, "FVALUE_DETAILS"))
            item.options[key] = opts.option_from_text(key, value, details)
        elif name:
            item.attributes[name] = value
    price = _path(element, "PRODUCT_PRICE_FIX", "PRICE_AMOUNT")
    if price is not None and _text(price):
        item.price = _decimal(price, "PRICE_AMOUNT")
    _, item.reference = _remark_texts(element)
    item.pair = _text(_path(element, "ITEM_UDX", PAIR_UDX))
    item.attachments = _read_attachments(element)
    return item


# --------------------------------------------------------------------------- answers (reading)


def parse_answer(data: bytes, *, order: OrderDocument | None = None) -> PartnerAnswer:
    """Read an ORDERRESPONSE or DISPATCHNOTIFICATION.

    ``order`` (the order the answer refers to) lets order-response lines without an explicit
    OrderHub status be classified as ``changed`` when quantity or article differ.
    """
    root = _load(data, ("ORDERRESPONSE", "DISPATCHNOTIFICATION"))
    if root.tag == "ORDERRESPONSE":
        return _read_order_response(root, order)
    return _read_dispatch_notification(root)


def _supplier_id(info: etree._Element, by_role: dict[str, etree._Element]) -> str:
    if "supplier" in by_role:
        ids = [(t, v) for t, v in _read_ids(by_role["supplier"]) if t != LOCAL_ID_TYPE]
        if ids:
            return ids[0][1]
        return ""
    ref = _child(info, "SUPPLIER_IDREF")
    if ref is None:
        ref = _path(info, "ORDER_PARTIES_REFERENCE", "SUPPLIER_IDREF")
    if ref is None or ref.get("type") == LOCAL_ID_TYPE:
        return ""
    return _text(ref)


def _read_order_response(root: etree._Element, order: OrderDocument | None) -> PartnerAnswer:
    info = _path(root, "ORDERRESPONSE_HEADER", "ORDERRESPONSE_INFO")
    if info is None:
        raise FormatError(
            "ORDERRESPONSE has no ORDERRESPONSE_HEADER/ORDERRESPONSE_INFO",
            field="ORDERRESPONSE_INFO",
            line=root.sourceline,
        )
    order_number = _text(_required(info, "ORDER_ID", "ORDERRESPONSE_INFO"))
    date_element = _required(info, "ORDERRESPONSE_DATE", "ORDERRESPONSE_INFO")
    issued_at = _datetime(date_element, "ORDERRESPONSE_DATE")
    document_id = _text(_child(info, "SUPPLIER_ORDER_ID"))
    if not document_id:
        # No document number of its own: order number, date and change sequence identify it.
        sequence = _text(_child(info, "ORDERCHANGE_SEQUENCE_ID"))
        document_id = "/".join(p for p in (order_number, _text(date_element), sequence) if p)
    note, _ = _remark_texts(info)
    ordered = {item.line_no: item for item in order.items} if order else {}

    lines = []
    for position, item in enumerate(
        _children(_child(root, "ORDERRESPONSE_ITEM_LIST"), "ORDERRESPONSE_ITEM"), 1
    ):
        line_no = _line_no(item, position)
        quantity = _decimal(
            _required(item, "QUANTITY", f"ORDERRESPONSE_ITEM {position}"), "QUANTITY"
        )
        article = _text(_path(item, "PRODUCT_ID", "SUPPLIER_PID")) or None
        delivery_date, backordered, backorder_date = _response_item_dates(item, quantity)
        status = _text(_path(item, "ITEM_UDX", STATUS_UDX))
        if status not in LINE_STATUSES or status == "shipped":
            status = line_status(
                quantity, ordered.get(line_no), article=article, backordered=backordered
            )
        line_note, _ = _remark_texts(item)
        price = _path(item, "PRODUCT_PRICE_FIX", "PRICE_AMOUNT")
        lines.append(
            AnswerLine(
                line_no=line_no,
                status=status,
                quantity=quantity,
                supplier_article_number=article,
                delivery_date=delivery_date,
                note=line_note,
                unit=_text(_child(item, "ORDER_UNIT")) or "C62",
                backordered_quantity=backordered,
                backorder_date=backorder_date,
                price=_decimal(price, "PRICE_AMOUNT") if price is not None else None,
            )
        )
    return PartnerAnswer(
        kind="order_response",
        order_number=order_number,
        document_id=document_id,
        issued_at=issued_at,
        lines=lines,
        delivery_date=_date(_child(info, "DELIVERY_DATE"), "DELIVERY_DATE"),
        note=note,
        sender_id=_supplier_id(info, _parties_by_role(info)),
    )


def _response_item_dates(
    item: etree._Element, quantity: Decimal
) -> tuple[date | None, Decimal | None, date | None]:
    """(delivery date, backordered quantity, backorder date) of an ORDERRESPONSE_ITEM.

    A ``PARTIAL_DELIVERY_LIST`` splits the confirmed quantity by date: the first part is delivered
    at the line's delivery date, everything after it is the backorder, expected at the last date.
    """
    parts = _children(_child(item, "PARTIAL_DELIVERY_LIST"), "PARTIAL_DELIVERY")
    if not parts:
        return _date(_child(item, "DELIVERY_DATE"), "DELIVERY_DATE"), None, None
    dated = [
        (
            _decimal(_required(part, "QUANTITY", "PARTIAL_DELIVERY"), "QUANTITY"),
            _date(_child(part, "DELIVERY_DATE"), "DELIVERY_DATE"),
        )
        for part in parts
    ]
    if sum(q for q, _ in dated) != quantity:
        raise FormatError(
            f"the partial deliveries of line {_text(_child(item, 'LINE_ITEM_ID'))} add up to "
            f"{sum(q for q, _ in dated)}, the line confirms {quantity}",
            field="PARTIAL_DELIVERY_LIST",
            line=item.sourceline,
        )
    later = dated[1:]
    backordered = sum((q for q, _ in later), Decimal(0)) or None
    return dated[0][1], backordered, (later[-1][1] if later else None)


def _carrier(info: etree._Element) -> str:
    """The carrier: the deliverer party's NAME, else its CONTACT_DETAILS/CONTACT_NAME, else a
    ``REMARKS type="delivererCode"`` (or ``deliverer``/``carrier``)."""
    for party in _children(_child(info, "PARTIES"), "PARTY"):
        if "deliverer" in [_text(r) for r in _children(party, "PARTY_ROLE")]:
            address = _child(party, "ADDRESS")
            name = _text(_child(address, "NAME")) or _text(
                _path(address, "CONTACT_DETAILS", "CONTACT_NAME")
            )
            if name:
                return name
    for remark in _children(info, "REMARKS"):
        if (remark.get("type") or "").strip().lower() in ("deliverercode", "deliverer", "carrier"):
            if _text(remark):
                return _text(remark)
    return ""


def _read_dispatch_notification(root: etree._Element) -> PartnerAnswer:
    info = _path(root, "DISPATCHNOTIFICATION_HEADER", "DISPATCHNOTIFICATION_INFO")
    if info is None:
        raise FormatError(
            "DISPATCHNOTIFICATION has no header info",
            field="DISPATCHNOTIFICATION_INFO",
            line=root.sourceline,
        )
    document_id = _text(_required(info, "DISPATCHNOTIFICATION_ID", "DISPATCHNOTIFICATION_INFO"))
    date_element = _child(info, "DISPATCHNOTIFICATION_DATE")
    if date_element is None or not _text(date_element):
        raise FormatError(
            "DISPATCHNOTIFICATION_INFO has no DISPATCHNOTIFICATION_DATE",
            field="DISPATCHNOTIFICATION_DATE",
            line=info.sourceline,
        )
    issued_at = _datetime(date_element, "DISPATCHNOTIFICATION_DATE")
    by_role = _parties_by_role(info)
    carrier = _carrier(info)
    tracking = []
    shipment_id = _text(_child(info, "SHIPMENT_ID"))
    if shipment_id:
        tracking.append(shipment_id)
    for package in _children(_path(info, "LOGISTIC_DETAILS_INFO", "PACKAGE_INFO"), "PACKAGE"):
        for package_id in _children(package, "PACKAGE_ID"):
            number = _text(package_id)
            if number and number not in tracking:
                tracking.append(number)
    note, _ = _remark_texts(info)

    lines, order_numbers = [], []
    for position, item in enumerate(
        _children(_child(root, "DISPATCHNOTIFICATION_ITEM_LIST"), "DISPATCHNOTIFICATION_ITEM"), 1
    ):
        reference = _child(item, "ORDER_REFERENCE")
        order_id = _text(_child(reference, "ORDER_ID"))
        if not order_id:
            raise FormatError(
                f"DISPATCHNOTIFICATION_ITEM {position} has no ORDER_REFERENCE/ORDER_ID",
                field="ORDER_REFERENCE",
                line=item.sourceline,
            )
        if order_id not in order_numbers:
            order_numbers.append(order_id)
        referenced_line = _text(_child(reference, "LINE_ITEM_ID"))
        line_no = (
            int(referenced_line)
            if _LINE_NUMBER.fullmatch(referenced_line)
            else _line_no(item, position)
        )
        quantity = _decimal(
            _required(item, "QUANTITY", f"DISPATCHNOTIFICATION_ITEM {position}"), "QUANTITY"
        )
        line_note, _ = _remark_texts(item)
        lines.append(
            AnswerLine(
                line_no=line_no,
                status="shipped",
                quantity=quantity,
                supplier_article_number=_text(_path(item, "PRODUCT_ID", "SUPPLIER_PID")) or None,
                note=line_note,
                unit=_text(_child(item, "ORDER_UNIT")) or "C62",
                serial_numbers=_texts(_child(item, "PRODUCT_ID"), "SERIAL_NUMBER"),
                lot_numbers=_texts(_child(item, "PRODUCT_ID"), "LOT_NUMBER"),
            )
        )
    if not order_numbers:
        raise FormatError(
            "DISPATCHNOTIFICATION has no items",
            field="DISPATCHNOTIFICATION_ITEM",
            line=root.sourceline,
        )
    if len(order_numbers) > 1:
        raise FormatError(
            "one DISPATCHNOTIFICATION per order, please: this one refers to "
            f"{', '.join(order_numbers[:5])}",
            field="ORDER_REFERENCE",
        )
    return PartnerAnswer(
        kind="dispatch_notification",
        order_number=order_numbers[0],
        document_id=document_id,
        issued_at=issued_at,
        lines=lines,
        delivery_date=_date(_child(info, "DELIVERY_DATE"), "DELIVERY_DATE"),
        tracking_numbers=tracking,
        carrier=carrier,
        note=note,
        sender_id=_supplier_id(info, by_role),
    )


# --------------------------------------------------------------------------- XSD validation


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


def schema(standards_dir: str | os.PathLike[str] | None = None) -> etree.XMLSchema:
    """The openTRANS 2.1 XSD, loaded once per location."""
    path = standards_path("opentrans-2.1", "opentrans_2_1.xsd", standards_dir=standards_dir)
    # libxml2 must not compile a schema in several threads at once: the first deliveries of a worker
    # (a pool of senders) or the simulator's first requests crashed it ("Internal error", segfault).
    with _VALIDATION_LOCK:
        return _schema(str(Path(path).resolve()))


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


__all__ = [
    "document_type",
    "parse_answer",
    "parse_order",
    "schema",
    "validate",
    "write_dispatch_notification",
    "write_order",
    "write_order_response",
]
