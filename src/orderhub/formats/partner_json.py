"""JSON for webhook partners: the order OrderHub posts, and the answers partners post back.

The shapes are part of the partner contract and documented in ``docs/partner-formats.md``.
Writers emit decimals as strings (exact, no binary floating point); readers accept numbers or
strings. Dates are ISO 8601; date-times without an offset are read as German local time.
Every reading error is a :class:`FormatError` whose ``field`` names the offending member with a
JSON path such as ``items[2].quantity``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NoReturn, overload

from . import FormatError
from . import options as opts
from .documents import (
    ANSWER_KINDS,
    LINE_STATUSES,
    AnswerLine,
    Attachment,
    OrderDocument,
    OrderItem,
    PartnerAnswer,
    Party,
    aware,
    line_status,
)

ORDER_FORMAT = "orderhub.order.v1"
MAX_BYTES = 5 * 1024 * 1024
_PARTY_FIELDS = (
    "party_id",
    "gln",
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "email",
    "phone",
    "contact",
)


# --------------------------------------------------------------------------- writing


def _decimal(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not value.is_finite():
        raise FormatError(f"not a finite number: {value}")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def _datetime(value: datetime) -> str:
    return aware(value).isoformat()


def _party(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {"role": party.role, **{name: getattr(party, name) for name in _PARTY_FIELDS}}


def _dump(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")


def order_payload(doc: OrderDocument) -> dict[str, Any]:
    """The order as a JSON-ready dict (what :func:`write_order` serializes)."""
    return {
        "format": ORDER_FORMAT,
        "order_number": doc.order_number,
        "order_date": _datetime(doc.order_date),
        "customer_number": doc.buyer_account,
        "currency": doc.currency,
        "reference": doc.reference,
        "note": doc.note,
        "sender_id": doc.sender_id,
        "recipient_id": doc.recipient_id,
        "buyer": _party(doc.buyer),
        "supplier": _party(doc.supplier),
        "delivery": _party(doc.delivery),
        "order_type": doc.order_type or "standard",
        "original_order_number": doc.original_order_number or None,
        "return_date": doc.return_date.isoformat() if doc.return_date else None,
        "fitting_reference": doc.fitting_reference or None,
        "items": [
            {
                "line_no": item.line_no,
                "quantity": _decimal(item.quantity),
                "unit": item.unit,
                "supplier_article_number": item.supplier_article_number,
                "gtin": item.gtin,
                "hmv_number": item.hmv_number,
                "manufacturer_article_number": item.manufacturer_article_number,
                "description": item.description,
                "price": _decimal(item.price),
                "attributes": dict(item.attributes),
                "reference": item.reference,
                "options": opts.to_json(item.options),
                "pair": item.pair or None,
                "attachments": _attachments(item.attachments),
            }
            for item in doc.items
        ],
        "attachments": _attachments(doc.attachments),
    }


def _attachments(attachments: list[Attachment]) -> list[dict[str, Any]]:
    """Issue 17: a signed, expiring ``url`` with the file's ``sha256``, type and size; a tracking
    number as ``text``."""
    out: list[dict[str, Any]] = []
    for a in attachments:
        if a.kind == "tracking_number":
            out.append({"kind": a.kind, "text": a.text})
        else:
            out.append(
                {
                    "kind": a.kind,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                    "url": a.url,
                }
            )
    return out


def _read_attachments(obj: _Object) -> list[Attachment]:
    out = []
    for index, raw in enumerate(obj.array("attachments")):
        entry = _Object(raw, f"{obj.field('attachments')}[{index}]")
        out.append(
            Attachment(
                kind=entry.string("kind", required=True),
                filename=entry.string("filename"),
                content_type=entry.string("content_type"),
                size=entry.integer("size") or 0,
                sha256=entry.string("sha256"),
                url=entry.string("url"),
                text=entry.string("text"),
            )
        )
    return out


def write_order(doc: OrderDocument) -> bytes:
    """The order as UTF-8 JSON (see :func:`order_payload`)."""
    return _dump(order_payload(doc))


def answer_payload(answer: PartnerAnswer) -> dict[str, Any]:
    return {
        "kind": answer.kind,
        "document_id": answer.document_id,
        "order_number": answer.order_number,
        "issued_at": _datetime(answer.issued_at),
        "delivery_date": answer.delivery_date.isoformat() if answer.delivery_date else None,
        "lines": [
            {
                "line_no": line.line_no,
                "status": line.status,
                "quantity": _decimal(line.quantity),
                "supplier_article_number": line.supplier_article_number,
                "delivery_date": line.delivery_date.isoformat() if line.delivery_date else None,
                "note": line.note,
                "backordered_quantity": _decimal(line.backordered_quantity),
                "backorder_date": line.backorder_date.isoformat() if line.backorder_date else None,
                "price": _decimal(line.price),
                "serial_numbers": list(line.serial_numbers),
                "lot_numbers": list(line.lot_numbers),
            }
            for line in answer.lines
        ],
        "tracking_numbers": list(answer.tracking_numbers),
        "carrier": answer.carrier,
        "note": answer.note,
        "sender_id": answer.sender_id,
    }


def write_answer(answer: PartnerAnswer) -> bytes:
    return _dump(answer_payload(answer))


# --------------------------------------------------------------------------- reading


class _Object:
    """Typed access to one JSON object; errors name the member by its JSON path."""

    def __init__(self, value: Any, path: str):
        if not isinstance(value, dict):
            raise FormatError(f"{path or 'document'} must be a JSON object", field=path or None)
        self.value = value
        self.path = path

    def field(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def raw(self, name: str, required: bool) -> Any:
        value = self.value.get(name)
        if required and (value is None or value == ""):
            raise FormatError(f"{self.field(name)} is required", field=self.field(name))
        return value

    def string(self, name: str, *, required: bool = False, default: str = "") -> str:
        value = self.raw(name, required)
        if value is None:
            return default
        if not isinstance(value, str):
            raise FormatError(f"{self.field(name)} must be a string", field=self.field(name))
        return value

    def optional_string(self, name: str) -> str | None:
        return self.string(name, default="") or None

    # A required member is never None: raw() raises instead (hence the overloads).
    @overload
    def decimal(self, name: str, *, required: Literal[True]) -> Decimal: ...
    @overload
    def decimal(self, name: str, *, required: bool = False) -> Decimal | None: ...
    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.raw(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
            raise FormatError(f"{self.field(name)} must be a number", field=self.field(name))
        try:
            number = Decimal(value.strip() if isinstance(value, str) else str(value))
        except InvalidOperation:
            raise FormatError(
                f"{self.field(name)} is not a number: {str(value)[:30]!r}", field=self.field(name)
            ) from None
        if not number.is_finite():
            raise FormatError(f"{self.field(name)} must be a finite number", field=self.field(name))
        return number

    @overload
    def integer(self, name: str, *, required: Literal[True]) -> int: ...
    @overload
    def integer(self, name: str, *, required: bool = False) -> int | None: ...
    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.raw(name, required)
        if value is None:
            return None
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise FormatError(f"{self.field(name)} must be an integer", field=self.field(name))
        return value

    @overload
    def datetime(self, name: str, *, required: Literal[True]) -> datetime: ...
    @overload
    def datetime(self, name: str, *, required: bool = False) -> datetime | None: ...
    def datetime(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.string(name, required=required)
        if not value:
            return None
        try:
            return aware(datetime.fromisoformat(value))
        except ValueError:
            raise FormatError(
                f"{self.field(name)} is not an ISO 8601 date-time: {value[:40]!r}",
                field=self.field(name),
            ) from None

    def date(self, name: str) -> date | None:
        value = self.string(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            raise FormatError(
                f"{self.field(name)} is not an ISO 8601 date: {value[:40]!r}",
                field=self.field(name),
            ) from None

    def strings(self, name: str) -> list[str]:
        """An optional array of strings (empty strings dropped)."""
        values = self.array(name)
        if not all(isinstance(v, str) for v in values):
            raise FormatError(
                f"{self.field(name)} must be an array of strings", field=self.field(name)
            )
        return [v.strip() for v in values if v.strip()]

    def array(self, name: str, *, required: bool = False) -> list[Any]:
        value = self.raw(name, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise FormatError(f"{self.field(name)} must be an array", field=self.field(name))
        return value

    @overload
    def object(self, name: str, *, required: Literal[True]) -> _Object: ...
    @overload
    def object(self, name: str, *, required: bool = False) -> _Object | None: ...
    def object(self, name: str, *, required: bool = False) -> _Object | None:
        value = self.raw(name, required)
        if value is None:
            return None
        return _Object(value, self.field(name))


def _reject_constant(name: str) -> NoReturn:
    raise FormatError(f"{name} is not a number JSON allows")


def _load(data: bytes) -> _Object:
    if not isinstance(data, (bytes, bytearray)):
        raise FormatError("JSON documents are bytes")
    if len(data) > MAX_BYTES:
        raise FormatError(f"JSON document too large: {len(data)} bytes, limit {MAX_BYTES}")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"JSON must be UTF-8: invalid byte at position {exc.start}") from None
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"malformed JSON: {exc.msg} (column {exc.colno})", line=exc.lineno
        ) from None
    except RecursionError:
        raise FormatError("malformed JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. integers beyond Python's digit limit
        raise FormatError(f"malformed JSON: {exc}") from None
    return _Object(value, "")


@overload
def _read_party(obj: _Object, role: str, *, required: Literal[True]) -> Party: ...
@overload
def _read_party(obj: _Object | None, role: str, *, required: bool) -> Party | None: ...
def _read_party(obj: _Object | None, role: str, *, required: bool) -> Party | None:
    if obj is None:
        if required:
            raise FormatError(f"{role} is required", field=role)
        return None
    return Party(
        role=role,
        party_id=obj.optional_string("party_id"),
        gln=obj.optional_string("gln"),
        name=obj.string("name"),
        street=obj.string("street"),
        postal_code=obj.string("postal_code"),
        city=obj.string("city"),
        country=obj.string("country", default="DE") or "DE",
        email=obj.optional_string("email"),
        phone=obj.optional_string("phone"),
        contact=obj.optional_string("contact"),
    )


def parse_order(data: bytes) -> OrderDocument:
    """Read an order written by :func:`write_order`."""
    root = _load(data)
    buyer = _read_party(root.object("buyer", required=True), "buyer", required=True)
    supplier = _read_party(root.object("supplier", required=True), "supplier", required=True)
    items = []
    raw_items = root.array("items", required=True)
    if not raw_items:
        raise FormatError("items must contain at least one line", field="items")
    for index, raw in enumerate(raw_items):
        obj = _Object(raw, f"items[{index}]")
        attributes = obj.raw("attributes", False) or {}
        if not isinstance(attributes, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()
        ):
            raise FormatError(
                f"{obj.field('attributes')} must map strings to strings",
                field=obj.field("attributes"),
            )
        items.append(
            OrderItem(
                line_no=obj.integer("line_no", required=True),
                quantity=obj.decimal("quantity", required=True),
                unit=obj.string("unit", default="C62") or "C62",
                supplier_article_number=obj.string("supplier_article_number"),
                gtin=obj.optional_string("gtin"),
                hmv_number=obj.optional_string("hmv_number"),
                manufacturer_article_number=obj.optional_string("manufacturer_article_number"),
                description=obj.string("description"),
                price=obj.decimal("price"),
                attributes=dict(attributes),
                reference=obj.string("reference"),
                options=_read_options(obj),
                pair=obj.string("pair"),
                attachments=_read_attachments(obj),
            )
        )
    customer_number = root.string("customer_number") or (buyer.party_id or "")
    order_type = root.string("order_type", default="standard") or "standard"
    if order_type not in opts.ORDER_TYPE_CODES:
        raise FormatError(
            f"order_type must be one of {', '.join(opts.ORDER_TYPE_CODES)}, not {order_type[:40]!r}",
            field="order_type",
        )
    return OrderDocument(
        order_number=root.string("order_number", required=True),
        order_date=root.datetime("order_date", required=True),
        buyer=buyer,
        supplier=supplier,
        delivery=_read_party(root.object("delivery"), "delivery", required=False),
        customer_number=customer_number,
        currency=root.string("currency", default="EUR") or "EUR",
        reference=root.string("reference"),
        note=root.string("note"),
        sender_id=root.string("sender_id", default="ORDERHUB") or "ORDERHUB",
        recipient_id=root.string("recipient_id"),
        items=items,
        order_type=order_type,
        original_order_number=root.string("original_order_number"),
        return_date=root.date("return_date"),
        fitting_reference=root.string("fitting_reference"),
        attachments=_read_attachments(root),
    )


def _read_options(item: _Object) -> dict[str, opts.OptionValue]:
    """``options`` of an item as OrderHub writes them: ``{key: {"value", "code", "name"}}``."""
    raw = item.object("options")
    if raw is None:
        return {}
    out = {}
    for key, value in raw.value.items():
        where = raw.field(str(key))
        if key not in opts.VOCABULARY:
            raise FormatError(f"{where} is no option OrderHub knows", field=where)
        entry = _Object(value, where)
        option = opts.OptionValue(
            value=entry.string("value"), code=entry.string("code"), name=entry.string("name")
        )
        if not option.as_dict():
            raise FormatError(f"{where} is empty", field=where)
        out[str(key)] = option
    return out


def parse_answer(data: bytes, *, order: OrderDocument | None = None) -> PartnerAnswer:
    """Read an order response or dispatch notification a partner posted as JSON.

    A line without ``status`` is classified from its quantity (and ``order``, when given) for
    order responses, and is ``shipped`` in dispatch notifications.
    """
    root = _load(data)
    kind = root.string("kind", required=True)
    if kind not in ANSWER_KINDS:
        raise FormatError(
            f"kind must be one of {', '.join(ANSWER_KINDS)}, not {kind[:40]!r}", field="kind"
        )
    ordered = {item.line_no: item for item in order.items} if order else {}
    lines = []
    for index, raw in enumerate(root.array("lines")):
        obj = _Object(raw, f"lines[{index}]")
        line_no = obj.integer("line_no", required=True)
        quantity = obj.decimal("quantity")
        article = obj.optional_string("supplier_article_number")
        backordered = obj.decimal("backordered_quantity") or None
        status = obj.string("status")
        if not status:
            status = (
                "shipped"
                if kind == "dispatch_notification"
                else line_status(
                    quantity, ordered.get(line_no), article=article, backordered=backordered
                )
            )
        allowed = (
            ("shipped",)
            if kind == "dispatch_notification"
            else tuple(s for s in LINE_STATUSES if s != "shipped")
        )
        if status not in allowed:
            raise FormatError(
                f"{obj.field('status')} must be {' or '.join(allowed)} in a "
                f"{kind.replace('_', ' ')}",
                field=obj.field("status"),
            )
        lines.append(
            AnswerLine(
                line_no=line_no,
                status=status,
                quantity=quantity,
                supplier_article_number=article,
                delivery_date=obj.date("delivery_date"),
                note=obj.string("note"),
                backordered_quantity=backordered,
                backorder_date=obj.date("backorder_date"),
                price=obj.decimal("price"),
                serial_numbers=obj.strings("serial_numbers"),
                lot_numbers=obj.strings("lot_numbers"),
            )
        )
    tracking = root.array("tracking_numbers")
    if not all(isinstance(t, str) for t in tracking):
        raise FormatError("tracking_numbers must be an array of strings", field="tracking_numbers")
    return PartnerAnswer(
        kind=kind,
        order_number=root.string("order_number", required=True),
        document_id=root.string("document_id", required=True),
        issued_at=root.datetime("issued_at", required=True),
        lines=lines,
        delivery_date=root.date("delivery_date"),
        tracking_numbers=[t for t in tracking if t],
        carrier=root.string("carrier"),
        note=root.string("note"),
        sender_id=root.string("sender_id"),
    )


__all__ = [
    "ORDER_FORMAT",
    "answer_payload",
    "order_payload",
    "parse_answer",
    "parse_order",
    "write_answer",
    "write_order",
]
