"""What a partner's answer means for an order (issue 16): line by line, then the order's status.

Delivery (``delivery/inbound.py``) reads and records the document; this module applies it. One
function decides the order's status from its lines (:func:`status_from_lines`):

* an order response sets each line's answer — confirmed, changed (quantity, date, price),
  substituted (another article), backordered (part or all follows later, with its date) or
  rejected — and the order becomes ``confirmed`` (every line as ordered), ``rejected`` (every line
  rejected) or ``partially_confirmed`` (anything between);
* a dispatch notification is one :class:`Shipment`: per line the shipped quantity with its serial
  and lot numbers; the order is ``partially_shipped`` while anything confirmed is outstanding and
  ``shipped`` once nothing is (or the practice closed the remainder, :func:`close_remainder`).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orderhub.core.problems import Conflict
from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order, OrderLine, Shipment, ShipmentLine
from orderhub.ordering.models import OrderStatus as S

L = OrderLine.LineStatus
#: Line statuses after which the line counts as answered "as ordered".
AS_ORDERED = {L.CONFIRMED, L.SHIPPED, L.PARTIALLY_SHIPPED}
ANSWER_FIELDS = [
    "line_status",
    "confirmed_quantity",
    "backordered_quantity",
    "backorder_date",
    "confirmed_price",
    "changed_article_number",
    "delivery_date",
    "answer_note",
]


def status_from_lines(lines: list[OrderLine], *, shipping: bool) -> str:
    """The order's status from its (not removed) lines: the one place that derives it."""
    if shipping or any(line.shipped_quantity for line in lines):
        if all(line.outstanding_quantity == 0 for line in lines):
            return S.SHIPPED
        return S.PARTIALLY_SHIPPED
    statuses = {line.line_status for line in lines}
    if statuses == {L.REJECTED}:
        return S.REJECTED
    if statuses <= AS_ORDERED:
        return S.CONFIRMED
    return S.PARTIALLY_CONFIRMED


def apply_answer(order: Order, answer: PartnerAnswer, *, actor: str, data: dict) -> None:
    """Apply one partner answer to ``order`` (locked by the caller, inside its transaction).

    ``data`` goes into the timeline event (document ids). Lines the order does not have are
    ignored; the event says which.
    """
    lines = {line.position: line for line in order.lines.filter(removed=False)}
    unknown = sorted({a.line_no for a in answer.lines} - set(lines))
    if unknown:
        data = {**data, "unknown_lines": unknown}
    if answer.dates:  # every date the partner gave, by meaning (requested, despatched, …)
        data = {**data, "dates": {k: v.isoformat() for k, v in sorted(answer.dates.items())}}
    if answer.kind == "dispatch_notification":
        fields = _ship(order, answer, lines)
        reason = "answer.dispatch"
        if answer.tracking_numbers:
            data = {**data, "tracking_numbers": list(answer.tracking_numbers)}
    else:
        fields = _respond(order, answer, lines)
        reason = "answer.confirmation"
    target = status_from_lines(
        list(lines.values()), shipping=answer.kind == "dispatch_notification"
    )
    _move(order, target, actor=actor, reason=reason, data=data, fields=fields)


def _respond(order: Order, answer: PartnerAnswer, lines: dict[int, OrderLine]) -> dict:
    changed = []
    for a in answer.lines:
        line = lines.get(a.line_no)
        if line is None:
            continue
        line.line_status = a.status if a.status in L.values else L.CONFIRMED
        if a.quantity is not None:
            line.confirmed_quantity = a.quantity
        else:
            line.confirmed_quantity = Decimal(0) if a.status == L.REJECTED else line.quantity
        line.backordered_quantity = a.backordered_quantity or None
        line.backorder_date = a.backorder_date if a.backordered_quantity else None
        line.confirmed_price = a.price
        _answered_article(line, a)
        if a.delivery_date or answer.delivery_date:
            line.delivery_date = a.delivery_date or answer.delivery_date
        if a.note:
            line.answer_note = a.note[:500]
        if line.shipped_quantity and line.line_status != L.REJECTED:
            # A response after a dispatch (a late or corrected one): what was shipped stays shipped.
            line.line_status = L.SHIPPED if line.outstanding_quantity == 0 else L.PARTIALLY_SHIPPED
        changed.append(line)
    if changed:
        OrderLine.objects.bulk_update(changed, ANSWER_FIELDS)
    return {"delivery_date": answer.delivery_date} if answer.delivery_date else {}


def _answered_article(line: OrderLine, a: AnswerLine) -> None:
    ordered = (line.article_snapshot or {}).get(
        "partner_article_number", line.partner_article_number
    )
    if a.supplier_article_number and a.supplier_article_number != ordered:
        line.changed_article_number = a.supplier_article_number[:100]


def _ship(order: Order, answer: PartnerAnswer, lines: dict[int, OrderLine]) -> dict:
    shipment = Shipment.objects.create(
        order=order,
        partner_document_id=(answer.document_id or "")[:100],
        shipped_at=answer.issued_at,
        delivery_date=answer.delivery_date,
        carrier=(answer.carrier or "")[:100],
        tracking_numbers=list(answer.tracking_numbers),
    )
    # A dispatch notification without lines ships the whole order (what is outstanding).
    shipped = answer.lines or [
        AnswerLine(line_no=position, status="shipped") for position in sorted(lines)
    ]
    rows, changed = [], []
    for a in shipped:
        line = lines.get(a.line_no)
        if line is None:
            continue
        quantity = a.quantity if a.quantity is not None else line.outstanding_quantity
        rows.append(
            ShipmentLine(
                shipment=shipment,
                line=line,
                quantity=quantity,
                serial_numbers=list(a.serial_numbers),
                lot_numbers=list(a.lot_numbers),
            )
        )
        line.shipped_quantity = (line.shipped_quantity or 0) + quantity
        if line.line_status != L.REJECTED:
            line.line_status = L.SHIPPED if line.outstanding_quantity == 0 else L.PARTIALLY_SHIPPED
        _answered_article(line, a)
        if a.note:
            line.answer_note = a.note[:500]
        changed.append(line)
    ShipmentLine.objects.bulk_create(rows)
    if changed:
        OrderLine.objects.bulk_update(
            changed, ["shipped_quantity", "line_status", "changed_article_number", "answer_note"]
        )
    order.tracking_numbers = sorted(
        set(order.tracking_numbers or []) | set(answer.tracking_numbers)
    )
    order.carrier = answer.carrier or order.carrier
    fields: dict = {"tracking_numbers": order.tracking_numbers, "carrier": order.carrier}
    if answer.delivery_date:
        fields["delivery_date"] = answer.delivery_date
    return fields


def _move(order: Order, target: str, *, actor: str, reason: str, data: dict, fields: dict) -> None:
    if order.status == target or not order_status.can_transition(order.status, target):
        for name, value in fields.items():
            setattr(order, name, value)
        order.updated_at = timezone.now()
        order.save(update_fields=[*fields, "updated_at"])
        order_status.note(order, actor=actor, reason=reason, data={**data, "status": order.status})
        return
    order_status.transition(order, target, actor=actor, reason=reason, data=data, fields=fields)


class NothingOutstanding(Conflict):
    """Closing the remainder of an order that has nothing outstanding (or was not shipped yet)."""


def close_remainder(order: Order, *, actor: str) -> Order:
    """ "Rest schließen": the practice expects nothing more of a partly shipped order."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != S.PARTIALLY_SHIPPED:
            raise NothingOutstanding(
                f"only a partly shipped order has a remainder to close; this one is {order.status}"
            )
        lines = list(order.lines.filter(removed=False))
        open_lines = [line for line in lines if line.outstanding_quantity > 0]
        closed = {line.position: str(line.outstanding_quantity) for line in open_lines}
        for line in open_lines:
            line.remainder_closed = True
            line.line_status = L.SHIPPED if line.shipped_quantity else line.line_status
        OrderLine.objects.bulk_update(open_lines, ["remainder_closed", "line_status"])
        order_status.transition(
            order,
            S.SHIPPED,
            actor=actor,
            reason="answer.remainder_closed",
            data={"closed": closed},
        )
    return order
