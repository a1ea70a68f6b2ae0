"""The attachments app's subscriptions to what ordering announces (``ordering.signals``)."""

from __future__ import annotations

from django.dispatch import receiver

from orderhub.attachments import services
from orderhub.ordering import signals


@receiver(signals.order_checking, dispatch_uid="attachments-check-submitted")
def check_named_attachments(sender, company, payload, **kwargs):
    services.check_submitted(company, payload)


@receiver(signals.order_written, dispatch_uid="attachments-attach-submitted")
def attach_named_attachments(sender, order, lines, payload, actor, **kwargs):
    services.attach_submitted(order, lines, payload, actor)
