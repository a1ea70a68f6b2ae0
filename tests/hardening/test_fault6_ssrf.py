"""Issue 14, fault 6: webhook and partner URLs are resolved, every address must be global, and the
address is checked again (and pinned) when the request is sent. No network: DNS is faked."""

import http.server
import socket
import threading

import pytest
from django.test import Client

from orderhub.core import netguard
from orderhub.core.netguard import UnsafeURL, check_url
from orderhub.delivery.models import CompanyWebhook

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"


@pytest.fixture
def guarded(settings):
    settings.ALLOW_PRIVATE_URLS = False
    settings.ALLOWED_PRIVATE_NETWORKS = []
    return settings


@pytest.fixture
def dns(monkeypatch):
    """name → list of addresses; anything else does not resolve."""
    table: dict[str, list[str]] = {}

    def fake(host, port, *args, **kwargs):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    monkeypatch.setattr(netguard, "getaddrinfo", fake)
    return table


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost/x",
        "http://foo.localhost./x",
        "http://LOCALHOST./x",
        "http://[::127.0.0.1]/x",
        "http://[64:ff9b::7f00:1]/x",
        "http://[::ffff:10.0.0.1]/x",
        "http://[::ffff:7f00:1]/x",
        "http://[2002:7f00:1::]/x",
        "http://[fe80::1]/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/x",
        "http://0.0.0.0/x",
        "http://[64:ff9b:1::a00:1]/x",
        "ftp://partner.example/x",
    ],
)
def test_fault6_internal_addresses_in_every_spelling_are_refused(guarded, dns, url):
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_fault6_names_are_resolved_and_every_address_must_be_public(guarded, dns):
    dns["partner.example"] = [PUBLIC]
    dns["rebind.example"] = [PUBLIC, "10.0.0.5"]
    dns["internal.example"] = ["192.168.1.10"]
    dns["nat64.example"] = ["64:ff9b::a9fe:a9fe"]
    check_url("https://partner.example/orders")
    check_url("https://partner.example./orders")  # trailing dot: the same name
    for name in ("rebind.example", "internal.example", "nat64.example", "unknown.example"):
        with pytest.raises(UnsafeURL):
            check_url(f"https://{name}/x")
    assert netguard.is_public("64:ff9b::5db8:d822")  # NAT64 of a public address is public


def test_fault6_webhook_form_resolves_the_name(guarded, dns, company):
    dns["praxis.example"] = ["127.0.0.1"]
    browser = Client()
    browser.force_login(company[1])
    r = browser.post("/dashboard/webhooks/", {"url": "https://praxis.example/hook"})
    assert "Interne Adressen sind nicht erlaubt." in r.content.decode()
    assert not CompanyWebhook.objects.exists()
    dns["praxis.example"] = [PUBLIC]
    browser.post("/dashboard/webhooks/", {"url": "https://praxis.example/hook"})
    assert CompanyWebhook.objects.filter(url="https://praxis.example/hook").exists()


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Recorder.seen.append(self.headers.get("Host"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_fault6_connect_time_check_pins_the_checked_address(guarded, dns, recorder):
    """The request goes to the checked address with the original Host; a name that resolves to
    an internal address when the request is sent (DNS rebinding) is refused, permanently."""
    from orderhub.delivery.channels.base import http_client
    from orderhub.delivery.channels.webhook import Webhook

    # 127.0.0.1 counts as allowed here only so that a local server can stand in for the partner.
    guarded.ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    dns["partner.example"] = ["127.0.0.1"]
    r = http_client().post(f"http://partner.example:{recorder}/in", content=b"{}")
    assert r.status_code == 200 and _Recorder.seen == [f"partner.example:{recorder}"]

    guarded.ALLOWED_PRIVATE_NETWORKS = []  # the name now points inside: refused at connect time
    with pytest.raises(UnsafeURL):
        http_client().post(f"http://partner.example:{recorder}/in", content=b"{}")
    assert len(_Recorder.seen) == 1

    class Doc:
        order_number = "OH-1"

    from orderhub.delivery.channels.base import Rendered

    result = Webhook({"url": f"http://partner.example:{recorder}/in"}, {"secret": "s"}).deliver(
        Doc(), [Rendered("order", "json", "application/json", "OH-1.json", b"{}")]
    )
    assert not result.ok and not result.retryable and "internal address" in result.detail
    assert len(_Recorder.seen) == 1


def test_fault6_partner_admin_form_refuses_internal_urls(guarded, dns):
    from orderhub.partners.admin import PartnerForm

    form = PartnerForm(
        data={
            "slug": "evil",
            "name": "Evil",
            "channel": "opentrans_http",
            "channel_config": '{"url": "http://[::ffff:169.254.169.254]/"}',
            "requires_customer_number": "on",
            "is_active": "on",
        }
    )
    assert not form.is_valid() and "channel_config" in form.errors
