"""Order changes and cancellations to the partner (issue 16): the third kind of outbox row.

A :class:`ChangeDelivery` is written in the transaction that records the practice's change
(``ordering.changes`` announces it with ``order_change_requested``). The delivery loop claims
these rows together with company webhooks (``outbox.claim_due``: lease, SKIP LOCKED), renders
the change once for the partner's channel — openTRANS ORDERCHANGE posted over HTTP, an EDIFACT
ORDCHG file (drop directory or SFTP), the signed ``orderhub.order_change.v1`` JSON event, an
e-mail with a PDF of the change and the ORDERCHANGE — stores the exact bytes as outbound
documents of the order before the first send, and records the outcome (``outbox.record``):
delivered → the change is ``sent`` (the partner answers later); dead-lettered (the partner's
horizon, or a permanent refusal) → ``failed``, the lines stay. Retries send the same bytes;
partners deduplicate on ``<order number>/<change number>``.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from orderhub.core import actors
from orderhub.delivery import channels, queue
from orderhub.delivery import order_document as order_documents
from orderhub.delivery.channels.base import DeliveryResult, Rendered
from orderhub.delivery.models import ChangeAttempt, ChangeDelivery, Document
from orderhub.formats.changes import OrderChange as FormatChange
from orderhub.ordering import changes
from orderhub.ordering.models import OrderChange

logger = logging.getLogger(__name__)
Status = ChangeDelivery.Status
#: Outbound document kinds of a change (``Document.kind``).
CHANGE_KINDS = ("order_change", "order_change_pdf")


def enqueue(change: OrderChange) -> ChangeDelivery:
    """Call inside the transaction that records the change."""
    order = change.order
    return ChangeDelivery.objects.create(
        change=change,
        order=order,
        partner=order.partner,
        channel=order.partner.channel,
        next_attempt_at=timezone.now(),
    )


@dataclass
class ChangeJob(queue.DocumentJob):
    """One claimed attempt of one change (a ChangeDelivery and its ChangeAttempt)."""

    change: FormatChange | None = None

    def _deliver(self) -> DeliveryResult:
        assert self.channel is not None and self.change is not None and self.doc is not None
        return self.channel.deliver_change(self.change, self.doc, self.rendered)


def claim_locked(limit: int, now, worker_id: str) -> tuple[int, list[ChangeJob]]:
    """Lease up to ``limit`` due rows (inside the caller's transaction) and prepare them: the
    stored bytes of a retry, or rendered and stored now. A change answered meanwhile (supplier
    portal) is not sent any more."""
    if limit <= 0:
        return 0, []
    rows = list(
        queue.due(ChangeDelivery, now)
        .select_related(
            "change",
            "partner",
            "order",
            "order__company",
            "order__branch",
            "order__ordered_by",
            "order__partner",
        )
        .order_by("next_attempt_at", "pk")[:limit]
    )
    if not rows:
        return 0, []
    leased = queue.lease_live(
        ChangeDelivery, ChangeAttempt, rows, lambda r: r.change.is_open, now, worker_id
    )
    jobs = [ChangeJob(r, a) for r, a in leased]
    for job in jobs:
        _prepare(job)
    return len(rows), jobs


def _prepare(job: ChangeJob) -> None:
    row = job.delivery
    change = row.change
    change.order = row.order
    try:
        job.channel = channels.for_partner(row.partner)
        job.change = changes.as_format(change)
        job.doc = order_documents.build(row.order)
        number = f"{row.order.number}/{change.sequence}"[:100]
        stored = list(
            Document.objects.filter(
                order=row.order,
                direction=Document.Direction.OUTBOUND,
                kind__in=CHANGE_KINDS,
                partner_document_id=number,
            ).order_by("pk")
        )
        if stored:
            job.rendered = [
                Rendered(d.kind, d.format, d.content_type, d.filename, bytes(d.content))
                for d in stored
            ]
            return
        job.rendered = job.channel.render_change(job.change, job.doc)
        with transaction.atomic():  # nothing is sent before its bytes are stored
            Document.objects.bulk_create(
                Document(
                    order=row.order,
                    partner=row.partner,
                    direction=Document.Direction.OUTBOUND,
                    kind=r.kind,
                    format=r.format,
                    content_type=r.content_type,
                    filename=r.filename,
                    content=r.content,
                    size=len(r.content),
                    partner_document_id=number,
                )
                for r in job.rendered
            )
    except Exception as exc:  # bad data or a bug: recorded, retried, then dead-lettered
        logger.exception("change delivery %s could not be prepared", row.pk)
        job.result = DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")


def record_locked(jobs: list[ChangeJob], now, rng=random) -> None:
    """Write the outcomes of finished attempts (inside the caller's transaction): delivered → the
    change is ``sent``; dead-lettered → ``failed``, the lines stay."""

    def delivered(job: ChangeJob) -> None:
        change = job.delivery.change
        change.order = job.delivery.order
        assert job.result is not None
        changes.mark_sent(change, actor=actors.DELIVERY, detail=job.result.detail)

    def dead(job: ChangeJob) -> None:
        change = job.delivery.change
        change.order = job.delivery.order
        assert job.result is not None
        changes.mark_failed(change, actor=actors.DELIVERY, detail=job.result.detail)

    queue.record_outcomes(
        ChangeDelivery, ChangeAttempt, jobs, now, delivered=delivered, dead=dead, rng=rng
    )


def recover_stale(now) -> int:
    return queue.recover_stale(ChangeDelivery, ChangeAttempt, now)


def cancel_open(change: OrderChange) -> None:
    """The change was answered before it was sent (supplier portal): nothing more to send."""
    ChangeDelivery.objects.filter(change=change, status__in=queue.OPEN).update(
        status=Status.CANCELLED
    )
