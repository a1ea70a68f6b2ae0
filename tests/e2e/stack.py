"""A real OrderHub stack for end-to-end tests: its own database, gunicorn, workers, simulator.

Everything runs as separate processes talking over loopback, exactly as in production; the test
only uses HTTP, the simulator's stats and the database file/schema it created for the stack.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n: int) -> list[int]:
    ports = set()
    while len(ports) < n:
        ports.add(free_port())
    return list(ports)


class Stack:
    def __init__(
        self,
        root: Path,
        *,
        web_workers: int = 2,
        workers: int = 1,
        sim_args: list[str] | None = None,
        http_timeout: float = 5,
        lease_seconds: int = 8,
        catalog_size: int = 300,
    ):
        self.root = root
        self.web_workers, self.worker_count = web_workers, workers
        self.extra_sim_args = sim_args or []
        self.http_timeout, self.lease_seconds, self.catalog_size = (
            http_timeout,
            lease_seconds,
            catalog_size,
        )
        self.port, self.sim_http, self.sim_smtp = free_ports(3)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.sim_url = f"http://127.0.0.1:{self.sim_http}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.workers: list[subprocess.Popen] = []
        self.database_url, self._pg_name = self._database()
        self.env = {
            **os.environ,
            "ORDERHUB_DATA_DIR": str(root),
            "DATABASE_URL": self.database_url,
            "ORDERHUB_BASE_URL": self.base_url,
            "ORDERHUB_DELIVERY_LEASE_SECONDS": str(lease_seconds),
            "ORDERHUB_PERIODIC_SECONDS": "1",
            "ORDERHUB_WORKER_POLL": "0.1",
            "DJANGO_SETTINGS_MODULE": "orderhub.settings",
            "PYTHONUNBUFFERED": "1",
            # the operator's commands speak German whatever the machine's locale (orderhub.cli)
            "ORDERHUB_LANG": "de",
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    # -- database -------------------------------------------------------------------------------
    def _database(self) -> tuple[str, str | None]:
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            import psycopg

            name = f"orderhub_e2e_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(
                url.replace("postgres://", "postgresql://", 1), autocommit=True
            ) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            base, _, _ = url.rpartition("/")
            return f"{base}/{name}", name
        return f"sqlite:///{self.root / 'e2e.sqlite3'}", None

    def _drop_database(self) -> None:
        if self._pg_name:
            import psycopg

            url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')

    # -- processes ------------------------------------------------------------------------------
    def orderhub(self, *args: str, check=True, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "-m", "orderhub.cli", *args],
            env=kw.pop("env", self.env),
            check=check,
            capture_output=True,
            text=True,
            **kw,
        )

    def seeded(self) -> None:
        """Called once the database is migrated and seeded, before any process starts."""

    def log(self, name: str):
        return open(self.root / f"{name}.log", "ab")

    def start(self) -> Stack:
        self.root.mkdir(parents=True, exist_ok=True)
        self.orderhub("migrate", "-v0")
        state_file = self.root / "state.json"
        self.orderhub(
            "seed_demo",
            "--no-orders",
            "--catalog-size",
            str(self.catalog_size),
            "--sim-http-port",
            str(self.sim_http),
            "--sim-smtp-port",
            str(self.sim_smtp),
            "--drop-root",
            str(self.root / "edi"),
            "--portal-url",
            self.base_url,
            "--http-timeout",
            str(self.http_timeout),
            "--write-state",
            str(state_file),
        )
        self.state = json.loads(state_file.read_text())
        self.api_token = self.state["api_token"]
        self.seeded()
        sim_cmd = [
            PYTHON,
            "-m",
            "simulator",
            *self.state["simulator_args"],
            "--mail-root",
            str(self.root / "mail"),
            "--answer-delay",
            "0.2",
            "--ship-delay",
            "0.3",
            *self.extra_sim_args,
        ]
        self.procs["simulator"] = subprocess.Popen(
            sim_cmd, env=self.env, stdout=subprocess.PIPE, stderr=self.log("simulator"), text=True
        )
        self.sim_info = json.loads(self.procs["simulator"].stdout.readline())
        self.procs["web"] = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "orderhub.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.web_workers),
                "--no-control-socket",
                "--timeout",
                "60",
            ],
            env=self.env,
            stdout=self.log("web"),
            stderr=subprocess.STDOUT,
        )
        for _ in range(self.worker_count):
            self.start_worker()
        self.wait_http(self.base_url + "/api/v1/partners")
        self.api = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.api_token}"},
            timeout=30,
        )
        return self

    def start_worker(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            [PYTHON, "-m", "orderhub.cli", "worker"],
            env=self.env,
            stdout=self.log("worker"),
            stderr=subprocess.STDOUT,
        )
        self.workers.append(proc)
        return proc

    def kill_worker(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def wait_http(self, url: str, timeout: float = 120) -> None:
        """Wait for the first answer; a bound, not a delay (a loaded machine needs longer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{url} did not come up; logs in {self.root}")

    def stop(self) -> None:
        for proc in [*self.workers, *self.procs.values()]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.workers, *self.procs.values()]:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._drop_database()

    # -- helpers --------------------------------------------------------------------------------
    def sim_stats(self) -> dict:
        return httpx.get(self.sim_url + "/_stats", timeout=10).json()["partners"]

    def sim_changes(self) -> list[dict]:
        return httpx.get(self.sim_url + "/_changes", timeout=10).json()["changes"]

    def sim_attachments(self) -> list[dict]:
        return httpx.get(self.sim_url + "/_attachments", timeout=10).json()["attachments"]

    def upload(self, name: str, data: bytes) -> dict:
        """An attachment for the stack's company (``POST /api/v1/attachments``, multipart)."""
        r = self.api.post("/api/v1/attachments", files={"file": (name, data)})
        assert r.status_code == 201, r.text
        return r.json()

    def sim_control(self, **changes) -> None:
        httpx.post(self.sim_url + "/_control", json=changes, timeout=10).raise_for_status()

    def submit(self, external_id: str, partner: str, lines: list[dict], **extra) -> dict:
        body = {
            "external_order_id": external_id,
            "partner": partner,
            "branch_id": "F1",
            "ordered_by": "U1",
            "lines": lines,
            **extra,
        }
        r = self.api.post(
            "/api/v1/orders", json=body, headers={"Idempotency-Key": f"e2e-{external_id}"}
        )
        assert r.status_code == 201, r.text
        return r.json()

    def order(self, order_id: str) -> dict:
        return self.api.get(f"/api/v1/orders/{order_id}").json()

    def wait_for(self, order_id: str, statuses: set[str], timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        order = self.order(order_id)
        while order["status"] not in statuses and time.monotonic() < deadline:
            time.sleep(0.2)
            order = self.order(order_id)
        assert order["status"] in statuses, (
            f"{order['number']} is {order['status']}; logs in {self.root}"
        )
        return order
