"""Order units: free text as found in catalogs → UN/ECE Recommendation 20 codes.

Catalogs write ``Stück``, ``Stk``, ``Packung`` or ``Paar`` where openTRANS (``dtPUNIT``) and
EDIFACT (``QTY`` element 6411, at most 3 characters) need a Rec 20 code. :func:`unit_code` maps
the names in :data:`UNIT_NAMES` (the table is repeated in ``docs/catalog-formats.md``) and
accepts every code of the official list; the list is read from the ``dtPUNIT`` enumeration of the
BMEcat 2005 XSD shipped in ``standards/`` so it is the one the openTRANS schema checks.

``ST`` and ``PCE`` are read as piece (``C62``): German ERP systems (SAP's unit ``ST``) and old
EDIFACT code lists write them for "Stück", although Rec 20 has ``ST`` for "sheet".
"""

from __future__ import annotations

import functools
import re
import unicodedata

from lxml import etree

from .documents import standards_path

#: Free-text unit names (compared case-folded, umlauts spelled out, without dots and spaces).
UNIT_NAMES: dict[str, tuple[str, ...]] = {
    "C62": (
        "Stück",
        "Stueck",
        "Stk",
        "Stck",
        "St",
        "Stk.",
        "Stck.",
        "Stckzahl",
        "Stuck",
        "Einheit",
        "Einzelstück",
        "piece",
        "pieces",
        "pcs",
        "pc",
        "pce",
        "unit",
        "units",
        "each",
        "ea",
        "Anzahl",
    ),
    "PR": ("Paar", "Pr", "Paa", "pair", "pairs"),
    "PK": ("Packung", "Pack", "Pckg", "Pkg", "Pck", "Pak", "Packg", "Päckchen", "package", "packs"),
    "CT": ("Karton", "Ktn", "Kart", "Kar", "carton", "cartons"),
    "SET": ("Set", "Satz", "Sets", "Sätze", "kit set"),
    "KT": ("Kit", "Bausatz"),
    "BG": ("Beutel", "Btl", "Tüte", "bag", "bags"),
    "RO": ("Rolle", "Rollen", "Rl", "roll", "rolls"),
    "BO": ("Flasche", "Flaschen", "Fl", "Fla", "bottle", "bottles"),
    "BX": ("Box", "Schachtel", "Schachteln", "Dose", "boxes"),
    "TU": ("Tube", "Tuben", "tube", "tubes"),
    "CA": ("Kanister", "can", "Büchse"),
    "DZN": ("Dutzend", "Dtz", "dozen"),
    "LTR": ("Liter", "Litre", "Ltr", "l", "lt"),
    "MLT": ("ml", "Milliliter", "millilitre", "milliliter"),
    "MTR": ("m", "Meter", "Metre", "lfm", "lfdm", "Laufmeter"),
    "CMT": ("cm", "Zentimeter", "centimetre"),
    "MMT": ("mm", "Millimeter", "millimetre"),
    "KGM": ("kg", "Kilogramm", "kilogram"),
    "GRM": ("g", "gr", "Gramm", "gram"),
    "HUR": ("Stunde", "Stunden", "Std", "h", "hour", "hours"),
}


def _key(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").casefold()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    return re.sub(r"[^a-z0-9]", "", text)


_BY_NAME = {_key(name): code for code, names in UNIT_NAMES.items() for name in names}


@functools.lru_cache(maxsize=1)
def rec20_codes() -> frozenset[str]:
    """Every unit code the openTRANS/BMEcat 2005 schema accepts (``dtPUNIT``)."""
    path = standards_path("bmecat-2005", "bmecat_2005.xsd")
    xs = "{http://www.w3.org/2001/XMLSchema}"
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    for simple in tree.iter(f"{xs}simpleType"):
        if simple.get("name") == "dtPUNIT":
            values = (e.get("value") for e in simple.iter(f"{xs}enumeration"))
            return frozenset(v for v in values if v is not None)
    raise RuntimeError(f"dtPUNIT not found in {path}")  # pragma: no cover


@functools.lru_cache(maxsize=1024)
def unit_code(text: str | None) -> str | None:
    """The Rec 20 code for a unit as a catalog writes it, or None when it is unknown.

    Empty means piece (``C62``). Names of :data:`UNIT_NAMES` win over codes (``ST``, ``M``,
    ``L`` are names here); anything else must be a Rec 20 code, in any letter case.
    """
    text = " ".join((text or "").split())
    if not text:
        return "C62"
    named = _BY_NAME.get(_key(text))
    if named:
        return named
    upper = text.upper()
    if upper in rec20_codes():
        return upper
    return None


def is_code(text: str | None) -> bool:
    """True when ``text`` is a Rec 20 code exactly as a document must carry it."""
    return bool(text) and text in rec20_codes()


__all__ = ["UNIT_NAMES", "is_code", "rec20_codes", "unit_code"]
