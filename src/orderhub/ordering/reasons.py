"""Why an order's timeline entry happened: reason codes and their sentences (issue 15).

An :class:`~orderhub.ordering.models.OrderEvent` stores ``reason_code`` (a key of :data:`REASONS`)
and ``reason_params`` (the values its sentence names: a position, an article number, a partner's
own words), never the sentence. The sentence is made when someone reads it, in their language
(:func:`sentence`; German msgids, English in the catalogue). Free text from outside (a partner's
rejection note, a delivery error) is only ever a parameter. A parameter the sentence does not name
(a channel code, a partner's reply, a file path) is kept for the administrators' technical detail.

Events written before the codes keep their text in ``OrderEvent.reason`` where migration
``0007_event_reason_codes`` recognised none of the patterns of the time.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

from orderhub.formats import options as opts
from orderhub.ordering.models import OrderStatus

#: code -> German template with named ``%(params)s``; the English is in the catalogue.
REASONS: dict[str, str] = {
    # intake (services.submit_order): the first event of every order
    "intake.complete": N("vollständig: wird weitergeleitet"),
    "intake.complete_mapped": N(
        "vollständig: wird weitergeleitet; Position %(positions)s über gespeicherte Zuordnung"
    ),
    "intake.cart": N("unvollständig: Warenkorb geöffnet"),
    "intake.cart_mapped": N(
        "unvollständig: Warenkorb geöffnet; Position %(positions)s über gespeicherte Zuordnung"
    ),
    # the cart (services)
    "cart.expired": N("Warenkorb nach 6 Stunden abgelaufen"),
    "cart.article_chosen": N("Position %(position)s: Artikel %(article)s gewählt"),
    "cart.option_chosen": N("Position %(position)s: %(option)s „%(option_value)s“ gewählt"),
    "cart.quantity": N("Position %(position)s: Menge %(quantity)s"),
    "cart.line_removed": N("Position %(position)s entfernt"),
    "cart.line_restored": N("Position %(position)s wiederhergestellt"),
    "cart.customer_number_entered": N("Kundennummer eingegeben"),
    "cart.customer_number_entered_saved": N(
        "Kundennummer eingegeben und in den Stammdaten gespeichert"
    ),
    "cart.customer_number_replaced": N("Kundennummer %(old)s durch %(new)s ersetzt"),
    "cart.customer_number_replaced_saved": N(
        "Kundennummer %(old)s durch %(new)s ersetzt und in den Stammdaten gespeichert"
    ),
    "cart.ordered": N("im Warenkorb bestellt"),
    # cancelling before sending (services.cancel)
    "order.cancelled": N("storniert"),
    "order.cancelled_api": N("über die API storniert"),
    "order.cancelled_cart": N("im Warenkorb storniert"),
    # delivery (delivery/outbox.py); channel and detail are technical
    "delivery.sending": N("Übermittlung an den Partner begonnen"),
    "delivery.sent": N("An den Partner übermittelt"),
    "delivery.given_up": N("Zustellung aufgegeben"),
    "delivery.given_up_expired": N("Zustellung aufgegeben (Frist abgelaufen)"),
    "delivery.retried": N("Zustellung erneut angestoßen"),
    # the partner's answers (answers.py) and the goods receipt (receipts.py)
    "answer.confirmation": N("Auftragsbestätigung"),
    "answer.dispatch": N("Versandmeldung"),
    "answer.remainder_closed": N("Rest geschlossen"),
    "receipt.booked": N("Wareneingang gebucht"),
    "receipt.booked_differences": N("Wareneingang mit Abweichungen gebucht"),
    "receipt.acknowledged": N("Wareneingang %(number)s dem Partner bestätigt"),
    "receipt.acknowledgement_undeliverable": N(
        "Bestätigung des Wareneingangs %(number)s nicht zustellbar"
    ),
    # changes and cancellations after sending (changes.py); ``note`` is the partner's or the
    # practice's own words
    "change.requested": N("Änderung %(n)s angefragt: %(parts)s"),
    "change.sent": N("Änderung %(n)s an den Partner gesendet"),
    "change.undeliverable": N("Änderung %(n)s nicht zustellbar"),
    "change.refused": N("Änderung %(n)s vom Partner abgelehnt – die Bestellung bleibt wie sie war"),
    "change.refused_note": N(
        "Änderung %(n)s vom Partner abgelehnt: %(note)s – die Bestellung bleibt wie sie war"
    ),
    "change.accepted": N("Änderung %(n)s vom Partner angenommen"),
    "change.accepted_note": N("Änderung %(n)s vom Partner angenommen: %(note)s"),
    "cancellation.requested": N("Stornierung %(n)s angefragt"),
    "cancellation.requested_note": N("Stornierung %(n)s angefragt: %(note)s"),
    "cancellation.sent": N("Stornierung %(n)s an den Partner gesendet"),
    "cancellation.undeliverable": N("Stornierung %(n)s nicht zustellbar"),
    "cancellation.refused": N(
        "Stornierung %(n)s vom Partner abgelehnt – die Bestellung bleibt wie sie war"
    ),
    "cancellation.refused_note": N(
        "Stornierung %(n)s vom Partner abgelehnt: %(note)s – die Bestellung bleibt wie sie war"
    ),
    "cancellation.accepted": N("Stornierung %(n)s vom Partner angenommen"),
    "cancellation.accepted_note": N("Stornierung %(n)s vom Partner angenommen: %(note)s"),
    "cancellation.accepted_late": N(
        "Stornierung %(n)s vom Partner angenommen; die Bestellung hat schon den Status „%(status)s“"
    ),
    "cancellation.accepted_late_note": N(
        "Stornierung %(n)s vom Partner angenommen: %(note)s; die Bestellung hat schon den Status "
        "„%(status)s“"
    ),
}

_NAMED = re.compile(r"%\((\w+)\)s")


class UnknownReason(ValueError):
    """A code :data:`REASONS` does not have, or a parameter its sentence needs is missing."""


def named(code: str) -> set[str]:
    """The parameters the sentence of ``code`` names."""
    return set(_NAMED.findall(REASONS[code]))


def check(code: str, params: dict | None) -> dict:
    """``params`` for a new event with ``code``, refused when the code or a named value is missing."""
    if not code:
        return dict(params or {})
    if code not in REASONS:
        raise UnknownReason(f"no reason code {code!r} (ordering/reasons.py)")
    params = dict(params or {})
    missing = named(code) - set(params)
    if missing:
        raise UnknownReason(f"reason {code!r} needs {', '.join(sorted(missing))}")
    return params


# --- parameters that are themselves codes or structures --------------------------------------------


def _language() -> str:
    return translation.get_language() or "de"


def _option(value, params: dict) -> str:
    """An option's name ("Farbe" / "Colour") from its key (``color``)."""
    return opts.label(str(value), _language())


def _option_value(value, params: dict) -> str:
    """An option value as a person reads it ("rechts", "beige · P01")."""
    if not isinstance(value, dict):
        return str(value)
    return opts.value_label(
        str(params.get("option", "")), opts.OptionValue.from_dict(value), _language()
    )


def _status(value, params: dict) -> str:
    return str(OrderStatus(value).label) if value in OrderStatus.values else str(value)


def _date(value) -> str:
    try:
        return f"{date.fromisoformat(str(value)):%d.%m.%Y}"
    except ValueError:
        return str(value)


def _change_parts(parts, params: dict) -> str:
    """ "Pos. 1 Menge 3, Liefertermin 30.01.2027; Pos. 2 entfernen" from ``change_parts``."""
    if isinstance(parts, str):
        return parts
    told = []
    for part in parts or []:
        position = part.get("position")
        if part.get("removed"):
            told.append(_("Pos. %(position)s entfernen") % {"position": position})
        elif part.get("new"):
            added = f"{part.get('quantity')} × {part.get('article')}"
            told.append(
                _("Pos. %(position)s neu: %(added)s") % {"position": position, "added": added}
            )
        else:
            what = []
            if part.get("quantity") is not None:
                what.append(_("Menge %(value)s") % {"value": part["quantity"]})
            if part.get("delivery_date"):
                what.append(_("Liefertermin %(value)s") % {"value": _date(part["delivery_date"])})
            told.append(
                _("Pos. %(position)s %(what)s") % {"position": position, "what": ", ".join(what)}
            )
    return "; ".join(told)


def change_parts(lines: list[dict], added: list[dict]) -> list[dict]:
    """What an order change asks for, as the parameter ``parts`` of ``change.requested``."""
    parts: list[dict] = []
    for line in lines:
        if line.get("removed"):
            parts.append({"position": line["position"], "removed": True})
        else:
            part = {"position": line["position"]}
            if line.get("quantity") is not None:
                part["quantity"] = str(line["quantity"])
            if line.get("delivery_date"):
                part["delivery_date"] = str(line["delivery_date"])
            parts.append(part)
    for line in added:
        parts.append(
            {
                "position": line["position"],
                "new": True,
                "quantity": str(line["quantity"]),
                "article": line.get("partner_article_number") or line.get("description") or "",
            }
        )
    return parts


_FORMAT = {
    "status": _status,
    "parts": _change_parts,
    "option": _option,
    "option_value": _option_value,
}


# --- the sentence -----------------------------------------------------------------------------------


def sentence(code: str, params: dict | None = None, legacy: str = "") -> str:
    """The reason in the current language; an event from before the codes: its stored text
    (translated when it is a msgid of older code)."""
    template = REASONS.get(code) if code else None
    if template is None:
        return _(legacy) if legacy else ""
    params = params if isinstance(params, dict) else {}
    values = {
        name: _FORMAT[name](params.get(name, ""), params)
        if name in _FORMAT
        else str(params.get(name, ""))
        for name in named(code)
    }
    try:
        return _(template) % values
    except (KeyError, TypeError, ValueError):  # a catalogue entry that names other parameters
        return template % values


def event_reason(event) -> str:
    """An event's reason in the current language."""
    return sentence(event.reason_code, event.reason_params, event.reason)


def in_language(event, language: str) -> str:
    with translation.override(language):
        return event_reason(event)


def api_fields(event) -> dict:
    """An event's reason in the API and the company webhook: ``reason`` German (as before the
    codes), ``reason_en``, and the code with its parameters for software (SPEC §4)."""
    return {
        "reason": in_language(event, "de"),
        "reason_en": in_language(event, "en"),
        "reason_code": event.reason_code or None,
        "reason_params": event.reason_params or {},
    }
