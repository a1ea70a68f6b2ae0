"""Issue 17 in a real browser: a combination the partner's catalog does not offer opens a cart
naming the valid alternatives; picking them sends the order, with the options the partner offers."""

from __future__ import annotations

import pytest

from orderhub.delivery import order_document
from orderhub.delivery.models import Delivery
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.ordering.models import Order
from tests.ordering.conftest import order_body, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_combination_not_on_offer_is_fixed_in_the_cart_and_sent(
    live_server, page, company, practice
):
    body = order_body(
        "V-BROWSER",
        lines=[
            {  # Aura 7 RIC named by its HMV number, in a colour it does not come in
                "position": 1,
                "quantity": 1,
                "hmv_number": "1320030003",
                "description": "Aura 7 RIC rechts",
                "options": {"side": "R", "style": "RIC", "colour": {"code": "RT", "name": "rot"}},
                "pair": "P1",
            },
            {  # the left one, with a dome its receiver family does not offer
                "position": 2,
                "quantity": 1,
                "partner_article_number": "SN-HA-AURA7-RIC-L-BEIGE",
                "options": {"side": "L", "dome_type": "tulip", "dome_size": "M"},
                "pair": "P1",
            },
        ],
    )
    created = submit(practice, body).json_body
    assert created["status"] == "cart"
    assert [i["code"] for i in created["issues"]] == ["option_not_offered", "option_not_offered"]

    page.goto(f"{live_server.url}/warenkorb/{created['id']}/")
    page.get_by_label("Benutzername").fill(company[1].username)
    page.get_by_label("Passwort").fill("Geheim-12345!")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**/warenkorb/{created['id']}/")
    page.wait_for_load_state("load")
    assert page.get_by_role("button", name="Bestellen").is_disabled()

    # The sentences name what the catalog offers.
    right, left = page.locator("#line-1"), page.locator("#line-2")
    assert right.locator(".issue").inner_text() == (
        "Aura 7 (RIC): Farbe „rot · Code RT“ gibt es nicht; lieferbar: beige, silber. "
        "Bitte eine Variante wählen."
    )
    assert left.locator(".issue").inner_text() == (
        "Schirmchen der Hörerfamilie G1: Schirmchen „Tulpe“ gibt es nicht; lieferbar: offen, "
        "geschlossen, Power. Bitte eine Option wählen."
    )

    right.locator("tr", has_text="SN-HA-AURA7-RIC-R-SILBER").get_by_role(
        "button", name="Übernehmen"
    ).click()
    page.locator("#line-1 .ok").wait_for()
    assert "Farbe: silber" in page.locator("#line-1").inner_text()

    left.get_by_role("button", name="Schirmchen: geschlossen wählen").click()
    page.locator("#line-2 .ok").wait_for()
    assert "Schirmchen: geschlossen" in page.locator("#line-2").inner_text()

    page.locator("#cart-footer button.big:not([disabled])").wait_for()
    page.get_by_role("button", name="Bestellen").click()
    page.wait_for_url(f"**/dashboard/bestellungen/{created['id']}/")

    order = Order.objects.get(pk=created["id"])
    assert order.status == "queued"
    assert Delivery.objects.filter(order=order).exists()  # handed to the channel
    xml = write_order(order_document.build(order)).decode()
    assert "SN-HA-AURA7-RIC-R-SILBER" in xml and "<bmecat:FVALUE>silber</bmecat:FVALUE>" in xml
    assert "<bmecat:FVALUE>closed</bmecat:FVALUE>" in xml and "rot" not in xml
