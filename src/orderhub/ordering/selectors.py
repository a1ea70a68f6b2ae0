"""Reading orders for the API and the dashboard."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from orderhub.catalog import issues as cart_issues
from orderhub.core import actors
from orderhub.core.problems import InvalidInput, NotFound
from orderhub.ordering import changes, hearing, reasons, receipts, services, tracking
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order, OrderEvent, OrderStatus, OrderType


def get_order(company, order_id, branch_ids=None) -> Order:
    """The company's order or NotFound — another company's order is indistinguishable from none.

    ``branch_ids`` (a login's branches, ``orderhub.accounts.access``; None = every branch): an order
    of another branch is NotFound as well. The stored state: what a reader is shown is
    ``status.as_read(order)``; a write expires a due cart itself (``services.expire_if_due``).
    """
    try:
        uuid.UUID(str(order_id))
    except ValueError:
        raise NotFound("no such order") from None
    qs = Order.objects.select_related("partner", "branch", "ordered_by").filter(
        pk=order_id, company=company
    )
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    order = qs.first()
    if order is None:
        raise NotFound("no such order")
    return order


def encode_cursor(order: Order) -> str:
    return base64.urlsafe_b64encode(f"{order.updated_at.isoformat()}|{order.pk}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return checked_time(datetime.fromisoformat(at), "cursor"), str(uuid.UUID(pk))
    except (ValueError, UnicodeDecodeError, InvalidInput):
        raise InvalidInput("cursor", "not a cursor this API handed out") from None


def checked_time(value: datetime, field: str) -> datetime:
    """An aware UTC datetime the database can compare with, or a 422 naming the field."""
    try:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput(field, "date out of range") from None
    if not 1900 <= value.year <= 9000:
        raise InvalidInput(field, "date out of range")
    return value


def list_orders(
    company,
    *,
    updated_since: datetime | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
    order_type: str | None = None,
):
    """Oldest change first, so a client polling ``updated_since`` never misses one.

    ``status`` and ``order_type`` (issue 17) are comma-separated lists."""
    qs = Order.objects.filter(company=company).select_related("partner", "branch", "ordered_by")
    if status:
        wanted = [s for s in status.split(",") if s]
        unknown = set(wanted) - set(OrderStatus.values)
        if unknown:
            raise InvalidInput("status", f"unknown status {sorted(unknown)}")
        qs = qs.filter(order_status.status_filter(wanted))  # a due cart counts as expired
    if order_type:
        types = [t for t in order_type.split(",") if t]
        unknown = set(types) - set(OrderType.values)
        if unknown:
            raise InvalidInput("order_type", f"unknown order type {sorted(unknown)}")
        qs = qs.filter(order_type__in=types)
    if updated_since:
        qs = qs.filter(updated_at__gt=checked_time(updated_since, "updated_since"))
    if cursor:
        at, pk = decode_cursor(cursor)
        qs = qs.filter(Q(updated_at__gt=at) | Q(updated_at=at, id__gt=pk))
    page = list(qs.order_by("updated_at", "id")[: limit + 1])
    next_cursor = encode_cursor(page[limit - 1]) if len(page) > limit else None
    return page[:limit], next_cursor


def order_summary(order: Order, request=None) -> dict:
    order_status.as_read(order)
    is_cart = order.status == OrderStatus.CART
    return {
        "id": str(order.pk),
        "number": order.number,
        "external_order_id": order.external_order_id,
        "partner": order.partner.slug,
        "branch_id": order.branch.external_id,
        "ordered_by": order.ordered_by.external_id,
        "customer_number": order.customer_number or None,
        "reference": order.reference,
        "status": order.status,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "cart_url": services.cart_url(order, request) if is_cart else None,
        "cart_expires_at": order.cart_expires_at.isoformat()
        if is_cart and order.cart_expires_at
        else None,
        "tracking_numbers": order.tracking_numbers or [],
        "carrier": order.carrier or None,
        "delivery_date": order.delivery_date.isoformat() if order.delivery_date else None,
        "order_type": order.order_type,
        "original_order": order.original_order.number if order.original_order else None,
        "return_date": order.return_date.isoformat() if order.return_date else None,
        "fitting_reference": order.fitting_reference or None,
    }


def _decimal(value) -> str | None:
    """A quantity or price as the API writes it (a string, like ``quantity``), or None."""
    return None if value is None else str(value)


def _date(value) -> str | None:
    return value.isoformat() if value else None


def order_detail(order: Order, request=None) -> dict:
    data = order_summary(order, request)
    data["issues"] = (
        [cart_issues.for_api(i) for i in services.issues_of(order)]
        if order.status == OrderStatus.CART
        else []
    )
    lines = list(order.lines.all())
    shipments = list(order.shipments.prefetch_related("lines"))
    received: dict[int, list] = {}
    for shipment in shipments:
        for row in shipment.lines.all():
            received.setdefault(row.line_id, []).append(row)
    positions = {l.pk: l.position for l in lines}
    data["lines"] = [
        {
            "position": l.position,
            "quantity": str(l.quantity),
            "unit": l.unit,
            "partner_article_number": l.partner_article_number or None,
            "gtin": l.gtin or None,
            "hmv_number": l.hmv_number or None,
            "manufacturer_article_number": l.manufacturer_article_number or None,
            "description": l.description,
            "attributes": hearing.free_attributes(l.attributes),
            "options": hearing.options_json(l),
            "pair": l.pair or None,
            "removed": l.removed,
            "matched_article": (
                {"article_id": l.article_id, "matched_by": l.matched_by, **l.article_snapshot}
                if l.article_snapshot
                else None
            ),
            "issue": cart_issues.for_api(l.issue) if l.issue else None,
            **_answer_state(l, received.get(l.pk, [])),
            "confirmed_price": _decimal(l.confirmed_price),
            "remainder_closed": l.remainder_closed,
            "answer_note": l.answer_note or None,
        }
        for l in lines
    ]
    data["shipments"] = [
        {
            "document_id": s.partner_document_id,
            "shipped_at": s.shipped_at.isoformat(),
            "delivery_date": _date(s.delivery_date),
            "carrier": s.carrier or None,
            "tracking_numbers": s.tracking_numbers,
            "tracking": tracking.links(s.carrier, s.tracking_numbers),
            "lines": [
                {
                    "position": positions.get(row.line_id),
                    "quantity": _decimal(row.quantity),
                    "serial_numbers": row.serial_numbers,
                    "lot_numbers": row.lot_numbers,
                }
                for row in s.lines.all()
            ],
        }
        for s in shipments
    ]
    data["events"] = [
        {
            "at": e.at.isoformat(),
            **actors.api_fields(e),
            "from_status": e.from_status or None,
            "to_status": e.to_status or None,
            **reasons.api_fields(e),
        }
        for e in order.events.all()
    ]
    data["documents"] = [
        {
            "id": d.pk,
            "direction": d.direction,
            "kind": d.kind,
            "format": d.format,
            "content_type": d.content_type,
            "filename": d.filename,
            "size": d.size,
            "created_at": d.created_at.isoformat(),
            "url": reverse(
                "api:order_document", kwargs={"order_id": order.pk, "document_id": d.pk}
            ),
        }
        for d in order.documents.all().defer("content")
    ]
    delivery = getattr(order, "delivery", None)
    data["delivery"] = (
        {
            "status": delivery.status,
            "attempts": delivery.attempts,
            "last_error": delivery.last_error or None,
            "next_attempt_at": delivery.next_attempt_at.isoformat()
            if delivery.status == "retrying"
            else None,
        }
        if delivery
        else None
    )
    data["receipts"] = [receipts.receipt_data(r) for r in receipts.receipts_of(order)]
    data["changes"] = [changes.change_data(c) for c in order.changes.select_related("order")]
    return data


def straight_through(company=None, days: int = 30) -> dict:
    """Orders of the last ``days`` days that needed no cart, and why the others needed one.

    {"orders", "without_cart", "rate" (0..1 or None), "reasons": {issue code: orders}}.
    """
    since = timezone.now() - timedelta(days=days)
    orders = Order.objects.filter(created_at__gte=since)
    events = OrderEvent.objects.filter(at__gte=since, from_status="", to_status=OrderStatus.CART)
    if company is not None:
        orders = orders.filter(company=company)
        events = events.filter(order__company=company)
    total = orders.count()
    with_cart = orders.exclude(cart_expires_at=None).count()
    reasons: dict[str, int] = {}
    for data in events.values_list("data", flat=True).iterator(chunk_size=2000):
        for code in (data or {}).get("cart_reasons", ()):
            reasons[code] = reasons.get(code, 0) + 1
    return {
        "orders": total,
        "without_cart": total - with_cart,
        "rate": (total - with_cart) / total if total else None,
        "reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
    }


#: Statuses after which an order's lines carry the partner's answer.
ANSWERED_STATUSES = frozenset(
    {
        OrderStatus.CONFIRMED,
        OrderStatus.PARTIALLY_CONFIRMED,
        OrderStatus.REJECTED,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
    }
)


def _answer_state(l, rows) -> dict:
    """What the partner answered and shipped for a line (``rows``: its ShipmentLines)."""
    return {
        "line_status": l.line_status,
        "confirmed_quantity": _decimal(l.confirmed_quantity),
        "backordered_quantity": _decimal(l.backordered_quantity),
        "backorder_date": _date(l.backorder_date),
        "shipped_quantity": _decimal(l.shipped_quantity),
        "outstanding_quantity": _decimal(l.outstanding_quantity),
        "delivery_date": _date(l.delivery_date),
        "changed_article_number": l.changed_article_number or None,
        "serial_numbers": [n for row in rows for n in row.serial_numbers],
        "lot_numbers": [n for row in rows for n in row.lot_numbers],
    }


def line_states(order: Order) -> list[dict]:
    """Per line what the partner answered and shipped, for the company webhook: status,
    quantities (decimal strings), dates, the article delivered instead, serial and lot numbers."""
    lines = order.lines.filter(removed=False).prefetch_related("shipment_lines")
    return [
        {
            "position": l.position,
            "quantity": _decimal(l.quantity),
            **_answer_state(l, list(l.shipment_lines.all())),
        }
        for l in lines
    ]
