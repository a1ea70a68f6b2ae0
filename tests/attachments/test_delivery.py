"""Attachments sent with the order (issue 17): the stored openTRANS carries a signed link that
downloads the exact file; an expired, forged or detached link is refused; the e-mail channel
attaches the file; the supplier portal lists and downloads it, for its own orders only."""

from __future__ import annotations

import hashlib
import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from orderhub.attachments.models import OrderAttachment
from orderhub.delivery import outbox
from orderhub.delivery.models import Document, PartnerAccount
from orderhub.formats.opentrans.partner import parse_order
from orderhub.formats.opentrans.schema import validate
from orderhub.ordering.models import Order
from orderhub.partners.models import Partner
from tests.accounts.conftest import Mailbox
from tests.attachments import files
from tests.delivery.conftest import Recorder
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db
SCAN = files.binary_stl(5)


def upload(api, data: bytes, name: str) -> str:
    r = api.client.post(
        "/api/v1/attachments",
        {"file": SimpleUploadedFile(name, data)},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert r.status_code == 201, r.content
    return r.json()["id"]


def order_with_scan(practice, external_id="S-1") -> Order:
    body = order_body(external_id)
    body["lines"][0]["attachments"] = [upload(practice, SCAN, "rechts.stl")]
    r = submit(practice, body, key=external_id)
    assert r.status_code == 201 and r.json_body["status"] == "queued", r.json_body
    return Order.objects.get(pk=r.json_body["id"])


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


@pytest.fixture
def smtp():
    from simulator.mail_partner import PortPickingController

    box = Mailbox()
    controller = PortPickingController(box, hostname="127.0.0.1", port=0)
    controller.start()
    yield box, controller.port
    controller.stop()


def test_the_sent_document_links_the_scan_and_the_link_downloads_it(practice, partners, recorder):
    sonora = partners["sonora"]
    sonora.channel_config = {"url": recorder.url, "timeout": 5}
    sonora.save()
    order = order_with_scan(practice)
    outbox.run_due()
    sent = Document.objects.get(order=order, kind="order", direction="outbound")
    assert recorder.requests[0]["body"] == bytes(sent.content)
    doc = parse_order(bytes(sent.content))
    (scan,) = doc.items[0].attachments
    assert scan.sha256 == hashlib.sha256(SCAN).hexdigest() and scan.kind == "scan"
    anonymous = Client()
    got = anonymous.get(scan.url)
    assert got.status_code == 200
    assert hashlib.sha256(b"".join(got.streaming_content)).hexdigest() == scan.sha256
    assert 'filename="rechts.stl"' in got["Content-Disposition"]

    forged = scan.url.rstrip("/")[:-3] + "xyz/"
    assert anonymous.get(forged).status_code == 403
    later = time.time() + 91 * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert anonymous.get(scan.url).status_code == 410
    OrderAttachment.objects.filter(order=order).delete()
    assert anonymous.get(scan.url).status_code == 410


def test_the_email_channel_attaches_the_scan(practice, partners, smtp):
    box, port = smtp
    sonora = partners["sonora"]
    sonora.channel = "email"
    sonora.channel_config = {
        "to": "auftrag@sonora.example",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
    }
    sonora.save()
    order = order_with_scan(practice, "S-2")
    outbox.run_due()
    message = box.wait_for("auftrag@sonora.example")
    names = {p.get_filename(): p for p in message.walk() if p.get_filename()}
    assert names["rechts.stl"].get_payload(decode=True) == SCAN
    xml = names[f"{order.number}.xml"].get_payload(decode=True)
    validate(xml)
    assert parse_order(xml).items[0].attachments[0].sha256 == hashlib.sha256(SCAN).hexdigest()


def supplier(partner) -> Client:
    user = get_user_model().objects.create_user(username=f"clerk@{partner.slug}.example")
    PartnerAccount.objects.create(user=user, partner=partner)
    client = Client()
    client.force_login(user)
    return client


def test_the_supplier_portal_lists_and_downloads_its_own_orders_files_only(practice, partners):
    order = order_with_scan(practice, "S-3")
    Order.objects.filter(pk=order.pk).update(status="sent")
    link = OrderAttachment.objects.get(order=order)
    portal = supplier(partners["sonora"])
    page = portal.get(f"/lieferant/bestellungen/{order.number}/").content.decode()
    url = f"/lieferant/bestellungen/{order.number}/anhaenge/{link.attachment_id}/"
    assert f'href="{url}"' in page and "rechts.stl" in page and link.attachment.sha256 in page
    got = portal.get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == SCAN
    other = Partner.objects.create(slug="fremd", name="Fremd GmbH", channel="email")
    assert supplier(other).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login
