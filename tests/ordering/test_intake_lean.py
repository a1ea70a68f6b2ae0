"""The lean intake path: checked tokens kept briefly with prompt revocation, reads before writes,
one statement per table, answers built without reading back (SPEC §3.6, §4)."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.cache.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orderhub.accounts.models import ApiToken, Company
from orderhub.ordering.models import IdempotencyKey, Order, OrderEvent, OrderLine
from tests.conftest import ApiClient
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_token_cache():
    caches["tokens"].clear()
    yield
    caches["tokens"].clear()


def _works(practice) -> bool:
    r = practice.get("/api/v1/orders")
    assert r.status_code in (200, 401), r.status_code
    return r.status_code == 200


# --- the token cache ----------------------------------------------------------------------------------


def test_revoked_token_is_refused_at_once_in_this_process(practice, company):
    assert _works(practice) and _works(practice)  # the second answer came from the cache
    ApiToken.objects.get(company=company[0]).revoke()
    assert not _works(practice)
    r = submit(practice, order_body())
    assert r.status_code == 401 and Order.objects.count() == 0


def test_deactivated_company_is_refused_at_once(practice, company):
    assert _works(practice)
    c = Company.objects.get(pk=company[0].pk)
    c.is_active = False
    c.save()
    assert not _works(practice)


def test_revocation_is_forgotten_again_when_it_commits(
    practice, company, django_capture_on_commit_callbacks
):
    """A request may read the token between the revoking save and its commit, while the row is
    still valid; forgetting it again at commit drops that read."""
    assert _works(practice)
    with django_capture_on_commit_callbacks() as callbacks:
        ApiToken.objects.get(company=company[0]).revoke()
    assert callbacks
    ApiToken.objects.filter(company=company[0]).update(revoked_at=None)
    assert _works(practice)  # read while "not yet committed", kept again
    ApiToken.objects.filter(company=company[0]).update(revoked_at=timezone.now())
    for callback in callbacks:
        callback()
    assert not _works(practice)


def test_revocation_another_process_makes_is_obeyed_within_the_cache_timeout(
    practice, company, monkeypatch
):
    timeout = caches["tokens"].default_timeout
    assert 0 < timeout <= 5
    assert _works(practice)
    # Another process revokes (or QuerySet.update() bypasses the signals): this cache is untouched.
    ApiToken.objects.filter(company=company[0]).update(revoked_at=timezone.now())
    assert _works(practice)  # still kept …
    later = locmem.time.time() + timeout + 0.01
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    assert not _works(practice)  # … but not longer than the timeout


def test_unknown_tokens_are_never_kept(practice, company):
    caches["tokens"].clear()  # the fixtures' own requests
    assert ApiClient("ohc_unknown").get("/api/v1/orders").status_code == 401
    assert not caches["tokens"]._cache  # type: ignore[attr-defined]
    assert _works(practice)
    assert len(caches["tokens"]._cache) == 1  # type: ignore[attr-defined]


def test_request_changes_do_not_leak_into_the_cache(practice, company, monkeypatch):
    from orderhub import authentication

    seen = []
    original = authentication.reject_nul

    def spy(request):
        seen.append(request)
        original(request)

    monkeypatch.setattr(authentication, "reject_nul", spy)
    assert _works(practice)
    assert _works(practice)
    seen[-1].company.name = "geändert"
    assert _works(practice)
    assert seen[-1].company.name != "geändert"


# --- statements ---------------------------------------------------------------------------------------


def _statements(ctx):
    return [q["sql"].split(None, 1)[0].upper() for q in ctx.captured_queries]


def test_a_complete_order_reads_first_then_writes_one_statement_per_table(practice):
    submit(practice, order_body("B-0"), key="warm")  # token kept
    with CaptureQueriesContext(connection) as ctx:
        r = submit(practice, order_body())
    assert r.status_code == 201 and r.json_body["status"] == "queued"
    kinds = [k for k in _statements(ctx) if k not in ("BEGIN", "SAVEPOINT", "RELEASE")]
    # one read of key/partner/branch/user/customer numbers, the identification's own, then
    # order, lines, event, idempotency key (one round trip on PostgreSQL), delivery (the outbox row
    # is the delivery job)
    assert kinds.count("SELECT") <= 3, ctx.captured_queries
    tables = [
        part.split()[0].strip('"')
        for q in ctx.captured_queries
        for part in q["sql"].split("INSERT INTO ")[1:]
    ]
    assert sorted(tables) == sorted(
        [
            "ordering_order",
            "ordering_orderline",
            "ordering_orderevent",
            "ordering_idempotencykey",
            "delivery_delivery",
        ]
    ), tables
    assert kinds.count("INSERT") == (2 if connection.vendor == "postgresql" else 5), (
        ctx.captured_queries
    )
    assert "UPDATE" not in kinds
    first_insert = kinds.index("INSERT")
    assert "SELECT" not in kinds[first_insert:], "reads inside the write transaction"


def test_replay_is_one_read(practice):
    first = submit(practice, order_body())
    with CaptureQueriesContext(connection) as ctx:
        again = submit(practice, order_body())
    assert again.json_body == first.json_body
    assert _statements(ctx) == ["SELECT"]


def test_cart_answer_is_what_the_order_shows_later(practice, company):
    from orderhub.masterdata.models import CustomerNumber

    CustomerNumber.objects.filter(company=company[0]).update(is_active=False)
    body = order_body()
    body["lines"] = [
        {"position": 7, "quantity": 1, "partner_article_number": "SN-GIBTS-NICHT-1"},
        {"position": 2, "quantity": 1, "partner_article_number": "SN-D-OPEN-M"},
        {"position": 3, "quantity": 1, "partner_article_number": "SN-GIBTS-NICHT-2"},
    ]
    r = submit(practice, body)
    assert r.status_code == 201 and r.json_body["status"] == "cart"
    assert [(i["position"], i["code"]) for i in r.json_body["issues"]] == [
        (None, "customer_number_missing"),
        (3, "article_not_found"),
        (7, "article_not_found"),
    ]
    detail = practice.get(f"/api/v1/orders/{r.json_body['id']}").json_body
    assert detail["issues"] == r.json_body["issues"]
    assert detail["cart_expires_at"] == r.json_body["cart_expires_at"]
    assert detail["cart_url"] == r.json_body["cart_url"]
    assert IdempotencyKey.objects.get().response == r.json_body


def test_large_orders_are_inserted_in_batches(practice):
    body = order_body()
    body["lines"] = [
        {
            "position": p,
            "quantity": "1.5",
            "partner_article_number": "SN-D-OPEN-M",
            "attributes": {"n": str(p)},
        }
        for p in range(1, 201)
    ]
    r = submit(practice, body)
    assert r.status_code == 201 and r.json_body["status"] == "queued", r.json_body
    order = Order.objects.get(pk=r.json_body["id"])
    lines = list(OrderLine.objects.filter(order=order))
    assert len(lines) == 200 and lines[-1].position == 200 and lines[-1].attributes == {"n": "200"}
    assert (
        str(lines[0].quantity) == "1.500"
        and lines[0].article_snapshot["partner_article_number"] == "SN-D-OPEN-M"
    )
    [event] = OrderEvent.objects.filter(order=order)
    assert event.to_status == "queued" and event.data == {"idempotency_key": "key-1"}
    assert order.created_at <= timezone.now() and order.ordered_at == order.created_at
    assert order.created_at > timezone.now() - timedelta(minutes=1)


def test_unknown_references_store_nothing_and_name_the_first_one(practice):
    r = submit(practice, order_body(partner="nope", branch_id="F99"))
    assert r.status_code == 422 and [e["field"] for e in r.json_body["errors"]] == ["partner"]
    r = submit(practice, order_body(branch_id="F99", ordered_by="U99"), key="k2")
    assert r.status_code == 422 and [e["field"] for e in r.json_body["errors"]] == ["branch_id"]
    assert Order.objects.count() == 0 and IdempotencyKey.objects.count() == 0


def test_lean_inserts_store_exactly_what_the_orm_would(practice, company):
    from decimal import Decimal

    from orderhub.core import fastsql
    from orderhub.masterdata.models import Branch, Employee
    from orderhub.partners.models import Partner

    now = timezone.now().replace(microsecond=123456)
    order = Order(
        company=company[0],
        number="OH-TEST-1",
        external_order_id="E-1 'quoted' \\ % %s",
        partner=Partner.objects.get(slug="sonora"),
        branch=Branch.objects.get(external_id="F1"),
        ordered_by=Employee.objects.get(external_id="U1"),
        customer_number="",
        reference='a "b" ü €',
        note="line\nbreak",
        status="cart",
        created_at=now,
        updated_at=now,
        cart_expires_at=now,
        tracking_numbers=[],
    )
    tricky = {
        "quote": 'it\'s "x"',
        "backslash": "\\",
        "percent": "%s %(x)s",
        "ümlaut": "ß",
        "n": "1",
    }
    lines = [
        OrderLine(
            order=order,
            position=1,
            quantity=Decimal("0.001"),
            description="%s",
            attributes=tricky,
            issue=None,
        ),
        OrderLine(
            order=order,
            position=2,
            quantity=Decimal("99999.5"),
            attributes={},
            issue={"code": "x", "candidates": [{"score": 97.5, "article_id": 3}]},
            article_snapshot={"price": None},
        ),
    ]
    fastsql.insert([order], lines)
    stored = Order.objects.get(pk=order.pk)
    for name in (
        "number",
        "external_order_id",
        "reference",
        "note",
        "created_at",
        "cart_expires_at",
        "tracking_numbers",
        "ordered_at",
        "branch_id",
        "company_id",
        "partner_id",
    ):
        assert getattr(stored, name) == getattr(order, name), name
    one, two = OrderLine.objects.filter(order=order).order_by("position")
    assert one.quantity == Decimal("0.001") and one.description == "%s" and one.attributes == tricky
    assert (
        one.issue is None and OrderLine.objects.filter(order=order, issue__isnull=True).count() == 1
    )
    assert (
        two.quantity == Decimal("99999.5")
        and two.attributes == {}
        and two.article_snapshot == {"price": None}
    )
    assert two.issue == {"code": "x", "candidates": [{"score": 97.5, "article_id": 3}]}
    assert one.line_status == "open" and one.removed is False and one.confirmed_quantity is None
