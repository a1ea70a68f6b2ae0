"""Catalog data model: the three dataclasses every catalog reader produces, and the rules for
attributes, prices and statuses that the BMEcat and CSV readers share.

The entry point for reading a partner catalog is
:func:`orderhub.formats.catalog_reader.read_catalog`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.formats.catalog_messages import issue_text

__all__ = [
    "ATTRIBUTE_KEYS",
    "CatalogArticle",
    "CatalogHeader",
    "ImportIssue",
    "attribute_key",
    "normalize_attribute_value",
    "parse_price",
    "parse_status",
]


@dataclass
class CatalogHeader:
    transaction: str  # "T_NEW_CATALOG" | "T_UPDATE_PRODUCTS" | "T_UPDATE_PRICES" | "CSV"
    catalog_id: str = ""
    catalog_version: str = ""
    language: str = "deu"
    currency: str = "EUR"
    supplier_name: str = ""
    format_version: str = ""  # "2005", "1.2", "1.01", "csv"


@dataclass
class CatalogArticle:
    partner_article_number: str  # SUPPLIER_PID / SUPPLIER_AID, as given (stripped only)
    short_description: str = ""
    long_description: str = ""
    gtin: str | None = None  # normalised 14 digits, or None
    hmv_number: str | None = None  # normalised 10 digits, or None
    manufacturer_article_number: str | None = None
    manufacturer_name: str | None = None
    order_unit: str = "C62"
    price: Decimal | None = None  # price of ONE order unit (see price_amount / price_quantity)
    price_amount: Decimal | None = None  # the amount as written, for price_quantity units
    price_quantity: Decimal = Decimal(1)  # BMEcat PRICE_QUANTITY / CSV "Preiseinheit"
    price_type: str = ""  # BMEcat price type chosen (see PRICE_TYPE_RANK)
    currency: str = "EUR"
    attributes: dict[str, str] = field(default_factory=dict)
    status: str = "active"  # "active" | "discontinued"
    mode: str = "new"  # "new" | "update" | "delete"; price-only updates: "update", only price
    line: int | None = None  # source line of the product element / CSV row


@dataclass
class ImportIssue:
    """A product or row skipped or corrected: ``code`` of
    :data:`~orderhub.formats.catalog_messages.ISSUES` with JSON-safe ``params``."""

    line: int | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    partner_article_number: str | None = None

    @property
    def message(self) -> str:
        """The issue in English (logs, exceptions, tests); people read it in their language."""
        return issue_text(self.code, self.params)


# --------------------------------------------------------------------------------------------
# Hearing-acoustics attributes, shared by BMEcat FEATUREs and CSV columns.

#: The attribute keys a :class:`CatalogArticle` may carry.
ATTRIBUTE_KEYS = (
    "model",
    "style",
    "side",
    "colour",
    "receiver_power",
    "receiver_length",
    "receiver_family",
    "dome_type",
    "dome_size",
    "battery_size",
    "category",
)

# Names are compared after :func:`_name_key` (case-folded, umlauts spelled out, only letters and
# digits), so "Hörer-Stärke", "Hoererstaerke" and "hörerstärke" are the same name.
_ATTRIBUTE_ALIASES = {
    "model": ["Modell", "Model", "Modellname", "Model name", "Serie", "Series", "Produktlinie"],
    "style": ["Bauform", "Style", "Bauart", "Form factor", "Geräteform", "Gehäuseform"],
    "side": ["Seite", "Side", "Ohrseite", "Ear side", "Ohr", "Ear"],
    "colour": ["Farbe", "Colour", "Color", "Gehäusefarbe", "Housing colour", "Housing color"],
    "receiver_power": [
        "Hörerstärke",
        "Hörerleistung",
        "Hörertyp",
        "Receiver power",
        "Receiver strength",
        "Receiver type",
        "Receiver",
    ],
    "receiver_length": [
        "Hörerlänge",
        "Hörerkabellänge",
        "Kabellänge",
        "Receiver length",
        "Wire length",
        "Cable length",
    ],
    "receiver_family": [
        "Hörerfamilie",
        "Hörersystem",
        "Hörerplattform",
        "Receiver family",
        "Receiver platform",
        "Receiver system",
    ],
    "dome_type": [
        "Dometyp",
        "Domeart",
        "Schirmchentyp",
        "Schirmchenart",
        "Dome type",
    ],
    "dome_size": [
        "Domegröße",
        "Dome-Größe",
        "Schirmchengröße",
        "Schirmchen",
        "Dome size",
        "Dome",
    ],
    "battery_size": [
        "Batteriegröße",
        "Batterie",
        "Batterietyp",
        "Battery size",
        "Battery",
        "Battery type",
        "Energieversorgung",
        "Power source",
    ],
    "category": [
        "Kategorie",
        "Category",
        "Warengruppe",
        "Produktgruppe",
        "Artikelgruppe",
        "Product group",
    ],
}


@functools.lru_cache(maxsize=4096)
def _name_key(name: str) -> str:
    """Comparable form of a column or feature name: ``"Domegröße"`` → ``"domegroesse"``."""
    text = unicodedata.normalize("NFC", name or "").casefold()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    return re.sub(r"[^a-z0-9]", "", text)


_ATTRIBUTE_BY_NAME = {
    _name_key(alias): key
    for key, aliases in _ATTRIBUTE_ALIASES.items()
    for alias in (*aliases, key)
}


def attribute_key(name: str) -> str | None:
    """The attribute key for a FEATURE name or CSV column (German or English), else None."""
    return _ATTRIBUTE_BY_NAME.get(_name_key(name))


_SIDES = {
    "l": "L",
    "li": "L",
    "links": "L",
    "left": "L",
    "r": "R",
    "re": "R",
    "rechts": "R",
    "right": "R",
    "b": "B",
    "bds": "B",
    "beidseitig": "B",
    "beide": "B",
    "both": "B",
    "binaural": "B",
    "lr": "B",
    "rl": "B",
}
_STYLES = {
    "ric": "RIC",
    "rite": "RIC",
    "exhoerer": "RIC",
    "receiverincanal": "RIC",
    "bte": "BTE",
    "hdo": "BTE",
    "hinterdemohr": "BTE",
    "behindtheear": "BTE",
    "ite": "ITE",
    "ido": "ITE",
    "indemohr": "ITE",
    "intheear": "ITE",
    "itc": "ITC",
    "cic": "CIC",
    "iic": "IIC",
}
_RECEIVER_POWERS = {
    "s": "S",
    "standard": "S",
    "m": "M",
    "medium": "M",
    "p": "P",
    "power": "P",
    "hp": "HP",
    "highpower": "HP",
    "up": "UP",
    "ultrapower": "UP",
    "sp": "HP",
    "superpower": "HP",
}
_BATTERY_SIZES = {
    "10": "10",
    "pr70": "10",
    "312": "312",
    "pr41": "312",
    "13": "13",
    "pr48": "13",
    "675": "675",
    "pr44": "675",
    "akku": "rechargeable",
    "rechargeable": "rechargeable",
    "wiederaufladbar": "rechargeable",
    "liion": "rechargeable",
    "lithiumionen": "rechargeable",
    "lithiumion": "rechargeable",
}
_DOME_TYPES = {
    "open": "open",
    "offen": "open",
    "closed": "closed",
    "geschlossen": "closed",
    "power": "power",
    "powerdoppelt": "power",
    "doppelt": "power",
    "double": "power",
    "tulip": "tulip",
    "tulpe": "tulip",
    "vented": "vented",
    "belueftet": "vented",
}
_DOME_SIZES = {
    "xs": "XS",
    "s": "S",
    "m": "M",
    "l": "L",
    "xl": "XL",
    "klein": "S",
    "small": "S",
    "mittel": "M",
    "medium": "M",
    "gross": "L",
    "large": "L",
}


def normalize_attribute_value(key: str, value: str) -> str:
    """Bring an attribute value to the canonical spelling used for matching.

    Known vocabularies are mapped (``links`` → ``L``, ``HdO`` → ``BTE``, ``PR41`` → ``312``,
    ``Akku`` → ``rechargeable``); unknown values are kept as given (stripped), colours are
    lower-cased. Matching is fuzzy on the Django side, so keeping an unknown value beats
    dropping it.
    """
    value = " ".join((value or "").split())
    if not value:
        return ""
    token = _name_key(value)
    if key == "side":
        return _SIDES.get(token, value)
    if key == "style":
        return _STYLES.get(token, value.upper() if token.isalpha() and len(token) <= 4 else value)
    if key == "receiver_power":
        return _RECEIVER_POWERS.get(token, value)
    if key == "receiver_length":
        digits = re.sub(r"^(?:laenge|length|l)", "", token)
        return digits if digits.isdigit() else value
    if key == "battery_size":
        token = re.sub(r"^(?:typ|type|groesse|size)", "", token)
        return _BATTERY_SIZES.get(token, value)
    if key == "dome_size":
        return _DOME_SIZES.get(token, value)
    if key == "dome_type":
        return _DOME_TYPES.get(token, value)
    if key == "colour":
        return value.lower()  # not casefold(): "weiß" must stay "weiß"
    return value


# --------------------------------------------------------------------------------------------
# Prices and status, shared by both readers.

#: Which price a catalog article gets when the catalog offers several (lower rank wins): the
#: buyer's own net price, then the net list price, other net prices, the recommended retail price
#: (nrp, "UVP"), gross prices; any other type last. Within a type the lowest quantity tier
#: (LOWER_BOUND) wins, then file order. Documented in docs/catalog-formats.md.
PRICE_TYPE_RANK = {"net_customer": 0, "net_list": 1, "nrp": 3, "gros_customer": 4, "gros_list": 5}
#: Rank of any other ``net_*`` type, and of any other type at all.
OTHER_NET_RANK, OTHER_RANK = 2, 6
#: Decimal places kept for the price of one order unit.
UNIT_PRICE_PLACES = Decimal("0.000001")


#: German (and other) price type names found in catalogs and CSV headers, read as the BMEcat
#: type they stand for (compared case-folded, umlauts spelled out, only letters and digits).
PRICE_TYPE_NAMES = {
    "net_customer": (
        "EK",
        "EK netto",
        "EK ohne MwSt",
        "EK_ohne_MWST",
        "EK exkl. MwSt",
        "Einkaufspreis",
        "Einkaufspreis netto",
        "Netto-EK",
        "Nettoeinkaufspreis",
        "Kundenpreis",
        "Kundennettopreis",
        "Ihr Preis",
    ),
    "net_list": (
        "Listenpreis",
        "Listenpreis netto",
        "Netto-Listenpreis",
        "Nettolistenpreis",
        "Nettopreis",
        "LP netto",
        "Preis netto",
    ),
    "nrp": (
        "UVP",
        "unverbindliche Preisempfehlung",
        "empf. VK",
        "empfohlener VK",
        "Verkaufspreis",
        "VK",
        "RRP",
        "MSRP",
    ),
    "gros_list": (
        "Bruttolistenpreis",
        "Listenpreis brutto",
        "Bruttopreis",
        "VK brutto",
        "EK brutto",
    ),
}
_PRICE_TYPE_BY_NAME = {
    _name_key(name): canonical for canonical, names in PRICE_TYPE_NAMES.items() for name in names
}


def canonical_price_type(price_type: str) -> str:
    """``EK_ohne_MWST`` → ``net_customer``; BMEcat types and unknown names stay (lower-cased)."""
    text = (price_type or "").strip()
    return _PRICE_TYPE_BY_NAME.get(_name_key(text), text.lower())


def price_type_rank(price_type: str) -> int:
    """Rank of a BMEcat ``price_type`` by :data:`PRICE_TYPE_RANK` (lower is preferred)."""
    price_type = canonical_price_type(price_type)
    if price_type in PRICE_TYPE_RANK:
        return PRICE_TYPE_RANK[price_type]
    return OTHER_NET_RANK if price_type.startswith("net") else OTHER_RANK


def unit_price(amount: Decimal, quantity: Decimal | None, factor: Decimal | None = None) -> Decimal:
    """The price of one order unit: ``amount × factor ÷ quantity``, to 6 decimal places."""
    value = amount
    if factor is not None and factor != 1:
        value = value * factor
    if quantity is not None and quantity not in (0, 1):
        value = value / quantity
    if value != value.quantize(UNIT_PRICE_PLACES):
        value = value.quantize(UNIT_PRICE_PLACES)
    return value


_CURRENCY_NOISE = re.compile(r"(?i)(€|eur|\s|\u00a0|\u202f)")
_PRICE_FORMS = [
    # (pattern, thousands separator, decimal separator)
    (re.compile(r"\d{1,15}(?:\.\d{1,10})?"), "", "."),  # 1234.56, 1.234 (a decimal point)
    (re.compile(r"\d{1,15},\d{1,10}"), "", ","),  # 1234,56, 1,234 (a decimal comma)
    (re.compile(r"\d{1,3}(?:\.\d{3}){1,4}(?:,\d{1,10})?"), ".", ","),  # 1.234,56 1.234.567
    (re.compile(r"\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,10})?"), ",", "."),  # 1,234.56 1,234,567
]


def parse_price(raw: str) -> Decimal:
    """Parse a net price written the German or the English way.

    Accepted: ``1234.56``, ``1234,56``, ``1.234,56``, ``1,234.56``, ``1.234.567``,
    ``1 234,56 €``, ``EUR 12,50``. A single separator is always the decimal separator, so
    ``1.234`` and ``1,234`` both mean 1.234 — write ``1.234,00`` for a thousand and more.
    Thousands groups must have three digits. Raises ``ValueError`` for anything else,
    including negative amounts.
    """
    text = _CURRENCY_NOISE.sub("", raw or "").removeprefix("+")
    if not text:
        raise ValueError("empty price")
    for pattern, thousands, decimal in _PRICE_FORMS:
        if pattern.fullmatch(text):
            if thousands:
                text = text.replace(thousands, "")
            try:
                return Decimal(text.replace(decimal, "."))
            except InvalidOperation:  # pragma: no cover - the patterns only admit numbers
                break
    raise ValueError(f"not a price: {raw!r}")


_DISCONTINUED_WORDS = (
    "discontinued",
    "ausgelaufen",
    "auslauf",
    "eingestellt",
    "nichtmehrlieferbar",
    "nichtlieferbar",
    "inaktiv",
    "inactive",
    "deleted",
    "geloescht",
    "obsolete",
    "eol",
    "endoflife",
)
_ACTIVE_WORDS = ("active", "aktiv", "lieferbar", "available", "verfuegbar", "ja", "yes", "1", "")


def parse_status(*texts: str | None) -> str | None:
    """``"discontinued"`` if any text says so, ``"active"`` if the first says active, else None.

    Used for BMEcat ``PRODUCT_STATUS`` (type attribute and text) and the CSV status column.
    """
    tokens = [_name_key(t or "") for t in texts]
    for token in tokens:
        if token in ("0", "nein", "no") or any(word in token for word in _DISCONTINUED_WORDS):
            return "discontinued"
    if tokens and tokens[0] in _ACTIVE_WORDS:
        return "active"
    return None
