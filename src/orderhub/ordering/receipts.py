"""Goods receipt (Wareneingang, issue 16): the practice books what arrived, per line or by scanning
the GS1 DataMatrix / GS1-128 on the boxes, and OrderHub records how it differs from the dispatch
notification.

**What a receipt is compared with.** With a ``shipment`` (the partner's dispatch notification
number) the receipt is compared with that shipment's lines; without one, with everything notified
for the order that earlier receipts have not received yet. An order without any dispatch
notification is compared with what was confirmed (or ordered), without serial and lot checks.
Only the lines the receipt names are compared — unless it is ``complete`` (the whole delivery is
booked): then every line still expected and not named counts as not received.

**Differences** (:class:`~orderhub.ordering.models.ReceiptDifference`, codes with parameters):
``short`` (fewer units than notified), ``surplus`` (more), ``serial_not_notified`` (a serial number
the dispatch notification does not list for the line), ``serial_missing`` (a notified serial that
did not arrive — checked when the line's serial numbers were read), ``wrong_article`` (the box's
GTIN is not the line's), ``unexpected_article`` (a scan that belongs to no line of the order) and
``lot_differs`` (a lot the notification does not list for the line). :func:`describe` renders the
German or English sentence.

**Scans.** Each scan is one box: :func:`orderhub.formats.gs1.parse` reads it (symbology identifier
optional, the printed ``(01)…`` form too). The FNC1 separator is accepted as sent by scanners:
ASCII GS (``\\x1d``), the text ``<GS>`` (any case), ``^]`` (how a keyboard wedge shows Ctrl-]),
``␝`` (U+241D) and ``{GS}``. A scan goes to the line whose GTIN (``OrderLine.gtin`` or the
identified article's) it carries, or to the line whose shipments list its serial number; a scan
may name its line (``position``) itself. A scan that matches no line is an ``unexpected_article``.
A bad scan is a 422 naming ``scans[i]`` and the character position in the text as given.

Every 422 carries a code with parameters (``errors[0].code``/``params``; ``gs1.<code>`` for a
scan, :data:`orderhub.formats.gs1.MESSAGES`) besides its English ``message``; the portal says the
code in the reader's language (:mod:`orderhub.ordering.receipt_messages`).

**Binaural pairs** are received like any two lines (parcels split, nothing is refused), but the
dashboard's form shows the two sides together, and while one side has arrived and the other not,
:func:`pair_gaps` says which side is still outstanding (the pair is fitted together).

**Idempotent**: the ``Idempotency-Key`` (or the body's ``client_id``) identifies the request; the
same key with the same body answers with the receipt booked the first time, with another body 409.

After booking, :data:`orderhub.ordering.signals.goods_received` announces the receipt (in the
booking's transaction): delivery stores the acknowledgement for partners whose channel sends one
(openTRANS RECEIPTACKNOWLEDGEMENT over HTTP or SFTP, the signed JSON event for webhook partners)
and puts it in its outbox; :func:`mark_acknowledged` / :func:`mark_not_acknowledged` put the
outcome in the order's timeline.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from orderhub.core import actors
from orderhub.core.actors import Actor
from orderhub.core.problems import Conflict, InvalidInput
from orderhub.formats import changes, gs1
from orderhub.formats import options as opts
from orderhub.masterdata.models import Employee
from orderhub.ordering import hearing, signals
from orderhub.ordering import status as order_status
from orderhub.ordering.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Order,
    OrderLine,
    ReceiptDifference,
    Shipment,
    ShipmentLine,
)
from orderhub.ordering.models import OrderStatus as S

K = ReceiptDifference.Kind

#: Goods can arrive once the order went out (a dispatch notification may be missing or late).
RECEIVABLE = {S.SENT, S.CONFIRMED, S.PARTIALLY_CONFIRMED, S.PARTIALLY_SHIPPED, S.SHIPPED}

#: How scanners send FNC1 when they cannot send ASCII GS (29) through a keyboard: all read as GS.
GS_SPELLINGS = ("<GS>", "{GS}", "^]", "\u241d")
_GS_PATTERN = re.compile("|".join(re.escape(s) for s in GS_SPELLINGS), re.IGNORECASE)

#: The sentence of each difference; parameters by name (quantities already formatted).
SENTENCES: dict[str, str] = {
    K.SHORT: gettext_noop(
        "Pos. %(position)s: %(missing)s Stück fehlen (versandt %(expected)s, erhalten "
        "%(received)s)."
    ),
    K.SURPLUS: gettext_noop(
        "Pos. %(position)s: %(surplus)s Stück mehr erhalten als versandt (versandt "
        "%(expected)s, erhalten %(received)s)."
    ),
    K.SERIAL_NOT_NOTIFIED: gettext_noop(
        "Pos. %(position)s: Seriennummer %(serial)s steht nicht in der Versandmeldung."
    ),
    K.SERIAL_MISSING: gettext_noop(
        "Pos. %(position)s: Seriennummer %(serial)s laut Versandmeldung nicht erhalten."
    ),
    K.WRONG_ARTICLE: gettext_noop(
        "Pos. %(position)s: falscher Artikel – GTIN %(gtin)s statt %(expected)s."
    ),
    K.UNEXPECTED_ARTICLE: gettext_noop(
        "Artikel mit GTIN %(gtin)s (Seriennummer %(serial)s) gehört zu keiner Position der "
        "Bestellung."
    ),
    K.LOT_DIFFERS: gettext_noop(
        "Pos. %(position)s: Charge %(lot)s statt %(expected)s laut Versandmeldung."
    ),
}


def describe(kind: str, params: dict) -> str:
    """The difference as a sentence in the active language (German, or English)."""
    template = SENTENCES.get(kind)
    if template is None:
        return kind
    values = {k: ("—" if v in (None, "", []) else v) for k, v in params.items()}
    for name in ("expected",):
        if isinstance(values.get(name), list):
            values[name] = ", ".join(values[name])
    values.setdefault("serial", "—")
    values.setdefault("expected", "—")
    try:
        return gettext(template) % values
    except (KeyError, TypeError, ValueError):
        return kind


# --------------------------------------------------------------------------- input


@dataclass
class LineInput:
    position: int
    quantity: Decimal | None = None
    serial_numbers: list[str] = field(default_factory=list)
    lot_numbers: list[str] = field(default_factory=list)


@dataclass
class ScanInput:
    text: str
    position: int | None = None


@dataclass
class ReceiptRequest:
    lines: list[LineInput] = field(default_factory=list)
    scans: list[ScanInput] = field(default_factory=list)
    shipment: str | None = None  # the partner's dispatch notification number
    received_at: datetime | None = None
    note: str = ""
    complete: bool = False
    received_by: str | None = None  # the employee's id in the practice software

    def digest(self) -> str:
        data = {
            "lines": [
                [l.position, str(l.quantity), l.serial_numbers, l.lot_numbers] for l in self.lines
            ],
            "scans": [[s.text, s.position] for s in self.scans],
            "shipment": self.shipment,
            "received_at": self.received_at.isoformat() if self.received_at else None,
            "note": self.note,
            "complete": self.complete,
            "received_by": self.received_by,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def request_from_payload(payload) -> ReceiptRequest:
    """The API's ``ReceiptIn`` (``ordering.schemas``) as a :class:`ReceiptRequest`."""
    return ReceiptRequest(
        lines=[
            LineInput(
                position=line.position,
                quantity=line.quantity,
                serial_numbers=list(line.serial_numbers),
                lot_numbers=list(line.lot_numbers),
            )
            for line in payload.lines
        ],
        scans=[
            ScanInput(text=s) if isinstance(s, str) else ScanInput(text=s.scan, position=s.position)
            for s in payload.scans
        ],
        shipment=payload.shipment or None,
        received_at=payload.received_at,
        note=payload.note,
        complete=payload.complete,
        received_by=payload.received_by or None,
    )


def normalise_scan(text: str) -> tuple[str, list[int]]:
    """The scan with every spelling of GS as ASCII GS, and for each character of the result its
    1-based position in ``text`` (so an error points into what the person typed)."""
    out: list[str] = []
    origin: list[int] = []
    pos = 0
    for match in _GS_PATTERN.finditer(text):
        for i in range(pos, match.start()):
            out.append(text[i])
            origin.append(i + 1)
        out.append(gs1.GS)
        origin.append(match.start() + 1)
        pos = match.end()
    for i in range(pos, len(text)):
        out.append(text[i])
        origin.append(i + 1)
    return "".join(out), origin


_GS1_PREFIX = re.compile(r"^GS1 (?:AI \((\d+)\))?(?:, )?(?:position (\d+))?: ")


def parse_scan(text: str, index: int) -> gs1.GS1Scan:
    """One scan read, or a 422 naming ``scans[index]`` and the position in ``text``: code
    ``gs1.<GS1Error code>``, parameters the GS1Error's and ``scan_index`` (0-based), ``ai`` and
    ``character`` (the 1-based position in ``text`` as typed)."""
    normalised, origin = normalise_scan(text.strip("\r\n"))
    try:
        return gs1.parse(normalised, today=timezone.localdate())
    except gs1.GS1Error as exc:
        message = _GS1_PREFIX.sub("", exc.message)

        def typed(at: int | None) -> int | None:
            if not at:
                return None
            return origin[at - 1] if at <= len(origin) else len(text) + 1

        position = typed(exc.position)
        where = ", ".join(
            part
            for part in (
                f"AI ({exc.ai})" if exc.ai else "",
                f"position {position}" if position else "",
            )
            if part
        )
        params = {**exc.params, "scan_index": index, "ai": exc.ai, "character": position}
        if "earlier_position" in params:
            params["earlier_position"] = typed(params["earlier_position"])
        raise InvalidInput(
            f"scans[{index}]",
            f"{where}: {message}" if where else message,
            code=f"gs1.{exc.code}",
            params=params,
            scan_index=index,
            position=position,
            ai=exc.ai,
        ) from None


# --------------------------------------------------------------------------- booking


class NotReceivable(Conflict):
    """Goods cannot have arrived for an order in this status (not sent, cancelled …);
    ``order_status`` is the status (for the portal's sentence)."""

    def __init__(self, detail: str = "", *, order_status: str = "", **kwargs):
        super().__init__(detail, **kwargs)
        self.order_status = order_status


class KeyReused(Conflict):
    """The Idempotency-Key (client_id) booked another goods receipt of the order."""


@dataclass
class _Received:
    line: OrderLine
    quantity: Decimal = Decimal(0)
    explicit_quantity: Decimal | None = None
    serials: list[str] = field(default_factory=list)
    lots: list[str] = field(default_factory=list)
    expiry: list[str] = field(default_factory=list)
    gtins: list[str] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)
    unserialised_scans: int = 0

    def add_scan(self, scan: gs1.GS1Scan) -> None:
        self.scans.append(scan.human_readable())
        if scan.serial is None:
            self.unserialised_scans += 1
        elif scan.serial not in self.serials:
            self.serials.append(scan.serial)
        _add(self.lots, scan.lot)
        _add(self.gtins, scan.gtin)
        _add(self.expiry, scan.expiry.isoformat() if scan.expiry else None)

    @property
    def total(self) -> Decimal:
        if self.explicit_quantity is not None:
            return self.explicit_quantity
        return Decimal(len(self.serials) + self.unserialised_scans)


def _add(values: list[str], value: str | None) -> None:
    if value and value not in values:
        values.append(value)


def line_gtin(line: OrderLine) -> str | None:
    """The line's GTIN as 14 digits (GTIN-8/12/13 padded as AI 01 carries them), or None."""
    value = (line.article_snapshot or {}).get("gtin") or line.gtin
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 14:
        return None
    return value.zfill(14)


def _quantity_text(value: Decimal) -> str:
    value = Decimal(value)
    text = format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class _Expected:
    quantity: Decimal = Decimal(0)
    serials: list[str] = field(default_factory=list)
    lots: list[str] = field(default_factory=list)


def _expected(order: Order, lines: list[OrderLine], shipment: Shipment | None) -> dict:
    """Per line pk what the receipt is compared with (see the module docstring)."""
    expected: dict[int, _Expected] = {line.pk: _Expected() for line in lines}
    rows = ShipmentLine.objects.filter(shipment__order=order)
    if shipment is not None:
        rows = rows.filter(shipment=shipment)
    notified = list(
        rows.order_by("shipment_id", "id").values_list(
            "line_id", "quantity", "serial_numbers", "lot_numbers"
        )
    )
    has_shipments = bool(notified) or shipment is not None
    for line_id, quantity, serials, lots in notified:
        e = expected.get(line_id)
        if e is None:
            continue
        e.quantity += quantity or 0
        e.serials += [s for s in serials or [] if s not in e.serials]
        e.lots += [s for s in lots or [] if s not in e.lots]
    if not has_shipments:
        for line in lines:
            expected[line.pk].quantity = line.expected_quantity
    if shipment is None:
        # What earlier receipts received is no longer expected.
        earlier = GoodsReceiptLine.objects.filter(receipt__order=order).values_list(
            "line_id", "quantity", "serial_numbers"
        )
        for line_id, quantity, serials in earlier:
            e = expected.get(line_id)
            if e is None:
                continue
            e.quantity = max(e.quantity - quantity, Decimal(0))
            e.serials = [s for s in e.serials if s not in (serials or [])]
    return {"by_line": expected, "serial_checks": has_shipments}


def _assign_scans(
    parsed: list[tuple[ScanInput, gs1.GS1Scan]],
    lines: list[OrderLine],
    received: dict[int, _Received],
    expected: dict[int, _Expected],
    differences: list[tuple[OrderLine | None, str, dict]],
) -> None:
    by_position = {line.position: line for line in lines}
    gtins = {line.pk: line_gtin(line) for line in lines}
    for index, (given, scan) in enumerate(parsed):
        if given.position is not None:
            line = by_position.get(given.position)
            if line is None:
                raise InvalidInput(
                    f"scans[{index}].position",
                    f"the order has no line {given.position}",
                    code="receipt.scan_no_line",
                    params={"scan_index": index, "position": given.position},
                )
        else:
            line = _match(scan, lines, gtins, expected, received)
        if line is None:
            differences.append(
                (
                    None,
                    K.UNEXPECTED_ARTICLE,
                    {"gtin": scan.gtin, "serial": scan.serial, "scan": scan.human_readable()},
                )
            )
            continue
        entry = received.setdefault(line.pk, _Received(line))
        entry.add_scan(scan)


def _match(scan, lines, gtins, expected, received) -> OrderLine | None:
    by_serial = [line for line in lines if scan.serial and scan.serial in expected[line.pk].serials]
    if by_serial:
        return by_serial[0]
    by_gtin = [line for line in lines if scan.gtin and gtins[line.pk] == scan.gtin]
    for line in by_gtin:  # the first line with the GTIN that still expects something
        taken = received[line.pk].total if line.pk in received else 0
        if taken < expected[line.pk].quantity:
            return line
    if by_gtin:
        return by_gtin[0]
    if len(lines) == 1 and gtins[lines[0].pk] is None:
        return lines[0]  # one line without a known GTIN: the box can only be for it
    return None


def _compare(entry: _Received, e: _Expected, serial_checks: bool, differences: list) -> None:
    line = entry.line
    position = line.position
    got = entry.total
    params = {
        "position": position,
        "expected": _quantity_text(e.quantity),
        "received": _quantity_text(got),
    }
    if got < e.quantity:
        differences.append((line, K.SHORT, {**params, "missing": _quantity_text(e.quantity - got)}))
    elif got > e.quantity:
        differences.append(
            (line, K.SURPLUS, {**params, "surplus": _quantity_text(got - e.quantity)})
        )
    ordered_gtin = line_gtin(line)
    for gtin in entry.gtins:
        if ordered_gtin and gtin != ordered_gtin:
            differences.append(
                (
                    line,
                    K.WRONG_ARTICLE,
                    {"position": position, "gtin": gtin, "expected": ordered_gtin},
                )
            )
    if serial_checks and entry.serials:
        for serial in entry.serials:
            if serial not in e.serials:
                differences.append(
                    (
                        line,
                        K.SERIAL_NOT_NOTIFIED,
                        {"position": position, "serial": serial, "expected": e.serials},
                    )
                )
        for serial in e.serials:
            if serial not in entry.serials:
                differences.append(
                    (line, K.SERIAL_MISSING, {"position": position, "serial": serial})
                )
    if serial_checks and e.lots:
        for lot in entry.lots:
            if lot not in e.lots:
                differences.append(
                    (line, K.LOT_DIFFERS, {"position": position, "lot": lot, "expected": e.lots})
                )


def book(
    order: Order,
    request: ReceiptRequest,
    *,
    actor: str,
    client_id: str = "",
    employee_actor: bool = False,
) -> tuple[GoodsReceipt, bool]:
    """Book a goods receipt; returns ``(receipt, created)`` — ``created`` is False when the same
    ``client_id`` booked this very request before (then nothing changes).

    ``actor`` names who books it; with ``request.received_by`` (an employee of the practice
    software) the employee's name is put in front: ``"Name über <actor>"``.
    """
    client_id = (client_id or "").strip()[:200]
    digest = request.digest()
    # Scans are read before anything is locked: a bad scan changes nothing.
    parsed = [(s, parse_scan(s.text, i)) for i, s in enumerate(request.scans)]
    if not request.lines and not parsed and not request.complete:
        raise InvalidInput(
            "lines", "a goods receipt names at least one line or one scan", code="receipt.empty"
        )
    try:
        with transaction.atomic():
            receipt, created = _book(order, request, parsed, actor, client_id, digest)
    except IntegrityError:
        # Two requests with one key at the same time: the other one booked it.
        replay = _replay(order, client_id, digest)
        if replay is None:
            raise
        return replay, False
    return receipt, created


def _replay(order: Order, client_id: str, digest: str) -> GoodsReceipt | None:
    if not client_id:
        return None
    earlier = GoodsReceipt.objects.filter(order=order, client_id=client_id).first()
    if earlier is None:
        return None
    if earlier.request_hash != digest:
        raise KeyReused(
            "this Idempotency-Key (client_id) booked another goods receipt of the order; "
            "use a new key for a new receipt"
        )
    return earlier


def _book(order, request, parsed, actor, client_id, digest) -> tuple[GoodsReceipt, bool]:
    order = Order.objects.select_for_update().get(pk=order.pk)
    replay = _replay(order, client_id, digest)
    if replay is not None:
        return replay, False
    if order.status not in RECEIVABLE:
        raise NotReceivable(
            f"goods cannot have arrived for an order that is {order.status}; a goods receipt "
            "needs an order that was sent",
            order_status=order.status,
        )
    lines = list(order.lines.filter(removed=False))
    by_position = {line.position: line for line in lines}
    shipment = None
    if request.shipment:
        shipment = order.shipments.filter(partner_document_id=request.shipment).first()
        if shipment is None:
            raise InvalidInput(
                "shipment",
                f"the order has no dispatch notification {request.shipment!r}",
                code="receipt.no_shipment",
                params={"shipment": request.shipment},
            )
    employee = None
    if request.received_by:
        employee = Employee.objects.filter(
            company_id=order.company_id, external_id=request.received_by
        ).first()
        if employee is None:
            raise InvalidInput(
                "received_by",
                f"no employee {request.received_by!r}",
                code="receipt.no_employee",
                params={"employee": request.received_by},
            )
        actor = Actor.via(employee.name, actor)
    plan = _expected(order, lines, shipment)
    expected, serial_checks = plan["by_line"], plan["serial_checks"]
    received: dict[int, _Received] = {}
    for index, given in enumerate(request.lines):
        line = by_position.get(given.position)
        if line is None:
            raise InvalidInput(
                f"lines[{index}].position",
                f"the order has no line {given.position}",
                code="receipt.no_line",
                params={"index": index, "position": given.position},
            )
        entry = received.setdefault(line.pk, _Received(line))
        if given.quantity is not None:
            entry.explicit_quantity = (entry.explicit_quantity or 0) + given.quantity
        for serial in given.serial_numbers:
            _add(entry.serials, serial)
        for lot in given.lot_numbers:
            _add(entry.lots, lot)
    differences: list[tuple[OrderLine | None, str, dict]] = []
    _assign_scans(parsed, lines, received, expected, differences)
    if request.complete:
        for line in lines:
            if line.pk not in received and expected[line.pk].quantity > 0:
                received[line.pk] = _Received(line, explicit_quantity=Decimal(0))
    for line in lines:
        if line.pk in received:
            _compare(received[line.pk], expected[line.pk], serial_checks, differences)

    sequence = (
        order.receipts.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    ) + 1
    now = timezone.now()
    receipt = GoodsReceipt.objects.create(
        order=order,
        sequence=sequence,
        number=f"{order.number}/WE{sequence}",
        shipment=shipment,
        received_at=request.received_at or now,
        **actors.fields(actor, "received_by"),
        employee=employee,
        note=request.note,
        client_id=client_id,
        request_hash=digest,
        created_at=now,
    )
    GoodsReceiptLine.objects.bulk_create(
        [
            GoodsReceiptLine(
                receipt=receipt,
                line=entry.line,
                quantity=entry.total,
                serial_numbers=entry.serials,
                lot_numbers=entry.lots,
                expiry_dates=entry.expiry,
                gtins=entry.gtins,
                scans=entry.scans,
            )
            for entry in sorted(received.values(), key=lambda r: r.line.position)
        ]
    )
    ReceiptDifference.objects.bulk_create(
        [
            ReceiptDifference(receipt=receipt, line=line, kind=kind, params=params)
            for line, kind, params in differences
        ]
    )
    order_status.note(
        order,
        actor=actor,
        reason="receipt.booked_differences" if differences else "receipt.booked",
        data={
            "receipt": receipt.number,
            "lines": {
                str(entry.line.position): _quantity_text(entry.total) for entry in received.values()
            },
            "differences": [kind for _, kind, _ in differences],
        },
    )
    signals.goods_received.send(sender=GoodsReceipt, receipt=receipt)
    return receipt, True


# --------------------------------------------------------------------------- acknowledgement


def mark_acknowledged(receipt: GoodsReceipt, *, actor: str, detail: str = "") -> None:
    """The receipt's acknowledgement reached the partner's channel (called by delivery)."""
    order_status.note(
        receipt.order,
        actor=actor,
        reason="receipt.acknowledged",
        params={"number": receipt.number},
        data={"receipt": receipt.number, "detail": detail[:200]},
    )


def mark_not_acknowledged(receipt: GoodsReceipt, *, actor: str, detail: str) -> None:
    """The acknowledgement could not be delivered (dead letter); the receipt stands."""
    order_status.note(
        receipt.order,
        actor=actor,
        reason="receipt.acknowledgement_undeliverable",
        params={"number": receipt.number, "detail": detail[:500]},
        data={"receipt": receipt.number},
    )


# --------------------------------------------------------------------------- reading


def receipts_of(order: Order) -> list[GoodsReceipt]:
    return list(
        order.receipts.select_related("shipment").prefetch_related(
            "lines__line", "differences__line"
        )
    )


def receipt_data(receipt: GoodsReceipt) -> dict:
    """A receipt as the API and the dashboard show it; messages in German and English."""

    def message(d: ReceiptDifference, language: str) -> str:
        with translation.override(language):
            return describe(d.kind, d.params)

    return {
        "number": receipt.number,
        "received_at": receipt.received_at.isoformat(),
        "received_by": receipt.received_by,
        "shipment": receipt.shipment.partner_document_id if receipt.shipment else None,
        "note": receipt.note,
        "client_id": receipt.client_id or None,
        "lines": [
            {
                "position": row.line.position,
                "quantity": str(row.quantity),
                "serial_numbers": row.serial_numbers,
                "lot_numbers": row.lot_numbers,
                "expiry_dates": row.expiry_dates,
                "gtins": row.gtins,
                "scans": row.scans,
            }
            for row in receipt.lines.all()
        ],
        "differences": [
            {
                "code": d.kind,
                "position": d.line.position if d.line else None,
                "params": d.params,
                "message": message(d, "de"),
                "message_en": message(d, "en"),
            }
            for d in receipt.differences.all()
        ],
    }


def as_format(receipt: GoodsReceipt) -> changes.GoodsReceipt:
    """The format-neutral receipt the RECEIPTACKNOWLEDGEMENT writers take."""
    order = receipt.order
    lines = []
    for row in receipt.lines.select_related("line"):
        line = row.line
        snap = line.article_snapshot or {}
        lines.append(
            changes.ReceivedLine(
                line_no=line.position,
                quantity=Decimal(_quantity_text(row.quantity)),
                unit=snap.get("order_unit") or line.unit or "C62",
                serial_numbers=list(row.serial_numbers),
                lot_numbers=list(row.lot_numbers),
                gtin=row.gtins[0] if len(row.gtins) == 1 else None,
                complete=None,
            )
        )
    return changes.GoodsReceipt(
        document_id=receipt.number,
        order_number=order.number,
        received_at=receipt.received_at,
        issued_at=receipt.created_at,
        lines=lines,
        dispatch_id=receipt.shipment.partner_document_id if receipt.shipment else "",
        note=receipt.note,
        buyer_id=order.customer_number,
    )


def still_expected(order: Order) -> dict[int, Decimal]:
    """Per line position what is notified (or, without any dispatch notification, confirmed)
    and not received yet: what the dashboard's receipt form suggests."""
    lines = list(order.lines.filter(removed=False))
    plan = _expected(order, lines, None)["by_line"]
    return {line.position: plan[line.pk].quantity for line in lines}


def pair_gaps(order: Order) -> dict[int, str]:
    """Per line position the sentence for a side of a binaural pair that is still outstanding
    while its mate has arrived (in the active language).

    The two sides of a pair are fitted together, so a receipt that books one side only leaves
    the pair incomplete: the practice must see the other side as outstanding until it arrives
    (or its remainder is closed). Nothing is refused — parcels do split — and it is no
    difference to a dispatch notification that shipped one side.
    """
    lines = [line for line in order.lines.filter(removed=False) if line.pair]
    if not lines:
        return {}
    received: dict[int, Decimal] = {}
    for line_id, quantity in GoodsReceiptLine.objects.filter(receipt__order=order).values_list(
        "line_id", "quantity"
    ):
        received[line_id] = received.get(line_id, Decimal(0)) + quantity
    pairs: dict[str, list[OrderLine]] = {}
    for line in lines:
        pairs.setdefault(line.pair, []).append(line)
    language = translation.get_language() or "de"
    gaps: dict[int, str] = {}
    for members in pairs.values():
        arrived = [line.position for line in members if received.get(line.pk, 0) > 0]
        for line in members:
            got = received.get(line.pk, Decimal(0))
            if line.remainder_closed or got >= line.expected_quantity:
                continue
            mates = [p for p in arrived if p != line.position]
            if not mates:
                continue
            side = hearing.line_options(line).get("side")
            gaps[line.position] = gettext(
                "Pos. %(position)s (%(side)s) des binauralen Paars steht noch aus: "
                "%(missing)s von %(expected)s Stück; Pos. %(mates)s ist eingegangen."
            ) % {
                "position": line.position,
                "side": opts.value_label("side", side, language) if side else "—",
                "missing": _quantity_text(line.expected_quantity - got),
                "expected": _quantity_text(line.expected_quantity),
                "mates": ", ".join(str(p) for p in mates),
            }
    return gaps


def shown(receipt: GoodsReceipt) -> dict:
    """A receipt for the dashboard: its data with each difference's sentence in the active
    language."""
    data = receipt_data(receipt)
    data["at"] = receipt.received_at
    for d, row in zip(data["differences"], receipt.differences.all(), strict=True):
        d["text"] = describe(row.kind, row.params)
        d["label"] = row.get_kind_display()
    return data
