"""Fixtures for the supplier simulator tests: a tiny fake portal and order documents.

Nothing here touches Django; the simulator is pure Python plus ``orderhub.formats``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from orderhub.formats.documents import standards_path
from simulator import PartnerConfig, Simulator, SimulatorConfig

ORDER_MINIMAL = standards_path("opentrans-2.1", "examples", "ORDER_minimal.xml")

OT_ITEM = """    <ORDER_ITEM>
      <LINE_ITEM_ID>{line_no}</LINE_ITEM_ID>
      <PRODUCT_ID>
        <bme:SUPPLIER_PID><![CDATA[{article}]]></bme:SUPPLIER_PID>
      </PRODUCT_ID>
      <QUANTITY>{quantity}</QUANTITY>
      <bme:ORDER_UNIT>C62</bme:ORDER_UNIT>
    </ORDER_ITEM>
"""


def opentrans_order(order_number: str, articles: tuple[str, ...] = ("SN-R-312",)) -> bytes:
    """The official minimal openTRANS ORDER with our order number and article lines."""
    template = ORDER_MINIMAL.read_text(encoding="utf-8")
    head, rest = template.split("<ORDER_ITEM_LIST>", 1)
    _, tail = rest.split("</ORDER_ITEM_LIST>", 1)
    items = "".join(
        OT_ITEM.format(line_no=n, article=article, quantity="2")
        for n, article in enumerate(articles, start=1)
    )
    tail = tail.replace(
        "<TOTAL_ITEM_NUM>1</TOTAL_ITEM_NUM>", f"<TOTAL_ITEM_NUM>{len(articles)}</TOTAL_ITEM_NUM>"
    )
    document = head + "<ORDER_ITEM_LIST>\n" + items + "  </ORDER_ITEM_LIST>" + tail
    return document.replace("order-id-1", order_number).encode("utf-8")


def order_document(order_number: str, articles: tuple[str, ...] = ("SN-R-312",)):
    from orderhub.formats.opentrans.partner import parse_order

    return parse_order(opentrans_order(order_number, articles))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0]


@dataclass
class FakePortal:
    """Records partner-document posts; answers 202, or the statuses queued in ``script``."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"portal got {len(self.received)} posts, expected {count}")


@pytest.fixture
def fake_portal() -> Iterator[FakePortal]:
    portal = FakePortal()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with portal.lock:
                portal.received.append(
                    Received(
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        time.monotonic(),
                    )
                )
                status = portal.script.pop(0) if portal.script else 202
            payload = json.dumps({"document_id": "x", "order_number": "y", "applied": True})
            data = payload.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    portal.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield portal
    server.shutdown()
    server.server_close()


FAST = dict(
    answer_delay=0.05,
    ship_delay=0.05,
    answer_backoff=0.02,
    answer_attempts=4,
    drop_poll_interval=0.05,
    timeout_hold=3.0,
    slow_delay=0.2,
)


@pytest.fixture
def make_simulator(tmp_path: Path) -> Iterator[Callable[..., Simulator]]:
    started: list[Simulator] = []

    def make(*partners: PartnerConfig, **options) -> Simulator:
        settings = {
            **FAST,
            "drop_root": str(tmp_path / "drop"),
            "mail_root": str(tmp_path / "mail"),
            **options,
        }
        simulator = Simulator(SimulatorConfig(partners=list(partners), **settings)).start()
        started.append(simulator)
        return simulator

    yield make
    for simulator in started:
        simulator.stop()


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")
