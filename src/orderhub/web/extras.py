"""Dashboard panels contributed by the ordering and delivery areas (open carts, failed deliveries)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orderhub.accounts.access import EVERYTHING
from orderhub.notifications import dashboard as notifications
from orderhub.ordering.models import Order, OrderStatus
from orderhub.ordering.selectors import straight_through


def dashboard_context(company, access=EVERYTHING) -> dict:
    """``access``: a branch-staff login sees its branches' carts and orders only."""
    now = timezone.now()
    orders = access.scope(Order.objects.filter(company=company)).select_related("partner")
    carts = list(
        orders.filter(status=OrderStatus.CART, cart_expires_at__gt=now).order_by("cart_expires_at")[
            :20
        ]
    )
    failed = list(orders.filter(status=OrderStatus.FAILED)[:20])
    recent = list(orders.order_by("-updated_at")[:10])

    flow = straight_through(company)

    notices = notifications.dashboard_context(company, access)
    return {
        "straight_through": flow,
        "tiles": [
            {
                "count": len(carts),
                "label": _("offene Warenkörbe"),
                "url": reverse("order_list") + "?status=cart",
                "warn": bool(carts),
            },
            {
                "count": len(failed),
                "label": _("fehlgeschlagene Zustellungen"),
                "url": reverse("order_list") + "?status=failed",
                "warn": bool(failed),
            },
            *notices["tiles"],
        ],
        "panels": [
            {"template": "ordering/_dashboard_straight_through.html", "data": flow},
            {
                "template": "ordering/_dashboard_orders.html",
                "data": {"carts": carts, "failed": failed, "recent": recent},
            },
            *notices["panels"],
        ],
    }
