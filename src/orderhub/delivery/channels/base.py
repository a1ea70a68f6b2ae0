"""The one small interface every partner channel implements.

``render`` turns the format-neutral OrderDocument into the exact bytes the partner gets (stored
once, so every retry sends the same document); ``deliver`` sends them. Neither touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

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
    def success(cls, detail: str = "", status_code: int | None = None, excerpt: str = "") -> "DeliveryResult":
        return cls(ok=True, detail=detail, status_code=status_code, response_excerpt=excerpt[:2000])

    @classmethod
    def temporary(cls, detail: str, status_code: int | None = None, excerpt: str = "") -> "DeliveryResult":
        return cls(ok=False, retryable=True, detail=detail[:500], status_code=status_code,
                   response_excerpt=excerpt[:2000])

    @classmethod
    def permanent(cls, detail: str, status_code: int | None = None, excerpt: str = "") -> "DeliveryResult":
        return cls(ok=False, retryable=False, detail=detail[:500], status_code=status_code,
                   response_excerpt=excerpt[:2000])


class Channel:
    name = ""

    def __init__(self, config: dict, credentials: dict):
        self.config = config
        self.credentials = credentials

    def render(self, doc: OrderDocument) -> list[Rendered]:
        raise NotImplementedError

    def deliver(self, doc: OrderDocument, documents: list[Rendered]) -> DeliveryResult:
        raise NotImplementedError

    @property
    def timeout(self) -> float:
        return float(self.config.get("timeout", 30))


def http_result(response: httpx.Response) -> DeliveryResult:
    excerpt = response.text[:2000] if response.content else ""
    if 200 <= response.status_code < 300:
        return DeliveryResult.success(f"HTTP {response.status_code}", response.status_code, excerpt)
    if response.status_code in RETRYABLE_HTTP:
        return DeliveryResult.temporary(f"HTTP {response.status_code}", response.status_code, excerpt)
    return DeliveryResult.permanent(f"partner refused the order: HTTP {response.status_code}",
                                    response.status_code, excerpt)


def http_error(exc: httpx.HTTPError) -> DeliveryResult:
    return DeliveryResult.temporary(f"{type(exc).__name__}: {exc}"[:500])
