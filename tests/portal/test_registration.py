"""Registration (SPEC §3.1): API start, browser page, poll for the token exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orderhub.accounts.models import ApiToken, Company, Registration
from orderhub.masterdata.models import Branch, Employee
from tests.conftest import ApiClient, snapshot

pytestmark = pytest.mark.django_db


def start(anon_api, **extra):
    body = (
        snapshot()
        | {"software": {"name": "AMPAREX", "version": "2026.4"}, "workstation": "EMPFANG-1"}
        | extra
    )
    r = anon_api.post("/api/v1/registrations", body)
    assert r.status_code == 201, r.json_body
    return r.json_body


def finish_in_browser(client, url, username="muster-admin"):
    return client.post(
        url,
        {
            "username": username,
            "email": "filiale@muster.example",
            "password1": "Hoergeraet-2026!",
            "password2": "Hoergeraet-2026!",
        },
    )


def test_registration_flow_hands_out_the_token_exactly_once(anon_api, partners):
    reg = start(anon_api)
    assert set(reg) == {"registration_id", "registration_url", "poll_token", "expires_at"}
    poll = f"/api/v1/registrations/{reg['registration_id']}/token"

    r = anon_api.post(poll, {"poll_token": reg["poll_token"]})
    assert (r.status_code, r.json_body) == (202, {"status": "pending"})

    page = anon_api.client.get(reg["registration_url"])
    assert page.status_code == 200
    assert "Filiale 1" in page.content.decode() and "Filiale 2" in page.content.decode()

    done = finish_in_browser(anon_api.client, reg["registration_url"])
    assert done.status_code == 302 and done["Location"].endswith("/dashboard/")

    r = anon_api.post(poll, {"poll_token": reg["poll_token"]})
    assert r.status_code == 200
    token, company_id = r.json_body["api_token"], r.json_body["company_id"]
    company = Company.objects.get(pk=company_id)
    assert Branch.objects.filter(company=company).count() == 2
    assert Employee.objects.filter(company=company).count() == 3
    assert ApiToken.objects.get(company=company).digest != token  # stored hashed

    r = anon_api.post(poll, {"poll_token": reg["poll_token"]})
    assert r.status_code == 410 and r["Content-Type"] == "application/problem+json"

    # The token works for the company's own API.
    r = ApiClient(token).get("/api/v1/masterdata")
    assert r.status_code == 200 and r.json_body["company"]["name"] == "Hörakustik Muster GmbH"


def test_wrong_poll_token_is_refused(anon_api, partners):
    reg = start(anon_api)
    r = anon_api.post(
        f"/api/v1/registrations/{reg['registration_id']}/token", {"poll_token": "ohr_guess"}
    )
    assert r.status_code == 403


def test_expired_registration_is_refused_on_page_and_poll(anon_api, partners):
    reg = start(anon_api)
    Registration.objects.filter(pk=reg["registration_id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    r = anon_api.post(
        f"/api/v1/registrations/{reg['registration_id']}/token", {"poll_token": reg["poll_token"]}
    )
    assert r.status_code == 410 and "expired" in r.json_body["detail"]
    page = anon_api.client.get(reg["registration_url"])
    assert page.status_code == 410 and "abgelaufen" in page.content.decode()
    assert finish_in_browser(anon_api.client, reg["registration_url"]).status_code == 410
    assert Company.objects.count() == 0


def test_completed_registration_cannot_be_reused(anon_api, partners):
    reg = start(anon_api)
    finish_in_browser(anon_api.client, reg["registration_url"])
    again = finish_in_browser(ApiClient().client, reg["registration_url"], username="someone-else")
    assert again.status_code == 410
    assert Company.objects.count() == 1


def test_registration_rejects_unknown_personal_fields(anon_api, partners):
    body = snapshot()
    body["users"][0]["birthday"] = "1970-01-01"
    r = anon_api.post("/api/v1/registrations", body)
    assert r.status_code == 422
    assert r.json_body["errors"][0]["field"] == "users[0].birthday"
    assert Registration.objects.count() == 0


def test_weak_password_is_refused_on_the_page(anon_api, partners):
    reg = start(anon_api)
    r = anon_api.client.post(
        reg["registration_url"],
        {"username": "x", "email": "a@b.example", "password1": "123", "password2": "123"},
    )
    assert r.status_code == 200 and Company.objects.count() == 0
