"""The cart in a real browser (Debian chromium): actions update in place and the page does not jump,
errors appear at the line, cancelling asks first, replacing a customer number asks first."""

from __future__ import annotations

import pytest

from orderhub.ordering.models import Order
from tests.ordering.conftest import order_body, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def long_cart(practice):
    """A cart with 12 lines (the page scrolls): odd positions unknown articles, in pieces."""
    body = order_body()
    body["lines"] = [
        {
            "position": i,
            "quantity": 1,
            "unit": "C62",
            "partner_article_number": f"SN-UNBEKANNT-{i}" if i % 2 else "SN-D-OPEN-M",
            "description": f"Position {i}",
        }
        for i in range(1, 13)
    ]
    order = Order.objects.get(pk=submit(practice, body).json_body["id"])
    assert order.status == "cart" and order.customer_number == "K-F1"
    return order


@pytest.fixture
def cart_page(live_server, page, company, long_cart):
    page.set_viewport_size({"width": 390, "height": 700})
    page.goto(f"{live_server.url}/warenkorb/{long_cart.pk}/")
    page.get_by_label("Benutzername").fill(company[1].username)
    page.get_by_label("Passwort").fill("Geheim-12345!")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**/warenkorb/{long_cart.pk}/")
    page.wait_for_load_state("load")  # htmx (a deferred script) is running
    return page


def scroll_to(page, selector) -> int:
    page.locator(selector).scroll_into_view_if_needed()
    page.evaluate(f"document.querySelector('{selector}').scrollIntoView({{block: 'center'}})")
    y = page.evaluate("window.scrollY")
    assert y > 500, "the page should have scrolled for this test to mean anything"
    page.evaluate("window.__samePage = true")  # gone if the page were loaded again
    return y


def kept_in_place(page, y):
    assert page.evaluate("window.__samePage === true"), "the page was loaded again"
    assert page.evaluate("window.scrollY") == y


def test_changing_a_quantity_keeps_the_scroll_position(cart_page, long_cart):
    page = cart_page
    y = scroll_to(page, "#line-10")
    line = page.locator("#line-10")
    page.evaluate("document.querySelector('#line-10').dataset.marker = 'before'")
    line.locator("input[name=quantity]").fill("4")
    line.get_by_role("button", name="Menge ändern").click()
    # Swapped in place: a new element (no marker), no page load, the same scroll position.
    page.locator("#line-10:not([data-marker])").wait_for()
    kept_in_place(page, y)
    assert long_cart.lines.get(position=10).quantity == 4


def test_a_fraction_for_pieces_is_refused_at_the_line_without_jumping(cart_page, long_cart):
    page = cart_page
    y = scroll_to(page, "#line-8")
    line = page.locator("#line-8")
    quantity = line.locator("input[name=quantity]")
    assert quantity.get_attribute("inputmode") == "numeric"
    assert quantity.get_attribute("step") == "1"
    quantity.fill("1,5")
    line.get_by_role("button", name="Menge ändern").click()
    error = page.locator("#line-8 .error")
    error.wait_for()
    assert error.inner_text() == (
        "Position 8: Bitte eine ganze Zahl eingeben – dieser Artikel wird in Stück bestellt."
    )
    assert page.locator("#line-8 input[name=quantity]").input_value() == "1,5"
    assert page.locator(".error").count() == 1  # at that line only, no banner at the top
    kept_in_place(page, y)
    assert long_cart.lines.get(position=8).quantity == 1


def test_removing_and_picking_keep_the_scroll_position(cart_page, long_cart):
    page = cart_page
    y = scroll_to(page, "#line-11")
    page.locator("#line-11").get_by_role("button", name="Position entfernen").click()
    page.locator("#line-11.removed").wait_for()
    kept_in_place(page, y)
    page.locator("#line-11").get_by_role("button", name="Wiederherstellen").click()
    page.locator("#line-11:not(.removed)").wait_for()
    kept_in_place(page, y)
    assert not long_cart.lines.get(position=11).removed


def test_cancel_asks_first_then_cancels(cart_page, long_cart):
    page = cart_page
    page.get_by_role("button", name="Warenkorb stornieren …").click()
    question = page.locator("#cart-cancel [role=alertdialog]")
    question.wait_for()
    assert "wirklich stornieren?" in question.inner_text()
    page.get_by_role("link", name="Nein, zurück zum Warenkorb").click()
    question.wait_for(state="detached")
    long_cart.refresh_from_db()
    assert long_cart.status == "cart"

    page.get_by_role("button", name="Warenkorb stornieren …").click()
    page.get_by_role("button", name="Ja, Warenkorb stornieren").click()
    page.get_by_text("Dieser Warenkorb wurde storniert.").wait_for()
    long_cart.refresh_from_db()
    assert long_cart.status == "cancelled"
    assert page.get_by_role("button", name="Bestellen").count() == 0


def test_replacing_the_customer_number_asks_first(cart_page, long_cart):
    page = cart_page
    box = page.locator("#customer-number")
    box.get_by_text("Kundennummer ändern").click()
    box.get_by_label("Ihre Kundennummer bei Sonora Hörsysteme GmbH").fill("K-ANDERS")
    box.get_by_role("button", name="Kundennummer übernehmen").click()
    page.get_by_role("button", name="Ja, ersetzen").wait_for()
    assert (
        "Die Kundennummer dieses Warenkorbs „K-F1“ wird durch „K-ANDERS“ ersetzt."
        in page.locator("#customer-number").inner_text()
    )
    long_cart.refresh_from_db()
    assert long_cart.customer_number == "K-F1"
    page.get_by_role("button", name="Ja, ersetzen").click()
    page.locator("#customer-number code", has_text="K-ANDERS").wait_for()
    long_cart.refresh_from_db()
    assert long_cart.customer_number == "K-ANDERS"
