"""Supplier portal (/lieferant/): e-mail partners see their orders and confirm or ship them."""

from __future__ import annotations

import json
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderhub.core.problems import Problem
from orderhub.delivery.inbound import apply_answer
from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.ordering.models import Order, OrderStatus

VISIBLE = [
    OrderStatus.SENDING,
    OrderStatus.SENT,
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_CONFIRMED,
    OrderStatus.REJECTED,
    OrderStatus.SHIPPED,
]


def partner_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        account = getattr(request.user, "partner_account", None)
        if account is None:
            raise PermissionDenied("this login belongs to no partner")
        request.partner = account.partner
        return view(request, *args, **kwargs)

    return wrapper


@partner_view
def order_list(request):
    qs = Order.objects.filter(partner=request.partner, status__in=VISIBLE).select_related(
        "company", "branch"
    )
    status = request.GET.get("status")
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-ordered_at", "-created_at"), 50).get_page(
        request.GET.get("seite")
    )
    return render(request, "delivery/supplier_orders.html", {"page": page, "status": status})


@partner_view
def order_detail(request, number):
    order = get_object_or_404(Order, number=number, partner=request.partner, status__in=VISIBLE)
    return render(
        request,
        "delivery/supplier_order.html",
        {"order": order, "lines": order.lines.filter(removed=False)},
    )


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@partner_view
@require_POST
def answer(request, number):
    order = get_object_or_404(Order, number=number, partner=request.partner, status__in=VISIBLE)
    action = request.POST.get("action")
    delivery_date = _parse_date(request.POST.get("delivery_date"))
    lines = list(order.lines.filter(removed=False))
    if action in ("confirm", "reject"):
        kind = "order_response"
        status = "confirmed" if action == "confirm" else "rejected"
        answer_lines = [
            AnswerLine(
                line_no=l.position,
                status=status,
                quantity=l.quantity if status == "confirmed" else 0,
                delivery_date=delivery_date,
            )
            for l in lines
        ]
        tracking = []
    elif action == "ship":
        kind = "dispatch_notification"
        answer_lines = [
            AnswerLine(line_no=l.position, status="shipped", quantity=l.quantity) for l in lines
        ]
        tracking = [
            t.strip() for t in request.POST.get("tracking_numbers", "").split(",") if t.strip()
        ]
    else:
        messages.error(request, _("Unbekannte Aktion."))
        return redirect("supplier_order", number=number)
    partner_answer = PartnerAnswer(
        kind=kind,
        order_number=order.number,
        document_id=f"portal-{action}-{order.number}",
        issued_at=timezone.now(),
        lines=answer_lines,
        delivery_date=delivery_date,
        tracking_numbers=tracking,
        carrier=request.POST.get("carrier", "")[:100],
    )
    raw = json.dumps(
        {
            "action": action,
            "by": request.user.get_username(),
            "tracking_numbers": tracking,
            "delivery_date": delivery_date.isoformat() if delivery_date else None,
        }
    ).encode()
    try:
        result = apply_answer(
            request.partner,
            partner_answer,
            fmt="portal",
            raw=raw,
            content_type="application/json",
            actor=f"Lieferantenportal {request.user.get_username()}",
        )
    except Problem as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, _("Gespeichert.") if result.applied else _("Das war bereits erfasst.")
        )
    return redirect("supplier_order", number=number)
