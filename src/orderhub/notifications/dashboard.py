"""The dashboard's notification tiles (issue 15): orders the partner rejected in the last 30 days,
deliveries whose attempts keep failing (with how long), in the login's branches only."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from orderhub.delivery.models import Delivery
from orderhub.notifications.services import failing
from orderhub.ordering.models import Order, OrderStatus

REJECTED_DAYS = 30


def dashboard_context(company, access) -> dict:
    now = timezone.now()
    rejected = access.scope(
        Order.objects.filter(
            company=company,
            status=OrderStatus.REJECTED,
            updated_at__gte=now - timedelta(days=REJECTED_DAYS),
        )
    ).count()
    failing_now = access.scope(
        failing(Delivery.objects.filter(order__company=company)), "order__branch"
    )
    deliveries = list(
        failing_now.select_related("order__partner", "order__branch").order_by("first_attempt_at")[
            :20
        ]
    )
    long_ago = now - timedelta(minutes=settings.NOTIFY_FAILING_MINUTES)
    for delivery in deliveries:
        delivery.long = delivery.first_attempt_at <= long_ago
    count = failing_now.count() if len(deliveries) == 20 else len(deliveries)
    label = _("gestörte Zustellungen")
    if deliveries:
        label = _("gestörte Zustellungen, die älteste seit %(since)s") % {
            "since": timesince(deliveries[0].first_attempt_at, now)
        }
    return {
        "tiles": [
            {
                "count": rejected,
                "label": _("abgelehnte Bestellungen (30 Tage)"),
                "url": reverse("order_list") + f"?status=rejected&tage={REJECTED_DAYS}",
                "warn": bool(rejected),
            },
            {
                "count": count,
                "label": label,
                "url": reverse("dashboard") + "#zustellung-gestoert",
                "warn": any(d.long for d in deliveries),
            },
        ],
        "panels": [
            {
                "template": "notifications/_dashboard_failing.html",
                "data": {"deliveries": deliveries},
            }
        ],
    }
