"""Learned article mappings: a person's choice in a cart identifies the same line next time."""

import pytest

from orderhub.accounts.models import AuditEvent
from orderhub.catalog.models import Article, ArticleMapping
from orderhub.ordering import services
from orderhub.ordering.models import Order

pytestmark = pytest.mark.django_db

LINE = {
    "position": 1,
    "quantity": 2,
    "unit": "C62",
    "partner_article_number": "ALT-4711",
    "description": "Hörer Medium Länge drei rechte Seite",
    "attributes": {"side": "R"},
}


def submit(api, external_id, line=LINE):
    r = api.post(
        "/api/v1/orders",
        {
            "external_order_id": external_id,
            "partner": "sonora",
            "branch_id": "F1",
            "ordered_by": "U1",
            "lines": [line],
        },
        headers={"Idempotency-Key": external_id},
    )
    assert r.status_code == 201, r.json_body
    return r.json_body


def test_a_pick_in_the_cart_identifies_the_same_line_next_time_until_deleted(api, practice, client):
    first = submit(api, "B-1")
    assert first["status"] == "cart"
    order = Order.objects.get(pk=first["id"])
    article = Article.objects.get(partner_article_number="SN-R-M-3-R")
    services.pick_article(order, order.lines.get(), article, actor="Benutzer anna")
    mapping = ArticleMapping.objects.get()
    assert mapping.article == article and mapping.company == order.company
    assert AuditEvent.objects.filter(action="article_mapping.saved").exists()

    again = submit(api, "B-2", {**LINE, "description": "hoerer medium laenge drei rechte seite"})
    assert again["status"] == "queued", again
    detail = api.get(f"/api/v1/orders/{again['id']}").json_body
    line = detail["lines"][0]
    assert line["matched_article"]["matched_by"] == "article_mapping"
    assert line["matched_article"]["partner_article_number"] == "SN-R-M-3-R"
    assert any("gespeicherte Zuordnung" in e["reason"] for e in detail["events"])

    other_side = submit(api, "B-3", {**LINE, "attributes": {"side": "L"}})
    assert other_side["status"] == "cart", "another side is another line"

    from orderhub.catalog import mappings

    mappings.forget(mapping, "Benutzer anna")
    assert submit(api, "B-4")["status"] == "cart"


def test_a_discontinued_article_is_not_taken_from_a_mapping(api, practice):
    first = submit(api, "B-1")
    order = Order.objects.get(pk=first["id"])
    article = Article.objects.get(partner_article_number="SN-R-M-3-R")
    services.pick_article(order, order.lines.get(), article, actor="Benutzer anna")
    article.status = Article.Status.DISCONTINUED
    article.save()
    assert submit(api, "B-2")["status"] == "cart"


def test_straight_through_rate_and_reasons(api, practice):
    from orderhub.ordering.selectors import straight_through
    from orderhub.web import metrics

    submit(api, "B-1")
    submit(api, "B-2", {**LINE, "partner_article_number": "SN-R-M-3-R"})
    company = Order.objects.first().company
    flow = straight_through(company)
    assert (
        flow["orders"] == 2
        and flow["without_cart"] == 1
        and flow["reasons"] == {"article_not_found": 1}
    )
    text = metrics.render()
    assert 'orderhub_orders_last_day{path="straight_through"} 1' in text
    assert 'orderhub_cart_reasons_last_day{reason="article_not_found"} 1' in text
