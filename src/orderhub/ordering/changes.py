"""Changes and cancellations after sending (issue 16): the practice asks, the partner answers.

The practice (API, connector, dashboard) asks to change quantities or requested delivery dates,
to remove or add lines, or to cancel the whole order: :func:`request_change`,
:func:`request_cancel`. Each request is an :class:`~orderhub.ordering.models.OrderChange` with
the next sequence number of the order (1, 2 …), recorded in the timeline with the person who
asked, and announced with :data:`~orderhub.ordering.signals.order_change_requested` — delivery
puts it into the outbox of the partner's channel (openTRANS ORDERCHANGE, EDIFACT ORDCHG, a
signed webhook event, an e-mail with a PDF, the supplier portal).

Rules (each refusal is a 409 with ``code`` and ``params`` — see :mod:`~orderhub.ordering.refusals`
— a German ``message`` and an English ``message_en``):

* a cart is changed in the cart, a queued (not yet sent) order is cancelled with the existing
  cancel (``POST /api/v1/orders/{id}/cancel``); an order being sent is asked again a moment later;
* nothing is sent once the lines concerned are shipped: a line with a shipped quantity cannot be
  changed or removed, a shipped order cannot be changed, an order of which anything is shipped
  cannot be cancelled (its open rest can be changed, or closed with "Rest schließen");
* one change at a time: while a change waits for the partner's answer, no other is asked.

**Binaural pairs** (issue 17): a change to one side of a pair asks about the other. The
dashboard's form asks the person whether the change is for both sides (then the same change goes
to the mate) or for this side only, before anything is sent. The API accepts a change for one
side — a practice may well replace only the right receiver — but answers with ``pair_hints``
naming the mate (:func:`pair_hints`); ``apply_to_pair: true`` copies each line's change to its
mate (:func:`with_pair`) when the practice software means both.

**Idempotent**: ``client_id`` (the API's ``Idempotency-Key``, the dashboard form's hidden id)
identifies the request: the same key with the same request answers with the change asked the first
time (``change.replayed`` is True; nothing is asked again, also while it waits for the partner),
with another request 409. A request that was refused asked nothing and may be sent again.

The partner answers with :func:`answer_change`: accepted — the change is applied to the lines
(quantities, dates, removed and added lines; a cancellation makes the order ``cancelled``);
refused — the lines stay as they were and the timeline says why. An answer to a change that was
answered before changes nothing (the partner's documents may come twice).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from orderhub.catalog import identification
from orderhub.catalog import issues as cart_issues
from orderhub.core import actors
from orderhub.core.problems import Conflict, InvalidInput
from orderhub.formats import FormatError
from orderhub.formats import changes as formats_changes
from orderhub.formats.documents import OrderItem
from orderhub.ordering import answers, hearing, reasons, refusals, signals
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order, OrderChange, OrderLine
from orderhub.ordering.models import OrderStatus as S
from orderhub.ordering.services import article_snapshot

#: A change can be asked for once the order went out, until it is shipped.
CHANGEABLE = {S.SENT, S.CONFIRMED, S.PARTIALLY_CONFIRMED, S.PARTIALLY_SHIPPED}
#: A cancellation only while nothing is shipped.
CANCELLABLE = {S.SENT, S.CONFIRMED, S.PARTIALLY_CONFIRMED}
MAX_QUANTITY = Decimal(100_000)


class ChangeRefused(Conflict):
    """A change or cancellation that cannot be asked for (409): a code of
    :data:`~orderhub.ordering.refusals.REFUSALS` and the values its sentence names. The 409 says
    it in German (``message``) and English (``message_en``) with ``code`` and ``params``; a page
    renders it in its own language (:func:`~orderhub.ordering.refusals.render`)."""

    #: Parameters the 409 has had as fields of their own since before ``params``.
    TOP_LEVEL = ("sequence", "position")

    def __init__(self, code: str, **params):
        if code not in refusals.REFUSALS:
            raise ValueError(f"no refusal code {code!r} (ordering/refusals.py)")
        words = refusals.both(code, params)
        top = {k: v for k, v in params.items() if k in self.TOP_LEVEL}
        super().__init__(
            refusals.render(code, params),  # ``detail``: the request's language
            code=code,
            **words,
            params=params,
            **top,
        )
        self.code, self.params = code, params
        self.message, self.message_en = words["message"], words["message_en"]

    def text(self, language: str | None = None) -> str:
        """The refusal in the active language (or ``language``)."""
        return refusals.render(self.code, self.params, language)


# --------------------------------------------------------------------------- input


@dataclass
class LineChangeInput:
    position: int
    quantity: Decimal | None = None
    delivery_date: date | None = None
    remove: bool = False
    note: str = ""


@dataclass
class AddedLineInput:
    quantity: Decimal
    partner_article_number: str | None = None
    gtin: str | None = None
    hmv_number: str | None = None
    manufacturer_article_number: str | None = None
    description: str = ""
    attributes: dict = field(default_factory=dict)
    note: str = ""


@dataclass
class ChangeRequest:
    lines: list[LineChangeInput] = field(default_factory=list)
    added: list[AddedLineInput] = field(default_factory=list)
    note: str = ""

    def digest(self, kind: str = "change") -> str:
        """The request's hash: what an ``Idempotency-Key`` is compared with."""

        def number(value: Decimal | None) -> str | None:
            return None if value is None else _plain(value)

        data = {
            "kind": kind,
            "lines": [
                [
                    line.position,
                    number(line.quantity),
                    line.delivery_date.isoformat() if line.delivery_date else None,
                    line.remove,
                    line.note,
                ]
                for line in self.lines
            ],
            "added": [
                [
                    number(a.quantity),
                    a.partner_article_number,
                    a.gtin,
                    a.hmv_number,
                    a.manufacturer_article_number,
                    a.description,
                    a.attributes,
                    a.note,
                ]
                for a in self.added
            ],
            "note": self.note,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------- asking


def _refuse_status(order: Order, kind: str) -> None:
    status = order.status
    if status == S.CART:
        raise ChangeRefused("cart")
    if status in (S.QUEUED, S.FAILED):
        raise ChangeRefused("not_sent")
    if status == S.SENDING:
        raise ChangeRefused("sending")
    if status == S.SHIPPED:
        raise ChangeRefused("shipped")
    if kind == OrderChange.Kind.CANCEL and status == S.PARTIALLY_SHIPPED:
        raise ChangeRefused("partly_shipped")
    allowed = CANCELLABLE if kind == OrderChange.Kind.CANCEL else CHANGEABLE
    if status not in allowed:
        raise ChangeRefused("closed", status=status)


def _refuse_open_change(order: Order) -> None:
    open_change = (
        order.changes.filter(status__in=(OrderChange.Status.REQUESTED, OrderChange.Status.SENT))
        .order_by("sequence")
        .first()
    )
    if open_change is not None:
        raise ChangeRefused("change_open", sequence=open_change.sequence)


def refusal(order: Order, kind: str) -> ChangeRefused | None:
    """Why ``kind`` (change / cancel) cannot be asked for ``order`` now, or None: the rules
    :func:`request_change` and :func:`request_cancel` apply (the dashboard shows its form only
    when this is None)."""
    try:
        _refuse_status(order, kind)
        if (
            kind == OrderChange.Kind.CANCEL
            and order.lines.filter(removed=False, shipped_quantity__gt=0).exists()
        ):
            _refuse_status(Order(status=S.PARTIALLY_SHIPPED), kind)
        _refuse_open_change(order)
    except ChangeRefused as exc:
        return exc
    return None


def _quantity(value, where: str, **params) -> Decimal:
    """``params``: ``position`` (a line's) or ``added`` (the 1-based number of an added line)."""
    if value is None or not value.is_finite() or not 0 < value <= MAX_QUANTITY:
        raise InvalidInput(
            where,
            "a number greater than 0 and at most 100000",
            code="change.quantity_range",
            params={**params, "most": MAX_QUANTITY},
        )
    if value != value.quantize(Decimal("0.001")):
        raise InvalidInput(
            where, "at most 3 decimals", code="change.quantity_decimals", params=params
        )
    return value


def _plain(value: Decimal) -> str:
    return str(
        value.to_integral_value() if value == value.to_integral_value() else value.normalize()
    )


def _changed_lines(order: Order, request: ChangeRequest) -> list[dict]:
    lines = {line.position: line for line in order.lines.filter(removed=False)}
    result, seen = [], set()
    for i, item in enumerate(request.lines):
        where = f"lines[{i}]"
        line = lines.get(item.position)
        if line is None:
            raise InvalidInput(
                f"{where}.position",
                f"the order has no line {item.position}",
                code="change.no_line",
                params={"position": item.position},
            )
        if item.position in seen:
            raise InvalidInput(
                f"{where}.position",
                f"line {item.position} is named twice",
                code="change.line_twice",
                params={"position": item.position},
            )
        seen.add(item.position)
        if line.shipped_quantity:
            raise ChangeRefused("line_shipped", position=line.position)
        if item.remove:
            if item.quantity is not None or item.delivery_date is not None:
                raise InvalidInput(
                    where,
                    "a removed line has no new quantity or date",
                    code="change.removed_and_changed",
                    params={"position": line.position},
                )
            result.append({"position": line.position, "removed": True, "note": item.note[:500]})
            continue
        quantity = None
        if item.quantity is not None:
            quantity = _quantity(item.quantity, f"{where}.quantity", position=line.position)
            if quantity == line.quantity:
                quantity = None
        if quantity is None and item.delivery_date is None:
            raise InvalidInput(
                where,
                f"nothing changes for line {line.position}",
                code="change.nothing_changes",
                params={"position": line.position},
            )
        result.append(
            {
                "position": line.position,
                "quantity": _plain(quantity) if quantity is not None else None,
                "delivery_date": item.delivery_date.isoformat() if item.delivery_date else None,
                "removed": False,
                "note": item.note[:500],
            }
        )
    if lines and len([r for r in result if r["removed"]]) == len(lines) and not request.added:
        raise InvalidInput(
            "lines",
            "every line would be removed: cancel the order instead (kind 'cancel')",
            code="change.all_removed",
        )
    return result


def _added_lines(order: Order, request: ChangeRequest) -> list[dict]:
    if not request.added:
        return []
    last = order.lines.aggregate(last=Max("position"))["last"] or 0
    queries = [
        identification.LineQuery(
            partner_article_number=a.partner_article_number,
            gtin=a.gtin,
            hmv_number=a.hmv_number,
            manufacturer_article_number=a.manufacturer_article_number,
            description=a.description,
            attributes=a.attributes,
        )
        for a in request.added
    ]
    found = identification.identify_many(order.partner, queries, candidates=False)
    result = []
    for i, (item, ident) in enumerate(zip(request.added, found)):
        quantity = _quantity(item.quantity, f"added[{i}].quantity", added=i + 1)
        if not ident.identified or ident.article is None:
            issue = ident.issue()
            raise InvalidInput(
                f"added[{i}]",
                cart_issues.in_language("en", cart_issues.message, issue),
                code="change.added_not_identified",
                params={
                    "added": i + 1,
                    "issue": {k: issue[k] for k in ("code", "params", "notes") if k in issue},
                },
            )

        article = ident.article
        snapshot = article_snapshot(article)
        result.append(
            {
                "position": last + i + 1,
                "quantity": _plain(quantity),
                "unit": article.order_unit or "C62",
                "partner_article_number": article.partner_article_number,
                "gtin": article.gtin or "",
                "hmv_number": article.hmv_number or "",
                "manufacturer_article_number": article.manufacturer_article_number or "",
                "description": item.description or article.short_description,
                "attributes": dict(item.attributes or {}),
                "article_id": article.pk,
                "article_snapshot": snapshot,
                "note": item.note[:500],
            }
        )
    return result


def _reason(change: OrderChange, what: str, note: str = "") -> str:
    """The reason code for ``what`` ("sent", "accepted", …) of a change or a cancellation."""
    kind = "cancellation" if change.kind == OrderChange.Kind.CANCEL else "change"
    return f"{kind}.{what}{'_note' if note else ''}"


def _describe(change: OrderChange) -> tuple[str, dict]:
    params: dict = {"n": change.sequence}
    if change.kind == OrderChange.Kind.CANCEL:
        if change.note:
            params["note"] = change.note
        return _reason(change, "requested", change.note), params
    params["parts"] = reasons.change_parts(change.lines, change.added)
    return "change.requested", params


def _replay(order: Order, client_id: str, digest: str) -> OrderChange | None:
    """The change this key asked for before (same request), or None; 409 for another request."""
    if not client_id:
        return None
    earlier = OrderChange.objects.filter(order=order, client_id=client_id).first()
    if earlier is None:
        return None
    if earlier.request_hash != digest:
        raise Conflict(
            "this Idempotency-Key asked for another change of the order; use a new key for a new "
            "change",
            title="Idempotency key reused",
        )
    earlier.order = order
    earlier.replayed = True  # type: ignore[attr-defined]
    return earlier


def _create(
    order: Order,
    kind: str,
    lines: list,
    added: list,
    note: str,
    actor: str,
    client_id: str = "",
    digest: str = "",
):
    last = order.changes.aggregate(last=Max("sequence"))["last"] or 0
    change = OrderChange.objects.create(
        order=order,
        sequence=last + 1,
        kind=kind,
        lines=lines,
        added=added,
        note=note[:500],
        **actors.fields(actor, "requested_by"),
        requested_at=timezone.now(),
        client_id=client_id,
        request_hash=digest if client_id else "",
    )
    change.replayed = False  # type: ignore[attr-defined]
    # The same rules the partners' formats check (line numbers, quantities, nothing twice).
    try:
        formats_changes.check_change(as_format(change))
    except FormatError as exc:
        raise InvalidInput(exc.field or "lines", exc.message) from None
    reason, params = _describe(change)
    order_status.note(
        order, actor=actor, reason=reason, params=params, data={"change": change.sequence}
    )
    signals.order_change_requested.send(sender=OrderChange, change=change)
    return change


def _once(order: Order, client_id: str, digest: str, ask) -> OrderChange:
    """Run ``ask(locked_order)`` in a transaction unless ``client_id`` asked this before."""
    client_id = (client_id or "").strip()[:200]
    try:
        with transaction.atomic():
            locked = Order.objects.select_for_update().select_related("partner").get(pk=order.pk)
            replay = _replay(locked, client_id, digest)
            if replay is not None:
                return replay
            return ask(locked, client_id)
    except IntegrityError:
        # Two requests with one key at the same time: the other one asked it.
        replay = _replay(order, client_id, digest)
        if replay is None:
            raise
        return replay


def request_change(
    order: Order, request: ChangeRequest, *, actor: str, client_id: str = ""
) -> OrderChange:
    """Ask the partner to change the sent ``order``; raises ChangeRefused / InvalidInput.

    ``client_id`` (Idempotency-Key): the same request again returns the change it asked for
    (``replayed`` True), another request with it is a 409."""
    digest = request.digest(OrderChange.Kind.CHANGE)

    def ask(order: Order, client_id: str) -> OrderChange:
        _refuse_status(order, OrderChange.Kind.CHANGE)
        _refuse_open_change(order)
        if not request.lines and not request.added:
            raise InvalidInput(
                "lines", "name at least one line to change, remove or add", code="change.empty"
            )
        lines = _changed_lines(order, request)
        added = _added_lines(order, request)
        return _create(
            order, OrderChange.Kind.CHANGE, lines, added, request.note, actor, client_id, digest
        )

    return _once(order, client_id, digest, ask)


def request_cancel(order: Order, *, actor: str, note: str = "", client_id: str = "") -> OrderChange:
    """Ask the partner to cancel the sent ``order``; refused once anything is shipped.
    ``client_id``: as for :func:`request_change`."""
    digest = ChangeRequest(note=note).digest(OrderChange.Kind.CANCEL)

    def ask(order: Order, client_id: str) -> OrderChange:
        _refuse_status(order, OrderChange.Kind.CANCEL)
        if order.lines.filter(removed=False, shipped_quantity__gt=0).exists():
            _refuse_status(Order(status=S.PARTIALLY_SHIPPED), OrderChange.Kind.CANCEL)
        _refuse_open_change(order)
        return _create(order, OrderChange.Kind.CANCEL, [], [], note, actor, client_id, digest)

    return _once(order, client_id, digest, ask)


# --------------------------------------------------------------------------- binaural pairs


def _mates(order: Order) -> dict[int, list[int]]:
    return hearing.pair_mates(order.lines.filter(removed=False))


def pair_gaps(order: Order, request: ChangeRequest) -> dict[int, list[int]]:
    """Position → the mates of its pair that the request leaves as they are."""
    mates = _mates(order)
    named = {line.position for line in request.lines}
    return {
        line.position: left
        for line in request.lines
        if (left := [m for m in mates.get(line.position, []) if m not in named])
    }


def with_pair(order: Order, request: ChangeRequest) -> ChangeRequest:
    """The request with each line's change also asked for the other side of its pair (unless
    the request names that side itself)."""
    gaps = pair_gaps(order, request)
    copies = [
        LineChangeInput(
            position=mate,
            quantity=line.quantity,
            delivery_date=line.delivery_date,
            remove=line.remove,
            note=line.note,
        )
        for line in request.lines
        for mate in gaps.get(line.position, [])
    ]
    quantities = dict(order.lines.values_list("position", "quantity"))
    seen: set[int] = set()
    unique = []
    for copy in copies:
        if copy.position in seen:
            continue
        seen.add(copy.position)
        if copy.quantity == quantities.get(copy.position) and not copy.remove:
            copy.quantity = None  # that side has this quantity already
        if copy.remove or copy.quantity is not None or copy.delivery_date is not None:
            unique.append(copy)
    return ChangeRequest(lines=[*request.lines, *unique], added=request.added, note=request.note)


def pair_hints(change: OrderChange) -> list[dict]:
    """The lines of ``change`` whose pair's other side it leaves as it is: ``position``,
    ``mates``, and the ``code`` and ``params`` of the sentence naming them
    (:data:`~orderhub.ordering.refusals.HINTS`), rendered when read (the API: :func:`change_data`)."""
    if change.kind != OrderChange.Kind.CHANGE or not change.lines:
        return []
    mates = _mates(change.order)
    named = {line["position"] for line in change.lines}
    hints = []
    for line in change.lines:
        left = [m for m in mates.get(line["position"], []) if m not in named]
        if left:
            hints.append(
                {
                    "position": line["position"],
                    "mates": left,
                    "code": "pair_one_side",
                    "params": {"position": line["position"], "mates": left},
                }
            )
    return hints


def _pair_hints_out(change: OrderChange) -> list[dict]:
    """``pair_hints`` as the API has shown them: position, mates, German and English."""
    return [
        {"position": h["position"], "mates": h["mates"], **refusals.both(h["code"], h["params"])}
        for h in pair_hints(change)
    ]


# --------------------------------------------------------------------------- the formats' view


def as_format(change: OrderChange) -> formats_changes.OrderChange:
    """The format-neutral change the channels write (ORDERCHANGE, ORDCHG, JSON, PDF)."""
    lines = [
        formats_changes.LineChange(
            line_no=line["position"],
            quantity=Decimal(line["quantity"]) if line.get("quantity") is not None else None,
            delivery_date=date.fromisoformat(line["delivery_date"])
            if line.get("delivery_date")
            else None,
            removed=bool(line.get("removed")),
            note=line.get("note", ""),
        )
        for line in change.lines
    ]
    added = []
    for line in change.added:
        snap = line.get("article_snapshot") or {}
        price = snap.get("price")
        added.append(
            OrderItem(
                line_no=line["position"],
                quantity=Decimal(line["quantity"]),
                unit=line.get("unit") or "C62",
                supplier_article_number=line.get("partner_article_number") or "",
                gtin=line.get("gtin") or None,
                hmv_number=line.get("hmv_number") or None,
                manufacturer_article_number=line.get("manufacturer_article_number") or None,
                description=line.get("description", ""),
                price=Decimal(price) if price else None,
                attributes=dict(line.get("attributes") or {}),
            )
        )
    return formats_changes.OrderChange(
        order_number=change.order.number,
        sequence=change.sequence,
        issued_at=change.requested_at,
        kind=change.kind,
        lines=lines,
        added=added,
        note=change.note,
    )


# --------------------------------------------------------------------------- the partner's answer


def mark_sent(change: OrderChange, *, actor: str, detail: str = "") -> None:
    """The change reached the partner's channel (called by delivery)."""
    updated = OrderChange.objects.filter(pk=change.pk, status=OrderChange.Status.REQUESTED).update(
        status=OrderChange.Status.SENT
    )
    if updated:
        change.status = OrderChange.Status.SENT
        order_status.note(
            change.order,
            actor=actor,
            reason=_reason(change, "sent"),
            params={"n": change.sequence},
            data={"change": change.sequence, "detail": detail[:200]},
        )


def mark_failed(change: OrderChange, *, actor: str, detail: str) -> None:
    """The change could not be delivered (dead letter): the lines stay as they are."""
    updated = OrderChange.objects.filter(pk=change.pk, status__in=_OPEN).update(
        status=OrderChange.Status.FAILED, answer_note=detail[:500]
    )
    if updated:
        change.status = OrderChange.Status.FAILED
        order_status.note(
            change.order,
            actor=actor,
            reason=_reason(change, "undeliverable"),
            params={"n": change.sequence, "detail": detail[:500]},
            data={"change": change.sequence},
        )


_OPEN = (OrderChange.Status.REQUESTED, OrderChange.Status.SENT)


def find_change(order: Order, sequence: int) -> OrderChange | None:
    return OrderChange.objects.filter(order=order, sequence=sequence).first()


def answer_change(
    change: OrderChange, accepted: bool, *, actor: str, note: str = "", data: dict | None = None
) -> bool:
    """Apply the partner's answer to ``change``; False when it was answered before."""
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("partner").get(pk=change.order_id)
        change = OrderChange.objects.select_for_update().get(pk=change.pk)
        change.order = order
        if not change.is_open:
            return False
        now = timezone.now()
        change.status = OrderChange.Status.ACCEPTED if accepted else OrderChange.Status.REFUSED
        change.answered_at, change.answer_note = now, note[:500]
        answered = actors.fields(actor, "answered_by")
        for name, value in answered.items():
            setattr(change, name, value)
        change.save(update_fields=["status", "answered_at", *answered, "answer_note"])
        data = {**(data or {}), "change": change.sequence, "accepted": accepted}
        params = {"n": change.sequence, **({"note": note[:500]} if note else {})}
        if not accepted:
            reason = _reason(change, "refused", note)
            order_status.note(order, actor=actor, reason=reason, params=params, data=data)
            return True
        reason = _reason(change, "accepted", note)
        if change.kind == OrderChange.Kind.CANCEL:
            if order_status.can_transition(order.status, S.CANCELLED):
                order_status.transition(
                    order, S.CANCELLED, actor=actor, reason=reason, params=params, data=data
                )
            else:  # shipped meanwhile: the partner's word stands, the goods are on their way
                order_status.note(
                    order,
                    actor=actor,
                    reason=_reason(change, "accepted_late", note),
                    params={**params, "status": order.status},
                    data=data,
                )
            return True
        _apply(order, change)
        _settle_status(order, actor=actor, reason=reason, params=params, data=data)
        return True


def _apply(order: Order, change: OrderChange) -> None:
    lines = {line.position: line for line in order.lines.filter(removed=False)}
    changed = []
    for item in change.lines:
        line = lines.get(item["position"])
        if line is None:
            continue
        if item.get("removed"):
            line.removed = True
        else:
            if item.get("quantity") is not None:
                quantity = Decimal(item["quantity"])
                line.quantity = quantity
                if line.confirmed_quantity is not None and line.line_status != "rejected":
                    line.confirmed_quantity = quantity
                    if line.backordered_quantity and line.backordered_quantity > quantity:
                        line.backordered_quantity = quantity
            if item.get("delivery_date"):
                line.delivery_date = date.fromisoformat(item["delivery_date"])
        changed.append(line)
    if changed:
        OrderLine.objects.bulk_update(
            changed,
            ["removed", "quantity", "confirmed_quantity", "backordered_quantity", "delivery_date"],
        )
    answered = order.status != S.SENT
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                position=item["position"],
                quantity=Decimal(item["quantity"]),
                unit=item.get("unit") or "C62",
                partner_article_number=item.get("partner_article_number") or "",
                gtin=item.get("gtin") or "",
                hmv_number=item.get("hmv_number") or "",
                manufacturer_article_number=item.get("manufacturer_article_number") or "",
                description=(item.get("description") or "")[:300],
                attributes=item.get("attributes") or {},
                article_id=item.get("article_id"),
                matched_by="order_change",
                article_snapshot=item.get("article_snapshot") or {},
                # The partner accepted the line: confirmed as asked once the order was answered.
                line_status=OrderLine.LineStatus.CONFIRMED
                if answered
                else OrderLine.LineStatus.OPEN,
                confirmed_quantity=Decimal(item["quantity"]) if answered else None,
            )
            for item in change.added
        ]
    )


def _settle_status(order: Order, *, actor: str, reason: str, params: dict, data: dict) -> None:
    """Record the accepted change; the order's status follows its lines once it was answered."""
    target = order.status
    if order.status in order_status.ANSWERED:
        lines = list(order.lines.filter(removed=False))
        target = answers.status_from_lines(lines, shipping=False)
    if target != order.status and order_status.can_transition(order.status, target):
        order_status.transition(order, target, actor=actor, reason=reason, params=params, data=data)
    else:
        order_status.note(order, actor=actor, reason=reason, params=params, data=data)


def change_data(change: OrderChange) -> dict:
    """A change as the API shows it."""
    return {
        "sequence": change.sequence,
        "number": f"{change.order.number}/{change.sequence}",
        "kind": change.kind,
        "status": change.status,
        "lines": [
            {
                "position": line["position"],
                "quantity": line.get("quantity"),
                "delivery_date": line.get("delivery_date"),
                "removed": bool(line.get("removed")),
                "note": line.get("note", ""),
            }
            for line in change.lines
        ],
        "added": [
            {
                "position": line["position"],
                "quantity": line["quantity"],
                "unit": line.get("unit") or "C62",
                "partner_article_number": line.get("partner_article_number") or None,
                "description": line.get("description", ""),
                "note": line.get("note", ""),
            }
            for line in change.added
        ],
        "note": change.note,
        **actors.api_fields(change, "requested_by"),
        "requested_at": change.requested_at.isoformat(),
        "answered_at": change.answered_at.isoformat() if change.answered_at else None,
        **actors.api_fields(change, "answered_by"),
        "answer_note": change.answer_note or None,
        "pair_hints": _pair_hints_out(change),
    }


def request_from_payload(payload) -> ChangeRequest:
    """The API's ``ChangeIn`` (kind ``change``) as a service request."""
    return ChangeRequest(
        lines=[
            LineChangeInput(
                position=line.position,
                quantity=line.quantity,
                delivery_date=line.delivery_date,
                remove=line.remove,
                note=line.note,
            )
            for line in payload.lines
        ],
        added=[
            AddedLineInput(
                quantity=a.quantity,
                partner_article_number=a.partner_article_number,
                gtin=a.gtin,
                hmv_number=a.hmv_number,
                manufacturer_article_number=a.manufacturer_article_number,
                description=a.description,
                attributes=dict(a.attributes),
                note=a.note,
            )
            for a in payload.added
        ],
        note=payload.note,
    )
