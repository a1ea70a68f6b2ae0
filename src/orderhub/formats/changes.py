"""Format-neutral documents after an order was sent: order changes and goods receipts.

An :class:`OrderChange` is what a practice asks for after the order went out: other quantities,
another requested delivery date, lines taken out, lines added — or the whole order cancelled. It
refers to the sent order by its number and to its lines by their numbers; the writers
(``opentrans.changes.write_order_change``, ``edifact.changes.write_ordchg``) take the sent
:class:`~orderhub.formats.documents.OrderDocument` too, for the parties and article numbers
the formats repeat.

A :class:`GoodsReceipt` is what arrived at the practice: per line the received quantity and the
serial and lot numbers read from the boxes (:func:`receipt_line` builds a line from GS1 scans).

Conventions as in :mod:`orderhub.formats.documents`: timezone-aware datetimes, Decimal
quantities, UN/ECE Rec. 20 units.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from . import FormatError
from .documents import OrderDocument, OrderItem
from .gs1 import GS1Scan

#: What an order change does: change lines, or cancel the whole order.
CHANGE_KINDS = ("change", "cancel")


@dataclass
class LineChange:
    """A change of one sent line; ``None`` means "as before"."""

    line_no: int
    quantity: Decimal | None = None  # the new quantity
    delivery_date: date | None = None  # the new requested delivery date
    removed: bool = False  # the line is taken out of the order
    note: str = ""  # e.g. the reason


@dataclass
class OrderChange:
    order_number: str  # the sent order's number
    sequence: int  # 1 for the first change after sending, then 2, 3 … (deduplication key)
    issued_at: datetime  # timezone-aware
    kind: str = "change"  # "change" | "cancel"
    lines: list[LineChange] = field(default_factory=list)
    added: list[OrderItem] = field(default_factory=list)  # new lines, numbered after the sent ones
    note: str = ""
    #: Who sent it (interchange sender, buyer id), filled by the readers.
    sender_id: str = field(default="", compare=False)

    @property
    def document_id(self) -> str:
        """The change's own number: ``<order number>/<sequence>``."""
        return f"{self.order_number}/{self.sequence}"


@dataclass
class ReceivedLine:
    line_no: int  # the order line the goods belong to
    quantity: Decimal  # received quantity
    unit: str = "C62"
    serial_numbers: list[str] = field(default_factory=list)
    lot_numbers: list[str] = field(default_factory=list)
    supplier_article_number: str = ""
    gtin: str | None = None
    #: True: nothing more is expected for this line; False: more will come; None: not said.
    complete: bool | None = None
    note: str = ""


@dataclass
class GoodsReceipt:
    document_id: str  # the receipt's own number (deduplication key)
    order_number: str
    received_at: datetime  # when the goods arrived (timezone-aware)
    lines: list[ReceivedLine] = field(default_factory=list)
    issued_at: datetime | None = None  # when the document was written; default received_at
    dispatch_id: str = ""  # the partner's dispatch notification / delivery note number
    note: str = ""
    buyer_id: str = ""  # the practice's customer number at the partner
    supplier_id: str = ""  # OrderHub's id for the partner


def check_change(change: OrderChange, order: OrderDocument | None = None) -> None:
    """Refuse a change that a partner could not apply; with ``order``, check the line numbers.

    Rules: ``kind`` is ``change`` or ``cancel``; ``sequence`` ≥ 1; a cancellation lists no lines;
    a change changes something; each line once; a removed line has no new quantity or date; a new
    quantity is > 0 (0 means: remove the line); changed lines exist in the order, added ones
    do not.
    """
    if change.kind not in CHANGE_KINDS:
        raise FormatError(
            f"order change kind {change.kind!r} is neither 'change' nor 'cancel'", field="kind"
        )
    if not change.order_number.strip():
        raise FormatError("an order change needs the order number", field="order_number")
    if change.sequence < 1:
        raise FormatError(
            f"change sequence {change.sequence}: the first change is 1", field="sequence"
        )
    if order is not None and order.order_number != change.order_number:
        raise FormatError(
            f"the change is for order {change.order_number}, not {order.order_number}",
            field="order_number",
        )
    if change.kind == "cancel":
        if change.lines or change.added:
            raise FormatError(
                "a cancellation cancels the whole order; it lists no lines", field="lines"
            )
        return
    if not change.lines and not change.added:
        raise FormatError("the order change changes no line", field="lines")
    ordered = {item.line_no for item in order.items} if order is not None else None
    seen: set[int] = set()
    for line in change.lines:
        if line.line_no in seen:
            raise FormatError(f"line {line.line_no} is changed twice", field="lines")
        seen.add(line.line_no)
        if ordered is not None and line.line_no not in ordered:
            raise FormatError(
                f"line {line.line_no} is not a line of order {change.order_number}",
                field="lines",
            )
        if line.removed:
            if line.quantity is not None or line.delivery_date is not None:
                raise FormatError(
                    f"line {line.line_no} is removed and changed at once", field="lines"
                )
            continue
        if line.quantity is None and line.delivery_date is None:
            raise FormatError(f"line {line.line_no}: nothing changes", field="lines")
        if line.quantity is not None and (not line.quantity.is_finite() or line.quantity <= 0):
            raise FormatError(
                f"line {line.line_no}: new quantity {line.quantity} — to take the line out, "
                "mark it removed",
                field="quantity",
            )
    for item in change.added:
        if item.line_no in seen or (ordered is not None and item.line_no in ordered):
            raise FormatError(
                f"added line {item.line_no}: the order already has a line {item.line_no}",
                field="added",
            )
        seen.add(item.line_no)
        if not item.quantity.is_finite() or item.quantity <= 0:
            raise FormatError(
                f"added line {item.line_no}: quantity {item.quantity}", field="quantity"
            )


def check_receipt(receipt: GoodsReceipt, order: OrderDocument | None = None) -> None:
    """Refuse a goods receipt no partner could read; with ``order``, check the line numbers.

    Rules (every receipt writer applies them): a document id and the order number; with the
    order, the same number; at least one line; each line a line of the order; received
    quantities finite and ≥ 0 (0: nothing of the line arrived).
    """
    if not receipt.document_id.strip():
        raise FormatError("a goods receipt needs a document id", field="document_id")
    if not receipt.order_number.strip():
        raise FormatError("a goods receipt needs the order number", field="order_number")
    if order is not None and order.order_number != receipt.order_number:
        raise FormatError(
            f"the goods receipt is for order {receipt.order_number}, not {order.order_number}",
            field="order_number",
        )
    if not receipt.lines:
        raise FormatError("a goods receipt needs at least one line", field="lines")
    ordered = {item.line_no for item in order.items} if order is not None else None
    for line in receipt.lines:
        if not line.quantity.is_finite() or line.quantity < 0:
            raise FormatError(
                f"line {line.line_no}: received quantity {line.quantity}", field="quantity"
            )
        if ordered is not None and line.line_no not in ordered:
            raise FormatError(
                f"line {line.line_no} is not a line of order {receipt.order_number}",
                field="lines",
            )


def apply_change(order: OrderDocument, change: OrderChange) -> OrderDocument:
    """The order as it stands after ``change`` (a new object; ``order`` is not modified).

    A cancellation leaves no lines. Requested delivery dates per line are not part of
    :class:`OrderDocument` and are not applied.
    """
    check_change(change, order)
    result = copy.deepcopy(order)
    if change.kind == "cancel":
        result.items = []
        return result
    changes = {line.line_no: line for line in change.lines}
    items = []
    for item in result.items:
        line = changes.get(item.line_no)
        if line is not None and line.removed:
            continue
        if line is not None and line.quantity is not None:
            item.quantity = line.quantity
        items.append(item)
    result.items = items + copy.deepcopy(change.added)
    return result


def receipt_line(
    line_no: int,
    scans: list[GS1Scan],
    *,
    unit: str = "C62",
    complete: bool | None = None,
    note: str = "",
) -> ReceivedLine:
    """A received line from the GS1 scans of its boxes: one scan per unit.

    Every scan must carry the same GTIN; a serial number scanned twice is the same box scanned
    twice and counts once. Lots are listed once each, in scan order.
    """
    if not scans:
        raise FormatError(f"line {line_no}: no scans", field="scans")
    gtins = {scan.gtin for scan in scans}
    if len(gtins) > 1:
        raise FormatError(
            f"line {line_no}: the scans name different GTINs ({', '.join(sorted(map(str, gtins)))})",
            field="gtin",
        )
    serials: list[str] = []
    lots: list[str] = []
    unserialised = 0
    for scan in scans:
        if scan.serial is None:
            unserialised += 1
        elif scan.serial not in serials:
            serials.append(scan.serial)
        if scan.lot is not None and scan.lot not in lots:
            lots.append(scan.lot)
    return ReceivedLine(
        line_no=line_no,
        quantity=Decimal(len(serials) + unserialised),
        unit=unit,
        serial_numbers=serials,
        lot_numbers=lots,
        gtin=gtins.pop(),
        complete=complete,
        note=note,
    )


__all__ = [
    "CHANGE_KINDS",
    "GoodsReceipt",
    "LineChange",
    "OrderChange",
    "ReceivedLine",
    "apply_change",
    "check_change",
    "receipt_line",
]
