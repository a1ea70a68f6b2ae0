"""An order's detail is read in one moment: a partner's answer committing meanwhile shows whole or
not at all (real concurrent PostgreSQL connections; SQLite's transaction is one snapshot anyway)."""

import threading

import pytest
from django.db import connection, connections

from orderhub.core import snapshot
from orderhub.ordering.models import Order, OrderLine
from tests.ordering.conftest import order_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("READ COMMITTED is PostgreSQL's; CI runs the suite with DATABASE_URL set")


def _answer_meanwhile(order_pk):
    """Another process's answer: every line confirmed, committed on its own connection."""

    def answer():
        try:
            OrderLine.objects.filter(order_id=order_pk).update(line_status="confirmed")
        finally:
            connections.close_all()

    t = threading.Thread(target=answer)
    t.start()
    t.join()


def test_reads_inside_one_moment_do_not_see_a_commit_in_between(practice):
    r = practice.post(
        "/api/v1/orders", order_body("B-SNAPSHOT"), headers={"Idempotency-Key": "snapshot"}
    )
    assert r.status_code == 201, r.json_body
    order = Order.objects.get(pk=r.json_body["id"])

    with snapshot.one_moment():
        before = list(OrderLine.objects.filter(order=order).values_list("line_status", flat=True))
        _answer_meanwhile(order.pk)
        inside = list(OrderLine.objects.filter(order=order).values_list("line_status", flat=True))
    after = list(OrderLine.objects.filter(order=order).values_list("line_status", flat=True))

    assert inside == before and "confirmed" not in before
    assert set(after) == {"confirmed"}


def test_without_it_the_second_read_sees_the_commit(practice):
    # The control: what the order detail did before (READ COMMITTED, one snapshot per query).
    r = practice.post(
        "/api/v1/orders", order_body("B-NO-SNAPSHOT"), headers={"Idempotency-Key": "control"}
    )
    assert r.status_code == 201, r.json_body
    order = Order.objects.get(pk=r.json_body["id"])
    before = list(OrderLine.objects.filter(order=order).values_list("line_status", flat=True))
    _answer_meanwhile(order.pk)
    second = list(OrderLine.objects.filter(order=order).values_list("line_status", flat=True))
    assert "confirmed" not in before and set(second) == {"confirmed"}
