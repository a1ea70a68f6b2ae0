"""The supplier portal in a real browser: an e-mail partner confirms an order and marks it shipped."""

import httpx
import pytest
from django.contrib.auth import get_user_model

from orderhub.delivery.models import PartnerAccount
from orderhub.ordering.models import Order
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_confirms_and_ships_in_the_supplier_portal(
    live_server, page, practice, partners, company, other_company
):
    supplier = get_user_model().objects.create_user("sonora-portal", password="Lieferant-12345!")
    PartnerAccount.objects.create(user=supplier, partner=partners["sonora"])
    order = mark_sent(Order.objects.get(pk=submit(practice, order_body()).json_body["id"]))

    page.goto(live_server.url + "/lieferant/")
    page.get_by_label("Benutzername").fill("sonora-portal")
    page.get_by_label("Passwort").fill("Lieferant-12345!")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name=order.number).click()
    page.get_by_label("Liefertermin").fill("2026-12-04")
    page.get_by_role("button", name="Bestellung bestätigen").click()
    page.get_by_text("Gespeichert.").wait_for()
    page.get_by_label("Sendungsnummern (durch Komma getrennt)").fill("00340434161094015902")
    page.get_by_label("Versanddienstleister").fill("DHL")
    page.get_by_role("button", name="Als versandt markieren").click()
    page.get_by_text("Gespeichert.").wait_for()

    api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {company[2]}"})
    detail = api.get(f"/api/v1/orders/{order.pk}").json()
    transitions = [e["to_status"] for e in detail["events"] if e["to_status"]]
    assert transitions[-2:] == ["confirmed", "shipped"]
    assert detail["tracking_numbers"] == ["00340434161094015902"] and detail["carrier"] == "DHL"
    assert detail["lines"][0]["delivery_date"] == "2026-12-04"

    # A partner login sees only its own partner's orders; a company login has no supplier portal.
    other = get_user_model().objects.create_user("audiotec-portal", password="Lieferant-12345!")
    PartnerAccount.objects.create(user=other, partner=partners["audiotec"])
    context = page.context
    context.clear_cookies()
    page.goto(live_server.url + "/lieferant/")
    page.get_by_label("Benutzername").fill("audiotec-portal")
    page.get_by_label("Passwort").fill("Lieferant-12345!")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/lieferant/")
    assert order.number not in page.content()
    assert page.goto(f"{live_server.url}/lieferant/bestellungen/{order.number}/").status == 404
