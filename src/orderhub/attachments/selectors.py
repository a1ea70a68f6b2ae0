"""Reading attachments: an order's, a line's, the company's stored scans to reuse."""

from __future__ import annotations

from django.db.models import QuerySet

from orderhub.attachments.models import Attachment, OrderAttachment


def for_order(order) -> list[OrderAttachment]:
    """The order's attachments (order-level first, then by line), attachment loaded."""
    links = list(OrderAttachment.objects.filter(order=order).select_related("attachment", "line"))
    return sorted(links, key=lambda l: (l.line.position if l.line else 0, l.added_at, l.pk))


def reusable(company, exclude_order=None, limit: int = 20) -> QuerySet[Attachment]:
    """The company's latest attachments that can be attached again (a remake, the other ear)."""
    qs = Attachment.objects.filter(company=company, purged_at__isnull=True)
    if exclude_order is not None:
        qs = qs.exclude(links__order=exclude_order)
    return qs.order_by("-last_used_at", "-created_at")[:limit]


def link_of_order(order, attachment_id) -> OrderAttachment | None:
    """The link of one attachment with ``order`` (the first when it goes with several lines)."""
    return (
        OrderAttachment.objects.filter(order=order, attachment_id=attachment_id)
        .select_related("attachment")
        .order_by("pk")
        .first()
    )
