"""Abuse of the web side: login brute force, CSRF, session cookies, API vs. session, deploy checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import make_company

pytestmark = pytest.mark.django_db

PASSWORD = "Geheim-12345!"


def _login(client: Client, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post("/anmelden/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client: Client) -> bool:
    r = client.get("/dashboard/")
    return r.status_code == 200


# --- login brute force (django-axes: 5 failures per username + IP) ----------------------------------


@pytest.fixture
def logins(fast_hashing):
    """Two company logins (cheap hashing: the throttle, not Argon2, is under test here)."""
    return make_company("Opfer GmbH")[1], make_company("Nachbar GmbH")[1]


def test_sixth_attempt_with_the_right_password_is_refused_after_five_failures(logins):
    victim, bystander = logins
    attacker = Client()
    for attempt in range(5):
        r = _login(attacker, victim.username, f"wrong-{attempt}")
        assert r.status_code in (200, 429), r.status_code  # form shown again (then locked)
        assert not _logged_in(attacker)

    r = _login(attacker, victim.username, PASSWORD)
    assert r.status_code in (403, 429), (
        f"6th attempt with the right password answered {r.status_code}"
    )
    assert "_auth_user_id" not in attacker.session
    assert not _logged_in(attacker)

    # A forged X-Forwarded-For does not make the attacker a new IP (only REMOTE_ADDR counts).
    r = attacker.post(
        "/anmelden/",
        {"username": victim.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
        HTTP_X_REAL_IP="198.51.100.99",
    )
    assert r.status_code in (403, 429) and not _logged_in(attacker)

    # A fresh client (new session, same IP) is locked out for this user as well: the lock is on the
    # username + IP, not on a cookie the attacker can throw away.
    fresh = Client()
    r = _login(fresh, victim.username, PASSWORD)
    assert r.status_code in (403, 429) and not _logged_in(fresh)

    # Another user from the same IP is unaffected.
    other = Client()
    r = _login(other, bystander.username, PASSWORD)
    assert r.status_code == 302, r.status_code
    assert _logged_in(other)


def test_four_failures_do_not_lock_the_user_out(logins):
    user = logins[0]
    c = Client()
    for i in range(4):
        _login(c, user.username, f"wrong-{i}")
    r = _login(c, user.username, PASSWORD)
    assert r.status_code == 302 and _logged_in(c)


def test_lockout_page_is_not_a_server_error_and_reveals_nothing(logins):
    user = logins[0]
    c = Client()
    for i in range(6):
        r = _login(c, user.username, f"wrong-{i}")
    assert r.status_code in (403, 429)
    assert "Traceback" not in r.content.decode()


# --- CSRF -----------------------------------------------------------------------------------------


@pytest.fixture
def csrf_browser(company):
    from orderhub.masterdata.models import Branch

    c = Client(enforce_csrf_checks=True)
    c.force_login(company[1])
    branch = Branch.objects.create(company=company[0], external_id="F1", name="Filiale Original")
    return c, branch


def test_dashboard_post_without_csrf_token_is_refused(csrf_browser):
    from orderhub.accounts.models import ApiToken

    c, branch = csrf_browser
    r = c.post(f"/dashboard/filialen/{branch.pk}/", {"name": "Gekapert", "country": "DE"})
    assert r.status_code == 403
    branch.refresh_from_db()
    assert branch.name == "Filiale Original"

    tokens_before = ApiToken.objects.count()
    assert c.post("/dashboard/tokens/", {"name": "Gekapert"}).status_code == 403
    assert ApiToken.objects.count() == tokens_before

    token = ApiToken.objects.filter(company=branch.company).first()
    assert c.post(f"/dashboard/tokens/{token.pk}/widerrufen/").status_code == 403
    token.refresh_from_db()
    assert not token.is_revoked


def test_dashboard_post_with_a_foreign_origin_is_refused(csrf_browser):
    c, branch = csrf_browser
    page = c.get(f"/dashboard/filialen/{branch.pk}/")
    token = page.cookies["csrftoken"].value
    r = c.post(
        f"/dashboard/filialen/{branch.pk}/",
        {"name": "Gekapert", "country": "DE", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://evil.example",
        secure=True,
    )
    assert r.status_code == 403
    branch.refresh_from_db()
    assert branch.name == "Filiale Original"


def test_dashboard_post_with_csrf_token_works(csrf_browser):
    """Control: the refusals above are CSRF, not something else."""
    c, branch = csrf_browser
    page = c.get(f"/dashboard/filialen/{branch.pk}/")
    token = page.cookies["csrftoken"].value
    r = c.post(
        f"/dashboard/filialen/{branch.pk}/",
        {
            "name": "Filiale Neu",
            "street": "",
            "postal_code": "",
            "city": "",
            "country": "DE",
            "csrfmiddlewaretoken": token,
        },
    )
    assert r.status_code == 302, r.content[:300]
    branch.refresh_from_db()
    assert branch.name == "Filiale Neu"


def test_login_form_without_csrf_token_is_refused(company):
    c = Client(enforce_csrf_checks=True)
    r = _login(c, company[1].username, PASSWORD)
    assert r.status_code == 403
    assert not _logged_in(c)


def test_api_ignores_the_session_cookie(company):
    """The API is CSRF-exempt because it only accepts bearer tokens; a logged-in browser gets 401."""
    c = Client()
    c.force_login(company[1])
    assert c.get("/api/v1/orders").status_code == 401
    assert c.get("/api/v1/masterdata").status_code == 401
    r = c.put("/api/v1/masterdata", data="{}", content_type="application/json")
    assert r.status_code == 401


# --- session and security headers ------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite(company):
    c = Client()
    page = c.get("/anmelden/")
    csrf_cookie = page.cookies.get("csrftoken")
    r = _login(c, company[1].username, PASSWORD)
    assert r.status_code == 302
    session = r.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"].lower() in ("lax", "strict")
    assert session["max-age"] and int(session["max-age"]) <= 12 * 3600
    if csrf_cookie is not None:
        assert csrf_cookie["samesite"].lower() in ("lax", "strict")


def test_login_rotates_the_session_key(company):
    """Session fixation: the session id before login must not be the one after."""
    c = Client()
    c.get("/anmelden/")
    c.session.save()
    before = c.session.session_key
    _login(c, company[1].username, PASSWORD)
    assert c.session.session_key != before


def test_pages_send_security_headers(company):
    c = Client()
    c.force_login(company[1])
    r = c.get("/dashboard/")
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"


def test_passwords_are_hashed_with_argon2(db):
    user = get_user_model().objects.create_user(username="argon-check", password=PASSWORD)
    assert user.password.startswith("argon2$")


def test_api_tokens_are_stored_hashed(company):
    from orderhub.accounts.models import ApiToken

    plain = company[2]
    row = ApiToken.objects.get(company=company[0])
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=row.pk).values().first().values())
    assert plain not in stored and plain[4:] not in stored


# --- check --deploy with production settings -------------------------------------------------------


def _orderhub_check(tmp_path: Path, **env_overrides) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ORDERHUB_SECURE",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_SETTINGS_MODULE",
            "CSRF_TRUSTED_ORIGINS",
            "ORDERHUB_CREDENTIALS_KEYS",
            "ORDERHUB_DEVELOPMENT",
            "ORDERHUB_ALLOW_PRIVATE_URLS",
        }
    }
    env.update(ORDERHUB_DATA_DIR=str(tmp_path / "data"), **env_overrides)
    orderhub = Path(sys.executable).with_name("orderhub")
    return subprocess.run(
        [str(orderhub), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_for_production_settings(tmp_path):
    result = _orderhub_check(
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64),
        ORDERHUB_SECURE="1",
        ORDERHUB_CREDENTIALS_KEYS=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="orders.example.com",
        ORDERHUB_BASE_URL="https://orders.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_check_deploy_flags_development_settings(tmp_path):
    """Control: the check above would notice a missing SECRET_KEY or ORDERHUB_SECURE."""
    result = _orderhub_check(tmp_path, ALLOWED_HOSTS="orders.example.com", ORDERHUB_DEVELOPMENT="1")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "security.W009" in out  # SECRET_KEY
    assert "security.W012" in out or "security.W008" in out  # cookies not secure / no SSL redirect
