"""A cart line's issue is stored as a code with its values and read as a sentence in the page's
language (issue 15): German on a German page, English on an English one, both in the API."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from orderhub.ordering.models import Order
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

NOT_FOUND_DE = "Artikel nicht im Katalog gefunden. GTIN „123“ ungültig (falsche Länge)."
NOT_FOUND_EN = "Article not found in the catalog. Invalid GTIN “123” (wrong length)."


@pytest.fixture
def cart(practice):
    body = order_body()
    # a typo in the article number and a GTIN of the wrong length
    body["lines"][0].update(partner_article_number="SN-R-M-3-RR", gtin="123", description="")
    order = Order.objects.get(pk=submit(practice, body).json_body["id"])
    assert order.status == "cart"
    return order


def page(company, order, language: str) -> str:
    client = Client()
    client.force_login(company[1])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/warenkorb/{order.pk}/")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_issue_is_stored_as_code_and_values_not_as_text(cart):
    issue = cart.lines.get(position=1).issue
    assert issue["code"] == "article_not_found"
    assert issue["notes"] == [{"kind": "gtin", "value": "123", "reason": "length"}]
    assert "message" not in issue and "message_en" not in issue
    first = issue["candidates"][0]
    assert first["partner_article_number"] == "SN-R-M-3-R"
    assert first["why"][0] == {"code": "number_fits", "percent": first["why"][0]["percent"]}
    assert "reason" not in first and "reason_en" not in first


def test_the_cart_page_says_it_in_the_readers_language(cart, company):
    german, english = page(company, cart, "de"), page(company, cart, "en")
    assert NOT_FOUND_DE in german and NOT_FOUND_EN not in german
    assert NOT_FOUND_EN in english and NOT_FOUND_DE not in english
    assert re.search(r"Artikelnummer passt zu \d+ %", german)
    assert re.search(r"article number fits \d+ %", english)
    assert "passt zu" not in english


def test_the_api_answers_code_values_and_both_sentences(cart, practice):
    detail = practice.get(f"/api/v1/orders/{cart.pk}").json_body
    (issue,) = [i for i in detail["issues"] if i["position"] == 1]
    assert issue["message"] == NOT_FOUND_DE and issue["message_en"] == NOT_FOUND_EN
    candidate = issue["candidates"][0]
    assert candidate["reason"].startswith("Artikelnummer passt zu ")
    assert candidate["reason_en"].startswith("article number fits ")
    assert candidate["why"][0]["code"] == "number_fits"
    line = next(l for l in detail["lines"] if l["position"] == 1)
    assert line["issue"]["message_en"] == NOT_FOUND_EN


def test_an_issue_stored_as_text_before_the_codes_still_reads(cart, company):
    line = cart.lines.get(position=1)
    line.issue = {
        "code": "article_not_found",
        "message": "Alter deutscher Satz.",
        "message_en": "Old English sentence.",
        "candidates": [],
    }
    line.save(update_fields=["issue"])
    assert "Alter deutscher Satz." in page(company, cart, "de")
    assert "Old English sentence." in page(company, cart, "en")
