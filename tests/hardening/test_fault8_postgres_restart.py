"""Issue 14, fault 8 on PostgreSQL: a throwaway cluster (Debian's initdb/pg_ctl, its own port, not
the machine's service) is stopped and started again under load. Asserted: no worker exits, no 500
(while the database is down intake answers 503 with Retry-After), every accepted order is delivered
exactly once as the partner sees it."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time

import httpx
import pytest

from tests.e2e.stack import Stack, free_port

pytestmark = pytest.mark.slow
DELIVERED = {"sent", "confirmed", "partially_confirmed", "shipped"}
BINDIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _as_postgres(*cmd):
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*runner, *cmd], check=True, capture_output=True, text=True, timeout=120)


@pytest.fixture
def throwaway_postgres():
    if not BINDIRS:
        pytest.skip("Debian's PostgreSQL server binaries are not installed")
    bindir = BINDIRS[-1]
    root = tempfile.mkdtemp(prefix="orderhub-pg-")
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: the cluster belongs to "postgres"
        try:
            pg = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres system user")
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser")
        os.chown(root, pg.pw_uid, pg.pw_gid)
    data = os.path.join(root, "data")
    port = free_port()
    _as_postgres(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"

    def start():
        _as_postgres(f"{bindir}/pg_ctl", "-D", data, "-o", opts, "-l", f"{root}/log", "-w", "start")

    def stop():
        _as_postgres(f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop")

    start()
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres", start, stop
    finally:
        try:
            _as_postgres(f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(root, ignore_errors=True)


def test_fault8_postgresql_restart_under_load(tmp_path, monkeypatch, throwaway_postgres):
    url, start, stop = throwaway_postgres
    monkeypatch.setenv("DATABASE_URL", url)
    stack = Stack(tmp_path / "stack", workers=2).start()
    lines = [{"position": 1, "quantity": 1, "partner_article_number": "SN-R-M-3-R"}]
    accepted, statuses, stop_load = [], [], threading.Event()

    def load():
        client = httpx.Client(
            base_url=stack.base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {stack.api_token}"},
        )
        n = 0
        while not stop_load.is_set():
            n += 1
            body = {
                "external_order_id": f"PG-{n}",
                "partner": "sonora",
                "branch_id": "F1",
                "ordered_by": "U1",
                "lines": lines,
            }
            try:
                r = client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": f"pg-{n}"})
            except httpx.HTTPError as exc:
                statuses.append(type(exc).__name__)
                continue
            statuses.append(r.status_code)
            if r.status_code == 201:
                accepted.append(r.json())
            elif r.status_code == 503:
                assert r.headers.get("Retry-After")
            time.sleep(0.05)

    thread = threading.Thread(target=load, daemon=True)
    try:
        thread.start()
        time.sleep(3)
        stop()
        time.sleep(8)
        assert all(w.poll() is None for w in stack.workers), "a worker exited while PG was down"
        start()
        time.sleep(5)
        stop_load.set()
        thread.join(60)
        assert 500 not in statuses, statuses
        assert 503 in statuses, "the test never hit the outage"
        assert accepted
        for order in accepted:
            stack.wait_for(order["id"], DELIVERED, timeout=120)
        assert all(w.poll() is None for w in stack.workers)
        received = stack.sim_stats()["sonora"]["received"]
        numbers = {o["number"] for o in accepted}
        assert set(received) == numbers  # every accepted order, and nothing else
        counts = {s: statuses.count(s) for s in set(statuses)}
        print({"accepted": len(accepted), "statuses": counts})
    finally:
        stop_load.set()
        stack.stop()
