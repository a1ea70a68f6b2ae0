"""Routing (SPEC §3.5): one decision per firm kind, with its reason and warnings."""

from __future__ import annotations

import pytest

from orderhub_connector.practice import Firm, SpecificInterface, parse_practice_data
from orderhub_connector.routing import MANUAL, ORDERHUB, SPECIFIC_INTERFACE, route_firm


def warning_codes(route) -> list[str]:
    return [w.code for w in route.warnings]


def test_partner_with_interface_and_customer_number_goes_to_orderhub():
    route = route_firm(Firm("A", "Sonora", partner="sonora", customer_number="K-4711"))
    assert route.destination == ORDERHUB and route.via_orderhub
    assert route.warnings == ()
    assert "K-4711" in route.reason.de and "sonora" in route.reason.en


def test_branch_customer_numbers_alone_are_enough():
    firm = Firm("A", "Sonora", partner="sonora", branch_customer_numbers={"F1": "K-1"})
    route = route_firm(firm, branch_names={"F1": "Mitte", "F2": "Nord"})
    assert route.destination == ORDERHUB
    assert warning_codes(route) == ["customer_number_missing_for_branches"]
    assert "F2" in route.warnings[0].en


def test_active_specific_interface_keeps_precedence_and_warns():
    firm = Firm(
        "B",
        "Audiotec",
        partner="audiotec",
        customer_number="AT-1",
        specific_interface=SpecificInterface("Audiotec Direkt", active=True),
    )
    route = route_firm(firm)
    assert route.destination == SPECIFIC_INTERFACE
    assert warning_codes(route) == ["specific_interface_shadows_orderhub"]
    assert "Audiotec Direkt" in route.reason.en


def test_deactivated_specific_interface_lets_orderhub_take_over():
    firm = Firm(
        "B",
        "Audiotec",
        partner="audiotec",
        customer_number="AT-1",
        specific_interface=SpecificInterface("Audiotec Direkt", active=False),
    )
    route = route_firm(firm)
    assert route.destination == ORDERHUB
    assert "deactivated" in route.reason.en


def test_specific_interface_of_a_non_partner_is_used_without_warning():
    firm = Firm("X", "Other", specific_interface=SpecificInterface("Other EDI", active=True))
    route = route_firm(firm)
    assert route.destination == SPECIFIC_INTERFACE and route.warnings == ()


def test_partner_without_customer_number_is_not_routed_and_warned():
    route = route_firm(Firm("C", "Otoplast", partner="otoplast"))
    assert route.destination == MANUAL
    assert warning_codes(route) == ["partner_without_customer_number"]


@pytest.mark.parametrize("form", ["email", "fax", "print"])
def test_partner_with_other_order_form_is_manual_and_warned(form):
    route = route_firm(
        Firm("D", "Klangwerk", partner="klangwerk", order_form=form, customer_number="KW-1")
    )
    assert route.destination == MANUAL
    assert warning_codes(route) == ["order_form_not_interface"]


def test_non_partner_with_manual_order_form_is_quietly_manual():
    route = route_firm(Firm("E", "Batterien Schmidt", order_form="fax", customer_number="S-1"))
    assert route.destination == MANUAL and route.warnings == ()


def test_interface_order_form_without_partner_or_interface_is_warned():
    route = route_firm(Firm("F", "Niemand", order_form="interface"))
    assert route.destination == MANUAL
    assert warning_codes(route) == ["no_interface"]


def test_partner_unknown_to_the_portal_is_warned_only_when_checked():
    firm = Firm("A", "Sonroa", partner="sonroa", customer_number="K-1")
    assert route_firm(firm).warnings == ()
    route = route_firm(firm, known_partners={"sonora": {}})
    assert route.destination == ORDERHUB
    assert warning_codes(route) == ["unknown_partner"]


def test_demo_firms_route_as_documented(demo_data):
    data = parse_practice_data(demo_data)
    routes = {
        r.partner or r.firm_id: r
        for r in (route_firm(f, branch_names=data.branch_names) for f in data.firms)
    }
    assert routes["sonora"].destination == ORDERHUB and routes["sonora"].warnings == ()
    assert routes["audiotec"].destination == SPECIFIC_INTERFACE
    assert warning_codes(routes["audiotec"]) == ["specific_interface_shadows_orderhub"]
    assert routes["otoplast"].destination == MANUAL
    assert warning_codes(routes["otoplast"]) == ["partner_without_customer_number"]
    assert routes["klangwerk"].destination == MANUAL
    assert warning_codes(routes["klangwerk"]) == ["order_form_not_interface"]
    assert routes["FA-500"].destination == MANUAL and routes["FA-500"].warnings == ()


def test_route_as_dict_is_json_ready():
    data = route_firm(Firm("C", "Otoplast", partner="otoplast")).as_dict()
    assert data["destination"] == "manual"
    assert data["warnings"][0]["code"] == "partner_without_customer_number"
    assert set(data["reason"]) == {"code", "de", "en"}
