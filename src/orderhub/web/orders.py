"""The dashboard's order pages (SPEC §3.7): list, detail with documents and delivery attempts,
retry, CSV export. Here, above ordering and delivery, because a page shows both."""

from __future__ import annotations

import csv
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderhub.accounts.decorators import actor, company_view
from orderhub.core import snapshot
from orderhub.core.problems import Problem
from orderhub.delivery.models import Document, document_response
from orderhub.delivery.outbox import retry_dead
from orderhub.formats.catalog_csv import neutralize_csv_cell
from orderhub.ordering import answers, selectors, services, tracking
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order, OrderStatus, OrderType
from orderhub.partners.models import Partner
from orderhub.web import sentences


def _order(request, order_id) -> Order:
    try:
        order = selectors.get_order(request.company, order_id, request.access.branch_ids)
    except Problem:
        raise Http404("no such order") from None
    if request.method == "POST":  # a cart past its 6 hours is expired first, and that is kept
        return services.expire_if_due(order)  # even when the action is then refused
    return order_status.as_read(order)  # reading writes nothing


@company_view
def order_list(request):
    qs = request.access.scope(
        Order.objects.filter(company=request.company).select_related("partner", "branch")
    )
    status = request.GET.get("status", "")
    partner = request.GET.get("partner", "")
    q = request.GET.get("q", "").strip()
    order_type = request.GET.get("type", "")
    if status in OrderStatus.values:  # a cart past its 6 hours is shown as expired (as_read)
        qs = qs.filter(order_status.status_filter([status]))
    if order_type in OrderType.values:
        qs = qs.filter(order_type=order_type)
    if partner:
        qs = qs.filter(partner__slug=partner)
    days = request.GET.get("tage", "")
    if days.isdigit():  # changed in the last N days (the dashboard's "rejected" tile)
        qs = qs.filter(updated_at__gte=timezone.now() - timedelta(days=min(int(days), 3660)))
    if q:
        qs = qs.filter(number__icontains=q) | qs.filter(external_order_id__icontains=q)
    page = Paginator(qs.order_by("-created_at"), 50).get_page(request.GET.get("seite"))
    for order in page:  # reading writes nothing; the periodic job records the expiry
        order_status.as_read(order)

    return render(
        request,
        "ordering/order_list.html",
        {
            "page": page,
            "statuses": OrderStatus.choices,
            "status": status,
            "order_types": OrderType.choices,
            "order_type": order_type,
            "partner": partner,
            "q": q,
            "partners": Partner.objects.filter(is_active=True),
        },
    )


def _status_label(code: str) -> str:
    return str(OrderStatus(code).label) if code in OrderStatus.values else code


@company_view
def order_detail(request, order_id):
    order = _order(request, order_id)
    with snapshot.one_moment():  # the page's queries see one moment (core/snapshot.py)
        order.refresh_from_db()
        return _order_page(request, order_status.as_read(order))


def _order_page(request, order):
    shipments = list(order.shipments.prefetch_related("lines__line"))
    for shipment in shipments:
        shipment.tracking_links = tracking.links(shipment.carrier, shipment.tracking_numbers)
    lines = list(order.lines.prefetch_related("shipment_lines"))
    for line in lines:
        rows = list(line.shipment_lines.all())
        line.serials = [n for row in rows for n in row.serial_numbers]
        line.lots = [n for row in rows for n in row.lot_numbers]
    events = list(order.events.all())
    for event in events:
        event.from_label = _status_label(event.from_status) if event.from_status else ""
        event.to_label = _status_label(event.to_status) if event.to_status else ""
        event.sentence = sentences.event_sentence(event)
        event.actor_text = event.actor_label()
        event.technical = sentences.technical(
            status=f"{event.from_status} -> {event.to_status}" if event.to_status else "",
            reason=event.reason_code,
            reason_params=event.reason_params,
            data=event.data,
        )
    attempts = list(order.delivery.attempt_log.all()) if hasattr(order, "delivery") else []
    for attempt in attempts:
        attempt.technical = sentences.technical(
            channel=attempt.channel,
            status_code=attempt.status_code,
            detail=attempt.detail,
            response=attempt.response_excerpt[:2000],
            worker=attempt.worker_id,
        )
    return render(
        request,
        "ordering/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "shipments": shipments,
            "can_write": request.access.can_write,
            "events": events,
            "documents": order.documents.all().defer("content"),
            "delivery": getattr(order, "delivery", None),
            "attempts": attempts,
            "is_admin": request.account.is_admin,
        },
    )


@company_view
def order_document(request, order_id, document_id):
    order = _order(request, order_id)
    return document_response(get_object_or_404(Document, pk=document_id, order=order))


@company_view
@require_POST
def order_retry(request, order_id):
    order = _order(request, order_id)
    delivery = getattr(order, "delivery", None)
    if delivery is not None:
        retry_dead(delivery, actor(request))
        messages.success(request, _("Zustellung wird erneut versucht."))
    return redirect("order_detail", order_id=order.pk)


@company_view
@require_POST
def order_close_remainder(request, order_id):
    """ "Rest schließen": nothing more is expected of a partly shipped order."""
    order = _order(request, order_id)
    try:
        answers.close_remainder(order, actor=actor(request))
    except answers.NothingOutstanding:
        messages.error(request, _("Bei dieser Bestellung ist nichts mehr offen."))
    else:
        messages.success(
            request, _("Der offene Rest ist geschlossen; die Bestellung gilt als versandt.")
        )
    return redirect("order_detail", order_id=order.pk)


@company_view
def order_export(request):
    """The order list as CSV (semicolon, UTF-8 with BOM for spreadsheet programs); cells that a
    spreadsheet would run as a formula are neutralised."""

    class Echo:
        def write(self, value):
            return value

    qs = request.access.scope(
        Order.objects.filter(company=request.company)
        .select_related("partner", "branch", "ordered_by")
        .order_by("-created_at")
    )
    status = request.GET.get("status", "")
    if status in OrderStatus.values:  # a cart past its 6 hours is shown as expired (as_read)
        qs = qs.filter(order_status.status_filter([status]))
    writer = csv.writer(Echo(), delimiter=";")
    header = [
        "Bestellnummer",
        "Bestellnummer Branchensoftware",
        "Partnerfirma",
        "Filiale",
        "Besteller",
        "Kundennummer",
        "Referenz",
        "Status",
        "angelegt",
        "Sendungsnummern",
    ]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for o in qs.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    neutralize_csv_cell(str(v))
                    for v in (
                        o.number,
                        o.external_order_id,
                        o.partner.name,
                        o.branch.name,
                        o.ordered_by.name,
                        o.customer_number,
                        o.reference,
                        order_status.as_read(o).get_status_display(),
                        o.created_at.isoformat(),
                        ", ".join(o.tracking_numbers or []),
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bestellungen.csv"'
    return response
