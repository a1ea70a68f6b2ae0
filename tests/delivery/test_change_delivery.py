"""Changes after sending, delivered per channel to real local servers (issue 16): openTRANS
ORDERCHANGE over HTTP, EDIFACT ORDCHG into the drop directory, the signed JSON event, an e-mail
with a PDF of the change; the partner accepts or refuses in its own format; retries send the same
bytes; a change that cannot be delivered is ``failed`` and the lines stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orderhub.delivery import inbox, outbox
from orderhub.delivery.models import ChangeDelivery, Document
from orderhub.formats import change_answers, signing
from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.formats.edifact.structure import check_structure
from orderhub.formats.opentrans.partner import parse_order_change
from orderhub.formats.opentrans.schema import validate
from orderhub.ordering.models import Order, OrderChange
from tests.accounts.conftest import Mailbox
from tests.conftest import ApiClient
from tests.delivery.conftest import mark_sent
from tests.delivery.test_partner_logins import admin_client
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(practice):
    r = submit(practice, order_body("B-CHG-D"))
    order = mark_sent(Order.objects.get(pk=r.json_body["id"]))
    outbox.run_due()  # the order's own delivery row: already sent, nothing goes out
    return order


@pytest.fixture
def partner(partner_token):
    return ApiClient(partner_token)


def use_channel(partners, channel, config, credentials=None):
    sonora = partners["sonora"]
    sonora.channel, sonora.channel_config = channel, config
    sonora.credentials = credentials or {}
    sonora.save()
    return sonora


def ask(practice, order, body):
    r = practice.post(f"/api/v1/orders/{order.pk}/changes", body)
    assert r.status_code == 201, r.json_body
    return r.json_body


def detail(practice, order):
    return practice.get(f"/api/v1/orders/{order.pk}").json_body


def post(partner, body, content_type):
    r = partner.request("POST", "/api/v1/partner/documents", raw=body, content_type=content_type)
    assert r.status_code == 202, r.json_body
    return r.json_body


def response_for(order, doc_id, lines):
    return PartnerAnswer(
        kind="order_response",
        order_number=order.number,
        document_id=doc_id,
        issued_at=datetime.now(UTC),
        lines=lines,
    )


def test_opentrans_orderchange_is_posted_accepted_by_orderresponse(
    partners, practice, order, recorder, partner
):
    use_channel(partners, "opentrans_http", {"url": recorder.url}, {"token": "geheim"})
    recorder.codes = [503]  # the first attempt fails: the retry posts the same bytes
    ask(practice, order, {"lines": [{"position": 1, "quantity": 3, "delivery_date": "2026-01-30"}]})
    assert outbox.run_due() == 1
    row = ChangeDelivery.objects.get()
    assert row.status == "retrying"
    ChangeDelivery.objects.filter(pk=row.pk).update(next_attempt_at=datetime.now(UTC))
    assert outbox.run_due() == 1
    assert len(recorder.requests) == 2
    first, second = recorder.requests
    assert first["body"] == second["body"]
    assert second["headers"]["Idempotency-Key"] == f"{order.number}/1"
    assert second["headers"]["Authorization"] == "Bearer geheim"
    validate(second["body"])
    parsed = parse_order_change(second["body"])
    assert (parsed.order_number, parsed.sequence, parsed.kind) == (order.number, 1, "change")
    assert parsed.lines[0].quantity == 3
    stored = Document.objects.get(order=order, kind="order_change")
    assert bytes(stored.content) == second["body"]
    body = detail(practice, order)
    assert body["changes"][0]["status"] == "sent"
    assert "Änderung 1 an den Partner gesendet" in [e["reason"] for e in body["events"]]

    reply = change_answers.write_opentrans_change_reply(
        response_for(
            order,
            "AB-CHG-1",
            [AnswerLine(1, "confirmed", Decimal(3)), AnswerLine(2, "confirmed", Decimal(1))],
        ),
        1,
        True,
    )
    assert post(partner, reply, "application/xml")["applied"] is True
    assert post(partner, reply, "application/xml")["applied"] is False  # the same document again
    body = detail(practice, order)
    assert body["changes"][0]["status"] == "accepted"
    # The change is applied to the lines; the order itself was never answered, so the response
    # lines the reply carries wait for the partner's order response (docs/partner-formats.md).
    assert body["status"] == "sent"
    assert Decimal(body["lines"][0]["quantity"]) == 3
    assert body["lines"][0]["confirmed_quantity"] is None


def test_edifact_ordchg_file_refused_by_ordrsp_in_the_drop_directory(
    partners, practice, order, tmp_path
):
    use_channel(partners, "edifact", {"drop_dir": str(tmp_path), "partner_dir": "sonora"})
    ask(practice, order, {"kind": "cancel", "note": "Patient hat storniert"})
    assert outbox.run_due() == 1
    written = tmp_path / "sonora" / "out" / f"{order.number}-AEND-1.edi"
    data = written.read_bytes()
    assert check_structure(data, "ORDCHG") == []
    assert f"BGM+230+{order.number}/1+1'".encode() in data
    reply = change_answers.write_ordrsp_change_reply(
        response_for(
            order,
            "AB-REF-1",
            [AnswerLine(1, "confirmed", Decimal(2)), AnswerLine(2, "confirmed", Decimal(1))],
        ),
        1,
        False,
        sender_id="4012345000009",
        recipient_id="ORDERHUB",
        interchange_ref="R1",
    )
    inbox_dir = inbox.inbox_dir(partners["sonora"])
    inbox_dir.mkdir(parents=True, exist_ok=True)
    (inbox_dir / "ORDRSP_refused.edi").write_bytes(reply)
    assert inbox.pick_up(partners["sonora"])["applied"] == 1
    body = detail(practice, order)
    assert body["status"] == "sent"
    assert body["changes"][0]["status"] == "refused"
    assert any("Stornierung 1 vom Partner abgelehnt" in e["reason"] for e in body["events"])


def test_webhook_event_is_signed_and_refused_by_json(partners, practice, order, recorder, partner):
    use_channel(partners, "webhook", {"url": recorder.url}, {"secret": "s3cret"})
    ask(practice, order, {"lines": [{"position": 2, "remove": True}]})
    assert outbox.run_due() == 1
    (request,) = recorder.requests
    signing.verify(b"s3cret", request["headers"]["X-OrderHub-Signature"], request["body"])
    assert request["headers"]["X-OrderHub-Event"] == "order_change"
    event = json.loads(request["body"])
    assert event["format"] == "orderhub.order_change.v1"
    assert [(l["line_no"], l["action"]) for l in event["lines"]] == [
        (1, "unchanged"),
        (2, "deleted"),
    ]
    assert [i["line_no"] for i in event["order"]["items"]] == [1]
    refusal = json.dumps(
        {
            "kind": "change_response",
            "order_number": order.number,
            "sequence": 1,
            "accepted": False,
            "note": "Bereits kommissioniert",
        }
    ).encode()
    assert post(partner, refusal, "application/json")["applied"] is True
    body = detail(practice, order)
    assert body["changes"][0]["status"] == "refused"
    assert [l["removed"] for l in body["lines"]] == [False, False]
    bad = json.dumps(
        {"kind": "change_response", "order_number": order.number, "sequence": 7, "accepted": True}
    ).encode()
    r = partner.request(
        "POST", "/api/v1/partner/documents", raw=bad, content_type="application/json"
    )
    assert r.status_code == 404
    r = partner.request(
        "POST",
        "/api/v1/partner/documents",
        raw=b'{"kind": "change_response", "order_number": "X", "sequence": 1}',
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json_body["field"] == "accepted"


@pytest.fixture
def smtp():
    from simulator.mail_partner import PortPickingController

    box = Mailbox()
    controller = PortPickingController(box, hostname="127.0.0.1", port=0)
    controller.start()
    yield box, controller.port
    controller.stop()


def test_email_with_pdf_of_the_change(partners, practice, order, smtp):
    box, port = smtp
    use_channel(
        partners,
        "email",
        {"to": "auftrag@sonora.example", "smtp_host": "127.0.0.1", "smtp_port": port},
    )
    ask(practice, order, {"lines": [{"position": 1, "quantity": 4}], "note": "mehr Bedarf"})
    assert outbox.run_due() == 1
    message = box.wait_for("auftrag@sonora.example")
    assert message["Message-ID"] == f"<{order.number}.change-1@orderhub>"
    assert "Bestelländerung 1" in message["Subject"]
    names = {p.get_filename(): p for p in message.walk() if p.get_filename()}
    pdf = names[f"Aenderung-{order.number}-1.pdf"].get_payload(decode=True)
    assert pdf.startswith(b"%PDF")
    validate(names[f"{order.number}-AEND-1.xml"].get_payload(decode=True))
    kinds = {d.kind for d in Document.objects.filter(order=order, direction="outbound")}
    assert {"order_change", "order_change_pdf"} <= kinds
    assert OrderChange.objects.get().status == "sent"


def test_a_change_that_cannot_be_delivered_fails_and_the_lines_stay(
    partners, practice, order, recorder
):
    use_channel(partners, "opentrans_http", {"url": recorder.url})
    recorder.codes = [400]
    ask(practice, order, {"lines": [{"position": 1, "quantity": 9}]})
    outbox.run_due()
    assert ChangeDelivery.objects.get().status == "dead"
    body = detail(practice, order)
    assert body["changes"][0]["status"] == "failed"
    assert Decimal(body["lines"][0]["quantity"]) == 2
    # The operator sees the dead change and why in the admin (no retry: the practice asks again).
    ops = admin_client()
    row = ChangeDelivery.objects.get()
    listing = ops.get("/admin/delivery/changedelivery/?status__exact=dead").content.decode()
    assert order.number in listing and "HTTP 400" in listing
    assert ops.get(f"/admin/delivery/changedelivery/{row.pk}/change/").status_code == 200
    # The practice may ask again: the next change gets the next number.
    recorder.codes = []
    assert ask(practice, order, {"lines": [{"position": 1, "quantity": 9}]})["sequence"] == 2


def test_supplier_portal_shows_the_open_change_and_accepts_it(partners, practice, order):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from orderhub.delivery.models import PartnerAccount

    user = get_user_model().objects.create_user(username="sonora-portal", password="x-Geheim-123")
    PartnerAccount.objects.create(user=user, partner=partners["sonora"])
    portal = Client()
    portal.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    ask(practice, order, {"lines": [{"position": 1, "quantity": 6}]})
    page = portal.get(f"/lieferant/bestellungen/{order.number}/").content.decode()
    assert "Änderung 1" in page and "Annehmen" in page
    url = f"/lieferant/bestellungen/{order.number}/aenderungen/1/"
    assert portal.post(url, {"decision": "refuse"}).status_code == 302  # a refusal needs a reason
    assert OrderChange.objects.get().status == "requested"
    assert portal.post(url, {"decision": "accept"}).status_code == 302
    body = detail(practice, order)
    assert body["changes"][0]["status"] == "accepted"
    assert body["changes"][0]["answered_by"].startswith("Lieferant Sonora")
    assert Decimal(body["lines"][0]["quantity"]) == 6
    assert "Annehmen" not in portal.get(f"/lieferant/bestellungen/{order.number}/").content.decode()
    outbox.run_due()  # the answered change is not sent any more
    assert ChangeDelivery.objects.get().status == "cancelled"
