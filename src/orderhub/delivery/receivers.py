"""Delivery's subscriptions to what ordering announces (``ordering.signals``)."""

from __future__ import annotations

from django.dispatch import receiver

from orderhub.delivery import company_webhooks, outbox
from orderhub.ordering import signals


@receiver(signals.order_events, dispatch_uid="delivery-company-webhooks")
def announce_to_company_webhooks(sender, pairs, **kwargs):
    if len(pairs) == 1:
        company_webhooks.order_event_enqueue(*pairs[0])
    else:
        company_webhooks.order_events_enqueue(pairs)


@receiver(signals.order_ready, dispatch_uid="delivery-outbox-enqueue")
def put_in_the_outbox(sender, order, new_order=False, **kwargs):
    outbox.enqueue_delivery(order, new_order=new_order)


@receiver(signals.order_cancelled, dispatch_uid="delivery-outbox-cancel")
def take_out_of_the_outbox(sender, order, **kwargs):
    outbox.cancel_delivery(order)
