"""Cart page (Warenkorb) (SPEC §3.6); the dashboard's order pages are web/orders.py."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderhub.accounts.decorators import actor, company_view
from orderhub.catalog.api import search_articles
from orderhub.catalog.models import Article
from orderhub.catalog.search import InvalidCursor
from orderhub.core.problems import Problem
from orderhub.ordering import selectors, services, units
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order, OrderLine


def _order(request, order_id) -> Order:
    try:
        order = selectors.get_order(request.company, order_id, request.access.branch_ids)
    except Problem:
        raise Http404("no such order") from None
    if request.method == "POST":  # a cart past its 6 hours is expired first, and that is kept
        return services.expire_if_due(order)  # even when the action is then refused
    return order_status.as_read(order)  # reading writes nothing


FEEDBACK = "cart_feedback"  # session key: the refused value of a plain (no-JavaScript) POST


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _lines(order: Order) -> list[OrderLine]:
    lines = list(order.lines.select_related("article").order_by("position"))
    for line in lines:
        _decorate(line)
    return lines


def _decorate(line: OrderLine, error=None, typed=None, field=None) -> OrderLine:
    """What the line's template needs beyond the model: its unit rule and a refused value."""
    unit = units.line_unit(line)
    shown: Any = line  # the template's extra attributes are not model fields
    shown.order_unit = unit
    shown.whole = units.counts_whole(unit)
    shown.error = error
    shown.error_field = field
    shown.typed = typed
    return line


def _can_edit(request, order: Order) -> bool:
    return order.is_cart and request.access.can_write


def _footer_context(request, order: Order) -> dict:
    return {
        "order": order,
        "can_edit": _can_edit(request, order),
        "problems": services.cart_problems(order) if order.is_cart else [],
    }


def _number_context(request, order: Order, error=None, typed=None, confirm=None) -> dict:
    return {
        "order": order,
        "can_edit": _can_edit(request, order),
        "needs_customer_number": order.partner.requires_customer_number
        and not order.customer_number,
        "number_error": error,
        "number_typed": typed,
        "confirm": confirm,
    }


def _cart_context(request, order: Order) -> dict:
    remaining = (order.cart_expires_at - timezone.now()) if order.cart_expires_at else None
    lines = _lines(order)
    context = {
        "lines": lines,
        "remaining_minutes": max(0, int(remaining.total_seconds() // 60)) if remaining else None,
        **_footer_context(request, order),
        **_number_context(request, order),
    }
    feedback = request.session.pop(FEEDBACK, None)
    if feedback and feedback.get("order") == str(order.pk):
        if feedback.get("line"):
            for line in lines:
                if line.pk == feedback["line"]:
                    _decorate(
                        line, feedback.get("message"), feedback.get("typed"), feedback.get("field")
                    )
        elif feedback.get("box") == "customer-number":
            context["number_error"] = feedback.get("message")
            context["number_typed"] = feedback.get("typed")
        elif feedback.get("box") == "footer":
            context["footer_error"] = feedback.get("message")
    return context


@company_view
def cart(request, order_id):
    order = _order(request, order_id)
    return render(request, "ordering/cart.html", _cart_context(request, order))


def _line(order, line_id) -> OrderLine:
    return get_object_or_404(OrderLine, pk=line_id, order=order)


def _line_action(request, order_id, line_id, action, typed_field=None):
    """Run ``action(order, line)``; answer htmx with the line (and, out of band, the footer that
    says what still prevents ordering), a plain POST with a redirect to the line's anchor."""
    order = _order(request, order_id)
    line = _line(order, line_id)
    error = field = None
    try:
        action(order, line)
    except Problem as exc:
        error = exc.detail or exc.title
        field = getattr(exc, "field", None)
    order.refresh_from_db()
    line = OrderLine.objects.select_related("article").get(pk=line.pk)
    typed = request.POST.get(typed_field, "")[:50] if field and field == typed_field else None
    if _is_htmx(request):
        return render(
            request,
            "ordering/_cart_line_response.html",
            {
                "line": _decorate(line, error, typed, field),
                **_footer_context(request, order),
                "closed_message": None if order.is_cart else services.cart_closed_message(order),
            },
        )
    if error:
        request.session[FEEDBACK] = {
            "order": str(order.pk),
            "line": line.pk,
            "message": error,
            "typed": typed,
            "field": field,
        }
    return redirect(reverse("cart", args=[order.pk]) + f"#line-{line.position}")


@company_view
@require_POST
def cart_pick(request, order_id, line_id):
    def act(order, line):
        try:
            article_id = int(request.POST.get("article_id", ""))
        except ValueError:
            raise services.CartInputError(
                "article_id",
                _("Position %(position)s: Bitte einen Artikel auswählen.")
                % {"position": line.position},
                line.position,
            ) from None
        article = get_object_or_404(Article, pk=article_id, partner=order.partner)
        services.pick_article(order, line, article, actor(request))

    return _line_action(request, order_id, line_id, act)


@company_view
@require_POST
def cart_option(request, order_id, line_id):
    """Pick one of the option values the catalog offers (``issue.alternatives``, by index)."""

    def act(order, line):
        offered = (line.issue or {}).get("alternatives") or []
        try:
            chosen = offered[int(request.POST.get("alternative", ""))]
        except (ValueError, IndexError):
            raise services.CartInputError(
                "option",
                _("Position %(position)s: Bitte eine der angebotenen Optionen wählen.")
                % {"position": line.position},
                line.position,
            ) from None
        services.pick_option(order, line, chosen["option"], chosen["value"], actor(request))

    return _line_action(request, order_id, line_id, act)


def parse_quantity(text: str) -> Decimal | None:
    """A quantity as typed (comma or point); None when it is not a number."""
    try:
        return Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None


@company_view
@require_POST
def cart_quantity(request, order_id, line_id):
    def act(order, line):
        quantity = parse_quantity(request.POST.get("quantity", ""))
        services.set_quantity(order, line, quantity, actor(request))

    return _line_action(request, order_id, line_id, act, typed_field="quantity")


@company_view
@require_POST
def cart_remove(request, order_id, line_id):
    return _line_action(
        request,
        order_id,
        line_id,
        lambda order, line: services.remove_line(
            order, line, actor(request), restore=request.POST.get("restore") == "1"
        ),
    )


def _number_box(request, order, **kwargs):
    return render(
        request,
        "ordering/_cart_number_response.html",
        {**_number_context(request, order, **kwargs), **_footer_context(request, order)},
    )


@company_view
def cart_customer_number(request, order_id):
    """Enter (or change) the cart's customer number, optionally saved to master data. Replacing a
    number — the cart's own or the saved one — asks first, naming the old and the new value."""
    order = _order(request, order_id)
    if request.method != "POST":  # the box again (htmx: "Abbrechen" of the confirmation)
        if _is_htmx(request):
            return _number_box(request, order)
        return redirect(reverse("cart", args=[order.pk]) + "#customer-number")
    typed = request.POST.get("customer_number", "")[:100]
    save = request.POST.get("save") == "1"
    # Branch staff save numbers for their branch only, never for the whole company.
    for_branch = request.POST.get("scope") == "branch" or not request.access.sees_all_branches
    error = confirm = None
    try:
        if not order.is_cart:
            raise services.CartClosed(services.cart_closed_message(order))
        number = services.clean_customer_number(typed)
        replaces = services.customer_number_replacements(order, number, save, for_branch)
        if replaces and request.POST.get("confirm") != "1":
            confirm = {
                "number": number,
                "save": save,
                "scope": "branch" if for_branch else "company",
                "replaces": replaces,
            }
        else:
            services.set_customer_number(
                order, number, actor(request), save_to_masterdata=save, for_branch=for_branch
            )
    except Problem as exc:
        error = exc.detail or exc.title
    order.refresh_from_db()
    if _is_htmx(request):
        return _number_box(
            request, order, error=error, typed=typed if error else None, confirm=confirm
        )
    if confirm:
        return render(
            request,
            "ordering/cart_confirm_number.html",
            _number_context(request, order, confirm=confirm),
        )
    if error:
        request.session[FEEDBACK] = {
            "order": str(order.pk),
            "box": "customer-number",
            "message": error,
            "typed": typed,
        }
    return redirect(reverse("cart", args=[order.pk]) + "#customer-number")


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
        "ordering/_search_results.html" if _is_htmx(request) else "ordering/cart_search.html",
        {
            "standalone": not _is_htmx(request),
            "order": order,
            "line": line,
            "hits": hits,
            "q": q,
            "cursor": cursor,
            "next_cursor": next_cursor,
            "can_edit": _can_edit(request, order),
        },
    )


@company_view
@require_POST
def cart_order(request, order_id):
    order = _order(request, order_id)
    try:
        services.order_cart(order, actor(request))
    except Problem as exc:
        request.session[FEEDBACK] = {
            "order": str(order.pk),
            "box": "footer",
            "message": exc.detail or exc.title,
        }
        return redirect(reverse("cart", args=[order.pk]) + "#cart-footer")
    messages.success(
        request,
        _("Bestellt. Die Bestellung wird jetzt an %(partner)s übermittelt.")
        % {"partner": order.partner.name},
    )
    return redirect("order_detail", order_id=order.pk)


@company_view
def cart_cancel(request, order_id):
    """Cancel the cart, after a confirmation: GET (or a POST without ``confirm``) shows the
    question — inline for htmx, as a page otherwise; POST with ``confirm=1`` cancels."""
    order = _order(request, order_id)
    if not request.access.can_write:
        raise PermissionDenied("a read-only login changes nothing")
    if not order.is_cart:
        if request.method == "POST":
            messages.error(request, services.cart_closed_message(order))
        return redirect("cart", order_id=order.pk)
    if request.method != "POST" or request.POST.get("confirm") != "1":
        if _is_htmx(request):
            if request.GET.get("zurueck") == "1":
                return HttpResponse("")
            return render(request, "ordering/_cart_cancel_confirm.html", {"order": order})
        return render(request, "ordering/cart_cancel.html", {"order": order})
    try:
        services.cancel(order, actor(request), reason="order.cancelled_cart")
    except Problem:
        order.refresh_from_db()
        messages.error(request, services.cart_closed_message(order))
    else:
        messages.success(
            request,
            _("Der Warenkorb %(number)s wurde storniert; es wurde nichts bestellt.")
            % {"number": order.number},
        )
    return redirect("cart", order_id=order.pk)
