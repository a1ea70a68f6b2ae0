"""Order intake (SPEC §3.6, §4): queued or cart, idempotency, validation, cancel, expiry."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orderhub.ordering import services
from orderhub.ordering.models import IdempotencyKey, Order, OrderLine
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db


def test_complete_order_is_queued_and_its_delivery_job_committed_with_it(practice):
    r = submit(practice, order_body())
    assert r.status_code == 201, r.json_body
    body = r.json_body
    assert body["status"] == "queued" and body["cart_url"] is None and body["issues"] == []
    order = Order.objects.get(pk=body["id"])
    assert order.customer_number == "K-F1"  # branch-level before company-level
    assert order.delivery.status == "pending"  # the outbox row is the delivery job (no task row)
    assert order.delivery.next_attempt_at <= timezone.now()
    assert not DBTaskResult.objects.exists()
    detail = practice.get(f"/api/v1/orders/{order.pk}").json_body
    assert [l["matched_article"]["partner_article_number"] for l in detail["lines"]] == [
        "SN-R-M-3-R",
        "SN-D-OPEN-M",
    ]
    assert detail["events"][0]["to_status"] == "queued"


def test_company_level_customer_number_and_the_orders_own(practice):
    r = submit(practice, order_body("B-2", branch_id="F2"), key="k2")
    assert Order.objects.get(pk=r.json_body["id"]).customer_number == "K-4711"
    r = submit(practice, order_body("B-3", customer_number="EIGENE-1"), key="k3")
    assert Order.objects.get(pk=r.json_body["id"]).customer_number == "EIGENE-1"


@pytest.mark.parametrize(
    "line, code",
    [
        (
            {"partner_article_number": "SN-GIBTS-NICHT-42", "description": "Rasenmäher"},
            "article_not_found",
        ),
        (
            {
                "hmv_number": None,
                "partner_article_number": None,
                "description": "",
                "gtin": None,
                "hmv_number_from": "SN-HA-AURA3-RIC-L-BEIGE",
            },
            "article_ambiguous",
        ),
        ({"partner_article_number": "DISCONTINUED"}, "article_discontinued"),
    ],
)
def test_each_line_reason_opens_a_cart(practice, line, code):
    from orderhub.catalog.models import Article

    if "hmv_number_from" in line:
        line = {
            "hmv_number": Article.objects.get(
                partner_article_number=line.pop("hmv_number_from")
            ).hmv_number
        }
    if line.get("partner_article_number") == "DISCONTINUED":
        line["partner_article_number"] = (
            Article.objects.filter(status="discontinued").first().partner_article_number
        )
    body = order_body()
    body["lines"][1] = {"position": 2, "quantity": 1, **line}
    r = submit(practice, body)
    assert r.status_code == 201
    assert r.json_body["status"] == "cart"
    assert r.json_body["cart_url"].endswith(f"/warenkorb/{r.json_body['id']}/")
    expires = timezone.datetime.fromisoformat(r.json_body["cart_expires_at"])
    created = Order.objects.get(pk=r.json_body["id"]).created_at
    assert expires - created == timedelta(hours=6)
    [issue] = r.json_body["issues"]
    assert issue["position"] == 2 and issue["code"] == code
    assert issue["message"] and issue["message_en"]
    if code != "article_not_found":
        assert issue["candidates"] and all(0 <= c["score"] <= 100 for c in issue["candidates"])
    assert not DBTaskResult.objects.exists()
    assert not hasattr(Order.objects.get(pk=r.json_body["id"]), "delivery")


def test_missing_customer_number_opens_a_cart(practice, company):
    from orderhub.masterdata.models import CustomerNumber

    CustomerNumber.objects.filter(company=company[0]).update(is_active=False)
    r = submit(practice, order_body())
    assert r.json_body["status"] == "cart"
    assert [i["code"] for i in r.json_body["issues"]] == ["customer_number_missing"]


def test_same_key_same_body_replays_the_first_answer(practice):
    first = submit(practice, order_body())
    again = submit(practice, order_body())
    assert again.status_code == first.status_code == 201
    assert again.json_body == first.json_body
    assert Order.objects.count() == 1


def test_same_key_other_body_is_refused(practice):
    submit(practice, order_body())
    other = order_body()
    other["lines"][0]["quantity"] = 3
    r = submit(practice, other)
    assert r.status_code == 409 and r["Content-Type"] == "application/problem+json"
    assert Order.objects.count() == 1


def test_same_external_order_id_never_becomes_two_orders(practice):
    submit(practice, order_body("B-7"), key="a")
    r = submit(practice, order_body("B-7"), key="b")
    assert r.status_code == 409 and "already belongs" in r.json_body["detail"]
    assert Order.objects.filter(external_order_id="B-7").count() == 1


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda b: b["lines"][0].update(quantity=-1), "lines[0].quantity"),
        (lambda b: b["lines"][0].update(quantity=0), "lines[0].quantity"),
        (lambda b: b.update(lines=[]), "lines"),
        (lambda b: b.update(partner="unbekannt"), "partner"),
        (lambda b: b.update(branch_id="F99"), "branch_id"),
        (lambda b: b.update(ordered_by="U99"), "ordered_by"),
        (lambda b: b["lines"][1].update(position=1), "lines"),
        (lambda b: b["lines"][0].update(colour="blau"), "lines[0].colour"),
        (lambda b: b["lines"][0].update(quantity="viele"), "lines[0].quantity"),
    ],
)
def test_malformed_orders_get_422_and_store_nothing(practice, mutate, field):
    body = order_body()
    mutate(body)
    r = submit(practice, body)
    assert r.status_code == 422, r.json_body
    assert r["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json_body["errors"]]
    assert (
        Order.objects.count() == 0
        and OrderLine.objects.count() == 0
        and IdempotencyKey.objects.count() == 0
    )


def test_idempotency_key_is_required(practice):
    r = practice.post("/api/v1/orders", order_body())
    assert r.status_code == 422 and r.json_body["errors"][0]["field"] == "Idempotency-Key"


def test_cancel_cart_and_queued_but_not_sent(practice):
    body = order_body()
    body["lines"][0]["partner_article_number"] = "SN-XXX"
    cart = submit(practice, body, key="c1").json_body
    queued = submit(practice, order_body("B-2"), key="c2").json_body
    for o in (cart, queued):
        r = practice.post(f"/api/v1/orders/{o['id']}/cancel")
        assert r.status_code == 200 and r.json_body["status"] == "cancelled"
    assert Order.objects.get(pk=queued["id"]).delivery.status == "cancelled"
    sent = submit(practice, order_body("B-3"), key="c3").json_body
    Order.objects.filter(pk=sent["id"]).update(status="sent")
    r = practice.post(f"/api/v1/orders/{sent['id']}/cancel")
    assert r.status_code == 409


def test_carts_expire_after_six_hours(practice):
    body = order_body()
    body["lines"][0]["partner_article_number"] = "SN-XXX"
    cart = submit(practice, body).json_body
    order = Order.objects.get(pk=cart["id"])
    assert services.expire_due_carts(now=order.created_at + timedelta(hours=5, minutes=59)) == 0
    assert services.expire_due_carts(now=order.created_at + timedelta(hours=6)) == 1
    detail = practice.get(f"/api/v1/orders/{order.pk}").json_body
    assert detail["status"] == "expired"
    assert detail["events"][-1]["reason"].startswith("Warenkorb nach 6 Stunden")
    listed = practice.get("/api/v1/orders?status=expired").json_body["items"]
    assert [o["id"] for o in listed] == [cart["id"]]


def test_list_orders_with_updated_since_and_cursor(practice):
    ids = [submit(practice, order_body(f"B-{i}"), key=f"k{i}").json_body["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        page = practice.get(
            "/api/v1/orders?limit=2" + (f"&cursor={cursor}" if cursor else "")
        ).json_body
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    since = Order.objects.get(pk=ids[2]).updated_at.isoformat()
    later = practice.get(
        "/api/v1/orders",
    ).json_body
    assert len(later["items"]) == 5
    r = practice.client.get(
        "/api/v1/orders",
        {"updated_since": since},
        headers={"Authorization": f"Bearer {practice.token}"},
    )
    assert [o["id"] for o in r.json()["items"]] == ids[3:]
    assert practice.get("/api/v1/orders?cursor=bogus").status_code == 422
    assert practice.get("/api/v1/orders?status=nonsense").status_code == 422
