"""Why an order change is not asked for, and what the change form tells a person: codes and
parameters, rendered in the reader's language (issue 15).

:class:`~orderhub.ordering.changes.ChangeRefused` carries a code of :data:`REFUSALS` and its
parameters (a status, a change's sequence, a line's position), never a sentence. The API's 409
keeps ``message`` (German) and ``message_en``, both made from the code by :func:`render`, and adds
``params``; the dashboard keeps code and parameters in the session and renders them when the page
is shown, in the page's language. :data:`FORM` are the sentences the dashboard's change form says
itself (a date in the past, the question about the other side of a binaural pair), :data:`HINTS`
what the API says about a change to one side of a pair (``pair_hints``).

German templates with named ``%(params)s`` are the msgids; the English is in the catalogue.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

from orderhub.ordering.models import OrderStatus

#: The service's refusals (409 ``code``) -> German template.
REFUSALS: dict[str, str] = {
    "cart": N("Die Bestellung ist noch ein Warenkorb: bitte im Warenkorb ändern."),
    "not_sent": N(
        "Die Bestellung ist noch nicht beim Partner: sie wird mit »Stornieren« storniert "
        "(POST /api/v1/orders/{id}/cancel) und bei Bedarf neu bestellt."
    ),
    "sending": N("Die Bestellung wird gerade gesendet; bitte gleich noch einmal versuchen."),
    "shipped": N(
        "Die Bestellung ist bereits versandt; sie kann nicht mehr geändert oder storniert werden."
    ),
    "partly_shipped": N(
        "Teile der Bestellung sind bereits versandt; stornieren ist nicht mehr möglich. Ändern "
        "Sie die offenen Positionen oder schließen Sie den Rest."
    ),
    # ``status``: the order's status code, read as its label
    "closed": N("Die Bestellung ist %(status)s; sie kann nicht mehr geändert werden."),
    "change_open": N(
        "Änderung %(sequence)s wartet noch auf die Antwort des Partners; bitte erst danach eine "
        "weitere Änderung anfragen."
    ),
    "line_shipped": N(
        "Pos. %(position)s ist bereits (teilweise) versandt und kann nicht mehr geändert werden."
    ),
}

#: What the dashboard's change form says itself -> German template.
FORM: dict[str, str] = {
    "form.remove_or_change": N(
        "Pos. %(position)s: bitte entweder entfernen oder eine neue Menge bzw. einen neuen "
        "Liefertermin angeben."
    ),
    "form.not_a_date": N("Pos. %(position)s: „%(value)s“ ist kein Datum."),
    # ``date``: ISO date, read as 31.12.2027
    "form.date_past": N("Pos. %(position)s: der Liefertermin %(date)s liegt in der Vergangenheit."),
    "form.nothing_changed": N(
        "Es ist nichts geändert: bitte bei mindestens einer Position eine neue Menge, einen neuen "
        "Liefertermin oder „entfernen“ angeben."
    ),
    "form.all_removed": N(
        "Alle Positionen zu entfernen heißt, die Bestellung zu stornieren: bitte „Bestellung "
        "stornieren“ verwenden."
    ),
    "form.stale": N(
        "Das Formular war nicht mehr aktuell. Bitte die Angaben prüfen und erneut senden."
    ),
    # ``mates``: the positions of the pair's other side (a list)
    "form.pair_question": N(
        "Pos. %(position)s gehört zu einem binauralen Paar mit Pos. %(mates)s. Soll die Änderung "
        "für beide Seiten gelten?"
    ),
}

#: What the API says about a change it accepted -> German template.
HINTS: dict[str, str] = {
    "pair_one_side": N(
        "Pos. %(position)s gehört zu einem binauralen Paar mit Pos. %(mates)s; die Änderung "
        "betrifft nur Pos. %(position)s."
    ),
}

SENTENCES: dict[str, str] = {**REFUSALS, **FORM, **HINTS}

_NAMED = re.compile(r"%\((\w+)\)s")


def named(code: str) -> set[str]:
    """The parameters the sentence of ``code`` names."""
    return set(_NAMED.findall(SENTENCES[code]))


def _status(value) -> str:
    return str(OrderStatus(value).label) if value in OrderStatus.values else str(value)


def _mates(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(m) for m in value)
    return str(value)


def _date(value) -> str:
    try:
        return f"{date.fromisoformat(str(value)):%d.%m.%Y}"
    except ValueError:
        return str(value)


_FORMAT = {"status": _status, "mates": _mates, "date": _date}


def _render(code: str, params: dict) -> str:
    template = SENTENCES[code]
    values = {
        name: _FORMAT.get(name, str)(params.get(name, "")) if name in params else ""
        for name in named(code)
    }
    try:
        return _(template) % values
    except (KeyError, TypeError, ValueError):  # a catalogue entry naming other parameters
        return template % values


def render(
    code: str, params: dict | None = None, language: str | None = None, text: str = ""
) -> str:
    """The sentence of ``code`` in the active language, or in ``language`` ("de", "en"); ``text``
    for a code no table knows (what was stored before the codes, a sentence of another module)."""
    if code not in SENTENCES:
        return text
    params = params if isinstance(params, dict) else {}
    if language is None:
        return _render(code, params)
    with translation.override(language):
        return _render(code, params)


def both(code: str, params: dict | None = None) -> dict:
    """``message`` (German) and ``message_en``, as the API has always returned them."""
    return {"message": render(code, params, "de"), "message_en": render(code, params, "en")}


def sentences(items: list[dict] | None, text: str = "") -> str:
    """Stored ``[{"code", "params"}]`` as one text in the active language (sentences joined by a
    space), or ``text`` when nothing is stored."""
    told = [render(i.get("code", ""), i.get("params"), text="") for i in items or []]
    return " ".join(t for t in told if t) or text
