"""Oversize bodies are refused with 413 problem+json, before anything is written."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ApiClient
from tests.security.conftest import snapshot_for

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def _assert_413(r):
    assert r.status_code == 413, (r.status_code, r.content[:300])
    assert r["Content-Type"].startswith("application/problem+json"), r["Content-Type"]
    assert r.json_body["status"] == 413 and r.json_body["title"]


def _padded_snapshot(size: int) -> bytes:
    """A syntactically valid snapshot of at least ``size`` bytes (one very long branch list)."""
    data = snapshot_for("Gross", sonora_number="K-1")
    branch = data["branches"][0]
    per = len(json.dumps(branch)) + 2
    data["branches"] = [dict(branch, id=f"F{i}") for i in range(size // per + 1)]
    raw = json.dumps(data).encode()
    assert len(raw) > size
    return raw


def test_default_limit_refuses_a_masterdata_body_over_16_mb(world, settings):
    from orderhub.masterdata.models import Branch

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 16 * MB, "the default changed; adjust the test and the README"
    before = Branch.objects.count()
    _assert_413(world.b.api.put("/api/v1/masterdata", raw=_padded_snapshot(limit)))
    assert Branch.objects.count() == before


@pytest.fixture
def small_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_json_endpoints_refuse_bodies_over_the_limit(world, small_limit, anon_api):
    from orderhub.accounts.models import Registration
    from orderhub.ordering.models import Order

    body = _padded_snapshot(small_limit)
    _assert_413(world.b.api.put("/api/v1/masterdata", raw=body))
    registrations = Registration.objects.count()
    _assert_413(anon_api.post("/api/v1/registrations", raw=body))
    assert Registration.objects.count() == registrations

    order = {
        "external_order_id": "BIG",
        "partner": "sonora",
        "branch_id": "F1",
        "ordered_by": "U1",
        "note": "x" * (small_limit + 1),
        "lines": [{"position": 1, "quantity": 1, "description": "a"}],
    }
    orders = Order.objects.count()
    _assert_413(world.b.api.post("/api/v1/orders", order, headers={"Idempotency-Key": "big"}))
    assert Order.objects.count() == orders

    _assert_413(
        anon_api.post(
            f"/api/v1/registrations/{world.registration_id}/token",
            {"poll_token": "x" * (small_limit + 1)},
        )
    )


def test_a_body_just_under_the_limit_is_not_refused_for_size(world, small_limit):
    body = _padded_snapshot(small_limit // 2)
    assert world.b.api.put("/api/v1/masterdata", raw=body).status_code != 413


def test_partner_document_over_2_mib_is_refused(world):
    from orderhub.delivery.models import Document

    client = ApiClient(world.partner_tokens["sonora"])
    before = Document.objects.count()
    big = b"<ORDERRESPONSE>" + b" " * (2 * MB) + b"</ORDERRESPONSE>"
    _assert_413(client.post("/api/v1/partner/documents", raw=big, content_type="application/xml"))
    _assert_413(
        client.post(
            "/api/v1/partner/documents",
            raw=b"{" + b" " * (2 * MB) + b"}",
            content_type="application/json",
        )
    )
    assert Document.objects.count() == before
    # At exactly 2 MiB the size is fine (the document is refused for what it is, not for its size).
    exact = b"<x>" + b" " * (2 * MB - 7) + b"</x>"
    assert len(exact) == 2 * MB
    r = client.post("/api/v1/partner/documents", raw=exact, content_type="application/xml")
    assert r.status_code != 413 and 400 <= r.status_code < 500


def test_catalog_over_the_limit_is_refused_and_leaves_nothing(
    world, settings, django_capture_on_commit_callbacks
):
    from orderhub.catalog.models import CatalogImport

    settings.CATALOG_UPLOAD_MAX_BYTES = 1 * MB
    from django.core.files.storage import default_storage

    def stored():
        return (
            set(default_storage.listdir("catalog-uploads")[1])
            if default_storage.exists("catalog-uploads")
            else set()
        )

    files_before = stored()
    jobs_before = CatalogImport.objects.count()
    client = ApiClient(world.partner_tokens["sonora"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client.post("/api/v1/partner/catalogs", raw=b"A" * (MB + 1), content_type="text/csv")
    _assert_413(r)
    assert callbacks == []
    assert CatalogImport.objects.count() == jobs_before
    assert stored() == files_before, "the refused upload left a file behind"


def test_oversize_form_posts_are_client_errors(world, small_limit):
    """Dashboard and login forms: Django refuses with 400 (RequestDataTooBig / TooManyFields), never 500."""
    from django.test import Client

    r = Client().post("/anmelden/", {"username": "x", "password": "y" * (small_limit + 1)})
    assert r.status_code == 400
    r = Client().post("/anmelden/", {f"f{i}": "1" for i in range(2000)})
    assert r.status_code == 400
    r = world.b.browser.post("/dashboard/tokens/", {"name": "n" * (small_limit + 1)})
    assert r.status_code == 400
