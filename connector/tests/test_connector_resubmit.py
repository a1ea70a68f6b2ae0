"""Submitting an order again: the portal repeats its first answer (SPEC §3.6), which may be out of
date; the practice software must not be set back to it. Found by the end-to-end tests against a
real portal (tests/connector_e2e)."""

from __future__ import annotations

import json

from orderhub_connector.practice import JsonFileSource, OrderStatusUpdate


def status_of(conn, order_id):
    return json.loads(conn.config.status_file.read_text(encoding="utf-8"))["orders"][order_id]


def test_resubmitting_a_shipped_order_keeps_shipped_in_the_status_file(portal, make_connector):
    conn = make_connector(portal.url, token="tok-valid")
    first = conn.submit_order("B-2026-0001")
    portal.touch(portal.orders[0], "shipped")
    conn.poll_updates()
    assert status_of(conn, "B-2026-0001")["status"] == "shipped"

    again = conn.submit_order("B-2026-0001")  # the portal answers "queued", as the first time
    assert again.order_id == first.order_id and len(portal.orders) == 1
    assert again.status == "shipped"  # reported as it is now
    assert [r["path"] for r in portal.calls("GET", "/api/v1/orders/")][
        -1
    ] == f"/api/v1/orders/{first.order_id}"
    entry = status_of(conn, "B-2026-0001")
    assert entry["status"] == "shipped"
    assert [h["status"] for h in entry["history"]] == ["queued", "shipped"]
    assert conn.poll_updates() == []


def test_resubmitting_a_cart_that_was_ordered_meanwhile_opens_no_browser(portal, make_connector):
    opened: list[str] = []
    conn = make_connector(portal.url, token="tok-valid", opened=opened)
    first = conn.submit_order("B-2026-0002")
    assert first.status == "cart" and opened == [first.cart_url]
    portal.touch(portal.orders[0], "queued")  # a person completed the cart
    portal.orders[0]["cart_url"] = None

    again = conn.submit_order("B-2026-0002")
    assert again.status == "queued" and not again.needs_cart
    assert opened == [first.cart_url]  # not opened a second time
    assert status_of(conn, "B-2026-0002")["status"] == "queued"


def test_first_submission_needs_no_extra_request(portal, make_connector):
    conn = make_connector(portal.url, token="tok-valid")
    conn.submit_order("B-2026-0001")
    assert portal.calls("GET", "/api/v1/orders") == []


def test_lost_answer_reports_the_order_as_it_is_after_the_retry(portal, make_connector):
    portal.drop_order_answers = 1
    conn = make_connector(portal.url, token="tok-valid")
    result = conn.submit_order("B-2026-0001")
    assert result.attempts == 2 and len(portal.orders) == 1
    assert len(portal.calls("GET", f"/api/v1/orders/{result.order_id}")) == 1
    assert status_of(conn, "B-2026-0001")["status"] == "queued"


def test_resubmission_falls_back_to_the_answer_when_the_order_cannot_be_read(
    portal, make_connector
):
    conn = make_connector(portal.url, token="tok-valid")
    conn.submit_order("B-2026-0001")
    portal.orders[0]["id"] = "moved"  # GET /api/v1/orders/1 now answers 404
    again = conn.submit_order("B-2026-0001")
    assert again.status == "queued" and status_of(conn, "B-2026-0001")["status"] == "queued"


def test_status_file_never_goes_back_to_an_earlier_state(tmp_path):
    source = JsonFileSource(tmp_path / "practice.json", tmp_path / "order-status.json")
    source.write_status([OrderStatusUpdate("B-1", "7", "OH-7", "queued")])  # a submission answer
    source.write_status([OrderStatusUpdate("B-1", "7", "OH-7", "shipped", "2026-03-01T12:00:00Z")])
    # a late submission answer (no time stamp) and an older watch result change nothing …
    source.write_status([OrderStatusUpdate("B-1", "7", "OH-7", "queued")])
    source.write_status(
        [OrderStatusUpdate("B-1", "7", "OH-7", "sent", "2026-03-01T11:00:00+00:00")]
    )
    entry = json.loads((tmp_path / "order-status.json").read_text(encoding="utf-8"))["orders"][
        "B-1"
    ]
    assert entry["status"] == "shipped"
    assert [h["status"] for h in entry["history"]] == ["queued", "shipped"]
    # … a newer one does, and so does another portal order for the same practice order id.
    source.write_status(
        [OrderStatusUpdate("B-1", "7", "OH-7", "cancelled", "2026-03-01T13:00:00Z")]
    )
    source.write_status([OrderStatusUpdate("B-1", "9", "OH-9", "queued")])
    entry = json.loads((tmp_path / "order-status.json").read_text(encoding="utf-8"))["orders"][
        "B-1"
    ]
    assert (entry["order_id"], entry["status"]) == ("9", "queued")
