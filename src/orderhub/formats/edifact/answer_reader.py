"""What OrderHub reads back: a partner's ORDRSP or DESADV (:func:`parse_answer`, or
:func:`parse_answers` for an interchange that batches several messages).

Quantities (``QUANTITY_MEANINGS``) and dates (``DATE_MEANINGS``, ``DELIVERY_DATE_RULE``) are read
by their qualifiers' meaning; an ORDRSP line without an action code gets its status from the
quantities (:func:`orderhub.formats.documents.line_status`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .. import FormatError
from ..documents import AnswerLine, OrderDocument, OrderItem, PartnerAnswer, line_status
from .syntax import (
    _LINE_NUMBER,
    Interchange,
    Message,
    RawSegment,
    _dtm,
    _ftx_text,
    _guard,
    _number,
    _single,
    read_interchange,
)

#: Line action codes (data element 1229) of an ORDRSP line, as OrderHub's line status.
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


__all__ = ["parse_answer", "parse_answers"]
