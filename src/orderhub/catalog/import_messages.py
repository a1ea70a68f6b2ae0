"""A catalog import's issues and its error in the reader's language (issue 15: "store codes and
parameters, not German text").

The readers report codes with parameters (``formats.catalog_messages``, whose English is the
format layer's own). ``CatalogImport.issues`` stores ``{"line", "code", "params", "article"}``,
``CatalogImport.error_code``/``error_params`` the file's error; the sentences are made here when
someone reads them — German source, English in the catalogue: :func:`issue_message` and
:func:`error_message` in the active language (the CLI's, ``orderhub.cli.cli_language``),
:func:`issue_for_api` with ``message`` (German) and ``message_en`` as cart issues have them.

Issues stored before the codes (a ``message`` and no ``code``) keep showing their text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

from orderhub.catalog.issues import INVALID, INVALID_CODES, in_language

#: import issue code (``formats.catalog_messages.ISSUES``) -> German sentence.
ISSUES: dict[str, str] = {
    "no_article_number": N("%(element)s ohne Lieferanten-Artikelnummer (%(field)s) übersprungen."),
    "csv_no_article_number": N("Zeile ohne Artikelnummer übersprungen."),
    "mode_missing": N(
        "Produkt ohne mode-Attribut in T_UPDATE_PRODUCTS; als Aktualisierung gelesen."
    ),
    "mode_unknown": N(
        "Unbekannter Produktmodus „%(mode)s“ (erwartet: new, update oder delete); übersprungen."
    ),
    "csv_action_unknown": N(
        "Unbekannte Aktion „%(action)s“ (erwartet: new, update oder delete); Zeile übersprungen."
    ),
    "price_update_without_price": N("Preisaktualisierung ohne verwendbaren Preis; übersprungen."),
    "gtin_invalid": N(
        "GTIN „%(value)s“: %(reason)s; die GTIN wurde verworfen, der Artikel übernommen."
    ),
    "hmv_invalid": N(
        "HMV-Nummer „%(value)s“: %(reason)s; die HMV-Nummer wurde verworfen, der Artikel "
        "übernommen."
    ),
    "price_without_amount": N("Preis (%(price_type)s) ohne PRICE_AMOUNT ignoriert."),
    "price_without_amount.untyped": N("Preis ohne price_type und ohne PRICE_AMOUNT ignoriert."),
    "price_not_a_number": N("Preis „%(value)s“ ist keine Zahl; dieser Preis wurde ignoriert."),
    "price_not_a_number.no_price": N(
        "Preis „%(value)s“ ist keine Zahl; der Artikel wurde ohne Preis übernommen."
    ),
    "csv_price_not_a_number": N(
        "Preis „%(value)s“ (%(price_type)s) ist keine Zahl; dieser Preis wurde ignoriert."
    ),
    "csv_price_quantity_not_a_number": N("Preiseinheit „%(value)s“ ist keine Zahl; 1 angenommen."),
    "no_net_price": N(
        "Kein Nettopreis: Preisart %(price_type)s verwendet (docs/catalog-formats.md, Preisregel)."
    ),
    "unit_unknown": N(
        "Bestelleinheit „%(unit)s“ ist weder ein UN/ECE-Rec-20-Code noch ein bekannter "
        "Einheitenname (docs/catalog-formats.md); der Artikel kann erst elektronisch bestellt "
        "werden, wenn der Katalog seine Einheit nennt."
    ),
    "csv_status_unknown": N("Unbekannter Status „%(status)s“; als lieferbar gelesen."),
    "csv_columns_ignored": N("Unbekannte Spalten ignoriert: %(columns)s."),
    "csv_row_too_wide": N(
        "Die Zeile hat %(fields)s Felder, die Kopfzeile %(width)s (Trennzeichen ohne "
        "Anführungszeichen in einem Text?); Zeile übersprungen."
    ),
    "strict_needs_2005": N(
        "Die strenge Schemaprüfung gibt es nur für BMEcat 2005; diese BMEcat-%(version)s-Datei "
        "wurde ohne sie gelesen."
    ),
    "duplicate_article": N(
        "Artikelnummer „%(number)s“ kommt in diesem Katalog mehrfach vor (zuerst in Zeile "
        "%(first_line)s); der letzte Eintrag gilt."
    ),
    "duplicate_article.no_line": N(
        "Artikelnummer „%(number)s“ kommt in diesem Katalog mehrfach vor; der letzte Eintrag gilt."
    ),
}

#: file error code (``formats.catalog_messages.ERRORS``) -> German sentence.
ERRORS: dict[str, str] = {
    "xml_encoding": N("Falsche Zeichenkodierung oder ungültige Zeichen im XML: %(detail)s"),
    "xml_not_xml": N("Die Datei ist kein XML-Dokument: %(detail)s"),
    "xml_entity": N(
        "Das XML verwendet eine nicht erlaubte Entität (erlaubt sind nur &lt; &gt; &amp; "
        "&quot; &apos; und numerische Zeichenreferenzen): %(detail)s"
    ),
    "xml_malformed": N("Das XML ist fehlerhaft oder abgeschnitten: %(detail)s"),
    "entity_refused": N(
        "Das XML-Dokument verwendet die Entität &%(entity)s; – Entitäten werden nicht "
        "aufgelöst (nur deklarieren ist erlaubt)."
    ),
    "entity_in_attribute_refused": N(
        "Das XML-Dokument verwendet die Entität &%(entity)s; in einem Attribut – Entitäten "
        "werden nicht aufgelöst (nur deklarieren ist erlaubt)."
    ),
    "parameter_entity_refused": N(
        "Das XML-Dokument verwendet die Parameter-Entität %%%(entity)s; in seinem DOCTYPE – "
        "Entitäten und externe Entitäten werden nicht aufgelöst (nur deklarieren ist erlaubt)."
    ),
    "not_bmecat": N("Die Datei ist kein BMEcat-Dokument (Wurzelelement <%(root)s>)."),
    "not_bmecat.no_root": N("Die Datei ist kein BMEcat-Dokument (kein Wurzelelement)."),
    "no_transaction": N(
        "Das BMEcat-Dokument enthält weder T_NEW_CATALOG noch T_UPDATE_PRODUCTS noch "
        "T_UPDATE_PRICES."
    ),
    "schema_invalid": N("Die BMEcat-2005-Schemaprüfung ist fehlgeschlagen: %(errors)s%(more)s"),
    "schema_missing": N(
        "Das BMEcat-2005-Schema fehlt unter %(path)s; bitte ORDERHUB_STANDARDS_DIR setzen."
    ),
    "csv_line_too_long": N("Eine Zeile ist länger als %(limit)s Bytes; ist das ein CSV-Katalog?"),
    "csv_utf16": N(
        "Falsche Zeichenkodierung: CSV-Dateien in UTF-16 werden nicht unterstützt; bitte als "
        "UTF-8 oder Windows-1252 speichern (Excel: „CSV UTF-8“)."
    ),
    "csv_encoding": N(
        "Falsche Zeichenkodierung: Byte 0x%(byte)s an Position %(position)s ist weder UTF-8 "
        "noch Windows-1252."
    ),
    "csv_empty": N("Leere CSV-Datei: keine Kopfzeile."),
    "csv_header_unreadable": N("Die Kopfzeile der CSV-Datei ist nicht lesbar: %(detail)s"),
    "csv_no_article_column": N(
        "Die Pflichtspalte Artikelnummer fehlt (Artikelnummer, article_number oder "
        "SUPPLIER_PID); gefundene Spalten: %(columns)s"
    ),
    "csv_unreadable": N("Die CSV-Datei ist nicht lesbar: %(detail)s"),
    "csv_strict": N("Strenger CSV-Import: %(issue)s"),
    "too_large": N("Die Datei ist zu groß: mehr als %(limit)s Bytes (Obergrenze)."),
    "cannot_open": N("Die Katalogdatei lässt sich nicht öffnen: %(detail)s"),
    "empty_file": N("Leere Datei: keine Katalogdaten."),
    "no_header": N("Der Katalog hat keinen Kopf."),
    "not_stored": N("Der Katalog konnte nicht gespeichert werden: %(detail)s"),
}

SCHEMA_ERROR = N("Zeile %(line)s: %(message)s")
SCHEMA_MORE = N("; und %(count)s weitere")


def _values(params: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(params)
    if "reason" in values:
        code = INVALID_CODES.get(values["reason"], values["reason"])
        values["reason"] = _(INVALID[code]) if code in INVALID else values["reason"]
    if "errors" in values:
        values["errors"] = "; ".join(
            _(SCHEMA_ERROR) % {"line": line, "message": text} for line, text in values["errors"]
        )
        more = values.get("more") or 0
        values["more"] = _(SCHEMA_MORE) % {"count": more} if more else ""
    if "issue" in values:
        values["issue"] = sentence(ISSUES, values["issue"], values.get("issue_params") or {})
    return values


def sentence(templates: Mapping[str, str], code: str, params: Mapping[str, Any]) -> str:
    """``code`` of ``templates`` with ``params`` in the active language (the code if unknown)."""
    template = templates.get(code)
    if template is None:
        return code
    try:
        return _(template) % _values(params)
    except (KeyError, TypeError, ValueError):
        return _(template)


def issue_message(issue: Mapping[str, Any]) -> str:
    """A stored import issue in the active language."""
    if "code" not in issue:  # stored before the codes
        return str(issue.get("message", ""))
    return sentence(ISSUES, issue["code"], issue.get("params") or {})


def error_message(code: str, params: Mapping[str, Any], stored: str = "") -> str:
    """An import's error in the active language, after the line it is on (``stored``: the
    text of an error without code)."""
    if not code:
        return stored
    text = sentence(ERRORS, code, params)
    if params.get("line"):
        return _("Zeile %(line)s: %(error)s") % {"line": params["line"], "error": text}
    return text


def issue_for_api(issue: Mapping[str, Any]) -> dict[str, Any]:
    """A stored issue with its sentence in German (``message``) and English (``message_en``)."""
    return {
        "line": issue.get("line"),
        "article": issue.get("article"),
        "code": issue.get("code", ""),
        "params": issue.get("params") or {},
        "message": in_language("de", issue_message, issue),
        "message_en": in_language("en", issue_message, issue),
    }
