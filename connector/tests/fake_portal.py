"""A minimal stand-in for the OrderHub portal: a real HTTP server on 127.0.0.1.

It imitates just enough of SPEC §4 for the connector's HTTP behaviour to be tested over real
sockets — registration (pending → token once → 410), master-data counts, order intake with
idempotency replay, order listing with cursor pagination — and can cut a connection after
accepting an order, to simulate a lost answer.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 2


@dataclass
class Registration:
    poll_token: str
    pending_polls: int
    collected: bool = False


@dataclass
class FakePortal:
    """State and knobs; ``url`` is set once :meth:`start` ran."""

    valid_tokens: set[str] = field(default_factory=lambda: {"tok-valid"})
    issued_token: str = "tok-valid"
    pending_polls: int = 2
    expire_registrations: bool = False
    known_articles: set[str] = field(
        default_factory=lambda: {
            "SN-R-M-3-R",
            "SN-R-M-3-L",
            "SN-D-OPEN-M",
        }
    )
    partners: list[dict] = field(
        default_factory=lambda: [
            {"id": slug, "name": slug.title(), "requires_customer_number": True}
            for slug in ("sonora", "audiotec", "otoplast", "klangwerk")
        ]
    )
    drop_order_answers: int = 0
    conflicts: list[dict] = field(default_factory=list)
    masterdata_error: int | None = None  # answer PUT /masterdata with this status instead
    url: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.registrations: dict[str, Registration] = {}
        self.masterdata: dict[str, dict[str, Any]] = {}
        self.orders: list[dict[str, Any]] = []
        self.idempotency: dict[str, tuple[str, int, dict]] = {}
        self.clock = 0

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakePortal:
        portal = self

        class Handler(_Handler):
            fake = portal

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, client_address: None  # cut sockets are fine
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- helpers for tests -------------------------------------------------------------------

    def calls(self, method: str, path_prefix: str) -> list[dict[str, Any]]:
        return [
            r for r in self.requests if r["method"] == method and r["path"].startswith(path_prefix)
        ]

    def touch(self, order: dict[str, Any], status: str) -> None:
        """Change an order's status as a partner answer would."""
        with self.lock:
            order["status"] = status
            order["updated_at"] = self._tick()

    def _tick(self) -> str:
        self.clock += 1
        return f"2026-03-01T10:{self.clock // 60:02d}:{self.clock % 60:02d}+00:00"


class _Handler(BaseHTTPRequestHandler):
    fake: FakePortal
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    # --- plumbing ----------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:  # not JSON (a multipart upload)
            body = None
        request = {
            "method": method,
            "path": parts.path,
            "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
            "raw": raw,
        }
        with self.fake.lock:
            self.fake.requests.append(request)
        for pattern, handler in ROUTES.get(method, []):
            match = re.fullmatch(pattern, parts.path)
            if match:
                handler(self, request, *match.groups())
                return
        self._problem(404, "Not found", f"No route {method} {parts.path}")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _json(self, status: int, data: Any, content_type: str = "application/json") -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _problem(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        self._json(
            status,
            {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra},
            "application/problem+json",
        )

    def _authorized(self, request: dict) -> bool:
        header = request["headers"].get("authorization", "")
        if header.startswith("Bearer ") and header[7:] in self.fake.valid_tokens:
            return True
        self._problem(401, "Unauthorized", "Invalid or revoked token")
        return False

    def _cut(self) -> None:
        """Close the connection without a single byte of answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()

    # --- endpoints ---------------------------------------------------------------------------

    def partners(self, request: dict) -> None:
        self._json(200, {"items": self.fake.partners, "next_cursor": None})

    def start_registration(self, request: dict) -> None:
        body = request["body"] or {}
        if "company" not in body or "software" not in body or "workstation" not in body:
            self._problem(
                422,
                "Validation error",
                "incomplete registration",
                errors=[{"field": "company", "message": "required"}],
            )
            return
        with self.fake.lock:
            reg_id = f"reg-{len(self.fake.registrations) + 1}"
            poll = f"poll-{reg_id}"
            self.fake.registrations[reg_id] = Registration(poll, self.fake.pending_polls)
        self._json(
            201,
            {
                "registration_id": reg_id,
                "registration_url": f"{self.fake.url}/register/{reg_id}",
                "poll_token": poll,
                "expires_at": "2099-01-01T00:00:00Z",
            },
        )

    def poll_registration(self, request: dict, reg_id: str) -> None:
        registration = self.fake.registrations.get(reg_id)
        if (
            registration is None
            or (request["body"] or {}).get("poll_token") != registration.poll_token
        ):
            self._problem(400, "Invalid poll token", "unknown registration or poll token")
            return
        with self.fake.lock:
            if registration.collected or self.fake.expire_registrations:
                state = "gone"
            elif registration.pending_polls > 0:
                registration.pending_polls -= 1
                state = "pending"
            else:
                registration.collected = True
                state = "done"
        if state == "gone":
            self._problem(410, "Gone", "token already collected")
        elif state == "pending":
            self._json(202, {"status": "pending"})
        else:
            self._json(200, {"api_token": self.fake.issued_token, "company_id": "C-1"})

    def put_masterdata(self, request: dict) -> None:
        if not self._authorized(request):
            return
        if self.fake.masterdata_error:
            self._problem(self.fake.masterdata_error, "Server error", "simulated failure")
            return
        snapshot = request["body"] or {}
        keyed = {
            "branches": {b["id"]: b for b in snapshot.get("branches", [])},
            "users": {u["id"]: u for u in snapshot.get("users", [])},
            "customer_numbers": {
                f"{c['partner']}/{c['branch_id']}": c for c in snapshot.get("customer_numbers", [])
            },
        }
        answer: dict[str, Any] = {"conflicts": list(self.fake.conflicts)}
        with self.fake.lock:
            for kind, items in keyed.items():
                old = self.fake.masterdata.get(kind, {})
                answer[kind] = {
                    "created": sum(1 for k in items if k not in old),
                    "updated": sum(1 for k in items if k in old and old[k] != items[k]),
                    "deactivated": sum(1 for k in old if k not in items),
                    "unchanged": sum(1 for k in items if k in old and old[k] == items[k]),
                }
                self.fake.masterdata[kind] = items
        self._json(200, answer)

    def post_attachment(self, request: dict) -> None:
        """Issue 17: a multipart upload; answers with a UUID-like id, as the portal does."""
        if not self._authorized(request):
            return
        if b'name="file"' not in request["raw"] and not request["raw"].startswith(b"text="):
            self._problem(422, "Invalid input", "file: send a file")
            return
        with self.fake.lock:
            n = len([r for r in self.fake.requests if r["path"] == "/api/v1/attachments"])
        self._json(201, {"id": f"00000000-0000-4000-8000-{n:012d}", "sha256": ""})

    def post_order(self, request: dict) -> None:
        if not self._authorized(request):
            return
        key = request["headers"].get("idempotency-key")
        if not key:
            self._problem(400, "Idempotency-Key required")
            return
        body = request["body"] or {}
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        cut = False
        with self.fake.lock:
            known = self.fake.idempotency.get(key)
            if known and known[0] != digest:
                conflict = True
            else:
                conflict = False
                if known is None:
                    order = self._create_order(body)
                    answer = {
                        k: order[k]
                        for k in ("id", "number", "status", "cart_url", "cart_expires_at", "issues")
                    }
                    self.fake.idempotency[key] = (digest, 201, answer)
                if self.fake.drop_order_answers > 0:
                    self.fake.drop_order_answers -= 1
                    cut = True
                status, answer = self.fake.idempotency[key][1:]
        if conflict:
            self._problem(
                409,
                "Idempotency key reused",
                "This Idempotency-Key was used with a different body.",
            )
        elif cut:
            self._cut()
        else:
            self._json(status, answer)

    def _create_order(self, body: dict) -> dict:
        issues = []
        if not body.get("customer_number"):
            issues.append(
                {
                    "position": None,
                    "code": "customer_number_missing",
                    "message": "customer number missing",
                    "candidates": [],
                }
            )
        for line in body.get("lines", []):
            if line.get("partner_article_number") not in self.fake.known_articles:
                issues.append(
                    {
                        "position": line.get("position"),
                        "code": "article_not_found",
                        "message": "Artikel nicht gefunden",
                        "message_en": "article not found",
                        "candidates": [{"partner_article_number": "SN-R-M-3-R"}],
                    }
                )
        number = f"OH-{len(self.fake.orders) + 1:06d}"
        order = {
            "id": str(len(self.fake.orders) + 1),
            "number": number,
            "external_order_id": body.get("external_order_id"),
            "status": "cart" if issues else "queued",
            "cart_url": f"{self.fake.url}/cart/{number}" if issues else None,
            "cart_expires_at": "2026-03-01T16:00:00+00:00" if issues else None,
            "issues": issues,
            "lines": body.get("lines", []),
            "updated_at": self.fake._tick(),
        }
        self.fake.orders.append(order)
        return order

    def get_order(self, request: dict, order_id: str) -> None:
        if not self._authorized(request):
            return
        for order in self.fake.orders:
            if order["id"] == order_id:
                self._json(200, {**order, "events": [], "documents": []})
                return
        self._problem(404, "Not found", f"order {order_id}")

    def list_orders(self, request: dict) -> None:
        if not self._authorized(request):
            return
        since = request["query"].get("updated_since")
        with self.fake.lock:
            items = sorted(self.fake.orders, key=lambda o: o["updated_at"])
            if since:  # ">=" on purpose: the connector must not hand over repeats
                items = [o for o in items if o["updated_at"] >= since]
            offset = int(request["query"].get("cursor") or 0)
            page = items[offset : offset + PAGE_SIZE]
            more = offset + PAGE_SIZE < len(items)
        self._json(
            200,
            {
                "items": [
                    {
                        k: o[k]
                        for k in (
                            "id",
                            "number",
                            "external_order_id",
                            "status",
                            "updated_at",
                            "cart_url",
                            "cart_expires_at",
                        )
                    }
                    for o in page
                ],
                "next_cursor": str(offset + PAGE_SIZE) if more else None,
            },
        )


ROUTES = {
    "GET": [
        (r"/api/v1/partners", _Handler.partners),
        (r"/api/v1/orders", _Handler.list_orders),
        (r"/api/v1/orders/([^/]+)", _Handler.get_order),
    ],
    "POST": [
        (r"/api/v1/registrations", _Handler.start_registration),
        (r"/api/v1/registrations/([^/]+)/token", _Handler.poll_registration),
        (r"/api/v1/orders", _Handler.post_order),
        (r"/api/v1/attachments", _Handler.post_attachment),
    ],
    "PUT": [
        (r"/api/v1/masterdata", _Handler.put_masterdata),
    ],
}
