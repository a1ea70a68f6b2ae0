"""The e-mail partner: a real SMTP server taking orders sent with smtplib."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from simulator import PartnerConfig

from .conftest import opentrans_order

OTOPLAST = PartnerConfig("otoplast", "email", portal_token="oto-token")


def order_mail(order_number: str, *, with_xml: bool = True) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "orderhub@portal.example"
    message["To"] = "orders@otoplast.example"
    message["Subject"] = f"Bestellung {order_number}"
    message.set_content(f"Bestellung {order_number}, siehe Anhang.")
    message.add_attachment(
        b"%PDF-1.4 simulated", maintype="application", subtype="pdf", filename=f"{order_number}.pdf"
    )
    if with_xml:
        message.add_attachment(
            opentrans_order(order_number),
            maintype="application",
            subtype="xml",
            filename=f"{order_number}.xml",
        )
    return message


def send(sim, message: EmailMessage, timeout: float = 5.0) -> None:
    with smtplib.SMTP("127.0.0.1", sim.smtp_port, timeout=timeout) as smtp:
        smtp.send_message(message)


def test_mail_with_order_attachment_is_recorded_stored_and_answered(make_simulator, fake_portal):
    sim = make_simulator(OTOPLAST, portal_url=fake_portal.url)
    send(sim, order_mail("OH-50"))
    partner = sim.stats()["partners"]["otoplast"]
    assert partner["received"] == {"OH-50": 1} and partner["messages"] == 1
    (stored,) = sim.messages("otoplast")
    assert [(a["filename"], a["content_type"]) for a in stored["attachments"]] == [
        ("OH-50.pdf", "application/pdf"),
        ("OH-50.xml", "application/xml"),
    ]
    assert Path(stored["path"]).parent.name == "new"
    assert b"Bestellung OH-50" in Path(stored["path"]).read_bytes()
    response, dispatch = fake_portal.wait_for(2)
    assert response.headers["authorization"] == "Bearer oto-token"
    assert [json.loads(p.body)["kind"] for p in (response, dispatch)] == [
        "order_response",
        "dispatch_notification",
    ]


def test_duplicate_mail_is_counted(make_simulator):
    sim = make_simulator(OTOPLAST, answers=False)
    send(sim, order_mail("OH-51"))
    send(sim, order_mail("OH-51"))
    partner = sim.stats()["partners"]["otoplast"]
    assert (partner["unique"], partner["duplicates"]) == (1, 1)


def test_mail_without_order_attachment_is_refused(make_simulator):
    sim = make_simulator(OTOPLAST, answers=False)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(sim, order_mail("OH-52", with_xml=False))
    assert refused.value.smtp_code == 550
    assert sim.stats()["partners"]["otoplast"]["unique"] == 0


def test_unknown_mailbox_is_refused(make_simulator):
    sim = make_simulator(
        OTOPLAST, PartnerConfig("hansaton", "email", portal_token="t"), answers=False
    )
    message = order_mail("OH-53")
    del message["To"]
    message["To"] = "nobody@elsewhere.example"
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(sim, message)


def test_temporary_failure_fault(make_simulator):
    sim = make_simulator(OTOPLAST, answers=False, fail_rate=1.0, fail_modes=["5xx"])
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(sim, order_mail("OH-54"))
    assert refused.value.smtp_code == 451
    assert sim.stats()["partners"]["otoplast"]["unique"] == 0


@pytest.mark.parametrize("mode, recorded", [("reset", 0), ("reset_after", 1)])
def test_dropped_connection_fault(make_simulator, mode, recorded):
    sim = make_simulator(OTOPLAST, answers=False, fail_rate=1.0, fail_modes=[mode])
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
        send(sim, order_mail("OH-55"))
    assert sim.stats()["partners"]["otoplast"]["unique"] == recorded
