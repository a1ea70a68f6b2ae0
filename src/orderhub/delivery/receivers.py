"""Delivery's subscriptions to what ordering announces (``ordering.signals``)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from orderhub.delivery import change_deliveries, company_webhooks, outbox, receipt_deliveries
from orderhub.delivery.models import CompanyWebhook
from orderhub.ordering import signals


@receiver([post_save, post_delete], sender=CompanyWebhook, dispatch_uid="delivery-forget-hooks")
def forget_the_companys_hooks(sender, instance, **kwargs):
    company_webhooks.forget_hooks(instance.company_id)


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


@receiver(signals.goods_received, dispatch_uid="delivery-receipt-acknowledgement")
def put_the_receipt_acknowledgement_in_the_outbox(sender, receipt, **kwargs):
    """The acknowledgement of a booked goods receipt, stored as an outbound document of the order
    and queued for the partner's channel (in the booking's transaction; ``receipt_deliveries``)."""
    receipt_deliveries.enqueue(receipt)
