"""The cart in a real browser: login redirect, pick a candidate, remove a line, customer number, order."""

import httpx
import pytest

from orderhub.catalog.models import Article
from tests.conftest import snapshot
from tests.ordering.conftest import order_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_person_completes_a_cart_and_the_api_shows_queued(
    live_server, page, company, partners, sonora_catalog
):
    _, login, token = company
    api = httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=20
    )
    data = snapshot()
    data["customer_numbers"] = []  # no Sonora customer number on file
    assert api.put("/api/v1/masterdata", json=data).status_code == 200

    aura = Article.objects.get(partner_article_number="SN-HA-AURA3-RIC-L-BEIGE")
    body = order_body()
    body["lines"] = [
        {"position": 1, "quantity": 2, "partner_article_number": "SN-R-M-3-R"},
        {
            "position": 2,
            "quantity": 1,
            "hmv_number": aura.hmv_number,
            "description": "Aura 3 RIC links beige",
            "attributes": {"side": "L", "color": "beige"},
        },
        {
            "position": 3,
            "quantity": 1,
            "partner_article_number": "XX-UNBEKANNT",
            "description": "Sonderanfertigung",
        },
    ]
    r = api.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "cart-1"})
    created = r.json()
    assert created["status"] == "cart"
    assert sorted((i["position"] or 0, i["code"]) for i in created["issues"]) == [
        (0, "customer_number_missing"),
        (2, "article_ambiguous"),
        (3, "article_not_found"),
    ]

    page.goto(created["cart_url"])
    page.wait_for_url(lambda url: "/anmelden/?next=/warenkorb/" in url)
    page.get_by_label("Benutzername").fill(login.username)
    page.get_by_label("Passwort").fill("Geheim-12345!")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**/warenkorb/{created['id']}/")
    assert page.get_by_role("button", name="Bestellen").is_disabled()

    line2 = page.locator("#line-2")
    assert "passt auf" in line2.locator(".issue").inner_text()
    line2.locator("tr", has_text="SN-HA-AURA3-RIC-L-BEIGE").get_by_role(
        "button", name="Übernehmen"
    ).click()
    page.locator("#line-2 .ok").wait_for()
    assert "SN-HA-AURA3-RIC-L-BEIGE" in page.locator("#line-2 .ok").inner_text()

    page.locator("#line-3").get_by_role("button", name="Position entfernen").click()
    page.locator("#line-3.removed").wait_for()

    page.get_by_label("Ihre Kundennummer bei Sonora Hörsysteme GmbH").fill("K-NEU-77")
    page.get_by_role("button", name="Kundennummer übernehmen").click()
    # Updated in place (htmx): the box shows the number and "Bestellen" is enabled again.
    page.locator("#customer-number code", has_text="K-NEU-77").wait_for()
    page.locator("#cart-footer button.big:not([disabled])").wait_for()

    page.get_by_role("button", name="Bestellen").click()
    page.wait_for_url(f"**/dashboard/bestellungen/{created['id']}/")

    detail = api.get(f"/api/v1/orders/{created['id']}").json()
    assert detail["status"] == "queued"
    assert detail["customer_number"] == "K-NEU-77"
    assert [(l["position"], l["removed"]) for l in detail["lines"]] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert (
        detail["lines"][1]["matched_article"]["partner_article_number"] == "SN-HA-AURA3-RIC-L-BEIGE"
    )
    # The customer number was saved to master data for the next order.
    numbers = api.get("/api/v1/masterdata").json()["customer_numbers"]
    assert {"partner": "sonora", "customer_number": "K-NEU-77", "branch_id": None} in numbers

    # An ordered cart cannot be changed and says so.
    page.goto(created["cart_url"])
    assert page.get_by_text("Dieser Warenkorb wurde bereits bestellt.").is_visible()
    assert page.get_by_role("button", name="Bestellen").count() == 0
