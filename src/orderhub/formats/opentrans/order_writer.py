"""The openTRANS 2.1 ``ORDER`` OrderHub sends: :func:`write_order`, validated against the XSD
before any channel gets it. Its party and item writers are also the ORDERCHANGE's
(:mod:`.changes`), which repeats the order.
"""

from __future__ import annotations

from lxml import etree

from .. import FormatError
from .. import options as opts
from ..documents import Attachment, OrderDocument, OrderItem
from ._xml import (
    FITTING_REFERENCE_UDX,
    HMV_PID_TYPE,
    NSMAP,
    OPTIONS_UDX,
    ORDER_TYPE_REMARK,
    ORDER_TYPE_UDX,
    ORIGINAL_ORDER_UDX,
    PAIR_UDX,
    RETURN_DATE_UDX,
    TRACKING_REMARK,
    _clean,
    _control_info,
    _datetime_text,
    _identifier,
    _number,
    _party_ids,
    _remarks,
    _serialize,
    _sub,
    _write_party,
    order_unit,
)
from .schema import OT_NS, is_valid, validate

#: MIME_TYPE values the BMEcat pattern takes as they are; others go as their subtype ("stl").
_MIME_TYPES = {"application/pdf", "application/xml", "image/gif", "image/jpeg", "text/plain"}


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
    # Never hand a partner an ORDER its schema refuses: check it here, before any channel sends
    # (the tree as built; only a refused one is parsed again, for the message's line numbers).
    try:
        if not is_valid(root):
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


__all__ = ["write_order"]
