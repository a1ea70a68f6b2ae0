"""The order status machine: the one place where an order's status changes (SPEC §4 status list).

Every change is checked against ``TRANSITIONS`` and recorded as an :class:`OrderEvent` with
time, actor and reason, in the same transaction as the change. A reason is a code of
``ordering/reasons.py`` with its parameters, never a sentence (issue 15).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orderhub.core import actors
from orderhub.ordering import reasons, signals
from orderhub.ordering.models import Order, OrderEvent
from orderhub.ordering.models import OrderStatus as S

ANSWERED = {S.CONFIRMED, S.PARTIALLY_CONFIRMED, S.REJECTED, S.PARTIALLY_SHIPPED, S.SHIPPED}

TRANSITIONS: dict[str, set[str]] = {
    S.CART: {S.QUEUED, S.EXPIRED, S.CANCELLED},
    S.QUEUED: {S.SENDING, S.CANCELLED, S.FAILED},
    # A partner may answer before the sender saw its acknowledgement (lost response), hence ANSWERED.
    S.SENDING: {S.SENT, S.FAILED} | ANSWERED,
    # Sent and not shipped: the partner may accept the practice's cancellation (issue 16,
    # ordering/changes.py) — the order becomes ``cancelled``.
    S.SENT: set(ANSWERED) | {S.CANCELLED},
    S.CONFIRMED: {S.PARTIALLY_CONFIRMED, S.REJECTED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED},
    S.PARTIALLY_CONFIRMED: {
        S.CONFIRMED,
        S.REJECTED,
        S.PARTIALLY_SHIPPED,
        S.SHIPPED,
        S.CANCELLED,
    },
    # The rest follows in a later dispatch notification, or the practice closes it.
    S.PARTIALLY_SHIPPED: {S.SHIPPED},
    S.FAILED: {S.QUEUED, S.CANCELLED} | ANSWERED,
    S.SHIPPED: set(),
    S.REJECTED: set(),
    S.EXPIRED: set(),
    S.CANCELLED: set(),
}
FINAL = {s for s, nxt in TRANSITIONS.items() if not nxt}
CANCELLABLE = {S.CART, S.QUEUED, S.FAILED}


class TransitionNotAllowed(Exception):
    def __init__(self, order: Order, to: str):
        self.order, self.to = order, to
        super().__init__(f"order {order.number} cannot go from {order.status} to {to}")


def as_read(order: Order, now=None) -> Order:
    """The order as a reader sees it now: a cart past its 6 hours is ``expired`` (in memory only).

    Reading never writes (issue 13): the periodic job (``services.expire_due_carts``) records the
    expiry with its timeline entry, and every write to a cart (``services._open_cart``) expires it
    first; until then a reader is not shown a cart that can no longer be completed.
    """
    now = now or timezone.now()
    if order.status == S.CART and order.cart_expires_at and order.cart_expires_at <= now:
        order.status = S.EXPIRED
    return order


def status_filter(wanted, now=None) -> Q:
    """Orders in one of the ``wanted`` statuses as :func:`as_read` shows them: a cart past its 6
    hours whose expiry is not recorded yet counts as ``expired``, not as ``cart``."""
    due = Q(status=S.CART, cart_expires_at__lte=now or timezone.now())
    q = Q(status__in=list(wanted))
    if S.CART in wanted and S.EXPIRED not in wanted:
        q &= ~due
    elif S.EXPIRED in wanted and S.CART not in wanted:
        q |= due
    return q


def can_transition(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, set())


def transition(
    order: Order,
    to: str,
    *,
    actor: str,
    reason: str = "",
    params: dict | None = None,
    data: dict | None = None,
    fields: dict | None = None,
) -> Order:
    """Move ``order`` to ``to`` (locking its row); raises TransitionNotAllowed.

    ``reason`` is a code of ``ordering/reasons.py``, ``params`` the values its sentence names.
    ``fields`` are further attribute changes saved in the same write (e.g. ``ordered_at``).
    """
    params = reasons.check(reason, params)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not can_transition(locked.status, to):
            raise TransitionNotAllowed(locked, to)
        now = timezone.now()
        previous = locked.status
        locked.status = to
        locked.updated_at = now
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", "updated_at", *(fields or {})])
        event = OrderEvent.objects.create(
            order=locked,
            at=now,
            **actors.fields(actor),
            from_status=previous,
            to_status=to,
            reason_code=reason,
            reason_params=params,
            data=data or {},
        )
        _announce(locked, event)
    order.status, order.updated_at = locked.status, locked.updated_at
    for name, value in (fields or {}).items():
        setattr(order, name, value)
    return order


def _announce(order: Order, event: OrderEvent) -> None:
    signals.order_events.send(sender=Order, pairs=[(order, event)])


def note(
    order: Order,
    *,
    actor: str,
    reason: str,
    params: dict | None = None,
    data: dict | None = None,
) -> OrderEvent:
    """Record an event that does not change the status (e.g. a line resolved in the cart)."""
    params = reasons.check(reason, params)
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(updated_at=now)
    order.updated_at = now
    return OrderEvent.objects.create(
        order=order,
        at=now,
        **actors.fields(actor),
        reason_code=reason,
        reason_params=params,
        data=data or {},
    )


def transition_many(changes, to: str, *, actor: str) -> list[Order]:
    """The bulk variant of :func:`transition` for background work on many orders at once.

    ``changes`` are ``(order, reason, params, data)`` tuples (``reason`` a code as for
    :func:`transition`). The rows are locked (in primary-key order, so
    two callers cannot deadlock), every change is checked against ``TRANSITIONS`` and recorded as
    an :class:`OrderEvent` in the same transaction, exactly as :func:`transition` does, but with one
    lock query, one ``UPDATE`` and one ``INSERT`` for all. Unlike :func:`transition` an order that
    may not move (another process changed it meanwhile) is left alone instead of raising; the
    orders that did move are returned (the given objects, updated in place).
    """
    changes = {
        order.pk: (order, reason, reasons.check(reason, params), data)
        for order, reason, params, data in changes
    }
    if not changes:
        return []
    # No savepoint of its own: an error rolls the caller's whole transaction back (two round trips less).
    with transaction.atomic(savepoint=False):
        locked = list(
            Order.objects.select_for_update()
            .filter(pk__in=list(changes))
            .order_by("pk")
            .only("id", "status", "company_id")
        )
        movable = [o for o in locked if can_transition(o.status, to)]
        if not movable:
            return []
        now = timezone.now()
        Order.objects.filter(pk__in=[o.pk for o in movable]).update(status=to, updated_at=now)
        events = OrderEvent.objects.bulk_create(
            [
                OrderEvent(
                    order_id=o.pk,
                    at=now,
                    **actors.fields(actor),
                    from_status=o.status,
                    to_status=to,
                    reason_code=changes[o.pk][1],
                    reason_params=changes[o.pk][2],
                    data=changes[o.pk][3] or {},
                )
                for o in movable
            ]
        )
        moved = []
        for o in movable:
            order = changes[o.pk][0]
            order.status, order.updated_at = to, now
            moved.append(order)
        _announce_many(list(zip(moved, events)))
    return moved


def _announce_many(pairs: list) -> None:
    signals.order_events.send(sender=Order, pairs=pairs)
