"""The cart's attachment box (htmx): upload a scan for a line, a refused file named at the box,
a tracking number, reuse of a stored scan, remove; the company's own download."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from orderhub.attachments.models import OrderAttachment
from orderhub.ordering.models import Order
from tests.attachments import files
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def cart(practice):
    body = order_body()
    body["lines"][0]["partner_article_number"] = "SN-XXX"
    order = Order.objects.get(pk=submit(practice, body).json_body["id"])
    assert order.status == "cart"
    return order


@pytest.fixture
def browser(company):
    client = Client()
    client.force_login(company[1])
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_scan_uploaded_in_the_cart_goes_with_the_line_and_downloads(cart, browser):
    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    assert 'id="attachments"' in page and "Noch keine Anhänge." in page
    data = files.binary_stl(3)
    r = browser.post(
        f"/warenkorb/{cart.pk}/anhaenge/",
        {"position": "1", "file": SimpleUploadedFile("rechts.stl", data)},
        headers=HX,
    )
    assert r.status_code == 200
    box = text(r)
    assert box.startswith('<section class="card" id="attachments">')
    assert "Position 1: Ohrscan" in box and "rechts.stl" in box
    link = OrderAttachment.objects.get(order=cart)
    assert link.line.position == 1 and link.attachment.sha256 == hashlib.sha256(data).hexdigest()
    got = browser.get(f"/dashboard/bestellungen/{cart.pk}/anhaenge/{link.attachment.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == data
    # The order page lists it too (read only), with the same download.
    detail = text(browser.get(f"/dashboard/bestellungen/{cart.pk}/"))
    assert f'href="/dashboard/bestellungen/{cart.pk}/anhaenge/{link.attachment.pk}/"' in detail
    assert "Entfernen" not in detail.split('id="attachments"')[1].split("</section>")[0]


def test_a_file_that_is_no_scan_is_a_sentence_at_the_box(cart, browser):
    r = browser.post(
        f"/warenkorb/{cart.pk}/anhaenge/",
        {"position": "", "file": SimpleUploadedFile("scan.stl", files.EXE)},
        headers=HX,
    )
    box = text(r)
    assert 'role="alert" id="attachment-error"' in box
    assert "weder ein Ohrscan (STL, PLY, ASC) noch ein PDF" in box
    assert 'aria-invalid="true"' in box and not OrderAttachment.objects.exists()


def test_a_tracking_number_and_a_reused_scan_from_another_order(cart, browser, practice):
    body = order_body("B-2")
    body["lines"][0]["partner_article_number"] = "SN-XXX"
    other = Order.objects.get(pk=submit(practice, body, key="k2").json_body["id"])
    r = browser.post(
        f"/warenkorb/{other.pk}/anhaenge/",
        {"file": SimpleUploadedFile("links.stl", files.ASCII_STL)},
        headers=HX,
    )
    scan = OrderAttachment.objects.get(order=other).attachment
    page = text(browser.get(f"/warenkorb/{cart.pk}/"))
    assert f'<option value="{scan.pk}">Ohrscan: links.stl' in page
    r = browser.post(
        f"/warenkorb/{cart.pk}/anhaenge/",
        {"position": "2", "attachment_id": str(scan.pk)},
        headers=HX,
    )
    assert "Position 2: Ohrscan" in text(r)
    r = browser.post(f"/warenkorb/{cart.pk}/anhaenge/", {"text": "DHL 003404341612"}, headers=HX)
    assert "DHL 003404341612" in text(r)
    assert OrderAttachment.objects.filter(order=cart).count() == 2
    link = OrderAttachment.objects.get(order=cart, attachment=scan)
    r = browser.post(f"/warenkorb/{cart.pk}/anhaenge/{link.pk}/entfernen/", headers=HX)
    assert "links.stl" not in text(r).split("<form")[0]
    assert OrderAttachment.objects.filter(order=cart).count() == 1
