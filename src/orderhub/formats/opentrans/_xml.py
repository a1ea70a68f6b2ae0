"""What the openTRANS modules share: OrderHub's UDX and REMARKS vocabulary, and the element
helpers for writing (text clean-up, identifiers never shortened, numbers, dates, parties) and for
reading leniently (namespaces dropped, elements found by local name, a missing field named in the
:class:`FormatError`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from lxml import etree

from .. import FormatError
from ..documents import Party, aware
from ..safexml import parse_bytes
from ..units import unit_code
from .schema import BMECAT_NS, OT_NS

NSMAP = {None: OT_NS, "bmecat": BMECAT_NS}

GENERATOR = "OrderHub"
#: PARTY_ID type for ids that only exist so IDREFs inside one document can point at a party.
LOCAL_ID_TYPE = "local"
#: REMARKS type carrying OrderDocument.reference / OrderItem.reference.
REFERENCE_REMARK = "reference"
#: INTERNATIONAL_PID type carrying the German Hilfsmittelverzeichnis number.
HMV_PID_TYPE = "hmv"
STATUS_UDX = "UDX.ORDERHUB.STATUS"
#: Issue 17: the order type and its facts in ``HEADER_UDX``, the binaural pair in ``ITEM_UDX``,
#: and the sentence for a person in ``REMARKS type="order_type"``.
ORDER_TYPE_UDX = "UDX.ORDERHUB.ORDER_TYPE"
ORIGINAL_ORDER_UDX = "UDX.ORDERHUB.ORIGINAL_ORDER"
RETURN_DATE_UDX = "UDX.ORDERHUB.RETURN_DATE"
FITTING_REFERENCE_UDX = "UDX.ORDERHUB.FITTING_REFERENCE"
PAIR_UDX = "UDX.ORDERHUB.PAIR"
#: The vocabulary keys of the first features of the item, in order: which features are typed
#: options (the others are free attributes, also when a name looks like an option).
OPTIONS_UDX = "UDX.ORDERHUB.OPTIONS"
ORDER_TYPE_REMARK = "ordertype"
#: Issue 17: attachments are ``MIME_INFO/MIME`` with the signed link (``MIME_SOURCE``) and
#: ``FILE_HASH_VALUE type="SHA256"``; ``MIME_DESCR`` says ``<kind>: <file name>``. An
#: impression's tracking number is ``REMARKS type="impressiontracking"``.
TRACKING_REMARK = "impressiontracking"


_COUNTRY_CODED = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_LINE_NUMBER = re.compile(r"[0-9]{1,9}")
_DATETIME = re.compile(
    r"(?P<y>[0-9]{4})(-(?P<m>[0-9]{2})(-(?P<d>[0-9]{2})"
    r"(T(?P<H>[0-9]{2}):(?P<M>[0-9]{2})(:(?P<S>[0-9]{2})(\.(?P<f>[0-9]+))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?"
)
# ISO 8601 basic format (20200901, 20200901T1430, 20200901T143000+0200) and the German
# 01.09.2020, both written by partner systems although the XSD wants the extended format.
_DATETIME_BASIC = re.compile(
    r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"
    r"([T ]?(?P<H>[0-9]{2}):?(?P<M>[0-9]{2})(:?(?P<S>[0-9]{2})(\.(?P<f>[0-9]+))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_DATE_GERMAN = re.compile(r"(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})")
# Characters XML 1.0 cannot carry at all.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# --------------------------------------------------------------------------- writing helpers


def _clean(value: str | None) -> str:
    return _XML_INVALID.sub("", value or "").strip()


def _sub(
    parent: etree._Element, name: str, text: str | None = None, *, bme: bool = False, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{BMECAT_NS if bme else OT_NS}}}{name}", attrib=attrs)
    if text is not None:
        element.text = text
    return element


def _identifier(value: str | None, limit: int, field: str) -> str:
    """An identifier goes out whole or not at all: shortening one would order the wrong thing."""
    text = _clean(value)
    if len(text) > limit:
        raise FormatError(
            f"{field} is longer than the {limit} characters openTRANS allows: {text[:40]!r}…",
            field=field,
        )
    return text


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise FormatError(f"not a finite number: {value}")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def _datetime_text(value: datetime) -> str:
    value = aware(value).replace(microsecond=0)
    offset = value.utcoffset() or timedelta(0)
    if offset.seconds % 60:  # historic offsets with seconds do not fit dtDATETIME
        value = value.astimezone(UTC)
    return value.isoformat()


def _party_ids(party: Party, *, account: str = "") -> list[tuple[str, str]]:
    """(type, value) pairs for one party; the first one is what IDREFs point at."""
    ids: list[tuple[str, str]] = []
    if party.role == "buyer":
        if account:
            ids.append(("supplier_specific", _identifier(account, 250, "customer_number")))
    elif party.party_id:
        ids.append(("buyer_specific", _identifier(party.party_id, 250, f"{party.role}.party_id")))
    if party.gln:
        ids.append(("gln", _identifier(party.gln, 250, f"{party.role}.gln")))
    return ids or [(LOCAL_ID_TYPE, party.role)]


def _write_party(
    parties: etree._Element, party: Party, role: str, ids: list[tuple[str, str]]
) -> None:
    element = _sub(parties, "PARTY")
    for id_type, value in ids:
        _sub(element, "PARTY_ID", value, bme=True, type=id_type)
    _sub(element, "PARTY_ROLE", role)
    address = etree.Element(f"{{{OT_NS}}}ADDRESS")
    if _clean(party.name):
        _sub(address, "NAME", _clean(party.name)[:50], bme=True)
    if _clean(party.contact):
        details = _sub(address, "CONTACT_DETAILS")
        _sub(details, "CONTACT_NAME", _clean(party.contact)[:50], bme=True)
    for name, value, limit in (
        ("STREET", party.street, 50),
        ("ZIP", party.postal_code, 20),
        ("CITY", party.city, 50),
    ):
        if _clean(value):
            _sub(address, name, _clean(value)[:limit], bme=True)
    country = _clean(party.country)
    if country:
        if _COUNTRY_CODED.fullmatch(country):
            _sub(address, "COUNTRY_CODED", country, bme=True)
        else:
            _sub(address, "COUNTRY", country[:50], bme=True)
    if _clean(party.phone):
        _sub(address, "PHONE", _clean(party.phone)[:50], bme=True, type="office")
    if _clean(party.email):
        _sub(address, "EMAIL", _identifier(party.email, 255, f"{party.role}.email"), bme=True)
    if len(address):
        element.append(address)


def _remarks(
    parent: etree._Element, *, note: str = "", reference: str = "", note_type: str = "general"
) -> None:
    if _clean(reference):
        _sub(parent, "REMARKS", _clean(reference), type=REFERENCE_REMARK)
    if _clean(note):
        _sub(parent, "REMARKS", _clean(note), type=note_type)


def _delivery_date(parent: etree._Element, value: date) -> None:
    element = _sub(parent, "DELIVERY_DATE", type="fixed")
    _sub(element, "DELIVERY_START_DATE", value.isoformat())
    _sub(element, "DELIVERY_END_DATE", value.isoformat())


def _control_info(header: etree._Element) -> None:
    # No GENERATION_DATE: the same order must produce the same bytes on every delivery attempt.
    _sub(_sub(header, "CONTROL_INFO"), "GENERATOR_INFO", GENERATOR)


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def order_unit(unit: str | None, line_no: int) -> str:
    """The Rec 20 code for an order line's unit, or FormatError naming the line."""
    code = unit_code(unit)
    if code is None:
        raise FormatError(
            f"line {line_no}: order unit {_clean(unit)!r} is not a UN/ECE Recommendation 20 "
            "code; fix the unit in the partner's catalog (docs/catalog-formats.md)",
            field="unit",
        )
    return code


# --------------------------------------------------------------------------- reading helpers


def _load(data: bytes, expected: tuple[str, ...]) -> etree._Element:
    """Parse safely, drop namespaces (partners mix prefixes freely) and check the root."""
    if not isinstance(data, (bytes, bytearray)):
        raise FormatError("openTRANS documents are bytes")
    root = parse_bytes(bytes(data))
    namespace = etree.QName(root).namespace
    name = etree.QName(root).localname
    if name not in expected:
        raise FormatError(
            f"expected an openTRANS {' or '.join(expected)} document, got root element <{name}>",
            line=root.sourceline,
        )
    version = (root.get("version") or "").strip()
    if version.startswith("1.") or (
        namespace is None
        and not version
        and any(
            etree.QName(e).localname in ("ARTICLE_ID", "SUPPLIER_AID", "BUYER_AID")
            for e in root.iter()
            if isinstance(e.tag, str)
        )
    ):
        raise FormatError(
            f"this is an openTRANS {version or '1.x'} document; OrderHub reads openTRANS 2.1 "
            f"only — please send {name} in openTRANS 2.1 (namespace {OT_NS})",
            line=root.sourceline,
            field="version",
        )
    if namespace not in (OT_NS, None):
        raise FormatError(
            f"root element <{name}> is not in the openTRANS 2.1 namespace "
            f"{OT_NS} but in {namespace}",
            line=root.sourceline,
        )
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    return root


def _children(element: etree._Element | None, name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [child for child in element if child.tag == name]


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _path(element: etree._Element | None, *names: str) -> etree._Element | None:
    for name in names:
        element = _child(element, name)
    return element


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _texts(element: etree._Element | None, name: str) -> list[str]:
    """The non-empty texts of every ``name`` child, in document order."""
    return [t for t in (_text(c) for c in _children(element, name)) if t]


def _required(element: etree._Element | None, name: str, where: str) -> etree._Element:
    found = _child(element, name)
    if found is None or not _text(found):
        line = element.sourceline if element is not None else None
        raise FormatError(f"{where} has no {name}", field=name, line=line)
    return found


def _decimal(element: etree._Element, name: str) -> Decimal:
    text = _text(element)
    if not _DECIMAL.fullmatch(text):
        raise FormatError(
            f"{name} is not a number: {text[:40]!r}", field=name, line=element.sourceline
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes this
        raise FormatError(f"{name} is not a number: {text[:40]!r}", field=name) from None


def _datetime(element: etree._Element, name: str) -> datetime:
    text = _text(element)
    match = (
        _DATETIME.fullmatch(text) or _DATETIME_BASIC.fullmatch(text) or _DATE_GERMAN.fullmatch(text)
    )
    if not match:
        raise FormatError(
            f"{name} is not a date/time: {text[:40]!r}", field=name, line=element.sourceline
        )
    parts = match.groupdict()
    try:
        value = datetime(
            int(parts["y"]),
            int(parts["m"] or 1),
            int(parts["d"] or 1),
            int(parts.get("H") or 0),
            int(parts.get("M") or 0),
            int(parts.get("S") or 0),
            int((parts.get("f") or "0")[:6].ljust(6, "0")),
        )
        tz = (parts.get("tz") or "").replace(":", "")
        if len(tz) == 5:
            tz = f"{tz[:3]}:{tz[3:]}"
        if tz == "Z":
            value = value.replace(tzinfo=UTC)
        elif tz:
            sign = -1 if tz[0] == "-" else 1
            offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
            value = value.replace(tzinfo=timezone(sign * offset))
    except ValueError as exc:
        raise FormatError(
            f"{name} is not a valid date/time: {text[:40]!r} ({exc})",
            field=name,
            line=element.sourceline,
        ) from None
    return aware(value)


def _date(element: etree._Element | None, name: str) -> date | None:
    if element is None:
        return None
    start = _child(element, "DELIVERY_START_DATE")
    end = _child(element, "DELIVERY_END_DATE")
    chosen = end if end is not None and _text(end) else start
    if chosen is None or not _text(chosen):
        return None
    # Delivery dates are calendar days: read them in local time without shifting zones.
    return _datetime(chosen, name).date()


def _line_no(element: etree._Element, position: int) -> int:
    text = _text(_child(element, "LINE_ITEM_ID"))
    return int(text) if _LINE_NUMBER.fullmatch(text) else position


def _remark_texts(element: etree._Element | None) -> tuple[str, str]:
    """(note, reference) from REMARKS children; several notes are joined by newlines."""
    notes: list[str] = []
    references: list[str] = []
    for remark in _children(element, "REMARKS"):
        text = _text(remark)
        kind = remark.get("type")
        # The order-type sentence is read from the UDX, tracking numbers as attachments.
        if text and kind not in (ORDER_TYPE_REMARK, TRACKING_REMARK):
            (references if kind == REFERENCE_REMARK else notes).append(text)
    return "\n".join(notes), "\n".join(references)


def _read_ids(party: etree._Element) -> list[tuple[str, str]]:
    ids = []
    for element in _children(party, "PARTY_ID"):
        value = _text(element)
        if value:
            ids.append(((element.get("type") or "").strip(), value))
    return ids


def _read_party(element: etree._Element, role: str) -> Party:
    ids = [(t, v) for t, v in _read_ids(element) if t != LOCAL_ID_TYPE]
    gln = next((v for t, v in ids if t in ("gln", "iln")), None)
    others = [(t, v) for t, v in ids if t not in ("gln", "iln")]
    if role == "buyer":
        # The buyer's number at the supplier is the customer number.
        preferred = [v for t, v in others if t == "supplier_specific"]
        party_id = preferred[0] if preferred else (others[0][1] if others else None)
    else:
        party_id = others[0][1] if others else None
    party = Party(role=role, party_id=party_id, gln=gln, country="")
    address = _child(element, "ADDRESS")
    if address is None:
        party.country = "DE"
        return party
    names = [_text(_child(address, n)) for n in ("NAME", "NAME2", "NAME3")]
    party.name = ", ".join(n for n in names if n)
    party.street = _text(_child(address, "STREET"))
    party.postal_code = _text(_child(address, "ZIP"))
    party.city = _text(_child(address, "CITY"))
    party.country = (
        _text(_child(address, "COUNTRY_CODED")) or _text(_child(address, "COUNTRY")) or "DE"
    )
    contact = _child(address, "CONTACT_DETAILS")
    if contact is not None:
        names = [_text(_child(contact, "FIRST_NAME")), _text(_child(contact, "CONTACT_NAME"))]
        party.contact = " ".join(n for n in names if n) or None
    party.phone = _text(_child(address, "PHONE")) or _text(_child(contact, "PHONE")) or None
    party.email = (
        _text(_child(address, "EMAIL")) or _text(_path(contact, "EMAILS", "EMAIL")) or None
    )
    return party


def _parties_by_role(info: etree._Element) -> dict[str, etree._Element]:
    """Map roles to PARTY elements, by PARTY_ROLE or, failing that, by the *_IDREF elements."""
    parties = _children(_child(info, "PARTIES"), "PARTY")
    by_role: dict[str, etree._Element] = {}
    for party in parties:
        for role_element in _children(party, "PARTY_ROLE"):
            by_role.setdefault(_text(role_element), party)
    references = _child(info, "ORDER_PARTIES_REFERENCE")
    idrefs = {
        "buyer": _text(_child(references, "BUYER_IDREF")) or _text(_child(info, "BUYER_IDREF")),
        "supplier": (
            _text(_child(references, "SUPPLIER_IDREF")) or _text(_child(info, "SUPPLIER_IDREF"))
        ),
        "delivery": (
            _text(_path(references, "SHIPMENT_PARTIES_REFERENCE", "DELIVERY_IDREF"))
            or _text(_path(info, "SHIPMENT_PARTIES_REFERENCE", "DELIVERY_IDREF"))
        ),
    }
    for role, ref in idrefs.items():
        if role in by_role or not ref:
            continue
        for party in parties:
            if any(value == ref for _, value in _read_ids(party)):
                by_role[role] = party
                break
    return by_role
