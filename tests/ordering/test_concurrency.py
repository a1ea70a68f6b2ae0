"""Two concurrent submissions of one order become one order (real concurrent PostgreSQL connections)."""

import threading

import pytest
from django.db import connection, connections

from orderhub.ordering.models import Order
from tests.conftest import ApiClient
from tests.ordering.conftest import order_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (CI runs the suite with DATABASE_URL set)")


@pytest.mark.parametrize("same_key", [True, False], ids=["same-key", "same-external-id-other-key"])
def test_concurrent_duplicates_become_one_order(practice, same_key):
    token = practice.token
    n = 6
    barrier = threading.Barrier(n)
    answers = [None] * n

    def worker(i):
        try:
            client = ApiClient(token)
            barrier.wait()
            key = "same" if same_key else f"key-{i}"
            r = client.post(
                "/api/v1/orders", order_body("B-RACE"), headers={"Idempotency-Key": key}
            )
            answers[i] = (r.status_code, r.json_body)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Order.objects.filter(external_order_id="B-RACE").count() == 1
    order = Order.objects.get(external_order_id="B-RACE")
    statuses = sorted(a[0] for a in answers)
    if same_key:
        assert statuses == [201] * n
        assert {a[1]["id"] for a in answers} == {str(order.pk)}
    else:
        assert statuses.count(201) == 1 and statuses.count(409) == n - 1
