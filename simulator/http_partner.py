"""The HTTP side of the simulator: openTRANS and webhook partners, plus control and stats.

Endpoints (one threading server, so a held ``timeout`` request never blocks the others):

- ``POST /opentrans/orders`` and ``POST /<slug>/opentrans/orders`` — openTRANS 2.1 ORDER,
  HTTP Basic or Bearer auth; without a slug the partner is found by its credentials.
- ``POST /webhook/orders`` and ``POST /<slug>/webhook/orders`` — partner JSON order signed
  with ``X-OrderHub-Signature``; without a slug the partner is found by its secret.

Order changes (ORDERCHANGE, ``X-OrderHub-Event: order_change``) and goods-receipt
acknowledgements (RECEIPTACKNOWLEDGEMENT, ``X-OrderHub-Event: goods_receipt``) arrive on the same
endpoints; an acknowledgement is validated, counted per receipt number and answered with 200.
- ``GET /_stats``, ``GET|POST /_control``, ``POST /_reset``, ``GET /_answers``, ``GET /_changes``,
  ``GET /_attachments`` (the order's files fetched by their links, with the SHA-256 check),
  ``GET /_health``.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import socket
import struct
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from orderhub.formats import FormatError, change_answers, partner_json, signing
from orderhub.formats.changes import LineChange, OrderChange
from orderhub.formats.documents import OrderItem
from orderhub.formats.opentrans.partner import (
    parse_order,
    parse_order_change,
    parse_receipt_acknowledgement,
)
from orderhub.formats.opentrans.schema import validate

from .config import FAULT_MODES, PartnerConfig

if TYPE_CHECKING:  # pragma: no cover
    from .server import Simulator

logger = logging.getLogger("simulator.http")

SIGNATURE_HEADER = signing.HEADER

#: Faults after which the partner has not kept the order.
NOT_RECORDED = ("5xx", "timeout", "reset")


def change_from_event(body: bytes) -> OrderChange:
    """The ``orderhub.order_change.v1`` event as an :class:`OrderChange` (what the answer needs)."""
    event = json.loads(body)
    if event.get("format") != "orderhub.order_change.v1":
        raise ValueError("not an orderhub.order_change.v1 event")
    lines = [
        LineChange(
            line_no=int(line["line_no"]),
            quantity=Decimal(line["quantity"]) if line.get("quantity") else None,
            delivery_date=date.fromisoformat(line["delivery_date"])
            if line.get("delivery_date")
            else None,
            removed=line["action"] == "deleted",
        )
        for line in event["lines"]
        if line["action"] in ("changed", "deleted") and event["kind"] == "change"
    ]
    added = [
        OrderItem(
            line_no=int(item["line_no"]),
            quantity=Decimal(item["quantity"]),
            supplier_article_number=item.get("supplier_article_number") or "",
        )
        for item in event.get("added") or []
    ]
    return OrderChange(
        order_number=event["order_number"],
        sequence=int(event["sequence"]),
        issued_at=datetime.fromisoformat(event["issued_at"]),
        kind=event["kind"],
        lines=lines,
        added=added,
        note=event.get("note") or "",
    )


class PartnerHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], simulator: Simulator):
        self.simulator = simulator
        super().__init__(address, PartnerRequestHandler)


class RequestRefused(Exception):
    """Ends a request with an HTTP error answer."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _credentials_required(partner: PartnerConfig) -> bool:
    return bool(partner.inbound_token or partner.username)


def credentials_match(partner: PartnerConfig, authorization: str | None) -> bool:
    """Bearer ``inbound_token`` or Basic ``username:password``; open if neither is set."""
    if not _credentials_required(partner):
        return True
    if not authorization:
        return False
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and partner.inbound_token:
        return hmac.compare_digest(value.encode(), partner.inbound_token.encode())
    if scheme.lower() == "basic" and partner.username is not None:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")
        user_ok = hmac.compare_digest(user.encode(), partner.username.encode())
        password_ok = hmac.compare_digest(password.encode(), (partner.password or "").encode())
        return user_ok and password_ok
    return False


class PartnerRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OrderHubSupplierSimulator/1.0"
    timeout = 120  # idle keep-alive connections give their thread back eventually
    server: PartnerHTTPServer

    @property
    def sim(self) -> Simulator:
        return self.server.simulator

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    # -- routing -------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/_stats":
            self._send_json(200, self.sim.stats())
        elif path == "/_control":
            self._send_json(200, self.sim.control())
        elif path == "/_changes":
            self._send_json(200, {"changes": self.sim.changes()})
        elif path == "/_attachments":
            self._send_json(200, {"attachments": self.sim.attachments()})
        elif path == "/_answers":
            self._send_json(200, {"answers": self.sim.answer_log()})
        elif path in ("/_health", ""):
            self._send_json(200, {"status": "ok", "partners": self.sim.partner_kinds()})
        else:
            self._send_json(404, {"error": f"no such resource: {path}"})

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        try:
            body = self._read_body()
            if path == "/_control":
                self._control(body)
                return
            if path == "/_reset":
                self.sim.reset()
                self._send_json(200, {"reset": True})
                return
            parts = path.strip("/").split("/")
            slug = parts[0] if len(parts) == 3 else None
            endpoint = "/".join(parts[-2:])
            if len(parts) in (2, 3) and endpoint == "opentrans/orders":
                self._receive_opentrans(slug, body)
            elif len(parts) in (2, 3) and endpoint == "webhook/orders":
                self._receive_webhook(slug, body)
            else:
                self._send_json(404, {"error": f"no such resource: {path}"})
        except RequestRefused as refused:
            self._send_json(refused.status, {"error": refused.message}, refused.headers)
        except ConnectionError:
            self.close_connection = True
        except Exception:  # a simulator bug must still answer, and be visible in the log
            logger.exception("error handling POST %s", path)
            self._send_json(500, {"error": "simulator error, see its log"})

    # -- partners ------------------------------------------------------------------------
    def _candidates(self, slug: str | None, kind: str) -> list[PartnerConfig]:
        partners = self.sim.config.partners_of(kind)
        if slug is not None:
            partners = [p for p in partners if p.slug == slug]
        if not partners:
            which = f"named {slug}" if slug else "configured"
            raise RequestRefused(404, f"no {kind} partner {which}")
        return partners

    def _receive_opentrans(self, slug: str | None, body: bytes) -> None:
        candidates = self._candidates(slug, "opentrans")
        authorization = self.headers.get("Authorization")
        # Partners with credentials first, so an open partner never swallows another's orders.
        candidates.sort(key=lambda p: not _credentials_required(p))
        partner = next((p for p in candidates if credentials_match(p, authorization)), None)
        if partner is None:
            for p in candidates:
                self.sim.ledger.count(p.slug, "rejected")
            raise RequestRefused(
                401,
                "missing or wrong credentials",
                {"WWW-Authenticate": 'Basic realm="supplier simulator"'},
            )
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type and "xml" not in content_type:
            self.sim.ledger.count(partner.slug, "rejected")
            raise RequestRefused(415, f"expected application/xml, got {content_type}")

        if b"ORDERCHANGE" in body[:400]:  # an order change (issue 16), on the same endpoint
            self._receive_change(partner, body, "xml")
            return
        if b"RECEIPTACKNOWLEDGEMENT" in body[:400]:  # a goods receipt (issue 16), likewise
            self._receive_receipt(partner, body, "xml")
            return

        def parse() -> Any:
            validate(body)
            return parse_order(body)

        self._receive(partner, parse, receipt_type="xml")

    def _receive_change(self, partner: PartnerConfig, body: bytes, kind: str) -> None:
        try:
            if kind == "xml":
                validate(body)
                change = parse_order_change(body)
            else:
                change = change_from_event(body)
        except (FormatError, ValueError, KeyError, TypeError) as exc:
            self.sim.ledger.count(partner.slug, "rejected")
            raise RequestRefused(400, f"invalid order change: {exc}") from None
        first = self.sim.receive_change(partner, change)
        self._send_json(
            200,
            {
                "status": "received",
                "partner": partner.slug,
                "change": change.document_id,
                "duplicate": not first,
            },
        )

    def _receive_receipt(self, partner: PartnerConfig, body: bytes, kind: str) -> None:
        try:
            if kind == "xml":
                validate(body)
                receipt = parse_receipt_acknowledgement(body)
            else:
                receipt = change_answers.read_receipt_event(body)
        except FormatError as exc:
            self.sim.ledger.count(partner.slug, "rejected")
            raise RequestRefused(400, f"invalid goods receipt acknowledgement: {exc}") from None
        first = self.sim.receive_receipt(partner, receipt)
        self._send_json(
            200,
            {
                "status": "received",
                "partner": partner.slug,
                "receipt": receipt.document_id,
                "duplicate": not first,
            },
        )

    def _receive_webhook(self, slug: str | None, body: bytes) -> None:
        candidates = self._candidates(slug, "webhook")
        header = self.headers.get(SIGNATURE_HEADER)
        partner = None
        if header:
            for candidate in candidates:
                try:
                    signing.verify(candidate.secret.encode(), header, body)
                except signing.SignatureError:
                    continue
                partner = candidate
                break
        if partner is None:
            for p in candidates:
                self.sim.ledger.count(p.slug, "rejected")
            raise RequestRefused(401, f"missing or invalid {SIGNATURE_HEADER}")

        def parse() -> Any:
            # Replay protection applies to deliveries the partner keeps: a request that a
            # fault turned away may come again with the same signature.
            try:
                seen = self.sim.seen_signatures(partner.slug)
                signing.verify(partner.secret.encode(), header, body, seen=seen)
            except signing.SignatureError as exc:
                self.sim.ledger.count(partner.slug, "rejected")
                raise RequestRefused(401, f"signature rejected: {exc}") from None
            return partner_json.parse_order(body)

        event = self.headers.get("X-OrderHub-Event")
        if event in ("order_change", "goods_receipt"):
            try:
                seen = self.sim.seen_signatures(partner.slug)
                signing.verify(partner.secret.encode(), header, body, seen=seen)
            except signing.SignatureError as exc:
                self.sim.ledger.count(partner.slug, "rejected")
                raise RequestRefused(401, f"signature rejected: {exc}") from None
            if event == "order_change":
                self._receive_change(partner, body, "json")
            else:
                self._receive_receipt(partner, body, "json")
            return
        self._receive(partner, parse, receipt_type="json")

    def _receive(self, partner: PartnerConfig, parse, *, receipt_type: str) -> None:
        """The common path: fault decision first, then parse, record, answer."""
        sim = self.sim
        fault = sim.controls.draw_fault(partner.slug, FAULT_MODES)
        if fault:
            sim.ledger.fault(partner.slug, fault)
            logger.info("%s: fault %s", partner.slug, fault)
        if fault == "5xx":
            self._send_json(503, {"error": "simulated outage"}, {"Retry-After": "1"})
            return
        if fault == "timeout":
            sim.stopping.wait(sim.controls.settings.timeout_hold)
            self.close_connection = True  # no answer at all; the sender has given up by now
            return
        if fault == "reset":
            self._reset_connection()
            return
        try:
            order = parse()
        except FormatError as exc:
            sim.ledger.count(partner.slug, "rejected")
            raise RequestRefused(400, f"invalid order document: {exc}") from None
        if fault == "slow":
            sim.stopping.wait(sim.controls.settings.slow_delay)
        first = sim.receive_order(partner, order, malformed=fault == "malformed")
        if fault == "reset_after":
            self._reset_connection()
            return
        if fault == "malformed":
            self._send_bytes(200, b'{"status": "rec\x00<<garbage', "application/json")
            return
        receipt = {
            "status": "received",
            "partner": partner.slug,
            "order_number": order.order_number,
            "duplicate": not first,
        }
        self._send_json(200, receipt)

    def _control(self, body: bytes) -> None:
        try:
            changes = json.loads(body or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("expected a JSON object")
            settings = self.sim.control(**changes)
        except (ValueError, TypeError) as exc:
            raise RequestRefused(400, str(exc)) from None
        self._send_json(200, settings)

    # -- I/O -----------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        limit = self.sim.config.max_body_bytes
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > limit:
                    self.close_connection = True
                    raise RequestRefused(413, f"body larger than {limit} bytes")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise RequestRefused(400, "bad Content-Length") from None
        if length > limit:
            self.close_connection = True
            raise RequestRefused(413, f"body larger than {limit} bytes")
        return self.rfile.read(length) if length else b""

    def _send_bytes(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(data).encode("utf-8"), "application/json", headers)

    def _reset_connection(self) -> None:
        """Close abruptly: SO_LINGER 0 makes the kernel send RST instead of FIN."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # The buffered reader holds a reference to the socket; close it first so that
        # closing the socket really closes the file descriptor now.
        self.rfile.close()
        self.connection.close()
        self.close_connection = True
