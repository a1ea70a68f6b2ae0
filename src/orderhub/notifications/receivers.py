"""Notifications' subscriptions to what ordering announces (``ordering.signals``).

A receiver runs inside the transaction of the order's change (or right after intake's commit): it
only decides and records the notice (in a savepoint); an error here is logged and never breaks
the order.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import receiver

from orderhub.notifications import services
from orderhub.ordering import signals

log = logging.getLogger(__name__)


@receiver(signals.order_events, dispatch_uid="notifications-order-events")
def notice_order_events(sender, pairs, **kwargs):
    for order, event in pairs:
        kind = services.kind_for_event(event)
        if kind is None:
            continue
        try:
            with transaction.atomic():  # a savepoint: an error here leaves the order's change be
                services.notify_event(order, event, kind)
        except Exception:
            log.exception("notice %s for order %s not recorded", kind, order.pk)
