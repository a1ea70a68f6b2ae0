"""``/metrics`` in the Prometheus text format: intake, delivery outcomes, queue depth, oldest job.

The numbers span every company, so they are for the operator's monitoring only: a request with
``Authorization: Bearer <ORDERHUB_METRICS_TOKEN>``, or one from ``ORDERHUB_METRICS_NETWORKS`` (default
loopback while no token is set). Everyone else gets a 404, as if there were no such page. A request
that carries forwarding headers came through a reverse proxy: without ``ORDERHUB_TRUSTED_PROXIES``
its loopback address is the proxy's, so it counts as coming from outside.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orderhub.core.clientip import client_ip
from orderhub.delivery.models import Delivery, DeliveryAttempt
from orderhub.ordering.models import Order, OrderStatus
from orderhub.ordering.selectors import straight_through

_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def _bearer_matches(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return False
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").strip().encode(), token.encode())


def _from_operator_network(request) -> bool:
    if not settings.TRUSTED_PROXY_COUNT and any(h in request.META for h in _FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    for network in settings.METRICS_NETWORKS:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def allowed(request) -> bool:
    return _bearer_matches(request) or _from_operator_network(request)


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
    if not allowed(request):
        raise Http404("no such page")
    return HttpResponse(render(), content_type="text/plain; version=0.0.4; charset=utf-8")
