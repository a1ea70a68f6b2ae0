"""Background work of the delivery area (django.tasks on the django-tasks-db backend)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="delivery")
def deliver(delivery_id: int) -> str:
    from orderhub.delivery.outbox import run_delivery

    return run_delivery(delivery_id)


@task(queue_name="default")
def notify_company_webhooks(
    order_id: str, event_id: int, attempt: int = 1, hook_ids: list[int] | None = None
) -> str:
    from orderhub.delivery.company_webhooks import send

    return send(order_id, event_id, attempt, hook_ids)
