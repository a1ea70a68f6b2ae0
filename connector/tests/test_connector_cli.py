"""The CLI: output for people, --json for programs, and one exit code per kind of failure."""

from __future__ import annotations

import json
import webbrowser

import pytest

from orderhub_connector import cli
from orderhub_connector.errors import ExitCode


@pytest.fixture
def run(capsys):
    def run(config, *args):
        code = cli.main(["--config", str(config), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def no_browser(monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    return opened


def registered(config):
    from orderhub_connector.state import FileTokenStore

    FileTokenStore(config.parent / "state").save("tok-valid")
    return config


def test_register_prints_url_and_stores_token(portal, write_config, run, no_browser):
    code, out, err = run(write_config(portal.url), "register", "--no-browser")
    assert code == ExitCode.OK, err
    assert f"{portal.url}/register/reg-1" in out
    assert "Registrierung abgeschlossen" in out and "Registration" not in out
    assert no_browser == []


def test_register_opens_the_browser_by_default(portal, write_config, run, no_browser):
    code, _, _ = run(write_config(portal.url), "register")
    assert code == ExitCode.OK and no_browser == [f"{portal.url}/register/reg-1"]


def test_register_expired_exit_code(portal, write_config, run, no_browser):
    portal.expire_registrations = True
    code, _, err = run(write_config(portal.url), "register", "--no-browser")
    assert code == ExitCode.REGISTRATION_FAILED
    assert "Fehler: Die Registrierung ist abgelaufen" in err and "Traceback" not in err


def test_sync_prints_counts_and_json(portal, write_config, run):
    config = registered(write_config(portal.url))
    code, out, _ = run(config, "sync")
    assert code == ExitCode.OK
    assert "Filialen" in out and "unverändert" in out and "branches" not in out
    code, out, _ = run(config, "sync", "--json")
    data = json.loads(out)
    assert data["counts"]["users"] == {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 4}
    assert data["conflicts"] == []


def test_sync_shows_conflicts(portal, write_config, run):
    portal.conflicts = [
        {
            "id": 1,
            "record_type": "user",
            "record_id": "U2",
            "field": "phone",
            "dashboard_value": "+49 30 999",
            "source_value": "+49 30 1234568",
            "detected_at": "2026-03-01T10:00:00+00:00",
        }
    ]
    code, out, _ = run(registered(write_config(portal.url)), "sync")
    assert code == ExitCode.OK
    assert "1 Konflikt" in out
    assert "user U2: phone – Dashboard '+49 30 999'" in out and "'+49 30 1234568'" in out


def test_snapshot_command_prints_what_would_be_sent(write_config, run):
    code, out, _ = run(write_config(), "snapshot")
    assert code == ExitCode.OK
    assert set(json.loads(out)) == {"company", "branches", "users", "customer_numbers"}


def test_routes_human_and_json(write_config, run):
    config = write_config()
    code, out, _ = run(config, "routes")
    assert code == ExitCode.OK
    assert "Audiotec Direkt" in out and "Warnung: Die aktive" in out and "Warning" not in out
    code, out, _ = run(config, "routes", "--lang", "en")
    assert "Warning: The active firm-specific interface 'Audiotec Direkt'" in out
    assert "Warnung" not in out
    code, out, _ = run(config, "routes", "--json")
    routes = {r["firm_id"]: r for r in json.loads(out)}
    assert routes["FA-100"]["destination"] == "orderhub"
    assert routes["FA-200"]["destination"] == "specific_interface"
    assert routes["FA-300"]["warnings"][0]["code"] == "partner_without_customer_number"


INTERFACES = """
[interface]
name = "OrderHub"
configured_via = "workstation"
workstation = "EMPFANG-PC"

[[interfaces]]
name = "Nord"
branch = "F2"
configured_via = "branch_administration"
start = "2999-01-01"

[[interfaces]]
name = "Werkstatt"
configured_via = "workstation"
workstation = "WERKSTATT-PC"
"""


def test_interfaces_list_and_workstation_filter(write_config, run):
    config = write_config(interface=INTERFACES)
    code, out, _ = run(config, "interfaces")
    assert code == ExitCode.OK and "Nord" in out and "Werkstatt" in out
    code, out, _ = run(config, "interfaces", "--with-workstation-settings", "--json")
    listed = json.loads(out)
    assert [(i["name"], i["workstation"]) for i in listed] == [
        ("OrderHub", "EMPFANG-PC"),
        ("Werkstatt", "WERKSTATT-PC"),
    ]
    code, out, _ = run(config, "interfaces", "--with-workstation-settings")
    assert "WERKSTATT-PC" in out and "Nord" not in out


def test_check_exit_codes_and_reasons(write_config, run):
    config = write_config(interface=INTERFACES)
    code, out, _ = run(config, "check", "--branch", "F1", "--workstation", "empfang-pc")
    assert code == ExitCode.OK and "darf verwendet werden" in out
    code, out, _ = run(
        config,
        "check",
        "--branch",
        "F1",
        "--workstation",
        "LABOR",
        "--interface",
        "Nord",
        "--date",
        "2999-01-01",
    )
    assert code == ExitCode.INTERFACE_NOT_ALLOWED
    assert "F2 (Filiale Nord)" in out and "F1 (Filiale Mitte)" in out
    code, out, _ = run(
        config, "check", "--branch", "F2", "--interface", "Nord", "--date", "2998-12-31", "--json"
    )
    data = json.loads(out)
    assert code == ExitCode.INTERFACE_NOT_ALLOWED and data["allowed"] is False
    assert data["settings"][0]["reasons"][0]["code"] == "not_started"
    assert "enabled from 2999-01-01" in data["settings"][0]["reasons"][0]["en"]


def test_bad_usage_value_is_a_config_error(write_config, run):
    config = write_config(interface='[interface]\nusage = "server"\n')
    code, _, err = run(config, "check", "--branch", "F1")
    assert code == ExitCode.CONFIG
    assert "Verwendung „server“ wird nicht unterstützt" in err and "Traceback" not in err


def test_missing_config_file(tmp_path, run):
    code, _, err = run(tmp_path / "nope.toml", "routes")
    assert code == ExitCode.CONFIG and "nicht gefunden" in err


def test_config_from_environment(write_config, capsys, monkeypatch):
    monkeypatch.setenv("ORDERHUB_CONNECTOR_CONFIG", str(write_config()))
    assert cli.main(["routes", "--json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)


def test_config_option_after_the_command(write_config, capsys):
    assert cli.main(["routes", "--config", str(write_config())]) == ExitCode.OK


def test_broken_practice_data_exit_code(write_config, run, demo_data):
    demo_data["branches"][0]["id"] = None
    code, _, err = run(write_config(practice=demo_data), "snapshot")
    assert code == ExitCode.PRACTICE_DATA
    assert "branches[0].id" in err


def test_unknown_order_id(write_config, run):
    code, _, err = run(registered(write_config()), "order", "B-NOPE")
    assert code == ExitCode.PRACTICE_DATA and "B-NOPE" in err


def test_order_for_firm_not_routed_through_orderhub(portal, write_config, run):
    config = registered(write_config(portal.url))
    code, _, err = run(config, "order", "B-2026-0003")
    assert code == ExitCode.FIRM_NOT_ROUTED
    assert "Audiotec Direkt" in err
    code, _, err = run(config, "order", "B-2026-0004")
    assert code == ExitCode.FIRM_NOT_ROUTED and "Bestellform „E-Mail“" in err
    assert portal.calls("POST", "/api/v1/orders") == []


def test_order_where_the_interface_may_not_be_used(portal, write_config, run):
    config = registered(write_config(portal.url, interface=('[interface]\nbranch = "F2"\n')))
    code, _, err = run(config, "order", "B-2026-0001")
    assert code == ExitCode.INTERFACE_NOT_ALLOWED
    assert "F2 (Filiale Nord)" in err and "F1 (Filiale Mitte)" in err
    assert portal.requests == []


def test_order_queued(portal, write_config, run, no_browser):
    code, out, _ = run(registered(write_config(portal.url)), "order", "B-2026-0001")
    assert code == ExitCode.OK
    assert "angenommen" in out and "OH-000001" in out and "Status in Warteschlange" in out
    assert no_browser == []


def test_order_cart_lists_issues_and_prints_url(portal, write_config, run, no_browser):
    config = registered(write_config(portal.url))
    code, out, _ = run(config, "order", "B-2026-0002", "--no-browser")
    assert code == ExitCode.OK
    assert "Warenkorb" in out and "Pos. 2: article_not_found" in out
    assert "Pos. 2: article_not_found – Artikel nicht gefunden" in out
    assert "article not found" not in out
    assert f"{portal.url}/cart/OH-000001" in out
    assert no_browser == []


def test_order_cart_opens_the_browser(portal, write_config, run, no_browser):
    code, out, _ = run(registered(write_config(portal.url)), "order", "B-2026-0002", "--json")
    result = json.loads(out)
    assert code == ExitCode.OK and result["status"] == "cart"
    assert no_browser == [result["cart_url"]] and result["browser_opened"] is True


def test_unreachable_portal_exit_code(closed_port, write_config, run):
    config = registered(write_config(f"http://127.0.0.1:{closed_port}"))
    for command in (["sync"], ["order", "B-2026-0001"], ["status"], ["watch", "--once"]):
        code, _, err = run(config, *command)
        assert code == ExitCode.PORTAL_UNREACHABLE, command
        assert "nicht erreichbar" in err and "cannot be reached" not in err
        assert "Traceback" not in err


def test_revoked_token_exit_code(portal, write_config, run):
    config = write_config(portal.url)
    from orderhub_connector.state import FileTokenStore

    FileTokenStore(config.parent / "state").save("tok-revoked")
    code, _, err = run(config, "sync")
    assert code == ExitCode.TOKEN_INVALID
    assert "widerrufen" in err and "revoked" not in err


def test_not_registered_exit_code(portal, write_config, run):
    code, _, err = run(write_config(portal.url), "sync")
    assert code == ExitCode.NOT_REGISTERED and "register" in err


def test_token_from_environment(portal, write_config, run, monkeypatch):
    monkeypatch.setenv("ORDERHUB_CONNECTOR_TOKEN", "tok-valid")
    code, _, _ = run(write_config(portal.url), "sync")
    assert code == ExitCode.OK


def test_problem_details_are_printed(portal, write_config, run, monkeypatch):
    config = registered(write_config(portal.url))
    monkeypatch.setattr("orderhub_connector.connector.idempotency_key", lambda *a: "same-key")
    assert run(config, "order", "B-2026-0001")[0] == ExitCode.OK
    code, out, err = run(config, "order", "B-2026-0002", "--json")
    assert code == ExitCode.PORTAL_PROBLEM
    assert "Idempotency key reused" in err and "different body" in err
    assert "HTTP 409" in err
    assert json.loads(out)["exit_code"] == ExitCode.PORTAL_PROBLEM


def test_portal_server_error_exit_code(portal, write_config, run):
    portal.masterdata_error = 503
    code, _, err = run(registered(write_config(portal.url)), "sync")
    assert code == ExitCode.PORTAL_SERVER_ERROR and "503" in err
    assert len(portal.calls("PUT", "/api/v1/masterdata")) == 3  # retried: 1 + retries=2


def test_status_and_watch(portal, write_config, run):
    config = registered(write_config(portal.url))
    run(config, "order", "B-2026-0001")
    code, out, _ = run(config, "status")
    assert code == ExitCode.OK and "OH-000001" in out and "B-2026-0001" in out
    code, out, _ = run(config, "status", "B-2026-0001", "--json")
    assert json.loads(out)["number"] == "OH-000001"
    code, out, _ = run(config, "watch", "--once")
    assert code == ExitCode.OK and "B-2026-0001 (OH-000001): in Warteschlange" in out
    code, out, _ = run(config, "watch", "--once", "--json")
    assert json.loads(out) == []


def test_usage_errors_exit_2(write_config, run):
    with pytest.raises(SystemExit) as info:
        run(write_config(), "check", "--date", "tomorrow")
    assert info.value.code == ExitCode.USAGE


def test_watch_keeps_going_through_network_trouble(closed_port, write_config, run, monkeypatch):
    import orderhub_connector.cli as cli_module

    def stop(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module.time, "sleep", stop)
    config = registered(write_config(f"http://127.0.0.1:{closed_port}"))
    code, _, err = run(config, "watch", "--interval", "1")
    assert code == ExitCode.OK  # stopped by Ctrl-C, not by the unreachable portal
    assert "nicht erreichbar" in err
