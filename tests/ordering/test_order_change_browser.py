"""The order page's "Änderung und Stornierung" in a real browser (issue 16): a person asks for a new
quantity and removes a line, sees the partner's refusal with its note; the cancel button asks
first (the portal's data-confirm script, no inline handler) — dismissed nothing happens —, a
refusal by the portal is shown at the form, and a confirmed cancellation is asked."""

from __future__ import annotations

import pytest

from orderhub.ordering import changes
from orderhub.ordering.models import Order, OrderChange
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_person_asks_for_a_change_and_a_confirmed_cancellation(
    live_server, page, company, practice
):
    _, login, _ = company
    r = submit(practice, order_body("B-CHG-BROWSER"))
    order = mark_sent(Order.objects.get(pk=r.json_body["id"]))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/dashboard/bestellungen/{order.pk}/")
    page.wait_for_url(lambda url: "/anmelden/?next=" in url, timeout=60_000)
    page.get_by_label("Benutzername").fill(login.username)
    page.get_by_label("Passwort").fill("Geheim-12345!")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**/dashboard/bestellungen/{order.pk}/", timeout=60_000)

    section = page.locator("section.order-change")
    section.get_by_label("neue Menge Pos. 1").fill("3")
    section.get_by_label("Pos. 2 entfernen").check()
    section.get_by_label("Grund (für den Partner)").fill("Patient wünscht ein Gerät mehr")
    section.get_by_role("button", name="Änderung anfragen").click()
    page.wait_for_url("**#aenderung")
    page.get_by_text(f"Änderung {order.number}/1 angefragt.").wait_for()
    row = section.locator('tr[data-change="1"]')
    assert row.get_attribute("data-status") == "requested"
    assert "Pos. 1: Menge 3" in row.inner_text() and "Pos. 2 entfernen" in row.inner_text()
    assert section.locator("form.change-form").count() == 0  # one change at a time

    changes.answer_change(
        OrderChange.objects.get(order=order), False, actor="Partner", note="Nicht lieferbar"
    )
    page.reload()
    row = section.locator('tr[data-change="1"]')
    assert row.get_attribute("data-status") == "refused"
    assert "abgelehnt" in row.inner_text() and "Nicht lieferbar" in row.inner_text()

    # Meanwhile the practice software asks for a change; the page still offers the cancellation.
    assert (
        practice.post(
            f"/api/v1/orders/{order.pk}/changes", {"lines": [{"position": 1, "quantity": 4}]}
        ).status_code
        == 201
    )
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    section.get_by_label("Grund der Stornierung").fill("Patient hat storniert")
    section.get_by_role("button", name="Bestellung stornieren").click()
    assert asked and asked[0].startswith("Die ganze Bestellung beim Partner stornieren?")
    assert OrderChange.objects.filter(order=order).count() == 2  # dismissed: nothing sent

    page.once("dialog", lambda dialog: dialog.accept())
    section.get_by_role("button", name="Bestellung stornieren").click()
    alert = section.get_by_role("alert")
    alert.wait_for()
    assert "Änderung 2 wartet noch auf die Antwort des Partners" in alert.inner_text()
    assert alert.get_attribute("data-code") == "change_open"
    assert OrderChange.objects.filter(order=order).count() == 2

    changes.answer_change(OrderChange.objects.get(order=order, sequence=2), True, actor="P")
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    section.get_by_label("Grund der Stornierung").fill("Patient hat storniert")
    section.get_by_role("button", name="Bestellung stornieren").click()
    page.get_by_text(f"Stornierung {order.number}/3 angefragt.").wait_for()
    cancel = OrderChange.objects.get(order=order, sequence=3)
    assert (cancel.kind, cancel.note) == ("cancel", "Patient hat storniert")
    assert section.locator('tr[data-change="3"]').get_attribute("data-status") == "requested"
    assert not [e for e in errors if "Content Security Policy" in e]
