"""Cart actions through the test client, as htmx (HX-Request: the changed fragment) and as plain
POSTs (redirect to the line's anchor, the refused value and its sentence shown at that line)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from orderhub.accounts import audit
from orderhub.accounts.models import Account, Role
from orderhub.catalog.models import Article
from orderhub.masterdata.models import CustomerNumber, Employee
from orderhub.ordering import units
from orderhub.ordering.models import Order, OrderEvent
from orderhub.ordering.reasons import event_reason
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def cart(practice):
    """A Sonora cart: line 1 an unknown article (pieces), line 2 identified, line 3 unknown in metres."""
    body = order_body()
    body["lines"][0]["partner_article_number"] = "SN-XXX"
    body["lines"].append(
        {"position": 3, "quantity": 1.5, "unit": "MTR", "partner_article_number": "SN-SCHLAUCH"}
    )
    order = Order.objects.get(pk=submit(practice, body).json_body["id"])
    assert order.status == "cart"
    return order


@pytest.fixture
def browser(company):
    client = Client()
    client.force_login(company[1])
    return client


def login(company, role) -> Client:
    user = get_user_model().objects.create_user(username=f"{role}-login", password="x-Geheim-1!")
    employee = Employee.objects.filter(company=company).first()
    Account.objects.create(user=user, company=company, role=role, employee=employee)
    client = Client()
    client.force_login(user)
    return client


def line(order, position):
    return order.lines.get(position=position)


def url(order, position, action):
    return f"/warenkorb/{order.pk}/position/{line(order, position).pk}/{action}/"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the unit rule ---------------------------------------------------------------------------------


def test_piece_type_units_are_counted_whole():
    for unit in ("C62", "PR", "SET", "PK", "pk", " C62 "):
        assert units.counts_whole(unit), unit
    for unit in ("MTR", "LTR", "KGM", "", None):
        assert not units.counts_whole(unit), unit


def test_the_identified_articles_order_unit_decides(cart):
    l3 = line(cart, 3)
    assert units.line_unit(l3) == "MTR"
    l3.article = Article.objects.filter(partner=cart.partner).first()
    l3.article.order_unit = "PK"
    assert units.line_unit(l3) == "PK"


# --- quantity ----------------------------------------------------------------------------------------


def test_the_quantity_input_follows_the_unit(cart, browser):
    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    line1 = page.split('id="line-1"')[1].split("</section>")[0]
    line3 = page.split('id="line-3"')[1].split("</section>")[0]
    assert 'inputmode="numeric" step="1"' in line1
    assert 'inputmode="decimal"' in line3 and 'step="1"' not in line3


def test_htmx_quantity_answers_with_the_line_and_the_footer(cart, browser):
    r = browser.post(url(cart, 3, "menge"), {"quantity": "2,25"}, headers=HX)
    assert r.status_code == 200
    body = text(r)
    assert body.startswith('<section class="card line" id="line-3"')
    assert 'id="cart-footer" hx-swap-oob="true"' in body
    assert "<html" not in body
    assert line(cart, 3).quantity == Decimal("2.25")
    event = OrderEvent.objects.filter(order=cart).latest("at")
    assert event_reason(event) == "Position 3: Menge 2.25"


def test_a_piece_unit_refuses_a_fraction_at_the_line_htmx(cart, browser):
    r = browser.post(url(cart, 1, "menge"), {"quantity": "1,5"}, headers=HX)
    assert r.status_code == 200
    body = text(r)
    assert (
        "Position 1: Bitte eine ganze Zahl eingeben – dieser Artikel wird in Stück bestellt."
        in body
    )
    assert 'value="1,5"' in body and 'aria-invalid="true"' in body  # what was typed stays
    assert "quantity:" not in body
    assert line(cart, 1).quantity == Decimal("2")


def test_a_piece_unit_refuses_a_fraction_plain_post(cart, browser):
    r = browser.post(url(cart, 1, "menge"), {"quantity": "1.5"})
    assert r.status_code == 302
    assert r["Location"] == f"/warenkorb/{cart.pk}/#line-1"
    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    line1 = page.split('id="line-1"')[1].split("</section>")[0]
    assert "Bitte eine ganze Zahl eingeben – dieser Artikel wird in Stück bestellt." in line1
    assert 'value="1.5"' in line1
    # Shown once: the next visit shows the stored quantity again.
    again = text(browser.get(f"/warenkorb/{cart.pk}/"))
    assert "Bitte eine ganze Zahl" not in again
    assert line(cart, 1).quantity == Decimal("2")


def test_a_whole_number_for_a_piece_unit_is_taken_plain(cart, browser):
    r = browser.post(url(cart, 1, "menge"), {"quantity": "3"})
    assert r.status_code == 302 and r["Location"].endswith("#line-1")
    assert line(cart, 1).quantity == Decimal("3")


@pytest.mark.parametrize("value", ["0", "-1", "abc", "", "100001", "0.0001", "NaN"])
def test_bad_quantities_are_a_german_sentence_naming_the_position(cart, browser, value):
    r = browser.post(url(cart, 3, "menge"), {"quantity": value}, headers=HX)
    body = text(r)
    assert (
        "Position 3: Bitte eine Menge größer als 0 und höchstens 100.000 eingeben "
        "(höchstens 3 Nachkommastellen)." in body
    )
    assert "at most 100000" not in body
    assert line(cart, 3).quantity == Decimal("1.5")


def test_errors_are_rendered_in_the_chosen_language(cart, browser):
    browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    r = browser.post(url(cart, 1, "menge"), {"quantity": "1,5"}, headers=HX)
    assert "Line 1: please enter a whole number – this article is ordered in pieces." in text(r)


def test_a_fraction_sent_by_the_practice_software_blocks_ordering_until_fixed(cart, browser):
    l2 = line(cart, 2)  # identified, ordered in pieces
    assert l2.article is not None and units.counts_whole(l2.article.order_unit)
    l2.quantity = Decimal("1.5")
    l2.save(update_fields=["quantity"])
    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    assert "Position 2: Bitte eine ganze Zahl als Menge eingeben." in page


# --- pick, remove ------------------------------------------------------------------------------------


def test_pick_htmx_answers_with_the_line(cart, browser):
    article = Article.objects.filter(partner=cart.partner, order_unit="C62").first()
    r = browser.post(url(cart, 1, "waehlen"), {"article_id": article.pk}, headers=HX)
    body = text(r)
    assert body.startswith('<section class="card line" id="line-1"')
    assert article.partner_article_number in body and 'class="ok"' in body
    assert line(cart, 1).article == article


def test_pick_without_an_article_is_a_sentence_at_the_line(cart, browser):
    r = browser.post(url(cart, 1, "waehlen"), {"article_id": ""}, headers=HX)
    assert "Position 1: Bitte einen Artikel auswählen." in text(r)
    r = browser.post(url(cart, 1, "waehlen"), {"article_id": ""})
    assert r.status_code == 302 and r["Location"].endswith("#line-1")


def test_remove_and_restore_htmx_and_plain(cart, browser):
    r = browser.post(url(cart, 3, "entfernen"), headers=HX)
    assert 'class="card line removed"' in text(r) and line(cart, 3).removed
    r = browser.post(url(cart, 3, "entfernen"), {"restore": "1"})
    assert r.status_code == 302 and r["Location"].endswith("#line-3")
    assert not line(cart, 3).removed


def test_search_htmx_is_a_fragment_and_plain_is_a_page(cart, browser):
    r = browser.get(url(cart, 1, "suche") + "?q=Dome", headers=HX)
    assert "<html" not in text(r) and 'hx-post="' in text(r)
    r = browser.get(url(cart, 1, "suche") + "?q=Dome")
    page = text(r)
    assert "<html" in page and "Zurück zum Warenkorb" in page
    assert 'hx-post="' not in page.split("<main>")[1]  # plain forms, redirecting back to the line


# --- a closed cart -----------------------------------------------------------------------------------


def test_an_expired_cart_says_so_in_german(cart, browser):
    from django.utils import timezone

    Order.objects.filter(pk=cart.pk).update(cart_expires_at=timezone.now())
    r = browser.post(url(cart, 3, "menge"), {"quantity": "2"}, headers=HX)
    body = text(r)
    assert "Dieser Warenkorb ist abgelaufen und kann nicht mehr geändert werden." in body
    assert "abgelaufen and" not in body and "can no longer" not in body
    assert 'name="quantity"' not in body  # no form any more
    cart.refresh_from_db()
    assert cart.status == "expired"
    r = browser.post(url(cart, 3, "menge"), {"quantity": "2"})
    assert r.status_code == 302
    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    assert "Dieser Warenkorb ist abgelaufen." in page
    browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    r = browser.post(url(cart, 3, "menge"), {"quantity": "2"}, headers=HX)
    assert "This cart has expired and can no longer be changed." in text(r)


def test_reading_a_cart_past_its_hours_shows_it_expired_and_writes_nothing(cart, browser, practice):
    """GET pages and the API show a due cart as expired; only the periodic job (or a write to the
    cart) records the expiry with its timeline entry."""
    from django.utils import timezone

    from orderhub.ordering.services import expire_due_carts

    Order.objects.filter(pk=cart.pk).update(cart_expires_at=timezone.now())
    events = OrderEvent.objects.filter(order=cart).count()

    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    assert "Dieser Warenkorb ist abgelaufen" in page and 'name="quantity"' not in page
    assert practice.get(f"/api/v1/orders/{cart.pk}").json_body["status"] == "expired"
    listed = practice.get("/api/v1/orders?status=expired").json_body
    assert [o["id"] for o in listed["items"]] == [str(cart.pk)]
    assert practice.get("/api/v1/orders?status=cart").json_body["items"] == []
    assert "abgelaufen" in text(browser.get("/dashboard/bestellungen/?status=expired"))

    cart.refresh_from_db()
    assert cart.status == "cart" and OrderEvent.objects.filter(order=cart).count() == events

    assert expire_due_carts() == 1
    cart.refresh_from_db()
    assert cart.status == "expired"
    assert OrderEvent.objects.filter(order=cart).count() == events + 1


# --- cancel ------------------------------------------------------------------------------------------


def test_cancel_asks_first_then_cancels_and_names_the_person(cart, browser, company):
    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    assert "Warenkorb stornieren …" in page
    r = browser.get(f"/warenkorb/{cart.pk}/stornieren/")
    assert r.status_code == 200 and "wirklich stornieren?" in text(r) and "<html" in text(r)
    r = browser.get(f"/warenkorb/{cart.pk}/stornieren/", headers=HX)
    assert "<html" not in text(r) and 'name="confirm" value="1"' in text(r)
    assert browser.get(f"/warenkorb/{cart.pk}/stornieren/?zurueck=1", headers=HX).content == b""
    # A POST without the confirmation only asks.
    r = browser.post(f"/warenkorb/{cart.pk}/stornieren/")
    assert r.status_code == 200 and "wirklich stornieren?" in text(r)
    cart.refresh_from_db()
    assert cart.status == "cart"

    r = browser.post(f"/warenkorb/{cart.pk}/stornieren/", {"confirm": "1"})
    assert r.status_code == 302 and r["Location"] == f"/warenkorb/{cart.pk}/"
    cart.refresh_from_db()
    assert cart.status == "cancelled"
    event = OrderEvent.objects.filter(order=cart, to_status="cancelled").get()
    assert event_reason(event) == "im Warenkorb storniert"
    assert event.actor == audit.actor_for_user(company[1])
    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    assert "Dieser Warenkorb wurde storniert." in page and "Warenkorb stornieren …" not in page
    # Again: nothing happens, a German sentence says why.
    r = browser.post(f"/warenkorb/{cart.pk}/stornieren/", {"confirm": "1"}, follow=True)
    assert "Dieser Warenkorb wurde storniert und kann nicht mehr geändert werden." in text(r)


def test_read_only_sees_no_cart_buttons_and_gets_403(cart, company):
    viewer = login(company[0], Role.READ_ONLY)
    page = text(viewer.get(f"/warenkorb/{cart.pk}/"))
    for button in ("Menge ändern", "Position entfernen", "Warenkorb stornieren", "Bestellen<"):
        assert button not in page, button
    assert viewer.get(f"/warenkorb/{cart.pk}/stornieren/").status_code == 403
    assert viewer.post(f"/warenkorb/{cart.pk}/stornieren/", {"confirm": "1"}).status_code == 403
    assert viewer.post(url(cart, 1, "menge"), {"quantity": "5"}, headers=HX).status_code == 403
    cart.refresh_from_db()
    assert cart.status == "cart" and line(cart, 1).quantity == Decimal("2")


# --- customer number in the cart ---------------------------------------------------------------------


@pytest.fixture
def numberless_cart(cart):
    CustomerNumber.objects.filter(partner=cart.partner).delete()
    Order.objects.filter(pk=cart.pk).update(customer_number="")
    cart.refresh_from_db()
    return cart


def test_customer_number_htmx_answers_with_the_box(numberless_cart, browser):
    cart = numberless_cart
    r = browser.post(
        f"/warenkorb/{cart.pk}/kundennummer/",
        {"customer_number": "K-NEU", "save": "1", "scope": "company"},
        headers=HX,
    )
    body = text(r)
    assert body.startswith('<section class="card" id="customer-number">')
    assert "<code>K-NEU</code>" in body and 'hx-swap-oob="true"' in body
    cart.refresh_from_db()
    assert cart.customer_number == "K-NEU"
    assert CustomerNumber.objects.get(partner=cart.partner, branch=None).number == "K-NEU"


def test_customer_number_errors_are_sentences_in_the_box(numberless_cart, browser):
    cart = numberless_cart
    r = browser.post(f"/warenkorb/{cart.pk}/kundennummer/", {"customer_number": " "}, headers=HX)
    body = text(r)
    assert "Bitte eine Kundennummer mit 1 bis 64 Zeichen eingeben" in body
    assert "customer_number:" not in body
    r = browser.post(f"/warenkorb/{cart.pk}/kundennummer/", {"customer_number": "K" * 65})
    assert r["Location"] == f"/warenkorb/{cart.pk}/#customer-number"
    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    box = page.split('id="customer-number"')[1].split("</section>")[0]
    assert "Bitte eine Kundennummer mit 1 bis 64 Zeichen eingeben" in box


def test_replacing_the_carts_number_asks_first_naming_old_and_new(cart, browser):
    assert cart.customer_number == "K-F1"
    data = {"customer_number": "K-ANDERS", "save": "1", "scope": "branch"}
    r = browser.post(f"/warenkorb/{cart.pk}/kundennummer/", data, headers=HX)
    body = text(r)
    assert "Die Kundennummer dieses Warenkorbs „K-F1“ wird durch „K-ANDERS“ ersetzt." in body
    assert "In den Stammdaten wird die Kundennummer „K-F1“ (für Filiale Filiale 1)" in body
    cart.refresh_from_db()
    assert cart.customer_number == "K-F1"  # nothing changed yet
    # Plain POST: a confirmation page.
    r = browser.post(f"/warenkorb/{cart.pk}/kundennummer/", data)
    assert r.status_code == 200 and "Ja, ersetzen" in text(r)
    assert browser.get(f"/warenkorb/{cart.pk}/kundennummer/", headers=HX).status_code == 200
    r = browser.post(f"/warenkorb/{cart.pk}/kundennummer/", {**data, "confirm": "1"})
    assert r.status_code == 302
    cart.refresh_from_db()
    assert cart.customer_number == "K-ANDERS"
    assert CustomerNumber.objects.get(partner=cart.partner, branch=cart.branch).number == "K-ANDERS"
    event = OrderEvent.objects.filter(order=cart).latest("at")
    assert event_reason(event).startswith("Kundennummer K-F1 durch K-ANDERS ersetzt")


def test_the_same_number_again_needs_no_confirmation(cart, browser):
    r = browser.post(
        f"/warenkorb/{cart.pk}/kundennummer/",
        {"customer_number": "K-F1", "save": "1", "scope": "branch"},
        headers=HX,
    )
    assert "ersetzen?" not in text(r)
