"""Cart page (Warenkorb) (SPEC §3.6); the dashboard's order pages are web/orders.py."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderhub.accounts.decorators import actor, company_view
from orderhub.catalog.api import search_articles
from orderhub.catalog.models import Article
from orderhub.catalog.search import InvalidCursor
from orderhub.core.problems import Problem
from orderhub.ordering import selectors, services
from orderhub.ordering.models import Order, OrderLine


def _order(request, order_id) -> Order:
    try:
        return selectors.get_order(request.company, order_id, request.access.branch_ids)
    except Problem:
        raise Http404("no such order") from None


def _cart_context(order: Order) -> dict:
    lines = list(order.lines.select_related("article"))
    remaining = (order.cart_expires_at - timezone.now()) if order.cart_expires_at else None
    return {
        "order": order,
        "lines": lines,
        "problems": services.cart_problems(order) if order.is_cart else [],
        "remaining_minutes": max(0, int(remaining.total_seconds() // 60)) if remaining else None,
        "needs_customer_number": order.partner.requires_customer_number
        and not order.customer_number,
    }


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
            raise Problem("no article chosen", kind="invalid-input") from None
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
        if quantity is not None and (
            not quantity.is_finite()
            or quantity > 100_000
            or quantity != quantity.quantize(Decimal("0.001"))
        ):
            quantity = None
        services.set_quantity(order, _line(order, line_id), quantity, actor(request))

    return _cart_action(request, order_id, act)


@company_view
@require_POST
def cart_remove(request, order_id, line_id):
    return _cart_action(
        request,
        order_id,
        lambda order: services.remove_line(
            order, _line(order, line_id), actor(request), restore=request.POST.get("restore") == "1"
        ),
    )


@company_view
@require_POST
def cart_customer_number(request, order_id):
    return _cart_action(
        request,
        order_id,
        lambda order: services.set_customer_number(
            order,
            request.POST.get("customer_number", ""),
            actor(request),
            save_to_masterdata=request.POST.get("save") == "1",
            # Branch staff save numbers for their branch only, never for the whole company.
            for_branch=request.POST.get("scope") == "branch"
            or not request.access.sees_all_branches,
        ),
    )


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
    return render(
        request,
        "ordering/_search_results.html",
        {
            "order": order,
            "line": line,
            "hits": hits,
            "q": q,
            "cursor": cursor,
            "next_cursor": next_cursor,
        },
    )


@company_view
@require_POST
def cart_order(request, order_id):
    order = _order(request, order_id)
    try:
        services.order_cart(order, actor(request))
    except Problem as exc:
        messages.error(request, exc.detail or exc.title)
        return redirect("cart", order_id=order.pk)
    messages.success(
        request,
        _("Bestellt. Die Bestellung wird jetzt an %(partner)s übermittelt.")
        % {"partner": order.partner.name},
    )
    return redirect("order_detail", order_id=order.pk)
