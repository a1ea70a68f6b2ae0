"""The whole registration through API and a real browser (Debian chromium), then dashboard edits."""

import httpx
import pytest

from tests.conftest import snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_registration_sync_edit_and_conflict_in_the_browser(live_server, page, partners):
    api = httpx.Client(base_url=live_server.url, timeout=10)
    reg = api.post("/api/v1/registrations", json=snapshot() | {"workstation": "EMPFANG-1"}).json()
    poll = f"/api/v1/registrations/{reg['registration_id']}/token"
    assert api.post(poll, json={"poll_token": reg["poll_token"]}).status_code == 202

    page.goto(reg["registration_url"].replace("http://testserver", live_server.url))
    assert page.get_by_role("heading", name="Jetzt registrieren").is_visible()
    assert page.get_by_role("cell", name="Filiale 2").is_visible()
    page.get_by_label("Benutzername").fill("muster-admin")
    page.get_by_label("E-Mail-Adresse").fill("filiale@muster.example")
    page.get_by_label("Passwort", exact=True).fill("Hoergeraet-2026!")
    page.get_by_label("Passwort wiederholen").fill("Hoergeraet-2026!")
    page.get_by_role("button", name="Registrierung abschließen").click()
    page.wait_for_url("**/dashboard/")
    assert "Registrierung abgeschlossen" in page.content()

    r = api.post(poll, json={"poll_token": reg["poll_token"]})
    assert r.status_code == 200
    token = r.json()["api_token"]
    assert api.post(poll, json={"poll_token": reg["poll_token"]}).status_code == 410
    auth = {"Authorization": f"Bearer {token}"}

    # The registration already applied the snapshot; syncing it again writes nothing.
    first = api.put("/api/v1/masterdata", json=snapshot(), headers=auth).json()
    assert first["branches"] == {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 2}
    second = api.put("/api/v1/masterdata", json=snapshot(), headers=auth).json()
    assert second["users"]["unchanged"] == 3 and second["conflicts"] == []

    # A person edits a branch in the dashboard.
    page.get_by_role("link", name="Filialen", exact=True).click()
    page.locator("tr[data-branch=F1]").get_by_role("link", name="bearbeiten").click()
    page.get_by_label("Name").fill("Filiale am Markt")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url("**/dashboard/filialen/")
    assert page.locator("tr[data-branch=F1]").get_by_text("im Dashboard geändert").is_visible()

    # The next sync keeps the edit and reports the conflict ...
    third = api.put("/api/v1/masterdata", json=snapshot(), headers=auth).json()
    assert [
        (c["record_id"], c["dashboard_value"], c["source_value"]) for c in third["conflicts"]
    ] == [("F1", "Filiale am Markt", "Filiale 1")]
    got = api.get("/api/v1/masterdata", headers=auth).json()
    assert got["branches"][0]["name"] == "Filiale am Markt"

    # ... which the dashboard shows and a person resolves.
    page.get_by_role("link", name="Konflikte", exact=True).click()
    row = page.locator("tr.conflict")
    assert (
        row.get_by_text("Filiale am Markt", exact=True).is_visible()  # the dashboard's value
        and row.get_by_text("Filiale 1", exact=True).is_visible()  # the practice software's
    )
    row.get_by_role("button", name="Dashboard-Wert behalten").click()
    page.locator("tr.resolved").wait_for()
    fourth = api.put("/api/v1/masterdata", json=snapshot(), headers=auth).json()
    assert fourth["conflicts"] == []


def test_english_is_available(live_server, page, db):
    page.goto(live_server.url + "/anmelden/")
    assert page.get_by_role("heading", name="Anmelden").is_visible()
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.get_by_role("heading", name="Log in").is_visible()
