"""The order page's "Änderung und Stornierung" (issue 16): the forms post here; the section itself
is ``ordering/_order_change.html`` (``{% order_change_panel %}``).

A person asks the partner for a new quantity and/or delivery date per line, to remove lines, or
to cancel the whole order (after a confirmation, ``data-confirm``). What the form allows follows
:func:`orderhub.ordering.changes.refusal`; the service's refusals (409 with a code and its
parameters) and what the form itself refuses are kept as codes (:mod:`orderhub.ordering.refusals`)
and shown at the form, in the page's language, with what was typed.
Read-only logins are refused by ``company_view`` (403); another company's order is a 404.

A change to one side of a binaural pair (issue 17) is not sent at once: the form comes back
asking whether it is for both sides ("Für beide Seiten anfragen": the same change for the other
side too) or for this side only, with what was typed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderhub.accounts.decorators import actor, company_view
from orderhub.core.problems import InvalidInput, Problem
from orderhub.ordering import changes, input_messages, services
from orderhub.ordering.models import OrderChange
from orderhub.ordering.templatetags.order_changes import DRAFT_KEY
from orderhub.web.orders import _order


class FormRefused(Exception):
    """What a person typed cannot be asked for: a code of
    :data:`~orderhub.ordering.refusals.FORM` with its parameters, or ``text`` (a sentence another
    module made in the person's language)."""

    def __init__(self, code: str = "", text: str = "", **params):
        super().__init__(code or text)
        self.code, self.params, self.text = code, params, text

    def sentences(self) -> list[dict]:
        return [{"code": self.code, "params": self.params}] if self.code else []


def _decimal(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _request_from_form(order, post) -> changes.ChangeRequest:
    lines = list(order.lines.filter(removed=False).select_related("article").order_by("position"))
    asked: list[changes.LineChangeInput] = []
    today = timezone.localdate()
    for line in lines:
        remove = post.get(f"remove-{line.position}") == "1"
        raw_qty = post.get(f"qty-{line.position}", "").strip()
        raw_date = post.get(f"date-{line.position}", "").strip()
        if remove:
            if raw_qty or raw_date:
                raise FormRefused("form.remove_or_change", position=line.position)
            asked.append(changes.LineChangeInput(position=line.position, remove=True))
            continue
        quantity = None
        if raw_qty:
            try:
                quantity = services.check_quantity(line, _decimal(raw_qty))
            except services.CartInputError as exc:
                raise FormRefused(text=exc.detail) from None
            if quantity == line.quantity:
                quantity = None  # the same quantity again changes nothing
        delivery_date = None
        if raw_date:
            try:
                delivery_date = date.fromisoformat(raw_date)
            except ValueError:
                raise FormRefused(
                    "form.not_a_date", position=line.position, value=raw_date[:40]
                ) from None
            if delivery_date < today:
                raise FormRefused(
                    "form.date_past", position=line.position, date=delivery_date.isoformat()
                )
            if delivery_date == line.delivery_date:
                delivery_date = None
        if quantity is not None or delivery_date is not None:
            asked.append(
                changes.LineChangeInput(
                    position=line.position, quantity=quantity, delivery_date=delivery_date
                )
            )
    if not asked:
        raise FormRefused("form.nothing_changed")
    if len([a for a in asked if a.remove]) == len(lines):
        raise FormRefused("form.all_removed")
    return changes.ChangeRequest(lines=asked, note=post.get("note", "").strip()[:500])


def _pair_question(gaps: dict[int, list[int]]) -> list[dict]:
    """The question a change to one side of a binaural pair asks first, one sentence a pair."""
    return [
        {"code": "form.pair_question", "params": {"position": position, "mates": mates}}
        for position, mates in gaps.items()
    ]


def _keep_draft(
    request, order, *, code: str, sentences: list[dict] | None = None, text: str = ""
) -> None:
    """What the panel shows at the form after the redirect: the refusal and what was typed.
    ``code`` is the kind the page names (``data-code``); the sentences are codes and parameters
    (:mod:`orderhub.ordering.refusals`), said in the language of the page that shows them;
    ``text`` is a sentence another module made."""
    post = request.POST
    request.session[DRAFT_KEY] = {
        "order": str(order.pk),
        "action": post.get("action", "change"),
        "code": code,
        "sentences": sentences or [],
        "text": text,
        # A number field takes no comma: "1,5" is shown again as "1.5".
        "values": {
            k: post.get(k, "")[:40].replace(",", ".")
            if k.startswith("qty-")
            else post.get(k, "")[:40]
            for k in post
            if k.startswith(("qty-", "date-", "remove-")) and len(k) < 20
        },
        "note": post.get("note", "")[:500],
    }


@company_view
@require_POST
def order_change(request, order_id):
    """Ask the partner to change the order (lines) or to cancel it (``action=cancel``)."""
    order = _order(request, order_id)
    target = reverse("order_detail", kwargs={"order_id": order.pk}) + "#aenderung"
    cancel = request.POST.get("action") == "cancel"
    client_id = request.POST.get("client_id", "")[:200]
    try:
        if cancel:
            change = changes.request_cancel(
                order,
                actor=actor(request),
                note=request.POST.get("note", "").strip()[:500],
                client_id=client_id,
            )
        else:
            asked = _request_from_form(order, request.POST)
            both = request.POST.get("pair")
            gaps = changes.pair_gaps(order, asked)
            if gaps and both not in ("both", "one"):  # issue 17: ask about the other side
                _keep_draft(request, order, code="pair", sentences=_pair_question(gaps))
                return redirect(target)
            if gaps and both == "both":
                asked = changes.with_pair(order, asked)
            change = changes.request_change(order, asked, actor=actor(request), client_id=client_id)
    except FormRefused as exc:
        _keep_draft(request, order, code="form", sentences=exc.sentences(), text=exc.text)
        return redirect(target)
    except changes.ChangeRefused as exc:
        sentence = {"code": exc.code, "params": exc.params}
        _keep_draft(request, order, code=exc.code, sentences=[sentence])
        return redirect(target)
    except InvalidInput as exc:  # the service's own checks (e.g. the partner's format rules)
        # said from its code in the page's language, never the API's English (issue 15)
        _keep_draft(request, order, code="invalid", text=input_messages.problem_sentence(exc))
        return redirect(target)
    except Problem:  # e.g. the form's id sent again with other values (back button)
        _keep_draft(request, order, code="conflict", sentences=[{"code": "form.stale"}])
        return redirect(target)
    if change.replayed:
        messages.info(request, _("Das war schon angefragt."))
    elif change.kind == OrderChange.Kind.CANCEL:
        messages.success(
            request,
            _(
                "Stornierung %(number)s angefragt. Die Bestellung gilt erst als storniert, wenn "
                "der Partner zustimmt."
            )
            % {"number": change.number},
        )
    else:
        messages.success(
            request,
            _("Änderung %(number)s angefragt. Sie gilt, sobald der Partner sie annimmt.")
            % {"number": change.number},
        )
    return redirect(target)
