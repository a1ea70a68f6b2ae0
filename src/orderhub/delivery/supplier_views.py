"""Supplier portal (/lieferant/): e-mail partners see their orders and confirm or ship them."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderhub.attachments import selectors as attachment_selectors
from orderhub.attachments.views import file_response
from orderhub.core.problems import Problem
from orderhub.delivery import supplier_forms as forms
from orderhub.delivery.inbound import apply_answer
from orderhub.delivery.models import Document, document_response
from orderhub.formats import partner_json
from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.ordering import hearing
from orderhub.ordering.models import Order, OrderStatus

VISIBLE = [
    OrderStatus.SENDING,
    OrderStatus.SENT,
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_CONFIRMED,
    OrderStatus.REJECTED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
]
#: The supplier may (re)answer an order until something is shipped, and ship what is confirmed.
RESPONDABLE = {
    OrderStatus.SENDING,
    OrderStatus.SENT,
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_CONFIRMED,
}
SHIPPABLE = {
    OrderStatus.SENT,
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_CONFIRMED,
    OrderStatus.PARTIALLY_SHIPPED,
}


def partner_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        account = getattr(request.user, "partner_account", None)
        if account is None:
            raise PermissionDenied("this login belongs to no partner")
        request.partner = account.partner
        request.partner_account = account
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


def _order(request, number) -> Order:
    return get_object_or_404(
        Order.objects.select_related("company", "branch", "ordered_by"),
        number=number,
        partner=request.partner,
        status__in=VISIBLE,
    )


def _forms(order: Order, data=None, action: str = "") -> dict:
    """The answer forms of an order page; ``data`` binds the one of ``action``."""
    lines = list(order.lines.filter(removed=False))
    bind = {
        "respond": data if action == "respond" else None,
        "ship": data if action == "ship" else None,
    }
    fresh = forms.new_form_id()
    return {
        "lines": lines,
        "respond": forms.ResponseForm(bind["respond"], initial={"form_id": fresh}),
        "respond_lines": [
            forms.ResponseLineForm(
                bind["respond"],
                line=line,
                initial={"status": "confirmed", "quantity": line.quantity},
            )
            for line in lines
        ],
        "reject_form_id": fresh,
        "reject_error": "",
        "ship": forms.ShipForm(bind["ship"], initial={"form_id": fresh}),
        "ship_lines": [
            forms.ShipLineForm(
                bind["ship"], line=line, initial={"quantity": line.outstanding_quantity}
            )
            for line in lines
            if line.outstanding_quantity > 0
        ],
    }


def _page(request, order: Order, context: dict, status: int = 200):
    documents = order.documents.filter(direction=Document.Direction.OUTBOUND).defer("content")
    return render(
        request,
        "delivery/supplier_order.html",
        {
            "order": order,
            "documents": documents,
            "attachments": attachment_selectors.for_order(order),
            "can_respond": order.status in RESPONDABLE,
            "can_ship": order.status in SHIPPABLE,
            **context,
        },
        status=status,
    )


@partner_view
def order_detail(request, number):
    order = _order(request, number)
    return _page(request, order, _forms(order))


@partner_view
def order_document(request, number, document_id):
    order = _order(request, number)
    document = get_object_or_404(
        Document, pk=document_id, order=order, direction=Document.Direction.OUTBOUND
    )
    return document_response(document)


@partner_view
def order_attachment(request, number, attachment_id):
    """A file of one of the partner's own orders (issue 17); any other order's is a 404."""
    link = attachment_selectors.link_of_order(_order(request, number), attachment_id)
    if link is None:
        raise Http404("no such attachment")
    return file_response(link.attachment)


def _pairs_apart(line_forms, field: str, flag) -> bool:
    """A binaural pair is confirmed (or rejected) and shipped together (issue 17): when its two
    lines differ, both line forms get the error at ``field``."""
    apart = hearing.pairs_apart(((f, flag(f)) for f in line_forms), lambda f: f.line.pair)
    for forms_of_pair in apart:
        positions = ", ".join(str(f.line.position) for f in forms_of_pair)
        message = (
            _(
                "Binaurales Paar (Pos. %(positions)s): bitte beide Seiten gemeinsam bestätigen "
                "oder ablehnen."
            )
            if field == "status"
            else _("Binaurales Paar (Pos. %(positions)s): bitte beide Seiten zusammen versenden.")
        ) % {"positions": positions}
        for f in forms_of_pair:
            f.add_error(field, message)
    return bool(apart)


@partner_view
@require_POST
def answer(request, number):
    order = _order(request, number)
    action = request.POST.get("action", "")
    context = _forms(order, request.POST, action)
    form_id = (request.POST.get("form_id") or "")[:40]
    if action == "respond" and order.status in RESPONDABLE:
        header, line_forms = context["respond"], context["respond_lines"]
        if not header.is_valid() or not all(f.is_valid() for f in line_forms):
            return _page(request, order, context, status=400)
        if _pairs_apart(line_forms, "status", lambda f: f.cleaned_data["status"] == "rejected"):
            return _page(request, order, context, status=400)
        default_date = header.cleaned_data.get("delivery_date")
        kind, lines = "order_response", [f.answer_line(default_date) for f in line_forms]
        delivery_date, note, tracking, carrier = default_date, header.cleaned_data["note"], [], ""
    elif action == "reject" and order.status in RESPONDABLE:
        reason = (request.POST.get("reason") or "").strip()[:500]
        if not reason:
            context["reject_error"] = _("Bitte geben Sie einen Grund für die Ablehnung an.")
            return _page(request, order, context, status=400)
        kind = "order_response"
        lines = [
            AnswerLine(line_no=l.position, status="rejected", quantity=Decimal(0), note=reason)
            for l in context["lines"]
        ]
        delivery_date, note, tracking, carrier = None, reason, [], ""
    elif action == "ship" and order.status in SHIPPABLE:
        header, line_forms = context["ship"], context["ship_lines"]
        if not header.is_valid() or not all(f.is_valid() for f in line_forms):
            return _page(request, order, context, status=400)
        if _pairs_apart(line_forms, "quantity", lambda f: bool(f.cleaned_data.get("quantity"))):
            return _page(request, order, context, status=400)
        lines = [a for a in (f.answer_line() for f in line_forms) if a is not None]
        if not lines:
            header.add_error(None, _("Bitte bei mindestens einer Position eine Menge angeben."))
            return _page(request, order, context, status=400)
        kind, delivery_date, note = "dispatch_notification", None, ""
        tracking, carrier = header.cleaned_data["tracking_numbers"], header.cleaned_data["carrier"]
    else:
        messages.error(request, _("Diese Antwort ist für die Bestellung nicht (mehr) möglich."))
        return redirect("supplier_order", number=number)
    if not re.fullmatch(r"[0-9a-f]{32}", form_id):
        form_id = forms.new_form_id()
    partner_answer = PartnerAnswer(
        kind=kind,
        order_number=order.number,
        document_id=f"portal-{action}-{form_id}",
        issued_at=timezone.now(),
        lines=lines,
        delivery_date=delivery_date,
        tracking_numbers=tracking,
        carrier=carrier,
        note=note,
    )
    raw = partner_json.write_answer(partner_answer)
    try:
        result = apply_answer(
            request.partner,
            partner_answer,
            fmt="json",
            raw=raw,
            content_type="application/json",
            actor=request.partner_account.actor,
        )
    except Problem as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, _("Gespeichert.") if result.applied else _("Das war bereits erfasst.")
        )
    return redirect("supplier_order", number=number)
