"""The partner side of openTRANS, for the simulator (``simulator/``) and the tests: reading
what OrderHub sends (``ORDER``, ``ORDERCHANGE``, ``RECEIPTACKNOWLEDGEMENT``) and writing the
answers (``ORDERRESPONSE`` with the line status in ``UDX.ORDERHUB.STATUS``,
``DISPATCHNOTIFICATION``). The Django apps never import it (``.importlinter``); of the formats only
:mod:`orderhub.formats.change_answers` does, for the simulator's replies to a change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from .. import FormatError
from .. import options as opts
from ..changes import CHANGE_KINDS, GoodsReceipt, LineChange, OrderChange, ReceivedLine
from ..documents import (
    LINE_STATUSES,
    AnswerLine,
    Attachment,
    OrderDocument,
    OrderItem,
    PartnerAnswer,
    Party,
)
from ._xml import (
    FITTING_REFERENCE_UDX,
    HMV_PID_TYPE,
    LOCAL_ID_TYPE,
    NSMAP,
    OPTIONS_UDX,
    ORDER_TYPE_UDX,
    ORIGINAL_ORDER_UDX,
    PAIR_UDX,
    RETURN_DATE_UDX,
    STATUS_UDX,
    TRACKING_REMARK,
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
    _parties_by_role,
    _party_ids,
    _path,
    _read_ids,
    _read_party,
    _remark_texts,
    _remarks,
    _required,
    _serialize,
    _sub,
    _text,
    _texts,
    _write_party,
    order_unit,
)
from .changes import ACTION_UDX, ACTIONS, CHANGE_UDX
from .schema import OT_NS

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


# ---------------------------------------------------- ORDERRESPONSE, DISPATCHNOTIFICATION (writing)


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


# ---------------------------------------------------- ORDERCHANGE, RECEIPTACKNOWLEDGEMENT (reading)


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
    "parse_order",
    "parse_order_change",
    "parse_receipt_acknowledgement",
    "write_dispatch_notification",
    "write_order_response",
]
