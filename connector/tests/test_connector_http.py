"""The connector against a real HTTP server on 127.0.0.1 (tests/fake_portal.py)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from orderhub_connector.errors import (
    InterfaceNotAllowed,
    NotRegistered,
    PortalProblem,
    PortalUnreachable,
    RegistrationFailed,
    TokenInvalid,
)

# --- registration ---------------------------------------------------------------------------


def test_register_polls_until_the_token_and_stores_it(portal, make_connector):
    opened: list[str] = []
    conn = make_connector(portal.url, opened=opened)
    result = conn.register()

    assert result.company_id == "C-1"
    assert opened == [result.registration_url]
    start = portal.calls("POST", "/api/v1/registrations")[0]["body"]
    assert set(start) == {
        "company",
        "branches",
        "users",
        "customer_numbers",
        "software",
        "workstation",
    }
    assert start["workstation"] == "EMPFANG-PC"
    polls = portal.calls("POST", "/api/v1/registrations/reg-1/token")
    assert len(polls) == 3  # pending, pending, token
    assert all(p["body"] == {"poll_token": "poll-reg-1"} for p in polls)
    assert conn.api_token() == "tok-valid"
    if os.name == "posix":
        token_file = conn.config.state_dir / "token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_request_asks_for_the_persons_language(portal, make_connector, language):
    """The portal writes its sentences (a field error, a cart issue) in the language asked for."""
    make_connector(portal.url, language=language).register()
    assert portal.requests
    assert {r["headers"].get("accept-language") for r in portal.requests} == {language}


def test_register_without_browser_does_not_open_one(portal, make_connector):
    opened: list[str] = []
    conn = make_connector(portal.url, opened=opened)
    assert conn.register(open_browser=False).browser_opened is False
    assert opened == []


def test_register_refuses_when_already_registered(portal, make_connector):
    conn = make_connector(portal.url, token="tok-valid")
    with pytest.raises(RegistrationFailed, match="already registered"):
        conn.register()
    assert portal.calls("POST", "/api/v1/registrations") == []


def test_expired_or_collected_registration_is_a_clear_error(portal, make_connector):
    portal.expire_registrations = True
    conn = make_connector(portal.url)
    with pytest.raises(RegistrationFailed) as info:
        conn.register()
    assert "expired" in info.value.en and "abgelaufen" in info.value.de
    assert conn.api_token() is None


# --- master data ----------------------------------------------------------------------------


def test_sync_reports_counts_per_kind(portal, make_connector, demo_data):
    conn = make_connector(portal.url, token="tok-valid")
    first = conn.sync()
    assert first.counts["branches"] == {
        "created": 3,
        "updated": 0,
        "deactivated": 0,
        "unchanged": 0,
    }
    assert first.counts["users"]["created"] == 4
    assert first.counts["customer_numbers"]["created"] == 4
    again = conn.sync()
    assert not again.changed
    assert again.counts["users"] == {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 4}

    demo_data["users"].pop()  # an employee left
    demo_data["branches"][0]["street"] = "Hauptstr. 2"  # a branch moved
    conn.config.practice_data.write_text(json.dumps(demo_data), encoding="utf-8")
    changed = conn.sync()
    assert changed.counts["users"]["deactivated"] == 1
    assert changed.counts["branches"]["updated"] == 1
    put = portal.calls("PUT", "/api/v1/masterdata")[-1]
    assert put["headers"]["authorization"] == "Bearer tok-valid"


def test_revoked_token_is_token_invalid(portal, make_connector):
    conn = make_connector(portal.url, token="tok-revoked")
    with pytest.raises(TokenInvalid):
        conn.sync()


def test_missing_token_says_register_first(portal, make_connector):
    conn = make_connector(portal.url)
    with pytest.raises(NotRegistered, match="register"):
        conn.sync()
    assert portal.requests == []


# --- orders ---------------------------------------------------------------------------------


def test_complete_order_is_queued_without_browser(portal, make_connector):
    opened: list[str] = []
    conn = make_connector(portal.url, token="tok-valid", opened=opened)
    result = conn.submit_order("B-2026-0001")
    assert result.status == "queued" and result.issues == [] and result.attempts == 1
    assert opened == []
    sent = portal.calls("POST", "/api/v1/orders")[0]
    assert sent["headers"]["idempotency-key"] == result.idempotency_key
    assert sent["body"]["customer_number"] == "K-4711"
    events = [e["event"] for e in conn.journal.entries()]
    assert events == ["prepared", "answered"]
    status = json.loads(conn.config.status_file.read_text(encoding="utf-8"))
    assert status["orders"]["B-2026-0001"]["status"] == "queued"


def test_incomplete_order_becomes_a_cart_opened_in_the_browser(portal, make_connector):
    opened: list[str] = []
    conn = make_connector(portal.url, token="tok-valid", opened=opened)
    result = conn.submit_order("B-2026-0002")
    assert result.status == "cart" and result.needs_cart
    assert opened == [result.cart_url]
    assert [i["code"] for i in result.issues] == ["article_not_found"]
    assert result.issues[0]["position"] == 2


def test_same_order_twice_is_one_order_with_the_same_answer(portal, make_connector):
    conn = make_connector(portal.url, token="tok-valid")
    first = conn.submit_order("B-2026-0001")
    second = conn.submit_order("B-2026-0001")
    assert (first.order_id, first.number, first.idempotency_key) == (
        second.order_id,
        second.number,
        second.idempotency_key,
    )
    assert len(portal.orders) == 1


def test_lost_answer_is_retried_with_the_same_key_and_creates_one_order(portal, make_connector):
    portal.drop_order_answers = 1  # accept the order, then cut the connection unanswered
    conn = make_connector(portal.url, token="tok-valid")
    result = conn.submit_order("B-2026-0001")

    posts = portal.calls("POST", "/api/v1/orders")
    assert len(posts) == 2
    assert posts[0]["headers"]["idempotency-key"] == posts[1]["headers"]["idempotency-key"]
    assert posts[0]["body"] == posts[1]["body"]
    assert len(portal.orders) == 1
    assert result.attempts == 2 and result.order_id == portal.orders[0]["id"]


def test_rerun_after_giving_up_still_finds_the_first_order(portal, make_connector):
    portal.drop_order_answers = 3  # more than retries=2 allows: the run gives up
    conn = make_connector(portal.url, token="tok-valid")
    with pytest.raises(PortalUnreachable):
        conn.submit_order("B-2026-0001")
    assert len(portal.orders) == 1
    assert conn.journal.entries()[-1]["event"] == "failed"

    result = conn.submit_order("B-2026-0001")  # e.g. the next day, a fresh process
    keys = {p["headers"]["idempotency-key"] for p in portal.calls("POST", "/api/v1/orders")}
    assert len(keys) == 1 and len(portal.orders) == 1
    assert result.order_id == portal.orders[0]["id"]


def test_order_refused_before_sending_when_interface_not_allowed_here(portal, make_connector):
    conn = make_connector(
        portal.url,
        token="tok-valid",
        interface=('[interface]\nconfigured_via = "workstation"\nworkstation = "WERKSTATT-PC"\n'),
    )
    with pytest.raises(InterfaceNotAllowed) as info:
        conn.submit_order("B-2026-0001")
    assert "WERKSTATT-PC" in " ".join(info.value.details)
    assert portal.requests == [] and conn.journal.entries() == []


def test_unreachable_portal(closed_port, make_connector):
    conn = make_connector(f"http://127.0.0.1:{closed_port}", token="tok-valid")
    with pytest.raises(PortalUnreachable) as info:
        conn.sync()
    assert "cannot be reached" in info.value.en and "nicht erreichbar" in info.value.de


def test_status_of_a_practice_order_uses_the_journal(portal, make_connector):
    conn = make_connector(portal.url, token="tok-valid")
    result = conn.submit_order("B-2026-0001")
    order = conn.order_status("B-2026-0001")
    assert order["id"] == result.order_id and order["status"] == "queued"
    assert portal.requests[-1]["path"] == f"/api/v1/orders/{result.order_id}"


def test_unknown_portal_order_is_a_problem(portal, make_connector):
    conn = make_connector(portal.url, token="tok-valid")
    with pytest.raises(PortalProblem) as info:
        conn.order_status("999")
    assert info.value.status == 404


# --- watch ----------------------------------------------------------------------------------


def test_poll_updates_follows_cursors_and_hands_changes_over_once(portal, make_connector):
    conn = make_connector(portal.url, token="tok-valid")
    for order_id in ("B-2026-0001", "B-2026-0002"):
        conn.submit_order(order_id)
    portal.orders.append(
        {
            **portal.orders[0],
            "id": "99",
            "number": "OH-000099",
            "external_order_id": None,
            "updated_at": portal._tick(),
        }
    )

    first = conn.poll_updates()
    assert [u.order_id for u in first] == ["1", "2", "99"]  # three items over two pages
    assert [r["query"].get("cursor") for r in portal.calls("GET", "/api/v1/orders")] == [None, "2"]
    assert conn.poll_updates() == []  # the portal repeats the newest (>=); not handed over again

    portal.touch(portal.orders[0], "confirmed")
    changed = conn.poll_updates()
    assert [(u.external_order_id, u.status) for u in changed] == [("B-2026-0001", "confirmed")]
    listed = [r for r in portal.calls("GET", "/api/v1/orders") if r["path"] == "/api/v1/orders"]
    assert listed[-1]["query"]["updated_since"] == portal.orders[-1]["updated_at"]  # newest before
    # An answered order is fetched whole: its lines carry the partner's answer for the practice.
    assert portal.calls("GET", "/api/v1/orders/1") and not portal.calls("GET", "/api/v1/orders/2")

    status = json.loads(conn.config.status_file.read_text(encoding="utf-8"))["orders"]
    assert status["B-2026-0001"]["status"] == "confirmed"
    assert [h["status"] for h in status["B-2026-0001"]["history"]] == ["queued", "confirmed"]
    assert status["B-2026-0002"]["status"] == "cart"
    assert status["portal:99"]["number"] == "OH-000099"


def test_watch_cursor_survives_a_new_process(portal, make_connector):
    conn = make_connector(portal.url, token="tok-valid")
    conn.submit_order("B-2026-0001")
    assert len(conn.poll_updates()) == 1
    fresh = make_connector(portal.url)  # same tmp_path, same state_dir
    assert fresh.poll_updates() == []
    saved = json.loads((conn.config.state_dir / "watch.json").read_text(encoding="utf-8"))
    assert saved["updated_since"] == portal.orders[0]["updated_at"]


# --- routes against the portal's partner list -----------------------------------------------


def test_routes_can_check_partner_slugs_against_the_portal(portal, make_connector):
    portal.partners = [p for p in portal.partners if p["id"] != "sonora"]
    conn = make_connector(portal.url)
    routes = {r.partner: r for r in conn.routes(check_partners=True)}
    assert "unknown_partner" in [w.code for w in routes["sonora"].warnings]
    assert "unknown_partner" not in [w.code for w in routes["audiotec"].warnings]
