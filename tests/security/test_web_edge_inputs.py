"""Hostile values through the web forms (cart, supplier portal, dashboard): never a 500, no
open redirect. The API gets the same treatment in test_api_edge_inputs.py."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NUL = "\x00"


@pytest.mark.parametrize(
    "quantity",
    [
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "1e999999",
        "1" * 40,
        "0.0001",
        "-1",
        "0",
        "abc",
        "",
        "1,5",
        f"1{NUL}",
    ],
)
def test_cart_quantity_never_crashes(world, quantity):
    cart = world.a.orders["cart"]
    line = cart.lines.order_by("position").first()
    before = line.quantity
    r = world.a.browser.post(
        f"/warenkorb/{cart.pk}/position/{line.pk}/menge/", {"quantity": quantity}
    )
    assert r.status_code in (200, 302, 400), (quantity, r.status_code)
    line.refresh_from_db()
    if quantity not in ("0.0001", "1,5"):
        assert line.quantity == before, f"{quantity!r} was stored as {line.quantity}"


@pytest.mark.parametrize("value", [f"K{NUL}1", "K" * 1000, "<script>alert(1)</script>", ""])
def test_cart_customer_number_never_crashes(world, value):
    cart = world.a.orders["cart"]
    r = world.a.browser.post(
        f"/warenkorb/{cart.pk}/kundennummer/",
        {"customer_number": value, "save": "1", "scope": "branch"},
    )
    assert r.status_code in (200, 302, 400), r.status_code
    page = world.a.browser.get(f"/warenkorb/{cart.pk}/")
    assert page.status_code == 200
    assert b"<script>alert(1)</script>" not in page.content


@pytest.mark.parametrize("article_id", ["", "abc", "-1", "9" * 30, f"1{NUL}"])
def test_cart_pick_with_bad_article_ids_never_crashes(world, article_id):
    cart = world.a.orders["cart"]
    line = cart.lines.order_by("position").first()
    r = world.a.browser.post(
        f"/warenkorb/{cart.pk}/position/{line.pk}/waehlen/", {"article_id": article_id}
    )
    assert r.status_code in (302, 400, 404), r.status_code


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "ship", "tracking_numbers": f"T-1,T{NUL}2", "carrier": "DHL"},
        {"action": "ship", "tracking_numbers": ",".join(["T" * 300] * 50), "carrier": "C" * 5000},
        {"action": "confirm", "delivery_date": "0001-01-01"},
        {"action": "confirm", "delivery_date": "9999-12-31"},
        {"action": "confirm", "delivery_date": "2026-02-30"},
        {"action": "confirm", "delivery_date": f"2026-05-01{NUL}"},
        {"action": "reject", "delivery_date": "x" * 100},
        {"action": f"ship{NUL}"},
        {},
    ],
    ids=[
        "nul-tracking",
        "huge-tracking",
        "year-1",
        "year-9999",
        "feb-30",
        "nul-date",
        "garbage-date",
        "nul-action",
        "no-action",
    ],
)
def test_supplier_answer_form_never_crashes(world, fields):
    supplier = Client()
    supplier.force_login(world.supplier_logins["sonora"])
    sent = world.a.orders["sent"]
    r = supplier.post(f"/lieferant/bestellungen/{sent.number}/antwort/", fields)
    assert r.status_code in (200, 302, 400), r.status_code
    assert supplier.get(f"/lieferant/bestellungen/{sent.number}/").status_code == 200
    assert world.a.browser.get(f"/dashboard/bestellungen/{sent.pk}/").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "seite=abc",
        "seite=-1",
        "seite=" + "9" * 30,
        f"seite={quote(NUL)}",
        "status=" + quote(NUL),
        "q=" + "%25" * 300,
        "inaktiv=" + quote(NUL),
    ],
    ids=[
        "page-abc",
        "page-negative",
        "page-huge",
        "page-nul",
        "status-nul",
        "q-percent",
        "inaktiv-nul",
    ],
)
def test_dashboard_lists_with_odd_query_strings(world, query):
    failures = []
    for page in (
        "/dashboard/filialen/",
        "/dashboard/benutzer/",
        "/dashboard/protokoll/",
        "/dashboard/bestellungen/",
        "/dashboard/bestellungen/export.csv",
        "/lieferant/",
    ):
        client = world.a.browser
        if page == "/lieferant/":
            client = Client()
            client.force_login(world.supplier_logins["sonora"])
        client.raise_request_exception = False  # collect every 500, not just the first
        r = client.get(f"{page}?{query}")
        if r.status_code >= 500:
            failures.append(f"{page}?{query} -> {r.status_code}")
    assert failures == [], failures


@pytest.mark.parametrize("resolution", ["", "bogus", f"take_source{NUL}"])
def test_conflict_resolution_with_bad_values(world, resolution):
    r = world.a.browser.post(
        f"/dashboard/konflikte/{world.a.conflict.pk}/loesen/", {"resolution": resolution}
    )
    assert r.status_code == 400
    world.a.conflict.refresh_from_db()
    assert world.a.conflict.resolved_at is None


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_no_open_redirect_after_resolving_a_conflict(world, target):
    """``next`` comes from the form; only same-site paths may be followed."""
    r = world.a.browser.post(
        f"/dashboard/konflikte/{world.a.conflict.pk}/loesen/",
        {"resolution": "keep_dashboard", "next": target},
    )
    assert r.status_code in (302, 400), r.status_code
    if r.status_code == 302:
        location = r["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize(
    "target", ["https://evil.example/phish", "//evil.example/phish", "/\\evil.example"]
)
def test_no_open_redirect_after_login_or_language_switch(world, target):
    from tests.security.conftest import PASSWORD

    user = world.b.user
    user.set_password(PASSWORD)
    user.save()
    r = Client().post(
        f"/anmelden/?next={quote(target)}", {"username": user.username, "password": PASSWORD}
    )
    assert r.status_code == 302 and not r["Location"].startswith(("http", "//", "/\\")), r[
        "Location"
    ]
    r = Client().post("/i18n/setlang/", {"language": "en", "next": target})
    assert r.status_code in (200, 302, 204)
    if r.status_code == 302:
        assert not r["Location"].startswith(("http", "//", "/\\")), r["Location"]
