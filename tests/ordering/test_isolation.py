"""Another company's token or login can neither see, change nor order a cart or order."""

import pytest
from django.test import Client

from orderhub.ordering.models import Order
from tests.conftest import ApiClient
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart_order(practice):
    body = order_body()
    body["lines"][0]["partner_article_number"] = "SN-XXX"
    return Order.objects.get(pk=submit(practice, body).json_body["id"])


def test_other_company_token_cannot_touch_the_order(cart_order, other_company):
    other = ApiClient(other_company[2])
    assert other.get(f"/api/v1/orders/{cart_order.pk}").status_code == 404
    assert other.post(f"/api/v1/orders/{cart_order.pk}/cancel").status_code == 404
    assert other.get("/api/v1/orders").json_body["items"] == []
    document_url = f"/api/v1/orders/{cart_order.pk}/documents/1"
    assert other.get(document_url).status_code == 404
    cart_order.refresh_from_db()
    assert cart_order.status == "cart"


def test_other_company_login_cannot_open_change_or_order_the_cart(cart_order, other_company):
    browser = Client()
    browser.force_login(other_company[1])
    line = cart_order.lines.first()
    base = f"/warenkorb/{cart_order.pk}/"
    assert browser.get(base).status_code == 404
    assert browser.post(base + "bestellen/").status_code == 404
    assert browser.post(base + "kundennummer/", {"customer_number": "X"}).status_code == 404
    assert browser.post(base + f"position/{line.pk}/entfernen/").status_code == 404
    assert browser.get(f"/dashboard/bestellungen/{cart_order.pk}/").status_code == 404
    assert cart_order.number not in browser.get("/dashboard/bestellungen/").content.decode()
    cart_order.refresh_from_db()
    assert cart_order.status == "cart" and not cart_order.lines.filter(removed=True).exists()


def test_logged_out_cart_link_goes_to_login_and_back(cart_order):
    r = Client().get(f"/warenkorb/{cart_order.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/anmelden/?next=/warenkorb/{cart_order.pk}/"
