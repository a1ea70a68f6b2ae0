"""Delivery's subscriptions to what ordering announces (``ordering.signals``)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from orderhub.delivery import change_deliveries, company_webhooks, order_document, outbox
from orderhub.delivery.channels.sftp import setting as sftp_setting
from orderhub.delivery.models import Document
from orderhub.formats import FormatError
from orderhub.formats.opentrans_changes import write_receipt_acknowledgement
from orderhub.ordering import receipts, signals

log = logging.getLogger(__name__)


@receiver(signals.order_events, dispatch_uid="delivery-company-webhooks")
def announce_to_company_webhooks(sender, pairs, **kwargs):
    if len(pairs) == 1:
        company_webhooks.order_event_enqueue(*pairs[0])
    else:
        company_webhooks.order_events_enqueue(pairs)


@receiver(signals.order_ready, dispatch_uid="delivery-outbox-enqueue")
def put_in_the_outbox(sender, order, new_order=False, **kwargs):
    outbox.enqueue_delivery(order, new_order=new_order)


@receiver(signals.order_change_requested, dispatch_uid="delivery-change-enqueue")
def put_the_change_in_the_outbox(sender, change, **kwargs):
    """The practice's change or cancellation goes to the partner's channel (issue 16)."""
    change_deliveries.enqueue(change)


@receiver(signals.order_cancelled, dispatch_uid="delivery-outbox-cancel")
def take_out_of_the_outbox(sender, order, **kwargs):
    outbox.cancel_delivery(order)


#: Channels that carry openTRANS, so a RECEIPTACKNOWLEDGEMENT is written for them (EDIFACT
#: partners would need RECADV, JSON webhooks have no receipt message yet).
RECEIPT_CHANNELS = {"opentrans_http", "email"}


def acknowledges_receipts(partner) -> bool:
    if partner.channel == "sftp":
        return sftp_setting(partner.channel_config or {}, "format") == "opentrans"
    return partner.channel in RECEIPT_CHANNELS


@receiver(signals.goods_received, dispatch_uid="delivery-receipt-acknowledgement")
def store_receipt_acknowledgement(sender, receipt, **kwargs):
    """The openTRANS RECEIPTACKNOWLEDGEMENT of a booked goods receipt, stored as an outbound
    document of the order (in the booking's transaction). Sending it over the partner's channel
    is not wired yet: the document waits in the order's documents."""
    order = receipt.order
    if not acknowledges_receipts(order.partner) or not receipt.lines.exists():
        return
    try:
        content = write_receipt_acknowledgement(
            receipts.as_format(receipt), order_document.build(order)
        )
    except FormatError as exc:  # the receipt stands; only the acknowledgement is missing
        log.warning("no RECEIPTACKNOWLEDGEMENT for %s: %s", receipt.number, exc)
        return
    Document.objects.create(
        order=order,
        partner=order.partner,
        direction=Document.Direction.OUTBOUND,
        kind="receipt_acknowledgement",
        format="opentrans",
        content_type="application/xml",
        filename=f"{receipt.number.replace('/', '-')}.xml",
        content=content,
        size=len(content),
        partner_document_id=receipt.number[:100],
    )
