"""The supplier portal in a real browser: an e-mail partner answers an order line by line (with
validation at the line), then ships it in two parcels with serial numbers."""

from datetime import timedelta

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from orderhub.delivery.models import PartnerAccount
from orderhub.ordering.models import Order
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username):
    page.goto(live_server.url + "/lieferant/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill("Lieferant-12345!")
    page.get_by_role("button", name="Anmelden").click()


def test_partner_answers_per_line_and_ships_in_two_parcels(
    live_server, page, practice, partners, company, other_company
):
    supplier = get_user_model().objects.create_user("sonora-portal", password="Lieferant-12345!")
    PartnerAccount.objects.create(user=supplier, partner=partners["sonora"])
    body = order_body(reference="Kommission Müller", note="Bitte bis Freitag")
    order = mark_sent(Order.objects.get(pk=submit(practice, body).json_body["id"]))
    soon = timezone.localdate() + timedelta(days=3)
    later = timezone.localdate() + timedelta(days=20)
    yesterday = timezone.localdate() - timedelta(days=1)

    _login(page, live_server, "sonora-portal")
    page.get_by_role("link", name=order.number).click()
    # What the PDF shows is on the page: reference, note, attributes, address, contact.
    content = page.content()
    assert "Kommission Müller" in content and "Bitte bis Freitag" in content
    assert "Seite: rechts" in content and "side: R" not in content  # in words, not codes

    # Line 2 backordered without saying when, line 1 dated yesterday: refused at the lines.
    page.get_by_label("Liefertermin für alle Positionen").fill(soon.isoformat())
    page.get_by_label("Liefertermin, Position 1").fill(yesterday.isoformat())
    page.get_by_label("Antwort, Position 2").select_option("backordered")
    page.get_by_label("davon im Rückstand, Position 2").fill("1")
    page.get_by_role("button", name="Antwort senden").click()
    line1, line2 = page.locator("#answer-line-1"), page.locator("#answer-line-2")
    assert "Das Datum liegt in der Vergangenheit." in line1.inner_text()
    assert "Wann kommt der Rückstand?" in line2.inner_text()
    assert Order.objects.get(pk=order.pk).status == "sent"  # nothing recorded

    page.get_by_label("Liefertermin, Position 1").fill("")
    page.get_by_label("Rückstand kommt am, Position 2").fill(later.isoformat())
    page.get_by_role("button", name="Antwort senden").click()
    page.get_by_text("Gespeichert.").wait_for()

    # Shipping needs a tracking number; then line 1 ships with one serial per unit.
    page.get_by_label("Versanddienstleister").fill("DHL")
    page.get_by_label("Seriennummern, Position 1").fill("2319A0411")
    page.get_by_role("button", name="Als versandt markieren").click()
    assert "Bitte mindestens eine Sendungsnummer angeben." in page.content() or (
        "Dieses Feld ist zwingend erforderlich." in page.content()
    )
    assert "Bitte eine Seriennummer je Stück: 1 angegeben, 2 versandt." in page.content()
    page.get_by_label("Sendungsnummern (durch Komma getrennt)").fill("00340434161094015902")
    page.get_by_label("Seriennummern, Position 1").fill("2319A0411, 2319A0412")
    page.get_by_label("Menge in dieser Sendung, Position 2").fill("0")
    page.get_by_role("button", name="Als versandt markieren").click()
    page.get_by_text("Gespeichert.").wait_for()
    # The second parcel: the backordered dome.
    page.get_by_label("Sendungsnummern (durch Komma getrennt)").fill("00340434161094015903")
    page.get_by_label("Versanddienstleister").fill("DHL")
    page.get_by_role("button", name="Als versandt markieren").click()
    page.get_by_text("Gespeichert.").wait_for()

    api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {company[2]}"})
    detail = api.get(f"/api/v1/orders/{order.pk}").json()
    transitions = [e["to_status"] for e in detail["events"] if e["to_status"]]
    assert transitions[-3:] == ["partially_confirmed", "partially_shipped", "shipped"]
    lines = {line["position"]: line for line in detail["lines"]}
    assert lines[1]["delivery_date"] == soon.isoformat()
    assert lines[1]["serial_numbers"] == ["2319A0411", "2319A0412"]
    assert lines[2]["backorder_date"] == later.isoformat()
    assert [s["tracking_numbers"] for s in detail["shipments"]] == [
        ["00340434161094015902"],
        ["00340434161094015903"],
    ]
    actor = [e["actor"] for e in detail["events"] if e["to_status"] == "shipped"][0]
    assert actor.startswith("Lieferant Sonora") and "sonora-portal" in actor

    # A partner login sees only its own partner's orders; a company login has no supplier portal.
    other = get_user_model().objects.create_user("audiotec-portal", password="Lieferant-12345!")
    PartnerAccount.objects.create(user=other, partner=partners["audiotec"])
    page.context.clear_cookies()
    _login(page, live_server, "audiotec-portal")
    page.wait_for_url("**/lieferant/")
    assert order.number not in page.content()
    assert page.goto(f"{live_server.url}/lieferant/bestellungen/{order.number}/").status == 404


def test_a_rejection_needs_a_reason_and_the_practice_sees_it(
    live_server, page, practice, partners, company
):
    supplier = get_user_model().objects.create_user("sonora-portal", password="Lieferant-12345!")
    PartnerAccount.objects.create(user=supplier, partner=partners["sonora"])
    order = mark_sent(Order.objects.get(pk=submit(practice, order_body()).json_body["id"]))
    _login(page, live_server, "sonora-portal")
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("button", name="Ganze Bestellung ablehnen").click()
    assert "Bitte geben Sie einen Grund für die Ablehnung an." in page.content()
    assert Order.objects.get(pk=order.pk).status == "sent"
    page.get_by_label("Grund der Ablehnung").fill("Artikel ausgelaufen")
    page.get_by_role("button", name="Ganze Bestellung ablehnen").click()
    page.get_by_text("Gespeichert.").wait_for()
    order.refresh_from_db()
    assert order.status == "rejected"
    assert {line.answer_note for line in order.lines.all()} == {"Artikel ausgelaufen"}
