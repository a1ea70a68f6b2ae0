"""Attachments through the API (issue 17): upload (multipart), refusals naming the field, naming
them in an order's JSON (order and line), reuse for another order, download, retention."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from orderhub.attachments import services
from orderhub.attachments.models import Attachment, OrderAttachment
from orderhub.ordering.models import Order
from tests.attachments import files
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db


def upload(api, data: bytes, name="scan.stl", **fields):
    return api.client.post(
        "/api/v1/attachments",
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream"), **fields},
        headers={"Authorization": f"Bearer {api.token}"},
    )


def test_an_uploaded_scan_is_stored_with_its_sha256_and_type_read_from_the_bytes(api):
    data = files.binary_stl(4)
    r = upload(api, data, name="rechts.bin")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "scan" and body["format"] == "stl" and body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["filename"] == "rechts.bin" and body["available"] is True
    stored = Attachment.objects.get(pk=body["id"])
    assert stored.storage_name.startswith(f"attachments/{stored.company_id}/")
    with default_storage.open(stored.storage_name, "rb") as fh:
        assert fh.read() == data

    got = api.client.get(
        f"/api/v1/attachments/{body['id']}/content",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert got.status_code == 200 and b"".join(got.streaming_content) == data
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert got["Repr-Digest"] == f"sha-256=:{digest}:"


@pytest.mark.parametrize(
    ("data", "fields", "field"),
    [
        (files.EXE, {}, "file"),
        (files.TRUNCATED_STL, {}, "file"),
        (files.PDF, {"kind": "scan"}, "kind"),
        (files.binary_stl(), {"kind": "passport"}, "kind"),
    ],
)
def test_a_wrong_type_is_a_problem_naming_the_field(api, data, fields, field):
    r = upload(api, data, name="scan.stl", **fields)
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused_naming_file(api, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    r = upload(api, files.binary_stl(40))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    assert "1000" not in r.json()["detail"] or "MB" in r.json()["detail"]
    assert not Attachment.objects.exists()


def test_a_tracking_number_is_a_text_attachment(api):
    r = api.client.post(
        "/api/v1/attachments",
        {"text": "DHL 00340434161234567890"},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "tracking_number" and r.json()["text"] == "DHL 00340434161234567890"


def test_an_order_names_attachments_for_itself_and_a_line_and_a_scan_is_reused(practice):
    scan = upload(practice, files.binary_stl()).json()["id"]
    audiogram = upload(practice, files.PDF, name="audiogramm.pdf").json()["id"]
    body = order_body("A-1", attachments=[audiogram])
    body["lines"][0]["attachments"] = [scan]
    r = submit(practice, body, key="a-1")
    assert r.status_code == 201, r.json_body
    order = Order.objects.get(pk=r.json_body["id"])
    listed = practice.get(f"/api/v1/orders/{order.pk}/attachments").json_body
    assert [(a["id"], a["position"]) for a in listed] == [(audiogram, None), (scan, 1)]

    # The same scan again, for the remake of the other ear: no second upload.
    again = order_body("A-2")
    again["lines"][1]["attachments"] = [scan]
    r = submit(practice, again, key="a-2")
    assert r.status_code == 201, r.json_body
    assert OrderAttachment.objects.filter(attachment_id=scan).count() == 2
    assert Attachment.objects.count() == 2


def test_an_order_naming_a_foreign_or_unknown_attachment_is_refused_and_nothing_written(
    practice, other_company
):
    from orderhub.attachments.services import store_tracking_number

    foreign = store_tracking_number(other_company[0], "DHL 123456", "test")
    body = order_body("A-3")
    body["lines"][1]["attachments"] = [str(foreign.pk)]
    r = submit(practice, body, key="a-3")
    assert r.status_code == 422, r.json_body
    assert r.json_body["errors"][0]["field"] == "lines[1].attachments[0]"
    body["lines"][1]["attachments"] = ["not-a-uuid-but-long-enough-to-pass-32"]
    r = submit(practice, body, key="a-3b")
    assert r.status_code == 422 and r.json_body["errors"][0]["field"] == "lines[1].attachments[0]"
    assert not Order.objects.exists() and not OrderAttachment.objects.exists()


def test_another_companys_attachment_cannot_be_read(api, other_company):
    from tests.conftest import ApiClient

    scan = upload(api, files.binary_stl()).json()["id"]
    other = ApiClient(other_company[2])
    assert other.get(f"/api/v1/attachments/{scan}").status_code == 404
    assert other.get(f"/api/v1/attachments/{scan}/content").status_code == 404


def test_files_past_the_retention_time_are_deleted_and_the_row_says_so(api, settings):
    settings.ATTACHMENT_RETENTION_DAYS = 30
    old = Attachment.objects.get(pk=upload(api, files.binary_stl()).json()["id"])
    recent = Attachment.objects.get(pk=upload(api, files.PLY, name="l.ply").json()["id"])
    Attachment.objects.filter(pk=old.pk).update(last_used_at=timezone.now() - timedelta(days=31))
    assert services.purge_expired() == 1
    old.refresh_from_db()
    assert old.purged_at is not None and not default_storage.exists(old.storage_name)
    assert default_storage.exists(recent.storage_name)
    assert api.get(f"/api/v1/attachments/{old.pk}").json_body["available"] is False
    assert api.get(f"/api/v1/attachments/{old.pk}/content").status_code == 410
    assert services.purge_expired() == 0


def test_the_openapi_document_describes_the_multipart_upload(anon_api):
    schema = anon_api.get("/api/v1/openapi.json").json_body
    op = schema["paths"]["/api/v1/attachments"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"]
    assert "422" in op["responses"]


def test_a_nul_in_a_multipart_field_is_refused_the_files_bytes_are_not(api):
    headers = {"Authorization": f"Bearer {api.token}"}
    r = api.client.post("/api/v1/attachments", {"text": "DHL 12\x0034"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    r = api.client.post(
        "/api/v1/attachments",
        {"file": SimpleUploadedFile("scan.stl", files.binary_stl()), "kind": "scan\x00"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    r = api.client.post(
        "/api/v1/attachments",
        {"file": SimpleUploadedFile("scan.stl", files.binary_stl()), "kind": "scan"},
        headers=headers,
    )
    assert r.status_code == 201  # the binary STL itself is full of NUL bytes
