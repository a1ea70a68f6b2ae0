"""``orderhub demo`` (``make demo``): migrate, seed, start portal, worker and supplier simulator.

Ports: the portal on $PORT (default 8000), the simulator's HTTP partner on PORT+1 and its SMTP
mailbox on PORT+2. Ctrl-C stops everything.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from orderhub.demo import seed


class Command(BaseCommand):
    help = "Run the whole OrderHub demo: portal, worker and supplier simulator."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--catalog-size", type=int, default=2000)

    def handle(self, *args, port, web_workers, catalog_size, **options):
        data_dir = settings.DATA_DIR
        data_dir.mkdir(parents=True, exist_ok=True)
        base_url = f"http://127.0.0.1:{port}"
        self.stdout.write(
            f"OrderHub-Demo in {data_dir} (Datenbank: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
        call_command("migrate", verbosity=0)
        state_file = data_dir / "demo-state.json"
        call_command(
            "seed_demo",
            sim_http_port=port + 1,
            sim_smtp_port=port + 2,
            drop_root=str(settings.EDI_DROP_DIR),
            portal_url=base_url,
            catalog_size=catalog_size,
            write_state=str(state_file),
            stdout=self.stdout,
        )
        state = json.loads(state_file.read_text())
        self._connector_token(state["api_token"])

        # A development run: built-in keys, partners (the simulator) on 127.0.0.1.
        env = {
            **os.environ,
            "ORDERHUB_DATA_DIR": str(data_dir),
            "ORDERHUB_BASE_URL": base_url,
            "DJANGO_SETTINGS_MODULE": "orderhub.settings",
            "ORDERHUB_DEVELOPMENT": "1",
            "ORDERHUB_ALLOW_PRIVATE_URLS": "1",
        }
        bindir = Path(sys.executable).parent
        gunicorn = shutil.which("gunicorn", path=str(bindir)) or "gunicorn"
        logs = data_dir / "logs"
        logs.mkdir(exist_ok=True)
        procs = {
            "simulator": [
                sys.executable,
                "-m",
                "simulator",
                *state["simulator_args"],
                "--mail-root",
                str(data_dir / "mailbox"),
            ],
            "portal": [
                gunicorn,
                "orderhub.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(web_workers),
                "--no-control-socket",
                "--access-logfile",
                str(logs / "access.log"),
            ],
            "worker": [sys.executable, "-m", "orderhub.cli", "worker", "--periodic-interval", "5"],
        }
        running = {}

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            for name, cmd in procs.items():
                running[name] = subprocess.Popen(
                    cmd, env=env, stdout=open(logs / f"{name}.log", "ab"), stderr=subprocess.STDOUT
                )
            self._wait_for(base_url + "/api/v1/partners")
            self.stdout.write(
                self.style.SUCCESS(f"""
OrderHub läuft / is running:
  Portal            {base_url}/
  Anmeldung         {base_url}/anmelden/   Benutzer: {seed.DEMO_USERNAME}  Passwort: {seed.DEMO_PASSWORD}
  Lieferantenportal {base_url}/lieferant/  Benutzer: {seed.SUPPLIER_USERNAME}  Passwort: {seed.SUPPLIER_PASSWORD}
  API (OpenAPI)     {base_url}/api/v1/docs
  API-Token (Demo)  {state["api_token"]}
  Simulator         http://127.0.0.1:{port + 1}/_stats   (SMTP 127.0.0.1:{port + 2}, EDI {settings.EDI_DROP_DIR})
  Schnittstelle     .venv/bin/orderhub-connector --config connector/demo/orderhub-connector.toml routes
  Logs              {logs}
Strg-C beendet / Ctrl-C stops.""")
            )
            while True:
                time.sleep(1)
                worker = running["worker"]
                if worker.poll() is not None:  # it survives outages; if it still ends: restart
                    self.stderr.write(
                        f"worker exited ({worker.returncode}); starting it again — see {logs}"
                    )
                    running["worker"] = subprocess.Popen(
                        procs["worker"],
                        env=env,
                        stdout=open(logs / "worker.log", "ab"),
                        stderr=subprocess.STDOUT,
                    )
                if any(p.poll() is not None for n, p in running.items() if n != "worker"):
                    break
            dead = [n for n, p in running.items() if p.poll() is not None]
            self.stderr.write(f"stopped unexpectedly: {', '.join(dead)} — see {logs}")
        except KeyboardInterrupt:
            pass
        finally:
            for p in running.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in running.values():
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()

    def _connector_token(self, token: str) -> None:
        """Let the demo connector config work at once (token file readable only by its owner)."""
        state = seed.REPO / "connector" / "demo" / "state"
        state.mkdir(parents=True, exist_ok=True)
        path = state / "token"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(token)
        os.chmod(path, 0o600)

    def _wait_for(self, url: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"portal did not answer at {url}")
