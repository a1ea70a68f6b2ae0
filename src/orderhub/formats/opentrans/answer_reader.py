"""What OrderHub reads back: a partner's ``ORDERRESPONSE`` or ``DISPATCHNOTIFICATION``
(:func:`parse_answer`).

Lenient where partners differ (prefixes, date formats, parties found by role or IDREF); a field
OrderHub needs that is missing raises :class:`FormatError` naming it. An order-response line
without OrderHub's ``ITEM_UDX/UDX.ORDERHUB.STATUS`` gets its status from the quantities, see
:func:`orderhub.formats.documents.line_status`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from .. import FormatError
from ..documents import LINE_STATUSES, AnswerLine, OrderDocument, PartnerAnswer, line_status
from ._xml import (
    _LINE_NUMBER,
    LOCAL_ID_TYPE,
    STATUS_UDX,
    _child,
    _children,
    _date,
    _datetime,
    _decimal,
    _line_no,
    _load,
    _parties_by_role,
    _path,
    _read_ids,
    _remark_texts,
    _required,
    _text,
    _texts,
)


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


__all__ = ["parse_answer"]
