"""The one small interface every partner channel implements.

``render`` turns the format-neutral OrderDocument into the exact bytes the partner gets (stored
once, so every retry sends the same document); ``deliver`` sends them. Neither touches the database.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import httpx

from orderhub.core.netguard import PinnedTransport, UnsafeURL
from orderhub.formats.changes import GoodsReceipt, OrderChange
from orderhub.formats.documents import OrderDocument

RETRYABLE_HTTP = {408, 425, 429, 500, 502, 503, 504}


@dataclass
class Rendered:
    kind: str  # "order" | "order_pdf"
    format: str  # "opentrans" | "edifact" | "json" | "pdf"
    content_type: str
    filename: str
    content: bytes


@dataclass
class DeliveryResult:
    ok: bool
    retryable: bool = False
    detail: str = ""
    status_code: int | None = None
    response_excerpt: str = ""

    @classmethod
    def success(
        cls, detail: str = "", status_code: int | None = None, excerpt: str = ""
    ) -> DeliveryResult:
        return cls(ok=True, detail=detail, status_code=status_code, response_excerpt=excerpt[:2000])

    @classmethod
    def temporary(
        cls, detail: str, status_code: int | None = None, excerpt: str = ""
    ) -> DeliveryResult:
        return cls(
            ok=False,
            retryable=True,
            detail=detail[:500],
            status_code=status_code,
            response_excerpt=excerpt[:2000],
        )

    @classmethod
    def permanent(
        cls, detail: str, status_code: int | None = None, excerpt: str = ""
    ) -> DeliveryResult:
        return cls(
            ok=False,
            retryable=False,
            detail=detail[:500],
            status_code=status_code,
            response_excerpt=excerpt[:2000],
        )


class Channel:
    name = ""

    def __init__(self, config: dict, credentials: dict):
        self.config = config
        self.credentials = credentials

    def render(self, doc: OrderDocument) -> list[Rendered]:
        raise NotImplementedError

    def deliver(self, doc: OrderDocument, documents: list[Rendered]) -> DeliveryResult:
        raise NotImplementedError

    # Changes after sending (issue 16): ``change`` is a ``formats.changes.OrderChange`` of the
    # sent order ``doc``; its exact bytes are stored once, like the order's.
    def render_change(self, change: OrderChange, doc: OrderDocument) -> list[Rendered]:
        raise NotImplementedError

    def deliver_change(
        self, change: OrderChange, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        raise NotImplementedError

    # Goods-receipt acknowledgements (issue 16): ``receipt`` is a ``formats.changes.GoodsReceipt``
    # of the sent order ``doc``. Only channels whose partners read one send it (``sends_receipts``).
    @property
    def sends_receipts(self) -> bool:
        return False

    def render_receipt(self, receipt: GoodsReceipt, doc: OrderDocument) -> list[Rendered]:
        raise NotImplementedError

    def deliver_receipt(
        self, receipt: GoodsReceipt, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        raise NotImplementedError

    @property
    def timeout(self) -> float:
        return float(self.config.get("timeout", 30))


_clients: dict[int, httpx.Client] = {}
_clients_lock = threading.Lock()


def http_client() -> httpx.Client:
    """One connection pool per process, shared by the HTTP channels and company webhooks.

    A fresh ``httpx.post`` builds a client and an SSL context on every call (about 37 ms of CPU
    per delivery, measured); keyed by pid because gunicorn and the worker fork after import.
    Timeouts and credentials are passed per request.
    """
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        with _clients_lock:
            client = _clients.get(pid)
            if client is None:
                # Every outgoing request is checked and pinned to a public address (SSRF).
                transport = PinnedTransport(limits=httpx.Limits(max_keepalive_connections=20))
                client = _clients[pid] = httpx.Client(transport=transport)
    return client


def http_result(response: httpx.Response) -> DeliveryResult:
    excerpt = response.text[:2000] if response.content else ""
    if 200 <= response.status_code < 300:
        return DeliveryResult.success(f"HTTP {response.status_code}", response.status_code, excerpt)
    if response.status_code in RETRYABLE_HTTP:
        return DeliveryResult.temporary(
            f"HTTP {response.status_code}", response.status_code, excerpt
        )
    return DeliveryResult.permanent(
        f"partner refused the order: HTTP {response.status_code}", response.status_code, excerpt
    )


def http_error(exc: httpx.HTTPError) -> DeliveryResult:
    if isinstance(exc, UnsafeURL):  # an internal address does not become public by retrying
        return DeliveryResult.permanent(f"refused to send: {exc}"[:500])
    return DeliveryResult.temporary(f"{type(exc).__name__}: {exc}"[:500])


def change_filename(change: OrderChange, extension: str) -> str:
    """``<order number>-AEND-<n>.<extension>``: one file per change, never the order's name."""
    return f"{change.order_number}-AEND-{change.sequence}.{extension}"


def receipt_filename(receipt: GoodsReceipt, extension: str) -> str:
    """``<order number>-WE<n>.<extension>``: the receipt number, ``/`` made file-safe."""
    return f"{receipt.document_id.replace('/', '-')}.{extension}"
