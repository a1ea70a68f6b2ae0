"""Several supplier-portal logins per partner, invited by the operator (issue 15): from the CLI and
the Django admin, with the mail through a real SMTP server (aiosmtpd) and the link followed as the
clerk would; the clerk answers an order line by line and the timeline names them; other partners'
clerks see nothing; blocked logins are refused; password reset works for supplier logins."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation

from orderhub.delivery.models import PartnerAccount
from orderhub.ordering.models import Order, OrderEvent
from tests.accounts.conftest import mailbox  # noqa: F401  (the real SMTP server fixture)
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

PASSWORD = "Lieferant-Klerk-2026"


def path_of(url: str) -> str:
    return urlsplit(url).path


def invite_by_cli(partner: str, email: str, name: str = "") -> str:
    out = StringIO()
    args = ["invite", "--partner", partner, "--email", email, "--base-url", "http://testserver"]
    if name:
        args += ["--name", name]
    call_command("partner", *args, stdout=out)
    return out.getvalue()


def accept(mailbox, email: str, count: int = 1, password: str = PASSWORD) -> Client:  # noqa: F811
    """Follow the mailed link, choose a password; the clerk's logged-in client."""
    link = mailbox.link(mailbox.wait_for(email, count=count))
    clerk = Client()
    r = clerk.get(path_of(link))
    assert r.status_code == 302, r.status_code  # Django moves the token into the session
    form_url = r["Location"]
    assert "Passwort wählen" in clerk.get(form_url).content.decode()
    r = clerk.post(form_url, {"new_password1": password, "new_password2": password})
    assert r.status_code == 302 and r["Location"] == "/lieferant/", r
    return clerk


def log_in(username: str, password: str = PASSWORD) -> Client | None:
    c = Client()
    r = c.post("/anmelden/", {"username": username, "password": password}, follow=True)
    return c if r.redirect_chain and r.request["PATH_INFO"] == "/lieferant/" else None


def answer_per_line(clerk: Client, order: Order, days: int = 5):
    """The per-line answer form as the page renders it: line 1 confirmed, line 2 backordered."""
    page = clerk.get(f"/lieferant/bestellungen/{order.number}/").content.decode()
    form_id = re.search(r'name="form_id" value="([0-9a-f]{32})"', page).group(1)
    soon = (timezone.localdate() + timedelta(days=days)).isoformat()
    later = (timezone.localdate() + timedelta(days=days + 14)).isoformat()
    r = clerk.post(
        f"/lieferant/bestellungen/{order.number}/antwort/",
        {
            "action": "respond",
            "form_id": form_id,
            "delivery_date": soon,
            "note": "",
            "line-1-status": "confirmed",
            "line-1-quantity": "2",
            "line-2-status": "backordered",
            "line-2-quantity": "1",
            "line-2-backordered_quantity": "1",
            "line-2-backorder_date": later,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]


@pytest.fixture
def sent_order(practice):
    return mark_sent(Order.objects.get(pk=submit(practice, order_body()).json_body["id"]))


def test_a_clerk_invited_from_the_cli_answers_and_is_named_in_the_timeline(
    mailbox,  # noqa: F811
    sent_order,
    partners,
    company,
):
    out = invite_by_cli("sonora", "Clara@Sonora.example", "Clara Klerk")
    # The operator's language (German here; ORDERHUB_LANG or the locale choose): one language.
    assert "Einladung an clara@sonora.example gesendet" in out and "Invitation" not in out
    mail = mailbox.wait_for("clara@sonora.example")
    body = mailbox.body(mail)
    assert mail["Subject"].strip() == ("Ihr Zugang zum OrderHub-Lieferantenportal")
    assert "Guten Tag Clara Klerk" in body and "Hello" not in body
    assert "Sonora Hörsysteme GmbH" in body
    assert mailbox.link(mail).startswith("http://testserver/einladung/")
    account = PartnerAccount.objects.get(user__username="clara@sonora.example")
    assert account.partner == partners["sonora"] and not account.has_password
    assert account.invited_by == "Betreiber (orderhub partner invite)"
    assert log_in("clara@sonora.example", "") is None  # no password before the link

    clerk = accept(mailbox, "clara@sonora.example")
    page = clerk.get("/lieferant/").content.decode()
    assert "Passwort gespeichert. Willkommen bei OrderHub." in page
    assert sent_order.number in page
    assert (
        "ungültig" in Client().get(path_of(mailbox.link(mail)), follow=True).content.decode()
    )  # the link works once

    answer_per_line(clerk, sent_order)
    sent_order.refresh_from_db()
    assert sent_order.status == "partially_confirmed"
    actors = {
        e.actor
        for e in OrderEvent.objects.filter(order=sent_order, to_status="partially_confirmed")
    }
    assert actors == {"Lieferant Sonora Hörsysteme GmbH (Clara Klerk)"}
    # The practice's timeline names the clerk.
    practice = Client()
    practice.force_login(company[1])
    timeline = practice.get(f"/dashboard/bestellungen/{sent_order.pk}/").content.decode()
    assert "Clara Klerk" in timeline

    # The listing and inviting the same address again (it has a password now).
    listing = StringIO()
    call_command("partner", "logins", "--partner", "sonora", stdout=listing)
    assert re.search(r"clara@sonora\.example\s+aktiv\s+Clara Klerk", listing.getvalue())
    with pytest.raises(CommandError, match="bereits ein Passwort"):
        invite_by_cli("sonora", "clara@sonora.example")


def test_the_cli_refuses_unknown_partners_taken_addresses_and_a_missing_base_url(
    mailbox,  # noqa: F811
    partners,
    company,
    settings,
):
    with pytest.raises(CommandError, match="Unbekannter Partner „nobody“"):
        invite_by_cli("nobody", "x@x.example")
    with translation.override("en"), pytest.raises(CommandError, match="Unknown partner"):
        invite_by_cli("nobody", "x@x.example")
    # A company login's name (or another partner's clerk) cannot be taken over.
    get_user_model().objects.create_user("taken@muster.example", "taken@muster.example")
    with pytest.raises(CommandError, match="anderer Zugang"):
        invite_by_cli("sonora", "taken@muster.example")
    with pytest.raises(CommandError, match="gültige E-Mail-Adresse"):
        invite_by_cli("sonora", "keine-adresse")
    settings.BASE_URL = ""
    with pytest.raises(CommandError, match="ORDERHUB_BASE_URL"):
        call_command("partner", "invite", "--partner", "sonora", "--email", "y@y.example")
    # Without a password yet, inviting again sends the link again; the first link still works.
    invite_by_cli("sonora", "bea@sonora.example", "Bea")
    out = invite_by_cli("sonora", "bea@sonora.example")
    assert "erneut gesendet" in out
    mailbox.wait_for("bea@sonora.example", count=2)
    accept(mailbox, "bea@sonora.example", count=1)
    assert PartnerAccount.objects.filter(user__username="bea@sonora.example").count() == 1


def test_clerks_of_one_partner_share_its_orders_and_other_partners_see_none(
    mailbox,  # noqa: F811
    sent_order,
):
    invite_by_cli("sonora", "clara@sonora.example", "Clara Klerk")
    invite_by_cli("sonora", "dirk@sonora.example")  # no name: the login names him
    invite_by_cli("audiotec", "eva@audiotec.example", "Eva Extern")
    clara = accept(mailbox, "clara@sonora.example")
    dirk = accept(mailbox, "dirk@sonora.example")
    eva = accept(mailbox, "eva@audiotec.example")

    url = f"/lieferant/bestellungen/{sent_order.number}/"
    assert sent_order.number in clara.get("/lieferant/").content.decode()
    assert sent_order.number in dirk.get("/lieferant/").content.decode()
    assert dirk.get(url).status_code == 200
    assert sent_order.number not in eva.get("/lieferant/").content.decode()
    assert eva.get(url).status_code == 404
    assert eva.post(url + "antwort/", {"action": "reject", "reason": "x"}).status_code == 404

    answer_per_line(dirk, sent_order)
    event = OrderEvent.objects.filter(order=sent_order, to_status="partially_confirmed").get()
    assert event.actor == "Lieferant Sonora Hörsysteme GmbH (dirk@sonora.example)"
    # Clara sees Dirk's answer on the same order.
    assert "mit Abweichungen bestätigt" in clara.get(url).content.decode()


def admin_client() -> Client:
    staff = get_user_model().objects.create_superuser("betreiber", "ops@orderhub.example", "x")
    c = Client()
    c.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    return c


def test_the_operator_invites_lists_blocks_and_reinvites_in_the_admin(
    mailbox,  # noqa: F811
    sent_order,
    partners,
):
    ops = admin_client()
    assert "E-Mail-Adresse" in ops.get("/admin/delivery/partneraccount/add/").content.decode()
    r = ops.post(
        "/admin/delivery/partneraccount/add/",
        {"partner": partners["sonora"].pk, "email": "Fritz@Sonora.example", "name": "Fritz Fix"},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    account = PartnerAccount.objects.get(user__username="fritz@sonora.example")
    assert account.invited_by == "Betreiber betreiber" and account.name == "Fritz Fix"
    mail = mailbox.wait_for("fritz@sonora.example")
    assert "Guten Tag Fritz Fix" in mailbox.body(mail)
    # The same address cannot be invited twice.
    r = ops.post(
        "/admin/delivery/partneraccount/add/",
        {"partner": partners["audiotec"].pk, "email": "fritz@sonora.example", "name": ""},
    )
    assert r.status_code == 200 and "anderer Zugang" in r.content.decode()

    # Re-invite while no password is set: a second mail.
    changelist = "/admin/delivery/partneraccount/"
    r = ops.post(changelist, {"action": "resend", "_selected_action": [account.pk]}, follow=True)
    assert "Einladung an fritz@sonora.example gesendet." in r.content.decode()
    clerk = accept(mailbox, "fritz@sonora.example", count=2)
    assert clerk.get("/lieferant/").status_code == 200

    # The partner's logins, listed with their state.
    invite_by_cli("sonora", "gina@sonora.example")
    listing = ops.get(changelist, {"partner__id__exact": partners["sonora"].pk}).content.decode()
    assert "fritz@sonora.example" in listing and "gina@sonora.example" in listing
    assert "aktiv" in listing and "eingeladen" in listing

    # Blocked: the open session ends, logging in and a reset link are refused.
    r = ops.post(changelist, {"action": "block", "_selected_action": [account.pk]}, follow=True)
    assert "1 Zugang/Zugänge gesperrt." in r.content.decode()
    assert "gesperrt" in ops.get(changelist).content.decode()
    r = clerk.get("/lieferant/")
    assert r.status_code == 302 and r["Location"].startswith("/anmelden/")
    assert log_in("fritz@sonora.example") is None
    Client().post("/passwort/vergessen/", {"email": "fritz@sonora.example"})
    r = ops.post(changelist, {"action": "resend", "_selected_action": [account.pk]}, follow=True)
    assert "gesperrt" in r.content.decode()
    assert len([m for m in mailbox.messages if "fritz@sonora.example" in m["To"]]) == 2
    # The admin's history names the operator.
    history = ops.get(f"{changelist}{account.pk}/history/").content.decode()
    assert "gesperrt von Betreiber betreiber" in history

    # The name can be corrected; the login and the partner stay.
    page = ops.get(f"{changelist}{account.pk}/change/").content.decode()
    assert "Fritz Fix" in page and "Betreiber betreiber" in page
    r = ops.post(f"{changelist}{account.pk}/change/", {"name": "Fritz Fixmann"})
    assert r.status_code == 302
    account.refresh_from_db()
    assert account.name == "Fritz Fixmann" and account.partner == partners["sonora"]

    # Unblocked: the password works again.
    ops.post(changelist, {"action": "unblock", "_selected_action": [account.pk]})
    assert log_in("fritz@sonora.example") is not None


def test_a_blocked_login_cannot_accept_its_invitation(mailbox, partners):  # noqa: F811
    invite_by_cli("sonora", "hans@sonora.example")
    link = mailbox.link(mailbox.wait_for("hans@sonora.example"))
    account = PartnerAccount.objects.get(user__username="hans@sonora.example")
    account.user.is_active = False
    account.user.save()
    assert "ungültig" in Client().get(path_of(link), follow=True).content.decode()


def test_password_reset_for_a_supplier_login(mailbox, sent_order):  # noqa: F811
    invite_by_cli("sonora", "clara@sonora.example", "Clara Klerk")
    accept(mailbox, "clara@sonora.example")
    c = Client()
    r = c.post("/passwort/vergessen/", {"email": "CLARA@sonora.example"})
    assert r["Location"] == "/passwort/vergessen/gesendet/"
    mail = mailbox.wait_for("clara@sonora.example", count=2)
    assert "clara@sonora.example" in mailbox.body(mail)
    link = mailbox.link(mail)
    assert link.startswith("http://testserver/passwort/neu/")
    r = c.get(path_of(link))
    r = c.post(
        r["Location"], {"new_password1": "Neu-Klerk-2026!", "new_password2": "Neu-Klerk-2026!"}
    )
    assert r["Location"] == "/passwort/neu/fertig/"
    clerk = log_in("clara@sonora.example", "Neu-Klerk-2026!")
    assert clerk is not None and sent_order.number in clerk.get("/lieferant/").content.decode()
    assert log_in("clara@sonora.example") is None
