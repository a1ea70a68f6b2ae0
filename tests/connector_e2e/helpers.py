"""Helpers for running the real ``orderhub-connector`` CLI against a real portal process.

- :class:`Install` — one connector installation (config, practice-data export, state directory)
  on a "workstation"; runs the console script as a subprocess, exactly as a practice would, with
  ``BROWSER`` pointing at a fake browser that only records which URLs it was asked to open.
- :class:`DropFirstOrderProxy` — a TCP proxy on 127.0.0.1 that relays everything, except that the
  first ``POST /api/v1/orders`` reaches the portal but its connection is then cut (RST) before the
  portal's answer is relayed: the practice sees a network drop after the order was accepted.
"""

from __future__ import annotations

import copy
import json
import os
import queue
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

CONNECTOR = str(Path(sys.executable).parent / "orderhub-connector")
DEMO_PRACTICE = Path(__file__).resolve().parents[2] / "connector" / "demo" / "practice.json"


def demo_practice(company_name: str) -> dict[str, Any]:
    """The demo practice export under another company name (a company registers only once)."""
    data = json.loads(DEMO_PRACTICE.read_text(encoding="utf-8"))
    data["company"]["name"] = company_name
    return data


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


class Install:
    """A connector installation in ``root``; ``run`` calls the CLI with its config."""

    def __init__(
        self,
        root: Path,
        portal_url: str,
        data: dict[str, Any],
        *,
        token: str | None = None,
        workstation: str = "EMPFANG-PC",
        interface: dict[str, Any] | None = None,
        **settings: Any,
    ) -> None:
        self.root = root
        root.mkdir(parents=True)
        self.data_path = root / "practice.json"
        self.config_path = root / "orderhub-connector.toml"
        self.state_dir = root / "state"
        self.token_path = self.state_dir / "token"
        self.status_path = self.state_dir / "order-status.json"
        self.opened_log = root / "browser-opened.txt"
        self.portal_url = portal_url
        self.write_data(data)
        # Short pauses so the tests run quickly; everything else as a practice would configure it.
        config = {
            "portal_url": portal_url,
            "practice_data": "practice.json",
            "state_dir": "state",
            "workstation": workstation,
            "timeout": 20,
            "retries": 3,
            "retry_backoff": 0.1,
            "poll_interval": 0.3,
            "registration_timeout": 120,
            **settings,
        }
        interface = interface or {
            "name": "OrderHub",
            "branch": "",
            "configured_via": "workstation",
            "workstation": workstation,
            "usage": "client",
            "start": "",
        }
        lines = [f"{k} = {_toml_value(v)}" for k, v in config.items()]
        lines += [
            "",
            "[software]",
            'name = "Testpraxis-Software"',
            'version = "2026.1"',
            "",
            "[interface]",
        ]
        lines += [f"{k} = {_toml_value(v)}" for k, v in interface.items()]
        self.config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        # The "browser": records the URL instead of opening anything.
        self.fake_browser = root / "fake-browser"
        self.fake_browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{self.opened_log}"\n')
        self.fake_browser.chmod(0o755)
        if token:
            self.state_dir.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(self.token_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(token + "\n")

    # -- the practice data --------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        return json.loads(self.data_path.read_text(encoding="utf-8"))

    def write_data(self, data: dict[str, Any]) -> None:
        self.data_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    def edit_data(self, change) -> dict[str, Any]:
        data = copy.deepcopy(self.data())
        change(data)
        self.write_data(data)
        return data

    # -- state --------------------------------------------------------------------------------
    @property
    def token(self) -> str:
        return self.token_path.read_text(encoding="utf-8").strip()

    def status_file(self) -> dict[str, Any]:
        return json.loads(self.status_path.read_text(encoding="utf-8"))

    def journal(self) -> list[dict[str, Any]]:
        path = self.state_dir / "journal.jsonl"
        if not path.exists():
            return []
        return [
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]

    def opened_urls(self) -> list[str]:
        return self.opened_log.read_text().split() if self.opened_log.exists() else []

    # -- running the CLI ----------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in (
                "ORDERHUB_CONNECTOR_TOKEN",
                "ORDERHUB_CONNECTOR_CONFIG",
                # the CLI's language: German (the default) unless a test passes --lang
                "ORDERHUB_LANG",
                "LANGUAGE",
                "LC_ALL",
                "LC_MESSAGES",
            )
        }
        env.update(BROWSER=f"{self.fake_browser} %s", PYTHONUNBUFFERED="1", LANG="C.UTF-8")
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def command(self, *args: str) -> list[str]:
        return [CONNECTOR, "--config", str(self.config_path), *args]

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*args),
            env=self.env(),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def run_json(self, *args: str, expect: int = 0, timeout: float = 60) -> Any:
        result = self.run(*args, "--json", timeout=timeout)
        assert result.returncode == expect, (result.returncode, result.stdout, result.stderr)
        return json.loads(result.stdout)

    def popen(self, *args: str) -> Running:
        proc = subprocess.Popen(
            self.command(*args),
            env=self.env(),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return Running(proc)


class Running:
    """A CLI process whose stdout lines can be awaited while it runs."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.stdout.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_line(self, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is not None and needle in line:
                return line
            if line is None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(
                    f"no line with {needle!r}; stdout={''.join(self.stdout)!r} "
                    f"stderr={self.stderr!r}"
                )

    def wait(self, timeout: float = 60) -> int:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self.stderr = self.proc.stderr.read()
        return rc

    @property
    def output(self) -> str:
        return "".join(self.stdout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.stderr = self.proc.stderr.read() if self.proc.stderr else ""


# -- a network drop -------------------------------------------------------------------------------


def _read_until(sock: socket.socket, marker: bytes, buf: bytes = b"") -> tuple[bytes, bytes]:
    while marker not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("peer closed before the request head was complete")
        buf += chunk
    head, _, rest = buf.partition(marker)
    return head + marker, rest


def _read_request(sock: socket.socket) -> tuple[str, str, dict[str, str], bytes]:
    """One HTTP/1.1 request: (method, target, headers, raw bytes)."""
    head, rest = _read_until(sock, b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return method, target, headers, head + rest


def _read_to_eof(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


class DropFirstOrderProxy:
    """127.0.0.1 proxy to the portal; cuts the connection of the first order submission after the
    portal has answered it, without relaying that answer."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.withheld: list[bytes] = []  # the portal's answers the practice never saw
        self.errors: list[str] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.server.close()

    def order_posts(self) -> list[dict[str, str]]:
        return [
            h for m, t, h in self.requests if m == "POST" and t.split("?")[0] == "/api/v1/orders"
        ]

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            with (
                client,
                socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as upstream,
            ):
                client.settimeout(30)
                method, target, headers, raw = _read_request(client)
                with self._lock:
                    self.requests.append((method, target, headers))
                    drop = (
                        method == "POST"
                        and target.split("?")[0] == "/api/v1/orders"
                        and not self.withheld
                    )
                    if drop:
                        self.withheld.append(b"")  # claimed: only the first submission is dropped
                upstream.sendall(raw)
                if drop:
                    # The portal receives and answers the order (gunicorn closes after the answer)…
                    self.withheld[0] = _read_to_eof(upstream)
                    # …but the practice's connection is reset before a byte of it arrives.
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
                self._pump(upstream, client)
        except OSError as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
