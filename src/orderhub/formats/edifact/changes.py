"""EDIFACT ORDCHG D.96A (purchase order change request) as OrderHub writes it, in EANCOM style;
reading it is the partner's part (:mod:`.partner`).

The envelope, character handling and value rules are those of :mod:`.syntax`
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

from datetime import datetime

from pydifact.control.characters import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from .. import FormatError
from ..changes import LineChange, OrderChange, check_change
from ..documents import OrderDocument, OrderItem
from .order_writer import _line
from .structure import check_structure
from .syntax import (
    CHARACTERS,
    MESSAGE_VERSION,
    _dtm_segment,
    _ftx,
    _identifier,
    _is_gln,
    _nad,
    _quantity,
    _seg,
    _unb,
)

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
    checked against the D.96A ORDCHG message structure (:mod:`.structure`).

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


__all__ = ["ASSOCIATION", "write_ordchg"]
