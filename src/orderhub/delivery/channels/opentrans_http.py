"""openTRANS 2.1 ORDER over HTTP(S) POST with the partner's credentials."""

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
from orderhub.formats.changes import GoodsReceipt, OrderChange
from orderhub.formats.documents import OrderDocument
from orderhub.formats.opentrans.changes import write_order_change, write_receipt_acknowledgement
from orderhub.formats.opentrans.order_writer import write_order


class OpenTransHttp(Channel):
    name = "opentrans_http"

    def render(self, doc: OrderDocument) -> list[Rendered]:
        return [
            Rendered(
                "order",
                "opentrans",
                "application/xml",
                f"{doc.order_number}.xml",
                write_order(doc),
            )
        ]

    def deliver(self, doc: OrderDocument, documents: list[Rendered]) -> DeliveryResult:
        return self._post(self.config["url"], documents[0].content, doc.order_number)

    def render_change(self, change: OrderChange, doc: OrderDocument) -> list[Rendered]:
        return [
            Rendered(
                "order_change",
                "opentrans",
                "application/xml",
                change_filename(change, "xml"),
                write_order_change(change, doc),
            )
        ]

    def deliver_change(
        self, change: OrderChange, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        """The ORDERCHANGE is posted like the order (to ``change_url`` when the partner has one);
        ``Idempotency-Key`` is ``<order number>/<change number>``."""
        url = self.config.get("change_url") or self.config["url"]
        return self._post(url, documents[0].content, change.document_id)

    @property
    def sends_receipts(self) -> bool:
        return True

    def render_receipt(self, receipt: GoodsReceipt, doc: OrderDocument) -> list[Rendered]:
        return [
            Rendered(
                "receipt_acknowledgement",
                "opentrans",
                "application/xml",
                receipt_filename(receipt, "xml"),
                write_receipt_acknowledgement(receipt, doc),
            )
        ]

    def deliver_receipt(
        self, receipt: GoodsReceipt, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        """The RECEIPTACKNOWLEDGEMENT is posted like the order (to ``receipt_url`` when the
        partner has one); ``Idempotency-Key`` is the receipt number."""
        url = self.config.get("receipt_url") or self.config["url"]
        return self._post(url, documents[0].content, receipt.document_id)

    def _post(self, url: str, xml: bytes, key: str) -> DeliveryResult:
        headers = {
            "Content-Type": "application/xml; charset=utf-8",
            "Idempotency-Key": key,
        }
        auth: tuple[str, str] | httpx.Auth = httpx.Auth()  # the base class sends no credentials
        if self.credentials.get("token"):
            headers["Authorization"] = f"Bearer {self.credentials['token']}"
        elif self.credentials.get("username"):
            auth = (self.credentials["username"], self.credentials.get("password", ""))
        try:
            response = http_client().post(
                url, content=xml, headers=headers, auth=auth, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            return http_error(exc)
        return http_result(response)
