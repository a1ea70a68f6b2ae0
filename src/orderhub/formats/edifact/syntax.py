"""EDIFACT D.96A in EANCOM style: ORDERS out, ORDRSP and DESADV in (and out, for the simulator).

pydifact does the character work (release character ``?``, separators); this module decides which
segments carry what. The envelope (UNA, UNB, UNH … UNT, UNZ) is written and checked here so that
a truncated or spliced file is refused instead of half-read. The segment order follows the message
directory in ``formats/standards/edifact-d96a`` (see :mod:`orderhub.formats.edifact_structure`).

Choices worth knowing (partners read them in ``docs/partner-formats.md``):

* Syntax ``UNOC:3`` (ISO 8859-1). Characters outside Latin-1 are transliterated (``č`` → ``c``)
  or replaced by ``?``; control characters become spaces. Files declared as UNOA/UNOB/UNOC that are
  valid UTF-8 are read as UTF-8, because many systems write UTF-8 whatever they declare.
* Date-times (``DTM`` format 203, 102) carry no zone: OrderHub writes and reads German local time.
* Identifiers (order number, article numbers) are never shortened: too long raises
  :class:`FormatError`. Free text is split over the components the segment offers and cut
  beyond that.
* Party ids: a 13-digit GLN goes into ``NAD`` with agency 9; otherwise the customer number
  (agency 91, buyer) or the buyer-assigned id (agency 92). With a GLN, the customer number follows
  as ``RFF+IT`` and the supplier id as ``RFF+IA``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import ParamSpec, TypeVar

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError, ValidationError
from pydifact.parser import Parser, TokenIterator
from pydifact.segments import Segment
from pydifact.serializer import Serializer
from pydifact.tokenizer import Tokenizer

from . import FormatError
from . import options as opts
from .documents import (
    LOCAL_TZ,
    AnswerLine,
    Attachment,
    OrderDocument,
    OrderItem,
    PartnerAnswer,
    Party,
    aware,
    line_status,
)
from .units import unit_code

#: Service string advice OrderHub writes: ``:`` component, ``+`` element, ``.`` decimal mark,
#: ``?`` release character, space reserved, ``'`` segment terminator.
CHARACTERS = ":+.? '"
SYNTAX = ("UNOC", "3")
MESSAGE_VERSION = ("D", "96A", "UN")
#: EANCOM association codes written into UNH (D.96A based EANCOM 1997 subsets).
#: Issue 17: C107 text references of OrderHub's FTX+ZZZ: order facts (header) and the pair
#: (line), and typed options (line); RFF qualifier 1153 PW "prior purchase order number" for
#: the order a remake replaces.
FACTS_FTX = "ORD"
OPTION_FTX = "OPT"
#: Attachments: ``FTX+ZZZ++ATT+<kind>:<sha256>:<link in up to three 70-character parts>``
#: (header: the order's, line: the line's); a tracking number ``FTX+ZZZ++ATT+tracking_number:<text>``.
ATTACHMENT_FTX = "ATT"
PRIOR_ORDER_RFF = "PW"
ASSOCIATION = {"ORDERS": "EAN008", "ORDRSP": "EAN005", "DESADV": "EAN005"}
MAX_BYTES = 20 * 1024 * 1024

# Line action codes (data element 1229) in ORDRSP.
#: A backordered or substituted line is "accepted with amendment" (6); QTY+83 and PIA+3 say which.
ACTION_FOR_STATUS = {
    "confirmed": "5",
    "changed": "3",
    "backordered": "6",
    "substituted": "6",
    "rejected": "7",
}
STATUS_FOR_ACTION = {
    "5": "confirmed",
    "3": "changed",
    "6": "changed",
    "24": "changed",
    "1": "changed",
    "7": "rejected",
    "2": "rejected",
    "10": "rejected",
}
_TAG = re.compile(r"[A-Z0-9]{3}")
_NUMBER = re.compile(r"[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)")
_LINE_NUMBER = re.compile(r"[0-9]{1,9}")


# --------------------------------------------------------------------------- reading the envelope


@dataclass
class RawSegment:
    """One segment as read: its tag and elements (str, or list of components)."""

    tag: str
    elements: list[str | list[str]]
    position: int  # 1-based position in the interchange, for error messages

    def element(self, index: int) -> str | list[str]:
        return self.elements[index] if index < len(self.elements) else ""

    def component(self, index: int, sub: int = 0) -> str:
        value = self.element(index)
        if isinstance(value, list):
            value = value[sub] if sub < len(value) else ""
        elif sub:
            value = ""
        return value.strip() if isinstance(value, str) else ""

    def components(self, index: int) -> list[str]:
        value = self.element(index)
        return list(value) if isinstance(value, list) else [value]

    def where(self) -> str:
        return f"segment {self.position} ({self.tag})"


@dataclass
class Message:
    type: str  # ORDERS, ORDRSP, DESADV …
    reference: str
    identifier: list[str]
    segments: list[RawSegment]  # from UNH to UNT inclusive


@dataclass
class Interchange:
    sender: str
    sender_qualifier: str
    recipient: str
    recipient_qualifier: str
    reference: str
    syntax: str
    messages: list[Message] = field(default_factory=list)
    prepared: datetime | None = None  # UNB date/time of preparation (local time)


def _decode(data: bytes) -> str:
    head = data[:200].decode("latin-1")
    match = re.search(r"UNB.(UNO[A-Z])", head)
    syntax = match.group(1) if match else "UNOC"
    if syntax in ("UNOW", "UNOY"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"{syntax} interchange is not valid UTF-8: {exc.reason} at byte {exc.start}"
            ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
    # Valid UTF-8 with non-ASCII characters: the sender wrote UTF-8 whatever it declared.
    return text


def _characters(text: str) -> tuple[Characters, str]:
    if not text.startswith("UNA"):
        # pydifact leaves Characters.__init__ unannotated (all its parameters are optional).
        return Characters(), text  # type: ignore[no-untyped-call]
    if len(text) < 9:
        raise FormatError("EDIFACT interchange ends inside the UNA service string advice")
    chars = text[3:9]
    separators = [chars[0], chars[1], chars[3], chars[5]]
    if len(set(separators)) != 4 or any(c.isalnum() or c in "\r\n" for c in separators):
        raise FormatError(
            f"UNA service string advice {chars!r} is not usable: separators must "
            "be four different non-alphanumeric characters"
        )
    return Characters.from_str("UNA" + chars), text[9:]


def read_segments(data: bytes) -> list[RawSegment]:
    """Split an interchange into segments. Raises :class:`FormatError` on broken syntax."""
    if not isinstance(data, (bytes, bytearray)):
        raise FormatError("EDIFACT interchanges are bytes")
    data = bytes(data)
    if len(data) > MAX_BYTES:
        raise FormatError(f"EDIFACT interchange too large: {len(data)} bytes, limit {MAX_BYTES}")
    text = _decode(data).lstrip("\ufeff \r\n\t")
    if not text:
        raise FormatError("empty EDIFACT interchange")
    if not re.search(r"UNB.UNO[WY]", text[:200]):
        # Line breaks carry no data in UNOA…UNOC: some systems wrap an interchange into lines of
        # 80 characters, even inside a segment. They are dropped (UNOW/UNOY text keeps them).
        text = text.replace("\r", "").replace("\n", "")
    characters, body = _characters(text)
    body = body.lstrip(" \r\n")
    segments: list[RawSegment] = []
    try:
        tokens = TokenIterator(Tokenizer().get_tokens(body, characters))
        for position, raw in enumerate(
            Parser(characters=characters).convert_tokens_to_raw_segments(tokens), 1
        ):
            tag = raw[0] if raw else ""
            if not isinstance(tag, str) or not _TAG.fullmatch(tag.strip()):
                raise FormatError(f"segment {position}: {str(tag)[:20]!r} is not a segment tag")
            segments.append(RawSegment(tag.strip(), list(raw[1:]), position))
    except FormatError:
        raise
    except (
        EDISyntaxError,
        ValidationError,
        ValueError,
        TypeError,
        IndexError,
        AttributeError,
        AssertionError,
    ) as exc:
        # pydifact reports syntax problems with several exception types; callers get one.
        raise FormatError(f"malformed EDIFACT: {exc}") from None
    if not segments:
        raise FormatError("EDIFACT interchange contains no segments")
    return segments


def _unb_date(unb: RawSegment) -> datetime | None:
    """UNB S004 (YYMMDD or CCYYMMDD : HHMM) as local time, None when absent or unreadable."""
    day, time = unb.component(3, 0), unb.component(3, 1) or "0000"
    pattern = {6: "%y%m%d", 8: "%Y%m%d"}.get(len(day))
    if pattern is None or not day.isdigit() or not (time.isdigit() and len(time) == 4):
        return None
    try:
        return aware(datetime.strptime(day + time, pattern + "%H%M"))
    except ValueError:
        return None


class _Groups:
    """Functional groups (``UNG … UNE``): optional, but then every message is inside one.

    Some partners' translators (Baker & Taylor, Ingram) wrap their messages in a group; the group
    adds nothing OrderHub needs, so it is checked (count and reference in ``UNE``) and passed by.
    """

    def __init__(self) -> None:
        self.count = 0
        self.open: RawSegment | None = None
        self.first_message = 0

    def message_starts(self, unh: RawSegment) -> None:
        if self.count and self.open is None:
            raise FormatError(
                f"{unh.where()}: message outside a functional group (UNG … UNE) in an "
                "interchange that uses groups"
            )

    def read(self, segment: RawSegment, messages: int) -> None:
        if segment.tag == "UNG":
            if self.open is not None:
                raise FormatError(f"{segment.where()}: UNG before the UNE of the previous group")
            if messages and not self.count:
                raise FormatError(
                    f"{segment.where()}: functional group after messages outside a group"
                )
            self.open, self.first_message = segment, messages
            self.count += 1
            return
        if self.open is None:
            raise FormatError(f"{segment.where()}: UNE without UNG")
        reference = self.open.component(4, 0)
        if segment.component(0) != str(messages - self.first_message):
            raise FormatError(
                f"{segment.where()}: UNE counts {segment.component(0)!r} messages, the group "
                f"has {messages - self.first_message}"
            )
        if segment.component(1) != reference:
            raise FormatError(
                f"{segment.where()}: UNE reference {segment.component(1)!r} does not match "
                f"UNG reference {reference!r}"
            )
        self.open = None

    def close(self) -> None:
        if self.open is not None:
            raise FormatError(f"{self.open.where()}: functional group not closed by UNE")


def read_interchange(data: bytes) -> Interchange:
    """Read and check the envelope: UNB … UNZ with complete UNH … UNT messages."""
    segments = read_segments(data)
    unb = segments[0]
    if unb.tag != "UNB":
        raise FormatError(f"an EDIFACT interchange starts with UNB, not {unb.tag}")
    if segments[-1].tag != "UNZ":
        raise FormatError(
            f"EDIFACT interchange does not end with UNZ but with {segments[-1].where()}: truncated?"
        )
    syntax = unb.component(0, 0)
    if not syntax.startswith("UNO"):
        raise FormatError(f"UNB: unknown syntax identifier {syntax!r}")
    interchange = Interchange(
        sender=unb.component(1, 0),
        sender_qualifier=unb.component(1, 1),
        recipient=unb.component(2, 0),
        recipient_qualifier=unb.component(2, 1),
        reference=unb.component(4, 0),
        syntax=syntax,
    )
    if not interchange.sender or not interchange.recipient or not interchange.reference:
        raise FormatError("UNB needs sender, recipient and interchange reference")
    interchange.prepared = _unb_date(unb)

    current: list[RawSegment] | None = None
    groups = _Groups()
    for segment in segments[1:-1]:
        if segment.tag == "UNH":
            if current is not None:
                raise FormatError(f"{segment.where()}: new message before UNT of the previous one")
            groups.message_starts(segment)
            current = [segment]
        elif segment.tag == "UNT":
            if current is None:
                raise FormatError(f"{segment.where()}: UNT without UNH")
            current.append(segment)
            interchange.messages.append(_message(current))
            current = None
        elif segment.tag in ("UNB", "UNZ"):
            raise FormatError(
                f"{segment.where()}: a second interchange in the same file; send "
                "one interchange (UNB … UNZ) per file or request"
            )
        elif segment.tag in ("UNG", "UNE") and current is None:
            groups.read(segment, len(interchange.messages))
        elif current is None:
            raise FormatError(f"{segment.where()}: segment outside a message (UNH … UNT)")
        else:
            current.append(segment)
    if current is not None:
        raise FormatError("EDIFACT message is not closed by UNT: truncated?")
    groups.close()
    unz = segments[-1]
    # ISO 9735: UNZ counts the functional groups when the interchange has them, else the messages.
    counted, what = (
        (groups.count, "functional groups")
        if groups.count
        else (len(interchange.messages), "messages")
    )
    if unz.component(0) != str(counted):
        raise FormatError(f"UNZ counts {unz.component(0)!r} {what}, the interchange has {counted}")
    if unz.component(1) != interchange.reference:
        raise FormatError(
            f"UNZ reference {unz.component(1)!r} does not match UNB reference "
            f"{interchange.reference!r}"
        )
    if not interchange.messages:
        raise FormatError("EDIFACT interchange contains no message")
    return interchange


def _message(segments: list[RawSegment]) -> Message:
    unh, unt = segments[0], segments[-1]
    identifier = [c.strip() for c in unh.components(1)]
    reference = unh.component(0)
    if not identifier or not identifier[0]:
        raise FormatError(f"{unh.where()}: UNH without message type")
    if unt.component(0) != str(len(segments)):
        raise FormatError(
            f"{unt.where()}: UNT counts {unt.component(0)!r} segments, the "
            f"message has {len(segments)}"
        )
    if unt.component(1) != reference:
        raise FormatError(
            f"{unt.where()}: UNT reference {unt.component(1)!r} does not match "
            f"UNH reference {reference!r}"
        )
    return Message(
        type=identifier[0].upper(), reference=reference, identifier=identifier, segments=segments
    )


def _single(interchange: Interchange, types: tuple[str, ...]) -> Message:
    if len(interchange.messages) != 1:
        raise FormatError(
            f"expected one message per interchange, found {len(interchange.messages)}"
        )
    message = interchange.messages[0]
    if message.type not in types:
        raise FormatError(f"expected an EDIFACT {' or '.join(types)} message, got {message.type}")
    return message


# --------------------------------------------------------------------------- value helpers


def _number(segment: RawSegment, index: int, sub: int, what: str) -> Decimal:
    text = segment.component(index, sub)
    if not _NUMBER.fullmatch(text):
        raise FormatError(f"{segment.where()}: {what} is not a number: {text[:30]!r}", field=what)
    return Decimal(text.replace(",", "."))


def _dtm(segment: RawSegment) -> tuple[str, datetime]:
    qualifier = segment.component(0, 0)
    value = segment.component(0, 1)
    fmt = segment.component(0, 2) or "102"
    patterns = {
        "102": "%Y%m%d",
        "203": "%Y%m%d%H%M",
        "204": "%Y%m%d%H%M%S",
        "101": "%y%m%d",
        "718": "%Y%m%d",
    }
    if fmt not in patterns:
        raise FormatError(
            f"{segment.where()}: date format {fmt!r} is not supported (use 102, 203 or 204)",
            field="DTM",
        )
    if fmt == "718":  # CCYYMMDD-CCYYMMDD: the end of the range is the promise
        value = value.rpartition("-")[2]
    pattern = patterns[fmt]
    try:
        if not re.fullmatch(r"[0-9]+", value):
            raise ValueError(value)
        parsed = datetime.strptime(value, pattern)
    except ValueError:
        raise FormatError(
            f"{segment.where()}: {value[:20]!r} is not a date in format {fmt}", field="DTM"
        ) from None
    return qualifier, aware(parsed)


def _local(value: datetime) -> datetime:
    return aware(value).astimezone(LOCAL_TZ)


def _text(value: str | None) -> str:
    """Text EDIFACT UNOC can carry: Latin-1, no control characters."""
    out = []
    for char in value or "":
        if unicodedata.category(char) in ("Cc", "Cs", "Cf", "Zl", "Zp"):
            out.append(" ")
            continue
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            try:
                base.encode("latin-1")
                out.append(base or "?")
            except UnicodeEncodeError:
                out.append("?")
    return "".join(out).strip()


def _identifier(value: str | None, limit: int, what: str) -> str:
    text = _text(value)
    if len(text) > limit:
        raise FormatError(
            f"{what} is longer than the {limit} characters EDIFACT allows here: {text[:40]!r}…",
            field=what,
        )
    return text


def _chunks(text: str, size: int, count: int) -> list[str]:
    return [text[i : i + size] for i in range(0, min(len(text), size * count), size)]


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise FormatError(f"not a finite number: {value}")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def _is_gln(value: str | None) -> bool:
    return value is not None and len(value) == 13 and value.isascii() and value.isdigit()


# --------------------------------------------------------------------------- writing


def _seg(tag: str, *elements: str | list[str]) -> Segment:
    """A segment without trailing empty elements (EDIFACT truncation rule)."""
    trimmed = list(elements)
    while trimmed and (
        trimmed[-1] == "" or (isinstance(trimmed[-1], list) and not any(trimmed[-1]))
    ):
        trimmed.pop()
    return Segment(tag, *trimmed)


def _unb(sender: str, recipient: str, prepared: datetime, reference: str) -> Segment:
    sender = _identifier(sender, 35, "sender_id")
    recipient = _identifier(recipient, 35, "recipient_id")
    if not sender:
        raise FormatError("the interchange needs a sender id", field="sender_id")
    if not recipient:
        raise FormatError(
            "the interchange needs a recipient id (GLN or partner id)", field="recipient_id"
        )
    reference = _identifier(reference, 14, "interchange_ref")
    if not reference:
        raise FormatError("the interchange needs a reference", field="interchange_ref")
    local = _local(prepared)
    return Segment(
        "UNB",
        list(SYNTAX),
        [sender, "14" if _is_gln(sender) else "ZZZ"],
        [recipient, "14" if _is_gln(recipient) else "ZZZ"],
        [f"{local:%y%m%d}", f"{local:%H%M}"],
        reference,
    )


def _envelope(unb: Segment, message_type: str, body: list[Segment]) -> bytes:
    message = [_seg("UNH", "1", [message_type, *MESSAGE_VERSION, ASSOCIATION[message_type]]), *body]
    message.append(_seg("UNT", str(len(message) + 1), "1"))
    segments = [unb, *message, _seg("UNZ", "1", unb.elements[4])]
    text = Serializer(Characters.from_str("UNA" + CHARACTERS)).serialize(
        segments, with_una_header=True
    )
    return text.encode("latin-1", errors="replace")


def _dtm_segment(qualifier: str, value: datetime | date) -> Segment:
    if isinstance(value, datetime):
        return _seg("DTM", [qualifier, f"{_local(value):%Y%m%d%H%M}", "203"])
    return _seg("DTM", [qualifier, f"{value:%Y%m%d}", "102"])


def _ftx(qualifier: str, text: str) -> list[Segment]:
    """Free text: one FTX per line, each line in up to five components of 70 characters."""
    segments = []
    for line in (text or "").splitlines():
        line = _text(line)
        if line:
            segments.append(_seg("FTX", qualifier, "", "", _chunks(line, 70, 5)))
    return segments[:99]


def _nad(qualifier: str, party: Party, party_id: str, agency: str) -> list[Segment]:
    identification = [party_id, "", agency] if party_id else ""
    name = _chunks(_text(party.name), 35, 5)
    street = _chunks(_text(party.street), 35, 4)
    country = _text(party.country)
    segments = [
        Segment(
            "NAD",
            qualifier,
            identification,
            "",
            name or "",
            street or "",
            _text(party.city)[:35],
            "",
            _text(party.postal_code)[:9],
            country if len(country) <= 3 else "",
        )
    ]
    return segments


def _contact(party: Party) -> list[Segment]:
    segments = []
    if _text(party.contact) or _text(party.email) or _text(party.phone):
        segments.append(_seg("CTA", "OC", ["", _text(party.contact)[:35]]))
        if _text(party.email):
            segments.append(_seg("COM", [_identifier(party.email, 512, "email"), "EM"]))
        if _text(party.phone):
            segments.append(_seg("COM", [_text(party.phone)[:512], "TE"]))
    return segments


def write_orders(
    doc: OrderDocument, *, interchange_ref: str, prepared_at: datetime | None = None
) -> bytes:
    """One ORDERS message in one interchange.

    ``prepared_at`` (UNB date/time) defaults to the order date so that a retried delivery of the
    same order produces the same bytes.
    """
    order_number = _identifier(doc.order_number, 35, "order_number")
    if not order_number:
        raise FormatError("an order needs an order number", field="order_number")
    if not doc.items:
        raise FormatError("an order needs at least one line", field="items")
    order_type = doc.order_type or "standard"
    if order_type not in opts.ORDER_TYPE_CODES:
        raise FormatError(f"unknown order type {order_type!r}", field="order_type")
    body = [
        _seg("BGM", opts.EDIFACT_BGM.get(order_type, "220"), order_number, "9"),
        _dtm_segment("137", doc.order_date),
        *_ftx("AAI", doc.note),
        *_order_facts(doc),
        *_attachment_ftx(doc.attachments),
    ]
    if _text(doc.reference):
        body.append(_seg("RFF", ["CR", _text(doc.reference)[:35]]))
    original = _identifier(doc.original_order_number, 35, "original_order_number")
    if original:
        body.append(_seg("RFF", [PRIOR_ORDER_RFF, original]))

    account = _identifier(doc.buyer_account, 35, "customer_number")
    buyer_gln = _identifier(doc.buyer.gln, 35, "buyer.gln")
    if _is_gln(buyer_gln):
        body += _nad("BY", doc.buyer, buyer_gln, "9")
        if account:
            body.append(_seg("RFF", ["IT", account]))
    else:
        body += _nad("BY", doc.buyer, account, "91")
    body += _contact(doc.buyer)
    for qualifier, party in (("SU", doc.supplier), ("DP", doc.delivery)):
        if party is None:
            continue
        gln = _identifier(party.gln, 35, f"{party.role}.gln")
        own_id = _identifier(party.party_id, 35, f"{party.role}.party_id")
        if _is_gln(gln):
            body += _nad(qualifier, party, gln, "9")
            if own_id and qualifier == "SU":
                body.append(_seg("RFF", ["IA", own_id]))
        else:
            body += _nad(qualifier, party, own_id, "92")
        body += _contact(party)
    if _text(doc.currency):
        body.append(_seg("CUX", ["2", _identifier(doc.currency.upper(), 3, "currency"), "9"]))

    for item in doc.items:
        body += _line(item)
    body += [_seg("UNS", "S"), _seg("CNT", ["2", str(len(doc.items))])]
    unb = _unb(doc.sender_id, doc.recipient_id, prepared_at or doc.order_date, interchange_ref)
    return _envelope(unb, "ORDERS", body)


def _facts_ftx(key: str, *values: str) -> Segment:
    return _seg("FTX", "ZZZ", "", FACTS_FTX, [key, *(_text(v)[:70] for v in values)])


def _order_facts(doc: OrderDocument) -> list[Segment]:
    """``FTX+ZZZ++ORD+<name>:<value>[:<label>]`` per fact of the order (issue 17): the
    order type (also when BGM has a code for it), return date, fitting reference."""
    segments = []
    if doc.order_type and doc.order_type != "standard":
        segments.append(
            _facts_ftx(
                "order_type",
                doc.order_type,
                opts.order_type_label(doc.order_type),
                opts.order_type_label(doc.order_type, "en"),
            )
        )
    if doc.return_date:
        segments.append(_facts_ftx("return_date", doc.return_date.isoformat()))
    if _text(doc.fitting_reference):
        segments.append(_facts_ftx("fitting_reference", doc.fitting_reference[:64]))
    return segments


def _attachment_ftx(attachments: list[Attachment]) -> list[Segment]:
    segments = []
    for a in attachments:
        if a.kind == "tracking_number":
            if _text(a.text):
                segments.append(
                    _seg("FTX", "ZZZ", "", ATTACHMENT_FTX, [a.kind, _text(a.text)[:70]])
                )
            continue
        if not a.url:
            continue
        if len(a.url) > 210:
            raise FormatError("an attachment's link is longer than 210 characters", field="url")
        segments.append(
            _seg("FTX", "ZZZ", "", ATTACHMENT_FTX, [a.kind, a.sha256, *_chunks(a.url, 70, 3)])
        )
    return segments


def _read_attachment(segment: RawSegment) -> Attachment | None:
    if segment.component(2, 0) != ATTACHMENT_FTX:
        return None
    parts = segment.components(3)
    kind = parts[0].strip() if parts else ""
    if kind == "tracking_number":
        return Attachment(kind=kind, text="".join(parts[1:]).strip())
    return Attachment(
        kind=kind or "file",
        sha256=parts[1].strip().lower() if len(parts) > 1 else "",
        url="".join(parts[2:]).strip(),
    )


def _option_segments(item: OrderItem) -> tuple[list[Segment], list[Segment]]:
    """(IMD, FTX) segments of a line's options: the colour as ``IMD`` with EANCOM's item
    characteristic 35 (``B`` code and text, ``F`` text only; code agency 91 = the supplier's
    code), every other option as ``FTX+ZZZ++OPT+<key>:<value>[:<code>]``, and the pair as
    ``FTX+ZZZ++ORD+pair:<key>``."""
    imd, ftx = [], []
    for key in opts.OPTION_KEYS:
        option = item.options.get(key)
        if option is None:
            continue
        characteristic = opts.EDIFACT_IMD.get(key)
        if characteristic and key == "colour":
            code, name = _text(option.code)[:17], _text(option.name)[:35]
            imd.append(
                _seg(
                    "IMD",
                    "B" if code else "F",
                    characteristic,
                    [code, "", "91" if code else "", name],
                )
            )
            continue
        ftx.append(
            _seg(
                "FTX",
                "ZZZ",
                "",
                OPTION_FTX,
                [key, _text(option.value)[:70], _text(option.code)[:70]],
            )
        )
    if _text(item.pair):
        ftx.append(_facts_ftx("pair", item.pair[:20]))
    return imd, ftx


def _line(item: OrderItem) -> list[Segment]:
    if not 0 < item.line_no < 1_000_000:
        raise FormatError(
            f"line number {item.line_no} does not fit EDIFACT (1…999999)", field="line_no"
        )
    gtin = _identifier(item.gtin, 35, "gtin")
    # A 14-digit GTIN (how OrderHub keeps them) has EANCOM item type "SRV" (GTIN); "EN" is
    # the EAN-13/EAN-8 article number.
    segments = [
        _seg("LIN", str(item.line_no), "", [gtin, "SRV" if len(gtin) == 14 else "EN"])
        if gtin
        else _seg("LIN", str(item.line_no))
    ]
    ids = []
    article = _identifier(item.supplier_article_number, 35, "supplier_article_number")
    if article:
        ids.append([article, "SA"])
    manufacturer = _identifier(item.manufacturer_article_number, 35, "manufacturer_article_number")
    if manufacturer:
        ids.append([manufacturer, "MF"])
    hmv = _identifier(item.hmv_number, 35, "hmv_number")
    if hmv:
        ids.append([hmv, "ZZZ", "HMV"])
    if ids:
        segments.append(_seg("PIA", "1", *ids))
    description = _chunks(_text(item.description), 35, 2 * 99)
    for i in range(0, len(description), 2):
        segments.append(_seg("IMD", "F", "", ["", "", "", *description[i : i + 2]]))
    option_imd, option_ftx = _option_segments(item)
    segments += option_imd
    quantity = ["21", _decimal_text(item.quantity)]
    unit = _unit(item.unit, item.line_no)
    if unit != "C62":
        quantity.append(unit)
    segments.append(_seg("QTY", quantity))
    segments += option_ftx
    segments += _attachment_ftx(item.attachments)
    for key, value in item.attributes.items():
        if opts.option_key(key) in item.options:
            continue  # the typed option says it
        key, value = _text(key)[:70], _text(value)
        if key:
            segments.append(_seg("FTX", "ZZZ", "", "", [key, *_chunks(value, 70, 4)]))
    if item.price is not None:
        segments.append(_seg("PRI", ["AAA", _decimal_text(item.price)]))
    if _text(item.reference):
        segments.append(_seg("RFF", ["CR", _text(item.reference)[:35]]))
    return segments


def _unit(unit: str | None, line_no: int) -> str:
    """The Rec 20 code (at most 3 characters, element 6411) for a line's unit."""
    code = unit_code(unit)
    if code is None or len(code) > 3:
        raise FormatError(
            f"line {line_no}: order unit {_text(unit)!r} is not a UN/ECE Recommendation 20 "
            "code of at most 3 characters; fix the unit in the partner's catalog "
            "(docs/catalog-formats.md)",
            field="unit",
        )
    return code


def _quantity(qualifier: str, value: Decimal, unit: str | None, line_no: int) -> Segment:
    code = _unit(unit, line_no)
    parts = [qualifier, _decimal_text(value)]
    if code != "C62":
        parts.append(code)
    return _seg("QTY", parts)


def _answer_parties(sender_id: str, recipient_id: str) -> list[Segment]:
    segments = []
    for qualifier, party_id in (("SU", sender_id), ("BY", recipient_id)):
        party_id = _text(party_id)
        if party_id:
            agency = "9" if _is_gln(party_id) else "92"
            segments.append(_seg("NAD", qualifier, [party_id[:35], "", agency]))
    return segments


def _check_answer(answer: PartnerAnswer, kind: str) -> tuple[str, str]:
    if answer.kind != kind:
        raise FormatError(f"expected a {kind} answer, got {answer.kind!r}", field="kind")
    document_id = _identifier(answer.document_id, 35, "document_id")
    order_number = _identifier(answer.order_number, 35, "order_number")
    if not document_id:
        raise FormatError("the answer needs a document id", field="document_id")
    if not order_number:
        raise FormatError("the answer needs an order number", field="order_number")
    return document_id, order_number


def _answer_line_head(line: AnswerLine, action: str = "") -> list[Segment]:
    """``LIN`` and the article: ``PIA+1`` (its number) or, for a substitute, ``PIA+3``."""
    if not 0 < line.line_no < 1_000_000:
        raise FormatError(
            f"line number {line.line_no} does not fit EDIFACT (1…999999)", field="line_no"
        )
    segments = [
        _seg("LIN", str(line.line_no), action) if action else _seg("LIN", str(line.line_no))
    ]
    article = _identifier(line.supplier_article_number, 35, "supplier_article_number")
    if article:
        function = "3" if line.status == "substituted" else "1"
        segments.append(_seg("PIA", function, [article, "SA"]))
    return segments


def write_ordrsp(
    answer: PartnerAnswer, *, sender_id: str, recipient_id: str, interchange_ref: str
) -> bytes:
    """ORDRSP: ``BGM+231``; lines ``LIN+n+<5|3|7>`` with ``QTY+113`` (quantity to be delivered)."""
    document_id, order_number = _check_answer(answer, "order_response")
    statuses = {line.status for line in answer.lines}
    function = "29" if statuses <= {"confirmed"} else "27" if statuses == {"rejected"} else "4"
    body = [_seg("BGM", "231", document_id, function), _dtm_segment("137", answer.issued_at)]
    if answer.delivery_date:
        body.append(_dtm_segment("69", answer.delivery_date))
    body += _ftx("AAI", answer.note)
    body.append(_seg("RFF", ["ON", order_number]))
    body += _answer_parties(sender_id, recipient_id)
    for line in answer.lines:
        if line.status not in ACTION_FOR_STATUS:
            raise FormatError(
                f"line {line.line_no}: status {line.status!r} does not belong in an order response",
                field="status",
            )
        body += _answer_line_head(line, ACTION_FOR_STATUS[line.status])
        body += _ordrsp_line(line)
    body += [_seg("UNS", "S"), _seg("CNT", ["2", str(len(answer.lines))])]
    unb = _unb(sender_id, recipient_id, answer.issued_at, interchange_ref)
    return _envelope(unb, "ORDRSP", body)


def _ordrsp_line(line: AnswerLine) -> list[Segment]:
    """A line's quantities, dates, note, price and delivery schedule (after LIN/PIA)."""
    segments = []
    if line.ordered_quantity is not None:
        segments.append(_quantity("21", line.ordered_quantity, line.unit, line.line_no))
    backordered = line.backordered_quantity or Decimal(0)
    if line.quantity is not None:
        if backordered > line.quantity:
            raise FormatError(
                f"line {line.line_no}: the backordered quantity is more than the confirmed one",
                field="backordered_quantity",
            )
        segments.append(_quantity("113", line.quantity - backordered, line.unit, line.line_no))
    if backordered:
        segments.append(_quantity("83", backordered, line.unit, line.line_no))
    if line.delivery_date:
        segments.append(_dtm_segment("69", line.delivery_date))
    segments += _ftx("AAI", line.note)[:99]
    if line.price is not None:
        segments.append(_seg("PRI", ["AAA", _decimal_text(line.price)]))
    if backordered and line.backorder_date:
        # SG51/SG52: the delivery schedule says when the backordered part follows.
        segments += [
            _seg("SCC", "1"),
            _quantity("83", backordered, line.unit, line.line_no),
            _dtm_segment("69", line.backorder_date),
        ]
    return segments


def _gin(kind: str, numbers: list[str], what: str) -> list[Segment]:
    """``GIN`` segments (five numbers each) of serial (BN) or batch (BX) numbers."""
    cleaned = [_identifier(n, 35, what) for n in numbers]
    cleaned = [n for n in cleaned if n]
    return [_seg("GIN", kind, *cleaned[i : i + 5]) for i in range(0, len(cleaned), 5)]


def write_desadv(
    answer: PartnerAnswer, *, sender_id: str, recipient_id: str, interchange_ref: str
) -> bytes:
    """DESADV: ``BGM+351``, ``RFF+ON`` order number, ``RFF+CN`` per tracking number (at most 9),
    carrier in ``TDT+20``, one ``CPS`` with ``LIN``/``QTY+12`` per line."""
    document_id, order_number = _check_answer(answer, "dispatch_notification")
    tracking = [_identifier(t, 35, "tracking_numbers") for t in answer.tracking_numbers]
    tracking = [t for t in tracking if t]
    if len(tracking) > 9:
        raise FormatError(
            "a DESADV carries at most 9 tracking numbers (RFF+CN)", field="tracking_numbers"
        )
    body = [_seg("BGM", "351", document_id, "9"), _dtm_segment("137", answer.issued_at)]
    if answer.delivery_date:
        body.append(_dtm_segment("17", answer.delivery_date))
    body.append(_seg("RFF", ["ON", order_number]))
    body += [_seg("RFF", ["CN", number]) for number in tracking]
    body += _answer_parties(sender_id, recipient_id)
    if _text(answer.carrier):
        body.append(_seg("TDT", "20", "", "", "", ["", "", "", _text(answer.carrier)[:35]]))
    body.append(_seg("CPS", "1"))
    body += _ftx("AAI", answer.note)[:5]
    for line in answer.lines:
        body += _answer_line_head(line)
        if line.quantity is not None:
            body.append(_quantity("12", line.quantity, line.unit, line.line_no))
        body += _gin("BN", line.serial_numbers, "serial_numbers")
        body += _gin("BX", line.lot_numbers, "lot_numbers")
        if line.delivery_date:
            body.append(_dtm_segment("17", line.delivery_date))
        body += _ftx("AAI", line.note)[:5]
    body.append(_seg("CNT", ["2", str(len(answer.lines))]))
    unb = _unb(sender_id, recipient_id, answer.issued_at, interchange_ref)
    return _envelope(unb, "DESADV", body)


# --------------------------------------------------------------------------- reading messages


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _guard(read: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn any slip while interpreting segments into a FormatError (never another type)."""

    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return read(*args, **kwargs)
        except FormatError:
            raise
        except (
            ValueError,
            TypeError,
            IndexError,
            KeyError,
            AttributeError,
            InvalidOperation,
        ) as exc:
            raise FormatError(f"malformed EDIFACT message: {exc}") from None

    wrapper.__name__ = read.__name__
    wrapper.__doc__ = read.__doc__
    return wrapper


def _ftx_text(segment: RawSegment) -> str:
    return "".join(c for c in segment.components(3) if isinstance(c, str))


def _party_from_nad(segment: RawSegment, role: str) -> Party:
    identifier = segment.component(1, 0)
    agency = segment.component(1, 2)
    party = Party(role=role, country="")
    if identifier and (agency == "9" or (not agency and _is_gln(identifier))):
        party.gln = identifier
    elif identifier:
        party.party_id = identifier
    party.name = "".join(segment.components(3)).strip() if segment.element(3) else ""
    party.street = "".join(segment.components(4)).strip() if segment.element(4) else ""
    party.city = segment.component(5)
    party.postal_code = segment.component(7)
    party.country = segment.component(8) or "DE"
    return party


@_guard
def parse_orders(data: bytes) -> OrderDocument:
    """Read an ORDERS interchange (one message) into an :class:`OrderDocument`."""
    interchange = read_interchange(data)
    return _OrdersReader(interchange, _single(interchange, ("ORDERS",))).read()


#: Who a NAD names (3035), as OrderHub's party roles.
_NAD_ROLES = {"BY": "buyer", "SU": "supplier", "DP": "delivery", "ST": "delivery", "IV": "invoice"}


class _OrdersReader:
    """Reads one ORDERS message: one method per segment, the header's before the first LIN and
    the line's after it (``_HEADER`` / ``_LINE`` name them; other segments are skipped)."""

    _HEADER = ("BGM", "DTM", "FTX", "RFF", "NAD", "CTA", "COM", "CUX", "LIN", "UNS")
    _LINE = ("BGM", "LIN", "UNS", "PIA", "IMD", "QTY", "FTX", "PRI", "RFF")

    def __init__(self, interchange: Interchange, message: Message):
        self.interchange = interchange
        self.message = message
        self.order_number = self.document_code = ""
        self.order_date: datetime | None = None
        self.parties: dict[str, Party] = {}
        self.customer_number = ""
        self.notes: list[str] = []
        self.facts: dict[str, str] = {}
        self.attachments: list[Attachment] = []
        self.original_order = ""
        self.reference, self.currency = "", "EUR"
        self.items: list[OrderItem] = []
        #: The party whose CTA/COM follow (header only), the line being read and its IMD text.
        self.party: Party | None = None
        self.item: OrderItem | None = None
        self.description: list[str] = []

    def read(self) -> OrderDocument:
        for segment in self.message.segments[1:-1]:
            if self.item is None:
                if segment.tag in self._HEADER:
                    getattr(self, f"_{segment.tag.lower()}")(segment)
            elif segment.tag in self._LINE:
                getattr(self, f"_line_{segment.tag.lower()}")(segment)
        self._finish_item()
        return self._document()

    # -- the header

    def _bgm(self, segment: RawSegment) -> None:
        self.order_number = segment.component(1, 0)
        self.document_code = segment.component(0, 0)

    def _dtm(self, segment: RawSegment) -> None:
        if self.party is None:
            qualifier, stamp = _dtm(segment)
            if qualifier in ("137", "4"):
                self.order_date = stamp

    def _ftx(self, segment: RawSegment) -> None:
        kind = segment.component(2, 0)
        if kind == ATTACHMENT_FTX:
            found = _read_attachment(segment)
            if found is not None:
                self.attachments.append(found)
        elif kind == FACTS_FTX:
            parts = segment.components(3)
            if parts and len(parts) > 1:
                self.facts[parts[0].strip()] = parts[1].strip()
        elif segment.component(0) in ("AAI", "ZZZ", "PUR", "ORI", "DEL"):
            self.notes.append(_ftx_text(segment))

    def _rff(self, segment: RawSegment) -> None:
        qualifier, value = segment.component(0, 0), segment.component(0, 1)
        party = self.party
        if party is None and qualifier == "CR":
            self.reference = value
        elif party is None and qualifier == PRIOR_ORDER_RFF:
            self.original_order = value
        elif party is not None and party.role == "buyer" and qualifier in ("IT", "ADE"):
            self.customer_number = value
        elif party is not None and party.role == "supplier" and qualifier == "IA":
            party.party_id = value

    def _nad(self, segment: RawSegment) -> None:
        role = _NAD_ROLES.get(segment.component(0))
        self.party = _party_from_nad(segment, role) if role else None
        if role and self.party is not None:
            self.parties.setdefault(role, self.party)

    def _cta(self, segment: RawSegment) -> None:
        if self.party is not None:
            self.party.contact = segment.component(1, 1) or segment.component(1, 0) or None

    def _com(self, segment: RawSegment) -> None:
        if self.party is not None:
            kind, value = segment.component(0, 1), segment.component(0, 0)
            if kind == "EM":
                self.party.email = value or None
            elif kind == "TE":
                self.party.phone = value or None

    def _cux(self, segment: RawSegment) -> None:
        self.currency = segment.component(0, 1) or self.currency

    def _uns(self, segment: RawSegment) -> None:
        self._finish_item()
        self.item, self.party = None, None

    # -- a line: LIN starts it, the next LIN or UNS ends it

    def _lin(self, segment: RawSegment) -> None:
        self._finish_item()
        self.party, self.description = None, []
        line_text = segment.component(0)
        if not _LINE_NUMBER.fullmatch(line_text):
            raise FormatError(
                f"{segment.where()}: line number {line_text!r} is missing or not a number",
                field="LIN",
            )
        item = self.item = OrderItem(line_no=int(line_text), quantity=None)  # type: ignore[arg-type]
        item_id, kind = segment.component(2, 0), segment.component(2, 1)
        if item_id and kind in ("EN", "SRV", "UP", ""):
            item.gtin = item_id
        elif item_id and kind in ("SA", "SRS"):  # supplier's article number in LIN itself
            item.supplier_article_number = item_id
        elif item_id and kind == "MF":
            item.manufacturer_article_number = item_id

    _line_bgm = _bgm
    _line_lin = _lin
    _line_uns = _uns

    def _finish_item(self) -> None:
        item = self.item
        if item is not None:
            item.description = "".join(self.description).strip()
            if item.quantity is None:
                raise FormatError(f"line {item.line_no} has no QTY+21", field="QTY")
            self.items.append(item)
            self.item = None

    def _line_pia(self, segment: RawSegment) -> None:
        item = self._current()
        for index in range(1, len(segment.elements)):
            value, kind = segment.component(index, 0), segment.component(index, 1)
            if not value:
                continue
            if segment.component(index, 2) == "HMV":
                item.hmv_number = value
            elif kind in ("SA", "SRS"):
                item.supplier_article_number = value
            elif kind == "MF":
                item.manufacturer_article_number = value
            elif kind in ("EN", "SRV") and not item.gtin:
                item.gtin = value

    def _line_imd(self, segment: RawSegment) -> None:
        item = self._current()
        if segment.component(0) in ("F", "A", "E", "") and not segment.component(1):
            self.description += segment.components(2)[3:5]
        elif segment.component(1) == opts.EDIFACT_IMD["colour"]:
            code, name = segment.component(2, 0), segment.component(2, 3)
            if code or name:
                item.options["colour"] = opts.OptionValue(code=code, name=name)

    def _line_qty(self, segment: RawSegment) -> None:
        item = self._current()
        if segment.component(0, 0) == "21":
            item.quantity = _number(segment, 0, 1, "QTY")
            item.unit = segment.component(0, 2) or "C62"

    def _line_ftx(self, segment: RawSegment) -> None:
        item = self._current()
        parts = segment.components(3)
        key = parts[0].strip() if parts else ""
        kind = segment.component(2, 0)
        if kind == ATTACHMENT_FTX:
            found = _read_attachment(segment)
            if found is not None:
                item.attachments.append(found)
        elif kind == OPTION_FTX and key in opts.VOCABULARY:
            value = parts[1].strip() if len(parts) > 1 else ""
            code = parts[2].strip() if len(parts) > 2 else ""
            item.options[key] = opts.option_from_text(key, code or value, value if code else "")
        elif kind == FACTS_FTX and key == "pair":
            item.pair = parts[1].strip() if len(parts) > 1 else ""
        elif segment.component(0) == "ZZZ" and key:
            item.attributes[key] = "".join(parts[1:]).strip()

    def _line_pri(self, segment: RawSegment) -> None:
        if segment.component(0, 0) in ("AAA", "AAB", "CAL", "INF"):
            self._current().price = _number(segment, 0, 1, "PRI")

    def _line_rff(self, segment: RawSegment) -> None:
        if segment.component(0, 0) == "CR":
            self._current().reference = segment.component(0, 1)

    def _current(self) -> OrderItem:
        assert self.item is not None  # line handlers run inside a line only
        return self.item

    # -- the document

    def _document(self) -> OrderDocument:
        if not self.order_number:
            raise FormatError("ORDERS has no order number (BGM)", field="BGM")
        if self.order_date is None:
            raise FormatError("ORDERS has no document date (DTM+137)", field="DTM")
        if not self.items:
            raise FormatError("ORDERS has no line items (LIN)", field="LIN")
        facts = self.facts
        order_type = facts.get("order_type") or opts.ORDER_TYPE_FOR_BGM.get(
            self.document_code, "standard"
        )
        if order_type not in opts.ORDER_TYPE_CODES:
            order_type = "standard"
        buyer = self.parties.get("buyer") or Party(role="buyer")
        customer_number = self.customer_number or buyer.party_id or ""
        buyer.party_id = customer_number or None
        return OrderDocument(
            order_number=self.order_number,
            order_date=self.order_date,
            buyer=buyer,
            supplier=self.parties.get("supplier") or Party(role="supplier"),
            delivery=self.parties.get("delivery"),
            customer_number=customer_number,
            currency=self.currency,
            reference=self.reference,
            note="\n".join(n for n in self.notes if n),
            sender_id=self.interchange.sender,
            recipient_id=self.interchange.recipient,
            items=self.items,
            order_type=order_type,
            original_order_number=self.original_order,
            return_date=_fact_date(facts.get("return_date", "")),
            fitting_reference=facts.get("fitting_reference", ""),
            attachments=self.attachments,
        )


def _fact_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormatError(
            f"return_date is not a date (YYYY-MM-DD): {text[:20]!r}", field="FTX"
        ) from None


def parse_answer(data: bytes, *, order: OrderDocument | None = None) -> PartnerAnswer:
    """Read an ORDRSP or DESADV interchange with exactly one message.

    ``order`` lets ORDRSP lines without an action code be classified (see
    :func:`orderhub.formats.documents.line_status`).
    """
    interchange = read_interchange(data)
    message = _single(interchange, ("ORDRSP", "DESADV"))
    return _read_answer(interchange, message, order)


def parse_answers(data: bytes) -> list[PartnerAnswer]:
    """Every ORDRSP/DESADV message of an interchange (some partners batch them)."""
    interchange = read_interchange(data)
    answers = []
    for message in interchange.messages:
        if message.type not in ("ORDRSP", "DESADV"):
            raise FormatError(f"expected ORDRSP or DESADV messages, got {message.type}")
        answers.append(_read_answer(interchange, message, None))
    return answers


#: The quantities (6063) an answer line is read from. ORDRSP: the partner delivers QTY+113
#: (quantity to be delivered; else QTY+12, despatch quantity) now and QTY+83 (backorder) later —
#: together the confirmed quantity; QTY+21 (ordered) is the order's quantity echoed, taken only
#: when nothing else is given (a line accepted as ordered). DESADV: QTY+12, else 46, else 21.
QUANTITY_MEANINGS = {
    "21": "ordered",
    "113": "to_be_delivered",
    "12": "despatched",
    "46": "delivered",
    "83": "backordered",
}


def _first(quantities: dict[str, Decimal], *qualifiers: str) -> Decimal | None:
    for qualifier in qualifiers:
        if qualifier in quantities:
            return quantities[qualifier]
    return None


#: What a DTM qualifier (2005) in an answer means; dates are kept under these names.
DATE_MEANINGS = {
    "2": "requested",
    "10": "requested_shipment",
    "69": "promised",
    "17": "estimated_delivery",
    "132": "estimated_arrival",
    "64": "earliest_delivery",
    "63": "latest_delivery",
    "11": "despatched",
    "35": "delivered",
    "137": "document",
    "171": "reference",
}
#: Which dated meaning becomes the delivery date, most specific first, per answer kind.
#: A requested date (DTM+2) is never reported as the partner's promise, a despatch date
#: (DTM+11) never as the delivery date.
DELIVERY_DATE_RULE = {
    "ORDRSP": (
        "promised",
        "estimated_delivery",
        "estimated_arrival",
        "latest_delivery",
        "earliest_delivery",
    ),
    "DESADV": (
        "estimated_arrival",
        "estimated_delivery",
        "delivered",
        "promised",
        "latest_delivery",
        "earliest_delivery",
    ),
}


class _AnswerReader:
    """Reads one ORDRSP/DESADV message: one method per segment (group) that carries data."""

    def __init__(self, interchange: Interchange, message: Message):
        self.interchange = interchange
        self.message = message
        self.dispatch = message.type == "DESADV"
        self.answer = PartnerAnswer(
            kind="dispatch_notification" if self.dispatch else "order_response",
            order_number="",
            document_id="",
            issued_at=None,  # type: ignore[arg-type]
            sender_id=interchange.sender,
        )
        self.notes: list[str] = []
        self.line: AnswerLine | None = None
        self.actions: dict[int, str] = {}
        #: Per line: quantities by qualifier (6063), and whether PIA named a substitute.
        self.quantities: dict[int, dict[str, Decimal]] = {}
        self.substituted: set[int] = set()
        #: Inside a line's delivery schedule (SCC, then QTY/DTM pairs): the last QTY qualifier.
        self.schedule_qty: str | None = None
        self.in_package = False
        self.header_dates: dict[str, datetime] = {}
        self.line_dates: dict[int, dict[str, datetime]] = {}

    def read(self) -> PartnerAnswer:
        for segment in self.message.segments[1:-1]:
            handler = getattr(self, f"_{segment.tag.lower()}", None)
            if handler is not None:
                handler(segment)
        return self.answer

    # -- header and line segments

    def _bgm(self, segment: RawSegment) -> None:
        self.answer.document_id = segment.component(1, 0)

    def _dtm(self, segment: RawSegment) -> None:
        qualifier, value = _dtm(segment)
        meaning = DATE_MEANINGS.get(qualifier)
        if meaning is None:
            return
        if self.line is not None and self.schedule_qty is not None:
            # A date of the line's delivery schedule: when the backordered part arrives.
            if self.schedule_qty == "83" and self.line.backorder_date is None:
                self.line.backorder_date = value.date()
            return
        if self.line is not None:
            self.line_dates.setdefault(id(self.line), {}).setdefault(meaning, value)
        else:
            self.header_dates.setdefault(meaning, value)

    def _rff(self, segment: RawSegment) -> None:
        qualifier, value = segment.component(0, 0), segment.component(0, 1)
        if self.line is not None:
            if qualifier == "LI" and _LINE_NUMBER.fullmatch(value):
                self.line.line_no = int(value)
            elif qualifier == "ON" and value and not self.answer.order_number:
                self.answer.order_number = value
        elif qualifier == "ON":
            self.answer.order_number = value
        elif qualifier in ("CN", "AAS", "SRN") and value:
            self._tracking(value)

    def _tracking(self, value: str) -> None:
        if value not in self.answer.tracking_numbers:
            self.answer.tracking_numbers.append(value)

    def _ftx(self, segment: RawSegment) -> None:
        text = _ftx_text(segment)
        if self.line is not None:
            self.line.note = "\n".join(p for p in (self.line.note, text) if p)
        elif not self.dispatch or self.in_package:
            self.notes.append(text)

    def _tdt(self, segment: RawSegment) -> None:
        if self.line is None:
            carrier = segment.component(4, 3) or segment.component(4, 0)
            self.answer.carrier = carrier or self.answer.carrier

    def _nad(self, segment: RawSegment) -> None:
        if self.line is None and segment.component(0) == "CA":
            name = "".join(segment.components(3)).strip() or segment.component(1, 0)
            self.answer.carrier = name or self.answer.carrier

    def _cps(self, segment: RawSegment) -> None:
        self.in_package = True
        self.line = None
        self.schedule_qty = None

    def _lin(self, segment: RawSegment) -> None:
        line_text = segment.component(0)
        line_no = (
            int(line_text) if _LINE_NUMBER.fullmatch(line_text) else len(self.answer.lines) + 1
        )
        self.line = AnswerLine(line_no=line_no, status="shipped" if self.dispatch else "")
        self.actions[id(self.line)] = segment.component(1)
        self.quantities[id(self.line)] = {}
        self.schedule_qty = None
        item_id, kind = segment.component(2, 0), segment.component(2, 1)
        if item_id and kind in ("SA", "SRS"):
            self.line.supplier_article_number = item_id
        self.answer.lines.append(self.line)

    def _pia(self, segment: RawSegment) -> None:
        # PIA function (4347): 1/5 = the article's (additional) identification, 3 = substituted by.
        if self.line is None:
            return
        function = segment.component(0)
        for index in range(1, len(segment.elements)):
            if segment.component(index, 1) in ("SA", "SRS") and segment.component(index, 0):
                self.line.supplier_article_number = segment.component(index, 0)
                if function == "3":
                    self.substituted.add(id(self.line))

    def _qty(self, segment: RawSegment) -> None:
        if self.line is None:
            return
        qualifier = segment.component(0, 0)
        if self.schedule_qty is not None:
            self.schedule_qty = qualifier
            return
        if qualifier in QUANTITY_MEANINGS:
            self.quantities[id(self.line)].setdefault(qualifier, _number(segment, 0, 1, "QTY"))
            if segment.component(0, 2):
                self.line.unit = segment.component(0, 2)

    def _scc(self, segment: RawSegment) -> None:
        if self.line is not None:
            self.schedule_qty = ""

    def _pri(self, segment: RawSegment) -> None:
        # PRI+AAA: the net calculation price; gross and retail prices (AAB, SRP) are not confirmed
        # net prices and are left alone.
        if self.line is not None and segment.component(0, 0) == "AAA":
            self.line.price = _number(segment, 0, 1, "PRI")

    def _gin(self, segment: RawSegment) -> None:
        # GIN (7405): BJ = SSCC of a package (tracking), BN = serial number, BX = batch/lot number.
        kind = segment.component(0)
        numbers = []
        for index in range(1, len(segment.elements)):
            first, last = segment.component(index, 0), segment.component(index, 1)
            if first:
                numbers.append(f"{first}–{last}" if last and last != first else first)
        if kind == "BJ":
            for number in numbers:
                self._tracking(number)
        elif self.line is not None and kind == "BN":
            self.line.serial_numbers += [n for n in numbers if n not in self.line.serial_numbers]
        elif self.line is not None and kind == "BX":
            self.line.lot_numbers += [n for n in numbers if n not in self.line.lot_numbers]

    def _uns(self, segment: RawSegment) -> None:
        self.line = None
        self.schedule_qty = None

    _cnt = _uns

    # -- after the last segment

    def _order_response_line(
        self, line: AnswerLine, quantities: dict[str, Decimal], ordered: OrderItem | None
    ) -> None:
        """Quantities by meaning (QUANTITY_MEANINGS), then the status: the line action code
        (1229) when given, refined by a backorder or a substitute; else derived (line_status)."""
        backordered = quantities.get("83")
        now = _first(quantities, "113", "12")
        if now is not None or backordered is not None:
            line.quantity = (now or Decimal(0)) + (backordered or Decimal(0))
        else:
            line.quantity = quantities.get("21")  # accepted as ordered: the order's quantity
        line.backordered_quantity = backordered or None
        if line.backordered_quantity and line.backorder_date is None:
            line.backorder_date = line.delivery_date
        status = STATUS_FOR_ACTION.get(self.actions[id(line)])
        if status in ("confirmed", "changed") and line.backordered_quantity:
            status = "backordered"
        elif status in ("confirmed", "changed") and id(line) in self.substituted:
            status = "substituted"
        line.status = status or line_status(
            line.quantity,
            ordered,
            article=line.supplier_article_number,
            backordered=line.backordered_quantity,
        )

    def delivery_date(self, dates: dict[str, datetime]) -> date | None:
        for meaning in DELIVERY_DATE_RULE[self.message.type]:
            if meaning in dates:
                return dates[meaning].date()
        return None

    def finish(self, order: OrderDocument | None) -> PartnerAnswer:
        answer, kind = self.answer, self.message.type
        if not answer.document_id:
            raise FormatError(f"{kind} has no document number (BGM)", field="BGM")
        dates = self.header_dates
        issued_at = dates.get("document")
        if issued_at is None and self.dispatch:
            # Some DESADV carry only the despatch date; the interchange date is the fallback.
            issued_at = dates.get("despatched") or self.interchange.prepared
        if issued_at is None:
            raise FormatError(f"{kind} has no document date (DTM+137)", field="DTM")
        answer.issued_at = issued_at
        if not answer.order_number:
            raise FormatError(f"{kind} does not name the order (RFF+ON)", field="RFF")
        answer.delivery_date = self.delivery_date(dates)
        answer.dates = {
            meaning: value.date() for meaning, value in dates.items() if meaning != "document"
        }
        ordered = {i.line_no: i for i in order.items} if order else {}
        for line in answer.lines:
            line_dates = self.line_dates.get(id(line), {})
            line.delivery_date = self.delivery_date(line_dates)
            line.dates = {meaning: value.date() for meaning, value in line_dates.items()}
            quantities = self.quantities[id(line)]
            line.ordered_quantity = quantities.get("21")
            if self.dispatch:
                line.quantity = _first(quantities, "12", "46", "21")
                continue
            self._order_response_line(line, quantities, ordered.get(line.line_no))
        answer.note = "\n".join(n for n in self.notes if n)
        return answer


@_guard
def _read_answer(
    interchange: Interchange, message: Message, order: OrderDocument | None
) -> PartnerAnswer:
    reader = _AnswerReader(interchange, message)
    reader.read()
    return reader.finish(order)


__all__ = [
    "parse_answer",
    "parse_answers",
    "parse_orders",
    "read_interchange",
    "read_segments",
    "write_desadv",
    "write_orders",
    "write_ordrsp",
]
