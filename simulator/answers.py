"""How a simulated partner answers an order: which lines it confirms, changes or rejects.

Pure functions, no I/O. The rules, in order of precedence:

- answer policy ``reject``: every line is rejected (and no dispatch notification follows);
- a line whose description or supplier article number contains ``REJECT`` is rejected;
- a line whose description or supplier article number contains ``PARTIAL`` is *changed*:
  half the quantity (rounded down, at least 1) is confirmed, delivery a week later;
- answer policy ``partial``: the first line is handled as above, every further line is
  rejected; a single-line order gets the ``PARTIAL`` treatment;
- a line marked ``LATER`` is *changed* in date only: as ordered, delivery two weeks later;
- a line marked ``BACKORDER`` is *backordered*: all of it is confirmed, half (rounded down) ships
  now and the rest three weeks later;
- a line marked ``SUBST`` is *substituted*: the article number gets the suffix ``-NEU``;
- a line whose typed options the partner's catalog does not offer (``refuse``, see
  ``simulator.catalogs``) is rejected, the reason naming what the catalog offers;
- everything else is confirmed as ordered.

Instead of markers, ``line_rules`` (a runtime setting: supplier article number → one of
:data:`LINE_RULES`) applies the same rules to catalog articles, whose texts carry no markers.

The dispatch notification ships every line that was not rejected, except backordered parts, with
one tracking number; a second one (:func:`backorder_dispatch`) ships the backordered parts with its
own tracking number. A line with a ``side`` attribute (a device or part for one ear) carries one
serial number per shipped unit, derived from order, line and unit.
Document ids are derived from (partner, order number, kind) so a retried post carries the same
id and the portal can apply it once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from orderhub.formats.documents import AnswerLine, OrderDocument, OrderItem, PartnerAnswer

ORDER_RESPONSE = "order_response"
DISPATCH_NOTIFICATION = "dispatch_notification"

_KIND_CODES = {ORDER_RESPONSE: "OR", DISPATCH_NOTIFICATION: "DN"}
_MAX_DOCUMENT_ID = 35  # EDIFACT BGM document number is an..35
CARRIER = "DHL"


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def document_id(slug: str, order_number: str, kind: str, part: int = 1) -> str:
    """Stable id for one answer document: same partner, order, kind and part → same id."""
    code = _KIND_CODES[kind] + (str(part) if part > 1 else "")
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
    status: str  # "confirmed" | "changed" | "backordered" | "substituted" | "rejected"
    quantity: Decimal
    delivery_date: date | None
    note: str
    backordered: Decimal | None = None
    backorder_date: date | None = None
    substitute: str | None = None


def serial_numbers(order_number: str, line_no: int, first: int, count: int) -> list[str]:
    """Serial numbers of units ``first`` … ``first + count - 1`` of a line (stable)."""
    return [
        "SIM" + _digest("serial", order_number, str(line_no), str(unit))[:9].upper()
        for unit in range(first, first + count)
    ]


def _marked(item, marker: str) -> bool:
    text = f"{item.description or ''} {item.supplier_article_number or ''}".upper()
    return marker in text


def _half(quantity: Decimal) -> Decimal:
    return max(Decimal(1), (Decimal(quantity) / 2).quantize(Decimal(1), rounding=ROUND_DOWN))


#: What a line rule (``line_rules``: supplier article number → rule) or a marker in the line's
#: description or article number makes of a line.
LINE_RULES = ("reject", "partial", "later", "backorder", "substitute")


def _rule(item, rules: dict[str, str]) -> str:
    rule = rules.get(item.supplier_article_number or "")
    if rule:
        return rule
    for marker, name in (
        ("REJECT", "reject"),
        ("PARTIAL", "partial"),
        ("LATER", "later"),
        ("BACKORDER", "backorder"),
        ("SUBST", "substitute"),
    ):
        if _marked(item, marker):
            return name
    return ""


def decide_lines(
    order: OrderDocument,
    policy: str,
    today: date,
    rules: dict[str, str] | None = None,
    refuse: Callable[[OrderItem], str | None] | None = None,
) -> list[LineDecision]:
    confirmed_date = today + timedelta(days=3)
    decisions = []
    for index, item in enumerate(order.items):
        quantity = Decimal(item.quantity)
        refused = refuse(item) if refuse is not None and policy != "reject" else None
        if refused:
            decisions.append(LineDecision("rejected", Decimal(0), None, refused))
            continue
        rule = _rule(item, rules or {})
        reject = policy == "reject" or rule == "reject"
        partial = rule == "partial"
        if policy == "partial" and not reject:
            if len(order.items) == 1:
                partial = True
            elif index > 0:
                reject = True
        if reject:
            decisions.append(LineDecision("rejected", Decimal(0), None, "Artikel nicht lieferbar"))
        elif rule == "later":
            decisions.append(
                LineDecision("changed", quantity, today + timedelta(days=14), "Liefertermin später")
            )
        elif rule == "backorder":
            now = _half(quantity) if quantity > 1 else Decimal(0)
            decisions.append(
                LineDecision(
                    "backordered",
                    quantity,
                    confirmed_date,
                    "Rest folgt",
                    backordered=quantity - now,
                    backorder_date=today + timedelta(days=21),
                )
            )
        elif rule == "substitute":
            decisions.append(
                LineDecision(
                    "substituted",
                    quantity,
                    confirmed_date,
                    "Nachfolgeartikel",
                    substitute=f"{item.supplier_article_number or 'ARTIKEL'}-NEU",
                )
            )
        elif partial:
            decisions.append(
                LineDecision("changed", _half(quantity), today + timedelta(days=7), "Teillieferung")
            )
        else:
            decisions.append(LineDecision("confirmed", quantity, confirmed_date, ""))
    return decisions


def order_response(
    order: OrderDocument,
    *,
    slug: str,
    sender_id: str,
    policy: str,
    now: datetime | None = None,
    rules: dict[str, str] | None = None,
    refuse: Callable[[OrderItem], str | None] | None = None,
) -> PartnerAnswer:
    now = now or datetime.now(UTC)
    decisions = decide_lines(order, policy, now.date(), rules, refuse)
    lines = [
        AnswerLine(
            line_no=item.line_no,
            status=decision.status,
            quantity=decision.quantity,
            supplier_article_number=decision.substitute or item.supplier_article_number,
            delivery_date=decision.delivery_date,
            note=decision.note,
            unit=item.unit or "C62",  # the answer is in the unit that was ordered
            ordered_quantity=Decimal(item.quantity),
            backordered_quantity=decision.backordered,
            backorder_date=decision.backorder_date,
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


def _shipped_line(
    order: OrderDocument, line: AnswerLine, quantity: Decimal, first_unit: int, delivery: date
) -> AnswerLine:
    items = {item.line_no: item for item in order.items}
    item = items.get(line.line_no)
    serials = []
    if item is not None and "side" in item.attributes and quantity == quantity.to_integral():
        serials = serial_numbers(order.order_number, line.line_no, first_unit, int(quantity))
    return AnswerLine(
        line_no=line.line_no,
        status="shipped",
        quantity=quantity,
        supplier_article_number=line.supplier_article_number,
        delivery_date=delivery,
        note="",
        unit=line.unit,
        serial_numbers=serials,
    )


def _dispatch(
    order: OrderDocument,
    lines: list[AnswerLine],
    *,
    slug: str,
    sender_id: str,
    now: datetime,
    delivery: date,
    part: int,
) -> PartnerAnswer:
    return PartnerAnswer(
        kind=DISPATCH_NOTIFICATION,
        order_number=order.order_number,
        document_id=document_id(slug, order.order_number, DISPATCH_NOTIFICATION, part),
        issued_at=now,
        lines=lines,
        delivery_date=delivery,
        tracking_numbers=[tracking_number(order.order_number + ("" if part == 1 else f"/{part}"))],
        carrier=CARRIER,
        note="Simulierte Versandanzeige",
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
    """The first shipment: every line the response did not reject, without backordered parts;
    None when nothing ships now."""
    now = now or datetime.now(UTC)
    delivery = now.date() + timedelta(days=1)
    lines = []
    for line in response.lines:
        if line.status == "rejected" or line.quantity is None:
            continue
        quantity = line.quantity - (line.backordered_quantity or Decimal(0))
        if quantity > 0:
            lines.append(_shipped_line(order, line, quantity, 1, delivery))
    if not lines:
        return None
    return _dispatch(
        order, lines, slug=slug, sender_id=sender_id, now=now, delivery=delivery, part=1
    )


def backorder_dispatch(
    order: OrderDocument,
    response: PartnerAnswer,
    *,
    slug: str,
    sender_id: str,
    now: datetime | None = None,
) -> PartnerAnswer | None:
    """The second shipment: the backordered parts; None when nothing was backordered."""
    now = now or datetime.now(UTC)
    delivery = now.date() + timedelta(days=1)
    lines = [
        _shipped_line(
            order,
            line,
            line.backordered_quantity,
            int(line.quantity - line.backordered_quantity) + 1,
            delivery,
        )
        for line in response.lines
        if line.backordered_quantity and line.quantity is not None and line.status != "rejected"
    ]
    if not lines:
        return None
    return _dispatch(
        order, lines, slug=slug, sender_id=sender_id, now=now, delivery=delivery, part=2
    )


def corrupt(document: bytes) -> bytes:
    """A broken copy of a document: cut in the middle, so no parser can accept it."""
    return document[: max(1, len(document) // 2)]
