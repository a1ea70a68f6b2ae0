"""The EDIFACT syntax every EDIFACT module shares: the interchange envelope (UNA, UNB … UNZ,
UNH … UNT), read and checked (:func:`read_segments`, :func:`read_interchange`) or written, and the
value and segment helpers (numbers, dates, Latin-1 text, identifiers never shortened, NAD, QTY,
FTX), with OrderHub's FTX/RFF vocabulary.

pydifact does the character work (release character ``?``, separators); the envelope is written
and checked here so that a truncated or spliced file is refused instead of half-read.
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

from .. import FormatError
from ..documents import LOCAL_TZ, Party, aware
from ..units import unit_code

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


# ---------------------------------------------------------------- writing segments and the envelope


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


__all__ = ["Interchange", "Message", "RawSegment", "read_interchange", "read_segments"]
