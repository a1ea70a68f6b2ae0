"""``python -m simulator`` as a real process: the startup line, stats, clean shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from .conftest import opentrans_order

ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_ports_and_serves(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "--log-level",
            "WARNING",
            "--partner",
            "sonora:opentrans:tok:sonora:geheim",
            "--partner",
            "otoplast:email:tok2",
            "--partner",
            "audiotec:edifact",
            "--drop-root",
            str(tmp_path / "drop"),
            "--no-answers",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ports = json.loads(process.stdout.readline())
        assert ports["http_port"] > 0 and ports["smtp_port"] > 0
        assert ports["drop_root"] == str(tmp_path / "drop")
        assert (tmp_path / "drop" / "audiotec" / "out").is_dir()
        base = f"http://127.0.0.1:{ports['http_port']}"
        with httpx.Client(trust_env=False, timeout=5) as http:
            response = http.post(
                f"{base}/opentrans/orders",
                content=opentrans_order("OH-70"),
                headers={"Content-Type": "application/xml"},
                auth=("sonora", "geheim"),
            )
            assert response.status_code == 200
            stats = http.get(f"{base}/_stats").json()
        assert stats["partners"]["sonora"]["received"] == {"OH-70": 1}
        assert set(stats["partners"]) == {"sonora", "otoplast", "audiotec"}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_cli_refuses_bad_partner_spec():
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "--partner", "x:fax"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "kind" in result.stderr
