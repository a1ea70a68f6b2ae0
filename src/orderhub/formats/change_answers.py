"""Changes after sending in JSON, and the partner's answer to a change in every format (issue 16).

**The change event** (webhook partners): :func:`write_change_event` — ``orderhub.order_change.v1``,
the change with what happens to each line and the order as it stands after it.

**The goods-receipt event** (webhook partners): :func:`write_receipt_event` —
``orderhub.goods_receipt.v1``, the JSON twin of the openTRANS RECEIPTACKNOWLEDGEMENT (what arrived,
per order line, with serial and lot numbers); :func:`read_receipt_event` reads it back.

**The partner's answer to a change** — :func:`read_change_reply` finds it in a document posted
to OrderHub; a document that answers no change gives ``None`` and is read as before:

* JSON ``{"kind": "change_response", "order_number", "sequence", "accepted": true|false,
  "note", "document_id", "issued_at"}`` (``document_id`` and ``issued_at`` optional);
* openTRANS 2.1 ``ORDERRESPONSE`` whose ``ORDERRESPONSE_INFO/ORDERCHANGE_SEQUENCE_ID`` names the
  change; ``HEADER_UDX/UDX.ORDERHUB.CHANGE_RESPONSE`` = ``accepted`` / ``refused`` (without it:
  accepted); its lines confirm the order after the change, the header ``REMARKS`` is the note;
* EDIFACT ``ORDRSP`` with ``RFF+ON:<order number>::<change number>`` (reference version number,
  as in the ORDCHG reader); ``BGM`` message function ``27`` (not accepted) refuses the change,
  ``29`` / ``4`` accept it; ``FTX`` is the note.

:func:`write_opentrans_change_reply` and :func:`write_ordrsp_change_reply` write such answers
(the supplier simulator uses them); both are checked like every writer (XSD, D.96A structure).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from . import FormatError, partner_json
from .changes import (
    GoodsReceipt,
    OrderChange,
    ReceivedLine,
    apply_change,
    check_change,
    check_receipt,
)
from .documents import OrderDocument, PartnerAnswer, aware
from .edifact.answer_reader import parse_answers
from .edifact.partner import write_ordrsp
from .edifact.structure import check_structure
from .edifact.syntax import read_interchange
from .opentrans._xml import _child, _load, _path, _text
from .opentrans.answer_reader import parse_answer
from .opentrans.partner import write_order_response
from .opentrans.schema import OT_NS, validate

CHANGE_EVENT_FORMAT = "orderhub.order_change.v1"
RECEIPT_EVENT_FORMAT = "orderhub.goods_receipt.v1"
CHANGE_RESPONSE_KIND = "change_response"
REPLY_UDX = "UDX.ORDERHUB.CHANGE_RESPONSE"
#: BGM message function (1225) of an ORDRSP that refuses a change.
NOT_ACCEPTED = "27"


@dataclass
class ChangeReply:
    """A partner's answer to change ``sequence`` of order ``order_number``."""

    order_number: str
    sequence: int
    accepted: bool
    document_id: str  # the partner's document number (with the kind, the deduplication key)
    issued_at: datetime | None = None
    note: str = ""
    sender_id: str = ""
    #: The order response the answer carries (openTRANS, EDIFACT): the order after the change.
    answer: PartnerAnswer | None = None


# --------------------------------------------------------------------------- the change event


def change_event_payload(change: OrderChange, order: OrderDocument) -> dict[str, Any]:
    """The change as JSON for webhook partners: what happens to each line, and the order after."""
    check_change(change, order)
    by_line = {line.line_no: line for line in change.lines}
    lines = []
    for item in order.items:
        line = by_line.get(item.line_no)
        if change.kind == "cancel" or (line is not None and line.removed):
            action = "deleted"
        elif line is not None:
            action = "changed"
        else:
            action = "unchanged"
        lines.append(
            {
                "line_no": item.line_no,
                "action": action,
                "quantity": partner_json._decimal(line.quantity) if line else None,
                "delivery_date": line.delivery_date.isoformat()
                if line and line.delivery_date
                else None,
                "note": line.note if line else "",
            }
        )
    after = partner_json.order_payload(apply_change(order, change))
    return {
        "format": CHANGE_EVENT_FORMAT,
        "type": "order.cancel_requested" if change.kind == "cancel" else "order.change_requested",
        "order_number": change.order_number,
        "sequence": change.sequence,
        "document_id": change.document_id,
        "kind": change.kind,
        "issued_at": aware(change.issued_at).isoformat(),
        "note": change.note,
        "lines": lines,
        "added": after["items"][len(after["items"]) - len(change.added) :] if change.added else [],
        "order": after,
        "answer_with": {
            "kind": CHANGE_RESPONSE_KIND,
            "order_number": change.order_number,
            "sequence": change.sequence,
            "accepted": True,
            "note": "",
        },
    }


def write_change_event(change: OrderChange, order: OrderDocument) -> bytes:
    return json.dumps(change_event_payload(change, order), ensure_ascii=False, indent=2).encode()


# --------------------------------------------------------------------------- the goods-receipt event


def receipt_event_payload(
    receipt: GoodsReceipt, order: OrderDocument | None = None
) -> dict[str, Any]:
    """The goods receipt as JSON for webhook partners; ``order`` (the sent order) supplies the
    article number and GTIN of lines that name none, as in the RECEIPTACKNOWLEDGEMENT."""
    check_receipt(receipt, order)
    ordered = {item.line_no: item for item in order.items} if order is not None else {}
    lines = []
    for line in receipt.lines:
        original = ordered.get(line.line_no)
        lines.append(
            {
                "line_no": line.line_no,
                "quantity": partner_json._decimal(line.quantity),
                "unit": line.unit,
                "supplier_article_number": line.supplier_article_number
                or (original.supplier_article_number if original else "")
                or None,
                "gtin": line.gtin or (original.gtin if original else None) or None,
                "serial_numbers": list(line.serial_numbers),
                "lot_numbers": list(line.lot_numbers),
                "complete": line.complete,
                "note": line.note,
            }
        )
    return {
        "format": RECEIPT_EVENT_FORMAT,
        "type": "order.goods_received",
        "order_number": receipt.order_number,
        "document_id": receipt.document_id,
        "received_at": aware(receipt.received_at).isoformat(),
        "issued_at": aware(receipt.issued_at or receipt.received_at).isoformat(),
        "dispatch_id": receipt.dispatch_id or None,
        "buyer_id": receipt.buyer_id or (order.buyer_account if order is not None else "") or None,
        "note": receipt.note,
        "lines": lines,
    }


def write_receipt_event(receipt: GoodsReceipt, order: OrderDocument | None = None) -> bytes:
    return json.dumps(receipt_event_payload(receipt, order), ensure_ascii=False, indent=2).encode()


def read_receipt_event(data: bytes) -> GoodsReceipt:
    """An ``orderhub.goods_receipt.v1`` event as a :class:`GoodsReceipt` (the simulator reads it)."""
    try:
        root = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"not JSON: {exc}") from None
    if not isinstance(root, dict) or root.get("format") != RECEIPT_EVENT_FORMAT:
        raise FormatError(f"not an {RECEIPT_EVENT_FORMAT} event", field="format")
    try:
        lines = [
            ReceivedLine(
                line_no=int(line["line_no"]),
                quantity=Decimal(str(line["quantity"])),
                unit=line.get("unit") or "C62",
                serial_numbers=[str(s) for s in line.get("serial_numbers") or []],
                lot_numbers=[str(s) for s in line.get("lot_numbers") or []],
                supplier_article_number=line.get("supplier_article_number") or "",
                gtin=line.get("gtin") or None,
                complete=line.get("complete"),
                note=line.get("note") or "",
            )
            for line in root.get("lines") or []
        ]
        receipt = GoodsReceipt(
            document_id=str(root.get("document_id") or ""),
            order_number=str(root.get("order_number") or ""),
            received_at=datetime.fromisoformat(root["received_at"]),
            issued_at=datetime.fromisoformat(root["issued_at"]) if root.get("issued_at") else None,
            lines=lines,
            dispatch_id=root.get("dispatch_id") or "",
            note=root.get("note") or "",
            buyer_id=root.get("buyer_id") or "",
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise FormatError(f"{RECEIPT_EVENT_FORMAT}: {type(exc).__name__}: {exc}") from None
    check_receipt(receipt)
    return receipt


def write_json_change_reply(reply: ChangeReply) -> bytes:
    payload: dict[str, Any] = {
        "kind": CHANGE_RESPONSE_KIND,
        "order_number": reply.order_number,
        "sequence": reply.sequence,
        "accepted": reply.accepted,
        "note": reply.note,
        "document_id": reply.document_id,
    }
    if reply.issued_at is not None:
        payload["issued_at"] = aware(reply.issued_at).isoformat()
    return json.dumps(payload, ensure_ascii=False).encode()


# --------------------------------------------------------------------------- reading answers


def read_change_reply(fmt: str, data: bytes) -> ChangeReply | None:
    """The answer to a change that ``data`` (``fmt``: opentrans, edifact, json) carries, or None."""
    if fmt == "json":
        return _json_reply(data)
    if fmt == "opentrans":
        return _opentrans_reply(data)
    if fmt == "edifact":
        return _edifact_reply(data)
    return None


def _json_reply(data: bytes) -> ChangeReply | None:
    try:
        root = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None  # the JSON reader says what is wrong
    if not isinstance(root, dict) or root.get("kind") != CHANGE_RESPONSE_KIND:
        return None
    order_number = root.get("order_number")
    if not isinstance(order_number, str) or not order_number.strip():
        raise FormatError("order_number is required", field="order_number")
    sequence = root.get("sequence")
    if isinstance(sequence, str) and sequence.isascii() and sequence.isdigit():
        sequence = int(sequence)
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise FormatError("sequence must be the change number (1, 2 …)", field="sequence")
    accepted = root.get("accepted")
    if not isinstance(accepted, bool):
        raise FormatError("accepted must be true or false", field="accepted")
    note = root.get("note") or ""
    if not isinstance(note, str):
        raise FormatError("note must be a string", field="note")
    document_id = root.get("document_id") or f"{order_number.strip()}/{sequence}"
    if not isinstance(document_id, str):
        raise FormatError("document_id must be a string", field="document_id")
    issued_at = None
    if root.get("issued_at"):
        try:
            issued_at = aware(datetime.fromisoformat(str(root["issued_at"])))
        except ValueError:
            raise FormatError("issued_at is not an ISO 8601 date-time", field="issued_at") from None
    return ChangeReply(
        order_number=order_number.strip(),
        sequence=sequence,
        accepted=accepted,
        document_id=document_id,
        issued_at=issued_at,
        note=note[:500],
        sender_id=str(root.get("sender_id") or ""),
    )


def _opentrans_reply(data: bytes) -> ChangeReply | None:
    root = _load(data, ("ORDERRESPONSE", "DISPATCHNOTIFICATION"))
    if root.tag != "ORDERRESPONSE":
        return None
    info = _path(root, "ORDERRESPONSE_HEADER", "ORDERRESPONSE_INFO")
    sequence_text = _text(_child(info, "ORDERCHANGE_SEQUENCE_ID"))
    if not sequence_text:
        return None
    if not sequence_text.isascii() or not sequence_text.isdigit() or int(sequence_text) < 1:
        raise FormatError(
            f"ORDERCHANGE_SEQUENCE_ID is not a change number: {sequence_text[:20]!r}",
            field="ORDERCHANGE_SEQUENCE_ID",
        )
    decision = _text(_path(info, "HEADER_UDX", REPLY_UDX)).lower()
    if decision not in ("", "accepted", "refused"):
        raise FormatError(
            f"{REPLY_UDX} is 'accepted' or 'refused', not {decision[:20]!r}", field=REPLY_UDX
        )
    answer = parse_answer(data)
    return ChangeReply(
        order_number=answer.order_number,
        sequence=int(sequence_text),
        accepted=decision != "refused",
        document_id=answer.document_id,
        issued_at=answer.issued_at,
        note=answer.note[:500],
        sender_id=answer.sender_id,
        answer=answer,
    )


def _edifact_reply(data: bytes) -> ChangeReply | None:
    interchange = read_interchange(data)
    found = []
    for message in interchange.messages:
        if message.type != "ORDRSP":
            continue
        function, version = "", ""
        for segment in message.segments:
            if segment.tag == "BGM":
                function = segment.component(2)
            elif segment.tag == "RFF" and segment.component(0, 0) == "ON":
                version = segment.component(0, 3)
        if version:
            found.append((function, version))
    if not found:
        return None
    if len(interchange.messages) > 1:
        raise FormatError(
            "an answer to an order change comes alone: one ORDRSP per interchange", field="UNH"
        )
    function, version = found[0]
    if not version.isascii() or not version.isdigit() or int(version) < 1:
        raise FormatError(
            f"RFF+ON reference version {version[:20]!r} is not a change number", field="RFF"
        )
    answer = parse_answers(data)[0]
    return ChangeReply(
        order_number=answer.order_number,
        sequence=int(version),
        accepted=function != NOT_ACCEPTED,
        document_id=answer.document_id,
        issued_at=answer.issued_at,
        note=answer.note[:500],
        sender_id=interchange.sender,
        answer=answer,
    )


# --------------------------------------------------------------------------- writing answers


def write_opentrans_change_reply(answer: PartnerAnswer, sequence: int, accepted: bool) -> bytes:
    """An openTRANS ORDERRESPONSE answering change ``sequence`` (XSD-validated)."""
    root = etree.fromstring(write_order_response(answer))
    ns = OT_NS
    info = root.find(f"{{{ns}}}ORDERRESPONSE_HEADER/{{{ns}}}ORDERRESPONSE_INFO")
    if info is None:  # pragma: no cover - the writer always writes it
        raise FormatError("ORDERRESPONSE without ORDERRESPONSE_INFO")
    element = etree.Element(f"{{{ns}}}ORDERCHANGE_SEQUENCE_ID")
    element.text = str(sequence)
    after = None
    for name in ("SUPPLIER_ORDER_ID", "ALT_CUSTOMER_ORDER_ID", "ORDER_DATE", "ORDERRESPONSE_DATE"):
        after = info.find(f"{{{ns}}}{name}")
        if after is not None:
            break
    if after is None:  # pragma: no cover
        raise FormatError("ORDERRESPONSE_INFO without ORDERRESPONSE_DATE")
    after.addnext(element)
    udx = info.find(f"{{{ns}}}HEADER_UDX")
    if udx is None:
        udx = etree.SubElement(info, f"{{{ns}}}HEADER_UDX")
    decision = etree.SubElement(udx, f"{{{ns}}}{REPLY_UDX}")
    decision.text = "accepted" if accepted else "refused"
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(data)
    return data


def write_ordrsp_change_reply(
    answer: PartnerAnswer,
    sequence: int,
    accepted: bool,
    *,
    sender_id: str,
    recipient_id: str,
    interchange_ref: str,
) -> bytes:
    """An EDIFACT ORDRSP answering change ``sequence``: ``RFF+ON:<order>::<n>``, BGM function
    ``27`` when refused (checked against the D.96A ORDRSP structure)."""
    data = write_ordrsp(
        answer, sender_id=sender_id, recipient_id=recipient_id, interchange_ref=interchange_ref
    )
    text = data.decode("latin-1")
    reference = f"RFF+ON:{_released(answer.order_number)}'"
    if text.count(reference) != 1:  # pragma: no cover - the writer writes it once
        raise FormatError("ORDRSP without its RFF+ON", field="RFF")
    text = text.replace(reference, f"RFF+ON:{_released(answer.order_number)}::{sequence}'")
    if not accepted:
        text = re.sub(
            r"(BGM\+231\+(?:[^'?]|\?.)*\+)[0-9]+'", rf"\g<1>{NOT_ACCEPTED}'", text, count=1
        )
    result = text.encode("latin-1")
    violations = check_structure(result, "ORDRSP")
    if violations:
        raise FormatError(f"ORDRSP does not conform to D.96A: {'; '.join(violations[:3])}")
    return result


def _released(value: str) -> str:
    return re.sub(r"([?:+'])", r"?\1", value)


__all__ = [
    "CHANGE_EVENT_FORMAT",
    "CHANGE_RESPONSE_KIND",
    "ChangeReply",
    "change_event_payload",
    "read_change_reply",
    "write_change_event",
    "write_json_change_reply",
    "write_opentrans_change_reply",
    "write_ordrsp_change_reply",
]
