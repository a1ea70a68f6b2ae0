"""Supplier portal (/lieferant/): open order changes of an order, accepted or refused by button
(issue 16). The order page includes ``delivery/_supplier_changes.html``."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderhub.delivery.inbound import apply_change_reply
from orderhub.delivery.supplier_views import _order, partner_view
from orderhub.formats import change_answers
from orderhub.ordering.models import OrderChange


def open_changes(order) -> list[OrderChange]:
    return list(
        order.changes.filter(
            status__in=(OrderChange.Status.REQUESTED, OrderChange.Status.SENT)
        ).order_by("sequence")
    )


@partner_view
@require_POST
def answer_change(request, number, sequence):
    """Annehmen / Ablehnen: recorded like a JSON ``change_response`` from the partner."""
    order = _order(request, number)
    change = get_object_or_404(OrderChange, order=order, sequence=sequence)
    accepted = request.POST.get("decision") == "accept"
    note = (request.POST.get("note") or "").strip()[:500]
    if not accepted and not note:
        messages.error(request, _("Bitte geben Sie einen Grund für die Ablehnung an."))
        return redirect("supplier_order", number=number)
    reply = change_answers.ChangeReply(
        order_number=order.number,
        sequence=change.sequence,
        accepted=accepted,
        document_id=f"portal-change-{order.number}/{change.sequence}",
        note=note,
    )
    result = apply_change_reply(
        request.partner,
        reply,
        fmt="json",
        raw=change_answers.write_json_change_reply(reply),
        content_type="application/json",
        actor=request.partner_account.actor,
    )
    if not result.applied:
        messages.error(request, _("Das war bereits erfasst."))
    elif accepted:
        messages.success(request, _("Änderung angenommen."))
    else:
        messages.success(request, _("Änderung abgelehnt."))
    return redirect("supplier_order", number=number)
