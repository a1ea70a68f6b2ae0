"""JSON webhook signed with HMAC-SHA256 over timestamp and body (replay-protected by the receiver)."""

from __future__ import annotations

import httpx

from orderhub.delivery.channels.base import (
    Channel,
    DeliveryResult,
    Rendered,
    http_client,
    http_error,
    http_result,
)
from orderhub.formats import partner_json, signing
from orderhub.formats.documents import OrderDocument


class Webhook(Channel):
    name = "webhook"

    def render(self, doc: OrderDocument) -> list[Rendered]:
        return [
            Rendered(
                "order",
                "json",
                "application/json",
                f"{doc.order_number}.json",
                partner_json.write_order(doc),
            )
        ]

    def deliver(self, doc: OrderDocument, documents: list[Rendered]) -> DeliveryResult:
        body = documents[0].content
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": doc.order_number,
            **signing.signature_header(self.credentials.get("secret", ""), body),
        }
        try:
            response = http_client().post(
                self.config["url"], content=body, headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            return http_error(exc)
        return http_result(response)
