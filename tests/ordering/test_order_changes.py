"""Changes and cancellations after sending (issue 16): the practice asks over the API, the partner
accepts or refuses; nothing is asked once the lines are shipped; every change keeps its sequence
number and appears in the timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import transaction

from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.ordering import answers, changes
from orderhub.ordering.models import Order, OrderChange
from tests.conftest import ApiClient
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(practice):
    r = submit(practice, order_body("B-CHG"))
    assert r.json_body["status"] == "queued", r.json_body
    return mark_sent(Order.objects.get(pk=r.json_body["id"]))


def ask(api, order, body):
    return api.post(f"/api/v1/orders/{order.pk}/changes", body)


def partner_answer(order, kind, doc_id, lines):
    answer = PartnerAnswer(
        kind=kind,
        order_number=order.number,
        document_id=doc_id,
        issued_at=datetime.now(UTC),
        lines=lines,
    )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        answers.apply_answer(locked, answer, actor="Partner Sonora", data={})


def detail(api, order):
    r = api.get(f"/api/v1/orders/{order.pk}")
    assert r.status_code == 200
    return r.json_body


def test_accepted_change_is_applied_to_the_lines(practice, order):
    r = ask(
        practice,
        order,
        {
            "lines": [
                {"position": 1, "quantity": 3, "delivery_date": "2026-01-30", "note": "mehr"},
                {"position": 2, "remove": True},
            ],
            "added": [{"quantity": 2, "partner_article_number": "SN-R-M-3-L"}],
            "note": "Patient wünscht ein Gerät mehr",
        },
    )
    assert r.status_code == 201, r.json_body
    assert (r.json_body["sequence"], r.json_body["status"]) == (1, "requested")
    assert r.json_body["number"] == f"{order.number}/1"
    assert r.json_body["added"][0]["position"] == 3
    change = OrderChange.objects.get(order=order)
    assert changes.answer_change(change, True, actor="Partner Sonora Hörsysteme GmbH")
    assert not changes.answer_change(change, False, actor="again")  # answered once
    body = detail(practice, order)
    lines = {line["position"]: line for line in body["lines"]}
    assert Decimal(lines[1]["quantity"]) == 3 and lines[1]["delivery_date"] == "2026-01-30"
    assert lines[2]["removed"] is True
    assert lines[3]["partner_article_number"] == "SN-R-M-3-L"
    assert Decimal(lines[3]["quantity"]) == 2
    assert body["status"] == "sent"
    assert [(c["sequence"], c["status"]) for c in body["changes"]] == [(1, "accepted")]
    reasons = [e["reason"] for e in body["events"]]
    assert any(
        r.startswith("Änderung 1 angefragt: Pos. 1 Menge 3, Liefertermin 30.01.2026")
        for r in reasons
    )
    assert "Änderung 1 vom Partner angenommen" in reasons
    asked = next(e for e in body["events"] if e["reason"].startswith("Änderung 1 angefragt"))
    assert asked["actor"].startswith("Branchensoftware")


def test_refused_change_leaves_the_lines_and_the_timeline_says_why(practice, order):
    r = ask(practice, order, {"lines": [{"position": 1, "quantity": 5}]})
    assert r.status_code == 201, r.json_body
    change = OrderChange.objects.get(order=order)
    assert changes.answer_change(change, False, actor="Partner Sonora", note="Nicht mehr lieferbar")
    body = detail(practice, order)
    assert Decimal(body["lines"][0]["quantity"]) == 2
    assert body["changes"][0]["status"] == "refused"
    assert body["changes"][0]["answer_note"] == "Nicht mehr lieferbar"
    assert any(
        e["reason"].startswith("Änderung 1 vom Partner abgelehnt: Nicht mehr lieferbar")
        for e in body["events"]
    )
    # The next change gets the next number.
    r = ask(practice, order, {"lines": [{"position": 2, "quantity": 4}]})
    assert r.status_code == 201 and r.json_body["sequence"] == 2


def test_one_change_at_a_time(practice, order):
    assert ask(practice, order, {"lines": [{"position": 1, "quantity": 5}]}).status_code == 201
    r = ask(practice, order, {"kind": "cancel"})
    assert r.status_code == 409
    assert r.json_body["code"] == "change_open" and r.json_body["sequence"] == 1


def test_accepted_cancellation_cancels_the_order(practice, order):
    partner_answer(
        order, "order_response", "AB-1", [AnswerLine(1, "confirmed"), AnswerLine(2, "confirmed")]
    )
    r = ask(practice, order, {"kind": "cancel", "note": "Patient hat storniert"})
    assert r.status_code == 201, r.json_body
    assert r.json_body["kind"] == "cancel"
    assert changes.answer_change(OrderChange.objects.get(order=order), True, actor="Partner")
    body = detail(practice, order)
    assert body["status"] == "cancelled"
    assert body["events"][-1]["from_status"] == "confirmed"
    assert body["events"][-1]["reason"] == "Stornierung 1 vom Partner angenommen"


def test_cancellation_after_shipping_is_refused_with_a_clear_message(practice, order):
    partner_answer(order, "dispatch_notification", "LS-1", [AnswerLine(1, "shipped", Decimal(2))])
    r = ask(practice, order, {"kind": "cancel"})
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json_body["code"] == "partly_shipped"
    assert "bereits versandt" in r.json_body["message"]
    assert "already been shipped" in r.json_body["message_en"]
    # The shipped line cannot be changed; the open one can.
    r = ask(practice, order, {"lines": [{"position": 1, "quantity": 1}]})
    assert r.status_code == 409 and r.json_body["code"] == "line_shipped"
    assert r.json_body["position"] == 1
    assert ask(practice, order, {"lines": [{"position": 2, "remove": True}]}).status_code == 201
    # Removing the open rest, once accepted, leaves the order shipped.
    changes.answer_change(OrderChange.objects.get(order=order), True, actor="Partner")
    assert detail(practice, order)["status"] == "shipped"
    r = ask(practice, order, {"kind": "cancel"})
    assert r.status_code == 409 and r.json_body["code"] == "shipped"
    assert "Die Bestellung ist bereits versandt" in r.json_body["detail"]
    assert OrderChange.objects.filter(order=order).count() == 1


def test_cart_and_queued_orders_are_not_changed_here(practice):
    queued = submit(practice, order_body("B-Q"), key="q").json_body
    r = practice.post(f"/api/v1/orders/{queued['id']}/changes", {"kind": "cancel"})
    assert r.status_code == 409 and r.json_body["code"] == "not_sent"
    assert "/cancel" in r.json_body["message_en"]
    assert not OrderChange.objects.exists()


def test_bad_requests_are_422(practice, order):
    r = ask(practice, order, {"lines": [{"position": 9, "quantity": 1}]})
    assert r.status_code == 422 and r.json_body["errors"][0]["field"] == "lines[0].position"
    r = ask(practice, order, {"lines": [{"position": 1}]})
    assert r.status_code == 422
    r = ask(practice, order, {"lines": [{"position": 1, "quantity": 0}]})
    assert r.status_code == 422
    r = ask(practice, order, {"added": [{"quantity": 1, "partner_article_number": "NOPE-404"}]})
    assert r.status_code == 422 and r.json_body["errors"][0]["field"] == "added[0]"
    r = ask(practice, order, {"kind": "cancel", "lines": [{"position": 1, "quantity": 1}]})
    assert r.status_code == 422
    r = ask(
        practice,
        order,
        {"lines": [{"position": 1, "remove": True}, {"position": 2, "remove": True}]},
    )
    assert r.status_code == 422
    assert not OrderChange.objects.exists()


def test_another_company_gets_404(other_company, order):
    r = ApiClient(other_company[2]).post(f"/api/v1/orders/{order.pk}/changes", {"kind": "cancel"})
    assert r.status_code == 404
    assert not OrderChange.objects.exists()


def test_idempotency_key_same_body_same_change_other_body_409(practice, order):
    body = {"lines": [{"position": 1, "quantity": 5}], "note": "mehr"}
    headers = {"Idempotency-Key": "chg-1"}
    first = practice.post(f"/api/v1/orders/{order.pk}/changes", body, headers=headers)
    assert first.status_code == 201, first.json_body
    # The same request again (a retry after a lost answer): the same change, nothing asked twice,
    # also while it still waits for the partner (no change_open refusal).
    again = practice.post(
        f"/api/v1/orders/{order.pk}/changes",
        {"note": "mehr", "lines": [{"position": 1, "quantity": "5.000"}]},
        headers=headers,
    )
    assert again.status_code == 200, again.json_body
    assert again.json_body == first.json_body
    assert OrderChange.objects.filter(order=order).count() == 1
    other = practice.post(f"/api/v1/orders/{order.pk}/changes", {"kind": "cancel"}, headers=headers)
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json_body["detail"]
    # After the partner's answer the key still answers with its change.
    changes.answer_change(OrderChange.objects.get(order=order), False, actor="Partner")
    again = practice.post(f"/api/v1/orders/{order.pk}/changes", body, headers=headers)
    assert again.status_code == 200 and again.json_body["status"] == "refused"
    # A new key asks a new change; a key of one order means nothing for another.
    r = practice.post(
        f"/api/v1/orders/{order.pk}/changes", body, headers={"Idempotency-Key": "chg-2"}
    )
    assert r.status_code == 201 and r.json_body["sequence"] == 2
    r = practice.post(
        f"/api/v1/orders/{order.pk}/changes", body, headers={"Idempotency-Key": "x" * 201}
    )
    assert r.status_code == 422


def test_a_refused_request_asks_nothing_and_may_come_again(practice, order):
    headers = {"Idempotency-Key": "cancel-1"}
    assert ask(practice, order, {"lines": [{"position": 1, "quantity": 5}]}).status_code == 201
    r = practice.post(f"/api/v1/orders/{order.pk}/changes", {"kind": "cancel"}, headers=headers)
    assert r.status_code == 409 and r.json_body["code"] == "change_open"
    changes.answer_change(OrderChange.objects.get(order=order), True, actor="Partner")
    r = practice.post(f"/api/v1/orders/{order.pk}/changes", {"kind": "cancel"}, headers=headers)
    assert r.status_code == 201 and r.json_body["kind"] == "cancel"
