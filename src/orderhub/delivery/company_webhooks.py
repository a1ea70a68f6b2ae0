"""Signed webhooks a company registers to hear about its orders (SPEC §3.9 "signed webhook")."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import httpx
from django.utils import timezone

from orderhub.delivery.channels.base import http_client
from orderhub.delivery.models import CompanyWebhook
from orderhub.formats import signing
from orderhub.ordering.models import Order, OrderEvent

logger = logging.getLogger(__name__)
MAX_TRIES = 5


def order_event_enqueue(order: Order, event: OrderEvent) -> None:
    """Called inside the transaction that records the event, so the push is as durable as the change."""
    if CompanyWebhook.objects.filter(company_id=order.company_id, is_active=True).exists():
        from orderhub.delivery.tasks import notify_company_webhooks

        # An event written in bulk (intake) has no id in memory: the order's first event is it.
        event_id = event.pk or (
            OrderEvent.objects.filter(order_id=order.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        notify_company_webhooks.enqueue(str(order.pk), event_id)


def payload(order: Order, event: OrderEvent) -> bytes:
    return json.dumps(
        {
            "type": "order.status_changed" if event.to_status else "order.updated",
            "order": {
                "id": str(order.pk),
                "number": order.number,
                "external_order_id": order.external_order_id,
                "status": order.status,
                "updated_at": order.updated_at.isoformat(),
                "tracking_numbers": order.tracking_numbers,
            },
            "event": {
                "id": event.pk,
                "at": event.at.isoformat(),
                "from_status": event.from_status,
                "to_status": event.to_status,
                "reason": event.reason,
            },
        },
        ensure_ascii=False,
    ).encode()


def send(order_id: str, event_id: int, attempt: int = 1, hook_ids: list[int] | None = None) -> str:
    """Post the event to the company's hooks (only ``hook_ids`` on a retry: those that failed).

    A hook that fails is tried again after 60 s, 2 min, 4 min, 8 min; after ``MAX_TRIES`` attempts
    it is given up for this event (logged as an error). Hooks that answered 2xx never get the same
    event twice.
    """
    order = Order.objects.get(pk=order_id)
    event = OrderEvent.objects.get(pk=event_id)
    body = payload(order, event)
    hooks = CompanyWebhook.objects.filter(company_id=order.company_id, is_active=True)
    if hook_ids is not None:
        hooks = hooks.filter(pk__in=hook_ids)
    failed: list[int] = []
    for hook in hooks:
        headers = {
            "Content-Type": "application/json",
            "X-OrderHub-Event": str(event.pk),
            "X-OrderHub-Attempt": str(attempt),
            **signing.signature_header(hook.secret, body),
        }
        try:
            response = http_client().post(hook.url, content=body, headers=headers, timeout=10)
            ok = 200 <= response.status_code < 300
        except httpx.HTTPError as exc:
            logger.warning("company webhook %s failed: %s", hook.url, exc)
            ok = False
        if not ok:
            failed.append(hook.pk)
    if failed and attempt < MAX_TRIES:
        from orderhub.delivery.tasks import notify_company_webhooks

        notify_company_webhooks.using(
            run_after=timezone.now() + timedelta(seconds=30 * 2**attempt)
        ).enqueue(order_id, event_id, attempt + 1, failed)
    elif failed:
        logger.error(
            "company webhooks %s gave up on event %s of order %s after %s attempts",
            failed,
            event_id,
            order.number,
            attempt,
        )
    return f"{len(failed)} failed (attempt {attempt})"


def order_events_enqueue(pairs: list[tuple[Order, OrderEvent]]) -> None:
    """:func:`order_event_enqueue` for many events: one query for the companies with webhooks."""
    companies = {order.company_id for order, _ in pairs}
    hooked = set(
        CompanyWebhook.objects.filter(company_id__in=companies, is_active=True)
        .values_list("company_id", flat=True)
        .distinct()
    )
    if not hooked:
        return
    from orderhub.delivery.tasks import notify_company_webhooks

    for order, event in pairs:
        if order.company_id in hooked:
            notify_company_webhooks.enqueue(str(order.pk), event.pk)
