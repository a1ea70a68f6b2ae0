"""E-mail over SMTP: a readable PDF order and the openTRANS document attached.

The Message-ID is derived from the order number, so a repeated delivery is recognisable as the
same message; partners without EDI confirm in the supplier portal (/lieferant/).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from django.conf import settings

from orderhub.delivery.channels.base import Channel, DeliveryResult, Rendered
from orderhub.formats import opentrans
from orderhub.formats.documents import OrderDocument
from orderhub.formats.order_pdf import render_order_pdf


class Email(Channel):
    name = "email"

    def render(self, doc: OrderDocument) -> list[Rendered]:
        return [
            Rendered(
                "order",
                "opentrans",
                "application/xml",
                f"{doc.order_number}.xml",
                opentrans.write_order(doc),
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
            for i in doc.items
        )
        msg.set_content(
            f"Guten Tag,\n\nanbei die Bestellung {doc.order_number} von {doc.buyer.name}"
            f" (Kundennummer {doc.customer_number or '—'}).\n\n{lines}\n\n"
            f"Bitte bestätigen Sie die Bestellung im Lieferantenportal: {portal}/lieferant/\n\n"
            "Die Bestellung liegt als PDF und als openTRANS-2.1-Dokument bei.\n"
        )
        for d in documents:
            maintype, subtype = d.content_type.split("/", 1)
            msg.add_attachment(d.content, maintype=maintype, subtype=subtype, filename=d.filename)
        return msg

    def deliver(self, doc: OrderDocument, documents: list[Rendered]) -> DeliveryResult:
        host = self.config.get("smtp_host") or settings.EMAIL_HOST
        port = int(self.config.get("smtp_port") or settings.EMAIL_PORT)
        try:
            with smtplib.SMTP(host, port, timeout=self.timeout) as smtp:
                if self.credentials.get("username"):
                    smtp.starttls()
                    smtp.login(self.credentials["username"], self.credentials.get("password", ""))
                refused = smtp.send_message(self.message(doc, documents))
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
