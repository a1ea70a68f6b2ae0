"""E-mail over SMTP: a readable PDF order and the openTRANS document attached.

The Message-ID is derived from the order number, so a repeated delivery is recognisable as the
same message; partners without EDI confirm in the supplier portal (/lieferant/).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from django.conf import settings
from django.core.files.storage import default_storage

from orderhub.delivery.channels.base import Channel, DeliveryResult, Rendered, change_filename
from orderhub.formats.change_pdf import render_change_pdf
from orderhub.formats.changes import OrderChange
from orderhub.formats.documents import OrderDocument
from orderhub.formats.opentrans.changes import write_order_change
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.formats.order_pdf import render_order_pdf

#: The order's files attached to its mail in all at most (mail servers refuse larger mails).
MAIL_FILES_MAX_BYTES = 20 * 1024 * 1024


def _named(a) -> str:
    if a.kind == "tracking_number":
        return f"Sendungsnummer der Abformung {a.text}"
    return f"{a.filename} (SHA-256 {a.sha256})"


class Email(Channel):
    name = "email"

    def render(self, doc: OrderDocument) -> list[Rendered]:
        return [
            Rendered(
                "order",
                "opentrans",
                "application/xml",
                f"{doc.order_number}.xml",
                write_order(doc),
            ),
            Rendered(
                "order_pdf",
                "pdf",
                "application/pdf",
                f"Bestellung-{doc.order_number}.pdf",
                render_order_pdf(doc),
            ),
        ]

    def message(self, doc: OrderDocument, documents: list[Rendered]) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = f"Bestellung {doc.order_number} von {doc.buyer.name}"
        msg["From"] = self.config.get("from") or settings.ORDERHUB_EMAIL_FROM
        msg["To"] = self.config["to"]
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = f"<{doc.order_number}@orderhub>"
        msg["X-OrderHub-Order"] = doc.order_number
        portal = settings.BASE_URL or ""
        lines = "\n".join(
            f"  {i.line_no}. {i.quantity} × {i.supplier_article_number} {i.description}"
            + "".join(f"\n     Anhang: {_named(a)}" for a in i.attachments)
            for i in doc.items
        ) + "".join(f"\n  Anhang zur Bestellung: {_named(a)}" for a in doc.attachments)
        msg.set_content(
            f"Guten Tag,\n\nanbei die Bestellung {doc.order_number} von {doc.buyer.name}"
            f" (Kundennummer {doc.customer_number or '—'}).\n\n{lines}\n\n"
            f"Bitte bestätigen Sie die Bestellung im Lieferantenportal: {portal}/lieferant/\n\n"
            "Die Bestellung liegt als PDF und als openTRANS-2.1-Dokument bei.\n"
        )
        for d in documents:
            maintype, subtype = d.content_type.split("/", 1)
            msg.add_attachment(d.content, maintype=maintype, subtype=subtype, filename=d.filename)
        self._attach_files(msg, doc)
        return msg

    def _attach_files(self, msg: EmailMessage, doc: OrderDocument) -> None:
        """The order's files (issue 17) as mail attachments, read from the storage; beyond
        ``MAIL_FILES_MAX_BYTES`` in all, the rest goes by its link in the openTRANS document."""
        total = 0
        for a in doc.all_attachments:
            if not a.storage_name or total + a.size > MAIL_FILES_MAX_BYTES:
                continue
            with default_storage.open(a.storage_name, "rb") as fh:
                data = fh.read()
            total += len(data)
            maintype, _, subtype = (a.content_type or "application/octet-stream").partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=a.filename)

    def render_change(self, change: OrderChange, doc: OrderDocument) -> list[Rendered]:
        """The ORDERCHANGE and a PDF of the change (``Aenderung-<order>-<n>.pdf``)."""
        title = "Stornierung" if change.kind == "cancel" else "Aenderung"
        return [
            Rendered(
                "order_change",
                "opentrans",
                "application/xml",
                change_filename(change, "xml"),
                write_order_change(change, doc),
            ),
            Rendered(
                "order_change_pdf",
                "pdf",
                "application/pdf",
                f"{title}-{doc.order_number}-{change.sequence}.pdf",
                render_change_pdf(change, doc),
            ),
        ]

    def change_message(
        self, change: OrderChange, doc: OrderDocument, documents: list[Rendered]
    ) -> EmailMessage:
        cancel = change.kind == "cancel"
        what = "Stornierung" if cancel else "Bestelländerung"
        msg = EmailMessage()
        msg["Subject"] = (
            f"{what} {change.sequence} zur Bestellung {doc.order_number} von {doc.buyer.name}"
        )
        msg["From"] = self.config.get("from") or settings.ORDERHUB_EMAIL_FROM
        msg["To"] = self.config["to"]
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = f"<{doc.order_number}.change-{change.sequence}@orderhub>"
        msg["In-Reply-To"] = f"<{doc.order_number}@orderhub>"
        msg["X-OrderHub-Order"] = doc.order_number
        msg["X-OrderHub-Change"] = str(change.sequence)
        portal = settings.BASE_URL or ""
        body = (
            f"die Bestellung {doc.order_number} soll vollständig storniert werden."
            if cancel
            else f"zur Bestellung {doc.order_number} bitten wir um folgende Änderung {change.sequence}:"
        )
        lines = []
        for line in change.lines:
            parts = ["entfällt"] if line.removed else []
            if line.quantity is not None:
                parts.append(f"neue Menge {line.quantity}")
            if line.delivery_date is not None:
                parts.append(f"Liefertermin {line.delivery_date:%d.%m.%Y}")
            lines.append(f"  Pos. {line.line_no}: {', '.join(parts)}")
        for item in change.added:
            lines.append(
                f"  Pos. {item.line_no} neu: {item.quantity} × {item.supplier_article_number} "
                f"{item.description}"
            )
        msg.set_content(
            f"Guten Tag,\n\n{body}\n"
            + ("\n".join(lines) + "\n" if lines else "")
            + (f"\nGrund: {change.note}\n" if change.note else "")
            + f"\nBitte nehmen Sie die {what} im Lieferantenportal an oder lehnen Sie sie ab: "
            f"{portal}/lieferant/bestellungen/{doc.order_number}/\n\n"
            "Sie liegt als PDF und als openTRANS-2.1-ORDERCHANGE bei.\n"
        )
        for d in documents:
            maintype, subtype = d.content_type.split("/", 1)
            msg.add_attachment(d.content, maintype=maintype, subtype=subtype, filename=d.filename)
        return msg

    def deliver_change(
        self, change: OrderChange, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        return self._send(self.change_message(change, doc, documents))

    def deliver(self, doc: OrderDocument, documents: list[Rendered]) -> DeliveryResult:
        return self._send(self.message(doc, documents))

    def _send(self, message: EmailMessage) -> DeliveryResult:
        host = self.config.get("smtp_host") or settings.EMAIL_HOST
        port = int(self.config.get("smtp_port") or settings.EMAIL_PORT)
        try:
            with smtplib.SMTP(host, port, timeout=self.timeout) as smtp:
                if self.credentials.get("username"):
                    smtp.starttls()
                    smtp.login(self.credentials["username"], self.credentials.get("password", ""))
                refused = smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code} {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500:
                return DeliveryResult.temporary(text, exc.smtp_code)
            return DeliveryResult.permanent(text, exc.smtp_code)
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")
        if refused:
            return DeliveryResult.permanent(f"recipients refused: {refused}")
        return DeliveryResult.success(f"mail accepted by {host}:{port} for {self.config['to']}")
