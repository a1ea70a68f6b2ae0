"""Cart page (Warenkorb) and the dashboard's order pages (SPEC §3.6, §3.7)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderhub.catalog.api import search_articles
from orderhub.catalog.search import InvalidCursor
from orderhub.catalog.models import Article
from orderhub.core.problems import Problem
from orderhub.ordering import selectors, services
from orderhub.ordering.models import Order, OrderLine, OrderStatus
from orderhub.web.views import actor, company_view


def _order(request, order_id) -> Order:
    try:
        return selectors.get_order(request.company, order_id)
    except Problem:
        raise Http404("no such order") from None


def _cart_context(order: Order) -> dict:
    lines = list(order.lines.select_related("article"))
    remaining = (order.cart_expires_at - timezone.now()) if order.cart_expires_at else None
    return {"order": order, "lines": lines, "problems": services.cart_problems(order) if order.is_cart else [],
            "remaining_minutes": max(0, int(remaining.total_seconds() // 60)) if remaining else None,
            "needs_customer_number": order.partner.requires_customer_number and not order.customer_number}


@company_view
def cart(request, order_id):
    order = _order(request, order_id)
    return render(request, "ordering/cart.html", _cart_context(order))


def _cart_action(request, order_id, action):
    order = _order(request, order_id)
    try:
        action(order)
    except Problem as exc:
        messages.error(request, exc.detail or exc.title)
    return redirect("cart", order_id=order.pk)


def _line(order, line_id) -> OrderLine:
    return get_object_or_404(OrderLine, pk=line_id, order=order)


@company_view
@require_POST
def cart_pick(request, order_id, line_id):
    def act(order):
        try:
            article_id = int(request.POST.get("article_id", ""))
        except ValueError:
            raise Problem("no article chosen", status=422, title="Invalid input") from None
        article = get_object_or_404(Article, pk=article_id, partner=order.partner)
        services.pick_article(order, _line(order, line_id), article, actor(request))
    return _cart_action(request, order_id, act)


@company_view
@require_POST
def cart_quantity(request, order_id, line_id):
    def act(order):
        try:
            quantity = Decimal(request.POST.get("quantity", "").strip().replace(",", "."))
        except InvalidOperation:
            quantity = None
        if quantity is not None and (not quantity.is_finite() or quantity > 100_000
                                     or quantity != quantity.quantize(Decimal("0.001"))):
            quantity = None
        services.set_quantity(order, _line(order, line_id), quantity, actor(request))
    return _cart_action(request, order_id, act)


@company_view
@require_POST
def cart_remove(request, order_id, line_id):
    return _cart_action(request, order_id, lambda order: services.remove_line(
        order, _line(order, line_id), actor(request), restore=request.POST.get("restore") == "1"))


@company_view
@require_POST
def cart_customer_number(request, order_id):
    return _cart_action(request, order_id, lambda order: services.set_customer_number(
        order, request.POST.get("customer_number", ""), actor(request),
        save_to_masterdata=request.POST.get("save") == "1", for_branch=request.POST.get("scope") == "branch"))


@company_view
def cart_search(request, order_id, line_id):
    order = _order(request, order_id)
    line = _line(order, line_id)
    q = request.GET.get("q", "").strip()[:200]
    cursor = request.GET.get("cursor") or None
    hits, next_cursor = [], None
    if q:
        try:
            hits, next_cursor = search_articles(order.partner, q, cursor=cursor)
        except InvalidCursor:
            hits, cursor = [], None
    return render(request, "ordering/_search_results.html", {"order": order, "line": line, "hits": hits, "q": q,
                                                             "cursor": cursor, "next_cursor": next_cursor})


@company_view
@require_POST
def cart_order(request, order_id):
    order = _order(request, order_id)
    try:
        services.order_cart(order, actor(request))
    except Problem as exc:
        messages.error(request, exc.detail or exc.title)
        return redirect("cart", order_id=order.pk)
    messages.success(request, _("Bestellt. Die Bestellung wird jetzt an %(partner)s übermittelt.") % {
        "partner": order.partner.name})
    return redirect("order_detail", order_id=order.pk)


@company_view
def order_list(request):
    qs = Order.objects.filter(company=request.company).select_related("partner", "branch")
    status = request.GET.get("status", "")
    partner = request.GET.get("partner", "")
    q = request.GET.get("q", "").strip()
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    if partner:
        qs = qs.filter(partner__slug=partner)
    if q:
        qs = qs.filter(number__icontains=q) | qs.filter(external_order_id__icontains=q)
    for order in qs.filter(status=OrderStatus.CART, cart_expires_at__lte=timezone.now()):
        services.expire_if_due(order)
    page = Paginator(qs.order_by("-created_at"), 50).get_page(request.GET.get("seite"))
    from orderhub.partners.models import Partner

    return render(request, "ordering/order_list.html", {
        "page": page, "statuses": OrderStatus.choices, "status": status, "partner": partner, "q": q,
        "partners": Partner.objects.filter(is_active=True)})


@company_view
def order_detail(request, order_id):
    order = _order(request, order_id)
    return render(request, "ordering/order_detail.html", {
        "order": order, "lines": order.lines.all(), "events": order.events.all(),
        "documents": order.documents.all().defer("content"),
        "delivery": getattr(order, "delivery", None),
        "attempts": order.delivery.attempt_log.all() if hasattr(order, "delivery") else [],
    })


@company_view
def order_document(request, order_id, document_id):
    from orderhub.delivery.models import Document, document_response

    order = _order(request, order_id)
    return document_response(get_object_or_404(Document, pk=document_id, order=order))


@company_view
@require_POST
def order_retry(request, order_id):
    from orderhub.delivery.outbox import retry_dead

    order = _order(request, order_id)
    delivery = getattr(order, "delivery", None)
    if delivery is not None:
        retry_dead(delivery, actor(request))
        messages.success(request, _("Zustellung wird erneut versucht."))
    return redirect("order_detail", order_id=order.pk)


@company_view
def order_export(request):
    """The order list as CSV (semicolon, UTF-8 with BOM for spreadsheet programs); cells that a
    spreadsheet would run as a formula are neutralised."""
    import csv

    from django.http import StreamingHttpResponse

    from orderhub.formats.catalog_csv import neutralize_csv_cell

    class Echo:
        def write(self, value):
            return value

    qs = (Order.objects.filter(company=request.company).select_related("partner", "branch", "ordered_by")
          .order_by("-created_at"))
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    writer = csv.writer(Echo(), delimiter=";")
    header = ["Bestellnummer", "Bestellnummer Branchensoftware", "Partnerfirma", "Filiale", "Besteller",
              "Kundennummer", "Referenz", "Status", "angelegt", "Sendungsnummern"]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for o in qs.iterator(chunk_size=500):
            yield writer.writerow([neutralize_csv_cell(str(v)) for v in (
                o.number, o.external_order_id, o.partner.name, o.branch.name, o.ordered_by.name, o.customer_number,
                o.reference, o.get_status_display(), o.created_at.isoformat(), ", ".join(o.tracking_numbers or []))])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bestellungen.csv"'
    return response
