"""openTRANS 2.1 ORDER over HTTP(S) POST with the partner's credentials."""

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
from orderhub.formats import opentrans
from orderhub.formats.documents import OrderDocument


class OpenTransHttp(Channel):
    name = "opentrans_http"

    def render(self, doc: OrderDocument) -> list[Rendered]:
        return [
            Rendered(
                "order",
                "opentrans",
                "application/xml",
                f"{doc.order_number}.xml",
                opentrans.write_order(doc),
            )
        ]

    def deliver(self, doc: OrderDocument, documents: list[Rendered]) -> DeliveryResult:
        xml = documents[0].content
        headers = {
            "Content-Type": "application/xml; charset=utf-8",
            "Idempotency-Key": doc.order_number,
        }
        auth = None
        if self.credentials.get("token"):
            headers["Authorization"] = f"Bearer {self.credentials['token']}"
        elif self.credentials.get("username"):
            auth = (self.credentials["username"], self.credentials.get("password", ""))
        try:
            response = http_client().post(
                self.config["url"], content=xml, headers=headers, auth=auth, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            return http_error(exc)
        return http_result(response)
