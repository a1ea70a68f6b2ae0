"""Invitations, password reset and the TOTP second factor, with mail through a real SMTP server
(aiosmtpd) and the links followed as the person would."""

import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from orderhub.accounts.models import Account, AuditEvent, Role
from orderhub.masterdata.models import Employee

pytestmark = pytest.mark.django_db

PASSWORD = "Geheim-12345!"


def admin_client(people) -> Client:
    c = Client()
    assert (
        c.post(
            "/anmelden/", {"username": people["admin"].username, "password": PASSWORD}
        ).status_code
        == 302
    )
    return c


def can_log_in(username: str, password: str) -> bool:
    r = Client().post("/anmelden/", {"username": username, "password": password})
    return r.status_code == 302


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_an_administrator_invites_an_employee_who_sets_a_password(people, mailbox):
    admin = admin_client(people)
    page = admin.get("/dashboard/zugaenge/").content.decode()
    # Offered: synced employees with e-mail and without a login (U4 has no e-mail).
    assert "u2@muster.example" in page and "Mitarbeiter 4" not in page
    anna = Employee.objects.get(external_id="U2")
    r = admin.post("/dashboard/zugaenge/", {"employee": anna.pk, "role": Role.BRANCH_STAFF})
    assert r.status_code == 302

    mail = mailbox.wait_for("u2@muster.example")
    body = mailbox.body(mail)
    # In the inviting administrator's language (the page's): one language, not both.
    assert mail["Subject"].strip() == "Ihr Zugang zu OrderHub"
    assert "Guten Tag Mitarbeiter 2" in body and "Hello" not in body
    assert "Filialmitarbeiter" in body and "Branch staff" not in body
    link = mailbox.link(mail)
    account = Account.objects.get(employee=anna)
    assert account.role == Role.BRANCH_STAFF and not account.has_password
    assert account.user.username == "u2@muster.example"
    assert "eingeladen" in admin.get("/dashboard/zugaenge/").content.decode()

    person = Client()
    r = person.get(path_of(link))
    assert r.status_code == 302  # Django moves the token out of the URL into the session
    form_url = r["Location"]
    assert "Passwort wählen" in person.get(form_url).content.decode()
    r = person.post(
        form_url, {"new_password1": "Filiale-Mitte-2026", "new_password2": "Filiale-Mitte-2026"}
    )
    assert r.status_code == 302 and r["Location"] == "/dashboard/"
    assert person.get("/dashboard/").status_code == 200
    # The link works once.
    assert "ungültig" in Client().get(path_of(link), follow=True).content.decode()
    assert can_log_in("u2@muster.example", "Filiale-Mitte-2026")

    rows = AuditEvent.objects.filter(object_type="login").order_by("at", "id")
    assert [(r.action, r.actor) for r in rows] == [
        ("login.invited", f"Benutzer {people['admin'].username}"),
        ("login.password_set", "Mitarbeiter 2 (u2@muster.example)"),
    ]


def test_an_invitation_is_refused_twice_and_can_be_sent_again(people, mailbox):
    admin = admin_client(people)
    anna = Employee.objects.get(external_id="U2")
    admin.post("/dashboard/zugaenge/", {"employee": anna.pk, "role": Role.READ_ONLY})
    mailbox.wait_for("u2@muster.example")
    r = admin.post("/dashboard/zugaenge/", {"employee": anna.pk, "role": Role.READ_ONLY})
    assert r.status_code == 200 and Account.objects.filter(employee=anna).count() == 1
    account = Account.objects.get(employee=anna)
    admin.post(f"/dashboard/zugaenge/{account.pk}/", {"resend": "1"})
    assert mailbox.wait_for("u2@muster.example", count=2)
    # Another company's employee is not on offer.
    from tests.conftest import make_company

    other, _, _ = make_company("Fremd GmbH")
    stranger = Employee.objects.create(
        company=other, external_id="X", name="X", email="x@x.example"
    )
    r = admin.post("/dashboard/zugaenge/", {"employee": stranger.pk, "role": Role.ADMIN})
    assert r.status_code == 200 and not Account.objects.filter(employee=stranger).exists()


def test_an_administrator_changes_roles_and_blocks_logins_but_not_their_own(people, mailbox):
    admin = admin_client(people)
    anna = Employee.objects.get(external_id="U2")
    admin.post("/dashboard/zugaenge/", {"employee": anna.pk, "role": Role.BRANCH_STAFF})
    account = Account.objects.get(employee=anna)
    admin.post(f"/dashboard/zugaenge/{account.pk}/", {"role": Role.READ_ONLY, "active": ""})
    account.refresh_from_db()
    assert account.role == Role.READ_ONLY and not account.user.is_active
    own = people["admin"].account
    admin.post(f"/dashboard/zugaenge/{own.pk}/", {"role": Role.READ_ONLY, "active": ""})
    own.refresh_from_db()
    assert own.role == Role.ADMIN and own.user.is_active


def test_an_administrator_reading_english_invites_in_english(people, mailbox, settings):
    admin = admin_client(people)
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    anna = Employee.objects.get(external_id="U2")
    admin.post("/dashboard/zugaenge/", {"employee": anna.pk, "role": Role.READ_ONLY})
    mail = mailbox.wait_for("u2@muster.example")
    body = mailbox.body(mail)
    assert mail["Subject"].strip() == "Your OrderHub login"
    assert "Hello Mitarbeiter 2" in body and "Guten Tag" not in body


def test_password_reset_by_mail(people, mailbox):
    user = people["admin"]
    user.email = "chefin@muster.example"
    user.save()
    c = Client()
    assert "Passwort vergessen?" in c.get("/anmelden/").content.decode()
    r = c.post("/passwort/vergessen/", {"email": "Chefin@Muster.example"})
    assert r.status_code == 302 and r["Location"] == "/passwort/vergessen/gesendet/"
    mail = mailbox.wait_for("chefin@muster.example")
    assert mail["Subject"].strip() == "OrderHub: Passwort zurücksetzen"
    assert user.username in mailbox.body(mail)
    link = mailbox.link(mail)
    assert link.startswith("http://testserver/passwort/neu/")
    r = c.get(path_of(link))
    r = c.post(
        r["Location"], {"new_password1": "Neu-Passwort-2026", "new_password2": "Neu-Passwort-2026"}
    )
    assert r["Location"] == "/passwort/neu/fertig/"
    assert can_log_in(user.username, "Neu-Passwort-2026")
    assert not can_log_in(user.username, PASSWORD)
    assert "ungültig" in Client().get(path_of(link), follow=True).content.decode()
    # Unknown addresses get the same answer and no mail.
    r = Client().post("/passwort/vergessen/", {"email": "niemand@muster.example"})
    assert r["Location"] == "/passwort/vergessen/gesendet/"
    assert AuditEvent.objects.filter(action="login.password_reset").count() == 1


def code(device, offset=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():0{device.digits}d}"


def test_an_administrator_turns_on_totp_and_needs_it_at_the_next_login(people):
    admin = admin_client(people)
    page = admin.get("/dashboard/konto/zwei-faktor/").content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=people["admin"])
    assert admin.post("/dashboard/konto/zwei-faktor/", {"code": "000000"}).status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    device.refresh_from_db()
    r = admin.post("/dashboard/konto/zwei-faktor/", {"code": code(device)})
    assert r["Location"] == "/dashboard/konto/"
    device.refresh_from_db()
    assert device.confirmed
    assert admin.get("/dashboard/").status_code == 200  # this session is verified

    c = Client()
    r = c.post(
        "/anmelden/",
        {
            "username": people["admin"].username,
            "password": PASSWORD,
            "next": "/dashboard/bestellungen/",
        },
    )
    r = c.get(r["Location"])
    assert r.status_code == 302 and r["Location"].startswith("/anmelden/zweiter-faktor/")
    second = r["Location"]
    assert c.get("/dashboard/tokens/").status_code == 302  # nothing before the code
    r = c.post(second, {"code": "123456", "next": "/dashboard/bestellungen/"})
    assert "Der Code stimmt nicht" in r.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp waits after a failure; the test doesn't
    device.save()
    r = c.post(second, {"code": code(device, 30), "next": "/dashboard/bestellungen/"})
    assert r["Location"] == "/dashboard/bestellungen/"
    assert c.get("/dashboard/tokens/").status_code == 200
    assert AuditEvent.objects.filter(action="login.second_factor_enabled").exists()


def test_only_administrators_set_up_totp(people):
    from tests.accounts.conftest import make_login

    staff = make_login(people["company"], Employee.objects.get(external_id="U2"), Role.BRANCH_STAFF)
    c = Client()
    c.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert c.get("/dashboard/konto/").status_code == 200
    assert c.get("/dashboard/konto/zwei-faktor/").status_code == 403
    assert not TOTPDevice.objects.filter(user=staff).exists()


def test_the_login_is_throttled_per_account_for_invited_logins_too(people, settings):
    from tests.accounts.conftest import make_login

    make_login(people["company"], Employee.objects.get(external_id="U2"), Role.BRANCH_STAFF)
    c = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        c.post("/anmelden/", {"username": "u2@muster.example", "password": "falsch"})
    r = c.post("/anmelden/", {"username": "u2@muster.example", "password": "Filiale-Passwort-1"})
    assert r.status_code == 429
    assert get_user_model().objects.filter(username="u2@muster.example").exists()


def test_turning_totp_off_takes_a_current_code(people):
    admin = admin_client(people)
    admin.get("/dashboard/konto/zwei-faktor/")
    device = TOTPDevice.objects.get(user=people["admin"])
    admin.post("/dashboard/konto/zwei-faktor/", {"code": code(device)})
    r = admin.post("/dashboard/konto/zwei-faktor/aus/", {"code": "000000"})
    assert r.status_code == 302 and TOTPDevice.objects.filter(confirmed=True).exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    device.refresh_from_db()
    admin.post("/dashboard/konto/zwei-faktor/aus/", {"code": code(device, 30)})
    assert not TOTPDevice.objects.filter(user=people["admin"]).exists()
    assert AuditEvent.objects.filter(action="login.second_factor_disabled").exists()
