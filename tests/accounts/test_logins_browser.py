"""Personal logins in a real browser (Debian chromium): an administrator invites a branch employee
from the synced users; the employee sets a password from the e-mail, sees only their branch's orders
and carts, resolves a cart and is named in the timeline; password reset; TOTP for an administrator."""

import time

import pytest
from django_otp.oath import TOTP

from orderhub.masterdata.models import Employee
from orderhub.ordering.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Geheim-12345!"


def log_in(page, url, username, password):
    page.goto(url + "/anmelden/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()


def test_invited_branch_employee_works_on_their_branch_only(
    live_server, browser, page, people, mailbox
):
    url = live_server.url
    f1, f2 = (Order.objects.get(pk=people["carts"][b]) for b in ("F1", "F2"))

    # The administrator (the registration login) invites Mitarbeiter 2 of Filiale 1.
    log_in(page, url, people["admin"].username, PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.get_by_role("link", name="Zugänge").click()
    employee = Employee.objects.get(external_id="U2")
    page.get_by_label("Mitarbeiter aus der Branchensoftware").select_option(str(employee.pk))
    page.get_by_label("Rolle").select_option("branch_staff")
    page.get_by_role("button", name="Einladen").click()
    page.get_by_text("Einladung an u2@muster.example gesendet.").wait_for()
    assert page.locator('tr[data-login="u2@muster.example"]').get_by_text("eingeladen").is_visible()

    # The employee follows the link in the e-mail and chooses a password.
    link = mailbox.link(mailbox.wait_for("u2@muster.example"))
    assert link.startswith(url + "/einladung/")
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(15_000)
    staff = context.new_page()
    staff.goto(link)
    staff.get_by_label("Neues Passwort").fill("Filiale-Mitte-2026")
    staff.get_by_label("Passwort wiederholen").fill("Filiale-Mitte-2026")
    staff.get_by_role("button", name="Passwort speichern").click()
    staff.wait_for_url("**/dashboard/")
    assert staff.get_by_text("Passwort gespeichert. Willkommen bei OrderHub.").is_visible()
    assert staff.get_by_role("link", name="Mitarbeiter 2").is_visible()
    assert staff.get_by_role("link", name="API-Token").count() == 0

    # Only Filiale 1's orders and carts.
    staff.get_by_role("link", name="Bestellungen", exact=True).click()
    assert staff.get_by_role("link", name=f1.number).is_visible()
    assert f2.number not in staff.content()
    assert staff.goto(f"{url}/warenkorb/{f2.pk}/").status == 404

    # The employee resolves Filiale 1's cart; the timeline names them.
    staff.goto(f"{url}/warenkorb/{f1.pk}/")
    staff.locator("#line-3").get_by_role("button", name="Position entfernen").click()
    staff.locator("#line-3.removed").wait_for()
    staff.get_by_role("button", name="Bestellen").click()
    staff.wait_for_url(f"**/dashboard/bestellungen/{f1.pk}/")
    assert staff.get_by_text("Mitarbeiter 2 (u2@muster.example)").first.is_visible()
    f1.refresh_from_db()
    assert f1.status == "queued"

    # Password reset by e-mail.
    staff.get_by_role("button", name="Abmelden").click()
    staff.goto(url + "/anmelden/")
    staff.get_by_role("link", name="Passwort vergessen?").click()
    staff.get_by_label("E-Mail-Adresse").fill("u2@muster.example")
    staff.get_by_role("button", name="Link senden").click()
    staff.get_by_role("heading", name="E-Mail unterwegs").wait_for()
    staff.goto(mailbox.link(mailbox.wait_for("u2@muster.example", count=2)))
    staff.get_by_label("Neues Passwort").fill("Neues-Filiale-2026")
    staff.get_by_label("Passwort wiederholen").fill("Neues-Filiale-2026")
    staff.get_by_role("button", name="Passwort speichern").click()
    staff.get_by_role("heading", name="Passwort gespeichert").wait_for()
    log_in(staff, url, "u2@muster.example", "Neues-Filiale-2026")
    staff.wait_for_url("**/dashboard/")
    context.close()


def totp_code(key: str, offset: float = 0) -> str:
    import base64

    totp = TOTP(base64.b32decode(key.replace(" ", "")))
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def test_an_administrator_protects_the_login_with_totp(live_server, page, people):
    url = live_server.url
    log_in(page, url, people["admin"].username, PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.get_by_role("link", name=people["admin"].username).click()
    page.get_by_role("link", name="Zwei-Faktor-Anmeldung einrichten").click()
    assert page.locator(".qr svg").is_visible()
    key = page.locator("#totp-key").inner_text()
    page.get_by_label("Code aus der Authenticator-App").fill(totp_code(key))
    page.get_by_role("button", name="Einschalten").click()
    page.get_by_text("Zwei-Faktor-Anmeldung eingerichtet.").wait_for()

    page.get_by_role("button", name="Abmelden").click()
    page.goto(f"{url}/dashboard/tokens/")
    page.get_by_label("Benutzername").fill(people["admin"].username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/anmelden/zweiter-faktor/**")
    page.get_by_label("Code aus der Authenticator-App").fill(totp_code(key, 30))
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url("**/dashboard/tokens/")
    assert page.get_by_role("heading", name="API-Token").is_visible()
