"""``{% goods_receipt_panel order as panel %}``: what the order page's "Wareneingang" section shows
(the receipts with their differences, and the form's lines with what is still expected)."""

from __future__ import annotations

import uuid

from django import template

from orderhub.ordering import receipts
from orderhub.ordering.models import Order

register = template.Library()

#: The session key under which the receipt view keeps what was typed when a scan was refused.
DRAFT_KEY = "goods_receipt_draft"


@register.simple_tag(takes_context=True)
def goods_receipt_panel(context, order: Order) -> dict:
    request = context.get("request")
    access = getattr(request, "access", None)
    draft = {}
    if request is not None and hasattr(request, "session"):
        stored = request.session.get(DRAFT_KEY) or {}
        if stored.get("order") == str(order.pk):
            draft = request.session.pop(DRAFT_KEY)
    expected = receipts.still_expected(order) if order.status in receipts.RECEIVABLE else {}
    lines = [
        {"line": line, "expected": expected.get(line.position)}
        for line in order.lines.filter(removed=False)
    ]
    return {
        "receipts": [receipts.shown(r) for r in receipts.receipts_of(order)],
        "receivable": order.status in receipts.RECEIVABLE,
        "can_write": bool(access and access.can_write),
        "lines": lines,
        "shipments": [
            s.partner_document_id for s in order.shipments.all() if s.partner_document_id
        ],
        "client_id": uuid.uuid4().hex,
        "draft": draft,
    }
