"""``{% order_change_panel order as panel %}``: what the order page's "Änderung und Stornierung"
section shows (issue 16) — the changes asked with their status and the partner's note, and the
forms when :func:`orderhub.ordering.changes.refusal` allows them and the login may write."""

from __future__ import annotations

import uuid
from datetime import date

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from orderhub.ordering import changes, refusals, units
from orderhub.ordering.models import Order, OrderChange

register = template.Library()

#: The session key under which the change view keeps a refusal and what was typed.
DRAFT_KEY = "order_change_draft"


def _what(change: OrderChange) -> list[str]:
    """The change line by line, as a person reads it (the active language)."""
    if change.kind == OrderChange.Kind.CANCEL:
        return [_("die ganze Bestellung stornieren")]
    parts = []
    for line in change.lines:
        if line.get("removed"):
            parts.append(_("Pos. %(position)s entfernen") % {"position": line["position"]})
            continue
        what = []
        if line.get("quantity") is not None:
            what.append(_("Menge %(quantity)s") % {"quantity": line["quantity"]})
        if line.get("delivery_date"):
            day = date.fromisoformat(line["delivery_date"]).strftime("%d.%m.%Y")
            what.append(_("Liefertermin %(date)s") % {"date": day})
        parts.append(
            _("Pos. %(position)s: %(what)s")
            % {"position": line["position"], "what": ", ".join(what)}
        )
    for line in change.added:
        parts.append(
            _("Pos. %(position)s neu: %(quantity)s × %(article)s")
            % {
                "position": line["position"],
                "quantity": line["quantity"],
                "article": line.get("partner_article_number") or line.get("description", ""),
            }
        )
    return parts


@register.simple_tag(takes_context=True)
def order_change_panel(context, order: Order) -> dict:
    request = context.get("request")
    access = getattr(request, "access", None)
    draft: dict = {}
    if request is not None and hasattr(request, "session"):
        stored = request.session.get(DRAFT_KEY) or {}
        if stored.get("order") == str(order.pk):
            draft = request.session.pop(DRAFT_KEY)
    asked = list(order.changes.all())
    change_refused = changes.refusal(order, OrderChange.Kind.CHANGE)
    cancel_refused = changes.refusal(order, OrderChange.Kind.CANCEL)
    values = draft.get("values") or {}
    lines = []
    for line in order.lines.filter(removed=False).select_related("article").order_by("position"):
        lines.append(
            {
                "line": line,
                "shipped": bool(line.shipped_quantity),
                "whole": units.counts_whole(units.line_unit(line)),
                "qty": values.get(f"qty-{line.position}", ""),
                "date": values.get(f"date-{line.position}", ""),
                "remove": values.get(f"remove-{line.position}") == "1",
            }
        )
    # Why neither form is offered (an open change, shipped …), unless the order never went out.
    blocked = ""
    if change_refused is not None and cancel_refused is not None:
        reason = change_refused if change_refused.code == "change_open" else cancel_refused
        if reason.code not in ("cart", "not_sent", "closed") or asked:
            blocked = reason.text()
    refusal = None
    # A refusal kept by the change view: codes and parameters, said in this page's language.
    told = refusals.sentences(draft.get("sentences"), draft.get("text", ""))
    if told:
        refusal = {
            "code": draft.get("code", ""),
            "text": told,
            "action": draft.get("action", "change"),
        }
        if refusal["text"] == blocked:
            blocked = ""
    return {
        "shown": bool(asked or refusal) or order.status in changes.CHANGEABLE,
        "changes": [
            {"change": c, "what": _what(c), "status": c.status, "open": c.is_open} for c in asked
        ],
        "can_write": bool(access and access.can_write),
        "can_change": change_refused is None,
        "can_cancel": cancel_refused is None,
        "blocked": blocked,
        # A change is possible but not a cancellation (something is shipped): say why.
        "cancel_blocked": cancel_refused.text()
        if change_refused is None
        and cancel_refused is not None
        and cancel_refused.code != "change_open"
        else "",
        "refusal": refusal,
        "lines": lines,
        "note": draft.get("note", "") if draft.get("action") != "cancel" else "",
        "cancel_note": draft.get("note", "") if draft.get("action") == "cancel" else "",
        "client_id": uuid.uuid4().hex,
        "cancel_client_id": uuid.uuid4().hex,
        "today": timezone.localdate().isoformat(),
    }
