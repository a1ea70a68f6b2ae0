"""``orderhub-connector receive`` against a running portal (pytest-django's live server): the
practice software books a goods receipt from the command line, a DataMatrix scan with a wrong
serial number comes back as a difference, the same command again books nothing twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orderhub.ordering.models import GoodsReceipt
from orderhub_connector import cli
from orderhub_connector.errors import ExitCode
from tests.ordering.test_goods_receipt import gtin_of, scan, shipped_order

pytestmark = pytest.mark.django_db(transaction=True)

DEMO = Path(__file__).resolve().parents[2] / "connector" / "demo" / "practice.json"


@pytest.fixture
def config(tmp_path, live_server, company, monkeypatch):
    shutil.copy(DEMO, tmp_path / "practice.json")
    path = tmp_path / "orderhub-connector.toml"
    path.write_text(
        f'portal_url = "{live_server.url}"\n'
        'practice_data = "practice.json"\n'
        'state_dir = "state"\n'
        'workstation = "EMPFANG-PC"\n'
        "retries = 1\nretry_backoff = 0.01\ntimeout = 20\n"
        '[interface]\nname = "OrderHub"\nconfigured_via = "branch_administration"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ORDERHUB_CONNECTOR_TOKEN", company[2])
    return path


def run(capsys, config, *args, language="de"):
    """The CLI in ``language`` (given, so that the environment's locale does not choose it)."""
    code = cli.main(["--config", str(config), "--lang", language, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_receive_with_scans_and_lines(capsys, config, practice):
    order = shipped_order(practice)
    gtin = gtin_of(order, 1)
    args = [
        "receive",
        str(order.pk),
        # typed in a shell: GS as <GS>
        "--scan",
        scan(gtin, "SN40021", gs="<GS>"),
        "--scan",
        scan(gtin, "SN40099", gs="<GS>"),
        "--line",
        "2=1",
        "--shipment",
        "LS-1",
    ]
    code, out, err = run(capsys, config, *args)
    assert code == ExitCode.OK, err
    assert f"Wareneingang {order.number}/WE1 gebucht." in out and "Goods receipt" not in out
    assert "Pos. 1: 2  (SN40021, SN40099)" in out
    assert "Seriennummer SN40099 steht nicht in der Versandmeldung." in out
    assert "dispatch notification" not in out
    code, out, err = run(capsys, config, *args, "--json")
    assert code == ExitCode.OK, err
    again = json.loads(out)
    assert again["booked_before"] is True and again["number"] == f"{order.number}/WE1"
    assert [d["code"] for d in again["differences"]] == ["serial_not_notified", "serial_missing"]
    code, out, err = run(capsys, config, *args, language="en")
    assert code == ExitCode.OK, err
    assert f"Goods receipt {order.number}/WE1 was booked before." in out
    assert "Line 1: 2  (SN40021, SN40099)" in out
    assert "serial number SN40099 is not in the dispatch notification." in out
    assert "Seriennummer" not in out
    assert GoodsReceipt.objects.filter(order=order).count() == 1


def test_receive_refusals_have_their_exit_codes(capsys, config, practice):
    order = shipped_order(practice)
    code, _, err = run(capsys, config, "receive", str(order.pk), "--scan", "]d20104012345678902")
    assert code == ExitCode.PORTAL_PROBLEM
    assert "scans[0]" in err and "Traceback" not in err
    code, _, err = run(capsys, config, "receive", str(order.pk), "--line", "zwei")
    assert code == ExitCode.PRACTICE_DATA and "POSITION=MENGE" in err
    code, _, err = run(capsys, config, "receive", str(order.pk))
    assert code == ExitCode.PRACTICE_DATA
    assert not GoodsReceipt.objects.exists()
