"""Scale-out: two web processes and two workers on one database; no order is delivered twice."""

import re
import subprocess
import time

import httpx
import pytest

from tests.e2e.stack import BIN, Stack, free_port

pytestmark = pytest.mark.slow
N = 60


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("scale"), web_workers=1, workers=2).start()
    second_port = free_port()
    second = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "orderhub.wsgi",
            "-b",
            f"127.0.0.1:{second_port}",
            "-w",
            "1",
            "--no-control-socket",
        ],
        env=s.env,
        stdout=s.log("web2"),
        stderr=subprocess.STDOUT,
    )
    s.procs["web2"] = second
    s.wait_http(f"http://127.0.0.1:{second_port}/api/v1/partners")
    s.second = httpx.Client(
        base_url=f"http://127.0.0.1:{second_port}",
        timeout=30,
        headers={"Authorization": f"Bearer {s.api_token}"},
    )
    yield s
    s.stop()


def wait_until_sent(stack, ids, seconds=60):
    """The orders once all of them are ``sent`` (fails after ``seconds``)."""
    deadline = time.monotonic() + seconds
    orders = []
    while time.monotonic() < deadline:
        orders = [stack.order(i) for i in ids]
        if all(o["status"] == "sent" for o in orders):
            break
        time.sleep(0.5)
    assert all(o["status"] == "sent" for o in orders)
    return orders


def test_two_web_processes_two_workers_each_order_delivered_once(scaled):
    scaled.sim_control(answers=False)
    lines = [{"position": 1, "quantity": 1, "partner_article_number": "SN-R-M-3-R"}]
    ids = []
    for i in range(N):
        client = scaled.api if i % 2 else scaled.second
        body = {
            "external_order_id": f"SCALE-{i}",
            "partner": "sonora",
            "branch_id": "F1",
            "ordered_by": "U1",
            "lines": lines,
        }
        r = client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": f"scale-{i}"})
        assert r.status_code == 201 and r.json()["status"] == "queued"
        ids.append(r.json()["id"])
    orders = wait_until_sent(scaled, ids)
    received = scaled.sim_stats()["sonora"]["received"]
    assert received == {o["number"]: 1 for o in orders}  # every order exactly once, nothing extra
    assert all(o["delivery"]["attempts"] == 1 for o in orders)
    # Both workers took part (the work was shared, not serialised behind one).
    out = scaled.orderhub(
        "shell",
        "-c",
        "from orderhub.delivery.models import DeliveryAttempt as A;"
        " print(sorted(set(A.objects.values_list('worker_id', flat=True))))",
    ).stdout
    assert len(eval(out.strip().splitlines()[-1])) == 2, out
    metrics = httpx.get(scaled.base_url + "/metrics", timeout=10).text
    assert re.search(
        r'orderhub_delivery_attempts_total\{channel="opentrans_http",outcome="success"\} 60',
        metrics,
    )
    assert 'orderhub_orders{status="sent"} 60' in metrics
    assert "orderhub_delivery_oldest_due_age_seconds 0\n" in metrics  # nothing left waiting


def test_sigterm_finishes_the_deliveries_in_flight_then_exits(scaled):
    """A worker stopped with SIGTERM claims nothing more, records what it sent, and exits cleanly."""
    import signal

    lines = [{"position": 1, "quantity": 1, "partner_article_number": "SN-R-M-3-R"}]
    ids = []
    for i in range(30):
        body = {
            "external_order_id": f"TERM-{i}",
            "partner": "sonora",
            "branch_id": "F1",
            "ordered_by": "U1",
            "lines": lines,
        }
        r = scaled.api.post("/api/v1/orders", json=body, headers={"Idempotency-Key": f"term-{i}"})
        assert r.status_code == 201
        ids.append(r.json()["id"])
    workers = list(scaled.workers)
    for proc in workers:
        proc.send_signal(signal.SIGTERM)
    # A stop waits for the sends in flight (channel timeout 30 s) and their records (which may wait
    # out SQLite's busy timeout on a loaded machine): 90 s is the bound, the log says what took long.
    deadline = time.monotonic() + 90
    for proc in workers:
        try:
            code = proc.wait(max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log = (scaled.root / "worker.log").read_text(errors="replace")[-8000:]
            pytest.fail(f"a worker was still running 90 s after SIGTERM; worker log:\n{log}")
        assert code == 0
    scaled.workers = []
    out = scaled.orderhub(
        "shell",
        "-c",
        "from orderhub.delivery.models import Delivery as D, DeliveryAttempt as A;"
        " print(D.objects.filter(status='in_progress').count(),"
        " A.objects.filter(outcome='running').count())",
    ).stdout
    assert out.strip().splitlines()[-1] == "0 0", out  # nothing left half-done
    scaled.start_worker()
    orders = wait_until_sent(scaled, ids)
    received = scaled.sim_stats()["sonora"]["received"]
    assert all(received[o["number"]] == 1 for o in orders)
    assert all(o["delivery"]["attempts"] == 1 for o in orders)
