"""The partner side of EDIFACT, for the simulator (``simulator/``) and the tests: reading what
OrderHub sends (ORDERS, ORDCHG) and writing the answers (ORDRSP, DESADV). The Django apps never
import it (``.importlinter``); of the formats only :mod:`orderhub.formats.change_answers` does, for
the simulator's replies to a change.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydifact.segments import Segment

from .. import FormatError
from .. import options as opts
from ..changes import LineChange, OrderChange
from ..documents import AnswerLine, Attachment, OrderDocument, OrderItem, PartnerAnswer, Party
from .changes import ACTION_ADDED, ACTION_CHANGED, ACTION_DELETED, DOCUMENT_NAME, KIND_FOR_FUNCTION
from .syntax import (
    _LINE_NUMBER,
    ATTACHMENT_FTX,
    FACTS_FTX,
    OPTION_FTX,
    PRIOR_ORDER_RFF,
    Interchange,
    Message,
    RawSegment,
    _decimal_text,
    _dtm,
    _dtm_segment,
    _envelope,
    _ftx,
    _ftx_text,
    _guard,
    _identifier,
    _is_gln,
    _number,
    _quantity,
    _seg,
    _single,
    _text,
    _unb,
    read_interchange,
)

# --------------------------------------------------------------------------- ORDERS (reading)


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


# ------------------------------------------------------------------------- ORDRSP, DESADV (writing)


# Line action codes (data element 1229) in ORDRSP.
#: A backordered or substituted line is "accepted with amendment" (6); QTY+83 and PIA+3 say which.
ACTION_FOR_STATUS = {
    "confirmed": "5",
    "changed": "3",
    "backordered": "6",
    "substituted": "6",
    "rejected": "7",
}


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


# --------------------------------------------------------------------------- ORDCHG (reading)


class _Line:
    """A LIN group as read: its action, and what an added line needs."""

    def __init__(self, segment: RawSegment):
        text = segment.component(0)
        if not _LINE_NUMBER.fullmatch(text):
            raise FormatError(
                f"{segment.where()}: line number {text!r} is missing or not a number", field="LIN"
            )
        self.segment = segment
        self.action = segment.component(1)
        if self.action not in (ACTION_ADDED, ACTION_DELETED, ACTION_CHANGED):
            raise FormatError(
                f"{segment.where()}: line action {self.action!r} is none of 1 (added), "
                "2 (deleted), 3 (changed)",
                field="LIN",
            )
        self.item = OrderItem(line_no=int(text), quantity=Decimal(0))
        self.quantity: Decimal | None = None
        self.delivery_date: date | None = None
        self.notes: list[str] = []
        self.description: list[str] = []
        item_id, kind = segment.component(2, 0), segment.component(2, 1)
        if item_id and kind in ("EN", "SRV", "UP", ""):
            self.item.gtin = item_id
        elif item_id and kind in ("SA", "SRS"):
            self.item.supplier_article_number = item_id

    def read(self, segment: RawSegment) -> None:
        tag, item = segment.tag, self.item
        if tag == "PIA":
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
        elif tag == "IMD":
            if segment.component(0) in ("F", "A", "E", "") and not segment.component(1):
                self.description += segment.components(2)[3:5]
        elif tag == "QTY" and segment.component(0, 0) == "21":
            self.quantity = _number(segment, 0, 1, "QTY")
            item.unit = segment.component(0, 2) or "C62"
        elif tag == "DTM":
            qualifier, stamp = _dtm(segment)
            if qualifier in ("2", "10", "69"):
                self.delivery_date = stamp.date()
        elif tag == "FTX":
            parts = segment.components(3)
            key = parts[0].strip() if parts else ""
            if segment.component(0) == "ZZZ" and key:
                item.attributes[key] = "".join(parts[1:]).strip()
            else:
                self.notes.append(_ftx_text(segment))
        elif tag == "PRI" and segment.component(0, 0) in ("AAA", "AAB", "CAL", "INF"):
            item.price = _number(segment, 0, 1, "PRI")
        elif tag == "RFF" and segment.component(0, 0) == "CR":
            item.reference = segment.component(0, 1)

    def result(self) -> LineChange | OrderItem:
        note = "\n".join(n for n in self.notes if n)
        line_no = self.item.line_no
        if self.action == ACTION_ADDED:
            if self.quantity is None:
                raise FormatError(
                    f"{self.segment.where()}: added line {line_no} has no QTY+21", field="QTY"
                )
            self.item.quantity = self.quantity
            self.item.description = "".join(self.description).strip()
            return self.item
        if self.action == ACTION_DELETED:
            return LineChange(line_no=line_no, removed=True, note=note)
        if self.quantity is None and self.delivery_date is None:
            raise FormatError(
                f"{self.segment.where()}: changed line {line_no} says neither a new quantity "
                "(QTY+21) nor a new date (DTM+2)",
                field="LIN",
            )
        return LineChange(
            line_no=line_no, quantity=self.quantity, delivery_date=self.delivery_date, note=note
        )


@_guard
def parse_ordchg(data: bytes) -> OrderChange:
    """Read an ORDCHG interchange (one message) into an :class:`OrderChange`.

    The change sequence is the number after the last ``/`` of the BGM document number when the
    part before it is the order number (as OrderHub writes it); otherwise a ``RFF+ON`` reference
    version (``RFF+ON:<order>::<sequence>``).
    """
    interchange = read_interchange(data)
    message = _single(interchange, ("ORDCHG",))
    document_id, function, order_number, version = "", "", "", ""
    issued_at: datetime | None = None
    notes: list[str] = []
    lines: list[LineChange] = []
    added: list[OrderItem] = []
    current: _Line | None = None

    def finish() -> None:
        if current is not None:
            result = current.result()
            if isinstance(result, OrderItem):
                added.append(result)
            else:
                lines.append(result)

    for segment in message.segments[1:-1]:
        tag = segment.tag
        if tag == "LIN":
            finish()
            current = _Line(segment)
        elif tag in ("UNS", "CNT"):
            finish()
            current = None
        elif current is not None:
            current.read(segment)
        elif tag == "BGM":
            name = segment.component(0, 0)
            if name and name != DOCUMENT_NAME:
                raise FormatError(
                    f"{segment.where()}: document name {name!r}; an order change is 230",
                    field="BGM",
                )
            document_id, function = segment.component(1, 0), segment.component(2)
        elif tag == "DTM":
            qualifier, stamp = _dtm(segment)
            if qualifier == "137":
                issued_at = stamp
        elif tag == "FTX":
            notes.append(_ftx_text(segment))
        elif tag == "RFF" and segment.component(0, 0) == "ON":
            order_number = segment.component(0, 1)
            version = segment.component(0, 3)
    finish()

    if not document_id:
        raise FormatError("ORDCHG has no document number (BGM)", field="BGM")
    if function not in KIND_FOR_FUNCTION:
        raise FormatError(
            f"ORDCHG message function {function!r}: OrderHub reads 4 (change) and 1 (cancellation)",
            field="BGM",
        )
    if issued_at is None:
        raise FormatError("ORDCHG has no document date (DTM+137)", field="DTM")
    if not order_number:
        raise FormatError("ORDCHG does not name the order (RFF+ON)", field="RFF")
    prefix, _, suffix = document_id.rpartition("/")
    if prefix == order_number and suffix.isascii() and suffix.isdigit():
        sequence = int(suffix)
    elif version.isascii() and version.isdigit():
        sequence = int(version)
    else:
        raise FormatError(
            f"ORDCHG {document_id}: which change of order {order_number} is it? Write the "
            f"document number as {order_number}/<sequence> or RFF+ON:{order_number}::<sequence>",
            field="BGM",
        )
    kind = KIND_FOR_FUNCTION[function]
    return OrderChange(
        order_number=order_number,
        sequence=sequence,
        issued_at=issued_at,
        kind=kind,
        lines=lines if kind == "change" else [],
        added=added if kind == "change" else [],
        note="\n".join(n for n in notes if n),
        sender_id=interchange.sender,
    )


__all__ = ["parse_ordchg", "parse_orders", "write_desadv", "write_ordrsp"]
