"""The order page's goods receipt (Wareneingang, issue 16): the form posts here; the section
itself is ``ordering/_goods_receipt.html`` (``{% goods_receipt_panel %}``).

What the service refuses is said from its code in the page's language
(:func:`orderhub.ordering.input_messages.problem_sentence`: a bad scan names the scan's number
and the character), never with the API's English text (issue 15)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from orderhub.accounts.decorators import actor, company_view
from orderhub.core.problems import Problem
from orderhub.ordering import input_messages, receipts
from orderhub.ordering.templatetags.goods_receipts import DRAFT_KEY
from orderhub.web.orders import _order

MAX_SCANS = 2000


class FormRefused(Exception):
    """What was typed cannot be booked; ``text`` is the sentence in the person's language."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


def _request_from_form(order, post) -> receipts.ReceiptRequest:
    scans = [
        s for s in (line.strip("\r") for line in post.get("scans", "").split("\n")) if s.strip()
    ]
    if len(scans) > MAX_SCANS:
        raise FormRefused(_("Höchstens %(n)s Scans auf einmal.") % {"n": MAX_SCANS})
    lines = []
    for line in order.lines.filter(removed=False):
        raw = post.get(f"qty-{line.position}", "").strip().replace(",", ".")
        if not raw:
            continue
        try:
            quantity = Decimal(raw)
        except InvalidOperation:
            quantity = None
        if quantity is None or not quantity.is_finite() or not 0 <= quantity <= 100_000:
            raise FormRefused(
                _("Pos. %(position)s: „%(value)s“ ist keine Menge.")
                % {"position": line.position, "value": raw}
            )
        lines.append(receipts.LineInput(position=line.position, quantity=quantity))
    return receipts.ReceiptRequest(
        lines=lines,
        scans=[receipts.ScanInput(text=s) for s in scans],
        shipment=post.get("shipment") or None,
        note=post.get("note", "").strip()[:2000],
        complete=post.get("complete") == "1",
    )


@company_view
@require_POST
def order_receipt(request, order_id):
    """Book the goods receipt typed or scanned on the order page."""
    order = _order(request, order_id)
    target = reverse("order_detail", kwargs={"order_id": order.pk}) + "#wareneingang"
    try:
        receipt, created = receipts.book(
            order,
            _request_from_form(order, request.POST),
            actor=actor(request),
            client_id=request.POST.get("client_id", "")[:200],
        )
    except (FormRefused, Problem) as exc:
        request.session[DRAFT_KEY] = {
            "order": str(order.pk),
            "scans": request.POST.get("scans", "")[:100_000],
            "note": request.POST.get("note", "")[:2000],
        }
        if isinstance(exc, FormRefused):
            reason = exc.text
        else:
            reason = input_messages.problem_sentence(exc)
        messages.error(request, _("Wareneingang nicht gebucht: %(reason)s") % {"reason": reason})
        return redirect(target)
    differences = receipt.differences.count()
    if not created:
        messages.info(request, _("Dieser Wareneingang war schon gebucht."))
    elif differences:
        messages.warning(
            request,
            ngettext(
                "Wareneingang %(number)s gebucht, mit %(n)s Abweichung.",
                "Wareneingang %(number)s gebucht, mit %(n)s Abweichungen.",
                differences,
            )
            % {"number": receipt.number, "n": differences},
        )
    else:
        messages.success(
            request,
            _("Wareneingang %(number)s gebucht, ohne Abweichung.") % {"number": receipt.number},
        )
    return redirect(target)
