"""``orderhub-connector change`` against a running portal (pytest-django's live server): the
practice software asks for a new quantity, a new date and a removed line from the command line;
the same command again asks nothing twice; a refusal (one change at a time, shipped) comes back
with the portal's sentence in the chosen language and its own exit code; a cancellation."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from orderhub.formats.documents import AnswerLine
from orderhub.ordering import changes
from orderhub.ordering.models import Order, OrderChange
from orderhub_connector.connector import change_body, change_key
from orderhub_connector.errors import ExitCode
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit
from tests.ordering.test_goods_receipt import dispatch
from tests.ordering.test_goods_receipt_connector import config, run  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(practice):
    r = submit(practice, order_body("B-CHG-CLI"))
    assert r.json_body["status"] == "queued", r.json_body
    return mark_sent(Order.objects.get(pk=r.json_body["id"]))


def test_change_is_asked_once_and_refusals_have_their_exit_code(capsys, config, order):  # noqa: F811
    args = ["change", str(order.pk), "--line", "1=3", "--date", "1=2027-03-31", "--remove", "2"]
    code, out, err = run(capsys, config, *args, "--note", "Patient wünscht mehr")
    assert code == ExitCode.OK, err
    assert f"Änderung {order.number}/1 angefragt." in out and "asked for" not in out
    assert "Pos. 1: Menge 3, Liefertermin 2027-03-31" in out
    assert "Pos. 2: entfernen" in out
    assert "Status: angefragt" in out
    change = OrderChange.objects.get(order=order)
    assert change.note == "Patient wünscht mehr"
    assert change.lines[0]["quantity"] == "3" and change.lines[1]["removed"] is True
    assert change.client_id.startswith("ohx-")
    # The same command again (a retry, a second click): the same change, nothing asked twice.
    code, out, err = run(capsys, config, *args, "--note", "Patient wünscht mehr", "--json")
    assert code == ExitCode.OK, err
    again = json.loads(out)
    assert again["asked_before"] is True and again["number"] == f"{order.number}/1"
    assert OrderChange.objects.filter(order=order).count() == 1
    # Another change while the partner has not answered: refused with the portal's sentence.
    code, out, err = run(capsys, config, "change", str(order.pk), "--cancel", "--json")
    assert code == ExitCode.CHANGE_REFUSED == 13
    problem = json.loads(out)
    assert problem["code"] == "change_open" and problem["exit_code"] == 13
    assert "wartet noch auf die Antwort des Partners" in problem["de"]
    assert "still waiting for the partner's answer" in problem["en"]
    # The partner refuses; the same change asked again needs its own id (--client-id).
    changes.answer_change(change, False, actor="Partner", note="Nicht lieferbar")
    code, out, _ = run(capsys, config, *args, "--note", "Patient wünscht mehr")
    assert "war schon angefragt" in out and "Status: abgelehnt" in out
    assert "Partner: Nicht lieferbar" in out
    code, out, _ = run(capsys, config, "status", str(order.pk))
    assert code == ExitCode.OK
    assert f"{order.number}/1  Änderung: abgelehnt – Nicht lieferbar" in out
    code, out, _ = run(capsys, config, "status", str(order.pk), language="en")
    assert f"{order.number}/1  Change: refused – Nicht lieferbar" in out
    code, out, err = run(capsys, config, *args, "--client-id", "zweiter-versuch")
    assert code == ExitCode.OK, err
    assert f"Änderung {order.number}/2 angefragt." in out
    changes.answer_change(OrderChange.objects.get(order=order, sequence=2), True, actor="P")
    # Something shipped: no cancellation; a shipped line cannot be changed.
    dispatch(order, "LS-1", [AnswerLine(1, "shipped", Decimal(1))])
    code, _, err = run(capsys, config, "change", str(order.pk), "--cancel")
    assert code == ExitCode.CHANGE_REFUSED
    assert "Fehler: Teile der Bestellung sind bereits versandt" in err and "Error" not in err
    code, _, err = run(capsys, config, "change", str(order.pk), "--cancel", language="en")
    assert code == ExitCode.CHANGE_REFUSED
    assert "Error: Parts of the order have already been shipped" in err and "Fehler" not in err
    code, _, err = run(capsys, config, "change", str(order.pk), "--line", "1=1")
    assert code == ExitCode.CHANGE_REFUSED and "Pos. 1 ist bereits" in err
    assert OrderChange.objects.filter(order=order).count() == 2


def test_cancel_and_bad_arguments(capsys, config, order):  # noqa: F811
    code, _, err = run(capsys, config, "change", str(order.pk), "--line", "zwei")
    assert code == ExitCode.PRACTICE_DATA and "POSITION=MENGE" in err
    code, _, err = run(capsys, config, "change", str(order.pk), "--date", "1=31.03.2027")
    assert code == ExitCode.PRACTICE_DATA and "JJJJ-MM-TT" in err
    code, _, err = run(capsys, config, "change", str(order.pk), "--cancel", "--remove", "1")
    assert code == ExitCode.PRACTICE_DATA and "--cancel" in err
    code, _, err = run(capsys, config, "change", str(order.pk))
    assert code == ExitCode.PRACTICE_DATA and "Nichts zu ändern" in err
    code, _, err = run(capsys, config, "change", str(order.pk), "--line", "9=1")
    assert code == ExitCode.PORTAL_PROBLEM and "lines[0].position" in err  # 422: no line 9
    assert not OrderChange.objects.exists()
    code, out, err = run(capsys, config, "change", str(order.pk), "--cancel", "--note", "weg")
    assert code == ExitCode.OK, err
    assert f"Stornierung {order.number}/1 angefragt." in out
    assert OrderChange.objects.get(order=order).kind == "cancel"


def test_the_key_is_derived_from_order_and_request():
    body = change_body(lines=["2=1,5", "1=3"], dates=["1=2027-03-31"])
    assert body == {
        "kind": "change",
        "lines": [
            {"position": 1, "quantity": "3", "delivery_date": "2027-03-31"},
            {"position": 2, "quantity": "1.5"},
        ],
    }
    same = change_body(dates=["1=2027-03-31"], lines=["1=3", "2=1.5"])
    assert change_key("https://p/", "o1", body) == change_key("https://p", "o1", same)
    assert change_key("https://p", "o1", body) != change_key("https://p", "o2", body)
    assert change_key("https://p", "o1", body) != change_key(
        "https://p", "o1", change_body(cancel=True)
    )
