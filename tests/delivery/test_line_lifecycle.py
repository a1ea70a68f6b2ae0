"""After the order is sent (issue 16): an order of three lines is answered line by line — one
confirmed, one changed in date, one backordered — then shipped in two parcels with serial numbers.
The practice sees per line what was promised, delivered and outstanding through the API, and the
order is ``shipped`` only after the second parcel (or when the practice closes the remainder)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client

from orderhub.delivery.models import CompanyWebhook
from orderhub.formats import partner_json
from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.formats.edifact.partner import write_desadv, write_ordrsp
from orderhub.formats.opentrans.partner import write_dispatch_notification, write_order_response
from orderhub.ordering import answers
from orderhub.ordering.models import Order
from orderhub.ordering.reasons import event_reason
from tests.conftest import ApiClient, run_queued_tasks
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

THREE_LINES = [
    {"position": 1, "quantity": 2, "partner_article_number": "SN-R-M-3-R", "description": "Hörer"},
    {"position": 2, "quantity": 1, "partner_article_number": "SN-D-OPEN-M", "description": "Dome"},
    {"position": 3, "quantity": 10, "partner_article_number": "SN-R-M-3-L", "description": "Hörer"},
]


@pytest.fixture
def order(practice):
    r = submit(practice, order_body("B-3", lines=THREE_LINES))
    assert r.json_body["status"] == "queued", r.json_body
    return mark_sent(Order.objects.get(pk=r.json_body["id"]))


@pytest.fixture
def partner(partner_token):
    return ApiClient(partner_token)


def _answer(order, kind, doc_id, lines, **kw):
    return PartnerAnswer(
        kind=kind,
        order_number=order.number,
        document_id=doc_id,
        issued_at=datetime.now(UTC),
        lines=lines,
        **kw,
    )


WRITERS = {
    "opentrans": (
        "application/xml",
        write_order_response,
        write_dispatch_notification,
    ),
    "edifact": (
        "application/edifact",
        lambda a: write_ordrsp(a, sender_id="S", recipient_id="R", interchange_ref="1"),
        lambda a: write_desadv(a, sender_id="S", recipient_id="R", interchange_ref="2"),
    ),
    "json": ("application/json", partner_json.write_answer, partner_json.write_answer),
}


def _post(partner, body, content_type):
    r = partner.request("POST", "/api/v1/partner/documents", raw=body, content_type=content_type)
    assert r.status_code == 202, r.json_body
    return r.json_body


def _lines(practice, order):
    r = practice.get(f"/api/v1/orders/{order.pk}")
    assert r.status_code == 200
    return r.json_body, {line["position"]: line for line in r.json_body["lines"]}


@pytest.mark.parametrize("channel", sorted(WRITERS))
def test_answered_line_by_line_then_shipped_in_two_parcels(channel, order, partner, practice):
    content_type, write_response, write_dispatch = WRITERS[channel]
    response = _answer(
        order,
        "order_response",
        "AB-1",
        [
            AnswerLine(1, "confirmed", Decimal(2), delivery_date=date(2026, 12, 9)),
            AnswerLine(2, "changed", Decimal(1), delivery_date=date(2026, 12, 16), note="später"),
            AnswerLine(
                3,
                "backordered",
                Decimal(10),
                delivery_date=date(2026, 12, 9),
                backordered_quantity=Decimal(6),
                backorder_date=date(2027, 1, 15),
            ),
        ],
    )
    assert _post(partner, write_response(response), content_type)["status"] == "partially_confirmed"
    body, lines = _lines(practice, order)
    assert (lines[1]["line_status"], lines[1]["delivery_date"]) == ("confirmed", "2026-12-09")
    assert (lines[2]["line_status"], lines[2]["delivery_date"]) == ("changed", "2026-12-16")
    assert lines[3]["line_status"] == "backordered"
    assert Decimal(lines[3]["confirmed_quantity"]) == 10
    assert Decimal(lines[3]["backordered_quantity"]) == 6
    assert lines[3]["backorder_date"] == "2027-01-15"
    assert [Decimal(lines[p]["outstanding_quantity"]) for p in (1, 2, 3)] == [2, 1, 10]

    first = _answer(
        order,
        "dispatch_notification",
        "LS-1",
        [
            AnswerLine(1, "shipped", Decimal(2), serial_numbers=["2319A0411", "2319A0412"]),
            AnswerLine(2, "shipped", Decimal(1), serial_numbers=["D-77"]),
            AnswerLine(3, "shipped", Decimal(4)),
        ],
        tracking_numbers=["00340434161234567890"],
        carrier="DHL",
    )
    assert _post(partner, write_dispatch(first), content_type)["status"] == "partially_shipped"
    body, lines = _lines(practice, order)
    assert body["status"] == "partially_shipped"
    assert lines[1]["serial_numbers"] == ["2319A0411", "2319A0412"]
    assert [Decimal(lines[p]["shipped_quantity"]) for p in (1, 2, 3)] == [2, 1, 4]
    assert [Decimal(lines[p]["outstanding_quantity"]) for p in (1, 2, 3)] == [0, 0, 6]
    assert lines[3]["line_status"] == "partially_shipped"

    second = _answer(
        order,
        "dispatch_notification",
        "LS-2",
        [AnswerLine(3, "shipped", Decimal(6), lot_numbers=["L2027-02"])],
        tracking_numbers=["00340434161234567891"],
        carrier="DHL",
    )
    assert _post(partner, write_dispatch(second), content_type)["status"] == "shipped"
    body, lines = _lines(practice, order)
    assert Decimal(lines[3]["outstanding_quantity"]) == 0 and lines[3]["line_status"] == "shipped"
    assert lines[3]["lot_numbers"] == ["L2027-02"]
    assert [s["document_id"] for s in body["shipments"]] == ["LS-1", "LS-2"]
    assert body["shipments"][1]["tracking_numbers"] == ["00340434161234567891"]
    assert body["shipments"][0]["lines"][0] == {
        "position": 1,
        "quantity": "2.000",
        "serial_numbers": ["2319A0411", "2319A0412"],
        "lot_numbers": [],
    }
    assert sorted(body["tracking_numbers"]) == ["00340434161234567890", "00340434161234567891"]
    timeline = [(e["from_status"], e["to_status"]) for e in body["events"] if e["to_status"]]
    assert timeline[-3:] == [
        ("sent", "partially_confirmed"),
        ("partially_confirmed", "partially_shipped"),
        ("partially_shipped", "shipped"),
    ]


def test_a_dispatch_notification_without_lines_ships_what_is_outstanding(order, partner):
    whole = _answer(order, "dispatch_notification", "LS-9", [], tracking_numbers=["T-1"])
    assert _post(partner, partner_json.write_answer(whole), "application/json")["status"] == (
        "shipped"
    )
    assert [line.shipped_quantity for line in order.lines.order_by("position")] == [2, 1, 10]


def test_a_rejected_line_is_not_outstanding(order, partner):
    response = _answer(
        order,
        "order_response",
        "AB-2",
        [
            AnswerLine(1, "confirmed", Decimal(2)),
            AnswerLine(2, "rejected", Decimal(0), note="nicht mehr lieferbar"),
            AnswerLine(3, "confirmed", Decimal(10)),
        ],
    )
    _post(partner, partner_json.write_answer(response), "application/json")
    ship = _answer(
        order,
        "dispatch_notification",
        "LS-3",
        [AnswerLine(1, "shipped", Decimal(2)), AnswerLine(3, "shipped", Decimal(10))],
    )
    assert _post(partner, partner_json.write_answer(ship), "application/json")["status"] == (
        "shipped"
    )
    rejected = order.lines.get(position=2)
    assert (rejected.line_status, rejected.answer_note) == ("rejected", "nicht mehr lieferbar")


def test_the_practice_closes_the_remainder_and_the_order_is_shipped(order, partner, practice):
    url = f"/api/v1/orders/{order.pk}/close-remainder"
    early = practice.post(url)
    assert early.status_code == 409 and "only a partly shipped order" in early.json_body["detail"]
    ship = _answer(order, "dispatch_notification", "LS-4", [AnswerLine(3, "shipped", Decimal(4))])
    assert _post(partner, partner_json.write_answer(ship), "application/json")["status"] == (
        "partially_shipped"
    )
    r = practice.post(url)
    assert r.status_code == 200 and r.json_body["status"] == "shipped"
    lines = {line["position"]: line for line in r.json_body["lines"]}
    assert lines[3]["remainder_closed"] is True
    assert Decimal(lines[3]["outstanding_quantity"]) == 0
    event = order.events.order_by("-pk").first()
    assert event_reason(event) == "Rest geschlossen" and event.actor.startswith("Branchensoftware")
    assert event.data["closed"] == {"1": "2.000", "2": "1.000", "3": "6.000"}
    assert practice.post(url).status_code == 409
    order.refresh_from_db()
    with pytest.raises(answers.NothingOutstanding):
        answers.close_remainder(order, actor="Anna Berger")


def test_a_backorder_larger_than_the_confirmed_quantity_is_refused_naming_the_field(order, partner):
    body = (
        b'{"kind": "order_response", "document_id": "AB-X", "order_number": "%s", '
        b'"issued_at": "2026-12-02T10:00:00+01:00", "lines": [{"line_no": 3, "quantity": 2, '
        b'"backordered_quantity": 5}]}' % order.number.encode()
    )
    r = partner.request(
        "POST", "/api/v1/partner/documents", raw=body, content_type="application/json"
    )
    assert r.status_code == 422 or r.status_code == 400
    assert r.json_body["field"] == "lines[0].backordered_quantity"
    assert "backordered quantity 5 is more than the confirmed quantity 2" in r.json_body["detail"]


def test_the_order_page_shows_per_line_what_was_promised_delivered_and_outstanding(
    order, partner, company
):
    response = _answer(
        order,
        "order_response",
        "AB-5",
        [
            AnswerLine(1, "confirmed", Decimal(2)),
            AnswerLine(2, "substituted", Decimal(1), supplier_article_number="SN-D-OPEN-M2"),
            AnswerLine(
                3,
                "backordered",
                Decimal(10),
                backordered_quantity=Decimal(6),
                backorder_date=date(2027, 1, 15),
            ),
        ],
    )
    _post(partner, partner_json.write_answer(response), "application/json")
    ship = _answer(
        order,
        "dispatch_notification",
        "LS-5",
        [AnswerLine(1, "shipped", Decimal(2), serial_numbers=["2319A0411", "2319A0412"])],
        tracking_numbers=["00340434161234567890"],
        carrier="DHL",
    )
    _post(partner, partner_json.write_answer(ship), "application/json")
    browser = Client()
    browser.force_login(company[1])
    url = f"/dashboard/bestellungen/{order.pk}/"
    page = browser.get(url).content.decode()
    assert "davon 6 im Rückstand, erwartet 15.01.2027" in page
    assert "Ersatzartikel: <code>SN-D-OPEN-M2</code>" in page
    assert "<code>2319A0411</code> <code>2319A0412</code>" in page
    # The parcel's number links to the carrier's tracking page.
    tracking_page = (
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html"
        "?piececode=00340434161234567890"
    )
    assert f'Lieferschein LS-5 · DHL <a href="{tracking_page}"' in page
    assert "<code>00340434161234567890</code></a>" in page
    detail = ApiClient(company[2]).get(f"/api/v1/orders/{order.pk}").json_body
    assert detail["shipments"][0]["tracking"] == [
        {"number": "00340434161234567890", "url": tracking_page}
    ]
    # The timeline speaks in status names, not codes.
    timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    timeline = re.sub(r"<details.*?</details>", "", timeline, flags=re.S)  # admins' detail
    assert "teilweise versandt" in timeline and "mit Abweichungen bestätigt" in timeline
    assert "partially_shipped" not in timeline and "partially_confirmed" not in timeline
    assert "Rest schließen" in page
    r = browser.post(url + "rest-schliessen/", follow=True)
    assert "Der offene Rest ist geschlossen" in r.content.decode()
    order.refresh_from_db()
    assert order.status == "shipped"
    english = Client(headers={"accept-language": "en"})
    english.force_login(company[1])
    page = english.get(url).content.decode()
    assert "Close the remainder" not in page  # nothing is outstanding any more
    assert "6 of them backordered, expected 15.01.2027" in page


def test_the_company_webhook_tells_line_answers_and_serial_numbers(
    order, partner, company, recorder
):
    CompanyWebhook.objects.create(company=company[0], url=recorder.url, secret="s3cret")
    response = _answer(
        order,
        "order_response",
        "AB-7",
        [
            AnswerLine(1, "confirmed", Decimal(2)),
            AnswerLine(2, "confirmed", Decimal(1)),
            AnswerLine(
                3,
                "backordered",
                Decimal(10),
                backordered_quantity=Decimal(6),
                backorder_date=date(2027, 1, 15),
            ),
        ],
    )
    _post(partner, partner_json.write_answer(response), "application/json")
    ship = _answer(
        order,
        "dispatch_notification",
        "LS-7",
        [AnswerLine(1, "shipped", Decimal(2), serial_numbers=["2319A0411", "2319A0412"])],
    )
    _post(partner, partner_json.write_answer(ship), "application/json")
    run_queued_tasks()
    bodies = [json.loads(r["body"]) for r in recorder.requests]
    shipped = [b for b in bodies if b["event"]["to_status"] == "partially_shipped"]
    assert len(shipped) == 1
    lines = {line["position"]: line for line in shipped[0]["order"]["lines"]}
    assert lines[1]["serial_numbers"] == ["2319A0411", "2319A0412"]
    assert (lines[3]["backordered_quantity"], lines[3]["backorder_date"]) == ("6.000", "2027-01-15")
    assert lines[3]["outstanding_quantity"] == "10.000"
    confirmed = [b for b in bodies if b["event"]["to_status"] == "partially_confirmed"]
    assert confirmed[0]["order"]["lines"][2]["line_status"] == "backordered"


def test_an_order_response_after_a_dispatch_keeps_what_was_shipped(order, partner):
    ship = _answer(order, "dispatch_notification", "LS-8", [AnswerLine(1, "shipped", Decimal(2))])
    assert _post(partner, partner_json.write_answer(ship), "application/json")["status"] == (
        "partially_shipped"
    )
    late = _answer(
        order,
        "order_response",
        "AB-8",
        [
            AnswerLine(1, "confirmed", Decimal(2)),
            AnswerLine(2, "confirmed", Decimal(1)),
            AnswerLine(3, "changed", Decimal(8), delivery_date=date(2027, 2, 1)),
        ],
    )
    assert _post(partner, partner_json.write_answer(late), "application/json")["status"] == (
        "partially_shipped"
    )
    lines = {line.position: line for line in order.lines.all()}
    assert lines[1].line_status == "shipped" and lines[3].line_status == "changed"
    assert lines[3].outstanding_quantity == 8
