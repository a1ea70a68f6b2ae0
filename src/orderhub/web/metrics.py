"""``/metrics`` in the Prometheus text format: intake, delivery outcomes, queue depth, oldest job.

Access: with ``ORDERHUB_METRICS_TOKEN`` set, a matching ``Authorization: Bearer`` header is
required; without it, only requests from loopback are answered.
"""

from __future__ import annotations

import hmac
import os

from django.db.models import Count, Min
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orderhub.delivery.models import Delivery, DeliveryAttempt
from orderhub.ordering.models import Order, OrderStatus
from orderhub.ordering.selectors import straight_through


def _allowed(request) -> bool:
    token = os.environ.get("ORDERHUB_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given, token)
    return request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"}


def _line(out: list[str], name: str, value, **labels) -> None:
    label = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    out.append(f"{name}{{{label}}} {value}" if label else f"{name} {value}")


def render() -> str:
    now = timezone.now()
    out: list[str] = []
    out += ["# HELP orderhub_orders Orders by current status.", "# TYPE orderhub_orders gauge"]
    counts = dict(Order.objects.values_list("status").annotate(n=Count("pk")).order_by())
    for status in OrderStatus.values:
        _line(out, "orderhub_orders", counts.get(status, 0), status=status)
    out += [
        "# HELP orderhub_orders_received_total Orders accepted by intake since the start.",
        "# TYPE orderhub_orders_received_total counter",
    ]
    _line(out, "orderhub_orders_received_total", sum(counts.values()))
    out += [
        "# HELP orderhub_delivery_attempts_total Delivery attempts by channel and outcome.",
        "# TYPE orderhub_delivery_attempts_total counter",
    ]
    for channel, outcome, n in (
        DeliveryAttempt.objects.values_list("channel", "outcome")
        .annotate(n=Count("pk"))
        .order_by("channel", "outcome")
    ):
        _line(out, "orderhub_delivery_attempts_total", n, channel=channel, outcome=outcome)
    out += [
        "# HELP orderhub_deliveries Deliveries by status (dead = dead-lettered).",
        "# TYPE orderhub_deliveries gauge",
    ]
    deliveries = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by())
    for status in Delivery.Status.values:
        _line(out, "orderhub_deliveries", deliveries.get(status, 0), status=status)
    out += [
        "# HELP orderhub_queue_depth Background tasks ready to run, per queue.",
        "# TYPE orderhub_queue_depth gauge",
        "# HELP orderhub_queue_oldest_age_seconds Age of the oldest ready task, per queue.",
        "# TYPE orderhub_queue_oldest_age_seconds gauge",
    ]
    ready = (
        DBTaskResult.objects.ready()
        .values("queue_name")
        .annotate(n=Count("id"), oldest=Min("enqueued_at"))
        .order_by("queue_name")
    )
    for row in ready:
        _line(out, "orderhub_queue_depth", row["n"], queue=row["queue_name"])
        _line(
            out,
            "orderhub_queue_oldest_age_seconds",
            round((now - row["oldest"]).total_seconds(), 3),
            queue=row["queue_name"],
        )
    oldest_due = Delivery.objects.filter(
        status__in=["pending", "retrying"], next_attempt_at__lte=now
    ).aggregate(t=Min("next_attempt_at"))["t"]
    out += [
        "# HELP orderhub_delivery_oldest_due_age_seconds How long the most overdue delivery has waited.",
        "# TYPE orderhub_delivery_oldest_due_age_seconds gauge",
    ]
    _line(
        out,
        "orderhub_delivery_oldest_due_age_seconds",
        round((now - oldest_due).total_seconds(), 3) if oldest_due else 0,
    )
    flow = straight_through(days=1)
    out += [
        "# HELP orderhub_orders_last_day Orders of the last 24 hours by path (straight through or cart).",
        "# TYPE orderhub_orders_last_day gauge",
    ]
    _line(out, "orderhub_orders_last_day", flow["without_cart"], path="straight_through")
    _line(out, "orderhub_orders_last_day", flow["orders"] - flow["without_cart"], path="cart")
    out += [
        "# HELP orderhub_cart_reasons_last_day Carts of the last 24 hours by reason (an order can have several).",
        "# TYPE orderhub_cart_reasons_last_day gauge",
    ]
    for code, n in flow["reasons"].items():
        _line(out, "orderhub_cart_reasons_last_day", n, reason=code)
    return "\n".join(out) + "\n"


def metrics_view(request):
    if not _allowed(request):
        return HttpResponseForbidden("metrics are for the operator's monitoring only\n")
    return HttpResponse(render(), content_type="text/plain; version=0.0.4; charset=utf-8")
