"""Background work of the delivery area on django-tasks (django-tasks-db backend).

Deliveries and company webhooks are not tasks: their outbox rows are the queue (``queue``,
``outbox``, ``company_webhooks``). The two tasks here only drain rows that releases before the
one-queue change (migration ``delivery.0003``) left in django-tasks' table; nothing enqueues them
any more. Remove them once no such rows can be left anywhere.
"""

from __future__ import annotations

from django_tasks import task

from orderhub.delivery.company_webhooks import order_events_enqueue
from orderhub.ordering.models import Order, OrderEvent


@task(queue_name="delivery")
def deliver(delivery_id: int) -> str:
    """A pre-0003 delivery task: the Delivery row itself is due and the delivery loop claims it."""
    return "outbox"


@task(queue_name="default")
def notify_company_webhooks(
    order_id: str, event_id: int, attempt: int = 1, hook_ids: list[int] | None = None
) -> str:
    """A pre-0003 webhook task: the event goes into the outbox (one row per hook it names, once)."""
    order = Order.objects.filter(pk=order_id).first()
    event = OrderEvent.objects.filter(pk=event_id, order_id=order_id).first()
    if order is None or event is None:
        return "gone"
    order_events_enqueue([(order, event)], hook_ids)
    return "outbox"
