"""Partner answers through the API: applied once, lines and order updated, bad documents refused."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orderhub.delivery.models import Document
from orderhub.formats import partner_json
from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.formats.edifact.partner import write_ordrsp
from orderhub.formats.opentrans.partner import write_dispatch_notification, write_order_response
from orderhub.ordering.models import Order
from orderhub.partners.models import PartnerToken
from tests.conftest import ApiClient
from tests.delivery.conftest import mark_sent

pytestmark = pytest.mark.django_db


def answer(order, kind="order_response", doc_id="AB-1", lines=None, **kw):
    return PartnerAnswer(
        kind=kind,
        order_number=order.number,
        document_id=doc_id,
        issued_at=datetime.now(UTC),
        lines=lines or [],
        **kw,
    )


@pytest.fixture
def sonora_client(partner_token):
    return ApiClient(partner_token)


def post(client, body: bytes, content_type):
    return client.request("POST", "/api/v1/partner/documents", raw=body, content_type=content_type)


def test_full_confirmation_then_dispatch(queued_order, sonora_client):
    order = mark_sent(queued_order)
    doc = answer(
        order,
        lines=[
            AnswerLine(1, "confirmed", Decimal(2), delivery_date=date(2026, 12, 1)),
            AnswerLine(2, "confirmed", Decimal(1)),
        ],
    )
    r = post(sonora_client, write_order_response(doc), "application/xml")
    assert (
        r.status_code == 202
        and r.json_body["applied"] is True
        and r.json_body["status"] == "confirmed"
    )
    again = post(sonora_client, write_order_response(doc), "application/xml")
    assert again.status_code == 202 and again.json_body["applied"] is False
    assert again.json_body["document_id"] == r.json_body["document_id"]
    assert Document.objects.filter(direction="inbound").count() == 1
    ship = answer(
        order,
        "dispatch_notification",
        "LS-1",
        [AnswerLine(1, "shipped", Decimal(2)), AnswerLine(2, "shipped", Decimal(1))],
        tracking_numbers=["00340434161094015902"],
        carrier="DHL",
    )
    r = post(sonora_client, write_dispatch_notification(ship), "application/xml")
    assert r.json_body["status"] == "shipped"
    order.refresh_from_db()
    assert order.tracking_numbers == ["00340434161094015902"]
    line = order.lines.get(position=1)
    assert line.line_status == "shipped" and line.delivery_date == date(2026, 12, 1)


def test_partial_confirmation_with_changed_article_and_rejection(queued_order, sonora_client):
    order = mark_sent(queued_order)
    doc = answer(
        order,
        lines=[
            AnswerLine(1, "changed", Decimal(1), supplier_article_number="SN-R-M-3-L"),
            AnswerLine(2, "rejected", Decimal(0), note="nicht lieferbar"),
        ],
    )
    r = post(sonora_client, partner_json.write_answer(doc), "application/json")
    assert r.json_body["status"] == "partially_confirmed"
    l1, l2 = Order.objects.get(pk=order.pk).lines.order_by("position")
    assert (l1.line_status, l1.confirmed_quantity, l1.changed_article_number) == (
        "changed",
        Decimal(1),
        "SN-R-M-3-L",
    )
    assert (l2.line_status, l2.answer_note) == ("rejected", "nicht lieferbar")


def test_all_lines_rejected_rejects_the_order(queued_order, sonora_client):
    order = mark_sent(queued_order)
    doc = answer(
        order, lines=[AnswerLine(1, "rejected", Decimal(0)), AnswerLine(2, "rejected", Decimal(0))]
    )
    data = write_ordrsp(doc, sender_id="SONORA", recipient_id="ORDERHUB", interchange_ref="77")
    assert post(sonora_client, data, "application/edifact").json_body["status"] == "rejected"


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b"<ORDERRESPONSE><unclosed>", "application/xml", 400),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "application/xml",
            400,
        ),
        (
            b"UNA:+.? 'UNB+UNOC:3+X+Y+261123:1200+1'UNH+1+ORDRSP:D:96A:UN'",
            "application/edifact",
            400,
        ),
        (b'{"kind": "order_response"}', "application/json", 400),
        (b"irgendwas", "text/plain", 415),
        (b"", "application/json", 422),
    ],
)
def test_malformed_documents_are_refused_and_change_nothing(
    queued_order, sonora_client, body, content_type, status
):
    order = mark_sent(queued_order)
    before = list(order.events.values_list("pk", flat=True))
    r = post(sonora_client, body, content_type)
    assert r.status_code == status, r.json_body
    assert r["Content-Type"] == "application/problem+json"
    assert list(Order.objects.get(pk=order.pk).events.values_list("pk", flat=True)) == before
    assert not Document.objects.filter(direction="inbound").exists()


def test_unknown_order_and_another_partners_order_are_refused(queued_order, partners):
    order = mark_sent(queued_order)
    _, audiotec = PartnerToken.issue(partner=partners["audiotec"], name="t")
    foreign = post(
        ApiClient(audiotec),
        partner_json.write_answer(answer(order, lines=[AnswerLine(1, "rejected")])),
        "application/json",
    )
    order.number = "OH-NICHT-DA"
    _, sonora = PartnerToken.issue(partner=partners["sonora"], name="t2")
    unknown = post(ApiClient(sonora), partner_json.write_answer(answer(order)), "application/json")
    # Alike, so that a partner cannot learn which order numbers exist elsewhere (issue 14).
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["title"] == unknown.json()["title"]
    assert Order.objects.get(pk=queued_order.pk).status == "sent"
