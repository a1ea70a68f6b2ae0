"""Issue 14, fault 5: guesses spread over many addresses lock the account, not only user + IP."""

import pytest
from django.test import Client

from tests.conftest import make_company

pytestmark = pytest.mark.django_db
PASSWORD = "Geheim-12345!"


@pytest.fixture
def victim(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_company("Opfer GmbH")[1], make_company("Nachbar GmbH")[1]


def _login(username, password, ip):
    c = Client()
    r = c.post("/anmelden/", {"username": username, "password": password}, REMOTE_ADDR=ip)
    return r, "_auth_user_id" in c.session


def test_fault5_guesses_from_twenty_addresses_lock_the_account(victim, settings):
    user, bystander = victim
    assert settings.LOGIN_ACCOUNT_FAILURE_LIMIT == 20
    # 80 guesses from 20 addresses, 4 per address: never 5 from one address.
    locked_at = None
    for n in range(80):
        r, ok = _login(user.username, f"wrong-{n}", f"198.51.100.{n % 20 + 1}")
        assert not ok
        if r.status_code in (403, 429) and locked_at is None:
            locked_at = n
    assert locked_at is not None and locked_at <= 20, locked_at
    # The right password from a fresh address is refused while the account is locked.
    r, ok = _login(user.username, PASSWORD, "203.0.113.200")
    assert r.status_code in (403, 429) and not ok
    # Another account is unaffected.
    r, ok = _login(bystander.username, PASSWORD, "198.51.100.1")
    assert r.status_code == 302 and ok


def test_fault5_fewer_failures_than_the_account_limit_do_not_lock(victim):
    user, _ = victim
    for n in range(19):
        r, ok = _login(user.username, f"wrong-{n}", f"198.51.100.{n + 1}")
    r, ok = _login(user.username, PASSWORD, "203.0.113.200")
    assert r.status_code == 302 and ok


def test_fault5_the_account_lock_ends_after_the_cool_off(victim, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    user, _ = victim
    for n in range(20):
        _login(user.username, f"wrong-{n}", f"198.51.100.{n + 1}")
    assert _login(user.username, PASSWORD, "203.0.113.200")[0].status_code in (403, 429)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    r, ok = _login(user.username, PASSWORD, "203.0.113.200")
    assert r.status_code == 302 and ok
