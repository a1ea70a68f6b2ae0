"""Learned mappings in a real browser: a candidate picked in the cart identifies the same line the
next time (queued, no cart); deleting the mapping on the dashboard brings the cart back."""

import httpx
import pytest

from tests.conftest import snapshot
from tests.ordering.conftest import order_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINE = {
    "position": 1,
    "quantity": 1,
    "partner_article_number": "ALT-HOERER-M3R",
    "description": "Hörer M, Länge 3, rechts (Altbestand)",
    "attributes": {"side": "R"},
}


def test_picked_candidate_is_remembered_and_forgotten(
    live_server, page, company, partners, sonora_catalog
):
    _, login, token = company
    api = httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=20
    )
    assert api.put("/api/v1/masterdata", json=snapshot()).status_code == 200

    def submit(key):
        body = order_body()
        body["external_order_id"] = key
        body["lines"] = [LINE]
        r = api.post("/api/v1/orders", json=body, headers={"Idempotency-Key": key})
        assert r.status_code == 201, r.text
        return r.json()

    first = submit("MAP-1")
    assert first["status"] == "cart"
    assert first["issues"][0]["candidates"][0]["partner_article_number"] == "SN-R-M-3-R"

    page.goto(first["cart_url"])
    page.get_by_label("Benutzername").fill(login.username)
    page.get_by_label("Passwort").fill("Geheim-12345!")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**/warenkorb/{first['id']}/")
    page.locator("#line-1 tr", has_text="SN-R-M-3-R").get_by_role(
        "button", name="Übernehmen"
    ).click()
    page.locator("#line-1 .ok").wait_for()

    second = submit("MAP-2")
    assert second["status"] == "queued", second
    detail = api.get(f"/api/v1/orders/{second['id']}").json()
    assert detail["lines"][0]["matched_article"]["matched_by"] == "article_mapping"

    page.goto(live_server.url + "/dashboard/zuordnungen/")
    row = page.locator("tr", has_text="ALT-HOERER-M3R")
    assert "SN-R-M-3-R" in row.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Löschen").click()
    page.get_by_text("Zuordnung gelöscht").wait_for()
    assert page.locator("tr", has_text="ALT-HOERER-M3R").count() == 0

    assert submit("MAP-3")["status"] == "cart"
