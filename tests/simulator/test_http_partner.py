"""openTRANS and webhook partners on real sockets, their answers, faults and the control API."""

from __future__ import annotations

import json

import httpx
import pytest

from orderhub.formats import FormatError, partner_json, signing
from orderhub.formats.opentrans.answer_reader import parse_answer as parse_opentrans_answer
from orderhub.formats.opentrans.schema import validate
from simulator import PartnerConfig

from .conftest import opentrans_order, order_document, wait_until

SONORA = PartnerConfig(
    "sonora",
    "opentrans",
    portal_token="sonora-token",
    inbound_token="in-token",
    username="sonora",
    password="geheim",
)
KLANGWERK = PartnerConfig("klangwerk", "webhook", portal_token="kw-token", secret="kw-secret")
XML = {"Content-Type": "application/xml"}


def client(**kwargs) -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=kwargs.pop("timeout", 5.0), **kwargs)


def post_order(sim, order_number="OH-1", *, auth=("sonora", "geheim"), timeout=5.0, **kwargs):
    with client(timeout=timeout) as http:
        return http.post(
            f"{sim.base_url}/opentrans/orders",
            content=opentrans_order(order_number),
            headers=XML,
            auth=auth,
            **kwargs,
        )


def stats(sim, slug="sonora"):
    return sim.stats()["partners"][slug]


class TestOpenTrans:
    def test_order_is_recorded_and_duplicates_are_counted(self, make_simulator):
        sim = make_simulator(SONORA, answers=False)
        first = post_order(sim, "OH-1")
        assert first.status_code == 200
        assert first.json() == {
            "status": "received",
            "partner": "sonora",
            "order_number": "OH-1",
            "duplicate": False,
        }
        again = post_order(sim, "OH-1")
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert stats(sim)["received"] == {"OH-1": 2}
        assert (stats(sim)["unique"], stats(sim)["duplicates"]) == (1, 1)

    def test_bearer_token_and_partner_path_work_too(self, make_simulator):
        sim = make_simulator(SONORA, answers=False)
        with client() as http:
            response = http.post(
                f"{sim.base_url}/sonora/opentrans/orders",
                content=opentrans_order("OH-2"),
                headers={**XML, "Authorization": "Bearer in-token"},
            )
        assert response.status_code == 200

    @pytest.mark.parametrize("auth", [None, ("sonora", "falsch"), ("fremd", "geheim")])
    def test_wrong_credentials_get_401(self, make_simulator, auth):
        sim = make_simulator(SONORA, answers=False)
        response = post_order(sim, auth=auth)
        assert response.status_code == 401
        assert stats(sim)["unique"] == 0 and stats(sim)["rejected"] == 1

    def test_invalid_document_gets_400(self, make_simulator):
        sim = make_simulator(SONORA, answers=False)
        with client() as http:
            broken = http.post(
                f"{sim.base_url}/opentrans/orders",
                content=b"<ORDER>",
                headers=XML,
                auth=("sonora", "geheim"),
            )
            not_schema_valid = http.post(
                f"{sim.base_url}/opentrans/orders",
                headers=XML,
                auth=("sonora", "geheim"),
                content=opentrans_order("OH-3")
                .replace(b"<QUANTITY>", b"<AMOUNT>")
                .replace(b"</QUANTITY>", b"</AMOUNT>"),
            )
        assert broken.status_code == 400 and "invalid order document" in broken.json()["error"]
        assert not_schema_valid.status_code == 400
        assert stats(sim)["unique"] == 0

    def test_answers_reach_the_portal_in_order_with_the_partner_token(
        self, make_simulator, fake_portal
    ):
        sim = make_simulator(SONORA, portal_url=fake_portal.url)
        assert post_order(sim, "OH-10").status_code == 200
        assert post_order(sim, "OH-10").status_code == 200  # a duplicate is not answered again
        response, dispatch = fake_portal.wait_for(2)
        assert sim.wait_for_answers(5)
        assert len(fake_portal.received) == 2
        for post in (response, dispatch):
            assert post.path == "/api/v1/partner/documents"
            assert post.headers["authorization"] == "Bearer sonora-token"
            assert post.content_type == "application/xml"
            validate(post.body)
        assert b"<ORDERRESPONSE" in response.body and b"<DISPATCHNOTIFICATION" in dispatch.body
        parsed = parse_opentrans_answer(dispatch.body)
        assert parsed.order_number == "OH-10" and parsed.tracking_numbers
        assert stats(sim)["answers_sent"] == 2

    def test_answer_posts_are_retried_with_the_same_document(self, make_simulator, fake_portal):
        fake_portal.script = [503, 500]
        sim = make_simulator(SONORA, portal_url=fake_portal.url, ship_delay=0)
        post_order(sim, "OH-11")
        posts = fake_portal.wait_for(4)
        assert sim.wait_for_answers(5)
        assert posts[0].body == posts[1].body == posts[2].body
        assert b"<DISPATCHNOTIFICATION" in posts[3].body
        assert (stats(sim)["answers_sent"], stats(sim)["answer_retries"]) == (2, 2)

    def test_portal_refusal_is_final(self, make_simulator, fake_portal):
        fake_portal.script = [422]
        sim = make_simulator(SONORA, portal_url=fake_portal.url)
        post_order(sim, "OH-12")
        fake_portal.wait_for(2)
        assert sim.wait_for_answers(5)
        assert (stats(sim)["answers_sent"], stats(sim)["answer_failures"]) == (1, 1)


def signed(secret: str, body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", **signing.signature_header(secret.encode(), body)}


def webhook_body(order_number: str) -> bytes:
    from orderhub.formats.partner_json import write_order

    return write_order(order_document(order_number))


class TestWebhook:
    def test_signed_order_is_recorded_and_answered_in_json(self, make_simulator, fake_portal):
        sim = make_simulator(KLANGWERK, portal_url=fake_portal.url)
        body = webhook_body("OH-20")
        with client() as http:
            response = http.post(
                f"{sim.base_url}/webhook/orders", content=body, headers=signed("kw-secret", body)
            )
        assert response.status_code == 200
        assert stats(sim, "klangwerk")["received"] == {"OH-20": 1}
        first, second = fake_portal.wait_for(2)
        assert first.headers["authorization"] == "Bearer kw-token"
        assert first.content_type == second.content_type == "application/json"
        kinds = [json.loads(p.body)["kind"] for p in (first, second)]
        assert kinds == ["order_response", "dispatch_notification"]
        assert partner_json.parse_answer(second.body).order_number == "OH-20"

    def test_bad_and_replayed_signatures_get_401(self, make_simulator):
        sim = make_simulator(KLANGWERK, answers=False)
        body = webhook_body("OH-21")
        headers = signed("kw-secret", body)
        url = f"{sim.base_url}/webhook/orders"
        with client() as http:
            assert http.post(url, content=body, headers=signed("wrong", body)).status_code == 401
            assert (
                http.post(
                    url, content=body, headers={"Content-Type": "application/json"}
                ).status_code
                == 401
            )
            assert http.post(url, content=body + b" ", headers=headers).status_code == 401
            assert http.post(url, content=body, headers=headers).status_code == 200
            replay = http.post(url, content=body, headers=headers)
        assert replay.status_code == 401
        assert stats(sim, "klangwerk")["received"] == {"OH-21": 1}


class TestFaults:
    """With fail_rate 1 every delivery meets the fault; the ledger shows what the partner kept."""

    def faulty(self, make_simulator, mode, **options):
        return make_simulator(SONORA, answers=False, fail_rate=1.0, fail_modes=[mode], **options)

    def test_5xx(self, make_simulator):
        sim = self.faulty(make_simulator, "5xx")
        assert post_order(sim).status_code == 503
        assert stats(sim)["unique"] == 0 and stats(sim)["faults"] == {"5xx": 1}

    def test_timeout_does_not_block_other_requests(self, make_simulator):
        sim = self.faulty(make_simulator, "timeout", timeout_hold=2.0)
        with pytest.raises(httpx.TimeoutException):
            post_order(sim, timeout=0.3)
        with client() as http:  # the held request must not block the server
            assert http.get(f"{sim.base_url}/_stats").status_code == 200
        assert stats(sim)["unique"] == 0

    def test_reset(self, make_simulator):
        sim = self.faulty(make_simulator, "reset")
        with pytest.raises(httpx.TransportError):
            post_order(sim)
        assert stats(sim)["unique"] == 0

    def test_reset_after_recording_shows_up_as_duplicate_on_retry(self, make_simulator):
        sim = self.faulty(make_simulator, "reset_after")
        with pytest.raises(httpx.TransportError):
            post_order(sim, "OH-30")
        assert stats(sim)["received"] == {"OH-30": 1}
        sim.control(fail_rate=0)
        assert post_order(sim, "OH-30").json()["duplicate"] is True  # the sender's retry
        assert (stats(sim)["unique"], stats(sim)["duplicates"]) == (1, 1)

    def test_slow_answers_correctly(self, make_simulator):
        sim = self.faulty(make_simulator, "slow", slow_delay=0.3)
        response = post_order(sim)
        assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.3
        assert stats(sim)["unique"] == 1

    def test_malformed_receipt_and_malformed_answer(self, make_simulator, fake_portal):
        sim = make_simulator(
            SONORA, portal_url=fake_portal.url, fail_rate=1.0, fail_modes=["malformed"]
        )
        fake_portal.script = [400]  # the portal refuses the broken document
        response = post_order(sim, "OH-31")
        assert response.status_code == 200
        with pytest.raises(ValueError):
            response.json()
        broken, good, dispatch = fake_portal.wait_for(3)
        with pytest.raises(FormatError):
            parse_opentrans_answer(broken.body)
        assert parse_opentrans_answer(good.body).kind == "order_response"
        assert parse_opentrans_answer(dispatch.body).kind == "dispatch_notification"
        assert sim.wait_for_answers(5)
        assert stats(sim)["unique"] == 1 and stats(sim)["answers_malformed"] == 1


class TestControlApi:
    def test_control_stats_and_reset_over_http(self, make_simulator):
        sim = make_simulator(SONORA, answers=False)
        with client() as http:
            changed = http.post(
                f"{sim.base_url}/_control",
                json={"fail_rate": 1.0, "fail_modes": ["5xx"], "seed": 1},
            )
            assert changed.status_code == 200 and changed.json()["fail_rate"] == 1.0
            assert post_order(sim).status_code == 503
            assert http.post(f"{sim.base_url}/_control", json={"fail_rate": 0}).status_code == 200
            assert post_order(sim, "OH-40").status_code == 200
            body = http.get(f"{sim.base_url}/_stats").json()
            assert body["partners"]["sonora"]["received"] == {"OH-40": 1}
            assert {"unique", "duplicates", "answers_sent", "answer_failures"} <= set(
                body["partners"]["sonora"]
            )
            assert http.post(f"{sim.base_url}/_control", json={"fail_rate": 5}).status_code == 400
            assert http.post(f"{sim.base_url}/_reset").status_code == 200
            wait_until(
                lambda: (
                    http.get(f"{sim.base_url}/_stats").json()["partners"]["sonora"]["unique"] == 0
                )
            )


def test_accounting_under_random_faults_matches_what_a_retrying_sender_caused(make_simulator):
    """Retry until 200: every order is kept once; each reset_after fault adds one duplicate."""
    sim = make_simulator(
        SONORA,
        answers=False,
        fail_rate=0.5,
        seed=3,
        fail_modes=["5xx", "reset", "reset_after", "malformed"],
    )
    for n in range(20):
        while True:
            try:
                response = post_order(sim, f"OH-9{n:02d}")
            except httpx.TransportError:
                continue
            if response.status_code == 200:
                break
    partner = stats(sim)
    assert partner["unique"] == 20
    assert partner["duplicates"] == partner["faults"].get("reset_after", 0)
    assert partner["faults"].get("5xx", 0) + partner["faults"].get("reset", 0) > 0


def receipt(number="OH-70/WE1"):
    from datetime import UTC, datetime
    from decimal import Decimal

    from orderhub.formats.changes import GoodsReceipt, ReceivedLine

    return GoodsReceipt(
        document_id=number,
        order_number=number.split("/")[0],
        received_at=datetime(2026, 1, 20, 10, 5, tzinfo=UTC),
        lines=[ReceivedLine(1, Decimal(2), serial_numbers=["SN1", "SN2"])],
        buyer_id="K-1",
        supplier_id="sonora",
    )


def test_goods_receipt_acknowledgements_are_recorded_once_per_receipt_number(make_simulator):
    """Issue 16: the RECEIPTACKNOWLEDGEMENT (openTRANS) and the signed JSON event arrive on the
    order endpoints; the partner counts them per receipt number and answers nothing."""
    from orderhub.formats import change_answers
    from orderhub.formats.opentrans.changes import write_receipt_acknowledgement

    sim = make_simulator(SONORA, KLANGWERK, answers=False)
    xml = write_receipt_acknowledgement(receipt())
    with client() as http:
        for _ in range(2):  # a retry after an unknown outcome
            r = http.post(
                f"{sim.base_url}/opentrans/orders",
                content=xml,
                headers=XML,
                auth=("sonora", "geheim"),
            )
            assert r.status_code == 200, r.text
        assert r.json() == {
            "status": "received",
            "partner": "sonora",
            "receipt": "OH-70/WE1",
            "duplicate": True,
        }
        broken = xml.replace(b"<QUANTITY>2</QUANTITY>", b"<QUANTITY>zwei</QUANTITY>")
        r = http.post(
            f"{sim.base_url}/opentrans/orders",
            content=broken,
            headers=XML,
            auth=("sonora", "geheim"),
        )
        assert r.status_code == 400 and "goods receipt" in r.json()["error"]
        body = change_answers.write_receipt_event(receipt("OH-71/WE2"))
        headers = {**signed("kw-secret", body), "X-OrderHub-Event": "goods_receipt"}
        r = http.post(f"{sim.base_url}/webhook/orders", content=body, headers=headers)
        assert r.status_code == 200 and r.json()["receipt"] == "OH-71/WE2"
    assert stats(sim)["receipts"] == {"OH-70/WE1": 2}
    assert stats(sim)["rejected"] == 1 and stats(sim)["unique"] == 0
    assert stats(sim, "klangwerk")["receipts"] == {"OH-71/WE2": 1}
