"""The transactional outbox: enqueue with the order, claim with a lease, retry with backoff.

A Delivery row is written in the same transaction as the order (and so is its django.tasks job).
A worker *claims* deliveries by taking a lease (row lock, SKIP LOCKED on PostgreSQL; one
``IMMEDIATE`` transaction on SQLite); the partner call happens outside any transaction; the outcome
is recorded afterwards. A worker that dies mid-delivery leaves an expired lease behind, which
:func:`recover_stale` turns into a retry. Partners deduplicate on the order number, and the exact
bytes are rendered once and stored before the first send, so a retry after an unknown outcome can
never become a second, different order.

Work is done in batches: :func:`claim` takes several due deliveries in one ``SELECT … FOR UPDATE
SKIP LOCKED``, :func:`prepare` loads and renders them with a handful of queries, and :func:`record`
writes the outcomes of several attempts in one transaction. ``orderhub worker`` drives this through
:class:`orderhub.delivery.worker.DeliveryLoop` (a claimed batch is sent concurrently);
:func:`run_delivery` is the same path for one delivery (the ``deliver`` task body).
"""

from __future__ import annotations

import logging
import os
import random
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import DateTimeField, F, Value, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from orderhub.delivery import channels
from orderhub.delivery import order_document as order_documents
from orderhub.delivery.channels.base import Channel, DeliveryResult, Rendered
from orderhub.delivery.models import Delivery, DeliveryAttempt, Document
from orderhub.formats.documents import OrderDocument
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order
from orderhub.ordering.models import OrderStatus as S

logger = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
OPEN = (Delivery.Status.PENDING, Delivery.Status.RETRYING)
SENDABLE = (S.QUEUED, S.SENDING, S.FAILED)
DELIVER_TASK = "orderhub.delivery.tasks.deliver"
DELIVERY_QUEUE = "delivery"


def enqueue_delivery(order: Order, *, new_order: bool = False) -> Delivery:
    """Call inside the transaction that makes the order ``queued`` (``new_order``: it was just created)."""
    now = timezone.now()
    if new_order:
        delivery = Delivery.objects.create(
            order=order,
            partner=order.partner,
            channel=order.partner.channel,
            next_attempt_at=now,
            last_enqueued_at=now,
        )
        _enqueue_task(delivery, now, touch=False)
        return delivery
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


# --- one attempt of one delivery, in three steps: claim, prepare + send, record ------------------------


@dataclass
class Job:
    """One claimed attempt: the leased delivery (order, partner loaded), its attempt row, its task rows."""

    delivery: Delivery
    attempt: DeliveryAttempt
    task_ids: list = field(default_factory=list)
    channel: Channel | None = None
    doc: OrderDocument | None = None
    rendered: list[Rendered] | None = None
    #: Set when the attempt is over (sent, or failed before sending).
    result: DeliveryResult | None = None
    #: After :func:`record`: delivered | retry | dead | abandoned (the task's return value).
    outcome: str = ""

    def send(self) -> DeliveryResult:
        """The partner call; touches no database, so it may run in any thread."""
        try:
            return self.channel.deliver(self.doc, self.rendered)
        except (
            Exception
        ) as exc:  # a bug or bad configuration must not lose the order: record and retry
            logger.exception("delivery %s crashed", self.delivery.pk)
            return DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")


def _due_deliveries(now):
    return (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("partner", "order", "order__company", "order__branch", "order__ordered_by")
        .filter(status__in=OPEN, next_attempt_at__lte=now + timedelta(seconds=1))
    )


def claim(delivery_ids=None, *, limit: int | None = None, worker_id: str = WORKER_ID) -> list[Job]:
    """Lease due deliveries (``delivery_ids``, or any due ones up to ``limit``); one transaction.

    A delivery another worker holds is skipped (SKIP LOCKED), and so is one not due or not open:
    leased deliveries are ``in_progress`` until recorded or recovered, so no delivery is ever
    handed to two workers at once. Queued orders move to ``sending``.
    """
    with transaction.atomic():
        return _claim_locked(delivery_ids, limit, worker_id)


def _claim_locked(delivery_ids, limit, worker_id) -> list[Job]:
    now = timezone.now()
    qs = _due_deliveries(now)
    if delivery_ids is not None:
        if not delivery_ids:
            return []
        qs = qs.filter(pk__in=list(delivery_ids)).order_by("pk")
    else:
        qs = qs.order_by("next_attempt_at", "pk")
    if limit is not None:
        qs = qs[:limit]
    deliveries = list(qs)
    if not deliveries:
        return []
    live, closed = [], {Delivery.Status.CANCELLED: [], Delivery.Status.DELIVERED: []}
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
            [(d.order, f"Kanal {d.channel}", None) for d in queued], S.SENDING, actor="Zustellung"
        )
        # An order that could not move was changed by someone else meanwhile: leave its delivery alone.
        moved_ids = {o.pk for o in moved}
        live = [d for d in live if d.order.status != S.QUEUED or d.order.pk in moved_ids]
    if not live:
        return []
    lease = now + timedelta(seconds=lease_seconds())
    Delivery.objects.filter(pk__in=[d.pk for d in live]).update(
        status=Delivery.Status.IN_PROGRESS,
        attempts=F("attempts") + 1,
        lease_until=lease,
        worker_id=worker_id,
        first_attempt_at=Coalesce("first_attempt_at", Value(now, output_field=DateTimeField())),
    )
    for d in live:
        d.status, d.attempts, d.lease_until, d.worker_id = (
            Delivery.Status.IN_PROGRESS,
            d.attempts + 1,
            lease,
            worker_id,
        )
        d.first_attempt_at = d.first_attempt_at or now
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
    return [Job(d, a) for d, a in zip(live, attempts)]


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
    stored: dict = {}
    for d in Document.objects.filter(
        order__in=orders, direction=Document.Direction.OUTBOUND
    ).order_by("created_at", "id"):
        stored.setdefault(d.order_id, []).append(d)
    by_partner: dict = {}
    new, fresh = [], []
    for job in jobs:
        delivery = job.delivery
        try:
            key = (delivery.partner_id, delivery.partner.channel)
            if key not in by_partner:
                by_partner[key] = channels.for_partner(delivery.partner)
            job.channel = by_partner[key]
            job.doc = order_documents.build(delivery.order)
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


def record(jobs: list[Job]) -> None:
    """Write the outcome of finished attempts (``job.result``): one transaction for all of them.

    An attempt whose lease was taken over (expired and recovered) is recorded as abandoned; the
    newer attempt's outcome counts. Successful orders move to ``sent``, dead-lettered ones to
    ``failed``, retries get a new task after backoff with jitter. The jobs' django.tasks rows are
    finished with the outcome.
    """
    if not jobs:
        return
    now = timezone.now()
    with transaction.atomic():
        current = {
            d.pk: d
            for d in Delivery.objects.select_for_update(of=("self",))
            .filter(pk__in=[j.delivery.pk for j in jobs])
            .order_by("pk")
            .only("id", "status", "attempts")
        }
        delivered, changed, sent, failed, retries = [], [], [], [], []
        for job in jobs:
            delivery, attempt, result = job.delivery, job.attempt, job.result
            attempt.finished_at = now
            attempt.status_code = result.status_code
            attempt.detail = result.detail[:500]
            attempt.response_excerpt = result.response_excerpt
            now_held = current.get(delivery.pk)
            if (
                now_held is None
                or now_held.status != Delivery.Status.IN_PROGRESS
                or now_held.attempts != attempt.number
            ):
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
                sent.append((delivery.order, result.detail[:200], {"attempt": attempt.number}))
                job.outcome = "delivered"
                continue
            delivery.last_error = result.detail
            horizon = delivery.first_attempt_at + timedelta(
                hours=delivery.partner.dead_letter_after_hours
            )
            next_at = now + timedelta(seconds=backoff(delivery.partner, delivery.attempts))
            if result.retryable and next_at < horizon:
                attempt.outcome = DeliveryAttempt.Outcome.RETRY
                delivery.status, delivery.next_attempt_at = Delivery.Status.RETRYING, next_at
                delivery.last_enqueued_at = now
                retries.append(delivery)
                job.outcome = "retry"
            else:
                attempt.outcome = (
                    DeliveryAttempt.Outcome.RETRY
                    if result.retryable
                    else DeliveryAttempt.Outcome.FAILED
                )
                delivery.status = Delivery.Status.DEAD
                why = "Zustellung aufgegeben" + (" (Frist abgelaufen)" if result.retryable else "")
                failed.append((delivery.order, f"{why}: {result.detail}"[:500], None))
                job.outcome = "dead"
            changed.append(delivery)
        _save_attempts([j.attempt for j in jobs])
        if delivered:
            Delivery.objects.filter(pk__in=delivered).update(
                status=Delivery.Status.DELIVERED, delivered_at=now, last_error="", lease_until=None
            )
        if changed:
            Delivery.objects.bulk_update(
                changed,
                ["status", "last_error", "lease_until", "next_attempt_at", "last_enqueued_at"],
            )
        for delivery in retries:
            _enqueue_task(delivery, delivery.next_attempt_at, touch=False)
        # The partner may have answered already (order confirmed): the status machine leaves such orders be.
        order_status.transition_many(sent, S.SENT, actor="Zustellung")
        order_status.transition_many(failed, S.FAILED, actor="Zustellung")
        if any(job.task_ids for job in jobs):
            finish_tasks({tid: job.outcome for job in jobs for tid in job.task_ids}, now)


def _save_attempts(attempts: list[DeliveryAttempt]) -> None:
    """The outcome columns of finished attempts: one UPDATE by primary key each, sent as one batch.

    (``bulk_update`` builds a CASE expression per row and column: far more CPU for the same.)
    """
    names = ["finished_at", "outcome", "status_code", "detail", "response_excerpt"]
    meta = DeliveryAttempt._meta
    conn = connections[DeliveryAttempt.objects.db]
    fields = [meta.get_field(name) for name in names]
    quote = conn.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET "
        + ", ".join(f"{quote(f.column)} = %s" for f in fields)
        + f" WHERE {quote(meta.pk.column)} = %s"
    )
    rows = [
        [f.get_db_prep_save(getattr(a, f.attname), conn) for f in fields] + [a.pk] for a in attempts
    ]
    with conn.cursor() as cursor:
        cursor.executemany(sql, rows)


def run_delivery(delivery_id: int) -> str:
    """One attempt; the body of the ``deliver`` task (``orderhub worker`` claims these in batches)."""
    jobs = claim([delivery_id])
    if not jobs:
        return "skipped"
    job = jobs[0]
    prepare(jobs)
    if job.result is None:
        job.result = job.send()
    record(jobs)
    return job.outcome


def _claim(delivery_id: int) -> tuple[Delivery, DeliveryAttempt] | None:
    jobs = claim([delivery_id])
    return (jobs[0].delivery, jobs[0].attempt) if jobs else None


# --- the django.tasks rows of the ``deliver`` task, claimed in batches ----------------------------------


def claim_tasks(limit: int, *, worker_id: str = WORKER_ID) -> tuple[int, list[Job]]:
    """Take up to ``limit`` ready ``deliver`` tasks and lease their deliveries; one transaction.

    Returns how many task rows were taken (a full batch means more may be waiting) and the jobs.
    Tasks whose delivery is not to be attempted now (held by another worker, not due, done) finish
    at once as ``skipped``, as :func:`run_delivery` does; the others run while the attempt runs.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    with transaction.atomic():
        rows = list(
            DBTaskResult.objects.ready()
            .filter(queue_name=DELIVERY_QUEUE, task_path=DELIVER_TASK, backend_name="default")
            .select_for_update(skip_locked=True)
            .only("id", "args_kwargs")[:limit]
        )
        if not rows:
            return 0, []
        tasks_of: dict = {}
        invalid = []
        for row in rows:
            try:
                tasks_of.setdefault(int(row.args_kwargs["args"][0]), []).append(row.pk)
            except (KeyError, IndexError, TypeError, ValueError):
                invalid.append(row.pk)
        if invalid:
            finish_tasks(dict.fromkeys(invalid, "invalid"), now, started=True)
        jobs = _claim_locked(list(tasks_of), None, worker_id)
        running = []
        for job in jobs:
            job.task_ids = tasks_of.pop(job.delivery.pk)
            running.extend(job.task_ids)
        if running:
            DBTaskResult.objects.filter(pk__in=running).update(
                status=TaskResultStatus.RUNNING, started_at=now, worker_ids=[worker_id]
            )
        skipped = [pk for pks in tasks_of.values() for pk in pks]
        if skipped:
            finish_tasks(dict.fromkeys(skipped, "skipped"), now, started=True)
    return len(rows), jobs


def fail_first_task(exc: BaseException) -> None:
    """Mark the first ready ``deliver`` task failed: it keeps the claim from working and must not block the queue.

    Its delivery (if any) is not lost: :func:`recover_stale` gives an open delivery without a task a
    new one after the grace period.
    """
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        row = (
            DBTaskResult.objects.ready()
            .filter(queue_name=DELIVERY_QUEUE, task_path=DELIVER_TASK, backend_name="default")
            .select_for_update(skip_locked=True)
            .first()
        )
        if row is not None:
            row.set_failed(exc)
            logger.error("deliver task %s failed for good: %s", row.pk, exc)


def finish_tasks(outcomes: dict, now, started: bool = False) -> None:
    """Mark task rows successful with their return value: one UPDATE per distinct outcome."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    by_outcome: dict = {}
    for pk, outcome in outcomes.items():
        by_outcome.setdefault(outcome, []).append(pk)
    for outcome, pks in by_outcome.items():
        extra = {"started_at": now} if started else {}
        DBTaskResult.objects.filter(pk__in=pks).update(
            status=TaskResultStatus.SUCCESSFUL,
            finished_at=now,
            return_value=outcome,
            exception_class_path="",
            traceback="",
            **extra,
        )


def recover_stale(now=None) -> int:
    """Deliveries whose worker died (lease expired) or whose task went missing get a new task."""
    now = now or timezone.now()
    recovered = 0
    with transaction.atomic():
        stale = list(
            Delivery.objects.select_for_update(skip_locked=True).filter(
                status=Delivery.Status.IN_PROGRESS, lease_until__lt=now
            )
        )
        for delivery in stale:
            DeliveryAttempt.objects.filter(
                delivery=delivery, outcome=DeliveryAttempt.Outcome.RUNNING
            ).update(
                outcome=DeliveryAttempt.Outcome.ABANDONED,
                finished_at=now,
                detail="worker stopped during the attempt; outcome unknown, retrying (partner deduplicates)",
            )
            delivery.status, delivery.next_attempt_at, delivery.lease_until = (
                Delivery.Status.RETRYING,
                now,
                None,
            )
            delivery.save(update_fields=["status", "next_attempt_at", "lease_until"])
            _enqueue_task(delivery, now)
            recovered += 1
        grace = now - timedelta(seconds=max(60, lease_seconds()))
        lost = Delivery.objects.select_for_update(skip_locked=True).filter(
            status__in=OPEN, next_attempt_at__lt=grace, last_enqueued_at__lt=grace
        )
        for delivery in lost:
            _enqueue_task(delivery, now)
            recovered += 1
    return recovered


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
        order_status.transition(order, S.QUEUED, actor=actor, reason="Zustellung erneut angestoßen")
    now = timezone.now()
    delivery.status, delivery.next_attempt_at, delivery.first_attempt_at = (
        Delivery.Status.PENDING,
        now,
        None,
    )
    delivery.save(update_fields=["status", "next_attempt_at", "first_attempt_at"])
    _enqueue_task(delivery, now)
    return delivery
