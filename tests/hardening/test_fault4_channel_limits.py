"""Issue 14, fault 4: what the partner's channel cannot carry is refused at intake (422 naming the
field), not accepted and then retried for 48 hours."""

import pytest
from django.utils import translation

from orderhub.ordering import services
from orderhub.ordering.models import Order
from tests.conftest import snapshot

pytestmark = pytest.mark.django_db


def _order(partner, n=1, **extra):
    body = {
        "external_order_id": f"B-{partner}-{n}",
        "partner": partner,
        "branch_id": "F1",
        "ordered_by": "U1",
        "lines": [{"position": 1, "quantity": 1, "partner_article_number": "AT-1"}],
    }
    body.update(extra)
    return body


def _submit(api, body):
    return api.post("/api/v1/orders", body, headers={"Idempotency-Key": body["external_order_id"]})


@pytest.mark.parametrize("length", [36, 64])
def test_fault4_edifact_customer_number_longer_than_35_is_a_422(practice, length):
    r = _submit(practice, _order("audiotec", customer_number="K" * length))
    assert r.status_code == 422, r.json_body
    assert r["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in r.json_body["errors"]] == ["customer_number"]
    assert "35" in r.json_body["errors"][0]["message"]
    assert not Order.objects.exists()
    # The key was not used up: the corrected order goes through with the same key.
    body = _order("audiotec", customer_number="K" * 35)
    assert _submit(practice, body).status_code == 201


def test_fault4_customer_number_from_master_data_is_checked_too(practice):
    data = snapshot()
    data["customer_numbers"] = [
        {"partner": "audiotec", "customer_number": "A" * 40, "branch_id": None}
    ]
    assert practice.put("/api/v1/masterdata", data).status_code == 200
    r = _submit(practice, _order("audiotec"))
    assert r.status_code == 422 and r.json_body["errors"][0]["field"] == "customer_number"


def test_fault4_edifact_article_numbers_longer_than_35_are_named_per_line(practice):
    body = _order("audiotec", customer_number="K-1")
    body["lines"].append(
        {"position": 2, "quantity": 1, "partner_article_number": "X" * 36, "unit": "PIECE"}
    )
    r = _submit(practice, body)
    assert r.status_code == 422
    assert {e["field"] for e in r.json_body["errors"]} == {
        "lines[1].partner_article_number",
        "lines[1].unit",
    }


def test_fault4_email_partner_refuses_a_company_name_with_a_line_break(practice):
    data = snapshot()
    data["company"]["name"] = "Hörakustik Muster\r\nBcc: alle@example.org"
    assert practice.put("/api/v1/masterdata", data).status_code == 200
    r = _submit(practice, _order("otoplast"))
    assert r.status_code == 422 and r.json_body["errors"][0]["field"] == "company.name"
    # Other channels carry it (openTRANS escapes it in XML).
    r = _submit(
        practice,
        _order(
            "sonora", lines=[{"position": 1, "quantity": 1, "partner_article_number": "SN-R-M-3-R"}]
        ),
    )
    assert r.status_code == 201, r.json_body


def test_fault4_email_partner_refuses_a_branch_address_with_a_line_break(practice):
    data = snapshot()
    data["branches"][0]["street"] = "Hauptstr. 1\nHinterhaus"
    assert practice.put("/api/v1/masterdata", data).status_code == 200
    r = _submit(practice, _order("otoplast"))
    assert r.status_code == 422 and r.json_body["errors"][0]["field"] == "branch.street"


def test_fault4_a_cart_cannot_be_ordered_with_a_customer_number_the_channel_cannot_carry(practice):
    r = _submit(practice, _order("audiotec"))  # no customer number for audiotec: a cart
    assert r.status_code == 201 and r.json_body["status"] == "cart"
    order = Order.objects.get(pk=r.json_body["id"])
    services.set_customer_number(order, "K" * 36, "Test")
    order.refresh_from_db()
    problems = services.cart_problems(order)
    sentence = "Die Kundennummer hat 36 Zeichen; der EDIFACT-Kanal der Partnerfirma überträgt höchstens 35."
    assert sentence in problems, problems
    assert not any("customer_number" in p for p in problems)  # a sentence, never a field code
    with translation.override("en"):
        assert (
            "The customer number has 36 characters; the partner's EDIFACT channel carries at "
            "most 35." in services.cart_problems(order)
        )
