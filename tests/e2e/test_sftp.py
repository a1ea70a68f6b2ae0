"""End to end over SFTP on real processes: portal, worker and an SFTP server (its own process).

The operator pins the server's host key with ``orderhub partner sftp-fingerprint --confirm``;
an order is uploaded by the worker; the test answers as the partner would — ORDRSP and DESADV
written by the simulator's rules into the server's outbox — and the worker's periodic job picks
them up until the order is ``shipped`` with its tracking number. A wrong host key refuses the
delivery once, permanently, with a German and English reason.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orderhub.formats.edifact.partner import parse_orders, write_desadv, write_ordrsp
from orderhub.formats.edifact.structure import check_structure
from simulator import answers as sim_answers

pytestmark = pytest.mark.slow

PASSWORD = "E2E-Sftp-Geheim"
LINES = [
    {"position": 1, "quantity": 2, "partner_article_number": "SN-R-M-3-R"},
    {"position": 2, "quantity": 1, "partner_article_number": "SN-D-OPEN-M"},
]


@pytest.fixture(scope="module")
def sftp_server(stack):
    root = stack.root / "sftp-root"
    for folder in ("in", "out"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.delivery.sftp_server",
            "--root",
            str(root),
            "--username",
            "orderhub",
            "--password",
            PASSWORD,
        ],
        stdout=subprocess.PIPE,
        stderr=stack.log("sftp"),
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    info = json.loads(proc.stdout.readline())
    yield {"root": root, **info}
    proc.terminate()
    proc.wait(10)


def configure(stack, slug: str, port: int) -> None:
    """The partner switched to SFTP by the operator (channel, encrypted password, no host key)."""
    config = {
        "host": "127.0.0.1",
        "port": port,
        "username": "orderhub",
        "timeout": 5,
        "poll_seconds": 1,
    }
    code = (
        f"from orderhub.partners.models import Partner; p = Partner.objects.get(slug={slug!r}); "
        f"p.channel = 'sftp'; p.channel_config = {config!r}; "
        f"p.credentials = {{'password': {PASSWORD!r}}}; p.save()"
    )
    stack.orderhub("shell", "-c", code)


def write_atomically(folder: Path, name: str, data: bytes) -> None:
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, folder / name)


def test_order_over_sftp_is_confirmed_and_shipped(stack, sftp_server):
    configure(stack, "sonora", sftp_server["port"])
    shown = stack.orderhub("partner", "sftp-fingerprint", "--partner", "sonora")
    assert shown.stdout.splitlines()[0] == sftp_server["fingerprint"]
    stored = stack.orderhub(
        "partner",
        "sftp-fingerprint",
        "--partner",
        "sonora",
        "--confirm",
        sftp_server["fingerprint"],
    )
    assert "Gespeichert für sonora." in stored.stdout  # the stack's operator reads German
    english = stack.orderhub(
        "partner",
        "sftp-fingerprint",
        "--partner",
        "sonora",
        "--confirm",
        sftp_server["fingerprint"],
        env={**stack.env, "ORDERHUB_LANG": "en"},
    )
    assert "Stored for sonora." in english.stdout and "Gespeichert" not in english.stdout

    created = stack.submit("E2E-SFTP-1", "sonora", LINES)
    order = stack.wait_for(created["id"], {"sent"}, timeout=60)
    uploaded = sftp_server["root"] / "in" / f"{order['number']}.edi"
    data = uploaded.read_bytes()
    assert check_structure(data, "ORDERS") == []
    assert [p.name for p in uploaded.parent.iterdir()] == [uploaded.name]

    doc = parse_orders(data)
    response = sim_answers.order_response(doc, slug="sonora", sender_id="SONORA", policy="confirm")
    dispatch = sim_answers.dispatch_notification(doc, response, slug="sonora", sender_id="SONORA")
    outbox = sftp_server["root"] / "out"
    write_atomically(
        outbox,
        f"ORDRSP_{order['number']}.edi",
        write_ordrsp(response, sender_id="SONORA", recipient_id="ORDERHUB", interchange_ref="1"),
    )
    write_atomically(
        outbox,
        f"DESADV_{order['number']}.edi",
        write_desadv(dispatch, sender_id="SONORA", recipient_id="ORDERHUB", interchange_ref="2"),
    )

    order = stack.wait_for(created["id"], {"shipped"}, timeout=60)
    assert order["tracking_numbers"] == dispatch.tracking_numbers
    assert all(line["line_status"] == "shipped" for line in order["lines"])
    transitions = [e["to_status"] for e in order["events"] if e["to_status"]]
    assert transitions.index("confirmed") < transitions.index("shipped")
    inbound = {d["kind"] for d in order["documents"] if d["direction"] == "inbound"}
    assert inbound == {"order_response", "dispatch_notification"}
    done = sftp_server["root"] / "out" / "done"
    deadline = time.monotonic() + 10
    while len(list(done.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sorted(p.name for p in done.iterdir()) == [
        f"DESADV_{order['number']}.edi",
        f"ORDRSP_{order['number']}.edi",
    ]


def test_wrong_host_key_refuses_the_delivery_once(stack, sftp_server):
    configure(stack, "audiotec", sftp_server["port"])
    code = (
        "from orderhub.partners.models import Partner; p = Partner.objects.get(slug='audiotec'); "
        "p.channel_config = {**p.channel_config, "
        "'host_key_fingerprint': 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'}; p.save()"
    )
    stack.orderhub("shell", "-c", code)
    created = stack.submit(
        "E2E-SFTP-2",
        "audiotec",
        [{"position": 1, "quantity": 1, "partner_article_number": "AT-R-S-0-L"}],
    )
    order = stack.wait_for(created["id"], {"failed"}, timeout=60)
    time.sleep(3)  # several periodic rounds and worker polls: nothing retries it
    order = stack.order(created["id"])
    assert order["status"] == "failed"
    assert order["delivery"]["status"] == "dead" and order["delivery"]["attempts"] == 1
    error = order["delivery"]["last_error"]
    assert "Host key of 127.0.0.1" in error
    assert f"got {sftp_server['fingerprint']}" in error
    assert not (sftp_server["root"] / "in" / f"{order['number']}.edi").exists()
