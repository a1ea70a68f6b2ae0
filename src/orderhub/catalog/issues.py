"""What a cart line's issue says, as codes and parameters, and its sentence in the reader's
language (issue 15: "store codes and parameters, not German text").

Identification (``catalog.identification``), the catalog search (``catalog.search``) and the
variant checks (``catalog.variants``) describe what they found as data:

- an **issue** ``{"code", "params", "notes", "candidates", "alternatives"}`` — ``code`` one of
  :data:`ISSUES`, ``params`` the values its sentence names, ``notes`` the line's invalid
  identifiers (``{"kind", "value", "reason"}``), ``alternatives`` the option values a person may
  pick (``{"option", "value"}``);
- a **reason** (why a candidate is offered) as a list of parts ``{"code": …, **params}``, one of
  :data:`REASONS` each, joined with "; ".

That is what ``OrderLine.issue`` stores. The words are made when someone reads them:
:func:`message` and :func:`reason` in the active language (the page's), :func:`for_api` in
German and English for the API (``message``/``message_en``, ``reason``/``reason_en``, as SPEC §4
has them). German is the source language; English is in the catalogue. Option names and values
(side, colour, receiver …) come from the option vocabulary's own labels (``formats.options``).

An issue stored before the codes (no ``params`` key) keeps showing its stored text: carts live six
hours, so no migration rewrites them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N
from django.utils.translation import pgettext_lazy

from orderhub.formats import identifiers
from orderhub.formats import options as opts

#: issue code -> German sentence with named ``%(params)s``.
ISSUES: dict[str, str] = {
    "customer_number_missing": N(
        "Für diese Partnerfirma ist keine Kundennummer hinterlegt; bitte im Warenkorb eingeben."
    ),
    "article_not_found": N("Artikel nicht im Katalog gefunden."),
    # ``kind``: the identifier that names several articles; ``count``: how many
    "article_ambiguous": N("%(kind)s passt auf %(count)s Artikel; bitte den richtigen wählen."),
    # ``kind`` names one article, ``others`` (kinds) another
    "identifiers_conflict": N("%(kind)s und %(others)s zeigen auf verschiedene Artikel."),
    "article_discontinued": N("Artikel %(number)s ist ausgelaufen; bitte eine Alternative wählen."),
    # catalog.variants: ``wrong`` lists the options the article contradicts, ``matching`` the
    # variants that fit
    "options_conflict": N(
        "Artikel %(number)s passt nicht zu den Optionen (%(wrong)s); passende Variante: "
        "%(matching)s. Bitte die richtige wählen."
    ),
    # a variant the catalog does not offer: ``subject`` names the model (may be empty), or
    # ``accessory`` and ``family`` a receiver family's receivers or domes; ``misses`` what is not
    # on offer with what is
    "option_not_offered": N("%(subject)s%(misses)s. Bitte eine Variante wählen."),
    "option_not_offered.accessory": N(
        "%(accessory)s der Hörerfamilie %(family)s: %(misses)s. Bitte eine Option wählen."
    ),
}

#: reason part code -> German words (a candidate's reason, or how a line was identified).
REASONS: dict[str, str] = {
    "same_number": N("Artikelnummer stimmt überein"),
    "same_description": N("Bezeichnung stimmt überein"),
    "number_fits": N("Artikelnummer passt zu %(percent)s %%"),
    "description_fits": N("Bezeichnung passt zu %(percent)s %%"),
    "typo": N("mit Tippfehler"),
    "trade_term": N("über Fachbegriff"),
    "attributes_match": N("passt: %(names)s"),
    "attributes_differ": N("weicht ab: %(names)s"),
    "same_identifier": N("gleiche %(kind)s"),
    "by_identifier": N("über %(kind)s"),
    "unique": N("eindeutig über %(kind)s"),
    "by_mapping": N("über gespeicherte Zuordnung"),
    "variant_by_options": N("Variante über die Optionen"),
    "fits_options": N("passt zu den Optionen"),
    "variant_on_offer": N("lieferbare Variante"),
}

#: identifier kind -> its name in a sentence.
KINDS = {
    "partner_article_number": pgettext_lazy("identifier kind", "Artikelnummer"),
    "gtin": pgettext_lazy("identifier kind", "GTIN"),
    "hmv_number": pgettext_lazy("identifier kind", "HMV-Nummer"),
    "manufacturer_article_number": pgettext_lazy("identifier kind", "Herstellerartikelnummer"),
}

#: the text ``formats.identifiers`` gave as reason before its reasons were codes -> code (cart
#: lines stored then still read)
INVALID_CODES = {
    "wrong check digit (Prüfziffer falsch)": identifiers.WRONG_CHECK_DIGIT,
    "wrong length (falsche Länge)": identifiers.WRONG_LENGTH,
    "not numeric (enthält Zeichen außer Ziffern)": identifiers.NOT_NUMERIC,
    "empty (leer)": identifiers.EMPTY,
    "placeholder of zeros (Platzhalter aus Nullen)": identifiers.PLACEHOLDER,
}
INVALID = {
    identifiers.WRONG_CHECK_DIGIT: N("Prüfziffer falsch"),
    identifiers.WRONG_LENGTH: N("falsche Länge"),
    identifiers.NOT_NUMERIC: N("enthält Zeichen außer Ziffern"),
    identifiers.EMPTY: N("leer"),
    identifiers.PLACEHOLDER: N("Platzhalter aus Nullen"),
}
NOTE = N("%(kind)s „%(value)s“ ungültig (%(reason)s).")

#: a search attribute (``catalog.search.rank``) -> its name in a reason.
ATTRIBUTES = {
    "side": pgettext_lazy("article attribute", "Seite"),
    "colour": pgettext_lazy("article attribute", "Farbe"),
    "size": pgettext_lazy("article attribute", "Größe"),
    "power": pgettext_lazy("article attribute", "Leistung"),
    "length": pgettext_lazy("article attribute", "Länge"),
    "pack_size": pgettext_lazy("article attribute", "Packungsgröße"),
    "battery": pgettext_lazy("article attribute", "Batteriegröße"),
    "model": pgettext_lazy("article attribute", "Modell"),
    "style": pgettext_lazy("article attribute", "Bauform"),
}

#: a receiver family's accessory kind (``catalog.variants``) -> its name.
ACCESSORIES = {
    "receiver_power": pgettext_lazy("receiver family", "Hörer"),
    "dome_size": pgettext_lazy("receiver family", "Schirmchen"),
}

WRONG_OPTION = N("%(option)s „%(wanted)s“ statt „%(was)s“")
MISSING_OPTION = N("%(option)s „%(wanted)s“ gibt es nicht; lieferbar: %(offered)s")
NONE_OFFERED = N("keine")


def note(kind: str, value: str, reason: str) -> dict[str, str]:
    """An invalid identifier of a line, as the issue stores it."""
    return {"kind": kind, "value": value, "reason": reason}


# --------------------------------------------------------------------------- reading


def _lang() -> str:
    return (translation.get_language() or "de")[:2]


def _kind(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def _option_value(key: str, raw: Mapping[str, Any]) -> str:
    return opts.value_label(key, opts.OptionValue.from_dict(raw), _lang())


def _option_name(key: str) -> str:
    return opts.label(key, _lang())


def _wrong(items: Iterable[Mapping[str, Any]]) -> str:
    return ", ".join(
        _(WRONG_OPTION)
        % {
            "option": _option_name(i["option"]),
            "wanted": _option_value(i["option"], i["wanted"]),
            "was": _option_value(i["option"], i["was"]),
        }
        for i in items
    )


def _misses(items: Iterable[Mapping[str, Any]]) -> str:
    return "; ".join(
        _(MISSING_OPTION)
        % {
            "option": _option_name(i["option"]),
            "wanted": _option_value(i["option"], i["wanted"]),
            "offered": ", ".join(_option_value(i["option"], v) for v in i["offered"])
            or _(NONE_OFFERED),
        }
        for i in items
    )


def sentence(code: str, params: Mapping[str, Any]) -> str:
    """The issue ``code`` with ``params`` in the active language."""
    p: dict[str, Any] = dict(params)
    if "kind" in p:
        p["kind"] = _kind(p["kind"])
    if "others" in p:
        p["others"] = ", ".join(_kind(k) for k in p["others"])
    if "wrong" in p:
        p["wrong"] = _wrong(p["wrong"])
    if "misses" in p:
        p["misses"] = _misses(p["misses"])
    if "accessory" in p:
        code = "option_not_offered.accessory"
        p["accessory"] = str(ACCESSORIES.get(p["accessory"], p["accessory"]))
    elif "subject" in p:
        p["subject"] = f"{p['subject']}: " if p["subject"] else ""
    template = ISSUES.get(code)
    if template is None:
        return code
    try:
        return _(template) % p
    except (KeyError, TypeError, ValueError):
        return code


def _note(n: Mapping[str, str]) -> str:
    code = n.get("reason", "")
    reason = INVALID.get(INVALID_CODES.get(code, code))
    return _(NOTE) % {
        "kind": _kind(n.get("kind", "")),
        "value": n.get("value", ""),
        "reason": _(reason) if reason else n.get("reason", ""),
    }


def message(issue: Mapping[str, Any]) -> str:
    """What the issue says, in the active language."""
    if "params" not in issue:  # stored before the codes
        english = _lang() == "en"
        return str((issue.get("message_en") if english else None) or issue.get("message", ""))
    parts = [sentence(issue["code"], issue["params"])]
    parts.extend(_note(n) for n in issue.get("notes") or ())
    return " ".join(parts)


def _part(part: Mapping[str, Any]) -> str:
    p = {k: v for k, v in part.items() if k != "code"}
    if "kind" in p:
        p["kind"] = (
            ", ".join(_kind(k) for k in p["kind"])
            if isinstance(p["kind"], list)
            else _kind(p["kind"])
        )
    if "names" in p:
        p["names"] = ", ".join(str(ATTRIBUTES.get(k, k)) for k in p["names"])
    template = REASONS.get(str(part.get("code")))
    if template is None:
        return str(part.get("code", ""))
    return _(template) % p if p else _(template)


def reason(why: Iterable[Mapping[str, Any]] | None, stored: Mapping[str, Any] | None = None) -> str:
    """Why a candidate is offered, in the active language (``stored``: a candidate stored before
    the codes, with its German and English text)."""
    if why is None and stored is not None:
        english = _lang() == "en"
        return str((stored.get("reason_en") if english else None) or stored.get("reason", ""))
    return "; ".join(_part(p) for p in why or ())


def alternative_words(alt: Mapping[str, Any]) -> tuple[str, str]:
    """An option value to pick as a person reads it: the option's name and the value
    (``Hörer``, ``Medium (M)``), in the active language."""
    if "option" in alt and "value" in alt and "label" not in alt:
        return _option_name(alt["option"]), _option_value(alt["option"], alt["value"])
    english = _lang() == "en"  # stored before the codes, with its words
    name = (alt.get("name_en") if english else None) or alt.get("name", "")
    label = (alt.get("label_en") if english else None) or alt.get("label", "")
    return str(name), str(label)


def alternative(alt: Mapping[str, Any]) -> str:
    """``Hörer: Medium (M)``."""
    name, value = alternative_words(alt)
    return f"{name}: {value}"


def in_language(language: str, render, *args):
    with translation.override(language):
        return render(*args)


def candidate_for_api(candidate: Mapping[str, Any]) -> dict[str, Any]:
    """A stored candidate with its reason in German and English (``reason``, ``reason_en``)."""
    out = {k: v for k, v in candidate.items() if k != "why"}
    why = candidate.get("why")
    out["reason"] = in_language("de", reason, why, candidate)
    out["reason_en"] = in_language("en", reason, why, candidate)
    if why is not None:
        out["why"] = list(why)
    return out


def for_api(issue: Mapping[str, Any]) -> dict[str, Any]:
    """A stored issue (with its ``position``) as the API answers it: code and parameters for
    software, ``message`` (German) and ``message_en`` for people, candidates with reasons."""
    out = dict(issue)
    out["message"] = in_language("de", message, issue)
    out["message_en"] = in_language("en", message, issue)
    out.setdefault("params", {})
    out["candidates"] = [candidate_for_api(c) for c in issue.get("candidates") or ()]
    if issue.get("alternatives"):
        alternatives = []
        for a in issue["alternatives"]:
            name, label = in_language("de", alternative_words, a)
            name_en, label_en = in_language("en", alternative_words, a)
            alternatives.append(
                {
                    "option": a.get("option"),
                    "value": a.get("value"),
                    "name": name,
                    "label": label,
                    "name_en": name_en,
                    "label_en": label_en,
                }
            )
        out["alternatives"] = alternatives
    return out
