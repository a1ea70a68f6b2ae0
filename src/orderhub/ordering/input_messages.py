"""What the portal tells a person about a refused input (a 422 ``InvalidInput``) of a goods receipt
or an order change: codes and parameters, said in the reader's language (issue 15).

The services raise :class:`~orderhub.core.problems.InvalidInput` with an English ``message`` (for
the API and the logs) and a ``code`` with ``params``; this module holds the German sentences of
those codes (msgids; English in the catalogue) and says them with ``gettext`` when the page is
made: :func:`problem_sentence` for a whole problem, :func:`field_sentence` for one field's error.

* ``gs1.<code>``: a scan that is no GS1 element string; ``<code>`` is a key of
  :data:`orderhub.formats.gs1.MESSAGES` (whose English is the format layer's own). Parameters:
  the GS1Error's, ``scan_index`` (0-based), ``ai`` and ``character`` (the position in the scan as
  typed). The sentence names the scan's number and the character: "Scan 2, Zeichen 5: …".
* ``receipt.*``: the goods receipt's own checks (``ordering.receipts.book``).
* ``change.*``: the order change's checks (``ordering.changes``); ``position`` names a line of
  the order, ``added`` the 1-based number of an added line.

A problem without a code (or with one no table knows) is said as :data:`GENERIC` — never as its
English technical text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

from orderhub.catalog import issues as cart_issues
from orderhub.core.problems import FieldError, Problem
from orderhub.ordering import refusals
from orderhub.ordering.models import OrderStatus
from orderhub.ordering.receipts import KeyReused, NotReceivable

GENERIC = N("Die Eingabe wurde nicht angenommen.")
GENERIC_FIELD = N("Die Eingabe wurde nicht angenommen (Feld %(field)s).")

#: GS1Error code (``formats.gs1.MESSAGES``) -> German sentence. ``field`` is the element the
#: error is in, as :data:`FIELD` (or :data:`FIELD_UNNAMED`) says it.
GS1: dict[str, str] = {
    "not_text": N("Ein Scan ist Text."),
    "ai_expected": N("Hier muss ein Datenbezeichner (AI, Ziffern) stehen, gefunden: „%(found)s“."),
    "ai_unknown": N("Kein Datenbezeichner (AI) beginnt mit „%(found)s“."),
    "ai_cut_short": N(
        "Der Datenbezeichner (AI) „%(found)s“ ist unvollständig (er hat %(digits)s Ziffern)."
    ),
    "length_fixed": N(
        "Das Feld %(field)s muss genau %(length)s Zeichen haben, der Scan hat %(found)s "
        "(„%(value)s“)."
    ),
    "too_long": N(
        "Das Feld %(field)s hat %(found)s Zeichen, erlaubt sind höchstens %(length)s – fehlt "
        "danach das Trennzeichen GS?"
    ),
    "no_data": N("Das Feld %(field)s enthält keine Daten."),
    "not_digits": N("Das Feld %(field)s darf nur Ziffern enthalten, gefunden: „%(value)s“."),
    "character_not_allowed": N(
        "Das Zeichen „%(character)s“ ist in GS1-Daten nicht erlaubt (GS1-Zeichensatz 82)."
    ),
    "too_short": N(
        "Das Feld %(field)s braucht %(length)s Zeichen, der Scan hat %(found)s („%(value)s“)."
    ),
    "hri_start": N(
        "Die Klarschrift muss mit einem Datenbezeichner in Klammern beginnen, z. B. „(01)“."
    ),
    "not_an_ai": N("„(%(ai)s)“ ist kein gültiger Datenbezeichner (AI)."),
    "hri_length": N(
        "Das Feld %(field)s braucht %(length)s Zeichen, in der Klarschrift stehen %(found)s "
        "(„%(value)s“)."
    ),
    "symbology_plain": N(
        "Der Kennzeichner %(identifier)s steht für %(symbology)s ohne GS1-Daten (kein FNC1 an "
        "erster Stelle); erwartet: ]d2, ]C1 oder ]Q3. Bitte den Scanner auf GS1 einstellen."
    ),
    "symbology_unknown": N("Unbekannter Symbologie-Kennzeichner „%(identifier)s“."),
    "scan_empty": N("Der Scan enthält keine Daten."),
    "ai_twice": N(
        "Das Feld %(field)s kommt zweimal mit verschiedenen Daten vor („%(earlier)s“ bei "
        "Zeichen %(earlier_position)s, dann „%(value)s“)."
    ),
    # ``what``: GTIN or SSCC
    "check_digit": N(
        "Die Prüfziffer der %(what)s %(value)s stimmt nicht (richtig wäre %(expected)s)."
    ),
    "date_format": N("Das Datum „%(value)s“ im Feld %(field)s hat nicht die Form JJMMTT."),
    "date_month": N(
        "Das Datum „%(value)s“ im Feld %(field)s ist kein gültiges Datum: einen Monat "
        "%(month)s gibt es nicht."
    ),
    "date_day": N(
        "Das Datum „%(value)s“ im Feld %(field)s ist kein gültiges Datum: den "
        "%(day)s.%(month)s.%(year)s gibt es nicht."
    ),
    "not_a_symbology": N("„%(identifier)s“ ist kein GS1-Symbologie-Kennzeichner."),
}

#: The elements OrderHub reads by meaning (``formats.gs1.AIS``), by name.
AI_NAMES: dict[str, str] = {
    "00": N("SSCC"),
    "01": N("GTIN"),
    "02": N("enthaltene GTIN"),
    "10": N("Charge"),
    "11": N("Herstellungsdatum"),
    "12": N("Fälligkeitsdatum"),
    "13": N("Verpackungsdatum"),
    "15": N("Mindesthaltbarkeitsdatum"),
    "16": N("Verkaufsdatum"),
    "17": N("Verfallsdatum"),
    "20": N("Produktvariante"),
    "21": N("Seriennummer"),
    "22": N("Verbraucherproduktvariante"),
    "240": N("zusätzliche Produktkennung"),
    "241": N("Kundenteilenummer"),
    "30": N("variable Menge"),
    "37": N("Anzahl"),
}
FIELD = N("„%(name)s“ (AI %(ai)s)")
FIELD_UNNAMED = N("AI %(ai)s")

SCAN_AT = N("Scan %(number)s, Zeichen %(character)s: %(sentence)s")
SCAN = N("Scan %(number)s: %(sentence)s")

#: The goods receipt's and the order change's codes -> German sentence.
SENTENCES: dict[str, str] = {
    "receipt.empty": N("Bitte mindestens eine Position mit Menge oder einen Scan angeben."),
    "receipt.no_line": N("Die Bestellung hat keine Pos. %(position)s."),
    # ``scan_index``: which scan named the position
    "receipt.scan_no_line": N("Scan %(number)s: Die Bestellung hat keine Pos. %(position)s."),
    "receipt.no_shipment": N("Die Bestellung hat keine Versandmeldung „%(shipment)s“."),
    "receipt.no_employee": N("Es gibt keinen Mitarbeiter mit der Kennung „%(employee)s“."),
    # with ``position`` or ``added``: said after LINE or ADDED
    "change.quantity_range": N("Die Menge muss größer als 0 und höchstens %(most)s sein."),
    "change.quantity_decimals": N("Die Menge darf höchstens 3 Nachkommastellen haben."),
    "change.no_line": N("Die Bestellung hat keine Pos. %(position)s."),
    "change.line_twice": N("Pos. %(position)s ist zweimal genannt."),
    "change.removed_and_changed": N(
        "Pos. %(position)s: Eine entfernte Position bekommt keine neue Menge und keinen neuen "
        "Liefertermin."
    ),
    "change.nothing_changes": N("Pos. %(position)s: Es ändert sich nichts."),
    "change.all_removed": refusals.FORM["form.all_removed"],
    "change.empty": N("Bitte mindestens eine Position ändern, entfernen oder hinzufügen."),
    # ``issue``: the cart issue (``catalog.issues``) of the added article
    "change.added_not_identified": N("Neue Position %(added)s: %(issue)s"),
}
#: Codes whose sentence is said after the line it is about.
_ABOUT_A_LINE = {"change.quantity_range", "change.quantity_decimals"}
LINE = N("Pos. %(position)s: %(sentence)s")
ADDED = N("Neue Position %(added)s: %(sentence)s")

NOT_RECEIVABLE = N(
    "Für eine Bestellung im Status „%(status)s“ kann noch keine Ware eingegangen sein; ein "
    "Wareneingang braucht eine gesendete Bestellung."
)
KEY_REUSED = N(
    "Dieses Formular hat schon einen anderen Wareneingang gebucht. Bitte die Seite neu laden und "
    "erneut buchen."
)


def _say(template: str, values: Mapping[str, Any]) -> str | None:
    try:
        return _(template) % values
    except (KeyError, TypeError, ValueError):
        return None


def _number(params: Mapping[str, Any]) -> Any:
    index = params.get("scan_index")
    return index + 1 if isinstance(index, int) else "?"


def _gs1(code: str, params: Mapping[str, Any]) -> str | None:
    template = GS1.get(code)
    if template is None:
        return None
    values = {k: ("" if v is None else v) for k, v in params.items()}
    ai = params.get("ai") or ""
    name = AI_NAMES.get(ai)
    values["field"] = (
        _(FIELD) % {"name": _(name), "ai": ai} if name else _(FIELD_UNNAMED) % {"ai": ai}
    )
    sentence = _say(template, values)
    if sentence is None:
        return None
    where = {"number": _number(params), "character": params.get("character"), "sentence": sentence}
    return _(SCAN_AT) % where if where["character"] else _(SCAN) % where


def _sentence(code: str, params: Mapping[str, Any]) -> str | None:
    template = SENTENCES.get(code)
    if template is None:
        return None
    values = dict(params)
    values["number"] = _number(params)
    if code == "change.added_not_identified":
        issue = params.get("issue")
        values["issue"] = cart_issues.message(issue) if isinstance(issue, Mapping) else ""
    sentence = _say(template, values)
    if sentence is None or code not in _ABOUT_A_LINE:
        return sentence
    if "position" in params:
        return _(LINE) % {"position": params["position"], "sentence": sentence}
    if "added" in params:
        return _(ADDED) % {"added": params["added"], "sentence": sentence}
    return sentence


def sentence(code: str, params: Mapping[str, Any] | None = None) -> str | None:
    """The sentence of ``code`` in the active language, or None for a code no table knows."""
    params = params if isinstance(params, Mapping) else {}
    if code.startswith("gs1."):
        return _gs1(code[4:], params)
    return _sentence(code, params)


def field_sentence(error: FieldError) -> str:
    """One field's error in the active language; the generic sentence (naming the field) for an
    error without a known code."""
    if error.code:
        told = sentence(error.code, error.params)
        if told is not None:
            return told
    if error.field:
        return _(GENERIC_FIELD) % {"field": error.field}
    return _(GENERIC)


def problem_sentence(problem: Problem) -> str:
    """What a person reads about ``problem``: its first field's error, or what the problem's
    class says (an order that cannot have goods yet, a form booked twice); the generic
    sentence otherwise."""
    if problem.errors:
        return field_sentence(problem.errors[0])
    if isinstance(problem, NotReceivable):
        value = problem.order_status
        status = OrderStatus(value).label if value in OrderStatus.values else value
        return _(NOT_RECEIVABLE) % {"status": status}
    if isinstance(problem, KeyReused):
        return _(KEY_REUSED)
    return _(GENERIC)
