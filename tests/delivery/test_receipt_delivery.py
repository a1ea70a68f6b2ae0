"""Goods-receipt acknowledgements delivered per channel to real local servers (issue 16): the
openTRANS RECEIPTACKNOWLEDGEMENT posted over HTTP and uploaded over SFTP, the signed JSON event for
webhook partners; nothing for EDIFACT and e-mail partners. Retries send the same bytes, the
receipt number is the deduplication key, an acknowledgement that cannot be delivered is
dead-lettered, says so in the timeline and is retried by the operator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orderhub.delivery import outbox
from orderhub.delivery.models import Document, ReceiptDelivery
from orderhub.formats import change_answers, signing
from orderhub.formats.opentrans.partner import parse_receipt_acknowledgement
from orderhub.formats.opentrans.schema import validate
from tests.delivery.sftp_server import SftpServer
from tests.ordering.test_goods_receipt import gtin_of, scan, shipped_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(practice):
    """Sent and shipped (LS-1: line 1 with SN40021, SN40022), its own delivery row done."""
    order = shipped_order(practice)
    outbox.run_due()
    return order


def use_channel(partners, channel, config, credentials=None):
    sonora = partners["sonora"]
    sonora.channel, sonora.channel_config = channel, config
    sonora.credentials = credentials or {}
    sonora.save()
    return sonora


def book(practice, order, body=None):
    gtin = gtin_of(order, 1)
    body = body or {
        "scans": [scan(gtin, "SN40021"), scan(gtin, "SN40099")],
        "lines": [{"position": 2, "quantity": 1}],
        "shipment": "LS-1",
    }
    r = practice.post(f"/api/v1/orders/{order.pk}/receipts", body)
    assert r.status_code == 201, r.json_body
    return r.json_body


def reasons(practice, order, field="reason"):
    return [e[field] for e in practice.get(f"/api/v1/orders/{order.pk}").json_body["events"]]


def test_opentrans_http_posts_the_receipt_acknowledgement_once_with_its_number(
    partners, practice, order, recorder
):
    use_channel(partners, "opentrans_http", {"url": recorder.url}, {"token": "geheim"})
    recorder.codes = [503]  # the first attempt fails: the retry posts the same bytes
    receipt = book(practice, order)
    assert outbox.run_due() == 1
    row = ReceiptDelivery.objects.get()
    assert row.status == "retrying"
    ReceiptDelivery.objects.filter(pk=row.pk).update(next_attempt_at=datetime.now(UTC))
    assert outbox.run_due() == 1
    first, second = recorder.requests
    assert first["body"] == second["body"]
    assert second["headers"]["Idempotency-Key"] == receipt["number"]
    assert second["headers"]["Authorization"] == "Bearer geheim"
    validate(second["body"])
    parsed = parse_receipt_acknowledgement(second["body"])
    assert (parsed.document_id, parsed.order_number, parsed.dispatch_id) == (
        receipt["number"],
        order.number,
        "LS-1",
    )
    assert parsed.lines[0].serial_numbers == ["SN40021", "SN40099"]  # what arrived, as scanned
    assert parsed.lines[1].quantity == Decimal(1)
    stored = Document.objects.get(order=order, kind="receipt_acknowledgement")
    assert bytes(stored.content) == second["body"]
    assert [a.outcome for a in ReceiptDelivery.objects.get().attempt_log.all()] == [
        "retry",
        "success",
    ]
    assert f"Wareneingang {receipt['number']} dem Partner bestätigt" in reasons(practice, order)
    assert f"Goods receipt {receipt['number']} acknowledged to the partner" in reasons(
        practice, order, "reason_en"
    )
    assert outbox.run_due() == 0 and len(recorder.requests) == 2  # delivered is done


def test_webhook_partner_gets_the_signed_json_event(partners, practice, order, recorder):
    use_channel(
        partners,
        "webhook",
        {"url": recorder.url, "receipt_url": recorder.url + "/receipts"},
        {"secret": "s3cret"},
    )
    receipt = book(practice, order)
    assert outbox.run_due() == 1
    (request,) = recorder.requests
    signing.verify(b"s3cret", request["headers"]["X-OrderHub-Signature"], request["body"])
    assert request["headers"]["X-OrderHub-Event"] == "goods_receipt"
    assert request["headers"]["Idempotency-Key"] == receipt["number"]
    event = json.loads(request["body"])
    assert (event["format"], event["type"], event["document_id"]) == (
        "orderhub.goods_receipt.v1",
        "order.goods_received",
        receipt["number"],
    )
    assert [(l["line_no"], l["quantity"], l["serial_numbers"]) for l in event["lines"]] == [
        (1, "2", ["SN40021", "SN40099"]),
        (2, "1", []),
    ]
    back = change_answers.read_receipt_event(request["body"])
    assert back.document_id == receipt["number"] and back.lines[0].lot_numbers == ["L2601A"]
    assert Document.objects.get(kind="receipt_acknowledgement").format == "json"


def test_sftp_openTRANS_partner_gets_the_file_edifact_sftp_partner_nothing(
    partners, practice, order, tmp_path
):
    root = tmp_path / "sftp"
    for folder in ("in", "out"):
        (root / folder).mkdir(parents=True)
    server = SftpServer(root, password="Sftp-Geheim-2026").start()
    try:
        config = {
            "host": "127.0.0.1",
            "port": server.port,
            "username": "orderhub",
            "host_key_fingerprint": server.fingerprint,
            "timeout": 5,
        }
        use_channel(partners, "sftp", config, {"password": "Sftp-Geheim-2026"})
        book(practice, order, {"lines": [{"position": 2, "quantity": 1}]})  # EDIFACT: no RECADV
        assert not ReceiptDelivery.objects.exists()
        use_channel(
            partners, "sftp", {**config, "format": "opentrans"}, {"password": "Sftp-Geheim-2026"}
        )
        receipt = book(practice, order, {"lines": [{"position": 1, "quantity": 2}]})
        assert outbox.run_due() == 1
        # Again (a retry after an unknown outcome): the file is there, nothing is replaced.
        ReceiptDelivery.objects.update(status="pending")
        assert outbox.run_due() == 1
    finally:
        server.stop()
    uploaded = root / "in" / f"{receipt['number'].replace('/', '-')}.xml"
    validate(uploaded.read_bytes())
    assert parse_receipt_acknowledgement(uploaded.read_bytes()).document_id == receipt["number"]
    attempts = ReceiptDelivery.objects.get().attempt_log.all()
    assert [a.detail.split(":")[0] for a in attempts] == [
        "uploaded to 127.0.0.1",
        "already on 127.0.0.1",
    ]


@pytest.mark.parametrize("channel", ["edifact", "email"])
def test_edifact_and_email_partners_get_no_acknowledgement(partners, practice, order, channel):
    use_channel(partners, channel, {"to": "auftrag@sonora.example"} if channel == "email" else {})
    book(practice, order)
    assert not ReceiptDelivery.objects.exists()
    assert not Document.objects.filter(kind="receipt_acknowledgement").exists()
    assert outbox.run_due() == 0


def test_an_acknowledgement_refused_is_dead_and_the_operator_retries_it(
    partners, practice, order, recorder, admin_client
):
    sonora = use_channel(partners, "opentrans_http", {"url": recorder.url})
    sonora.dead_letter_after_hours = 0  # bounded: the first temporary failure is the last
    sonora.save()
    recorder.codes = [503]
    receipt = book(practice, order)
    assert outbox.run_due() == 1
    row = ReceiptDelivery.objects.get()
    assert row.status == "dead" and "503" in row.last_error
    said = f"Bestätigung des Wareneingangs {receipt['number']} nicht zustellbar"
    assert said in reasons(practice, order)
    assert f"Acknowledgement of goods receipt {receipt['number']} could not be delivered" in (
        reasons(practice, order, "reason_en")
    )
    # The channel's error is a parameter (the administrators' technical detail), not the sentence.
    assert {"number": receipt["number"], "detail": "HTTP 503"} in reasons(
        practice, order, "reason_params"
    )
    assert outbox.run_due() == 0  # dead is dead
    practice_sees = practice.get(f"/api/v1/orders/{order.pk}").json_body
    assert practice_sees["receipts"][0]["number"] == receipt["number"]  # the receipt stands
    r = admin_client.post(
        "/admin/delivery/receiptdelivery/", {"action": "retry", "_selected_action": [row.pk]}
    )
    assert r.status_code == 302
    assert outbox.run_due() == 1
    row.refresh_from_db()
    assert row.status == "delivered" and row.attempts == 2
    assert recorder.requests[0]["body"] == recorder.requests[1]["body"]
    assert admin_client.get(f"/admin/delivery/receiptdelivery/{row.pk}/change/").status_code == 200
