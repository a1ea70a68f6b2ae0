"""JSON webhook signed with HMAC-SHA256 over timestamp and body (replay-protected by the receiver)."""

from __future__ import annotations

import httpx

from orderhub.delivery.channels.base import (
    Channel,
    DeliveryResult,
    Rendered,
    change_filename,
    http_client,
    http_error,
    http_result,
    receipt_filename,
)
from orderhub.formats import change_answers, partner_json, signing
from orderhub.formats.changes import GoodsReceipt, OrderChange
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
        return self._post(self.config["url"], documents[0].content, doc.order_number, "order")

    def render_change(self, change: OrderChange, doc: OrderDocument) -> list[Rendered]:
        return [
            Rendered(
                "order_change",
                "json",
                "application/json",
                change_filename(change, "json"),
                change_answers.write_change_event(change, doc),
            )
        ]

    def deliver_change(
        self, change: OrderChange, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        """The ``orderhub.order_change.v1`` event, signed like orders, to ``change_url`` or the
        order URL; ``Idempotency-Key`` ``<order number>/<change number>``."""
        url = self.config.get("change_url") or self.config["url"]
        return self._post(url, documents[0].content, change.document_id, "order_change")

    @property
    def sends_receipts(self) -> bool:
        return True

    def render_receipt(self, receipt: GoodsReceipt, doc: OrderDocument) -> list[Rendered]:
        return [
            Rendered(
                "receipt_acknowledgement",
                "json",
                "application/json",
                receipt_filename(receipt, "json"),
                change_answers.write_receipt_event(receipt, doc),
            )
        ]

    def deliver_receipt(
        self, receipt: GoodsReceipt, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        """The ``orderhub.goods_receipt.v1`` event, signed like orders, to ``receipt_url`` or the
        order URL; ``Idempotency-Key`` the receipt number, ``X-OrderHub-Event: goods_receipt``."""
        url = self.config.get("receipt_url") or self.config["url"]
        return self._post(url, documents[0].content, receipt.document_id, "goods_receipt")

    def _post(self, url: str, body: bytes, key: str, event: str) -> DeliveryResult:
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            "X-OrderHub-Event": event,
            **signing.signature_header(self.credentials.get("secret", ""), body),
        }
        try:
            response = http_client().post(url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            return http_error(exc)
        return http_result(response)
