"""Notifications by e-mail (issue 15), through a real SMTP server (aiosmtpd on 127.0.0.1): who is
told what, once, in which language; retries while the relay refuses; the dashboard tiles."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from orderhub.accounts.models import Role
from orderhub.delivery import periodic
from orderhub.delivery.models import Delivery, OutboxStatus
from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.masterdata.models import Branch, Employee
from orderhub.notifications import services
from orderhub.notifications.models import (
    BranchAddress,
    EmployeeAllowance,
    Kind,
    Mail,
    Notice,
    Preference,
)
from orderhub.ordering import answers
from orderhub.ordering.models import Order, OrderStatus
from tests.accounts.conftest import cart_body, make_login
from tests.conftest import make_company
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

BASE = "https://portal.example"
PASSWORD = "Filiale-Passwort-1"


@pytest.fixture(autouse=True)
def portal(settings):
    settings.BASE_URL = BASE
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def branch(external_id: str) -> Branch:
    return Branch.objects.get(external_id=external_id)


def employee(external_id: str) -> Employee:
    return Employee.objects.get(external_id=external_id)


def address(external_id: str, email: str) -> BranchAddress:
    return BranchAddress.objects.create(branch=branch(external_id), email=email)


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def sent_to(mailbox, email: str) -> list:
    return [m for m in mailbox.messages if email in m["To"]]


def open_cart(people, capture, external_id: str, branch_id: str, user: str) -> Order:
    with capture(execute=True):
        r = submit(people["api"], cart_body(external_id, branch_id, user), key=f"key-{external_id}")
    assert r.json_body["status"] == "cart", r.json_body
    return Order.objects.get(pk=r.json_body["id"])


def sent_order(people, external_id: str, branch_id: str, user: str) -> Order:
    r = submit(
        people["api"],
        order_body(external_id, branch_id=branch_id, ordered_by=user),
        key=f"key-{external_id}",
    )
    assert r.json_body["status"] == "queued", r.json_body
    Order.objects.filter(pk=r.json_body["id"]).update(status=OrderStatus.SENT)
    return Order.objects.get(pk=r.json_body["id"])


def answer(order: Order, *lines: AnswerLine) -> None:
    answers.apply_answer(
        Order.objects.get(pk=order.pk),
        PartnerAnswer(
            kind="order_response",
            order_number=order.number,
            document_id=f"AB-{order.number}",
            issued_at=timezone.now(),
            lines=list(lines),
        ),
        actor="Partner Sonora",
        data={},
    )


# --------------------------------------------------------------------------- cart opened


def test_a_cart_mails_the_ordering_person_and_the_branch_once(
    people, mailbox, django_capture_on_commit_callbacks
):
    make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    address("F1", "filiale1@muster.example")
    order = open_cart(people, django_capture_on_commit_callbacks, "C-1", "F1", "U2")

    mail = mailbox.wait_for("u2@muster.example")
    assert mail["Subject"].strip() == (
        f"Warenkorb geöffnet: Bestellung {order.number} an Sonora Hörsysteme GmbH / "
        f"Cart opened: order {order.number} to Sonora Hörsysteme GmbH"
    )
    body = mailbox.body(mail)
    assert f"{BASE}/warenkorb/{order.pk}/" in body
    assert "Filiale: Filiale 1" in body and "Branch: Filiale 1" in body
    assert "1 Position braucht Ihre Entscheidung." in body
    assert "1 line needs your decision." in body
    assert body.index("Guten Tag") < body.index("-- English --") < body.index("Hello")
    assert f"{BASE}/dashboard/konto/benachrichtigungen/" in body

    branch_mail = mailbox.wait_for("filiale1@muster.example")
    assert "Benachrichtigungsadresse der Filiale" in mailbox.body(branch_mail)
    assert len(mailbox.messages) == 2
    assert Mail.objects.filter(status=Mail.Status.SENT).count() == 2

    # The same event again (a second signal, a second worker): decided once, nothing more sent.
    event = order.events.get(to_status=OrderStatus.CART)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_event(order, event, Kind.CART_OPENED) is None
    services.run_periodic()
    assert Notice.objects.filter(kind=Kind.CART_OPENED).count() == 1
    assert len(mailbox.messages) == 2


def test_an_employee_without_login_is_mailed_only_when_allowed(
    people, mailbox, django_capture_on_commit_callbacks
):
    open_cart(people, django_capture_on_commit_callbacks, "C-1", "F2", "U3")
    assert Mail.objects.count() == 0 and Notice.objects.count() == 1

    admin = logged_in(people["admin"])
    page = admin.get("/dashboard/benachrichtigungen/").content.decode()
    u3 = employee("U3")
    assert "u3@muster.example" in page and "Mitarbeiter 4" not in page  # U4 has no e-mail
    f2 = branch("F2")
    r = admin.post(
        "/dashboard/benachrichtigungen/",
        {"language": "", f"employee-{u3.pk}": "on", f"branch-{f2.pk}": "f2@muster.example"},
    )
    assert r.status_code == 302
    assert EmployeeAllowance.objects.filter(employee=u3).exists()
    assert BranchAddress.objects.get(branch=f2).email == "f2@muster.example"

    open_cart(people, django_capture_on_commit_callbacks, "C-2", "F2", "U3")
    mailbox.wait_for("u3@muster.example")
    mailbox.wait_for("f2@muster.example")
    # An address cleared is gone.
    admin.post("/dashboard/benachrichtigungen/", {"language": "", f"branch-{f2.pk}": ""})
    assert not BranchAddress.objects.filter(branch=f2).exists()


def test_the_company_page_is_for_administrators(people):
    staff = make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    assert logged_in(staff).get("/dashboard/benachrichtigungen/").status_code == 403
    assert logged_in(staff).get("/dashboard/konto/benachrichtigungen/").status_code == 200
    page = logged_in(staff).get("/dashboard/konto/").content.decode()
    assert "/dashboard/konto/benachrichtigungen/" in page
    assert "/dashboard/benachrichtigungen/" not in page
    page = logged_in(people["admin"]).get("/dashboard/konto/").content.decode()
    assert "/dashboard/benachrichtigungen/" in page


# --------------------------------------------------------------------------- settings, language


def test_a_person_turns_a_kind_off_and_chooses_english(
    people, mailbox, django_capture_on_commit_callbacks
):
    staff = make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    address("F1", "filiale1@muster.example")
    c = logged_in(staff)
    page = c.get("/dashboard/konto/benachrichtigungen/").content.decode()
    assert "Warenkorb geöffnet" in page
    kinds = {k.value: "on" for k in Kind if k != Kind.CART_OPENED}
    r = c.post("/dashboard/konto/benachrichtigungen/", {**kinds, "language": "en"})
    assert r.status_code == 302
    preference = Preference.objects.get(account=staff.account)
    assert not preference.cart_opened and preference.order_rejected
    assert preference.language == "en"

    open_cart(people, django_capture_on_commit_callbacks, "C-1", "F1", "U2")
    mailbox.wait_for("filiale1@muster.example")
    assert sent_to(mailbox, "u2@muster.example") == []

    order = sent_order(people, "S-1", "F1", "U2")
    with django_capture_on_commit_callbacks(execute=True):
        answer(
            order,
            AnswerLine(line_no=1, status="rejected", note="nicht mehr lieferbar"),
            AnswerLine(line_no=2, status="rejected", note="nicht mehr lieferbar"),
        )
    mail = mailbox.wait_for("u2@muster.example")
    assert mail["Subject"].strip() == (f"Order {order.number} rejected by Sonora Hörsysteme GmbH")
    body = mailbox.body(mail)
    assert "-- English --" not in body and "Guten Tag" not in body
    assert "Line 1: rejected" in body and "Note from the partner: nicht mehr lieferbar" in body


def test_the_company_language_applies_to_branches_and_logins_without_a_choice(
    people, mailbox, django_capture_on_commit_callbacks
):
    make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    f1 = branch("F1")
    admin = logged_in(people["admin"])
    admin.post(
        "/dashboard/benachrichtigungen/",
        {"language": "de", f"branch-{f1.pk}": "filiale1@muster.example"},
    )
    open_cart(people, django_capture_on_commit_callbacks, "C-1", "F1", "U2")
    for to in ("filiale1@muster.example", "u2@muster.example"):
        mail = mailbox.wait_for(to)
        assert (
            mail["Subject"].strip().startswith("Warenkorb geöffnet") and "/" not in mail["Subject"]
        )
        assert "-- English --" not in mailbox.body(mail)


# --------------------------------------------------------------------------- partner answers


def test_rejected_and_changed_orders_are_mailed(
    people, mailbox, django_capture_on_commit_callbacks
):
    make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    order = sent_order(people, "S-1", "F1", "U2")
    with django_capture_on_commit_callbacks(execute=True):
        answer(
            order,
            AnswerLine(line_no=1, status="confirmed"),
            AnswerLine(
                line_no=2,
                status="backordered",
                quantity=Decimal(1),
                backordered_quantity=Decimal(1),
                backorder_date=timezone.localdate() + timedelta(days=14),
            ),
        )
    mail = mailbox.wait_for("u2@muster.example")
    assert (
        mail["Subject"]
        .strip()
        .startswith(f"Bestellung {order.number} von Sonora Hörsysteme GmbH geändert")
    )
    body = mailbox.body(mail)
    assert "Position 2: im Rückstand" in body and "Line 2: backordered" in body
    assert "Position 1:" not in body  # confirmed as ordered
    assert f"{BASE}/dashboard/bestellungen/{order.pk}/" in body

    other = sent_order(people, "S-2", "F1", "U2")
    with django_capture_on_commit_callbacks(execute=True):
        answer(
            other,
            AnswerLine(line_no=1, status="rejected", note="Artikel ausgelaufen"),
            AnswerLine(line_no=2, status="rejected", note="Artikel ausgelaufen"),
        )
    mail = mailbox.wait_for("u2@muster.example", count=2)
    assert "abgelehnt" in mail["Subject"] and "rejected" in mail["Subject"]
    assert "Hinweis des Partners: Artikel ausgelaufen" in mailbox.body(mail)
    assert Notice.objects.filter(kind=Kind.ORDER_REJECTED, order=other).count() == 1


def test_a_failing_relay_never_breaks_the_order_and_the_mail_is_retried(
    people, mailbox, settings, django_capture_on_commit_callbacks
):
    make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    order = sent_order(people, "S-1", "F1", "U2")
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        answer(
            order,
            AnswerLine(line_no=1, status="rejected"),
            AnswerLine(line_no=2, status="rejected"),
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED
    mail = Mail.objects.get()
    assert mail.status == Mail.Status.PENDING and mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at > timezone.now()

    services.run_periodic()  # not due yet
    assert Mail.objects.get().attempts == 1
    settings.EMAIL_PORT = working_port
    Mail.objects.update(next_attempt_at=timezone.now())
    assert periodic.run_once()["notifications"]["sent"] == 1
    mailbox.wait_for("u2@muster.example")
    assert Mail.objects.get().status == Mail.Status.SENT
    services.run_periodic()
    assert len(mailbox.messages) == 1


# --------------------------------------------------------------------------- time-based notices


def test_a_cart_expiring_within_the_hour_is_mailed_once(
    people, mailbox, django_capture_on_commit_callbacks
):
    make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    soon = open_cart(people, django_capture_on_commit_callbacks, "C-1", "F1", "U2")
    later = open_cart(people, django_capture_on_commit_callbacks, "C-2", "F1", "U2")
    mailbox.wait_for("u2@muster.example", count=2)  # the two "cart opened" mails
    Order.objects.filter(pk=soon.pk).update(cart_expires_at=timezone.now() + timedelta(minutes=40))
    Order.objects.filter(pk=later.pk).update(cart_expires_at=timezone.now() + timedelta(hours=3))

    result = periodic.run_once()["notifications"]
    assert result["cart_expiring"] == 1 and result["sent"] == 1
    mail = mailbox.wait_for("u2@muster.example", count=3)
    assert (
        mail["Subject"]
        .strip()
        .startswith(f"Warenkorb läuft in einer Stunde ab: Bestellung {soon.number}")
    )
    assert f"{BASE}/warenkorb/{soon.pk}/" in mailbox.body(mail)
    assert periodic.run_once()["notifications"]["cart_expiring"] == 0
    assert len(mailbox.messages) == 3


def failing_delivery(order: Order, minutes: int) -> Delivery:
    delivery = Delivery.objects.get(order=order)
    delivery.status = OutboxStatus.RETRYING
    delivery.attempts = 4
    delivery.first_attempt_at = timezone.now() - timedelta(minutes=minutes)
    delivery.last_error = "HTTP 503 Service Unavailable"
    delivery.save()
    return delivery


def queued_order(people, external_id: str, branch_id: str, user: str) -> Order:
    r = submit(
        people["api"],
        order_body(external_id, branch_id=branch_id, ordered_by=user),
        key=f"key-{external_id}",
    )
    assert r.json_body["status"] == "queued", r.json_body
    return Order.objects.get(pk=r.json_body["id"])


def test_a_delivery_failing_for_longer_than_the_setting_is_mailed_once(people, mailbox, settings):
    make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    address("F1", "filiale1@muster.example")
    long = queued_order(people, "Q-1", "F1", "U2")
    short = queued_order(people, "Q-2", "F1", "U2")
    failing_delivery(long, 45)
    failing_delivery(short, 10)

    assert services.run_periodic()["delivery_failing"] == 1
    mail = mailbox.wait_for("u2@muster.example")
    assert mail["Subject"].strip().startswith(f"Zustellung gestört: Bestellung {long.number}")
    body = mailbox.body(mail)
    assert "45 Minuten, 4 Versuche" in body and "45 minutes, 4 attempts" in body
    # A sentence, not the partner's raw reply (that is the administrators' technical detail).
    assert "HTTP 503" not in body
    assert "Die technische Meldung des Partners sehen Administratoren auf der Bestellseite." in body
    assert "Administrators see the partner's technical message on the order page." in body
    mailbox.wait_for("filiale1@muster.example")
    assert services.run_periodic()["delivery_failing"] == 0

    settings.NOTIFY_FAILING_MINUTES = 5
    assert services.run_periodic()["delivery_failing"] == 1
    mailbox.wait_for("u2@muster.example", count=2)
    # Delivered meanwhile: a mail still waiting for the relay is not sent late.
    third = queued_order(people, "Q-3", "F1", "U2")
    failing_delivery(third, 60)
    settings.NOTIFY_IMMEDIATE = False
    services.notice_failing_deliveries()
    Delivery.objects.filter(order=third).update(
        status=OutboxStatus.DELIVERED, delivered_at=timezone.now()
    )
    assert services.run_periodic().get("obsolete") == 2
    assert len(sent_to(mailbox, "u2@muster.example")) == 2


# --------------------------------------------------------------------------- isolation


def test_no_one_is_mailed_about_another_branch_or_company(
    people, mailbox, django_capture_on_commit_callbacks
):
    # U2 works for F1 only; an order of F2 that names U2 as the orderer does not reach U2.
    make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    address("F1", "filiale1@muster.example")
    address("F2", "filiale2@muster.example")
    order = open_cart(people, django_capture_on_commit_callbacks, "C-1", "F2", "U2")
    mailbox.wait_for("filiale2@muster.example")
    assert sent_to(mailbox, "u2@muster.example") == []
    assert sent_to(mailbox, "filiale1@muster.example") == []
    assert {m.email for m in Mail.objects.filter(notice__order=order)} == {
        "filiale2@muster.example"
    }

    # Another company: its orders reach its own people and branches only.
    other, _user, token = make_company("Hörstudio Anders OHG")
    from tests.accounts.conftest import people_snapshot
    from tests.conftest import ApiClient

    api = ApiClient(token)
    data = people_snapshot()
    for user in data["users"]:
        if user["email"]:
            user["email"] = user["email"].replace("muster", "anders")
    assert api.put("/api/v1/masterdata", data).status_code == 200
    theirs = Employee.objects.get(company=other, external_id="U2")
    EmployeeAllowance.objects.create(employee=theirs)
    with django_capture_on_commit_callbacks(execute=True):
        r = submit(api, cart_body("C-1", "F1", "U2"), key="anders-1")
    assert r.json_body["status"] == "cart"
    mailbox.wait_for("u2@anders.example")
    assert len(sent_to(mailbox, "filiale1@muster.example")) == 0
    assert len(sent_to(mailbox, "u2@muster.example")) == 0


# --------------------------------------------------------------------------- dashboard


def test_the_tiles_show_rejected_orders_and_failing_deliveries_of_ones_branches(
    people, mailbox, django_capture_on_commit_callbacks
):
    staff = make_login(people["company"], employee("U2"), Role.BRANCH_STAFF)
    for external_id, branch_id in (("S-1", "F1"), ("S-2", "F2")):
        order = sent_order(people, external_id, branch_id, "U1")
        answer(
            order,
            AnswerLine(line_no=1, status="rejected"),
            AnswerLine(line_no=2, status="rejected"),
        )
    old = Order.objects.get(external_order_id="S-2")
    f1_failing = queued_order(people, "Q-1", "F1", "U1")
    f2_failing = queued_order(people, "Q-2", "F2", "U1")
    failing_delivery(f1_failing, 125)
    failing_delivery(f2_failing, 50)

    page = logged_in(people["admin"]).get("/dashboard/").content.decode()
    assert "<strong>2</strong> abgelehnte Bestellungen (30 Tage)" in page
    assert "/dashboard/bestellungen/?status=rejected&amp;tage=30" in page
    assert "<strong>2</strong> gestörte Zustellungen, die älteste seit 2" in page
    assert f1_failing.number in page and f2_failing.number in page

    page = logged_in(staff).get("/dashboard/").content.decode()
    assert "<strong>1</strong> abgelehnte Bestellungen (30 Tage)" in page
    assert "<strong>1</strong> gestörte Zustellungen" in page
    assert f1_failing.number in page and f2_failing.number not in page

    # Older than 30 days: no longer on the tile.
    Order.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))
    admin = logged_in(people["admin"])
    page = admin.get("/dashboard/").content.decode()
    assert "<strong>1</strong> abgelehnte Bestellungen (30 Tage)" in page
    recent = admin.get("/dashboard/bestellungen/?status=rejected&tage=30").content.decode()
    assert old.number not in recent
    assert Order.objects.get(external_order_id="S-1").number in recent
    assert old.number in admin.get("/dashboard/bestellungen/?status=rejected").content.decode()
