"""The supplier portal in a real browser (issue 17): the partner sees the scan of its order's
line and downloads it; the file is the one the practice uploaded (SHA-256). Another partner's
login cannot fetch it."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from orderhub.delivery.models import PartnerAccount
from orderhub.ordering.models import Order
from tests.attachments import files
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCAN = files.binary_stl(7)


def _login(page, live_server, username):
    page.goto(live_server.url + "/lieferant/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill("Lieferant-12345!")
    page.get_by_role("button", name="Anmelden").click()


def test_the_partner_sees_and_downloads_the_scan_of_its_order(
    live_server, page, practice, partners, tmp_path
):
    for slug in ("sonora", "audiotec"):
        user = get_user_model().objects.create_user(f"{slug}-portal", password="Lieferant-12345!")
        PartnerAccount.objects.create(user=user, partner=partners[slug])
    r = practice.client.post(
        "/api/v1/attachments",
        {"file": SimpleUploadedFile("rechts.stl", SCAN)},
        headers={"Authorization": f"Bearer {practice.token}"},
    )
    body = order_body("B-SCAN")
    body["lines"][0]["attachments"] = [r.json()["id"]]
    order = mark_sent(Order.objects.get(pk=submit(practice, body).json_body["id"]))

    _login(page, live_server, "sonora-portal")
    page.get_by_role("link", name=order.number).click()
    row = page.locator("ul.attachments li")
    assert "Position 1: Ohrscan" in row.inner_text()
    assert hashlib.sha256(SCAN).hexdigest() in row.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="rechts.stl").click()
    saved = tmp_path / "download.stl"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "rechts.stl"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == hashlib.sha256(SCAN).hexdigest()
    url = page.get_by_role("link", name="rechts.stl").get_attribute("href")

    page.context.clear_cookies()
    _login(page, live_server, "audiotec-portal")
    page.wait_for_url("**/lieferant/")
    assert page.request.get(live_server.url + url).status == 404
