"""The connector's TOML configuration.

Looked up in this order: ``--config PATH``, the environment variable
``ORDERHUB_CONNECTOR_CONFIG``, ``./orderhub-connector.toml``. Relative paths inside the file
are relative to the file's own directory, so a config can travel with its data.
"""

from __future__ import annotations

import os
import socket
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ConfigError
from .i18n import LANGUAGES, language_of, text
from .interface import VIA_WORKSTATION, InterfaceSetting, parse_start

CONFIG_ENV = "ORDERHUB_CONNECTOR_CONFIG"
DEFAULT_CONFIG = "orderhub-connector.toml"
TOKEN_STORES = ("file", "keyring")

_TOP_LEVEL_KEYS = {
    "portal_url",
    "practice_data",
    "state_dir",
    "status_file",
    "workstation",
    "token_store",
    "timeout",
    "retries",
    "retry_backoff",
    "poll_interval",
    "registration_timeout",
    "watch_interval",
    "language",
    "software",
    "interface",
    "interfaces",
}
_INTERFACE_KEYS = {"name", "branch", "configured_via", "workstation", "usage", "start"}


@dataclass
class ConnectorConfig:
    """Everything the connector needs to know about its installation.

    Every URL the connector calls derives from ``portal_url``, so tests and integration
    setups only have to point it at another server.
    """

    portal_url: str
    practice_data: Path
    state_dir: Path
    workstation: str = field(default_factory=socket.gethostname)
    status_file: Path | None = None
    token_store: str = "file"
    timeout: float = 15.0
    retries: int = 3
    retry_backoff: float = 1.0
    poll_interval: float = 3.0
    registration_timeout: float = 15 * 60.0
    watch_interval: float = 60.0
    software_name: str = "orderhub-connector"
    software_version: str = __version__
    #: ``de`` or ``en``: what the CLI speaks on this installation (None: ask the environment).
    language: str | None = None
    interfaces: list[InterfaceSetting] = field(default_factory=list)
    source_path: Path | None = None

    @property
    def status_path(self) -> Path:
        """``status_file``, which ``__post_init__`` always sets."""
        if self.status_file is None:
            return self.state_dir / "order-status.json"
        return self.status_file

    def __post_init__(self) -> None:
        self.portal_url = self.portal_url.rstrip("/")
        self.practice_data = Path(self.practice_data)
        self.state_dir = Path(self.state_dir)
        if self.status_file is None:
            self.status_file = self.state_dir / "order-status.json"
        self.status_file = Path(self.status_file)
        if self.token_store not in TOKEN_STORES:
            raise ConfigError(
                text(
                    "token_store = „{value}“ ist unbekannt; erlaubt: file, keyring.",
                    value=self.token_store,
                )
            )
        if self.language is not None and self.language not in LANGUAGES:
            raise ConfigError(
                text("language = „{value}“ ist unbekannt; erlaubt: de, en.", value=self.language)
            )
        names = [i.name for i in self.interfaces]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigError(
                text(
                    "Schnittstellen-Namen kommen mehrfach vor: {names}.",
                    names=", ".join(duplicates),
                )
            )

    def url(self, path: str) -> str:
        return f"{self.portal_url}/{path.lstrip('/')}"

    def interface(self, name: str) -> InterfaceSetting:
        for setting in self.interfaces:
            if setting.name == name:
                return setting
        known = ", ".join(i.name for i in self.interfaces) or "–"
        raise ConfigError(
            text(
                "Keine Schnittstelle „{name}“ konfiguriert (vorhanden: {known}).",
                name=name,
                known=known,
            )
        )


def resolve_config_path(path: str | os.PathLike[str] | None = None) -> Path:
    if path:
        return Path(path)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path(DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None) -> ConnectorConfig:
    """Read and validate the TOML file; every problem is a :class:`ConfigError`."""
    config_path = resolve_config_path(path)
    try:
        with open(config_path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(
            text(
                "Konfigurationsdatei {path} nicht gefunden (--config PATH oder {variable} setzen).",
                path=config_path,
                variable=CONFIG_ENV,
            )
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            text(
                "Konfigurationsdatei {path} ist nicht lesbar: {error}", path=config_path, error=exc
            )
        ) from None
    return config_from_mapping(data, base_dir=config_path.resolve().parent, source_path=config_path)


def config_from_mapping(
    data: dict[str, Any], *, base_dir: Path | None = None, source_path: Path | None = None
) -> ConnectorConfig:
    base = base_dir or Path.cwd()
    unknown = sorted(set(data) - _TOP_LEVEL_KEYS)
    if unknown:
        raise ConfigError(
            text("Unbekannte Einträge in der Konfiguration: {keys}.", keys=", ".join(unknown))
        )
    for key in ("portal_url", "practice_data"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(text("„{key}“ fehlt in der Konfiguration.", key=key))
    portal_url = data["portal_url"].strip()
    if not portal_url.startswith(("http://", "https://")):
        raise ConfigError(
            text("portal_url „{url}“ muss mit http:// oder https:// beginnen.", url=portal_url)
        )

    def path(value: Any) -> Path:
        p = Path(os.path.expanduser(str(value)))
        return p if p.is_absolute() else base / p

    workstation = str(data.get("workstation") or "").strip() or socket.gethostname()
    software = data.get("software") or {}
    if not isinstance(software, dict):
        raise ConfigError(text("[software] muss eine Tabelle sein."))

    raw_interfaces: list[dict[str, Any]] = []
    if "interface" in data:
        if not isinstance(data["interface"], dict):
            raise ConfigError(text("[interface] muss eine Tabelle sein."))
        raw_interfaces.append(data["interface"])
    extra = data.get("interfaces", [])
    if not isinstance(extra, list) or not all(isinstance(i, dict) for i in extra):
        raise ConfigError(text("[[interfaces]] muss eine Liste von Tabellen sein."))
    for entry in extra:
        if not entry.get("name"):
            raise ConfigError(text("Jede [[interfaces]]-Tabelle braucht einen Namen (name)."))
        raw_interfaces.append(entry)
    interfaces = [
        _interface_from_mapping(raw, default_workstation=workstation) for raw in raw_interfaces
    ]

    try:
        return ConnectorConfig(
            portal_url=portal_url,
            practice_data=path(data["practice_data"]),
            state_dir=path(data.get("state_dir") or ".orderhub-connector"),
            status_file=path(data["status_file"]) if data.get("status_file") else None,
            workstation=workstation,
            token_store=str(data.get("token_store", "file")),
            timeout=float(data.get("timeout", 15.0)),
            retries=int(data.get("retries", 3)),
            retry_backoff=float(data.get("retry_backoff", 1.0)),
            poll_interval=float(data.get("poll_interval", 3.0)),
            registration_timeout=float(data.get("registration_timeout", 900.0)),
            watch_interval=float(data.get("watch_interval", 60.0)),
            software_name=str(software.get("name") or "orderhub-connector"),
            software_version=str(software.get("version") or __version__),
            language=_language(data.get("language")),
            interfaces=interfaces,
            source_path=source_path,
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            text("Ungültiger Wert in der Konfiguration: {error}", error=exc)
        ) from None


def _language(value: Any) -> str | None:
    """``language = "en"`` (or ``"en_GB"``, ``"English"``…) → ``"en"``; empty → None."""
    if value is None or value == "":
        return None
    return language_of(str(value)) or str(value)  # an unknown value is refused by the config


def _interface_from_mapping(raw: dict[str, Any], *, default_workstation: str) -> InterfaceSetting:
    name = str(raw.get("name") or "OrderHub")
    unknown = sorted(set(raw) - _INTERFACE_KEYS)
    if unknown:
        raise ConfigError(
            text(
                "Schnittstelle „{name}“: unbekannte Einträge {keys}.",
                name=name,
                keys=", ".join(unknown),
            )
        )
    configured_via = str(raw.get("configured_via") or "branch_administration").strip()
    workstation = str(raw.get("workstation") or "").strip() or None
    if configured_via == VIA_WORKSTATION and workstation is None:
        # A setting made in this computer's workstation settings belongs to this computer.
        workstation = default_workstation
    branch = raw.get("branch")
    return InterfaceSetting(
        name=name,
        branch=(str(branch).strip() or None) if branch is not None else None,
        configured_via=configured_via,
        workstation=workstation,
        usage=str(raw.get("usage") or "client").strip(),
        start=parse_start(raw.get("start"), name=name),
    )
