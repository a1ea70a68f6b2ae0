"""A supplier clerk's invitation in a real browser (Debian chromium): the operator invites from the
CLI, the clerk follows the mailed link, chooses a password and lands in the supplier portal with the
partner's orders; logging out and in again works with that password."""

from io import StringIO

import pytest
from django.core.management import call_command

from orderhub.ordering.models import Order
from tests.accounts.conftest import mailbox  # noqa: F401  (the real SMTP server fixture)
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invitation_password_portal(live_server, page, practice, mailbox):  # noqa: F811
    order = mark_sent(Order.objects.get(pk=submit(practice, order_body()).json_body["id"]))
    out = StringIO()
    call_command(
        "partner",
        "invite",
        "--partner",
        "sonora",
        "--email",
        "clara@sonora.example",
        "--name",
        "Clara Klerk",
        "--base-url",
        live_server.url,
        stdout=out,
    )
    link = mailbox.link(mailbox.wait_for("clara@sonora.example"))
    assert link.startswith(live_server.url + "/einladung/")

    page.goto(link)
    assert "clara@sonora.example" in page.content()
    page.get_by_label("Neues Passwort").fill("Lieferant-Klerk-2026")
    page.get_by_label("Passwort wiederholen").fill("Lieferant-Klerk-2026")
    page.get_by_role("button", name="Passwort speichern").click()
    page.wait_for_url("**/lieferant/")
    assert page.get_by_text("Passwort gespeichert. Willkommen bei OrderHub.").is_visible()
    assert page.get_by_role("link", name=order.number).is_visible()

    page.context.clear_cookies()
    page.goto(live_server.url + "/lieferant/")
    page.get_by_label("Benutzername").fill("clara@sonora.example")
    page.get_by_label("Passwort").fill("Lieferant-Klerk-2026")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/lieferant/")
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("button", name="Antwort senden").wait_for()
