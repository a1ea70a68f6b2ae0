"""Inputs that fuzzing found or that break databases differently: never a 5xx, always problem+json.

PostgreSQL refuses NUL characters in text and time-zone offsets beyond ±15:59, SQLite accepts
both; the API must not crash on either (a 4xx naming the field, or success — refusing NUL with a
422 is what a fix would naturally do, storing it is what SQLite does today).
"""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest
from django.test import Client

from tests.ordering.conftest import order_body, submit
from tests.security.conftest import snapshot_for

pytestmark = pytest.mark.django_db

NUL = "\x00"


def _assert_handled(r, *, allowed=(200, 201, 202, 400, 404, 409, 422)):
    assert r.status_code < 500, f"{r.status_code}: {r.content[:400]!r}"
    assert r.status_code in allowed, f"{r.status_code}: {r.content[:400]!r}"
    if r.status_code >= 400:
        assert r["Content-Type"].startswith("application/problem+json"), r["Content-Type"]
        assert r.json_body["status"] == r.status_code


def _with_nul(path: str):
    """Mutators putting a NUL into one string field of a JSON payload."""

    def mutate(body):
        target = body
        *parents, last = path
        for key in parents:
            target = target[key]
        target[last] = f"vor{NUL}nach"
        return body

    return mutate


MASTERDATA_NUL = [
    ("company", "name"),
    ("branches", 0, "name"),
    ("branches", 0, "id"),
    ("users", 0, "name"),
    ("users", 0, "email"),
    ("customer_numbers", 0, "customer_number"),
    ("customer_numbers", 0, "partner"),
]


@pytest.mark.parametrize("path", MASTERDATA_NUL, ids=lambda p: ".".join(map(str, p)))
def test_nul_in_masterdata_is_refused_not_a_crash(tenant, path):
    body = _with_nul(path)(snapshot_for("Nul", sonora_number="K-NUL"))
    _assert_handled(tenant.api.put("/api/v1/masterdata", body), allowed=(200, 422))


@pytest.mark.parametrize(
    "path",
    [("company", "name"), ("branches", 0, "name"), ("users", 0, "name")],
    ids=lambda p: ".".join(map(str, p)),
)
def test_nul_in_registration_is_refused_not_a_crash(anon_api, partners, path):
    body = _with_nul(path)(snapshot_for("Nul", sonora_number="K-NUL"))
    _assert_handled(anon_api.post("/api/v1/registrations", body), allowed=(201, 422))


ORDER_NUL = [
    ("external_order_id",),
    ("reference",),
    ("note",),
    ("customer_number",),
    ("branch_id",),
    ("lines", 0, "description"),
    ("lines", 0, "partner_article_number"),
    ("lines", 0, "gtin"),
    ("lines", 0, "unit"),
    ("lines", 0, "attributes", "side"),
]


@pytest.mark.parametrize("path", ORDER_NUL, ids=lambda p: ".".join(map(str, p)))
def test_nul_in_order_is_refused_not_a_crash(tenant, path):
    body = _with_nul(path)(order_body("EXT-NUL"))
    _assert_handled(submit(tenant.api, body, key="nul-key"), allowed=(201, 422))


@pytest.mark.parametrize(
    "query",
    [
        f"partner=sonora&q={quote('SN' + NUL)}",
        f"partner={quote('sonora' + NUL)}&q=Dome",
    ],
    ids=["q", "partner"],
)
def test_nul_in_catalog_search_is_not_a_crash(tenant, query):
    _assert_handled(tenant.api.get(f"/api/v1/catalog/search?{query}"), allowed=(200, 422))


@pytest.mark.parametrize(
    "query",
    [
        f"status={quote('cart' + NUL)}",
        "cursor="
        + quote(base64.urlsafe_b64encode(f"2026-01-01T00:00:00+00:00|abc{NUL}".encode()).decode()),
        "cursor="
        + quote(base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|not-a-uuid").decode()),
        "cursor=" + quote(base64.urlsafe_b64encode(b"0001-01-01T00:00:00-01:00|x").decode()),
        "cursor=%FF%FE",
        "updated_since=" + quote("0202-04-27T04:54:11.9+18:20"),
        "updated_since=" + quote("2026-01-01T00:00:00+23:59"),
        "updated_since=" + quote("0001-01-01T00:00:00+01:00"),
        "updated_since=" + quote("9999-12-31T23:59:59-01:00"),
        "updated_since=" + quote("2026-01-01"),
        "limit=0",
        "limit=-1",
        "limit=99999999999999999999999",
    ],
    ids=[
        "status-nul",
        "cursor-nul",
        "cursor-not-uuid",
        "cursor-year-1",
        "cursor-garbage",
        "tz-18h20",
        "tz-23h59",
        "year-1",
        "year-9999",
        "date-only",
        "limit-0",
        "limit-negative",
        "limit-huge",
    ],
)
def test_order_list_filters_never_crash(tenant, query):
    submit(
        tenant.api, order_body("EXT-LIST"), key="list"
    )  # one order, so the filters have rows to work on
    _assert_handled(tenant.api.get(f"/api/v1/orders?{query}"), allowed=(200, 422))


@pytest.mark.parametrize(
    "order_id",
    [
        f"{NUL}",
        "%00",
        "..%252F..%252Fetc%252Fpasswd",
        "00000000-0000-0000-0000-000000000000",
        "' OR 1=1 --",
        "x" * 5000,
    ],
)
def test_odd_order_ids_are_404(tenant, order_id):
    _assert_handled(tenant.api.get(f"/api/v1/orders/{quote(order_id, safe='%')}"), allowed=(404,))


def test_nul_in_idempotency_key_is_not_a_crash(tenant):
    r = submit(tenant.api, order_body("EXT-NUL-KEY"), key=f"key{NUL}x")
    _assert_handled(r, allowed=(201, 400, 422))


def test_nul_in_registration_poll_token_is_not_a_crash(anon_api, partners):
    started = anon_api.post("/api/v1/registrations", snapshot_for("Poll", sonora_number="K-P"))
    assert started.status_code == 201, started.json_body
    r = anon_api.post(
        f"/api/v1/registrations/{started.json_body['registration_id']}/token",
        {"poll_token": f"a{NUL}b"},
    )
    _assert_handled(r, allowed=(400, 403, 404, 410, 422))


def test_dashboard_forms_with_nul_are_not_a_crash(tenant):
    """The same NUL through the dashboard's forms and search boxes: never a 500."""
    from orderhub.masterdata.models import Branch

    branch = Branch.objects.get(company=tenant.company, external_id="F1")
    tenant.browser.raise_request_exception = False  # collect every 500, not just the first
    r = tenant.browser.post(
        f"/dashboard/filialen/{branch.pk}/",
        {"name": f"X{NUL}Y", "street": "", "postal_code": "", "city": "", "country": "DE"},
    )
    assert r.status_code < 500
    failures = [f"POST branch edit -> {r.status_code}"] if r.status_code >= 500 else []
    for method, url, data in [
        ("get", f"/dashboard/benutzer/?q={quote(NUL)}", None),
        (
            "get",
            f"/dashboard/bestellungen/?q={quote(NUL)}&partner={quote(NUL)}&status={quote(NUL)}",
            None,
        ),
        ("post", "/dashboard/tokens/", {"name": f"T{NUL}"}),
        ("post", "/dashboard/kundennummern/", {"partner": "1", "number": f"K{NUL}"}),
        ("post", "/anmelden/", {"username": f"a{NUL}", "password": f"b{NUL}"}),
    ]:
        client = tenant.browser if "anmelden" not in url else Client(raise_request_exception=False)
        r = getattr(client, method)(url, data or {})
        if r.status_code >= 500:
            failures.append(f"{method.upper()} {url!r} -> {r.status_code}")
    assert failures == [], failures


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/does-not-exist"),
        ("get", "/api/v1/orders/"),  # trailing slash
        ("delete", "/api/v1/orders"),
        ("put", "/api/v1/partners"),
    ],
)
def test_unrouted_api_requests_answer_problem_json(tenant, method, path):
    """SPEC §4: every API error is application/problem+json — also 404 for unknown paths and 405."""
    r = getattr(tenant.api.client, method)(
        path, headers={"Authorization": f"Bearer {tenant.token}"}
    )
    assert r.status_code in (404, 405)
    assert r["Content-Type"].startswith("application/problem+json"), (
        r["Content-Type"],
        r.content[:80],
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nesting bomb: RecursionError in json.loads
        b'{"company": ' * 50_000 + b"{}" + b"}" * 50_000,
        b'{"company": {"name": "x"}, "branches": [], "x": '
        + b"9" * 5000
        + b"}",  # int beyond str-digits limit
        b'{"company": {"name": "x"}, "branches": [], "users": [{"id": "U1", "name": "a", "is_admin": 1e999999}]}',
        b"\xff\xfe{\x00}\x00",  # UTF-16 with BOM
        b'{"company": {"name": "\\ud800"}, "branches": []}',  # lone surrogate escape
        b"",
        b"null",
        b'"string"',
        b"[]",
    ],
    ids=[
        "array-nesting",
        "object-nesting",
        "huge-int",
        "huge-float",
        "utf16",
        "lone-surrogate",
        "empty",
        "null",
        "string",
        "array",
    ],
)
def test_malformed_json_bodies_are_4xx(tenant, raw):
    r = tenant.api.put("/api/v1/masterdata", raw=raw)
    _assert_handled(r, allowed=(200, 400, 413, 422))
    r = tenant.api.post("/api/v1/orders", raw=raw, headers={"Idempotency-Key": "malformed"})
    _assert_handled(r, allowed=(400, 413, 422))
