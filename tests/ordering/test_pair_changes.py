"""Issue 17, binaural pairs after sending: a change to one side asks about the other. The
dashboard form asks whether the change is for both sides before anything is sent; the API accepts
a change for one side with a hint naming the other, and ``apply_to_pair`` asks for both."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from orderhub.ordering import changes
from orderhub.ordering.models import Order, OrderChange
from orderhub_connector.errors import ExitCode
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit
from tests.ordering.test_goods_receipt_connector import config, run  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def ear(position, side):
    return {
        "position": position,
        "quantity": 1,
        "partner_article_number": f"SN-R-M-3-{side}",
        "options": {"side": side},
        "pair": "P1",
    }


@pytest.fixture
def order(practice):
    dome = {"position": 3, "quantity": 10, "partner_article_number": "SN-D-OPEN-M"}
    r = submit(practice, order_body("B-PAIR", lines=[ear(1, "R"), ear(2, "L"), dome]))
    assert r.json_body["status"] == "queued", r.json_body
    return mark_sent(Order.objects.get(pk=r.json_body["id"]))


def asked(order):
    return [
        (line["position"], line.get("quantity"), line.get("removed"))
        for change in order.changes.all()
        for line in change.lines
    ]


# --- the dashboard --------------------------------------------------------------------------


def admin(company) -> Client:
    c = Client()
    c.force_login(company[1], backend="django.contrib.auth.backends.ModelBackend")
    return c


def change_form(client, order, language="de", **fields):
    page = f"/dashboard/bestellungen/{order.pk}/"
    headers = {"accept-language": language}
    html = client.get(page, headers=headers).content.decode()
    client_id = re.findall(r'name="client_id" value="([0-9a-f]+)"', html)[0]
    r = client.post(
        f"{page}aenderung/",
        {"action": "change", "client_id": client_id, **fields},
        headers=headers,
    )
    assert r.status_code == 302
    return client.get(page, headers=headers).content.decode()


def test_changing_one_side_asks_first_and_both_sides_get_the_change(company, order):
    client = admin(company)
    day = (timezone.localdate() + timedelta(days=20)).isoformat()
    page = change_form(client, order, **{"date-1": day})
    assert order.changes.count() == 0  # nothing asked yet
    assert (
        "Pos. 1 gehört zu einem binauralen Paar mit Pos. 2. Soll die Änderung für beide Seiten "
        "gelten?"
    ) in page
    assert "Für beide Seiten anfragen" in page and "Nur wie eingetragen anfragen" in page
    assert f'name="date-1" value="{day}"' in page  # what was typed is kept
    change_form(client, order, **{"date-1": day, "pair": "both"})
    (change,) = order.changes.all()
    assert [(line["position"], line["delivery_date"]) for line in change.lines] == [
        (1, day),
        (2, day),
    ]


def test_this_side_only_is_asked_as_entered(company, order):
    client = admin(company)
    change_form(client, order, **{"remove-1": "1"})
    change_form(client, order, **{"remove-1": "1", "pair": "one"})
    assert asked(order) == [(1, None, True)]


def test_a_change_of_both_sides_or_of_no_pair_asks_nothing(company, order):
    client = admin(company)
    page = change_form(client, order, **{"qty-1": "2", "qty-2": "2", "qty-3": "20"})
    assert "binauralen Paar" not in page
    assert asked(order) == [(1, "2", False), (2, "2", False), (3, "20", False)]


def test_the_question_is_english_when_chosen(company, order):
    page = change_form(admin(company), order, "en", **{"qty-2": "2"})
    assert (
        "Line 2 is one side of a binaural pair with line 1. Should the change apply to both sides?"
    ) in page
    assert "Ask for both sides" in page and "Ask only as entered" in page


# --- the API --------------------------------------------------------------------------------


def change(api, order, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/api/v1/orders/{order.pk}/changes", body, headers=headers)


def test_the_api_accepts_one_side_and_names_the_other(practice, order):
    r = change(practice, order, {"lines": [{"position": 2, "quantity": 2}]})
    assert r.status_code == 201, r.json_body
    assert r.json_body["pair_hints"] == [
        {
            "position": 2,
            "mates": [1],
            "message": "Pos. 2 gehört zu einem binauralen Paar mit Pos. 1; die Änderung "
            "betrifft nur Pos. 2.",
            "message_en": "Line 2 is one side of a binaural pair with line 1; the change "
            "concerns line 2 only.",
        }
    ]
    assert asked(order) == [(2, "2", False)]
    detail = practice.get(f"/api/v1/orders/{order.pk}").json_body
    assert detail["changes"][0]["pair_hints"][0]["mates"] == [1]


def test_apply_to_pair_asks_for_both_sides(practice, order):
    body = {"lines": [{"position": 1, "remove": True}], "apply_to_pair": True}
    r = change(practice, order, body, key="pair-1")
    assert r.status_code == 201, r.json_body
    assert r.json_body["pair_hints"] == []
    assert asked(order) == [(1, None, True), (2, None, True)]
    again = change(practice, order, body, key="pair-1")
    assert again.status_code == 200 and order.changes.count() == 1
    assert OrderChange.objects.get(order=order).kind == "change"


def test_a_line_outside_any_pair_has_no_hint(practice, order):
    r = change(practice, order, {"lines": [{"position": 3, "quantity": 20}]})
    assert r.status_code == 201 and r.json_body["pair_hints"] == []


# --- the connector (a live portal) ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_connector_names_the_other_side_and_changes_both_on_request(
    capsys,
    config,  # noqa: F811
    order,
):
    code, out, err = run(capsys, config, "change", str(order.pk), "--date", "1=2027-03-31")
    assert code == ExitCode.OK, err
    assert (
        "Hinweis: Pos. 1 gehört zu einem binauralen Paar mit Pos. 2; die Änderung betrifft nur "
        "Pos. 1."
    ) in out
    assert "Note:" not in out
    code, out, err = run(
        capsys, config, "change", str(order.pk), "--date", "1=2027-03-31", language="en"
    )
    assert code == ExitCode.OK, err  # asked before: the same answer, in English
    assert (
        "Note: Line 1 is one side of a binaural pair with line 2; the change concerns line 1 only."
    ) in out
    changes.answer_change(order.changes.get(), True, actor="Partner")
    code, out, err = run(capsys, config, "change", str(order.pk), "--remove", "2", "--both-sides")
    assert code == ExitCode.OK, err
    assert "Pos. 1: entfernen" in out and "Pos. 2: entfernen" in out
    assert "Hinweis" not in out
