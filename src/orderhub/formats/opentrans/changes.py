"""openTRANS 2.1 after the order, as OrderHub writes it: ORDERCHANGE (order change or
cancellation) and RECEIPTACKNOWLEDGEMENT (goods receipt). Reading them is the partner's part
(:mod:`.partner`).

Both writers validate their result against the official XSD (:func:`.schema.validate`) and raise
:class:`FormatError` instead of returning a document the schema refuses. The element mapping is
documented for partners in ``docs/partner-formats.md``.

ORDERCHANGE choices:

* The document carries the **complete order as it stands after the change**: every sent line
  (a removed line with ``QUANTITY`` 0), then the added lines. A partner that treats an
  ORDERCHANGE as a replacement of the order gets the right order; a partner that reads it line
  by line finds what happened to each line in ``ITEM_UDX/UDX.ORDERHUB.ACTION`` = ``unchanged`` /
  ``changed`` / ``deleted`` / ``added``.
* A new requested delivery date is the line's ``DELIVERY_DATE``.
* A cancellation is ``HEADER_UDX/UDX.ORDERHUB.CHANGE`` = ``cancel`` with every line at quantity 0
  (``deleted``); without the UDX, an ORDERCHANGE whose lines are all 0 reads as a cancellation.
* ``ORDERCHANGE_SEQUENCE_ID`` is the change's sequence number (1, 2 …), the partner's
  deduplication key together with ``ORDER_ID``.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from lxml import etree

from .. import FormatError
from ..changes import GoodsReceipt, LineChange, OrderChange, check_change, check_receipt
from ..documents import OrderDocument, OrderItem, Party
from ._xml import (
    NSMAP,
    _clean,
    _control_info,
    _datetime_text,
    _delivery_date,
    _identifier,
    _number,
    _party_ids,
    _remarks,
    _serialize,
    _sub,
    _write_party,
    order_unit,
)
from .order_writer import _order_parties, _write_order_item
from .schema import OT_NS, validate

ACTION_UDX = "UDX.ORDERHUB.ACTION"
CHANGE_UDX = "UDX.ORDERHUB.CHANGE"
#: Line actions in ``UDX.ORDERHUB.ACTION``.
ACTIONS = ("unchanged", "changed", "deleted", "added")


def _validated(data: bytes, what: str) -> bytes:
    try:
        validate(data)
    except FormatError as exc:
        raise FormatError(
            f"the openTRANS {what} would not be valid, so it is not sent: {exc.message}",
            field=exc.field,
        ) from None
    return data


def _change_item(
    item_list: etree._Element,
    item: OrderItem,
    supplier_id: tuple[str, str],
    action: str,
    line: LineChange | None = None,
) -> OrderItem:
    written = copy.deepcopy(item)
    if action == "deleted":
        written.quantity = Decimal(0)
    elif line is not None and line.quantity is not None:
        written.quantity = line.quantity
    _write_order_item(item_list, written, supplier_id)
    element = item_list[-1]
    if line is not None and line.delivery_date is not None:
        # DELIVERY_DATE comes after the quantity and price, before the item's REMARKS.
        remarks = element.findall(f"{{{OT_NS}}}REMARKS")
        holder = etree.Element("holder")
        _delivery_date(holder, line.delivery_date)
        if remarks:
            remarks[0].addprevious(holder[0])
        else:
            element.append(holder[0])
    if line is not None:
        _remarks(element, note=line.note)
    _sub(_sub(element, "ITEM_UDX"), ACTION_UDX, action)
    return written


def write_order_change(change: OrderChange, order: OrderDocument) -> bytes:
    """openTRANS 2.1 ``ORDERCHANGE`` for a change (or cancellation) of the sent ``order``."""
    check_change(change, order)
    root = etree.Element(f"{{{OT_NS}}}ORDERCHANGE", nsmap=NSMAP, version="2.1")
    header = _sub(root, "ORDERCHANGE_HEADER")
    _control_info(header)
    info = _sub(header, "ORDERCHANGE_INFO")
    order_id = _identifier(change.order_number, 250, "order_number")
    _sub(info, "ORDER_ID", order_id)
    _sub(info, "ORDERCHANGE_DATE", _datetime_text(change.issued_at))
    _sub(info, "ORDER_DATE", _datetime_text(order.order_date))
    _sub(info, "ORDERCHANGE_SEQUENCE_ID", str(change.sequence))
    _sub(info, "LANGUAGE", "deu", bme=True, default="true")
    supplier_id = _order_parties(info, order)
    currency = _clean(order.currency).upper()
    if currency:
        _sub(info, "CURRENCY", currency, bme=True)
    _remarks(info, note=change.note)
    _sub(_sub(info, "HEADER_UDX"), CHANGE_UDX, change.kind)

    item_list = _sub(root, "ORDERCHANGE_ITEM_LIST")
    changes = {line.line_no: line for line in change.lines}
    written: list[OrderItem] = []
    for item in order.items:
        line = changes.get(item.line_no)
        if change.kind == "cancel" or (line is not None and line.removed):
            action = "deleted"
        elif line is not None:
            action = "changed"
        else:
            action = "unchanged"
        written.append(_change_item(item_list, item, supplier_id, action, line))
    for item in change.added:
        written.append(_change_item(item_list, item, supplier_id, "added"))

    summary = _sub(root, "ORDERCHANGE_SUMMARY")
    _sub(summary, "TOTAL_ITEM_NUM", str(len(written)))
    if written and all(item.price is not None for item in written):
        total = sum((item.quantity * (item.price or 0) for item in written), Decimal(0))
        _sub(summary, "TOTAL_AMOUNT", _number(total))
    return _validated(_serialize(root), f"ORDERCHANGE {change.document_id}")


def _receipt_parties(
    info: etree._Element, receipt: GoodsReceipt, order: OrderDocument | None
) -> None:
    if order is not None:
        buyer, supplier, delivery = order.buyer, order.supplier, order.delivery
        account = receipt.buyer_id or order.buyer_account
        if receipt.supplier_id:
            supplier = copy.copy(supplier)
            supplier.party_id = receipt.supplier_id
    else:
        buyer = Party(role="buyer", country="")
        supplier = Party(role="supplier", party_id=receipt.supplier_id or None, country="")
        delivery, account = None, receipt.buyer_id
    parties = _sub(info, "PARTIES")
    buyer_ids = _party_ids(buyer, account=account)
    supplier_ids = _party_ids(supplier)
    _write_party(parties, buyer, "buyer", buyer_ids)
    _write_party(parties, supplier, "supplier", supplier_ids)
    delivery_ids = buyer_ids
    if delivery is not None:
        delivery_ids = _party_ids(delivery)
        _write_party(parties, delivery, "delivery", delivery_ids)
    else:
        # The goods arrived at the buyer: the buyer party is the delivery party too.
        role = etree.Element(f"{{{OT_NS}}}PARTY_ROLE")
        role.text = "delivery"
        parties[0].findall(f"{{{OT_NS}}}PARTY_ROLE")[0].addnext(role)
    _sub(info, "SUPPLIER_IDREF", supplier_ids[0][1], bme=True, type=supplier_ids[0][0])
    _sub(info, "BUYER_IDREF", buyer_ids[0][1], bme=True, type=buyer_ids[0][0])
    shipment = _sub(info, "SHIPMENT_PARTIES_REFERENCE")
    _sub(shipment, "DELIVERY_IDREF", delivery_ids[0][1], type=delivery_ids[0][0])


def write_receipt_acknowledgement(
    receipt: GoodsReceipt, order: OrderDocument | None = None
) -> bytes:
    """openTRANS 2.1 ``RECEIPTACKNOWLEDGEMENT``: what arrived, per order line, with serial and lot
    numbers. ``order`` (the sent order) supplies parties and, for lines that name none, the
    article number and GTIN."""
    check_receipt(receipt, order)
    document_id = _identifier(receipt.document_id, 250, "document_id")
    order_id = _identifier(receipt.order_number, 250, "order_number")
    ordered = {item.line_no: item for item in order.items} if order is not None else {}
    root = etree.Element(f"{{{OT_NS}}}RECEIPTACKNOWLEDGEMENT", nsmap=NSMAP, version="2.1")
    header = _sub(root, "RECEIPTACKNOWLEDGEMENT_HEADER")
    _control_info(header)
    info = _sub(header, "RECEIPTACKNOWLEDGEMENT_INFO")
    _sub(info, "RECEIPTACKNOWLEDGEMENT_ID", document_id)
    _sub(
        info,
        "RECEIPTACKNOWLEDGEMENT_DATE",
        _datetime_text(receipt.issued_at or receipt.received_at),
    )
    _sub(info, "RECEIPT_DATE", _datetime_text(receipt.received_at))
    _sub(info, "LANGUAGE", "deu", bme=True, default="true")
    _receipt_parties(info, receipt, order)
    _remarks(info, note=receipt.note)

    items = _sub(root, "RECEIPTACKNOWLEDGEMENT_ITEM_LIST")
    dispatch_id = _identifier(receipt.dispatch_id, 250, "dispatch_id")
    for line in receipt.lines:
        original = ordered.get(line.line_no)
        item = _sub(items, "RECEIPTACKNOWLEDGEMENT_ITEM")
        _sub(item, "LINE_ITEM_ID", str(line.line_no))
        product = _sub(item, "PRODUCT_ID")
        article = line.supplier_article_number or (
            original.supplier_article_number if original else ""
        )
        if _clean(article):
            _sub(
                product,
                "SUPPLIER_PID",
                _identifier(article, 32, "supplier_article_number"),
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
        gtin = line.gtin or (original.gtin if original else None)
        if _clean(gtin):
            _sub(
                product,
                "INTERNATIONAL_PID",
                _identifier(gtin, 100, "gtin"),
                bme=True,
                type="gtin",
            )
        _sub(item, "QUANTITY", _number(line.quantity))
        _sub(item, "ORDER_UNIT", order_unit(line.unit, line.line_no), bme=True)
        if line.complete is not None:
            _sub(item, "DELIVERY_COMPLETED", "true" if line.complete else "false")
        reference = _sub(item, "ORDER_REFERENCE")
        _sub(reference, "ORDER_ID", order_id)
        _sub(reference, "LINE_ITEM_ID", str(line.line_no))
        delivery_reference = _sub(item, "DELIVERY_REFERENCE")
        if dispatch_id:
            _sub(delivery_reference, "DELIVERYNOTE_ID", dispatch_id)
        _remarks(item, note=line.note)
    _sub(_sub(root, "RECEIPTACKNOWLEDGEMENT_SUMMARY"), "TOTAL_ITEM_NUM", str(len(receipt.lines)))
    return _validated(_serialize(root), f"RECEIPTACKNOWLEDGEMENT {document_id}")


__all__ = ["ACTIONS", "write_order_change", "write_receipt_acknowledgement"]
