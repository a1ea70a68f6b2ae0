"""Hearing configurations (issue 17): typed options of an order line and the order types.

An order line may carry **options** from one vocabulary (:data:`VOCABULARY`): side, device style,
colour, receiver power and length, dome type and size, battery, earmold material, form, vent and
tubing. Each option is normalised to a value of the vocabulary (``"rechts"`` → ``R``, ``"HdO"`` →
``BTE``); the manufacturer's own code (and, for colours, its own name) is kept beside it, because
that is what the partner's system knows: ``{"value": "M", "code": "85"}``,
``{"code": "P01", "name": "beige"}``. :func:`normalise` turns what a client sent into
:class:`OptionValue` objects and reports every problem by key.

The mapping into each channel lives here too, so the writers stay small and agree:

* openTRANS ``PRODUCT_FEATURES/FEATURE``: :func:`features` (``FNAME`` = the key, or the partner's
  own name from its :data:`Terms`; ``FVALUE`` = the manufacturer's code when there is one, else
  the normalised value in the partner's terms; ``FVALUE_DETAILS`` = the normalised value or the
  colour name when ``FVALUE`` is a code); :func:`from_feature` reads it back.
* EDIFACT: colour as ``IMD+B+35`` (code and name) or ``IMD+F+35`` (name only) — the one option
  EANCOM has an item-characteristic code for (7081 ``35`` colour); every other option as
  ``FTX+ZZZ++OPT+<key>:<value>[:<code>]`` (C107 4441 ``OPT``; order facts ``ORD``).
* Order types: :data:`OPENTRANS_ORDER_TYPE` (the XSD's ``ORDER/@type`` enumeration is standard,
  express, release, consignment), :data:`EDIFACT_BGM` (D.96A 1001), and :func:`order_statement`,
  the sentence every format carries for a person where its code list has no such type.

Labels are data (German and English) so the portal shows the same words the documents use.
Nothing here imports Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class OptionValue:
    """One option of a line: the normalised ``value`` and the manufacturer's ``code``.

    Colours have no normalised value (every manufacturer has its own palette): the
    manufacturer's ``code`` and/or ``name``. Every other option has a ``value`` from the
    vocabulary and may have the manufacturer's ``code`` for it.
    """

    value: str = ""
    code: str = ""
    name: str = ""

    def as_dict(self) -> dict[str, str]:
        """The JSON form: only the members that are set."""
        return {
            k: v for k, v in (("value", self.value), ("code", self.code), ("name", self.name)) if v
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> OptionValue:
        def text(name: str) -> str:
            value = data.get(name)
            return value.strip() if isinstance(value, str) else ""

        return cls(value=text("value"), code=text("code"), name=text("name"))

    @property
    def text(self) -> str:
        """The value as a person reads it in a document: ``M (85)``, ``beige (P01)``."""
        main = self.value or self.name or self.code
        return f"{main} ({self.code})" if self.code and main != self.code else main


@dataclass(frozen=True)
class Choice:
    value: str
    de: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptionSpec:
    """One key of the vocabulary.

    ``kind``: ``choice`` (one of ``choices``), ``choice_or_mm`` (one of ``choices`` or a size in
    millimetres within ``mm_range``), ``colour`` (manufacturer code and/or name).
    """

    key: str
    de: str
    en: str
    kind: str
    choices: tuple[Choice, ...] = ()
    mm_range: tuple[Decimal, Decimal] | None = None
    #: Other names clients and catalogs use for the key (case-insensitive).
    aliases: tuple[str, ...] = ()

    def choice(self, value: str) -> Choice | None:
        for choice in self.choices:
            if choice.value == value:
                return choice
        return None


def _c(value: str, de: str, en: str, *aliases: str) -> Choice:
    return Choice(value, de, en, aliases)


VOCABULARY: dict[str, OptionSpec] = {
    spec.key: spec
    for spec in (
        OptionSpec(
            "side",
            "Seite",
            "Side",
            "choice",
            (
                _c("R", "rechts", "right", "re", "right ear"),
                _c("L", "links", "left", "li", "left ear"),
            ),
            aliases=("ear", "ohr"),
        ),
        OptionSpec(
            "style",
            "Bauform",
            "Device style",
            "choice",
            (
                _c(
                    "RIC",
                    "Ex-Hörer (RIC)",
                    "receiver in canal (RIC)",
                    "RITE",
                    "ex-hörer",
                    "exhörer",
                ),
                _c("BTE", "Hinter dem Ohr (HdO)", "behind the ear (BTE)", "HdO", "HDO"),
                _c("ITE", "Im Ohr (IdO)", "in the ear (ITE)", "IdO", "IDO"),
                _c("ITC", "Im Gehörgang (ITC)", "in the canal (ITC)"),
                _c("CIC", "Komplett im Gehörgang (CIC)", "completely in canal (CIC)"),
                _c("IIC", "Unsichtbar im Gehörgang (IIC)", "invisible in canal (IIC)"),
                _c("CROS", "CROS/BiCROS-Sender", "CROS/BiCROS transmitter", "BiCROS"),
            ),
            aliases=("device_style", "bauform", "model_style"),
        ),
        OptionSpec("colour", "Farbe", "Colour", "colour", aliases=("color", "farbe")),
        OptionSpec(
            "receiver_power",
            "Hörerstärke",
            "Receiver power",
            "choice",
            (
                _c("S", "Standard (S)", "standard (S)", "standard"),
                _c("M", "Medium (M)", "medium (M)", "medium"),
                _c("P", "Power (P)", "power (P)", "power"),
                _c("UP", "Ultra Power (UP)", "ultra power (UP)", "ultra power", "SP", "HP"),
            ),
            aliases=("hörerstärke", "hoererstaerke", "receiver"),
        ),
        OptionSpec(
            "receiver_length",
            "Hörerlänge",
            "Receiver length",
            "choice",
            tuple(_c(str(n), f"Größe {n}", f"size {n}") for n in range(6)),
            aliases=("hörerlänge", "hoererlaenge"),
        ),
        OptionSpec(
            "dome_type",
            "Schirmchen",
            "Dome type",
            "choice",
            (
                _c("open", "offen", "open", "offen"),
                _c("closed", "geschlossen", "closed", "geschlossen"),
                _c("power", "Power", "power", "double", "doppelt"),
                _c("tulip", "Tulpe", "tulip", "tulpe"),
                _c("vented", "mit Belüftung", "vented", "belüftet"),
            ),
            aliases=("dome", "schirmchen"),
        ),
        OptionSpec(
            "dome_size",
            "Schirmchengröße",
            "Dome size",
            "choice_or_mm",
            (
                _c("XS", "XS", "XS"),
                _c("S", "S", "S", "small", "klein"),
                _c("M", "M", "M", "medium", "mittel"),
                _c("L", "L", "L", "large", "groß", "gross"),
                _c("XL", "XL", "XL"),
            ),
            mm_range=(Decimal(3), Decimal(20)),
            aliases=("schirmchengröße",),
        ),
        OptionSpec(
            "battery",
            "Batterie",
            "Battery",
            "choice",
            (
                _c("10", "Größe 10 (gelb)", "size 10 (yellow)", "PR70", "gelb", "yellow"),
                _c("312", "Größe 312 (braun)", "size 312 (brown)", "PR41", "braun", "brown"),
                _c("13", "Größe 13 (orange)", "size 13 (orange)", "PR48", "orange"),
                _c("675", "Größe 675 (blau)", "size 675 (blue)", "PR44", "blau", "blue"),
                _c(
                    "rechargeable",
                    "Akku",
                    "rechargeable",
                    "akku",
                    "wiederaufladbar",
                    "li-ion",
                    "lithium-ion",
                ),
            ),
            aliases=("battery_size", "batterie"),
        ),
        OptionSpec(
            "earmold_material",
            "Otoplastik-Material",
            "Earmold material",
            "choice",
            (
                _c("acrylic", "Acryl (hart)", "acrylic (hard)", "acryl", "hart", "hard"),
                _c("soft_acrylic", "Acryl (weich)", "soft acrylic", "weichacryl"),
                _c("silicone", "Silikon", "silicone", "silikon"),
                _c("thermoplastic", "Thermoplast", "thermoplastic", "thermotec"),
                _c("titanium", "Titan", "titanium", "titan"),
            ),
            aliases=("material", "mold_material"),
        ),
        OptionSpec(
            "earmold_form",
            "Otoplastik-Form",
            "Earmold form",
            "choice",
            (
                _c("full_shell", "Vollschale", "full shell", "vollschale", "concha"),
                _c("half_shell", "Halbschale", "half shell", "halbschale"),
                _c("skeleton", "Skelett", "skeleton", "skelett"),
                _c("claw", "Kralle", "claw", "kralle"),
                _c("canal", "Gehörgang", "canal", "gehörgang"),
                _c("ric_shell", "RIC-Schale", "RIC shell", "ric-schale", "micro mold"),
            ),
            aliases=("form", "mold_form"),
        ),
        OptionSpec(
            "vent",
            "Zusatzbohrung",
            "Vent",
            "choice_or_mm",
            (
                _c("none", "ohne", "none", "ohne", "keine"),
                _c("pressure", "Druckausgleich", "pressure relief", "druckausgleich"),
            ),
            mm_range=(Decimal("0.5"), Decimal(5)),
            aliases=("zusatzbohrung", "belüftung"),
        ),
        OptionSpec(
            "tubing",
            "Schlauch",
            "Tubing",
            "choice",
            (
                _c("standard", "Standardschlauch", "standard tube", "standard"),
                _c("thin", "Dünnschlauch", "thin tube", "dünnschlauch", "slim tube"),
                _c("thick", "verstärkt", "thick-walled", "verstärkt", "dickwandig"),
                _c("horn", "Hornschlauch (Libby)", "horn (Libby)", "libby"),
            ),
            aliases=("tube", "schlauch"),
        ),
    )
}
OPTION_KEYS = tuple(VOCABULARY)

#: Longest normalised value / manufacturer code / colour name (EDIFACT IMD 7009 is an..17,
#: 7008 an..35; openTRANS FVALUE 60).
MAX_VALUE, MAX_CODE, MAX_NAME = 35, 17, 35

_MM = re.compile(r"(?P<n>[0-9]{1,2}([.,][0-9]{1,2})?)\s*(mm)?", re.IGNORECASE)
_KEY_ALIASES = {
    alias.lower(): spec.key
    for spec in VOCABULARY.values()
    for alias in (spec.key, spec.de, spec.en, *spec.aliases)
}


@dataclass(frozen=True)
class OptionError:
    """A problem with one option: ``path`` relative to the options object (``colour.code``)."""

    path: str
    message: str


def option_key(name: str) -> str | None:
    """The vocabulary key for a key or one of its other names (``color`` → ``colour``)."""
    return _KEY_ALIASES.get(name.strip().lower())


def _fold(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").split())


def _choice_value(spec: OptionSpec, raw: str) -> str | None:
    folded = _fold(raw)
    for choice in spec.choices:
        names = (choice.value, choice.de, choice.en, *choice.aliases)
        if folded in {_fold(n) for n in names}:
            return choice.value
    if spec.kind == "choice_or_mm" and spec.mm_range is not None:
        match = _MM.fullmatch(raw.strip())
        if match:
            try:
                number = Decimal(match["n"].replace(",", "."))
            except InvalidOperation:
                return None
            low, high = spec.mm_range
            if low <= number <= high:
                return format(number.normalize(), "f")
    return None


def _allowed(spec: OptionSpec) -> str:
    values = ", ".join(c.value for c in spec.choices)
    if spec.kind == "choice_or_mm" and spec.mm_range is not None:
        low, high = spec.mm_range
        values += f" or a size in mm ({low}–{high})"
    return values


def _one(spec: OptionSpec, raw: object) -> tuple[OptionValue | None, list[OptionError]]:
    key = spec.key
    if isinstance(raw, bool) or raw is None:
        return None, [OptionError(key, "must be a string or an object")]
    if isinstance(raw, (int, float, Decimal)):
        raw = str(raw)
    if isinstance(raw, str):
        data: dict[str, object] = {"name" if spec.kind == "colour" else "value": raw}
    elif isinstance(raw, Mapping):
        data = dict(raw)
    else:
        return None, [OptionError(key, "must be a string or an object")]
    allowed_members = ("code", "name") if spec.kind == "colour" else ("value", "code")
    errors = [
        OptionError(
            f"{key}.{member}", "unknown member (allowed: " + ", ".join(allowed_members) + ")"
        )
        for member in data
        if member not in allowed_members
    ]
    texts: dict[str, str] = {}
    for member in allowed_members:
        value = data.get(member)
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            errors.append(OptionError(f"{key}.{member}", "must be a string"))
            continue
        limit = {"value": MAX_VALUE, "code": MAX_CODE, "name": MAX_NAME}[member]
        value = " ".join(value.split())
        if len(value) > limit:
            errors.append(OptionError(f"{key}.{member}", f"at most {limit} characters"))
        elif value:
            texts[member] = value
    if errors:
        return None, errors
    if spec.kind == "colour":
        if not texts:
            return None, [OptionError(key, "a colour needs the manufacturer's code or name")]
        return OptionValue(code=texts.get("code", ""), name=texts.get("name", "")), []
    raw_value = texts.get("value", "")
    if not raw_value:
        return None, [OptionError(key, f"a value is required: one of {_allowed(spec)}")]
    value = _choice_value(spec, raw_value)
    if value is None:
        return None, [
            OptionError(
                key, f"{raw_value[:40]!r} is not a {spec.en.lower()}: one of {_allowed(spec)}"
            )
        ]
    return OptionValue(value=value, code=texts.get("code", "")), []


def normalise(
    options: Mapping[str, object] | None,
) -> tuple[dict[str, OptionValue], list[OptionError]]:
    """Validate and normalise a line's options: (values by vocabulary key, errors).

    Keys may be given by another name of the key (``color``, ``Farbe``); a key given twice under
    two names is an error. A value is a string (the normalised value, or the colour's name) or an
    object ``{"value", "code", "name"}`` (colour: ``{"code", "name"}``).
    """
    values: dict[str, OptionValue] = {}
    errors: list[OptionError] = []
    for name, raw in (options or {}).items():
        key = option_key(str(name))
        if key is None:
            errors.append(
                OptionError(str(name)[:50], "unknown option; known: " + ", ".join(OPTION_KEYS))
            )
            continue
        if key in values:
            errors.append(OptionError(str(name)[:50], f"{key} is given twice"))
            continue
        value, problems = _one(VOCABULARY[key], raw)
        errors += problems
        if value is not None:
            values[key] = value
    return {k: values[k] for k in OPTION_KEYS if k in values}, errors


def from_json(data: Mapping[str, object] | None) -> dict[str, OptionValue]:
    """Options as stored or written by OrderHub (already normalised): no validation, unknown
    keys and malformed entries are dropped."""
    out: dict[str, OptionValue] = {}
    for key, raw in (data or {}).items():
        if key in VOCABULARY and isinstance(raw, Mapping):
            value = OptionValue.from_dict(raw)
            if value.as_dict():
                out[key] = value
    return out


def to_json(options: Mapping[str, OptionValue]) -> dict[str, dict[str, str]]:
    return {key: value.as_dict() for key, value in options.items()}


# --------------------------------------------------------------------------- labels


def label(key: str, lang: str = "de") -> str:
    spec = VOCABULARY.get(key)
    if spec is None:
        return key
    return spec.en if lang.startswith("en") else spec.de


def value_label(key: str, value: OptionValue, lang: str = "de") -> str:
    """A person's reading of one option: ``rechts``, ``Medium (M) · Code 85``, ``beige · P01``."""
    spec = VOCABULARY.get(key)
    english = lang.startswith("en")
    parts: list[str] = []
    if value.value:
        choice = spec.choice(value.value) if spec else None
        if choice is not None:
            parts.append(choice.en if english else choice.de)
        elif spec is not None and spec.kind == "choice_or_mm":
            parts.append(f"{value.value} mm")
        else:
            parts.append(value.value)
    if value.name:
        parts.append(value.name)
    if value.code:
        parts.append(f"Code {value.code}")
    return " · ".join(parts)


def describe_attributes(attributes: Mapping[str, str], lang: str = "de") -> list[tuple[str, str]]:
    """(label, value) per free attribute as a person reads it: a key and value the vocabulary
    knows in its words (``side: R`` → ``Seite: rechts``), anything else as the practice sent it."""
    described = []
    for name, raw in attributes.items():
        key = option_key(str(name))
        spec = VOCABULARY.get(key) if key else None
        value = _choice_value(spec, str(raw)) if spec is not None else None
        if key is None or value is None:
            described.append((str(name), str(raw)))
        else:
            described.append((label(key, lang), value_label(key, OptionValue(value=value), lang)))
    return described


def describe(options: Mapping[str, OptionValue], lang: str = "de") -> list[tuple[str, str]]:
    """(label, value) per option, in vocabulary order."""
    return [(label(k, lang), value_label(k, options[k], lang)) for k in OPTION_KEYS if k in options]


# --------------------------------------------------------------------------- partner terms

#: How a partner names options in its own catalog, per key: ``{"side": {"name": "Seite",
#: "values": {"R": "rechts", "L": "links"}}}`` (channel configuration ``option_terms``).
Terms = Mapping[str, Mapping[str, object]]


def _term_name(key: str, terms: Terms | None) -> str:
    entry = (terms or {}).get(key) or {}
    name = entry.get("name")
    return name.strip()[:60] if isinstance(name, str) and name.strip() else key


def _term_value(key: str, value: str, terms: Terms | None) -> str:
    entry = (terms or {}).get(key) or {}
    mapped = entry.get("values")
    if isinstance(mapped, Mapping):
        term = mapped.get(value)
        if isinstance(term, str) and term.strip():
            return term.strip()[:60]
    return value


def check_terms(terms: object) -> list[str]:
    """Problems with a partner's ``option_terms`` configuration (empty when usable)."""
    if not isinstance(terms, Mapping):
        return ["option_terms must be an object"]
    problems = []
    for key, entry in terms.items():
        if key not in VOCABULARY:
            problems.append(f"option_terms.{key}: unknown option")
        elif not isinstance(entry, Mapping) or not set(entry) <= {"name", "values"}:
            problems.append(f"option_terms.{key}: an object with 'name' and/or 'values'")
    return problems


@dataclass(frozen=True)
class Feature:
    """One openTRANS ``FEATURE``: ``FNAME``, ``FVALUE`` and (optional) ``FVALUE_DETAILS``."""

    name: str
    value: str
    details: str = ""


def features(options: Mapping[str, OptionValue], terms: Terms | None = None) -> list[Feature]:
    """openTRANS features of a line's options, in the partner's terms where it has them.

    ``FVALUE`` is the manufacturer's code when one is given (the partner's own term), else the
    normalised value (or colour name) mapped through ``terms``; when ``FVALUE`` is a code,
    ``FVALUE_DETAILS`` says what it means (the normalised value, or the colour's name).
    """
    out = []
    for key in OPTION_KEYS:
        option = options.get(key)
        if option is None:
            continue
        plain = option.value or option.name
        name = _term_name(key, terms)
        if option.code:
            out.append(Feature(name, option.code[:60], plain[:250]))
        else:
            out.append(Feature(name, _term_value(key, plain, terms)))
    return out


def option_from_text(key: str, value: str, details: str = "") -> OptionValue:
    """An option as a document carries it: ``value`` alone is the normalised value (or a
    colour's name); with ``details``, ``value`` is the manufacturer's code and ``details`` the
    normalised value or colour name (how :func:`features` writes it). A value in a partner's own
    terms that the vocabulary does not know is kept as it is."""
    code, plain = (value, details) if details else ("", value)
    spec = VOCABULARY[key]
    if spec.kind == "colour":
        return OptionValue(code=code, name=plain)
    return OptionValue(value=_choice_value(spec, plain) or plain, code=code)


# --------------------------------------------------------------------------- EDIFACT

#: EANCOM item characteristic (7081) for options that have one; the others go into FTX+ZZZ.
EDIFACT_IMD = {"colour": "35"}


# --------------------------------------------------------------------------- order types

#: (code, German, English) in the order the portal lists them.
ORDER_TYPES: tuple[tuple[str, str, str], ...] = (
    ("standard", "Standard", "standard"),
    ("express", "Express", "express"),
    ("consignment", "Kommission", "consignment"),
    ("trial", "Probe", "trial"),
    ("loaner", "Leihgerät", "loaner"),
    ("remake", "Ersatz / Neuanfertigung", "replacement / remake"),
    ("repair", "Reparatur", "repair"),
    ("return", "Rücksendung", "return"),
)
ORDER_TYPE_CODES = tuple(code for code, _, _ in ORDER_TYPES)
#: Order types that need a return date, and those that may have one.
NEEDS_RETURN_DATE = ("consignment", "loaner")
MAY_HAVE_RETURN_DATE = ("consignment", "loaner", "trial")
#: Order types that name an original order (required for a remake).
NEEDS_ORIGINAL_ORDER = ("remake",)
MAY_HAVE_ORIGINAL_ORDER = ("remake", "repair", "return")

#: openTRANS ``ORDER/@type`` (the XSD's enumeration); other types are written as ``standard`` and
#: stated in ``HEADER_UDX`` and ``REMARKS type="order_type"``.
OPENTRANS_ORDER_TYPE = {"standard": "standard", "express": "express", "consignment": "consignment"}
#: UN/EDIFACT D.96A 1001 document name codes for ORDERS: 220 order, 224 rush order,
#: 225 repair order, 227 consignment order. Other types are 220 and stated in ``FTX+ZZZ``.
EDIFACT_BGM = {"standard": "220", "express": "224", "repair": "225", "consignment": "227"}
ORDER_TYPE_FOR_BGM = {code: kind for kind, code in EDIFACT_BGM.items()}


def order_type_label(code: str, lang: str = "de") -> str:
    for value, de, en in ORDER_TYPES:
        if value == code:
            return en if lang.startswith("en") else de
    return code


@dataclass(frozen=True)
class OrderFacts:
    """What an order says about its kind, for :func:`order_statement`."""

    order_type: str = "standard"
    return_date: date | None = None
    original_order_number: str = ""
    fitting_reference: str = ""


def order_statement(facts: OrderFacts) -> str:
    """One line for a person, German then English: ``Auftragsart: Kommission (consignment);
    Rückgabe bis 01.03.2026 (return by 2026-03-01); Originalauftrag OH-… ; Versorgung V-17``.
    Empty for a standard order without any of these facts."""
    parts = []
    if facts.order_type and facts.order_type != "standard":
        parts.append(
            f"Auftragsart: {order_type_label(facts.order_type)} "
            f"(order type: {order_type_label(facts.order_type, 'en')})"
        )
    if facts.return_date:
        parts.append(
            f"Rückgabe bis {facts.return_date:%d.%m.%Y} (return by {facts.return_date.isoformat()})"
        )
    if facts.original_order_number:
        parts.append(
            f"Originalauftrag {facts.original_order_number} "
            f"(original order {facts.original_order_number})"
        )
    if facts.fitting_reference:
        parts.append(f"Versorgung {facts.fitting_reference} (fitting {facts.fitting_reference})")
    return "; ".join(parts)


__all__ = [
    "EDIFACT_BGM",
    "EDIFACT_IMD",
    "OPENTRANS_ORDER_TYPE",
    "OPTION_KEYS",
    "ORDER_TYPES",
    "ORDER_TYPE_CODES",
    "ORDER_TYPE_FOR_BGM",
    "VOCABULARY",
    "Feature",
    "OptionError",
    "OptionSpec",
    "OptionValue",
    "OrderFacts",
    "Terms",
    "check_terms",
    "describe",
    "features",
    "from_json",
    "label",
    "normalise",
    "option_from_text",
    "order_statement",
    "order_type_label",
    "to_json",
    "value_label",
]
