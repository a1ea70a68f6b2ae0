"""EDIFACT ORDCHG D.96A (purchase order change request), written and read, in EANCOM style.

The envelope, character handling and value rules are those of :mod:`orderhub.formats.edifact`
(``UNOC:3``, German local time, identifiers never shortened); the segment order follows the
D.96A ORDCHG message structure in ``standards/edifact-d96a/ordchg.xml``.

What goes where (documented for partners in ``docs/partner-formats.md``):

* ``BGM+230+<order number>/<sequence>+4`` — 230 "purchase order change request", message
  function 4 "change"; a cancellation of the whole order has function 1 "cancellation" and no
  lines. The document number is the change's own number, the partner's deduplication key.
* ``DTM+137`` issued at; ``RFF+ON:<order number>`` with ``DTM+171`` (the order's date) names the
  order that changes.
* ``NAD+BY`` / ``NAD+SU`` as in the ORDERS.
* One ``LIN`` per line with the action code (1229): ``1`` added, ``2`` deleted, ``3`` changed.
  A changed line carries what changes: ``QTY+21`` new quantity, ``DTM+2`` new requested delivery
  date. An added line is written like an ORDERS line. Changed and deleted lines repeat the
  article (GTIN in ``LIN``, ``PIA+1`` numbers) so the partner can check the line.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydifact.control.characters import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from . import FormatError
from .changes import LineChange, OrderChange, check_change
from .documents import OrderDocument, OrderItem
from .edifact import (
    _LINE_NUMBER,
    CHARACTERS,
    MESSAGE_VERSION,
    RawSegment,
    _dtm,
    _dtm_segment,
    _ftx,
    _ftx_text,
    _guard,
    _identifier,
    _is_gln,
    _line,
    _nad,
    _number,
    _quantity,
    _seg,
    _single,
    _unb,
    read_interchange,
)
from .edifact_structure import check_structure

#: EANCOM association code of ORDCHG based on D.96A.
ASSOCIATION = "EAN005"
DOCUMENT_NAME = "230"  # purchase order change request
FUNCTION_FOR_KIND = {"change": "4", "cancel": "1"}
KIND_FOR_FUNCTION = {"4": "change", "1": "cancel"}
#: Line action codes (1229) in ORDCHG.
ACTION_ADDED, ACTION_DELETED, ACTION_CHANGED = "1", "2", "3"


def _envelope(unb: Segment, body: list[Segment]) -> bytes:
    message = [_seg("UNH", "1", ["ORDCHG", *MESSAGE_VERSION, ASSOCIATION]), *body]
    message.append(_seg("UNT", str(len(message) + 1), "1"))
    segments = [unb, *message, _seg("UNZ", "1", unb.elements[4])]
    text = Serializer(Characters.from_str("UNA" + CHARACTERS)).serialize(
        segments, with_una_header=True
    )
    return text.encode("latin-1", errors="replace")


def _parties(order: OrderDocument) -> list[Segment]:
    segments: list[Segment] = []
    account = _identifier(order.buyer_account, 35, "customer_number")
    buyer_gln = _identifier(order.buyer.gln, 35, "buyer.gln")
    if _is_gln(buyer_gln):
        segments += _nad("BY", order.buyer, buyer_gln, "9")
        if account:
            segments.append(_seg("RFF", ["IT", account]))
    else:
        segments += _nad("BY", order.buyer, account, "91")
    supplier = order.supplier
    gln = _identifier(supplier.gln, 35, "supplier.gln")
    own_id = _identifier(supplier.party_id, 35, "supplier.party_id")
    if _is_gln(gln):
        segments += _nad("SU", supplier, gln, "9")
        if own_id:
            segments.append(_seg("RFF", ["IA", own_id]))
    else:
        segments += _nad("SU", supplier, own_id, "92")
    return segments


def _lin(line_no: int, action: str, gtin: str | None) -> Segment:
    if not 0 < line_no < 1_000_000:
        raise FormatError(f"line number {line_no} does not fit EDIFACT (1…999999)", field="line_no")
    code = _identifier(gtin, 35, "gtin")
    if code:
        return _seg("LIN", str(line_no), action, [code, "SRV" if len(code) == 14 else "EN"])
    return _seg("LIN", str(line_no), action)


def _changed_line(item: OrderItem, line: LineChange) -> list[Segment]:
    action = ACTION_DELETED if line.removed else ACTION_CHANGED
    segments = [_lin(item.line_no, action, item.gtin)]
    article = _identifier(item.supplier_article_number, 35, "supplier_article_number")
    manufacturer = _identifier(item.manufacturer_article_number, 35, "manufacturer_article_number")
    ids = [[article, "SA"]] if article else []
    if manufacturer:
        ids.append([manufacturer, "MF"])
    if ids:
        segments.append(_seg("PIA", "1", *ids))
    if line.quantity is not None:
        segments.append(_quantity("21", line.quantity, item.unit, item.line_no))
    if line.delivery_date is not None:
        segments.append(_dtm_segment("2", line.delivery_date))
    segments += _ftx("AAI", line.note)[:99]
    return segments


def _added_line(item: OrderItem) -> list[Segment]:
    # Everything after LIN as in an ORDERS line (PIA, IMD, QTY+21, FTX, PRI, RFF).
    return [_lin(item.line_no, ACTION_ADDED, item.gtin), *_line(item)[1:]]


def write_ordchg(
    change: OrderChange,
    order: OrderDocument,
    *,
    interchange_ref: str,
    prepared_at: datetime | None = None,
) -> bytes:
    """One ORDCHG message in one interchange, for a change (or cancellation) of the sent ``order``,
    checked against the D.96A ORDCHG message structure (``edifact_structure``).

    Sender and recipient of the interchange are the order's. ``prepared_at`` (UNB date/time)
    defaults to the change's ``issued_at``, so a repeated delivery gives the same bytes.
    """
    check_change(change, order)
    document_id = _identifier(change.document_id, 35, "document_id")
    order_number = _identifier(change.order_number, 35, "order_number")
    body = [
        _seg("BGM", DOCUMENT_NAME, document_id, FUNCTION_FOR_KIND[change.kind]),
        _dtm_segment("137", change.issued_at),
        *_ftx("AAI", change.note),
        _seg("RFF", ["ON", order_number]),
        _dtm_segment("171", order.order_date),
        *_parties(order),
    ]
    ordered = {item.line_no: item for item in order.items}
    count = 0
    for line in change.lines:
        body += _changed_line(ordered[line.line_no], line)
        count += 1
    for item in change.added:
        body += _added_line(item)
        count += 1
    body.append(_seg("UNS", "S"))
    if count:
        body.append(_seg("CNT", ["2", str(count)]))
    unb = _unb(
        order.sender_id, order.recipient_id, prepared_at or change.issued_at, interchange_ref
    )
    data = _envelope(unb, body)
    # The writer checks its message against the D.96A ORDCHG structure: an ORDCHG that would
    # not conform fails here with the reason instead of reaching the partner.
    violations = check_structure(data, "ORDCHG")
    if violations:
        raise FormatError(
            f"the ORDCHG {change.document_id} would not conform to the D.96A structure, so it is "
            f"not sent: {'; '.join(violations[:3])}",
            field="ORDCHG",
        )
    return data


# --------------------------------------------------------------------------- reading


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


__all__ = ["ASSOCIATION", "parse_ordchg", "write_ordchg"]
