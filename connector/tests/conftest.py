"""Fixtures for the connector tests. Plain pytest: nothing here touches Django."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_portal import FakePortal

from orderhub_connector import Connector, load_config

DEMO = Path(__file__).resolve().parents[1] / "demo"


@pytest.fixture(autouse=True)
def _no_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORDERHUB_CONNECTOR_TOKEN", raising=False)
    monkeypatch.delenv("ORDERHUB_CONNECTOR_CONFIG", raising=False)
    # The CLI speaks the language of the environment: the tests choose it themselves (German,
    # the default, unless a test sets --lang, a config's language or one of these).
    for name in ("ORDERHUB_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def demo_data() -> dict:
    return json.loads((DEMO / "practice.json").read_text(encoding="utf-8"))


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    fake = FakePortal().start()
    yield fake
    fake.stop()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a config (and a copy of the demo practice data) into tmp_path."""

    def write(
        portal_url: str = "http://127.0.0.1:9",
        *,
        extra: str = "",
        interface: str | None = None,
        practice: dict | None = None,
    ) -> Path:
        data_path = tmp_path / "practice.json"
        if practice is None:
            shutil.copy(DEMO / "practice.json", data_path)
        else:
            data_path.write_text(json.dumps(practice), encoding="utf-8")
        if interface is None:
            interface = '[interface]\nname = "OrderHub"\nconfigured_via = "branch_administration"\n'
        text = (
            f'portal_url = "{portal_url}"\n'
            'practice_data = "practice.json"\n'
            'state_dir = "state"\n'
            'workstation = "EMPFANG-PC"\n'
            "retries = 2\nretry_backoff = 0.01\npoll_interval = 0.01\ntimeout = 5\n"
            f"{extra}\n{interface}"
        )
        path = tmp_path / "orderhub-connector.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_connector(write_config: Callable[..., Path]) -> Iterator[Callable[..., Connector]]:
    made: list[Connector] = []

    def make(
        portal_url: str = "http://127.0.0.1:9", *, token: str | None = None, **kwargs
    ) -> Connector:
        opened = kwargs.pop("opened", None)
        language = kwargs.pop("language", "de")
        config = load_config(write_config(portal_url, **kwargs))
        conn = Connector(
            config,
            open_browser=(opened.append if opened is not None else (lambda url: True)),
            sleep=lambda s: None,
            language=language,
        )
        if token:
            conn.tokens.save(token)
        made.append(conn)
        return conn

    yield make
    for conn in made:
        conn.close()
