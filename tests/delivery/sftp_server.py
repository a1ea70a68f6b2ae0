"""A real SFTP server on 127.0.0.1 for the tests: asyncssh's SFTP server, chrooted to a temp dir.

In-process: ``SftpServer(root, password=…, client_keys=[…]).start()`` runs it on its own event
loop in a daemon thread. As a process (the e2e stack): ``python -m tests.delivery.sftp_server
--root DIR --username U --password P`` prints one JSON line ``{"port": …, "fingerprint": …}``
and serves until SIGTERM. Nothing is mocked: the client speaks SSH over a TCP socket.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import threading
from pathlib import Path

import asyncssh
from asyncssh.constants import FXF_WRITE


class _Auth(asyncssh.SSHServer):
    def __init__(self, server: SftpServer):
        self.server = server

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return self.server.password is not None

    def validate_password(self, username: str, password: str) -> bool:
        ok = username == self.server.username and password == self.server.password
        self.server.logins.append(("password", username, ok))
        return ok

    def public_key_auth_supported(self) -> bool:
        return bool(self.server.client_keys)

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fingerprints = {k.get_fingerprint("sha256") for k in self.server.client_keys}
        ok = username == self.server.username and key.get_fingerprint("sha256") in fingerprints
        self.server.logins.append(("publickey", username, ok))
        return ok


class _RecordingSFTPServer(asyncssh.SFTPServer):
    """asyncssh's own file server, chrooted; notes every write-open and rename for assertions."""

    def __init__(self, chan, server: SftpServer):
        super().__init__(chan, chroot=str(server.root))
        self._ops = server.ops

    def open(self, path, pflags, attrs):
        if pflags & FXF_WRITE:
            self._ops.append(("write", path.decode()))
        return super().open(path, pflags, attrs)

    def rename(self, oldpath, newpath):
        self._ops.append(("rename", oldpath.decode(), newpath.decode()))
        return super().rename(oldpath, newpath)


class SftpServer:
    def __init__(
        self,
        root: Path,
        *,
        username: str = "orderhub",
        password: str | None = None,
        client_keys: list[asyncssh.SSHKey] | None = None,
        host_key: asyncssh.SSHKey | None = None,
    ):
        self.root = Path(root)
        self.username, self.password = username, password
        self.client_keys = list(client_keys or [])
        self.host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        self.logins: list[tuple[str, str, bool]] = []
        self.ops: list[tuple[str, ...]] = []
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self._acceptor = None
        self._thread: threading.Thread | None = None

    @property
    def fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")

    async def listen(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._acceptor = await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[self.host_key],
            server_factory=lambda: _Auth(self),
            sftp_factory=lambda chan: _RecordingSFTPServer(chan, self),
            allow_scp=False,
            config=[],
            login_timeout=10,
        )
        self.port = self._acceptor.get_port()

    def start(self) -> SftpServer:
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.listen())
            ready.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, name="sftp-test-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("SFTP test server did not start")
        return self

    def stop(self) -> None:
        async def close():
            self._acceptor.close()
            await self._acceptor.wait_closed()

        if self._acceptor is not None:
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread:
            self._thread.join(10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--username", default="orderhub")
    parser.add_argument("--password")
    args = parser.parse_args(argv)
    server = SftpServer(args.root, username=args.username, password=args.password)

    async def serve():
        await server.listen()
        print(json.dumps({"port": server.port, "fingerprint": server.fingerprint}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        server._acceptor.close()

    server.loop.run_until_complete(serve())
    sys.exit(0)


if __name__ == "__main__":
    main()
