"""Goods-receipt acknowledgements to the partner (issue 16): the fourth kind of outbox row.

When the practice books a goods receipt (``ordering.receipts`` announces it with
``goods_received``, in the booking's transaction), :func:`enqueue` renders the acknowledgement for
the partner's channel once — the openTRANS RECEIPTACKNOWLEDGEMENT posted over HTTP or uploaded to
the partner's SFTP server, the signed ``orderhub.goods_receipt.v1`` JSON event for webhook
partners — stores the exact bytes as an outbound document of the order and writes a
:class:`ReceiptDelivery`. EDIFACT partners get nothing (no RECADV structure in ``formats``), nor
do e-mail partners (a clerk reading the supplier's mailbox has nothing to do with the practice's
receipt; the practice's differences reach the supplier as a complaint, not as a document).

The delivery loop claims these rows with the order changes (``outbox.claim_due``: lease, SKIP
LOCKED), sends the stored bytes and records the outcome (``queue.record_outcomes``): delivered →
the order's timeline says the receipt was acknowledged; dead-lettered (the partner's horizon, or a
permanent refusal) → the timeline says it could not be delivered, and an operator may retry it in
the admin (:func:`retry_dead`). Retries send the same bytes; partners deduplicate on the receipt
number (``RECEIPTACKNOWLEDGEMENT_ID``, ``document_id``, ``Idempotency-Key``).
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
from orderhub.delivery.models import Document, ReceiptAttempt, ReceiptDelivery
from orderhub.formats import FormatError
from orderhub.formats.changes import GoodsReceipt as FormatReceipt
from orderhub.ordering import receipts
from orderhub.ordering.models import GoodsReceipt

logger = logging.getLogger(__name__)
Status = ReceiptDelivery.Status
#: The outbound document kind of an acknowledgement (``Document.kind``).
KIND = "receipt_acknowledgement"


def _store(order, partner, number: str, rendered: list[Rendered]) -> None:
    Document.objects.bulk_create(
        Document(
            order=order,
            partner=partner,
            direction=Document.Direction.OUTBOUND,
            kind=r.kind,
            format=r.format,
            content_type=r.content_type,
            filename=r.filename,
            content=r.content,
            size=len(r.content),
            partner_document_id=number,
        )
        for r in rendered
    )


def enqueue(receipt: GoodsReceipt) -> ReceiptDelivery | None:
    """Call inside the transaction that books the receipt: the acknowledgement's bytes stored and
    its outbox row written, or None when the partner's channel sends none (or the receipt names
    no line, or it cannot be written — the receipt stands; the log says why)."""
    order = receipt.order
    partner = order.partner
    if not channels.sends_receipts(partner) or not receipt.lines.exists():
        return None
    try:
        rendered = channels.for_partner(partner).render_receipt(
            receipts.as_format(receipt), order_documents.build(order)
        )
    except FormatError as exc:
        logger.warning("no acknowledgement of goods receipt %s: %s", receipt.number, exc)
        return None
    _store(order, partner, receipt.number[:100], rendered)
    return ReceiptDelivery.objects.create(
        receipt=receipt,
        order=order,
        partner=partner,
        channel=partner.channel,
        next_attempt_at=timezone.now(),
    )


@dataclass
class ReceiptJob(queue.DocumentJob):
    """One claimed attempt of one acknowledgement (a ReceiptDelivery and its ReceiptAttempt)."""

    receipt: FormatReceipt | None = None

    def _deliver(self) -> DeliveryResult:
        assert self.channel is not None and self.receipt is not None and self.doc is not None
        return self.channel.deliver_receipt(self.receipt, self.doc, self.rendered)


def claim_locked(limit: int, now, worker_id: str) -> tuple[int, list[ReceiptJob]]:
    """Lease up to ``limit`` due rows (inside the caller's transaction) and load what they send."""
    if limit <= 0:
        return 0, []
    rows = list(
        queue.due(ReceiptDelivery, now)
        .select_related(
            "receipt",
            "receipt__shipment",
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
    leased = queue.lease_live(ReceiptDelivery, ReceiptAttempt, rows, lambda r: True, now, worker_id)
    jobs = [ReceiptJob(r, a) for r, a in leased]
    for job in jobs:
        _prepare(job)
    return len(rows), jobs


def _prepare(job: ReceiptJob) -> None:
    row = job.delivery
    receipt = row.receipt
    receipt.order = row.order
    try:
        job.channel = channels.for_partner(row.partner)
        if not job.channel.sends_receipts:  # the partner moved to EDIFACT or e-mail meanwhile
            job.result = DeliveryResult.permanent(
                f"the partner's channel {row.partner.channel} sends no receipt acknowledgements"
            )
            return
        job.receipt = receipts.as_format(receipt)
        job.doc = order_documents.build(row.order)
        stored = list(
            Document.objects.filter(
                order=row.order,
                direction=Document.Direction.OUTBOUND,
                kind=KIND,
                partner_document_id=receipt.number[:100],
            ).order_by("pk")
        )
        if stored:
            job.rendered = [
                Rendered(d.kind, d.format, d.content_type, d.filename, bytes(d.content))
                for d in stored
            ]
            return
        job.rendered = job.channel.render_receipt(job.receipt, job.doc)
        with transaction.atomic():  # nothing is sent before its bytes are stored
            _store(row.order, row.partner, receipt.number[:100], job.rendered)
    except FormatError as exc:  # retrying does not make the receipt writable
        job.result = DeliveryResult.permanent(f"{exc}")
    except Exception as exc:  # a bug: recorded, retried, then dead-lettered
        logger.exception("receipt delivery %s could not be prepared", row.pk)
        job.result = DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")


def record_locked(jobs: list[ReceiptJob], now, rng=random) -> None:
    """Write the outcomes of finished attempts (inside the caller's transaction); the order's
    timeline says what became of the acknowledgement."""

    def delivered(job: ReceiptJob) -> None:
        receipt = job.delivery.receipt
        receipt.order = job.delivery.order
        assert job.result is not None
        receipts.mark_acknowledged(receipt, actor=actors.DELIVERY, detail=job.result.detail)

    def dead(job: ReceiptJob) -> None:
        receipt = job.delivery.receipt
        receipt.order = job.delivery.order
        assert job.result is not None
        receipts.mark_not_acknowledged(receipt, actor=actors.DELIVERY, detail=job.result.detail)

    queue.record_outcomes(
        ReceiptDelivery, ReceiptAttempt, jobs, now, delivered=delivered, dead=dead, rng=rng
    )


def recover_stale(now) -> int:
    return queue.recover_stale(ReceiptDelivery, ReceiptAttempt, now)


@transaction.atomic
def retry_dead(row: ReceiptDelivery) -> bool:
    """The operator's manual retry of a dead-lettered acknowledgement: due now, with a new
    horizon. Returns whether the row was dead (anything else is left alone)."""
    return bool(
        ReceiptDelivery.objects.filter(pk=row.pk, status=Status.DEAD).update(
            status=Status.PENDING,
            next_attempt_at=timezone.now(),
            first_attempt_at=None,
            lease_until=None,
        )
    )
