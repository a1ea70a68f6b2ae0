"""Goods receipt (issue 16): the practice books what arrived — per line, or by scanning the GS1
DataMatrix on the boxes — and OrderHub records how it differs from the dispatch notification,
shows it on the order, and stores the openTRANS RECEIPTACKNOWLEDGEMENT for the partner."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import transaction
from lxml import etree

from orderhub.formats import gs1
from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.formats.opentrans.partner import parse_receipt_acknowledgement
from orderhub.ordering import answers, receipts
from orderhub.ordering.models import GoodsReceipt, Order, OrderEvent
from orderhub.ordering.reasons import event_reason
from tests.conftest import ApiClient
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

LINES = [
    {"position": 1, "quantity": 2, "partner_article_number": "SN-R-M-3-R", "description": "Hörer"},
    {"position": 2, "quantity": 1, "partner_article_number": "SN-D-OPEN-M", "description": "Dome"},
]


def dispatch(order, doc_id, lines):
    answer = PartnerAnswer(
        kind="dispatch_notification",
        order_number=order.number,
        document_id=doc_id,
        issued_at=datetime.now(UTC),
        lines=lines,
    )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        answers.apply_answer(locked, answer, actor="Partner", data={})


@pytest.fixture
def order(practice):
    return shipped_order(practice)


def shipped_order(practice):
    """An order of two lines, sent and shipped in one parcel (LS-1): line 1 with two serial
    numbers of lot L2601A, line 2 without."""
    r = submit(practice, order_body("WE-1", lines=LINES))
    assert r.json_body["status"] == "queued", r.json_body
    order = mark_sent(Order.objects.get(pk=r.json_body["id"]))
    dispatch(
        order,
        "LS-1",
        [
            AnswerLine(
                1,
                "shipped",
                Decimal(2),
                serial_numbers=["SN40021", "SN40022"],
                lot_numbers=["L2601A"],
            ),
            AnswerLine(2, "shipped", Decimal(1)),
        ],
    )
    order.refresh_from_db()
    assert order.status == "shipped"
    return order


def gtin_of(order, position):
    value = receipts.line_gtin(order.lines.get(position=position))
    assert value and gs1.check_digit(value[:-1]) == value[-1]
    return value


def scan(gtin, serial, lot="L2601A", expiry="281200", gs="\x1d"):
    return f"]d201{gtin}17{expiry}10{lot}{gs}21{serial}"


def post(api, order, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/api/v1/orders/{order.pk}/receipts", body, headers=headers)


def codes(body):
    return [(d["code"], d["position"]) for d in body["differences"]]


def test_datamatrix_scan_with_a_wrong_serial_is_recorded_as_a_difference(practice, order):
    gtin = gtin_of(order, 1)
    r = post(practice, order, {"scans": [scan(gtin, "SN40021"), scan(gtin, "SN49999")]}, "k-1")
    assert r.status_code == 201, r.json_body
    body = r.json_body
    assert body["number"] == f"{order.number}/WE1"
    line = body["lines"][0]
    assert (line["position"], line["quantity"]) == (1, "2.000")
    assert line["serial_numbers"] == ["SN40021", "SN49999"]
    assert line["lot_numbers"] == ["L2601A"] and line["expiry_dates"] == ["2028-12-31"]
    assert line["scans"][0] == f"(01){gtin}(17)281200(10)L2601A(21)SN40021"
    assert codes(body) == [("serial_not_notified", 1), ("serial_missing", 1)]
    wrong = body["differences"][0]
    assert wrong["params"]["serial"] == "SN49999"
    assert wrong["message"] == ("Pos. 1: Seriennummer SN49999 steht nicht in der Versandmeldung.")
    assert (
        wrong["message_en"] == "Line 1: serial number SN49999 is not in the dispatch notification."
    )
    # The order shows it, and the timeline names who booked it.
    detail = practice.get(f"/api/v1/orders/{order.pk}").json_body
    assert [r["number"] for r in detail["receipts"]] == [body["number"]]
    assert codes(detail["receipts"][0]) == codes(body)
    event = OrderEvent.objects.filter(order=order).last()
    assert event_reason(event) == "Wareneingang mit Abweichungen gebucht"
    assert event.actor.startswith("Branchensoftware (API-Token")
    assert event.data["differences"] == ["serial_not_notified", "serial_missing"]


def test_per_line_quantities_record_short_and_surplus_and_name_the_employee(practice, order):
    r = post(
        practice,
        order,
        {
            "lines": [{"position": 1, "quantity": "1"}, {"position": 2, "quantity": 2}],
            "received_by": "U1",
            "shipment": "LS-1",
            "note": "Karton beschädigt",
        },
    )
    assert r.status_code == 201, r.json_body
    assert codes(r.json_body) == [("short", 1), ("surplus", 2)]
    assert r.json_body["differences"][0]["params"] == {
        "position": 1,
        "expected": "2",
        "received": "1",
        "missing": "1",
    }
    assert r.json_body["shipment"] == "LS-1" and r.json_body["note"] == "Karton beschädigt"
    assert r.json_body["received_by"].split(" über ")[1].startswith("Branchensoftware")
    assert OrderEvent.objects.filter(order=order).last().actor == r.json_body["received_by"]


def test_exact_receipt_has_no_differences_and_a_second_receipt_expects_only_the_rest(
    practice, order
):
    gtin = gtin_of(order, 1)
    r = post(practice, order, {"scans": [scan(gtin, "SN40021")]})
    assert codes(r.json_body) == [("short", 1), ("serial_missing", 1)]
    # The second box arrives later: compared with what is still expected, nothing is missing.
    r = post(
        practice,
        order,
        {"scans": [scan(gtin, "SN40022", gs="<GS>")], "lines": [{"position": 2, "quantity": 1}]},
    )
    assert r.status_code == 201
    assert r.json_body["number"].endswith("/WE2") and r.json_body["differences"] == []
    assert event_reason(OrderEvent.objects.filter(order=order).last()) == "Wareneingang gebucht"


def test_wrong_article_lot_and_unexpected_box(practice, order):
    other = "04012345678901"  # a valid GTIN of another article
    gtin = gtin_of(order, 1)
    assert other != gtin
    r = post(
        practice,
        order,
        {
            "scans": [
                # serial of line 1, other GTIN: wrong article on line 1
                f"(01){other}(21)SN40021",
                scan(gtin, "SN40022", lot="L9999"),
                # neither GTIN nor serial of the order
                scan("09501101020917", "X-1"),
            ]
        },
    )
    assert r.status_code == 201, r.json_body
    assert codes(r.json_body) == [
        ("unexpected_article", None),
        ("wrong_article", 1),
        ("lot_differs", 1),
    ]
    unexpected = r.json_body["differences"][0]
    assert unexpected["params"]["gtin"] == "09501101020917"
    assert "gehört zu keiner Position" in unexpected["message"]


def test_complete_receipt_counts_unnamed_lines_as_missing(practice, order):
    gtin = gtin_of(order, 1)
    r = post(
        practice, order, {"scans": [scan(gtin, "SN40021"), scan(gtin, "SN40022")], "complete": True}
    )
    assert codes(r.json_body) == [("short", 2)]


@pytest.mark.parametrize("separator", ["\x1d", "<GS>", "<gs>", "^]", "{GS}", "\u241d"])
def test_scanner_separators(separator):
    text = f"]d20104012345678901{'10L1'}{separator}21SN1"
    parsed = receipts.parse_scan(text, 0)
    assert (parsed.lot, parsed.serial) == ("L1", "SN1")


def test_bad_scan_is_422_naming_the_scan_and_the_position_as_typed(practice, order):
    gtin = gtin_of(order, 1)
    bad_digit = "1" if gtin[-1] != "1" else "2"
    bad = f"]d210L2601A<GS>21SN1<GS>01{gtin[:-1]}{bad_digit}"
    r = post(practice, order, {"scans": [scan(gtin, "SN40021"), bad]})
    assert r.status_code == 422
    assert r["Content-Type"].startswith("application/problem+json")
    error = r.json_body["errors"][0]
    assert error["field"] == "scans[1]"
    # The check digit is the last character of what was typed (with "<GS>" as four characters).
    assert r.json_body["position"] == len(bad)
    assert r.json_body["ai"] == "01"
    # English only for machines (issue 15), and the same as a code with parameters
    assert error["message"].startswith(f"AI (01), position {len(bad)}: check digit of GTIN")
    assert "Zeichen" not in error["message"]
    assert error["code"] == "gs1.check_digit"
    assert error["params"] == {
        "what": "GTIN",
        "value": f"{gtin[:-1]}{bad_digit}",
        "expected": gtin[-1],
        "scan_index": 1,
        "ai": "01",
        "character": len(bad),
    }
    assert GoodsReceipt.objects.count() == 0


def test_idempotency_key_replays_and_refuses_another_body(practice, order):
    body = {"lines": [{"position": 2, "quantity": 1}]}
    first = post(practice, order, body, "same")
    again = post(practice, order, body, "same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json_body == first.json_body
    assert GoodsReceipt.objects.filter(order=order).count() == 1
    other = post(practice, order, {"lines": [{"position": 2, "quantity": 3}]}, "same")
    assert other.status_code == 409
    # client_id in the body works like the header.
    a = post(practice, order, {**body, "client_id": "scanner-7"})
    b = post(practice, order, {**body, "client_id": "scanner-7"})
    assert (a.status_code, b.status_code) == (201, 200)
    assert GoodsReceipt.objects.filter(order=order).count() == 2


def test_another_company_gets_404_and_an_unsent_order_409(practice, order, other_company):
    outsider = ApiClient(other_company[2])
    r = post(outsider, order, {"lines": [{"position": 1, "quantity": 1}]})
    assert r.status_code == 404
    assert outsider.get(f"/api/v1/orders/{order.pk}").status_code == 404
    queued = submit(practice, order_body("WE-2", lines=LINES), key="k-2").json_body
    r = practice.post(
        f"/api/v1/orders/{queued['id']}/receipts", {"lines": [{"position": 1, "quantity": 1}]}
    )
    assert r.status_code == 409
    assert GoodsReceipt.objects.count() == 0


def test_invalid_inputs_name_the_field(practice, order):
    def coded(r):
        assert r.status_code == 422
        error = r.json_body["errors"][0]
        return error["field"], error["code"], error["params"]

    assert coded(post(practice, order, {})) == ("lines", "receipt.empty", {})
    r = post(practice, order, {"lines": [{"position": 9, "quantity": 1}]})
    assert coded(r) == ("lines[0].position", "receipt.no_line", {"index": 0, "position": 9})
    r = post(practice, order, {"lines": [{"position": 1, "quantity": 1}], "shipment": "LS-9"})
    assert coded(r) == ("shipment", "receipt.no_shipment", {"shipment": "LS-9"})
    r = post(practice, order, {"lines": [{"position": 1, "quantity": 1}], "received_by": "U99"})
    assert coded(r) == ("received_by", "receipt.no_employee", {"employee": "U99"})
    assert r.json_body["errors"][0]["message"] == "no employee 'U99'"


def test_receipt_acknowledgement_is_stored_as_an_outbound_document(practice, order):
    gtin = gtin_of(order, 1)
    r = post(
        practice,
        order,
        {"scans": [scan(gtin, "SN40021"), scan(gtin, "SN40022")], "shipment": "LS-1"},
    )
    assert r.status_code == 201
    doc = order.documents.get(kind="receipt_acknowledgement")
    assert (doc.direction, doc.format, doc.partner_document_id) == (
        "outbound",
        "opentrans",
        r.json_body["number"],
    )
    parsed = parse_receipt_acknowledgement(bytes(doc.content))
    assert parsed.document_id == r.json_body["number"]
    assert parsed.order_number == order.number and parsed.dispatch_id == "LS-1"
    assert parsed.lines[0].serial_numbers == ["SN40021", "SN40022"]
    assert etree.fromstring(bytes(doc.content)).tag.endswith("RECEIPTACKNOWLEDGEMENT")
    detail = practice.get(f"/api/v1/orders/{order.pk}").json_body
    assert "receipt_acknowledgement" in [d["kind"] for d in detail["documents"]]


def test_no_acknowledgement_for_an_edifact_partner(practice, order, partners):
    order.partner.channel = "edifact"
    order.partner.save()
    assert post(practice, order, {"lines": [{"position": 2, "quantity": 1}]}).status_code == 201
    assert not order.documents.filter(kind="receipt_acknowledgement").exists()


def test_openapi_declares_the_endpoint_with_typed_schemas(anon_api):
    spec = anon_api.get("/api/v1/openapi.json").json_body
    operation = spec["paths"]["/api/v1/orders/{order_id}/receipts"]["post"]
    assert {"200", "201"} <= set(operation["responses"])
    schemas = spec["components"]["schemas"]
    assert {"ReceiptIn", "ReceiptOut", "ReceiptDifferenceOut"} <= set(schemas)
    assert "receipts" in schemas["OrderDetailOut"]["properties"]
