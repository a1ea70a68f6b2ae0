"""The transactional outbox: enqueue with the order, claim with a lease, retry with backoff.

A Delivery row is written in the same transaction as the order (and so is its django.tasks job).
A worker *claims* the delivery by taking a lease (row lock, SKIP LOCKED on PostgreSQL); the
partner call happens outside any transaction; the outcome is recorded afterwards. A worker that
dies mid-delivery leaves an expired lease behind, which :func:`recover_stale` turns into a retry.
Partners deduplicate on the order number, and the exact bytes are rendered once and stored, so a
retry after an unknown outcome can never become a second, different order.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orderhub.delivery import channels
from orderhub.delivery import order_document as order_documents
from orderhub.delivery.channels.base import DeliveryResult, Rendered
from orderhub.delivery.models import Delivery, DeliveryAttempt, Document
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order
from orderhub.ordering.models import OrderStatus as S

logger = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
OPEN = (Delivery.Status.PENDING, Delivery.Status.RETRYING)


def enqueue_delivery(order: Order, *, new_order: bool = False) -> Delivery:
    """Call inside the transaction that makes the order ``queued`` (``new_order``: it was just created)."""
    now = timezone.now()
    if new_order:
        delivery = Delivery.objects.create(order=order, partner=order.partner, channel=order.partner.channel,
                                           next_attempt_at=now, last_enqueued_at=now)
        _enqueue_task(delivery, now, touch=False)
        return delivery
    delivery, created = Delivery.objects.get_or_create(
        order=order, defaults={"partner": order.partner, "channel": order.partner.channel, "next_attempt_at": now})
    if not created:
        delivery.status, delivery.next_attempt_at, delivery.lease_until = Delivery.Status.PENDING, now, None
        delivery.save(update_fields=["status", "next_attempt_at", "lease_until"])
    _enqueue_task(delivery, now)
    return delivery


def _enqueue_task(delivery: Delivery, run_after, touch: bool = True) -> None:
    from orderhub.delivery.tasks import deliver

    task = deliver.using(run_after=run_after) if run_after > timezone.now() else deliver
    task.enqueue(delivery.pk)
    if touch:
        Delivery.objects.filter(pk=delivery.pk).update(last_enqueued_at=timezone.now())


def cancel_delivery(order: Order) -> None:
    Delivery.objects.filter(order=order, status__in=OPEN).update(status=Delivery.Status.CANCELLED)


def backoff(partner, attempt: int, rng=random) -> float:
    """Seconds before retry ``attempt`` + 1: exponential, capped, with equal jitter."""
    base = min(partner.retry_max_seconds, partner.retry_first_seconds * 2 ** max(0, attempt - 1))
    return base / 2 + rng.uniform(0, base / 2)


def lease_seconds() -> int:
    return settings.DELIVERY_LEASE_SECONDS


def _claim(delivery_id: int) -> tuple[Delivery, DeliveryAttempt] | None:
    now = timezone.now()
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(skip_locked=True, of=("self",)).select_related("partner", "order")
                    .filter(pk=delivery_id, status__in=OPEN, next_attempt_at__lte=now + timedelta(seconds=1))
                    .first())
        if delivery is None:
            return None
        order = delivery.order
        if order.status not in (S.QUEUED, S.SENDING, S.FAILED):
            delivery.status = Delivery.Status.CANCELLED if order.status == S.CANCELLED else Delivery.Status.DELIVERED
            delivery.save(update_fields=["status"])
            return None
        if order.status == S.QUEUED:
            order_status.transition(order, S.SENDING, actor="Zustellung", reason=f"Kanal {delivery.channel}")
        delivery.status = Delivery.Status.IN_PROGRESS
        delivery.attempts += 1
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.lease_until = now + timedelta(seconds=lease_seconds())
        delivery.worker_id = WORKER_ID
        delivery.save(update_fields=["status", "attempts", "first_attempt_at", "lease_until", "worker_id"])
        attempt = DeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=now,
                                                 channel=delivery.channel, worker_id=WORKER_ID)
    return delivery, attempt


def _documents(delivery: Delivery, channel) -> tuple[object, list[Rendered]]:
    """The exact bytes for this order: rendered at the first attempt, reused by every retry."""
    doc = order_documents.build(delivery.order)
    stored = list(Document.objects.filter(order=delivery.order, direction=Document.Direction.OUTBOUND))
    if stored:
        return doc, [Rendered(d.kind, d.format, d.content_type, d.filename, bytes(d.content)) for d in stored]
    rendered = channel.render(doc)
    Document.objects.bulk_create([
        Document(order=delivery.order, partner=delivery.partner, direction=Document.Direction.OUTBOUND, kind=r.kind,
                 format=r.format, content_type=r.content_type, filename=r.filename, content=r.content,
                 size=len(r.content))
        for r in rendered
    ])
    return doc, rendered


def run_delivery(delivery_id: int) -> str:
    """One attempt; the body of the ``deliver`` task."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return "skipped"
    delivery, attempt = claimed
    try:
        channel = channels.for_partner(delivery.partner)
        doc, rendered = _documents(delivery, channel)
        result = channel.deliver(doc, rendered)
    except Exception as exc:  # a bug or bad configuration must not lose the order: record and retry
        logger.exception("delivery %s crashed", delivery_id)
        result = DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")
    _record(delivery, attempt, result)
    return "delivered" if result.ok else ("retry" if delivery.status == Delivery.Status.RETRYING else "dead")


def _record(delivery: Delivery, attempt: DeliveryAttempt, result: DeliveryResult) -> None:
    now = timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update(of=("self",)).select_related("partner", "order").get(pk=delivery.pk)
        attempt.finished_at = now
        attempt.status_code = result.status_code
        attempt.detail = result.detail[:500]
        attempt.response_excerpt = result.response_excerpt
        if delivery.status != Delivery.Status.IN_PROGRESS or delivery.attempts != attempt.number:
            # Our lease expired and someone else took over; their outcome counts.
            attempt.outcome = DeliveryAttempt.Outcome.ABANDONED
            attempt.save()
            return
        order = delivery.order
        delivery.lease_until = None
        if result.ok:
            attempt.outcome = DeliveryAttempt.Outcome.SUCCESS
            delivery.status, delivery.delivered_at, delivery.last_error = Delivery.Status.DELIVERED, now, ""
            if order.status in (S.SENDING, S.QUEUED, S.FAILED):
                order_status.transition(order, S.SENT, actor="Zustellung", reason=result.detail[:200],
                                        data={"attempt": attempt.number})
        else:
            delivery.last_error = result.detail
            horizon = delivery.first_attempt_at + timedelta(hours=delivery.partner.dead_letter_after_hours)
            next_at = now + timedelta(seconds=backoff(delivery.partner, delivery.attempts))
            if result.retryable and next_at < horizon:
                attempt.outcome = DeliveryAttempt.Outcome.RETRY
                delivery.status, delivery.next_attempt_at = Delivery.Status.RETRYING, next_at
                _enqueue_task(delivery, next_at)
            else:
                attempt.outcome = (DeliveryAttempt.Outcome.RETRY if result.retryable
                                   else DeliveryAttempt.Outcome.FAILED)
                delivery.status = Delivery.Status.DEAD
                if order.status in (S.SENDING, S.QUEUED):
                    why = "Zustellung aufgegeben" + (" (Frist abgelaufen)" if result.retryable else "")
                    order_status.transition(order, S.FAILED, actor="Zustellung", reason=f"{why}: {result.detail}"[:500])
        attempt.save()
        delivery.save(update_fields=["status", "delivered_at", "last_error", "lease_until", "next_attempt_at"])


def recover_stale(now=None) -> int:
    """Deliveries whose worker died (lease expired) or whose task went missing get a new task."""
    now = now or timezone.now()
    recovered = 0
    with transaction.atomic():
        stale = list(Delivery.objects.select_for_update(skip_locked=True)
                     .filter(status=Delivery.Status.IN_PROGRESS, lease_until__lt=now))
        for delivery in stale:
            DeliveryAttempt.objects.filter(delivery=delivery, outcome=DeliveryAttempt.Outcome.RUNNING).update(
                outcome=DeliveryAttempt.Outcome.ABANDONED, finished_at=now,
                detail="worker stopped during the attempt; outcome unknown, retrying (partner deduplicates)")
            delivery.status, delivery.next_attempt_at, delivery.lease_until = Delivery.Status.RETRYING, now, None
            delivery.save(update_fields=["status", "next_attempt_at", "lease_until"])
            _enqueue_task(delivery, now)
            recovered += 1
        grace = now - timedelta(seconds=max(60, lease_seconds()))
        lost = (Delivery.objects.select_for_update(skip_locked=True)
                .filter(status__in=OPEN, next_attempt_at__lt=grace, last_enqueued_at__lt=grace))
        for delivery in lost:
            _enqueue_task(delivery, now)
            recovered += 1
    return recovered


@transaction.atomic
def retry_dead(delivery: Delivery, actor: str) -> Delivery:
    """The manual retry for a dead-lettered delivery (operator or company)."""
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related("order").get(pk=delivery.pk)
    if delivery.status != Delivery.Status.DEAD:
        return delivery
    order = delivery.order
    if order.status == S.FAILED:
        order_status.transition(order, S.QUEUED, actor=actor, reason="Zustellung erneut angestoßen")
    now = timezone.now()
    delivery.status, delivery.next_attempt_at, delivery.first_attempt_at = Delivery.Status.PENDING, now, None
    delivery.save(update_fields=["status", "next_attempt_at", "first_attempt_at"])
    _enqueue_task(delivery, now)
    return delivery
