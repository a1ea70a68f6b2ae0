"""Faults on real processes: a worker killed mid-delivery and a partner failing 30 % of requests.

Afterwards every order is delivered exactly once as the partner sees it (deduplicated by order
number) or dead-lettered with its reason — none lost, none doubled. The counts are printed.
"""

import json
import time

import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.slow

DELIVERED = {"sent", "confirmed", "partially_confirmed", "rejected", "shipped"}
N_ORDERS = 40


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    s = Stack(
        tmp_path_factory.mktemp("faults"),
        workers=2,
        http_timeout=1.5,
        lease_seconds=5,
        sim_args=[
            "--fail-rate",
            "0.3",
            "--fail-modes",
            "5xx,timeout,reset,reset_after",
            "--seed",
            "7",
            "--timeout-hold",
            "3",
        ],
    ).start()
    yield s
    s.stop()


def test_worker_killed_and_partner_failing_lose_and_double_nothing(faulty):
    lines = [
        {"position": 1, "quantity": 1, "partner_article_number": "SN-R-M-3-R"},
        {"position": 2, "quantity": 2, "partner_article_number": "SN-D-OPEN-M"},
    ]
    orders = [faulty.submit(f"FAULT-{i}", "sonora", lines) for i in range(N_ORDERS)]
    assert {o["status"] for o in orders} == {"queued"}

    time.sleep(1.0)
    victim = faulty.workers[0]
    faulty.kill_worker(victim)  # SIGKILL: no cleanup, leases stay behind
    faulty.start_worker()

    deadline = time.monotonic() + 150
    pending = {o["id"] for o in orders}
    final: dict[str, dict] = {}
    while pending and time.monotonic() < deadline:
        for oid in list(pending):
            order = faulty.order(oid)
            if order["status"] in DELIVERED | {"failed"}:
                final[oid] = order
                pending.discard(oid)
        time.sleep(0.5)
    stats = faulty.sim_stats()["sonora"]
    received = stats["received"]

    delivered = [o for o in final.values() if o["status"] in DELIVERED]
    dead = [o for o in final.values() if o["status"] == "failed"]
    lost = [oid for oid in pending] + [
        o["number"] for o in delivered if o["number"] not in received
    ]
    unknown_at_partner = set(received) - {o["number"] for o in orders}
    doubled = [n for n in received if n not in {o["number"] for o in delivered}]
    attempts = sum(o["delivery"]["attempts"] for o in final.values())
    print(
        json.dumps(
            {
                "orders": N_ORDERS,
                "delivered_once": len(delivered),
                "dead_lettered": len(dead),
                "lost": len(lost),
                "doubled": len(doubled) + len(unknown_at_partner),
                "attempts": attempts,
                "partner_saw_retransmissions": stats["duplicates"],
                "faults_injected": stats["faults"],
            }
        )
    )

    assert not lost, f"lost orders: {lost}; logs in {faulty.root}"
    assert not doubled and not unknown_at_partner
    assert len(delivered) + len(dead) == N_ORDERS
    assert sum(stats["faults"].values()) > 0, (
        "the simulator injected no faults; the test proved nothing"
    )
    for o in dead:
        assert o["delivery"]["last_error"], "a dead-lettered delivery must say why"
    # Every delivered order reached the partner as one order number, with identical bytes each time.
    assert set(received) == {o["number"] for o in delivered}


def test_dead_letter_is_visible_and_can_be_retried_by_hand(faulty):
    faulty.sim_control(fail_rate=0)
    # Wrong webhook secret: the partner refuses with 401, a permanent error → dead-lettered at once.
    faulty.orderhub(
        "shell",
        "-c",
        "from orderhub.partners.models import Partner; p=Partner.objects.get(slug='klangwerk');"
        " p.credentials={'secret': 'wrong'}; p.save()",
    )
    created = faulty.submit(
        "DEAD-1",
        "klangwerk",
        [{"position": 1, "quantity": 1, "partner_article_number": "KW-R-S-0-R"}],
        customer_number="KW-1",
    )
    order = faulty.wait_for(created["id"], {"failed"}, timeout=30)
    assert order["delivery"]["status"] == "dead" and "401" in order["delivery"]["last_error"]
    assert created["id"] in [
        o["id"] for o in faulty.api.get("/api/v1/orders?status=failed").json()["items"]
    ]

    faulty.orderhub(
        "shell",
        "-c",
        "from orderhub.partners.models import Partner; from orderhub.demo.seed import SIM_WEBHOOK_SECRET;"
        " p=Partner.objects.get(slug='klangwerk'); p.credentials={'secret': SIM_WEBHOOK_SECRET}; p.save()",
    )
    faulty.orderhub(
        "shell",
        "-c",
        "from orderhub.delivery.models import Delivery; from orderhub.delivery.outbox import retry_dead;"
        f" retry_dead(Delivery.objects.get(order_id='{created['id']}'), 'Betreiber')",
    )
    order = faulty.wait_for(created["id"], DELIVERED, timeout=30)
    reasons = [e["reason"] for e in order["events"]]
    assert any("erneut" in r for r in reasons)
    assert faulty.sim_stats()["klangwerk"]["received"] == {order["number"]: 1}
