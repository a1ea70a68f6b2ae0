"""Issue 14, fault 2: the unauthenticated registration endpoint has limits (per address, in total,
size, item counts), field lengths, and personal data of old registrations is purged."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from orderhub.accounts.models import Registration
from orderhub.masterdata.registration import complete_registration, purge_registrations
from tests.conftest import snapshot

pytestmark = pytest.mark.django_db


def _post(anon_api, data=None, ip="198.51.100.7"):
    r = anon_api.client.post(
        "/api/v1/registrations",
        data=json.dumps(data or snapshot()),
        content_type="application/json",
        REMOTE_ADDR=ip,
    )
    r.json_body = json.loads(r.content) if r.content else None
    return r


def test_fault2_registrations_are_limited_per_address(anon_api, partners, settings):
    settings.REGISTRATION_RATE_PER_IP = 3
    for _ in range(3):
        assert _post(anon_api).status_code == 201
    r = _post(anon_api)
    assert r.status_code == 429 and r["Content-Type"] == "application/problem+json"
    assert int(r["Retry-After"]) > 0
    assert Registration.objects.count() == 3
    assert _post(anon_api, ip="198.51.100.8").status_code == 201  # another address is unaffected
    # An hour later the address may register again.
    Registration.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert _post(anon_api).status_code == 201


def test_fault2_registrations_are_limited_in_total(anon_api, partners, settings):
    settings.REGISTRATION_RATE_GLOBAL = 4
    for i in range(4):
        assert _post(anon_api, ip=f"198.51.100.{i + 1}").status_code == 201
    r = _post(anon_api, ip="203.0.113.99")
    assert r.status_code == 429 and "Retry-After" in r


def test_fault2_the_address_is_stored_only_as_a_digest(anon_api, partners):
    assert _post(anon_api, ip="198.51.100.77").status_code == 201
    row = Registration.objects.get()
    assert len(row.client_digest) == 64
    assert "198.51.100.77" not in str(Registration.objects.values().get())


def test_fault2_snapshot_size_and_item_counts_are_bounded(anon_api, partners, settings):
    data = snapshot(branches=1001, users=1)
    r = _post(anon_api, data)
    assert r.status_code == 422 and "branches" in [e["field"] for e in r.json_body["errors"]]
    data = snapshot(branches=1, users=20_001)
    r = _post(anon_api, data)
    assert r.status_code == 422 and "users" in [e["field"] for e in r.json_body["errors"]]
    settings.REGISTRATION_MAX_BYTES = 2000
    r = _post(anon_api, snapshot(branches=10, users=10))
    assert r.status_code == 413
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("workstation", "x" * 101),
        ("software", {"name": "x" * 101}),
    ],
)
def test_fault2_every_stored_text_has_a_length_limit(anon_api, partners, field, value):
    data = snapshot()
    data[field] = value
    assert _post(anon_api, data).status_code == 422


def test_fault2_order_attribute_values_have_a_length_limit(practice):
    body = {
        "external_order_id": "B-1",
        "partner": "sonora",
        "branch_id": "F1",
        "ordered_by": "U1",
        "lines": [
            {
                "position": 1,
                "quantity": 1,
                "partner_article_number": "SN-R-M-3-R",
                "attributes": {"side": "R" * 10_000},
            }
        ],
    }
    r = practice.post("/api/v1/orders", body, headers={"Idempotency-Key": "k1"})
    assert r.status_code == 422
    assert any("attributes" in e["field"] for e in r.json_body["errors"])


def test_fault2_expired_and_finished_registrations_lose_their_personal_data(
    anon_api, partners, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for i in range(3):
        assert _post(anon_api, ip=f"198.51.100.{i + 1}").status_code == 201
    expired, finished, fresh = Registration.objects.order_by("created_at")
    complete_registration(
        finished, username="praxis", email="a@praxis.example", password="Geheim-12345!"
    )
    now = timezone.now()
    Registration.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(days=8))
    Registration.objects.filter(pk=finished.pk).update(completed_at=now - timedelta(days=8))

    assert purge_registrations() == {"deleted": 1, "erased": 1}
    assert not Registration.objects.filter(pk=expired.pk).exists()
    finished.refresh_from_db()
    assert finished.snapshot == {} and finished.workstation == "" and finished.purged_at is not None
    assert finished.status == Registration.Status.COMPLETED and finished.company_id
    fresh.refresh_from_db()
    assert fresh.snapshot["users"][0]["email"] == "u1@muster.example"  # not yet due
    assert purge_registrations() == {"deleted": 0, "erased": 0}


def test_fault2_purge_runs_as_periodic_job_and_command(anon_api, partners, capsys):
    from orderhub.delivery.periodic import run_once

    assert _post(anon_api).status_code == 201
    Registration.objects.update(expires_at=timezone.now() - timedelta(days=30))
    assert run_once()["registrations_purged"]["deleted"] == 1
    assert _post(anon_api, ip="198.51.100.9").status_code == 201
    Registration.objects.update(expires_at=timezone.now() - timedelta(hours=1))
    call_command("purge_registrations", "--days", "0")
    assert "registrations deleted: 1" in capsys.readouterr().out
    assert not Registration.objects.exists()
