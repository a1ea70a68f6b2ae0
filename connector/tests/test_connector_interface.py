"""Interface settings (SPEC §3.4): the rules at their edges, and their configuration."""

from __future__ import annotations

import datetime as dt

import pytest

from orderhub_connector.config import config_from_mapping
from orderhub_connector.errors import ConfigError
from orderhub_connector.interface import InterfaceSetting, check_interface

TODAY = dt.date(2026, 3, 1)


def check(setting: InterfaceSetting, *, branch="F1", workstation="EMPFANG-PC", on=TODAY):
    return check_interface(
        [setting],
        branch=branch,
        workstation=workstation,
        on_date=on,
        branch_names={"F1": "Filiale Mitte", "F2": "Filiale Nord"},
    )


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def test_no_branch_set_allows_every_branch():
    setting = InterfaceSetting(branch=None)
    assert check(setting, branch="F1").allowed
    assert check(setting, branch="F2").allowed
    assert check(setting, branch=None).allowed


def test_branch_set_allows_that_branch():
    assert check(InterfaceSetting(branch="F1"), branch="F1").allowed


def test_branch_set_refuses_another_branch_naming_both():
    result = check(InterfaceSetting(branch="F1"), branch="F2")
    assert not result.allowed
    assert codes(result) == ["other_branch"]
    reason = result.reasons[0]
    for text in (reason.de, reason.en):
        assert "F1 (Filiale Mitte)" in text and "F2 (Filiale Nord)" in text


def test_branch_set_refuses_when_no_branch_is_given():
    result = check(InterfaceSetting(branch="F1"), branch=None)
    assert codes(result) == ["branch_required"]


def test_workstation_settings_allow_only_that_workstation_case_insensitively():
    setting = InterfaceSetting(configured_via="workstation", workstation="EMPFANG-PC")
    assert check(setting, workstation="EMPFANG-PC").allowed
    assert check(setting, workstation="empfang-pc").allowed
    result = check(setting, workstation="WERKSTATT-PC")
    assert not result.allowed
    assert codes(result) == ["other_workstation"]
    assert "EMPFANG-PC" in result.reasons[0].en and "WERKSTATT-PC" in result.reasons[0].en


def test_branch_administration_allows_every_workstation():
    setting = InterfaceSetting(configured_via="branch_administration", workstation="EMPFANG-PC")
    assert check(setting, workstation="WERKSTATT-PC").allowed
    assert check(setting, workstation="anything").allowed


def test_start_today_is_allowed():
    assert check(InterfaceSetting(start=TODAY), on=TODAY).allowed


def test_start_before_today_is_allowed():
    assert check(InterfaceSetting(start=TODAY - dt.timedelta(days=1)), on=TODAY).allowed


def test_start_tomorrow_is_refused_with_the_date():
    tomorrow = TODAY + dt.timedelta(days=1)
    result = check(InterfaceSetting(start=tomorrow), on=TODAY)
    assert not result.allowed
    assert codes(result) == ["not_started"]
    assert "enabled from 2026-03-02" in result.reasons[0].en
    assert "ab 02.03.2026" in result.reasons[0].de


def test_empty_start_is_allowed_at_once():
    assert check(InterfaceSetting(start=None), on=dt.date(1990, 1, 1)).allowed


def test_all_reasons_are_reported_together():
    setting = InterfaceSetting(
        branch="F1",
        configured_via="workstation",
        workstation="A",
        start=TODAY + dt.timedelta(days=7),
    )
    result = check(setting, branch="F2", workstation="B")
    assert codes(result) == ["other_branch", "other_workstation", "not_started"]


def test_any_of_several_settings_may_allow():
    settings = [
        InterfaceSetting(name="Empfang", configured_via="workstation", workstation="EMPFANG-PC"),
        InterfaceSetting(
            name="Werkstatt", configured_via="workstation", workstation="WERKSTATT-PC", branch="F2"
        ),
    ]
    allowed = check_interface(settings, branch="F2", workstation="werkstatt-pc", on_date=TODAY)
    assert allowed.allowed and allowed.allowed_by.name == "Werkstatt"
    refused = check_interface(settings, branch="F1", workstation="LABOR", on_date=TODAY)
    assert not refused.allowed
    assert codes(refused) == ["other_workstation", "other_branch", "other_workstation"]


def test_no_settings_at_all_means_unrestricted():
    assert check_interface([], branch="F9", workstation="X", on_date=TODAY).allowed


@pytest.mark.parametrize("usage", ["server", "SERVER", "both", "Server-seitig"])
def test_usage_other_than_client_is_rejected_clearly(usage):
    with pytest.raises(ConfigError) as info:
        InterfaceSetting(usage=usage)
    assert "client" in info.value.en and usage in info.value.en
    assert "clientseitig" in info.value.de


def test_unknown_configured_via_is_rejected():
    with pytest.raises(ConfigError):
        InterfaceSetting(configured_via="registry")


def base(**extra):
    return {
        "portal_url": "http://127.0.0.1:1",
        "practice_data": "p.json",
        "workstation": "EMPFANG-PC",
        **extra,
    }


def test_config_reads_interface_and_interfaces_list():
    config = config_from_mapping(
        base(
            interface={
                "branch": "",
                "configured_via": "workstation",
                "usage": "client",
                "start": "",
            },
            interfaces=[
                {
                    "name": "Nord",
                    "branch": "F2",
                    "configured_via": "branch_administration",
                    "start": "2026-04-01",
                },
                {
                    "name": "Labor",
                    "configured_via": "workstation",
                    "workstation": "LABOR-1",
                    "start": dt.date(2026, 5, 1),
                },
            ],
        )
    )
    first, nord, labor = config.interfaces
    assert first.name == "OrderHub" and first.branch is None and first.start is None
    # configured via workstation settings without a name: the setting belongs to this computer
    assert first.workstation == "EMPFANG-PC"
    assert nord.branch == "F2" and nord.start == dt.date(2026, 4, 1)
    assert labor.workstation == "LABOR-1" and labor.start == dt.date(2026, 5, 1)


def test_config_rejects_bad_usage_and_bad_start():
    with pytest.raises(ConfigError, match="usage 'server'"):
        config_from_mapping(base(interface={"usage": "server"}))
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        config_from_mapping(base(interface={"start": "01.03.2026"}))


def test_config_rejects_unknown_keys_and_nameless_list_entries():
    with pytest.raises(ConfigError, match="portal_ulr"):
        config_from_mapping(base(portal_ulr="x"))
    with pytest.raises(ConfigError, match="needs a name"):
        config_from_mapping(base(interfaces=[{"branch": "F1"}]))
    with pytest.raises(ConfigError, match="more than once"):
        config_from_mapping(base(interfaces=[{"name": "A"}, {"name": "A"}]))
