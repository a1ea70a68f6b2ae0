"""Snapshot (exactly SPEC §3.3), order body (SPEC §4) and the idempotency key."""

from __future__ import annotations

import copy

import pytest

from orderhub_connector.errors import PracticeDataError
from orderhub_connector.payloads import build_order_payload, build_snapshot, idempotency_key
from orderhub_connector.practice import parse_practice_data

PORTAL = "http://portal.example"


def test_snapshot_has_exactly_the_spec_fields(demo_data):
    snapshot = build_snapshot(parse_practice_data(demo_data))
    assert set(snapshot) == {"company", "branches", "users", "customer_numbers"}
    assert snapshot["company"] == {"name": "Hörakustik Muster GmbH"}
    for branch in snapshot["branches"]:
        assert set(branch) == {"id", "name", "street", "postal_code", "city", "country"}
    for user in snapshot["users"]:
        assert set(user) == {"id", "name", "email", "phone", "branch_ids", "is_admin"}
    for number in snapshot["customer_numbers"]:
        assert set(number) == {"partner", "customer_number", "branch_id"}
    assert snapshot["users"][0] == {
        "id": "U1",
        "name": "Anna Beispiel",
        "email": "anna@muster.example",
        "phone": "+49 30 1234567",
        "branch_ids": ["F1", "F2", "F3"],
        "is_admin": True,
    }


def test_extra_personal_fields_in_the_export_never_reach_the_snapshot(demo_data):
    demo_data["company"]["tax_id"] = "DE123"
    demo_data["branches"][0]["opening_hours"] = "9-18"
    demo_data["users"][0].update(birthday="1980-01-01", salary=1, password="x")
    snapshot = build_snapshot(parse_practice_data(demo_data))
    text = repr(snapshot)
    for leaked in ("tax_id", "opening_hours", "birthday", "salary", "password", "1980-01-01"):
        assert leaked not in text


def test_customer_numbers_come_from_partner_firms_company_and_branch(demo_data):
    numbers = build_snapshot(parse_practice_data(demo_data))["customer_numbers"]
    assert sorted(numbers, key=lambda n: (n["partner"], n["branch_id"] or "")) == [
        {"partner": "audiotec", "customer_number": "AT-20815", "branch_id": None},
        {"partner": "klangwerk", "customer_number": "KW-5521", "branch_id": None},
        {"partner": "sonora", "customer_number": "K-4711", "branch_id": None},
        {"partner": "sonora", "customer_number": "K-4711-P", "branch_id": "F3"},
    ]  # otoplast has none; the fax firm is no partner


def test_conflicting_customer_numbers_for_one_partner_are_refused(demo_data):
    demo_data["firms"].append(
        {
            "id": "FA-101",
            "name": "Sonora Zubehör",
            "partner": "sonora",
            "order_form": "interface",
            "customer_number": "K-9999",
        }
    )
    with pytest.raises(PracticeDataError) as info:
        build_snapshot(parse_practice_data(demo_data))
    assert "K-9999" in " ".join(info.value.details)


def order_body(demo_data, order_id="B-2026-0001"):
    data = parse_practice_data(demo_data)
    order = data.order(order_id)
    return build_order_payload(order, data.firm(order.firm_id))


def test_order_body_maps_the_practice_order(demo_data):
    body = order_body(demo_data)
    assert set(body) == {
        "external_order_id",
        "partner",
        "branch_id",
        "ordered_by",
        "customer_number",
        "reference",
        "note",
        "lines",
    }
    assert body["external_order_id"] == "B-2026-0001"
    assert body["partner"] == "sonora" and body["customer_number"] == "K-4711"
    line = body["lines"][0]
    assert line == {
        "position": 1,
        "quantity": 2,
        "unit": "C62",
        "partner_article_number": "SN-R-M-3-R",
        "gtin": None,
        "hmv_number": None,
        "manufacturer_article_number": None,
        "description": "Hörer M, rechts",
        "attributes": {"side": "R", "color": "beige"},
    }
    assert body["lines"][2]["attributes"] == {}


def test_customer_number_branch_first_then_company_then_none(demo_data):
    demo_data["orders"][0]["branch_id"] = "F3"
    assert order_body(demo_data)["customer_number"] == "K-4711-P"
    demo_data["firms"][0]["customer_number"] = None
    demo_data["orders"][0]["branch_id"] = "F1"
    assert order_body(demo_data)["customer_number"] is None


def test_idempotency_key_is_stable_for_the_same_order(demo_data):
    first = idempotency_key(PORTAL, "B-2026-0001", order_body(demo_data))
    again = idempotency_key(PORTAL + "/", "B-2026-0001", order_body(copy.deepcopy(demo_data)))
    assert first == again
    assert first.startswith("ohc-") and len(first) == 4 + 64


def test_idempotency_key_ignores_key_order_in_the_body(demo_data):
    body = order_body(demo_data)
    reordered = dict(reversed(list(body.items())))
    assert idempotency_key(PORTAL, "B-2026-0001", body) == idempotency_key(
        PORTAL, "B-2026-0001", reordered
    )


def test_idempotency_key_changes_with_a_changed_line(demo_data):
    before = idempotency_key(PORTAL, "B-2026-0001", order_body(demo_data))
    demo_data["orders"][0]["lines"][0]["quantity"] = 3
    after = idempotency_key(PORTAL, "B-2026-0001", order_body(demo_data))
    assert before != after


def test_idempotency_key_differs_per_portal_and_order(demo_data):
    body = order_body(demo_data)
    key = idempotency_key(PORTAL, "B-2026-0001", body)
    assert key != idempotency_key("http://other.example", "B-2026-0001", body)
    assert key != idempotency_key(PORTAL, "B-2026-0009", body)


def test_options_pairs_and_order_type_pass_through(demo_data):
    """Issue 17: typed options, the binaural pair and the order's type and facts are sent as the
    practice exported them (the portal validates them); absent, the body is as before."""
    data = copy.deepcopy(demo_data)
    order = data["orders"][0]
    order.update(
        order_type="consignment",
        return_date="2026-03-01",
        fitting_reference="V-2026-17",
    )
    order["lines"][0]["options"] = {"side": "R", "colour": {"code": "P01", "name": "beige"}}
    order["lines"][0]["pair"] = "P1"
    body = order_body(data)
    assert body["order_type"] == "consignment" and body["return_date"] == "2026-03-01"
    assert body["fitting_reference"] == "V-2026-17" and "original_order" not in body
    line = body["lines"][0]
    assert line["options"] == {"side": "R", "colour": {"code": "P01", "name": "beige"}}
    assert line["pair"] == "P1"
    assert "options" not in body["lines"][1] and "pair" not in body["lines"][1]


def test_malformed_options_or_return_date_block_that_order(demo_data):
    data = copy.deepcopy(demo_data)
    data["orders"][0]["lines"][0]["options"] = ["side", "R"]
    data["orders"][0]["return_date"] = "01.03.2026"
    with pytest.raises(PracticeDataError) as info:
        order_body(data)
    text = " ".join(info.value.details)
    assert "orders[0].lines[0].options" in text and "orders[0].return_date" in text
