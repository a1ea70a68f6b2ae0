"""openTRANS 2.1 after the order: ORDERCHANGE (order change or cancellation) and
RECEIPTACKNOWLEDGEMENT (goods receipt), written and read.

Both writers validate their result against the official XSD (:func:`opentrans.validate`) and raise
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

from . import FormatError
from .changes import (
    CHANGE_KINDS,
    GoodsReceipt,
    LineChange,
    OrderChange,
    ReceivedLine,
    check_change,
    check_receipt,
)
from .documents import OrderDocument, OrderItem, Party
from .opentrans import (
    NSMAP,
    OT_NS,
    _child,
    _children,
    _clean,
    _control_info,
    _date,
    _datetime,
    _datetime_text,
    _decimal,
    _delivery_date,
    _identifier,
    _line_no,
    _load,
    _number,
    _order_parties,
    _parties_by_role,
    _party_ids,
    _path,
    _read_ids,
    _read_order_item,
    _remark_texts,
    _remarks,
    _required,
    _serialize,
    _sub,
    _text,
    _texts,
    _write_order_item,
    _write_party,
    order_unit,
    validate,
)

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


def parse_order_change(data: bytes, *, order: OrderDocument | None = None) -> OrderChange:
    """Read an openTRANS 2.1 ORDERCHANGE (OrderHub's or another buyer system's).

    Per line, ``UDX.ORDERHUB.ACTION`` says what happened. Without it (other systems), the line is
    compared with ``order`` when given: not in the order → added; quantity 0 → removed; another
    quantity or a ``DELIVERY_DATE`` → changed; else unchanged. Without either, every line with
    quantity > 0 is a change to that quantity. With ``order``, a changed line's quantity equal to
    the ordered one reads as "quantity as before" (``None``).
    """
    root = _load(data, ("ORDERCHANGE",))
    info = _path(root, "ORDERCHANGE_HEADER", "ORDERCHANGE_INFO")
    if info is None:
        raise FormatError(
            "ORDERCHANGE has no ORDERCHANGE_HEADER/ORDERCHANGE_INFO",
            field="ORDERCHANGE_INFO",
            line=root.sourceline,
        )
    order_number = _text(_required(info, "ORDER_ID", "ORDERCHANGE_INFO"))
    issued_at = _datetime(
        _required(info, "ORDERCHANGE_DATE", "ORDERCHANGE_INFO"), "ORDERCHANGE_DATE"
    )
    sequence_element = _required(info, "ORDERCHANGE_SEQUENCE_ID", "ORDERCHANGE_INFO")
    sequence_text = _text(sequence_element)
    if not sequence_text.isascii() or not sequence_text.isdigit():
        raise FormatError(
            f"ORDERCHANGE_SEQUENCE_ID is not a whole number: {sequence_text[:20]!r}",
            field="ORDERCHANGE_SEQUENCE_ID",
            line=sequence_element.sourceline,
        )
    note, _ = _remark_texts(info)
    declared_kind = _text(_path(info, "HEADER_UDX", CHANGE_UDX))
    ordered = {item.line_no: item for item in order.items} if order is not None else None

    lines: list[LineChange] = []
    added: list[OrderItem] = []
    quantities: list[Decimal] = []
    for position, element in enumerate(
        _children(_child(root, "ORDERCHANGE_ITEM_LIST"), "ORDER_ITEM"), 1
    ):
        line_no = _line_no(element, position)
        quantity = _decimal(_required(element, "QUANTITY", f"ORDER_ITEM {position}"), "QUANTITY")
        quantities.append(quantity)
        requested = _date(_child(element, "DELIVERY_DATE"), "DELIVERY_DATE")
        line_note, _ = _remark_texts(element)
        action = _text(_path(element, "ITEM_UDX", ACTION_UDX))
        original = ordered.get(line_no) if ordered is not None else None
        if action not in ACTIONS:
            if ordered is not None and original is None:
                action = "added"
            elif quantity == 0:
                action = "deleted"
            elif original is not None and quantity == original.quantity and requested is None:
                action = "unchanged"
            else:
                action = "changed"
        if action == "added":
            added.append(_read_order_item(element, position))
        elif action == "deleted":
            lines.append(LineChange(line_no=line_no, removed=True, note=line_note))
        elif action == "changed":
            new_quantity: Decimal | None = quantity
            if original is not None and quantity == original.quantity:
                new_quantity = None
            lines.append(
                LineChange(
                    line_no=line_no,
                    quantity=new_quantity,
                    delivery_date=requested,
                    note=line_note,
                )
            )
    if not quantities:
        raise FormatError("ORDERCHANGE has no ORDER_ITEM", field="ORDER_ITEM", line=root.sourceline)
    if declared_kind in CHANGE_KINDS:
        kind = declared_kind
    else:
        kind = "cancel" if all(q == 0 for q in quantities) and not added else "change"
    if kind == "cancel":
        lines, added = [], []
    buyer = _parties_by_role(info).get("buyer")
    buyer_ids = [v for t, v in _read_ids(buyer) if t != "local"] if buyer is not None else []
    return OrderChange(
        order_number=order_number,
        sequence=int(sequence_text),
        issued_at=issued_at,
        kind=kind,
        lines=lines,
        added=added,
        note=note,
        sender_id=buyer_ids[0] if buyer_ids else "",
    )


# --------------------------------------------------------------------------- RECEIPTACKNOWLEDGEMENT


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


def parse_receipt_acknowledgement(data: bytes) -> GoodsReceipt:
    """Read an openTRANS 2.1 RECEIPTACKNOWLEDGEMENT (one order per document)."""
    root = _load(data, ("RECEIPTACKNOWLEDGEMENT",))
    info = _path(root, "RECEIPTACKNOWLEDGEMENT_HEADER", "RECEIPTACKNOWLEDGEMENT_INFO")
    if info is None:
        raise FormatError(
            "RECEIPTACKNOWLEDGEMENT has no header info",
            field="RECEIPTACKNOWLEDGEMENT_INFO",
            line=root.sourceline,
        )
    document_id = _text(_required(info, "RECEIPTACKNOWLEDGEMENT_ID", "RECEIPTACKNOWLEDGEMENT_INFO"))
    received_at = _datetime(
        _required(info, "RECEIPT_DATE", "RECEIPTACKNOWLEDGEMENT_INFO"), "RECEIPT_DATE"
    )
    issued = _child(info, "RECEIPTACKNOWLEDGEMENT_DATE")
    issued_at = (
        _datetime(issued, "RECEIPTACKNOWLEDGEMENT_DATE")
        if issued is not None and _text(issued)
        else None
    )
    note, _ = _remark_texts(info)
    by_role = _parties_by_role(info)

    def first_id(role: str, preferred: str) -> str:
        party = by_role.get(role)
        ids = [(t, v) for t, v in _read_ids(party) if t != "local"] if party is not None else []
        chosen = [v for t, v in ids if t == preferred] or [v for t, v in ids if t != "gln"]
        return chosen[0] if chosen else ""

    lines: list[ReceivedLine] = []
    order_numbers: list[str] = []
    dispatch_id = ""
    for position, item in enumerate(
        _children(_child(root, "RECEIPTACKNOWLEDGEMENT_ITEM_LIST"), "RECEIPTACKNOWLEDGEMENT_ITEM"),
        1,
    ):
        reference = _child(item, "ORDER_REFERENCE")
        order_id = _text(_child(reference, "ORDER_ID"))
        if not order_id:
            raise FormatError(
                f"RECEIPTACKNOWLEDGEMENT_ITEM {position} has no ORDER_REFERENCE/ORDER_ID",
                field="ORDER_REFERENCE",
                line=item.sourceline,
            )
        if order_id not in order_numbers:
            order_numbers.append(order_id)
        referenced_line = _text(_child(reference, "LINE_ITEM_ID"))
        line_no = (
            int(referenced_line)
            if referenced_line.isascii() and referenced_line.isdigit()
            else _line_no(item, position)
        )
        dispatch_id = dispatch_id or _text(_path(item, "DELIVERY_REFERENCE", "DELIVERYNOTE_ID"))
        product = _child(item, "PRODUCT_ID")
        completed = _text(_child(item, "DELIVERY_COMPLETED")).lower()
        gtins = [
            _text(pid)
            for pid in _children(product, "INTERNATIONAL_PID")
            if (pid.get("type") or "").strip().lower() in ("gtin", "ean") and _text(pid)
        ]
        line_note, _ = _remark_texts(item)
        lines.append(
            ReceivedLine(
                line_no=line_no,
                quantity=_decimal(
                    _required(item, "QUANTITY", f"RECEIPTACKNOWLEDGEMENT_ITEM {position}"),
                    "QUANTITY",
                ),
                unit=_text(_child(item, "ORDER_UNIT")) or "C62",
                serial_numbers=_texts(product, "SERIAL_NUMBER"),
                lot_numbers=_texts(product, "LOT_NUMBER"),
                supplier_article_number=_text(_child(product, "SUPPLIER_PID")),
                gtin=gtins[0] if gtins else None,
                complete={"true": True, "1": True, "false": False, "0": False}.get(completed),
                note=line_note,
            )
        )
    if not lines:
        raise FormatError(
            "RECEIPTACKNOWLEDGEMENT has no items",
            field="RECEIPTACKNOWLEDGEMENT_ITEM",
            line=root.sourceline,
        )
    if len(order_numbers) > 1:
        raise FormatError(
            "one RECEIPTACKNOWLEDGEMENT per order, please: this one refers to "
            f"{', '.join(order_numbers[:5])}",
            field="ORDER_REFERENCE",
        )
    return GoodsReceipt(
        document_id=document_id,
        order_number=order_numbers[0],
        received_at=received_at,
        lines=lines,
        issued_at=issued_at,
        dispatch_id=dispatch_id,
        note=note,
        buyer_id=first_id("buyer", "supplier_specific"),
        supplier_id=first_id("supplier", "buyer_specific"),
    )


__all__ = [
    "ACTIONS",
    "parse_order_change",
    "parse_receipt_acknowledgement",
    "write_order_change",
    "write_receipt_acknowledgement",
]
