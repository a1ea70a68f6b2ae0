import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order
from tests.ordering.conftest import order_body, submit


class Recorder(ThreadingHTTPServer):
    """A real HTTP endpoint on loopback that records requests and answers with scripted codes."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.codes: list[int] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def close(self):
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append({"headers": dict(self.headers), "body": body})
        code = self.server.codes.pop(0) if self.server.codes else 200
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"ok": code < 300}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


@pytest.fixture
def queued_order(practice):
    return Order.objects.get(pk=submit(practice, order_body()).json_body["id"])


def mark_sent(order):
    order_status.transition(order, "sending", actor="test")
    order_status.transition(order, "sent", actor="test")
    return order


@pytest.fixture
def http_partner(partners, recorder):
    """Sonora delivering openTRANS over HTTP to the recorder, with credentials."""
    sonora = partners["sonora"]
    sonora.channel_config = {"url": recorder.url, "timeout": 5}
    sonora.credentials = {"username": "oh", "password": "geheim"}
    sonora.save()
    return sonora
