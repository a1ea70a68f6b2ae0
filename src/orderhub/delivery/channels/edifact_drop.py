"""EDIFACT ORDERS D.96A written to the partner's drop directory (atomically: .tmp, then rename).

The file name is the order number, so a repeated delivery replaces the same file instead of
adding a second order. SFTP partners mount or mirror the same layout: ``<root>/<partner>/out``
for orders, ``<root>/<partner>/in`` for their ORDRSP/DESADV answers.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from orderhub.delivery.channels.base import Channel, DeliveryResult, Rendered, change_filename
from orderhub.formats.changes import OrderChange
from orderhub.formats.documents import OrderDocument
from orderhub.formats.edifact.changes import write_ordchg
from orderhub.formats.edifact.order_writer import write_orders


def drop_root(config: dict) -> Path:
    return Path(config.get("drop_dir") or settings.EDI_DROP_DIR)


class EdifactDrop(Channel):
    name = "edifact"

    def render(self, doc: OrderDocument) -> list[Rendered]:
        ref = doc.order_number.replace("-", "")[-14:]
        data = write_orders(doc, interchange_ref=ref)
        return [
            Rendered("order", "edifact", "application/edifact", f"{doc.order_number}.edi", data)
        ]

    def outbox(self) -> Path:
        return drop_root(self.config) / self.config.get("partner_dir", "") / "out"

    def render_change(self, change: OrderChange, doc: OrderDocument) -> list[Rendered]:
        """ORDCHG in its own file ``<order number>-AEND-<n>.edi`` (interchange reference ``C`` +
        the order number's last 11 characters + the change number, so it differs from the order's)."""
        ref = f"C{doc.order_number.replace('-', '')[-11:]}{change.sequence}"[-14:]
        data = write_ordchg(change, doc, interchange_ref=ref)
        return [
            Rendered(
                "order_change",
                "edifact",
                "application/edifact",
                change_filename(change, "edi"),
                data,
            )
        ]

    def deliver_change(
        self, change: OrderChange, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        return self.deliver(doc, documents)

    def deliver(self, doc: OrderDocument, documents: list[Rendered]) -> DeliveryResult:
        rendered = documents[0]
        out = self.outbox()
        try:
            out.mkdir(parents=True, exist_ok=True)
            final = out / rendered.filename
            processed = out / "processed" / rendered.filename
            if processed.exists():
                return DeliveryResult.success(f"already picked up by the partner: {processed}")
            tmp = out / f".{rendered.filename}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(rendered.content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except OSError as exc:
            return DeliveryResult.temporary(f"cannot write to drop directory: {exc}")
        return DeliveryResult.success(f"written to {final}")
