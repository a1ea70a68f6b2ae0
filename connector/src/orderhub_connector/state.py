"""What the connector remembers between runs, all under ``state_dir``.

- ``token`` — the company's API token, mode 0600 (or the OS keyring, see :func:`token_store`);
- ``registration.json`` — company id and portal of the registration (no secret);
- ``journal.jsonl`` — every order submission, written *before* sending, so the idempotency key
  and the portal's answer can be traced and portal ids mapped back to practice order ids;
- ``watch.json`` — the last ``updated_at`` seen by ``watch``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any, Protocol

from .errors import ConfigError
from .i18n import DEFAULT_LANGUAGE, text, translate
from .practice import atomic_write_json

TOKEN_ENV = "ORDERHUB_CONNECTOR_TOKEN"
KEYRING_SERVICE = "orderhub-connector"


def ensure_state_dir(path: Path) -> Path:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            text(
                "Zustandsverzeichnis {path} kann nicht angelegt werden: {error}",
                path=path,
                error=exc,
            )
        ) from None
    return path


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class TokenStore(Protocol):
    def load(self) -> str | None: ...
    def save(self, token: str) -> None: ...
    def delete(self) -> None: ...


class FileTokenStore:
    """The token in a file only its owner can read (0600), replaced atomically."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "token"

    def load(self) -> str | None:
        try:
            token = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return token or None

    def save(self, token: str) -> None:
        ensure_state_dir(self.path.parent)
        tmp = self.path.with_name(f".token.{os.getpid()}.tmp")
        # Created 0600 from the start: never a moment where the token is readable by others.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(token.strip() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)  # in case the file existed with wider permissions
            os.replace(tmp, self.path)
        except BaseException:
            if tmp.exists():
                tmp.unlink()
            raise

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)


class KeyringTokenStore:
    """The token in the OS keyring (Windows Credential Locker, macOS Keychain, Secret Service)."""

    def __init__(self, portal_url: str) -> None:
        import keyring  # noqa: PLC0415 - optional: only installed where the OS keyring is used

        self._keyring = keyring
        self.username = portal_url

    def load(self) -> str | None:
        # keyring is optional and untyped here: get_password is documented as str | None.
        password: str | None = self._keyring.get_password(KEYRING_SERVICE, self.username)
        return password

    def save(self, token: str) -> None:
        self._keyring.set_password(KEYRING_SERVICE, self.username, token)

    def delete(self) -> None:
        try:
            self._keyring.delete_password(KEYRING_SERVICE, self.username)
        except Exception:  # keyring raises PasswordDeleteError when nothing is stored
            pass


def token_store(
    kind: str, state_dir: Path, portal_url: str, *, language: str = DEFAULT_LANGUAGE
) -> TokenStore:
    """``keyring`` when asked for and importable; otherwise the 0600 file (with a notice in
    ``language``)."""
    if kind == "keyring":
        try:
            return KeyringTokenStore(portal_url)
        except ImportError:
            notice = translate(
                'Hinweis: token_store = "keyring", aber das Paket „keyring“ ist nicht '
                "installiert; das Token wird in einer Datei (0600) gespeichert.",
                language,
            )
            print(notice, file=sys.stderr)
    return FileTokenStore(state_dir)


class Journal:
    """Append-only JSON lines; one line per event, fsynced before the request leaves."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "journal.jsonl"

    def append(self, event: str, **fields: Any) -> None:
        ensure_state_dir(self.path.parent)
        record = {"at": _now(), "event": event, **fields}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def entries(self) -> list[dict[str, Any]]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                raw_lines = fh.readlines()
        except FileNotFoundError:
            return []
        out = []
        for line in raw_lines:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a crash mid-write; the rest stays usable
        return out

    def answers(self) -> list[dict[str, Any]]:
        return [e for e in self.entries() if e.get("event") == "answered"]

    def portal_id_for(self, external_order_id: str) -> str | None:
        for entry in reversed(self.answers()):
            if entry.get("external_order_id") == external_order_id:
                return str(entry.get("order_id"))
        return None

    def external_id_for(self, portal_order_id: str) -> str | None:
        for entry in reversed(self.answers()):
            if str(entry.get("order_id")) == str(portal_order_id):
                external: str | None = entry.get("external_order_id")
                return external
        return None

    def keys_for(self, external_order_id: str) -> list[str]:
        keys: list[str] = []
        for entry in self.entries():
            key = entry.get("idempotency_key")
            if (
                isinstance(key, str)
                and entry.get("external_order_id") == external_order_id
                and key not in keys
            ):
                keys.append(key)
        return keys


class StateFile:
    """A small JSON document in the state directory."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, data: dict[str, Any]) -> None:
        ensure_state_dir(self.path.parent)
        atomic_write_json(self.path, data, mode=0o600)
