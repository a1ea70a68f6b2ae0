"""GS1 element strings as a scanner reads them from a hearing-aid box (GS1 DataMatrix, GS1-128).

A 2D code on a box carries *element strings*: an Application Identifier (AI) followed by its
data, e.g. ``01`` + a GTIN-14, ``17`` + an expiry date, ``10`` + a lot, ``21`` + a serial number.
Scanners hand them over in one of three shapes, all read by :func:`parse`:

* with a **symbology identifier** in front (ISO/IEC 15424): ``]d2`` GS1 DataMatrix, ``]C1``
  GS1-128, ``]Q3`` GS1 QR Code, ``]e0`` GS1 DataBar, ``]J1`` GS1 DotCode. An identifier of the
  same symbology *without* GS1 data (``]d1``, ``]C0``, ``]Q1`` …) is refused, saying so;
* as the bare element string (scanner configured without identifiers);
* in the **human-readable form** printed under the code: ``(01)04012345678901(21)SN4711``.

In the machine form, a variable-length field (lot, serial …) ends with the FNC1 separator,
transmitted as ASCII GS (``\\x1d``), unless it is the last field. Fields whose length the GS1
General Specifications predefine by their first two digits (``00``, ``01``, ``02``, ``11``–``17``,
``20``, ``31``–``36``, ``41`` …) need no separator; a GS after them is tolerated.

What is checked (a :class:`GS1Error` names the AI and the 1-based character position in the text
as given, and says what is wrong as a code of :data:`MESSAGES` with parameters — issue 15: the
English sentence is the format layer's own, for logs and the API; the portal says the code in the
reader's language, ``orderhub.ordering.input_messages``): AIs known to the GS1 tables, numeric fields, fixed and maximum lengths, the GS1 check
digit of GTINs (``01``, ``02``) and SSCCs (``00``), dates ``YYMMDD`` (``DD = 00`` means the last
day of the month; the century follows the GS1 sliding window around ``today``), the GS1 character
set 82 for text fields, and an AI that occurs twice with different values.

AIs understood by meaning: ``00`` SSCC, ``01`` GTIN, ``02`` contained GTIN, ``10`` lot, ``11``
production date, ``12`` due date, ``13`` packaging date, ``15`` best before, ``16`` sell by,
``17`` expiry, ``20`` variant, ``21`` serial, ``22`` consumer product variant, ``240`` additional
product id, ``241`` customer part number, ``30`` / ``37`` counts. Other AIs of the GS1 table
(``310n`` weights, ``7003``, ``8005`` …) are kept as raw :class:`Element` values.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import FormatError

#: ASCII group separator: how scanners transmit FNC1 inside the data.
GS = "\x1d"

#: Symbology identifiers (ISO/IEC 15424) that announce GS1 data.
GS1_SYMBOLOGIES = {
    "]d2": "GS1 DataMatrix",
    "]C1": "GS1-128",
    "]Q3": "GS1 QR Code",
    "]e0": "GS1 DataBar",
    "]J1": "GS1 DotCode",
}
#: The same symbologies without FNC1 in first position: no GS1 element strings.
_PLAIN_SYMBOLOGIES = {
    "]d1": "Data Matrix",
    "]C0": "Code 128",
    "]Q1": "QR Code",
    "]Q0": "QR Code (model 1)",
    "]J0": "DotCode",
    "]E0": "EAN-13 / UPC-A",
    "]E4": "EAN-8",
    "]A0": "Code 39",
    "]I0": "Interleaved 2 of 5",
}

# GS1 General Specifications, "element strings with predefined length": the total length (AI +
# data) fixed by the first two digits. Only these may be followed by the next AI without FNC1.
PREDEFINED_LENGTH = {
    "00": 20,
    "01": 16,
    "02": 16,
    "03": 16,
    "04": 18,
    "11": 8,
    "12": 8,
    "13": 8,
    "14": 8,
    "15": 8,
    "16": 8,
    "17": 8,
    "18": 8,
    "19": 8,
    "20": 4,
    "31": 10,
    "32": 10,
    "33": 10,
    "34": 10,
    "35": 10,
    "36": 10,
    "41": 16,
}

# How many digits an AI has, by its first two digits (GS1 AI table).
_AI_DIGITS = {
    **{f"{n:02d}": 2 for n in range(0, 23)},
    "23": 3,
    "24": 3,
    "25": 3,
    "30": 2,
    **{f"{n}": 4 for n in range(31, 37)},
    "37": 2,
    "39": 4,
    "40": 3,
    "41": 3,
    "42": 3,
    "43": 4,
    "70": 4,
    "71": 3,
    "72": 4,
    "80": 4,
    "81": 4,
    "82": 4,
    **{f"{n}": 2 for n in range(90, 100)},
}

# GS1 AI encodable character set 82 (the characters of text fields).
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*")
_DIGITS = re.compile(r"[0-9]*")
_HRI_AI = re.compile(r"\(([0-9]{2,4})\)")


@dataclass(frozen=True)
class ApplicationIdentifier:
    """One AI of the GS1 table that OrderHub reads by meaning."""

    ai: str
    title: str  # the GS1 data title, e.g. "SERIAL"
    length: int  # data length: exact when ``fixed``, else the maximum
    fixed: bool
    numeric: bool
    kind: str = "text"  # "gtin" | "sscc" | "date" | "count" | "text"


AIS: dict[str, ApplicationIdentifier] = {
    a.ai: a
    for a in (
        ApplicationIdentifier("00", "SSCC", 18, True, True, "sscc"),
        ApplicationIdentifier("01", "GTIN", 14, True, True, "gtin"),
        ApplicationIdentifier("02", "CONTENT", 14, True, True, "gtin"),
        ApplicationIdentifier("10", "BATCH/LOT", 20, False, False),
        ApplicationIdentifier("11", "PROD DATE", 6, True, True, "date"),
        ApplicationIdentifier("12", "DUE DATE", 6, True, True, "date"),
        ApplicationIdentifier("13", "PACK DATE", 6, True, True, "date"),
        ApplicationIdentifier("15", "BEST BEFORE or BEST BY", 6, True, True, "date"),
        ApplicationIdentifier("16", "SELL BY", 6, True, True, "date"),
        ApplicationIdentifier("17", "USE BY or EXPIRY", 6, True, True, "date"),
        ApplicationIdentifier("20", "VARIANT", 2, True, True),
        ApplicationIdentifier("21", "SERIAL", 20, False, False),
        ApplicationIdentifier("22", "CPV", 20, False, False),
        ApplicationIdentifier("240", "ADDITIONAL ID", 30, False, False),
        ApplicationIdentifier("241", "CUST. PART No.", 30, False, False),
        ApplicationIdentifier("30", "VAR. COUNT", 8, False, True, "count"),
        ApplicationIdentifier("37", "COUNT", 8, False, True, "count"),
    )
}


#: GS1Error code -> English sentence with named ``%(params)s`` (after "GS1 AI (17), position 5: ").
#: Parameters: ``value`` the field's data as scanned, ``title`` the AI's GS1 data title, ``length``
#: what the AI needs (or allows), ``found`` what the scan has; dates: ``month``, ``day`` two digits.
MESSAGES: dict[str, str] = {
    "not_text": "a scan is text",
    "ai_expected": "expected an Application Identifier (digits), found %(found)r",
    "ai_unknown": "no Application Identifier starts with %(found)r",
    "ai_cut_short": "Application Identifier %(found)r is cut short (needs %(digits)s digits)",
    "length_fixed": "%(title)s needs %(length)s characters, found %(found)s (%(value)r)",
    "too_long": (
        "%(title)s has %(found)s characters, at most %(length)s are allowed — is the GS "
        "separator after it missing?"
    ),
    "no_data": "has no data",
    "not_digits": "must be digits, found %(value)r",
    "character_not_allowed": (
        "character %(character)r is not allowed in GS1 data (character set 82)"
    ),
    "too_short": "needs %(length)s characters, the scan has %(found)s (%(value)r)",
    "hri_start": "human-readable form must start with an AI in parentheses",
    "not_an_ai": "is not an Application Identifier",
    "hri_length": "needs %(length)s characters, found %(found)s (%(value)r)",
    "symbology_plain": (
        "symbology identifier %(identifier)s is a %(symbology)s without GS1 data (no FNC1 in "
        "first position); expected ]d2, ]C1 or ]Q3"
    ),
    "symbology_unknown": "unknown symbology identifier %(identifier)r",
    "scan_empty": "the scan has no data",
    "ai_twice": (
        "occurs twice with different data (%(earlier)r at position %(earlier_position)s, %(value)r)"
    ),
    # ``what``: GTIN or SSCC
    "check_digit": "check digit of %(what)s %(value)s is wrong (expected %(expected)s)",
    "date_format": "%(title)s %(value)r is not a date YYMMDD: %(value)r is not YYMMDD",
    "date_month": "%(title)s %(value)r is not a date YYMMDD: month %(month)s does not exist",
    "date_day": "%(title)s %(value)r is not a date YYMMDD: %(year)s-%(month)s has no day %(day)s",
    "not_a_symbology": "%(identifier)r is not a GS1 symbology identifier",
}


def message(code: str, params: dict[str, Any]) -> str:
    """The English sentence of a :data:`MESSAGES` code (the code itself if unknown)."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template


class GS1Error(FormatError):
    """A scan that is no valid GS1 element string; ``ai`` and ``position`` say where, ``code``
    (a key of :data:`MESSAGES`) and ``params`` what is wrong; ``message`` is its English."""

    def __init__(
        self,
        code: str,
        *,
        ai: str | None = None,
        position: int | None = None,
        **params: Any,
    ):
        self.ai = ai
        self.position = position
        where = []
        if ai:
            where.append(f"AI ({ai})")
        if position:
            where.append(f"position {position}")
        prefix = f"GS1 {', '.join(where)}: " if where else "GS1: "
        super().__init__(
            prefix + message(code, params),
            field=f"({ai})" if ai else None,
            code=code,
            params=params,
        )


class _DateError(ValueError):
    """Why ``YYMMDD`` is no date: a ``date_*`` code of :data:`MESSAGES` and its parameters."""

    def __init__(self, code: str, text: str, **params: Any):
        super().__init__(text)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Element:
    """One element string: AI and data as scanned, ``position`` of the AI in the input (1-based)."""

    ai: str
    value: str
    position: int = field(default=0, compare=False)

    @property
    def title(self) -> str:
        known = AIS.get(self.ai)
        return known.title if known else ""


@dataclass
class GS1Scan:
    """What a scan says, by meaning. ``elements`` keeps every element string in scan order."""

    elements: list[Element]
    symbology: str | None = None  # e.g. "GS1 DataMatrix"; None when the scanner sent none
    gtin: str | None = None  # AI 01, 14 digits, check digit verified
    serial: str | None = None  # AI 21
    lot: str | None = None  # AI 10
    expiry: date | None = None  # AI 17
    production_date: date | None = None  # AI 11
    best_before: date | None = None  # AI 15
    additional_id: str | None = None  # AI 240
    customer_part_number: str | None = None  # AI 241
    sscc: str | None = None  # AI 00
    content_gtin: str | None = None  # AI 02
    count: int | None = None  # AI 37 (or 30)

    def value(self, ai: str) -> str | None:
        """The data of ``ai`` (first occurrence), or None."""
        return next((e.value for e in self.elements if e.ai == ai), None)

    def human_readable(self) -> str:
        """The form printed under the symbol: ``(01)04012345678901(17)261231(21)SN1``."""
        return human_readable(self.elements)

    def element_string(self) -> str:
        """The machine form, with GS after every variable-length field but the last."""
        return element_string(self.elements)


# --------------------------------------------------------------------------- check digits, dates


def check_digit(body: str) -> str:
    """The GS1 modulo-10 check digit for ``body`` (digits, weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gs1_date(text: str, *, today: date | None = None) -> date:
    """``YYMMDD`` as a date: ``DD = 00`` is the last day of the month; the century is chosen by
    the GS1 rule (a year more than 50 years ahead of ``today`` is in the previous century, one
    more than 49 years behind in the next)."""
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        raise _DateError("date_format", f"{text!r} is not YYMMDD")
    yy, month, day = int(text[:2]), int(text[2:4]), int(text[4:])
    today = today or date.today()
    century = today.year // 100 * 100
    difference = yy - today.year % 100
    if difference >= 51:
        century -= 100
    elif difference <= -50:
        century += 100
    year = century + yy
    if not 1 <= month <= 12:
        raise _DateError("date_month", f"month {month:02d} does not exist", month=f"{month:02d}")
    last = calendar.monthrange(year, month)[1]
    if day == 0:
        return date(year, month, last)
    if day > last:
        raise _DateError(
            "date_day",
            f"{year}-{month:02d} has no day {day:02d}",
            year=year,
            month=f"{month:02d}",
            day=f"{day:02d}",
        )
    return date(year, month, day)


# --------------------------------------------------------------------------- parsing


def _ai_at(text: str, pos: int, offset: int) -> str:
    head = text[pos : pos + 2]
    if len(head) < 2 or not head.isascii() or not head.isdigit():
        raise GS1Error("ai_expected", position=pos + offset, found=text[pos : pos + 4])
    digits = _AI_DIGITS.get(head)
    if digits is None:
        raise GS1Error("ai_unknown", ai=head, position=pos + offset, found=head)
    ai = text[pos : pos + digits]
    if len(ai) < digits or not ai.isdigit():
        raise GS1Error("ai_cut_short", position=pos + offset, found=ai, digits=digits)
    return ai


def _check_value(ai: str, value: str, position: int) -> None:
    known = AIS.get(ai)
    if known is not None:
        if known.fixed and len(value) != known.length:
            raise GS1Error(
                "length_fixed",
                ai=ai,
                position=position,
                title=known.title,
                length=known.length,
                found=len(value),
                value=value,
            )
        if len(value) > known.length:
            raise GS1Error(
                "too_long",
                ai=ai,
                position=position,
                title=known.title,
                length=known.length,
                found=len(value),
                value=value,
            )
        numeric = known.numeric
    else:
        numeric = ai[:2] in PREDEFINED_LENGTH
    if not value:
        raise GS1Error("no_data", ai=ai, position=position)
    if numeric and not (value.isascii() and _DIGITS.fullmatch(value)):
        raise GS1Error("not_digits", ai=ai, position=position, value=value)
    if not _CSET82.fullmatch(value):
        bad = next(c for c in value if not _CSET82.fullmatch(c))
        raise GS1Error(
            "character_not_allowed",
            ai=ai,
            position=position + value.index(bad),
            character=bad,
        )


def _element_string(text: str, offset: int) -> list[Element]:
    elements = []
    pos = 0
    while pos < len(text):
        if text[pos] == GS:  # FNC1 after a predefined-length field, or a doubled separator
            pos += 1
            continue
        ai = _ai_at(text, pos, offset)
        start = pos + len(ai)
        predefined = PREDEFINED_LENGTH.get(ai[:2])
        if predefined is not None:
            end = pos + predefined
            value = text[start:end]
            if len(value) < predefined - len(ai) or GS in value:
                value = value.split(GS)[0]
                raise GS1Error(
                    "too_short",
                    ai=ai,
                    position=start + offset,
                    length=predefined - len(ai),
                    found=len(value),
                    value=value,
                )
        else:
            end = text.find(GS, start)
            end = len(text) if end < 0 else end
            value = text[start:end]
        _check_value(ai, value, start + offset)
        elements.append(Element(ai, value, pos + offset))
        pos = end
    return elements


def _hri(text: str, offset: int) -> list[Element]:
    elements = []
    markers = list(_HRI_AI.finditer(text))
    if not markers or markers[0].start() != 0:
        raise GS1Error("hri_start", position=offset)
    for index, marker in enumerate(markers):
        ai = marker.group(1)
        end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        value = text[marker.end() : end].strip()
        position = marker.end() + offset
        if _AI_DIGITS.get(ai[:2]) != len(ai):
            raise GS1Error("not_an_ai", ai=ai, position=marker.start() + offset)
        predefined = PREDEFINED_LENGTH.get(ai[:2])
        if predefined is not None and len(value) != predefined - len(ai):
            raise GS1Error(
                "hri_length",
                ai=ai,
                position=position,
                length=predefined - len(ai),
                found=len(value),
                value=value,
            )
        _check_value(ai, value, position)
        elements.append(Element(ai, value, marker.start() + offset))
    return elements


def parse(scan: str, *, today: date | None = None) -> GS1Scan:
    """Read one scan (symbology identifier optional, FNC1 as GS, or the ``(01)…`` form).

    ``today`` anchors the century of two-digit years (default: the current date).
    """
    if not isinstance(scan, str):
        raise GS1Error("not_text")
    text = scan.rstrip("\r\n")
    offset = 1
    symbology = None
    if text.startswith("]"):
        identifier = text[:3]
        if identifier in GS1_SYMBOLOGIES:
            symbology = GS1_SYMBOLOGIES[identifier]
        elif identifier in _PLAIN_SYMBOLOGIES:
            raise GS1Error(
                "symbology_plain",
                position=1,
                identifier=identifier,
                symbology=_PLAIN_SYMBOLOGIES[identifier],
            )
        else:
            raise GS1Error("symbology_unknown", position=1, identifier=identifier)
        text, offset = text[3:], 4
    if not text.strip(GS + " "):
        raise GS1Error("scan_empty", position=offset)
    if text.lstrip().startswith("("):
        stripped = len(text) - len(text.lstrip())
        elements = _hri(text.strip(), offset + stripped)
    else:
        elements = _element_string(text, offset)
    return _interpret(elements, symbology, today)


def _interpret(elements: list[Element], symbology: str | None, today: date | None) -> GS1Scan:
    result = GS1Scan(elements=elements, symbology=symbology)
    seen: dict[str, Element] = {}
    for element in elements:
        ai, value, position = element.ai, element.value, element.position
        earlier = seen.setdefault(ai, element)
        if earlier is not element:
            if earlier.value != value:
                raise GS1Error(
                    "ai_twice",
                    ai=ai,
                    position=position,
                    earlier=earlier.value,
                    earlier_position=earlier.position,
                    value=value,
                )
            continue
        known = AIS.get(ai)
        if known is None:
            continue
        data_position = position + len(ai)
        if known.kind in ("gtin", "sscc"):
            expected = check_digit(value[:-1])
            if value[-1] != expected:
                raise GS1Error(
                    "check_digit",
                    ai=ai,
                    position=data_position + len(value) - 1,
                    what="SSCC" if known.kind == "sscc" else "GTIN",
                    value=value,
                    expected=expected,
                )
        if known.kind == "date":
            try:
                parsed = gs1_date(value, today=today)
            except _DateError as exc:
                raise GS1Error(
                    exc.code,
                    ai=ai,
                    position=data_position,
                    title=known.title,
                    value=value,
                    **exc.params,
                ) from None
            attribute = {
                "17": "expiry",
                "11": "production_date",
                "15": "best_before",
            }.get(ai)
            if attribute:
                setattr(result, attribute, parsed)
        attribute = {
            "01": "gtin",
            "02": "content_gtin",
            "00": "sscc",
            "10": "lot",
            "21": "serial",
            "240": "additional_id",
            "241": "customer_part_number",
        }.get(ai)
        if attribute:
            setattr(result, attribute, value)
        if ai == "37" or (ai == "30" and result.count is None):
            result.count = int(value)
    return result


# --------------------------------------------------------------------------- writing


def _pairs(elements: list[Element] | list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(e.ai, e.value) if isinstance(e, Element) else (e[0], e[1]) for e in elements]


def human_readable(elements: list[Element] | list[tuple[str, str]]) -> str:
    """``(AI)data`` for every element, in the given order."""
    return "".join(f"({ai}){value}" for ai, value in _pairs(elements))


def element_string(elements: list[Element] | list[tuple[str, str]], *, symbology: str = "") -> str:
    """The machine form: GS after each field whose length is not predefined, except the last.

    ``symbology`` (e.g. ``"]d2"``) is put in front, as a scanner with identifiers sends it.
    """
    if symbology and symbology not in GS1_SYMBOLOGIES:
        raise GS1Error("not_a_symbology", identifier=symbology)
    pairs = _pairs(elements)
    parts = []
    for index, (ai, value) in enumerate(pairs):
        parts.append(ai + value)
        if ai[:2] not in PREDEFINED_LENGTH and index + 1 < len(pairs):
            parts.append(GS)
    return symbology + "".join(parts)


__all__ = [
    "AIS",
    "GS",
    "GS1_SYMBOLOGIES",
    "MESSAGES",
    "ApplicationIdentifier",
    "Element",
    "GS1Error",
    "GS1Scan",
    "check_digit",
    "element_string",
    "gs1_date",
    "human_readable",
    "parse",
]
