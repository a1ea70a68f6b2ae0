"""Configuration, fault dice, accounting and answer rules — no sockets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orderhub.formats.documents import OrderDocument, OrderItem, Party
from simulator import PartnerConfig, SimulatorConfig, answers
from simulator.controls import Controls, RuntimeSettings
from simulator.ledger import Ledger

from .conftest import order_document


class TestPartnerSpecs:
    def test_opentrans_with_basic_credentials(self):
        partner = PartnerConfig.parse("sonora:opentrans:tok-1:sonora:pa:ss")
        assert (partner.slug, partner.kind) == ("sonora", "opentrans")
        assert partner.portal_token == "tok-1"
        assert partner.inbound_token == "tok-1"
        assert (partner.username, partner.password) == ("sonora", "pa:ss")

    def test_webhook_needs_a_secret(self):
        assert PartnerConfig.parse("klangwerk:webhook:tok:s3cret").secret == "s3cret"
        with pytest.raises(ValueError, match="webhook"):
            PartnerConfig.parse("klangwerk:webhook:tok")

    def test_email_and_edifact(self):
        mail = PartnerConfig.parse("otoplast:email:tok")
        assert mail.mailbox_address == "orders@otoplast.example"
        edi = PartnerConfig.parse("audiotec:edifact")
        assert edi.portal_token is None and edi.sender_party_id == "AUDIOTEC"

    def test_unknown_kind_and_duplicate_slugs_are_refused(self):
        with pytest.raises(ValueError, match="kind"):
            PartnerConfig.parse("x:fax")
        with pytest.raises(ValueError, match="twice"):
            SimulatorConfig(partners=[PartnerConfig.parse("a:edifact")] * 2)

    def test_config_mapping(self):
        config = SimulatorConfig.from_mapping(
            {
                "portal_url": "http://127.0.0.1:8000/",
                "partners": ["audiotec:edifact", {"slug": "sonora", "kind": "opentrans"}],
                "fail_rate": 0.5,
            }
        )
        assert config.portal_url == "http://127.0.0.1:8000"
        assert [p.slug for p in config.partners] == ["audiotec", "sonora"]
        with pytest.raises(ValueError, match="unknown"):
            SimulatorConfig.from_mapping({"colour": "blue"})


class TestFaultDice:
    def test_no_faults_by_default(self):
        controls = Controls(RuntimeSettings())
        assert all(controls.draw_fault("a") is None for _ in range(100))

    def test_rate_one_always_faults_with_applicable_modes_only(self):
        controls = Controls(RuntimeSettings(fail_rate=1.0, fail_modes=["5xx", "malformed"]))
        assert {controls.draw_fault("a", ("malformed",)) for _ in range(20)} == {"malformed"}
        assert controls.draw_fault("a", ("timeout",)) is None

    def test_seed_makes_runs_reproducible(self):
        settings = dict(fail_rate=0.3, fail_modes=["5xx", "reset", "slow"], seed=7)
        first = Controls(RuntimeSettings(**settings))
        second = Controls(RuntimeSettings(**settings))
        draws = [first.draw_fault("a") for _ in range(50)]
        assert draws == [second.draw_fault("a") for _ in range(50)]
        assert 5 < sum(d is not None for d in draws) < 30

    def test_faults_can_target_partners(self):
        controls = Controls(RuntimeSettings())
        controls.update({"fail_rate": 1, "fail_modes": "5xx", "partners": ["b"]})
        assert controls.draw_fault("a") is None
        assert controls.draw_fault("b") == "5xx"

    def test_bad_control_values_are_refused(self):
        controls = Controls(RuntimeSettings())
        for bad in (
            {"fail_rate": 2},
            {"fail_modes": ["explode"]},
            {"answer_policy": "maybe"},
            {"colour": "red"},
        ):
            with pytest.raises(ValueError):
                controls.update(bad)
        assert controls.settings.fail_rate == 0


def test_ledger_counts_unique_orders_and_duplicates():
    ledger = Ledger(["a"])
    assert ledger.record("a", "OH-1") is True
    assert ledger.record("a", "OH-1") is False
    assert ledger.record("a", "OH-2") is True
    ledger.count("a", "answers_sent", 2)
    stats = ledger.snapshot()["partners"]["a"]
    assert stats["received"] == {"OH-1": 2, "OH-2": 1}
    assert (stats["unique"], stats["duplicates"], stats["answers_sent"]) == (2, 1, 2)
    ledger.reset()
    assert ledger.snapshot()["partners"]["a"]["unique"] == 0


class TestAnswerRules:
    NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

    def respond(self, articles, policy="confirm"):
        order = order_document("OH-7", articles)
        response = answers.order_response(
            order, slug="s", sender_id="S", policy=policy, now=self.NOW
        )
        return order, response

    def test_everything_confirmed_by_default(self):
        order, response = self.respond(("A-1", "A-2"))
        assert [line.status for line in response.lines] == ["confirmed", "confirmed"]
        assert [line.quantity for line in response.lines] == [Decimal(2), Decimal(2)]
        dispatch = answers.dispatch_notification(
            order, response, slug="s", sender_id="S", now=self.NOW
        )
        assert [line.status for line in dispatch.lines] == ["shipped", "shipped"]
        assert dispatch.tracking_numbers == [answers.tracking_number("OH-7")]

    def test_markers_reject_and_change_lines(self):
        order, response = self.respond(("A-REJECT-1", "A-PARTIAL-2", "A-3"))
        assert [line.status for line in response.lines] == ["rejected", "changed", "confirmed"]
        assert [line.quantity for line in response.lines] == [0, 1, 2]
        dispatch = answers.dispatch_notification(order, response, slug="s", sender_id="S")
        assert [line.line_no for line in dispatch.lines] == [2, 3]

    def test_policies(self):
        _, response = self.respond(("A-1", "A-2"), policy="partial")
        assert [line.status for line in response.lines] == ["confirmed", "rejected"]
        order, response = self.respond(("A-1",), policy="reject")
        assert [line.status for line in response.lines] == ["rejected"]
        assert answers.dispatch_notification(order, response, slug="s", sender_id="S") is None

    def test_document_ids_are_stable_per_order_and_kind(self):
        a = answers.document_id("sonora", "OH-1", answers.ORDER_RESPONSE)
        assert a == answers.document_id("sonora", "OH-1", answers.ORDER_RESPONSE)
        assert a != answers.document_id("sonora", "OH-1", answers.DISPATCH_NOTIFICATION)
        long_id = answers.document_id("sonora", "X" * 60, answers.ORDER_RESPONSE)
        assert len(long_id) <= 35
        assert len(answers.interchange_ref("s", "OH-1", answers.ORDER_RESPONSE)) <= 14


def test_backorder_and_substitute_markers_and_serial_numbers_for_one_ear():
    order = OrderDocument(
        order_number="OH-77",
        order_date=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
        buyer=Party("buyer", party_id="K-1"),
        supplier=Party("supplier"),
        items=[
            OrderItem(1, Decimal(2), supplier_article_number="HA-R", attributes={"side": "R"}),
            OrderItem(2, Decimal(5), supplier_article_number="BAT-312 BACKORDER"),
            OrderItem(3, Decimal(1), supplier_article_number="DOME-M", description="SUBST"),
        ],
    )
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    response = answers.order_response(order, slug="s", sender_id="S", policy="confirm", now=now)
    assert [(l.status, l.quantity, l.backordered_quantity) for l in response.lines] == [
        ("confirmed", Decimal(2), None),
        ("backordered", Decimal(5), Decimal(3)),
        ("substituted", Decimal(1), None),
    ]
    assert response.lines[1].backorder_date == date(2026, 12, 23)
    assert response.lines[2].supplier_article_number == "DOME-M-NEU"
    first = answers.dispatch_notification(order, response, slug="s", sender_id="S", now=now)
    second = answers.backorder_dispatch(order, response, slug="s", sender_id="S", now=now)
    assert [(l.line_no, l.quantity) for l in first.lines] == [
        (1, Decimal(2)),
        (2, Decimal(2)),
        (3, Decimal(1)),
    ]
    assert [(l.line_no, l.quantity) for l in second.lines] == [(2, Decimal(3))]
    assert first.document_id == "SIM-s-DN-OH-77" and second.document_id == "SIM-s-DN2-OH-77"
    assert first.tracking_numbers != second.tracking_numbers
    serials = first.lines[0].serial_numbers
    assert (
        len(serials) == 2 and len(set(serials)) == 2 and all(s.startswith("SIM") for s in serials)
    )
    assert first.lines[1].serial_numbers == [] and second.lines[0].serial_numbers == []
    # Stable: the same order gives the same serials.
    again = answers.dispatch_notification(order, response, slug="s", sender_id="S", now=now)
    assert again.lines[0].serial_numbers == serials
