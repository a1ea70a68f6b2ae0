"""Signed webhooks a company registers to hear about its orders (SPEC §3.9 "signed webhook").

Every order event becomes one outbox row per active hook of the company (:class:`WebhookDelivery`),
written in the transaction that records the event (the new order's own event just after intake's
commit, see ``ordering.services._announce``). The delivery loop claims these rows like partner
deliveries (``queue``: lease, SKIP LOCKED), posts the payload stored with the row, and logs every
attempt. A hook that fails is tried again after about 1, 2, 4, 8 minutes (with jitter); after
``MAX_TRIES`` attempts the row is dead-lettered (visible in the admin, retried by hand with
:func:`retry_dead`). A hook that answered 2xx never gets the same event again.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import httpx
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from orderhub.core import actors
from orderhub.delivery import queue
from orderhub.delivery.channels.base import DeliveryResult, http_client
from orderhub.delivery.models import (
    WEBHOOK_MAX_TRIES,
    CompanyWebhook,
    WebhookAttempt,
    WebhookDelivery,
)
from orderhub.formats import signing
from orderhub.ordering import reasons, selectors
from orderhub.ordering.models import Order, OrderEvent

logger = logging.getLogger(__name__)
MAX_TRIES = WEBHOOK_MAX_TRIES
#: The first retry after about this many seconds (equal jitter), doubling up to RETRY_MAX_SECONDS.
RETRY_FIRST_SECONDS = 60
RETRY_MAX_SECONDS = 3600
TIMEOUT_SECONDS = 10
Status = WebhookDelivery.Status
Outcome = WebhookAttempt.Outcome


# --- enqueue: one row per (event, hook), in the event's transaction -----------------------------------


def order_event_enqueue(order: Order, event: OrderEvent) -> None:
    order_events_enqueue([(order, event)])


def order_events_enqueue(
    pairs: list[tuple[Order, OrderEvent]], hook_ids: list[int] | None = None
) -> None:
    """Put the events into the outbox for every active hook of their companies (one read, one
    insert); ``hook_ids``: only for these hooks."""
    companies = {order.company_id for order, _ in pairs}
    hooks: dict[UUID, list[int]] = {}
    if hook_ids is None:
        hooks = active_hooks(companies)
    else:
        active = CompanyWebhook.objects.filter(
            company_id__in=companies, is_active=True, pk__in=hook_ids
        )
        for hook_id, company_id in active.values_list("id", "company_id"):
            hooks.setdefault(company_id, []).append(hook_id)
    if not hooks:
        return
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    for order, event in pairs:
        if order.company_id not in hooks:
            continue
        if event.pk is None:  # written in bulk (intake) without its id in memory: the first event
            event.pk = (
                OrderEvent.objects.filter(order_id=order.pk)
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
        body = payload(order, event).decode()
        rows.extend(
            WebhookDelivery(
                hook_id=hook_id,
                order_id=order.pk,
                event_id=event.pk,
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
            for hook_id in hooks[order.company_id]
        )
    # An event announced twice (a replayed signal) is still one row per hook.
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)


def _hooks_key(company_id: UUID) -> str:
    return f"company-hooks:{company_id}"


def active_hooks(company_ids: set[UUID]) -> dict[UUID, list[int]]:
    """{company: its active hook ids}, for the companies that have any.

    Every new order asks this after intake's commit, and almost no company has a hook: the answer
    is kept in ``CACHES["webhooks"]`` (``ORDERHUB_WEBHOOK_CACHE_SECONDS``, 2 s, per process unless
    a shared cache is configured). Without it, intake took 12.6–14.6 ms per
    order under cProfile (``python -m bench.profile intake``), with it 6.9–7.4 ms (docs/performance.md). Saving or deleting a hook forgets
    its company at once in that process (:func:`forget_hooks`); elsewhere a new hook hears the
    events from at most that long after it was created. A deactivated hook is never posted to: the
    delivery loop checks ``is_active`` before it sends.
    """
    cache = caches["webhooks"]
    keys = {_hooks_key(c): c for c in company_ids}
    found = cache.get_many(list(keys))
    hooks = {keys[k]: ids for k, ids in found.items()}
    missing = [c for k, c in keys.items() if k not in found]
    if missing:
        fresh: dict[UUID, list[int]] = {c: [] for c in missing}
        active = CompanyWebhook.objects.filter(company_id__in=missing, is_active=True)
        for hook_id, company_id in active.values_list("id", "company_id").order_by("id"):
            fresh[company_id].append(hook_id)
        cache.set_many({_hooks_key(c): ids for c, ids in fresh.items()})
        hooks.update(fresh)
    return {c: ids for c, ids in hooks.items() if ids}


def forget_hooks(company_id: UUID) -> None:
    """A hook of the company was saved or deleted: the next event reads its hooks again (now, and
    after the commit, so that a concurrent reader cannot keep the old list)."""
    key = _hooks_key(company_id)
    caches["webhooks"].delete(key)
    transaction.on_commit(lambda: caches["webhooks"].delete(key))


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
                # Once the partner answered: per line its answer, shipments and serial numbers.
                "lines": selectors.line_states(order)
                if order.status in selectors.ANSWERED_STATUSES
                else [],
            },
            "event": {
                "id": event.pk,
                "at": event.at.isoformat(),
                "from_status": event.from_status,
                "to_status": event.to_status,
                **actors.api_fields(event),
                **reasons.api_fields(event),
            },
        },
        ensure_ascii=False,
    ).encode()


# --- claim, send, record -------------------------------------------------------------------------------


@dataclass
class WebhookJob:
    """One claimed attempt of one (event, hook) row; ``send`` touches no database."""

    delivery: WebhookDelivery
    attempt: WebhookAttempt
    result: DeliveryResult | None = None
    #: After :func:`record_locked`: delivered | retry | dead | abandoned.
    outcome: str = ""

    def send(self) -> DeliveryResult:
        row, hook = self.delivery, self.delivery.hook
        body = row.body.encode()
        headers = {
            "Content-Type": "application/json",
            "X-OrderHub-Event": str(row.event_id),
            "X-OrderHub-Delivery": str(row.pk),
            "X-OrderHub-Attempt": str(self.attempt.number),
            **signing.signature_header(hook.secret, body),
        }
        try:
            response = http_client().post(
                hook.url, content=body, headers=headers, timeout=TIMEOUT_SECONDS
            )
        except httpx.HTTPError as exc:
            return DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")
        except (
            Exception
        ) as exc:  # e.g. an address the network guard refuses: record, retry, give up
            logger.exception("company webhook %s crashed", row.pk)
            return DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")
        excerpt = response.text[:2000] if response.content else ""
        if 200 <= response.status_code < 300:
            return DeliveryResult.success(
                f"HTTP {response.status_code}", response.status_code, excerpt
            )
        return DeliveryResult.temporary(
            f"HTTP {response.status_code}", response.status_code, excerpt
        )


def claim_locked(limit: int, now, worker_id: str) -> tuple[int, list[WebhookJob]]:
    """Lease up to ``limit`` due rows (inside the caller's transaction); rows of a deactivated
    hook are cancelled. Returns how many rows were taken and the jobs to send."""
    if limit <= 0:
        return 0, []
    rows = list(
        queue.due(WebhookDelivery, now)
        .select_related("hook")
        .order_by("next_attempt_at", "pk")[:limit]
    )
    if not rows:
        return 0, []
    leased = queue.lease_live(
        WebhookDelivery, WebhookAttempt, rows, lambda r: r.hook.is_active, now, worker_id
    )
    return len(rows), [WebhookJob(r, a) for r, a in leased]


def record_locked(jobs: list[WebhookJob], now, rng=random) -> None:
    """Write the outcomes of finished attempts (inside the caller's transaction)."""
    if not jobs:
        return
    current = {
        r.pk: r
        for r in WebhookDelivery.objects.select_for_update(of=("self",))
        .filter(pk__in=[j.delivery.pk for j in jobs])
        .order_by("pk")
        .only("id", "status", "attempts")
    }
    changed = []
    for job in jobs:
        row, attempt, result = job.delivery, job.attempt, job.result
        assert result is not None  # only finished attempts are recorded
        attempt.finished_at = now
        attempt.status_code = result.status_code
        attempt.detail = result.detail[:500]
        attempt.response_excerpt = result.response_excerpt
        if not queue.still_held(current, row, attempt.number):
            attempt.outcome, job.outcome = Outcome.ABANDONED, "abandoned"  # a newer attempt counts
            continue
        row.lease_until = None
        if result.ok:
            attempt.outcome, job.outcome = Outcome.SUCCESS, "delivered"
            row.status, row.delivered_at, row.last_error = Status.DELIVERED, now, ""
        elif row.attempts < row.max_attempts:
            attempt.outcome, job.outcome = Outcome.RETRY, "retry"
            row.status, row.last_error = Status.RETRYING, result.detail
            row.next_attempt_at = now + timedelta(
                seconds=queue.backoff_seconds(
                    RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS, row.attempts, rng
                )
            )
        else:
            attempt.outcome, job.outcome = Outcome.FAILED, "dead"
            row.status, row.last_error = Status.DEAD, result.detail
            logger.error(
                "company webhook %s gave up on event %s of order %s after %s attempts: %s",
                row.hook_id,
                row.event_id,
                row.order_id,
                row.attempts,
                result.detail,
            )
        changed.append(row)
    queue.save_attempts(WebhookAttempt, [j.attempt for j in jobs])
    if changed:
        WebhookDelivery.objects.bulk_update(
            changed, ["status", "delivered_at", "last_error", "lease_until", "next_attempt_at"]
        )


@transaction.atomic
def retry_dead(row: WebhookDelivery, actor: str) -> WebhookDelivery:
    """The manual retry of a dead-lettered webhook event: another ``MAX_TRIES`` attempts, now."""
    row = WebhookDelivery.objects.select_for_update().get(pk=row.pk)
    if row.status != Status.DEAD:
        return row
    row.status, row.next_attempt_at, row.max_attempts = (
        Status.PENDING,
        timezone.now(),
        row.attempts + MAX_TRIES,
    )
    row.save(update_fields=["status", "next_attempt_at", "max_attempts"])
    logger.info("company webhook delivery %s retried by %s", row.pk, actor)
    return row
