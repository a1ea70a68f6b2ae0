"""A lean HTTP load generator (asyncio, raw HTTP/1.1) so the client steals little CPU from the server.

Client and server share the machine's cores, so a heavyweight client (httpx costs about a
millisecond of CPU per request) would cap the measured rate. Requests are pre-formatted bytes;
each request opens its own loopback connection (gunicorn's sync workers close after every
response anyway).

* :func:`closed_loop` — ``clients`` coroutines, each sends its next request when the previous one
  is answered: the sustained rate the server manages.
* :func:`open_loop` — requests start at a fixed rate whatever the server does; latency is measured
  from the *scheduled* start, so queueing in front of a slow server counts (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


@dataclass
class Outcome:
    scheduled: float  # perf_counter when the request was due
    started: float
    finished: float
    status: int
    body: bytes

    @property
    def latency(self) -> float:
        return self.finished - self.scheduled


@dataclass
class RunResult:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if 200 <= o.status < 300]

    @property
    def duration(self) -> float:
        return self.finished - self.started


def build_request(
    host: str, port: int, method: str, path: str, body: bytes, headers: dict[str, str]
) -> bytes:
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Connection: close",
        f"Content-Length: {len(body)}",
    ]
    head += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def send(host: str, port: int, raw: bytes, timeout: float = 60) -> tuple[int, bytes]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(raw)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head[9:12])
        m = _LENGTH.search(head)
        body = await asyncio.wait_for(
            reader.readexactly(int(m.group(1))) if m else reader.read(), timeout
        )
        return status, body
    finally:
        writer.close()


async def _one(host, port, raw, scheduled, result: RunResult, timeout: float) -> None:
    started = time.perf_counter()
    try:
        status, body = await send(host, port, raw, timeout)
    except Exception as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
        result.outcomes.append(Outcome(scheduled, started, time.perf_counter(), 0, b""))
        return
    result.outcomes.append(Outcome(scheduled, started, time.perf_counter(), status, body))


async def _closed(
    host,
    port,
    make: Callable[[int], bytes],
    clients: int,
    seconds: float | None,
    total: int | None,
    timeout: float,
) -> RunResult:
    result = RunResult()
    counter = iter(range(10**12))
    result.started = time.perf_counter()
    deadline = result.started + seconds if seconds else None

    async def client():
        while True:
            if deadline is not None and time.perf_counter() >= deadline:
                return
            i = next(counter)
            if total is not None and i >= total:
                return
            now = time.perf_counter()
            await _one(host, port, make(i), now, result, timeout)

    await asyncio.gather(*(client() for _ in range(clients)))
    result.finished = time.perf_counter()
    return result


async def _open(
    host, port, make: Callable[[int], bytes], rate: float, seconds: float, timeout: float
) -> RunResult:
    result = RunResult()
    n = int(rate * seconds)
    tasks = []
    result.started = start = time.perf_counter() + 0.05
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(host, port, make(i), due, result, timeout)))
    await asyncio.gather(*tasks)
    result.finished = time.perf_counter()
    return result


def closed_loop(
    host: str,
    port: int,
    make: Callable[[int], bytes],
    *,
    clients: int,
    seconds: float | None = None,
    total: int | None = None,
    timeout: float = 60,
) -> RunResult:
    return asyncio.run(_closed(host, port, make, clients, seconds, total, timeout))


def open_loop(
    host: str,
    port: int,
    make: Callable[[int], bytes],
    *,
    rate: float,
    seconds: float,
    timeout: float = 180,
) -> RunResult:
    return asyncio.run(_open(host, port, make, rate, seconds, timeout))
