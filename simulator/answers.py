"""How a simulated partner answers an order: which lines it confirms, changes or rejects.

Pure functions, no I/O. The rules, in order of precedence:

- answer policy ``reject``: every line is rejected (and no dispatch notification follows);
- a line whose description or supplier article number contains ``REJECT`` is rejected;
- a line whose description or supplier article number contains ``PARTIAL`` is *changed*:
  half the quantity (rounded down, at least 1) is confirmed, delivery a week later;
- answer policy ``partial``: the first line is handled as above, every further line is
  rejected; a single-line order gets the ``PARTIAL`` treatment;
- everything else is confirmed as ordered.

The dispatch notification ships every line that was not rejected, with one tracking number.
Document ids are derived from (partner, order number, kind) so a retried post carries the same
id and the portal can apply it once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from orderhub.formats.documents import AnswerLine, OrderDocument, PartnerAnswer

ORDER_RESPONSE = "order_response"
DISPATCH_NOTIFICATION = "dispatch_notification"

_KIND_CODES = {ORDER_RESPONSE: "OR", DISPATCH_NOTIFICATION: "DN"}
_MAX_DOCUMENT_ID = 35  # EDIFACT BGM document number is an..35
CARRIER = "DHL"


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def document_id(slug: str, order_number: str, kind: str) -> str:
    """Stable id for one answer document: same partner, order and kind → same id."""
    code = _KIND_CODES[kind]
    readable = f"SIM-{slug}-{code}-{order_number}"
    if len(readable) <= _MAX_DOCUMENT_ID and readable.isascii():
        return readable
    return f"SIM-{code}-{_digest(slug, order_number, kind)[:24].upper()}"


def interchange_ref(slug: str, order_number: str, kind: str) -> str:
    """EDIFACT interchange control reference (UNB 0020, an..14), stable per document."""
    return str(int(_digest("unb", slug, order_number, kind)[:15], 16))[:14]


def tracking_number(order_number: str) -> str:
    return "SIM" + str(int(_digest("tracking", order_number)[:15], 16))[:12].zfill(12)


@dataclass(frozen=True)
class LineDecision:
    status: str  # "confirmed" | "changed" | "rejected"
    quantity: Decimal
    delivery_date: date | None
    note: str


def _marked(item, marker: str) -> bool:
    text = f"{item.description or ''} {item.supplier_article_number or ''}".upper()
    return marker in text


def _half(quantity: Decimal) -> Decimal:
    return max(Decimal(1), (Decimal(quantity) / 2).quantize(Decimal(1), rounding=ROUND_DOWN))


def decide_lines(order: OrderDocument, policy: str, today: date) -> list[LineDecision]:
    confirmed_date = today + timedelta(days=3)
    decisions = []
    for index, item in enumerate(order.items):
        quantity = Decimal(item.quantity)
        reject = policy == "reject" or _marked(item, "REJECT")
        partial = _marked(item, "PARTIAL")
        if policy == "partial" and not reject:
            if len(order.items) == 1:
                partial = True
            elif index > 0:
                reject = True
        if reject:
            decisions.append(LineDecision("rejected", Decimal(0), None, "Artikel nicht lieferbar"))
        elif partial:
            decisions.append(
                LineDecision("changed", _half(quantity), today + timedelta(days=7), "Teillieferung")
            )
        else:
            decisions.append(LineDecision("confirmed", quantity, confirmed_date, ""))
    return decisions


def order_response(
    order: OrderDocument, *, slug: str, sender_id: str, policy: str, now: datetime | None = None
) -> PartnerAnswer:
    now = now or datetime.now(UTC)
    decisions = decide_lines(order, policy, now.date())
    lines = [
        AnswerLine(
            line_no=item.line_no,
            status=decision.status,
            quantity=decision.quantity,
            supplier_article_number=item.supplier_article_number,
            delivery_date=decision.delivery_date,
            note=decision.note,
            unit=item.unit or "C62",  # the answer is in the unit that was ordered
        )
        for item, decision in zip(order.items, decisions, strict=True)
    ]
    dates = [d.delivery_date for d in decisions if d.delivery_date]
    return PartnerAnswer(
        kind=ORDER_RESPONSE,
        order_number=order.order_number,
        document_id=document_id(slug, order.order_number, ORDER_RESPONSE),
        issued_at=now,
        lines=lines,
        delivery_date=max(dates) if dates else None,
        tracking_numbers=[],
        carrier="",
        note="Simulierte Auftragsbestätigung",
        sender_id=sender_id,
    )


def dispatch_notification(
    order: OrderDocument,
    response: PartnerAnswer,
    *,
    slug: str,
    sender_id: str,
    now: datetime | None = None,
) -> PartnerAnswer | None:
    """The shipment for every line the response did not reject; None when nothing ships."""
    now = now or datetime.now(UTC)
    delivery = now.date() + timedelta(days=1)
    lines = [
        AnswerLine(
            line_no=line.line_no,
            status="shipped",
            quantity=line.quantity,
            supplier_article_number=line.supplier_article_number,
            delivery_date=delivery,
            note="",
            unit=line.unit,
        )
        for line in response.lines
        if line.status != "rejected"
    ]
    if not lines:
        return None
    return PartnerAnswer(
        kind=DISPATCH_NOTIFICATION,
        order_number=order.order_number,
        document_id=document_id(slug, order.order_number, DISPATCH_NOTIFICATION),
        issued_at=now,
        lines=lines,
        delivery_date=delivery,
        tracking_numbers=[tracking_number(order.order_number)],
        carrier=CARRIER,
        note="Simulierte Versandanzeige",
        sender_id=sender_id,
    )


def corrupt(document: bytes) -> bytes:
    """A broken copy of a document: cut in the middle, so no parser can accept it."""
    return document[: max(1, len(document) // 2)]
