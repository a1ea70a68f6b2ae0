"""``{% goods_receipt_panel order as panel %}``: what the order page's "Wareneingang" section shows
(the receipts with their differences, and the form's lines with what is still expected — the two
sides of a binaural pair together, a side still outstanding while its mate arrived marked)."""

from __future__ import annotations

import uuid

from django import template
from django.utils import translation

from orderhub.formats import options as opts
from orderhub.ordering import hearing, receipts
from orderhub.ordering.models import Order

register = template.Library()

#: The session key under which the receipt view keeps what was typed when a scan was refused.
DRAFT_KEY = "goods_receipt_draft"


@register.simple_tag(takes_context=True)
def goods_receipt_panel(context, order: Order) -> dict:
    request = context.get("request")
    access = getattr(request, "access", None)
    draft = {}
    lang = "en" if (translation.get_language() or "de").startswith("en") else "de"
    if request is not None and hasattr(request, "session"):
        stored = request.session.get(DRAFT_KEY) or {}
        if stored.get("order") == str(order.pk):
            draft = request.session.pop(DRAFT_KEY)
    expected = receipts.still_expected(order) if order.status in receipts.RECEIVABLE else {}
    gaps = receipts.pair_gaps(order)
    # The two sides of a binaural pair one after the other (``pair_with``: the mate's position).
    lines = [
        {
            "line": line,
            "expected": expected.get(line.position),
            "side": dict(line.hearing_options).get(opts.label("side", lang)),
            "pair_gap": gaps.get(line.position),
        }
        for line in hearing.annotate(order.lines.filter(removed=False), lang)
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
        "pair_gaps": [gaps[p] for p in sorted(gaps)],
    }
