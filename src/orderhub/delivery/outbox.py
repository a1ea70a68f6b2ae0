"""The transactional outbox: enqueue with the order, claim with a lease, retry with backoff.

A Delivery row is written in the same transaction as the order, and that row is the queue entry:
there is no task row beside it (``queue`` has what partner deliveries and company webhooks share).
A worker *claims* due deliveries by taking a lease (row lock, SKIP LOCKED on PostgreSQL; one
``IMMEDIATE`` transaction on SQLite); the partner call happens outside any transaction; the outcome
is recorded afterwards. A worker that dies mid-delivery leaves an expired lease behind, which
:func:`recover_stale` turns into a retry. Partners deduplicate on the order number, and the exact
bytes are rendered once and stored before the first send, so a retry after an unknown outcome can
never become a second, different order.

Work is done in batches: :func:`claim` takes several due deliveries in one ``SELECT … FOR UPDATE
SKIP LOCKED``, :func:`prepare` loads and renders them with a handful of queries, and :func:`record`
writes the outcomes of several attempts in one transaction. ``orderhub worker`` drives this through
:class:`orderhub.delivery.worker.DeliveryLoop` (a claimed batch is sent concurrently);
:func:`claim_due` also takes due company-webhook rows (``company_webhooks``) in the same
transaction, and :func:`record` writes their outcomes too. :func:`run_delivery` is the same path
for one delivery, :func:`run_due` for everything due (tests, ``orderhub worker --batch``).
"""

from __future__ import annotations

import logging
import os
import random
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from orderhub.attachments import links as attachment_links
from orderhub.core import actors
from orderhub.delivery import (
    change_deliveries,
    channels,
    company_webhooks,
    queue,
    receipt_deliveries,
)
from orderhub.delivery import order_document as order_documents
from orderhub.delivery.channels.base import Channel, DeliveryResult, Rendered
from orderhub.delivery.models import (
    ChangeDelivery,
    Delivery,
    DeliveryAttempt,
    Document,
    ReceiptDelivery,
)
from orderhub.formats.documents import OrderDocument
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order
from orderhub.ordering.models import OrderStatus as S

logger = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
OPEN = queue.OPEN
SENDABLE = (S.QUEUED, S.SENDING, S.FAILED)
#: ``orderhub worker --queues``: the name of the outbox (partner deliveries and company webhooks).
DELIVERY_QUEUE = "delivery"
#: Of a claim's room, at most this share goes to company webhooks (so neither kind starves).
WEBHOOK_SHARE = 0.25
#: A row that keeps a claim from working is put back this far (it is not lost; see defer_first_due).
POISON_DEFER = timedelta(minutes=10)


def enqueue_delivery(order: Order, *, new_order: bool = False) -> Delivery:
    """Call inside the transaction that makes the order ``queued`` (``new_order``: it was just created)."""
    now = timezone.now()
    if new_order:
        return Delivery.objects.create(
            order=order,
            partner=order.partner,
            channel=order.partner.channel,
            next_attempt_at=now,
        )
    delivery, created = Delivery.objects.get_or_create(
        order=order,
        defaults={
            "partner": order.partner,
            "channel": order.partner.channel,
            "next_attempt_at": now,
        },
    )
    if not created:
        delivery.status, delivery.next_attempt_at, delivery.lease_until = (
            Delivery.Status.PENDING,
            now,
            None,
        )
        delivery.save(update_fields=["status", "next_attempt_at", "lease_until"])
    return delivery


def cancel_delivery(order: Order) -> None:
    Delivery.objects.filter(order=order, status__in=OPEN).update(status=Delivery.Status.CANCELLED)


def backoff(partner, attempt: int, rng=random) -> float:
    """Seconds before retry ``attempt`` + 1: exponential, capped, with equal jitter."""
    return queue.backoff_seconds(
        partner.retry_first_seconds, partner.retry_max_seconds, attempt, rng
    )


lease_seconds = queue.lease_seconds


# --- one attempt of one delivery, in three steps: claim, prepare + send, record ------------------------


@dataclass
class Job:
    """One claimed attempt: the leased delivery (order, partner loaded) and its attempt row."""

    delivery: Delivery
    attempt: DeliveryAttempt
    channel: Channel | None = None
    doc: OrderDocument | None = None
    rendered: list[Rendered] | None = None
    #: Set when the attempt is over (sent, or failed before sending).
    result: DeliveryResult | None = None
    #: After :func:`record`: delivered | retry | dead | abandoned.
    outcome: str = ""

    def send(self) -> DeliveryResult:
        """The partner call; touches no database, so it may run in any thread."""
        assert self.channel and self.doc and self.rendered is not None, "send() after prepare"
        try:
            return self.channel.deliver(self.doc, self.rendered)
        except (
            Exception
        ) as exc:  # a bug or bad configuration must not lose the order: record and retry
            logger.exception("delivery %s crashed", self.delivery.pk)
            return DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")


def _due_deliveries(now):
    return queue.due(Delivery, now).select_related(
        "partner", "order", "order__company", "order__branch", "order__ordered_by"
    )


def claim(delivery_ids=None, *, limit: int | None = None, worker_id: str = WORKER_ID) -> list[Job]:
    """Lease due deliveries (``delivery_ids``, or any due ones up to ``limit``); one transaction.

    A delivery another worker holds is skipped (SKIP LOCKED), and so is one not due or not open:
    leased deliveries are ``in_progress`` until recorded or recovered, so no delivery is ever
    handed to two workers at once. Queued orders move to ``sending``.
    """
    with transaction.atomic():
        return _claim_locked(delivery_ids, limit, worker_id, timezone.now())[1]


def webhook_share(limit: int) -> int:
    return max(1, int(limit * WEBHOOK_SHARE))


def claim_due(limit: int, *, worker_id: str = WORKER_ID, webhooks: bool = True) -> tuple[int, list]:
    """The delivery loop's claim: up to ``limit`` due rows of the outbox, in one transaction.

    Company-webhook rows (``webhooks``; at most ``webhook_share(limit)``) are taken first, partner
    deliveries fill the rest. Returns how many rows were taken (a full claim means more may be
    waiting) and the jobs to send (:class:`Job` and ``company_webhooks.WebhookJob``,
    ``change_deliveries.ChangeJob``, ``receipt_deliveries.ReceiptJob``).
    """
    now = timezone.now()
    with transaction.atomic():
        hooks_taken, hook_jobs = (
            company_webhooks.claim_locked(webhook_share(limit), now, worker_id)
            if webhooks
            else (0, [])
        )
        # Order changes (issue 16) are rare: claimed with the webhooks, from the same share.
        changes_taken, change_jobs = (
            change_deliveries.claim_locked(webhook_share(limit) - hooks_taken, now, worker_id)
            if webhooks
            else (0, [])
        )
        # Receipt acknowledgements (issue 16) too: what the share has left.
        receipts_taken, receipt_jobs = (
            receipt_deliveries.claim_locked(
                webhook_share(limit) - hooks_taken - changes_taken, now, worker_id
            )
            if webhooks
            else (0, [])
        )
        side = hooks_taken + changes_taken + receipts_taken
        taken, jobs = _claim_locked(None, limit - side, worker_id, now)
    return side + taken, [*hook_jobs, *change_jobs, *receipt_jobs, *jobs]


def defer_first_due(exc: BaseException) -> None:
    """The row that keeps :func:`claim_due` of one from working is put back by ``POISON_DEFER``.

    It must not block the queue, and it is not lost: its ``last_error`` says why, and it is tried
    again later (an operator sees it in the admin). The claim takes webhooks first, so does this.
    """
    now = timezone.now()
    with transaction.atomic():
        for model in (company_webhooks.WebhookDelivery, ChangeDelivery, ReceiptDelivery, Delivery):
            row = queue.due(model, now).order_by("next_attempt_at", "pk").first()
            if row is not None:
                model.objects.filter(pk=row.pk).update(
                    next_attempt_at=now + POISON_DEFER,
                    last_error=f"claim failed: {type(exc).__name__}: {exc}"[:500],
                )
                logger.error(
                    "%s %s keeps the claim from working; deferred: %s", model.__name__, row.pk, exc
                )
                return


def _claim_locked(delivery_ids, limit, worker_id, now) -> tuple[int, list[Job]]:
    qs = _due_deliveries(now)
    if delivery_ids is not None:
        if not delivery_ids:
            return 0, []
        qs = qs.filter(pk__in=list(delivery_ids)).order_by("pk")
    else:
        qs = qs.order_by("next_attempt_at", "pk")
    if limit is not None:
        if limit <= 0:
            return 0, []
        qs = qs[:limit]
    deliveries = list(qs)
    if not deliveries:
        return 0, []
    live: list[Delivery] = []
    closed: dict[str, list[int]] = {Delivery.Status.CANCELLED: [], Delivery.Status.DELIVERED: []}
    for d in deliveries:
        if d.order.status in SENDABLE:
            live.append(d)
        else:  # cancelled, or answered by the partner already
            closed[
                Delivery.Status.CANCELLED
                if d.order.status == S.CANCELLED
                else Delivery.Status.DELIVERED
            ].append(d.pk)
    for status, pks in closed.items():
        if pks:
            Delivery.objects.filter(pk__in=pks).update(status=status)
    queued = [d for d in live if d.order.status == S.QUEUED]
    if queued:
        moved = order_status.transition_many(
            [(d.order, "delivery.sending", {"channel": d.channel}, None) for d in queued],
            S.SENDING,
            actor=actors.DELIVERY,
        )
        # An order that could not move was changed by someone else meanwhile: leave its delivery alone.
        moved_ids = {o.pk for o in moved}
        live = [d for d in live if d.order.status != S.QUEUED or d.order.pk in moved_ids]
    if not live:
        return len(deliveries), []
    queue.take_lease(Delivery, live, now, worker_id)
    attempts = DeliveryAttempt.objects.bulk_create(
        [
            DeliveryAttempt(
                delivery=d,
                number=d.attempts,
                started_at=now,
                channel=d.channel,
                worker_id=worker_id,
            )
            for d in live
        ]
    )
    return len(deliveries), [Job(d, a) for d, a in zip(live, attempts)]


#: The outbound document kinds of an order's own delivery (``Document.kind``).
ORDER_KINDS = ("order", "order_pdf")


def prepare(jobs: list[Job]) -> None:
    """Build each order's document and its exact bytes: stored ones (a retry) or rendered and stored now.

    Two reads for all jobs (lines; stored documents), one insert for the new documents. The bytes
    are stored before anything is sent. A job that cannot be prepared gets a (retryable) result.
    """
    if not jobs:
        return
    orders = []
    for job in jobs:
        order = job.delivery.order
        if order.partner_id == job.delivery.partner_id:
            order.partner = job.delivery.partner
        orders.append(order)
    prefetch_related_objects(orders, "lines")
    carried = attachment_links.documents_attachments(orders)
    stored: dict = {}
    # Only the order's own bytes: a change (order_change, issue 16) or a receipt acknowledgement
    # stored for the order later is never sent as the order.
    for d in Document.objects.filter(
        order__in=orders, direction=Document.Direction.OUTBOUND, kind__in=ORDER_KINDS
    ).order_by("created_at", "id"):
        stored.setdefault(d.order_id, []).append(d)
    by_partner: dict = {}
    new: list[Document] = []
    fresh: list[Job] = []
    for job in jobs:
        delivery = job.delivery
        try:
            key = (delivery.partner_id, delivery.partner.channel)
            if key not in by_partner:
                by_partner[key] = channels.for_partner(delivery.partner)
            job.channel = by_partner[key]
            job.doc = order_documents.build(delivery.order, carried[delivery.order_id])
            if delivery.order_id in stored:
                job.rendered = [
                    Rendered(d.kind, d.format, d.content_type, d.filename, bytes(d.content))
                    for d in stored[delivery.order_id]
                ]
            else:
                job.rendered = job.channel.render(job.doc)
                fresh.append(job)
                new.extend(
                    Document(
                        order_id=delivery.order_id,
                        partner_id=delivery.partner_id,
                        direction=Document.Direction.OUTBOUND,
                        kind=r.kind,
                        format=r.format,
                        content_type=r.content_type,
                        filename=r.filename,
                        content=r.content,
                        size=len(r.content),
                    )
                    for r in job.rendered
                )
        except Exception as exc:  # a bug or bad data must not lose the order: record and retry
            logger.exception("delivery %s could not be prepared", delivery.pk)
            job.result = DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")
    if new:
        try:
            Document.objects.bulk_create(new)
        except Exception as exc:  # nothing of these may be sent before its bytes are stored
            logger.exception("storing rendered documents failed")
            for job in fresh:
                job.result = DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")


def record(jobs: list) -> None:
    """Write the outcome of finished attempts (``job.result``): one transaction for all of them.

    An attempt whose lease was taken over (expired and recovered) is recorded as abandoned; the
    newer attempt's outcome counts. Successful orders move to ``sent``, dead-lettered ones to
    ``failed``, retries are due again after backoff with jitter. Company-webhook jobs among
    ``jobs`` are recorded by ``company_webhooks.record_locked`` in the same transaction.
    """
    if not jobs:
        return
    now = timezone.now()
    hook_jobs = [j for j in jobs if isinstance(j, company_webhooks.WebhookJob)]
    change_jobs = [j for j in jobs if isinstance(j, change_deliveries.ChangeJob)]
    receipt_jobs = [j for j in jobs if isinstance(j, receipt_deliveries.ReceiptJob)]
    jobs = [j for j in jobs if isinstance(j, Job)]
    with transaction.atomic():
        company_webhooks.record_locked(hook_jobs, now)
        change_deliveries.record_locked(change_jobs, now)
        receipt_deliveries.record_locked(receipt_jobs, now)
        if jobs:
            _record_locked(jobs, now)


def _record_locked(jobs: list[Job], now) -> None:
    current = {
        d.pk: d
        for d in Delivery.objects.select_for_update(of=("self",))
        .filter(pk__in=[j.delivery.pk for j in jobs])
        .order_by("pk")
        .only("id", "status", "attempts")
    }
    delivered, changed, sent, failed = [], [], [], []
    for job in jobs:
        delivery, attempt, result = job.delivery, job.attempt, job.result
        assert result is not None  # only finished attempts are recorded
        attempt.finished_at = now
        attempt.status_code = result.status_code
        attempt.detail = result.detail[:500]
        attempt.response_excerpt = result.response_excerpt
        if not queue.still_held(current, delivery, attempt.number):
            # Our lease expired and someone else took over; their outcome counts.
            attempt.outcome = DeliveryAttempt.Outcome.ABANDONED
            job.outcome = "abandoned"
            continue
        delivery.lease_until = None
        if result.ok:
            attempt.outcome = DeliveryAttempt.Outcome.SUCCESS
            delivery.status, delivery.delivered_at, delivery.last_error = (
                Delivery.Status.DELIVERED,
                now,
                "",
            )
            delivered.append(delivery.pk)
            sent.append(
                (
                    delivery.order,
                    "delivery.sent",
                    {"detail": result.detail[:200]},
                    {"attempt": attempt.number},
                )
            )
            job.outcome = "delivered"
            continue
        delivery.last_error = result.detail
        horizon = (delivery.first_attempt_at or now) + timedelta(
            hours=delivery.partner.dead_letter_after_hours
        )
        next_at = now + timedelta(seconds=backoff(delivery.partner, delivery.attempts))
        if result.retryable and next_at < horizon:
            attempt.outcome = DeliveryAttempt.Outcome.RETRY
            delivery.status, delivery.next_attempt_at = Delivery.Status.RETRYING, next_at
            job.outcome = "retry"
        else:
            attempt.outcome = (
                DeliveryAttempt.Outcome.RETRY
                if result.retryable
                else DeliveryAttempt.Outcome.FAILED
            )
            delivery.status = Delivery.Status.DEAD
            why = "delivery.given_up_expired" if result.retryable else "delivery.given_up"
            failed.append((delivery.order, why, {"detail": result.detail[:500]}, None))
            job.outcome = "dead"
        changed.append(delivery)
    queue.save_attempts(DeliveryAttempt, [j.attempt for j in jobs])
    if delivered:
        Delivery.objects.filter(pk__in=delivered).update(
            status=Delivery.Status.DELIVERED, delivered_at=now, last_error="", lease_until=None
        )
    if changed:
        Delivery.objects.bulk_update(
            changed,
            ["status", "last_error", "lease_until", "next_attempt_at"],
        )
    # The partner may have answered already (order confirmed): the status machine leaves such orders be.
    order_status.transition_many(sent, S.SENT, actor=actors.DELIVERY)
    order_status.transition_many(failed, S.FAILED, actor=actors.DELIVERY)


def run_delivery(delivery_id: int) -> str:
    """One attempt of one delivery, in this thread (``orderhub worker`` claims them in batches)."""
    jobs = claim([delivery_id])
    if not jobs:
        return "skipped"
    job = jobs[0]
    prepare(jobs)
    if job.result is None:
        job.result = job.send()
    record(jobs)
    return job.outcome


def run_due(limit: int = 1000, batch: int = 32) -> int:
    """Attempt what is due now (deliveries and company webhooks), one after another in this thread,
    until nothing is due or ``limit`` attempts were made; returns the number of attempts."""
    made = 0
    while made < limit:
        taken, jobs = claim_due(min(batch, limit - made))
        if not taken:
            break
        prepare([j for j in jobs if isinstance(j, Job)])
        for job in jobs:
            if job.result is None:
                job.result = job.send()
        record(jobs)
        made += len(jobs)
    return made


def _claim(delivery_id: int) -> tuple[Delivery, DeliveryAttempt] | None:
    jobs = claim([delivery_id])
    return (jobs[0].delivery, jobs[0].attempt) if jobs else None


def recover_stale(now=None) -> int:
    """Outbox rows whose worker died (lease expired) are due again; their attempt is abandoned."""
    now = now or timezone.now()
    with transaction.atomic():
        return (
            queue.recover_stale(Delivery, DeliveryAttempt, now)
            + queue.recover_stale(
                company_webhooks.WebhookDelivery, company_webhooks.WebhookAttempt, now
            )
            + change_deliveries.recover_stale(now)
            + receipt_deliveries.recover_stale(now)
        )


@transaction.atomic
def retry_dead(delivery: Delivery, actor: str) -> Delivery:
    """The manual retry for a dead-lettered delivery (operator or company)."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",)).select_related("order").get(pk=delivery.pk)
    )
    if delivery.status != Delivery.Status.DEAD:
        return delivery
    order = delivery.order
    if order.status == S.FAILED:
        order_status.transition(order, S.QUEUED, actor=actor, reason="delivery.retried")
    now = timezone.now()
    delivery.status, delivery.next_attempt_at, delivery.first_attempt_at = (
        Delivery.Status.PENDING,
        now,
        None,
    )
    delivery.save(update_fields=["status", "next_attempt_at", "first_attempt_at"])
    return delivery
