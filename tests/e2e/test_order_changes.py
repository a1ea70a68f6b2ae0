"""End to end on real processes (issue 16): the practice changes or cancels a sent order, the
worker delivers the change in the partner's format, the simulator accepts it (``change_policy``
accept) or refuses it (refuse) in its own format, and the order shows the outcome."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

pytestmark = pytest.mark.slow

LINES = {
    "sonora": [
        {"position": 1, "quantity": 2, "partner_article_number": "SN-R-M-3-R"},
        {"position": 2, "quantity": 1, "partner_article_number": "SN-D-OPEN-M"},
    ],
    "audiotec": [
        {"position": 1, "quantity": 1, "partner_article_number": "AT-R-S-0-L"},
        {"position": 2, "quantity": 2, "partner_article_number": "AT-R-S-0-L"},
    ],
    "otoplast": [
        {"position": 1, "quantity": 3, "partner_article_number": "OP-D-OPEN-S"},
        {"position": 2, "quantity": 1, "partner_article_number": "OP-D-OPEN-S"},
    ],
    "klangwerk": [
        {"position": 1, "quantity": 1, "partner_article_number": "KW-R-S-0-R"},
        {"position": 2, "quantity": 1, "partner_article_number": "KW-R-S-0-R"},
    ],
}


def sent_order(stack, name, partner):
    created = stack.submit(
        name,
        partner,
        LINES[partner],
        customer_number="K-E2E" if partner == "klangwerk" else None,
    )
    assert created["status"] == "queued", created
    return stack.wait_for(created["id"], {"sent"}, timeout=60)


def wait_for_change(stack, order_id, sequence, statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        order = stack.order(order_id)
        change = next(c for c in order["changes"] if c["sequence"] == sequence)
        if change["status"] in statuses or time.monotonic() > deadline:
            assert change["status"] in statuses, (change, stack.root)
            # The order page reads lines and changes in separate queries: the answer may have been
            # committed between them. Once the change is answered it is final, so read once more.
            order = stack.order(order_id)
            return order, next(c for c in order["changes"] if c["sequence"] == sequence)
        time.sleep(0.3)


@pytest.fixture
def quiet_partner(stack):
    """The simulator keeps orders unanswered (they stay ``sent``), so changes are possible."""
    stack.sim_control(answers=False)
    yield
    stack.sim_control(answers=True, change_policy="accept")


@pytest.mark.parametrize("partner", ["sonora", "audiotec", "otoplast", "klangwerk"])
def test_change_accepted_by_the_partner(stack, quiet_partner, partner):
    order = sent_order(stack, f"E2E-chg-{partner}", partner)
    r = stack.api.post(
        f"/api/v1/orders/{order['id']}/changes",
        json={
            "lines": [
                {"position": 1, "quantity": 4, "delivery_date": "2027-03-01"},
                {"position": 2, "remove": True},
            ],
            "note": "Patient wünscht mehr",
        },
    )
    assert r.status_code == 201, r.text
    order, _ = wait_for_change(stack, order["id"], 1, {"accepted"})
    lines = {line["position"]: line for line in order["lines"]}
    assert Decimal(lines[1]["quantity"]) == 4 and lines[1]["delivery_date"] == "2027-03-01"
    assert lines[2]["removed"] is True
    reasons = [e["reason"] for e in order["events"]]
    assert "Änderung 1 an den Partner gesendet" in reasons
    assert "Änderung 1 vom Partner angenommen" in reasons
    sent = [d for d in order["documents"] if d["kind"] == "order_change"]
    assert len(sent) == 1
    assert any(d["kind"] == "change_response" for d in order["documents"])
    received = [c for c in stack.sim_changes() if c["order_number"] == order["number"]]
    assert [(c["sequence"], c["kind"]) for c in received] == [(1, "change")]


@pytest.mark.parametrize("partner", ["sonora", "audiotec"])
def test_cancellation_refused_by_the_partner(stack, quiet_partner, partner):
    stack.sim_control(change_policy="refuse")
    order = sent_order(stack, f"E2E-storno-{partner}", partner)
    r = stack.api.post(f"/api/v1/orders/{order['id']}/changes", json={"kind": "cancel"})
    assert r.status_code == 201, r.text
    order, change = wait_for_change(stack, order["id"], 1, {"refused"})
    assert order["status"] == "sent"
    assert change["answer_note"] == "Änderung nicht mehr möglich (Simulator)"
    assert any(
        e["reason"].startswith("Stornierung 1 vom Partner abgelehnt") for e in order["events"]
    )
