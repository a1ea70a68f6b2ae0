"""EDIFACT ORDERS or openTRANS ORDER files on the partner's SFTP server, answers from its outbox.

Library: ``asyncssh`` rather than paramiko. It gives SHA256 host key fingerprints exactly as
OpenSSH prints them, a host key check that runs *before* any credential is sent, the
``posix-rename@openssh.com`` extension for the atomic rename, per-step timeouts, and a complete
SFTP server that the test suite runs on 127.0.0.1 (paramiko has only server interfaces to fill
in). Its API is asyncio; each sync call below runs one step on a private event loop, so the
delivery worker's threads, the periodic job and the management command all use it as a plain
blocking client and Django's database calls stay outside any running loop.

Layout on the partner's server (paths relative to the login directory, all configurable in
``channel_config``): orders are uploaded to ``upload_dir`` (``in``) as ``.<name>.tmp`` and
renamed to ``<order number>.edi`` / ``.xml``; answers are read from ``answers_dir`` (``out``)
and moved to ``done_dir`` (``out/done``) after they are applied, or to ``error_dir``
(``out/error``) with a ``<name>.error.txt`` beside them.

Failure classes: a wrong or missing pinned host key, refused credentials and an unreadable
private key are permanent (the order goes to dead letter at once, no retry storm); connection
errors, timeouts and SFTP errors are temporary (backoff, retries, dead letter at the horizon).
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
import time
from dataclasses import dataclass

import asyncssh
from asyncssh.constants import FILEXFER_TYPE_REGULAR
from django.conf import settings
from django.utils import translation

from orderhub.delivery.channels.base import Channel, DeliveryResult, Rendered
from orderhub.delivery.channels.edifact_drop import EdifactDrop
from orderhub.delivery.channels.opentrans_http import OpenTransHttp
from orderhub.formats.changes import GoodsReceipt, OrderChange
from orderhub.formats.documents import OrderDocument

logger = logging.getLogger(__name__)

DEFAULTS = {
    "port": 22,
    "upload_dir": "in",
    "answers_dir": "out",
    "done_dir": "out/done",
    "error_dir": "out/error",
    "format": "edifact",
    "timeout": 30,
    "poll_seconds": 60,
    "max_files": 200,
}
ANSWER_SUFFIXES = (".edi", ".edifact", ".txt", ".xml")


class SftpError(Exception):
    """A failure with a German and an English sentence; ``permanent`` ones are not retried.

    ``str()`` is the English one: it goes into the delivery's technical log (``last_error``,
    the attempt's detail), which is English for every channel like the partner's own answers;
    the operator's commands say ``sentence()``, in the active language."""

    permanent = False

    def __init__(self, german: str, english: str, hint: str = ""):
        super().__init__(english)
        self.german, self.english, self.hint = german, english, hint

    def sentence(self) -> str:
        """The failure in the active language (the operator's commands)."""
        return self.english if (translation.get_language() or "").startswith("en") else self.german


class PermanentSftpError(SftpError):
    permanent = True


class HostKeyMismatch(PermanentSftpError):
    pass


class TemporarySftpError(SftpError):
    pass


@dataclass
class Target:
    host: str
    port: int
    username: str
    fingerprint: str
    timeout: float

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def setting(config: dict, key: str):
    value = config.get(key)
    return DEFAULTS.get(key) if value in (None, "") else value


def target(config: dict, credentials: dict, *, need_fingerprint: bool = True) -> Target:
    host = config.get("host") or ""
    username = config.get("username") or credentials.get("username") or ""
    fingerprint = (config.get("host_key_fingerprint") or "").strip()
    if not host or not username:
        raise PermanentSftpError(
            "SFTP-Kanal unvollständig: host und username fehlen in der Kanalkonfiguration.",
            "SFTP channel incomplete: host and username are missing in the channel configuration.",
        )
    if need_fingerprint and not fingerprint.startswith("SHA256:"):
        raise HostKeyMismatch(
            f"Für {host} ist kein Host-Schlüssel hinterlegt (host_key_fingerprint, SHA256:…); "
            "Zustellung abgelehnt. Bitte mit »orderhub partner sftp-fingerprint« prüfen und "
            "hinterlegen.",
            f"No host key is pinned for {host} (host_key_fingerprint, SHA256:…); delivery refused. "
            "Check and store it with 'orderhub partner sftp-fingerprint'.",
        )
    return Target(
        host, int(setting(config, "port")), username, fingerprint, float(setting(config, "timeout"))
    )


class _PinnedClient(asyncssh.SSHClient):
    """Accepts exactly the host key whose SHA256 fingerprint is pinned; records the one seen."""

    def __init__(self, expected: str):
        self.expected = expected
        self.seen = ""

    def validate_host_public_key(self, host, addr, port, key) -> bool:
        self.seen = key.get_fingerprint("sha256")
        return bool(self.expected) and self.seen == self.expected


def _auth_options(credentials: dict) -> dict:
    options: dict = {"client_keys": None, "password": None}
    if credentials.get("private_key"):
        try:
            key = asyncssh.import_private_key(
                credentials["private_key"], credentials.get("passphrase") or None
            )
        except (asyncssh.KeyImportError, ValueError, TypeError) as exc:
            raise PermanentSftpError(
                f"Der hinterlegte private SSH-Schlüssel ist nicht lesbar (Passphrase falsch?): "
                f"{exc}",
                f"The stored SSH private key cannot be read (wrong passphrase?): {exc}",
            ) from None
        options["client_keys"] = [key]
    if credentials.get("password"):
        options["password"] = credentials["password"]
    if options["client_keys"] is None and options["password"] is None:
        raise PermanentSftpError(
            "Für den SFTP-Kanal sind weder Passwort noch privater Schlüssel hinterlegt.",
            "The SFTP channel has neither a password nor a private key stored.",
        )
    return options


class Session:
    """A blocking SFTP session: each method runs one bounded step on the session's own loop.

    Every step has the channel's ``timeout``, and the whole session a ``budget`` (seconds): a
    delivery must end well within its lease, or another worker would take it over meanwhile.
    """

    def __init__(self, config: dict, credentials: dict, budget: float | None = None):
        self.config, self.credentials = config, credentials
        self.target = target(config, credentials)
        budget = budget if budget is not None else 10 * self.target.timeout
        self.deadline = time.monotonic() + budget
        self.loop: asyncio.AbstractEventLoop | None = None
        self.conn: asyncssh.SSHClientConnection | None = None
        self.sftp: asyncssh.SFTPClient | None = None

    def _run(self, coro, timeout: float | None = None):
        assert self.loop is not None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            if hasattr(coro, "close"):
                coro.close()
            raise TimeoutError("session budget used up")
        timeout = min(timeout or self.target.timeout, remaining)
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def __enter__(self) -> Session:
        t = self.target
        options = _auth_options(self.credentials)
        self.loop = asyncio.new_event_loop()
        client = _PinnedClient(t.fingerprint)
        try:
            self.conn, _ = self._run(
                asyncssh.create_connection(
                    lambda: client,
                    t.host,
                    t.port,
                    username=t.username,
                    known_hosts=lambda h, a, p: ([], [], []),
                    agent_path=None,
                    config=[],
                    connect_timeout=t.timeout,
                    login_timeout=t.timeout,
                    keepalive_interval=0,
                    server_host_key_algs=self.config.get("host_key_algorithms") or (),
                    **options,
                ),
                t.timeout * 2,
            )
            conn = self.conn
            assert conn is not None
            self.sftp = self._run(conn.start_sftp_client())
        except Exception as exc:
            self.__exit__(None, None, None)
            raise _translate(exc, t, client) from None
        return self

    def __exit__(self, *exc) -> None:
        if self.loop is None:
            return
        try:
            if self.sftp is not None:
                self.sftp.exit()
            if self.conn is not None:
                self.conn.close()
                self.loop.run_until_complete(asyncio.wait_for(self.conn.wait_closed(), 5))
        except Exception:  # closing is best effort; the server drops the session anyway
            pass
        finally:
            self.loop.close()
            self.loop = None

    # -- steps ---------------------------------------------------------------------------------
    def step(self, coro):
        try:
            return self._run(coro)
        except TimeoutError:
            raise TemporarySftpError(
                f"Zeitüberschreitung bei {self.target.where}.",
                f"Timed out talking to {self.target.where}.",
            ) from None

    @property
    def _client(self) -> asyncssh.SFTPClient:
        """The open SFTP session (the methods below run only after ``connect``)."""
        assert self.sftp is not None, "not connected"
        return self.sftp

    def exists(self, path: str) -> bool:
        return self.step(self._client.exists(path))

    def upload_atomic(self, directory: str, name: str, data: bytes) -> str:
        """``.name.tmp`` written and synced, then renamed; an existing ``name`` is success."""
        final = posixpath.join(directory, name)
        if self.exists(final):
            return "exists"
        tmp = posixpath.join(directory, f".{name}.tmp")
        self.step(self._write(tmp, data))
        try:
            self.step(self._client.rename(tmp, final))  # plain SFTP rename never replaces a file
        except asyncssh.SFTPError:
            if self.exists(final):  # someone (another worker) was faster with the same bytes
                self._remove_quietly(tmp)
                return "exists"
            raise
        return "written"

    async def _write(self, path: str, data: bytes) -> None:
        async with self._client.open(path, "wb") as fh:
            await fh.write(data)
            try:
                await fh.fsync()
            except (asyncssh.SFTPError, asyncssh.SFTPOpUnsupported, AttributeError):
                pass  # fsync@openssh.com is optional; close() still flushes to the server

    def _remove_quietly(self, path: str) -> None:
        try:
            self.step(self._client.remove(path))
        except (asyncssh.SFTPError, SftpError):
            pass

    def list_answers(self, directory: str, limit: int) -> list[tuple[str, int, int]]:
        """(name, mtime, size) of the answer files in ``directory``, oldest first; none when the
        directory does not exist."""
        try:
            entries = self.step(self._client.readdir(directory))
        except asyncssh.SFTPNoSuchFile:
            return []
        found = []
        for entry in entries:
            name = entry.filename
            if name.startswith(".") or "/" in name or not name.lower().endswith(ANSWER_SUFFIXES):
                continue
            if entry.attrs.type not in (None, FILEXFER_TYPE_REGULAR):
                continue
            found.append((name, entry.attrs.mtime or 0, entry.attrs.size or 0))
        found.sort(key=lambda e: (e[1], e[0]))
        return found[:limit]

    def read(self, path: str) -> bytes:
        async def read() -> bytes:
            async with self._client.open(path, "rb") as fh:
                return await fh.read()

        return self.step(read())

    def makedirs(self, path: str) -> None:
        self.step(self._client.makedirs(path, exist_ok=True))

    def move(self, path: str, directory: str) -> str:
        """Move ``path`` into ``directory``; a file of that name there gets a time stamp suffix."""
        name = posixpath.basename(path)
        target_path = posixpath.join(directory, name)
        if self.exists(target_path):
            target_path = posixpath.join(directory, f"{name}.{time.strftime('%Y%m%d%H%M%S')}")
        self.step(self._client.rename(path, target_path))
        return target_path

    def write(self, path: str, data: bytes) -> None:
        self.step(self._write(path, data))


def _translate(exc: BaseException, t: Target, client: _PinnedClient) -> BaseException:
    if isinstance(exc, SftpError):
        return exc
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        seen = client.seen or "?"
        return HostKeyMismatch(
            f"Host-Schlüssel von {t.where} stimmt nicht "
            f"(erwartet {t.fingerprint}, erhalten {seen}): "
            "Zustellung abgelehnt, keine Wiederholung.",
            f"Host key of {t.where} does not match (expected {t.fingerprint}, got {seen}): "
            "delivery refused, not retried.",
            hint="Wurde der Server getauscht, den neuen Fingerabdruck mit dem Partner prüfen "
            "und mit »orderhub partner sftp-fingerprint --partner … --confirm SHA256:…« "
            "hinterlegen, dann die Zustellung erneut anstoßen. / "
            "If the server was replaced, verify the new fingerprint "
            "with the partner, store it with 'orderhub partner sftp-fingerprint --partner … "
            "--confirm SHA256:…' and retry the delivery.",
        )
    if isinstance(exc, asyncssh.PermissionDenied):
        return PermanentSftpError(
            f"Anmeldung an {t.where} als {t.username} abgelehnt: Passwort oder Schlüssel prüfen.",
            f"Login to {t.where} as {t.username} refused: check the password or key.",
        )
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return TemporarySftpError(
            f"Zeitüberschreitung beim Verbinden mit {t.where}.",
            f"Timed out connecting to {t.where}.",
        )
    if isinstance(exc, (OSError, asyncssh.Error, EOFError, ConnectionError)):
        return TemporarySftpError(
            f"Keine SFTP-Verbindung zu {t.where}: {type(exc).__name__}: {exc}",
            f"No SFTP connection to {t.where}: {type(exc).__name__}: {exc}",
        )
    return exc


def fetch_host_key(config: dict) -> tuple[str, list[str]]:
    """The server's host key as (SHA256 fingerprint, signature algorithms), without logging in.

    For ``orderhub partner sftp-fingerprint``: shown to the operator, stored only when confirmed.
    """
    t = target(config, {}, need_fingerprint=False)

    async def fetch():
        return await asyncssh.get_server_host_key(t.host, t.port, config=[])

    try:
        key = asyncio.run(asyncio.wait_for(fetch(), t.timeout * 2))
    except Exception as exc:
        raise _translate(exc, t, _PinnedClient("")) from None
    if key is None:
        raise TemporarySftpError(
            f"{t.where} hat keinen Host-Schlüssel gezeigt.", f"{t.where} presented no host key."
        )
    return key.get_fingerprint("sha256"), [a.decode() for a in key.sig_algorithms]


class Sftp(Channel):
    name = "sftp"

    def render(self, doc: OrderDocument) -> list[Rendered]:
        # The same bytes as the drop directory (EDIFACT) or the HTTP channel (openTRANS).
        if setting(self.config, "format") == "opentrans":
            return OpenTransHttp(self.config, {}).render(doc)

        return EdifactDrop(self.config, {}).render(doc)

    def render_change(self, change: OrderChange, doc: OrderDocument) -> list[Rendered]:
        # The same bytes as the drop directory (ORDCHG) or the HTTP channel (ORDERCHANGE).
        if setting(self.config, "format") == "opentrans":
            return OpenTransHttp(self.config, {}).render_change(change, doc)

        return EdifactDrop(self.config, {}).render_change(change, doc)

    def deliver_change(
        self, change: OrderChange, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        return self._upload(documents[0])

    def deliver(self, doc: OrderDocument, documents: list[Rendered]) -> DeliveryResult:
        return self._upload(next(d for d in documents if d.kind == "order"))

    @property
    def sends_receipts(self) -> bool:
        """openTRANS partners get the RECEIPTACKNOWLEDGEMENT file; EDIFACT ones nothing (no
        RECADV structure in ``formats``)."""
        return setting(self.config, "format") == "opentrans"

    def render_receipt(self, receipt: GoodsReceipt, doc: OrderDocument) -> list[Rendered]:
        return OpenTransHttp(self.config, {}).render_receipt(receipt, doc)

    def deliver_receipt(
        self, receipt: GoodsReceipt, doc: OrderDocument, documents: list[Rendered]
    ) -> DeliveryResult:
        """``<order number>-WE<n>.xml`` into ``upload_dir``, beside the orders."""
        return self._upload(documents[0])

    def _upload(self, rendered: Rendered) -> DeliveryResult:
        directory = setting(self.config, "upload_dir")
        try:
            budget = 0.75 * settings.DELIVERY_LEASE_SECONDS
            with Session(self.config, self.credentials, budget) as session:
                where = session.target.where
                outcome = session.upload_atomic(directory, rendered.filename, rendered.content)
        except SftpError as exc:
            if exc.permanent:
                return DeliveryResult.permanent(exc.english, excerpt=exc.hint)
            return DeliveryResult.temporary(exc.english, excerpt=exc.hint)
        except asyncssh.SFTPError as exc:
            return DeliveryResult.temporary(f"SFTP error: {exc.reason or exc} ({exc.code})")
        except (asyncssh.Error, OSError, EOFError) as exc:  # connection lost mid-transfer
            return DeliveryResult.temporary(f"SFTP connection lost: {type(exc).__name__}: {exc}")
        path = posixpath.join(directory, rendered.filename)
        if outcome == "exists":
            return DeliveryResult.success(f"already on {where}: {path}")
        return DeliveryResult.success(f"uploaded to {where}: {path}")
