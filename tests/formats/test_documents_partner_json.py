"""JSON webhook format: shapes partners code against, and errors that name the field."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from orderhub.formats import FormatError, partner_json
from orderhub.formats.documents import OrderDocument

DATA = Path(__file__).parent / "data" / "documents"


@pytest.fixture
def order() -> OrderDocument:
    return partner_json.parse_order((DATA / "order.json").read_bytes())


@pytest.fixture
def response_bytes() -> bytes:
    return (DATA / "order_response.json").read_bytes()


def test_order_round_trip(order):
    assert partner_json.parse_order(partner_json.write_order(order)) == order


def test_order_shape(order):
    payload = json.loads(partner_json.write_order(order))
    assert payload["format"] == "orderhub.order.v1"
    assert payload["order_number"] == "OH-2026-000123"
    assert payload["order_date"] == "2026-01-15T10:30:00+01:00"
    assert payload["customer_number"] == "K-4711"
    assert payload["buyer"]["name"] == "Hörakustik Muster GmbH"
    assert payload["delivery"]["role"] == "delivery"
    item = payload["items"][0]
    assert item["quantity"] == "2" and item["price"] == "12.5"  # decimals as exact strings
    assert item["attributes"] == {"side": "R", "color": "beige"}
    assert set(item) == {
        "line_no",
        "quantity",
        "unit",
        "supplier_article_number",
        "gtin",
        "hmv_number",
        "manufacturer_article_number",
        "description",
        "price",
        "attributes",
        "reference",
        "options",  # issue 17: typed options and the binaural pair
        "pair",
        "attachments",  # issue 17: link, sha256 and type of the line's files
    }
    assert item["options"] == {} and item["pair"] is None
    assert payload["order_type"] == "standard" and payload["return_date"] is None


def test_answers_round_trip(response_bytes):
    for name in ("order_response.json", "dispatch_notification.json"):
        answer = partner_json.parse_answer((DATA / name).read_bytes())
        assert partner_json.parse_answer(partner_json.write_answer(answer)) == answer


def test_answer_shape_and_number_forms(response_bytes):
    answer = partner_json.parse_answer(response_bytes)
    assert answer.kind == "order_response" and answer.document_id == "AB-2026-0815"
    assert answer.lines[1].quantity == Decimal(1)  # a JSON number
    assert answer.lines[0].quantity == Decimal(2)  # a string
    assert answer.delivery_date == date(2026, 1, 20)
    payload = json.loads(partner_json.write_answer(answer))
    assert set(payload) >= {
        "kind",
        "document_id",
        "order_number",
        "issued_at",
        "delivery_date",
        "lines",
        "tracking_numbers",
        "carrier",
    }
    assert set(payload["lines"][0]) == {
        "line_no",
        "status",
        "quantity",
        "supplier_article_number",
        "delivery_date",
        "note",
        "backordered_quantity",
        "backorder_date",
        "price",
        "serial_numbers",
        "lot_numbers",
    }


def test_floats_stay_exact():
    data = json.dumps(
        {
            "kind": "dispatch_notification",
            "document_id": "L1",
            "order_number": "OH-1",
            "issued_at": "2026-01-19T14:05:00",
            "lines": [{"line_no": 1, "status": "shipped", "quantity": 0.1}],
        }
    )
    answer = partner_json.parse_answer(data.encode())
    assert answer.lines[0].quantity == Decimal("0.1")
    assert answer.issued_at.tzinfo is not None  # naive = German local time


def test_missing_status_is_derived(order):
    data = json.dumps(
        {
            "kind": "order_response",
            "document_id": "A",
            "order_number": "OH-1",
            "issued_at": "2026-01-19T14:05:00Z",
            "lines": [
                {"line_no": 1, "quantity": 1},
                {"line_no": 2, "quantity": 0},
                {"line_no": 2, "quantity": 1},
            ],
        }
    ).encode()
    assert [l.status for l in partner_json.parse_answer(data).lines] == [
        "confirmed",
        "rejected",
        "confirmed",
    ]
    assert [l.status for l in partner_json.parse_answer(data, order=order).lines] == [
        "changed",
        "rejected",
        "confirmed",
    ]


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda p: p.pop("order_number"), "order_number"),
        (lambda p: p.pop("document_id"), "document_id"),
        (lambda p: p.update(kind="invoice"), "kind"),
        (lambda p: p.update(issued_at="gestern"), "issued_at"),
        (lambda p: p.update(delivery_date="20.01.2026"), "delivery_date"),
        (lambda p: p["lines"][1].update(quantity="zwei"), "lines[1].quantity"),
        (lambda p: p["lines"][1].update(quantity=True), "lines[1].quantity"),
        (lambda p: p["lines"][0].pop("line_no"), "lines[0].line_no"),
        (lambda p: p["lines"][0].update(status="maybe"), "lines[0].status"),
        (lambda p: p["lines"][0].update(status="shipped"), "lines[0].status"),
        (lambda p: p.update(lines={}), "lines"),
        (lambda p: p.update(tracking_numbers=[1]), "tracking_numbers"),
        (lambda p: p.update(carrier=5), "carrier"),
    ],
)
def test_bad_answers_name_the_field(response_bytes, mutate, field):
    payload = json.loads(response_bytes)
    mutate(payload)
    with pytest.raises(FormatError) as error:
        partner_json.parse_answer(json.dumps(payload).encode())
    assert error.value.field == field


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda p: p.pop("buyer"), "buyer"),
        (lambda p: p.update(items=[]), "items"),
        (lambda p: p["items"][0].pop("quantity"), "items[0].quantity"),
        (lambda p: p["items"][1].update(attributes={"a": 1}), "items[1].attributes"),
        (lambda p: p["supplier"].update(name=["x"]), "supplier.name"),
        (lambda p: p.update(order_date=None), "order_date"),
    ],
)
def test_bad_orders_name_the_field(order, mutate, field):
    payload = json.loads(partner_json.write_order(order))
    mutate(payload)
    with pytest.raises(FormatError) as error:
        partner_json.parse_order(json.dumps(payload).encode())
    assert error.value.field == field


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b"\xff\xfe\x00",
        b'{"kind": NaN}',
        b"[" * 100000,
        b'{"kind": "order_response", "document_id": "A", "order_number": "B", '
        b'"issued_at": "2026-01-01T00:00:00", "lines": [{"line_no": 1, "quantity": Infinity}]}',
        b'{"line_no": ' + b"9" * 5000 + b"}",
    ],
)
def test_malformed_json_is_a_format_error(data):
    with pytest.raises(FormatError):
        partner_json.parse_answer(data)
    with pytest.raises(FormatError):
        partner_json.parse_order(data)


def test_syntax_errors_carry_the_line():
    with pytest.raises(FormatError) as error:
        partner_json.parse_answer(b'{\n"kind":\n}')
    assert error.value.line == 3
