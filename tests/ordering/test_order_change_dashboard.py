"""The order page's "Änderung und Stornierung" (issue 16): a person asks the partner for a new
quantity or delivery date, removes a line, or cancels the order (the cancel form asks first,
``data-confirm``); refusals are shown at the form in German (English when chosen) with what was
typed; the list shows each change's status and the partner's note; read-only logins see no form
and are refused (403), another company's order is a 404."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from orderhub.accounts.models import Role
from orderhub.formats.documents import AnswerLine
from orderhub.masterdata.models import Employee
from orderhub.ordering import changes
from orderhub.ordering.models import Order, OrderChange
from tests.accounts.conftest import make_login
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit
from tests.ordering.test_goods_receipt import dispatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(practice):
    r = submit(practice, order_body("B-CHG-WEB"))
    assert r.json_body["status"] == "queued", r.json_body
    return mark_sent(Order.objects.get(pk=r.json_body["id"]))


def client_for(user) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def page_of(client, order, language="de"):
    r = client.get(f"/dashboard/bestellungen/{order.pk}/", headers={"accept-language": language})
    assert r.status_code == 200
    return r.content.decode()


def section(html):
    start = html.index('<section class="order-change"')
    return html[start : html.index("</section>", start)]


def form_ids(html):
    return re.findall(r'name="client_id" value="([0-9a-f]+)"', section(html))


def url(order):
    return f"/dashboard/bestellungen/{order.pk}/aenderung/"


def test_a_change_is_asked_and_listed_with_its_status(company, order):
    admin = client_for(company[1])
    html = page_of(admin, order)
    part = section(html)
    assert "Änderung anfragen" in part and "Bestellung stornieren" in part
    assert 'name="qty-1"' in part and 'name="date-2"' in part and 'name="remove-2"' in part
    assert 'step="1" inputmode="numeric"' in part  # pieces: whole numbers
    change_id, _ = form_ids(html)
    day = timezone.localdate() + timedelta(days=20)
    form = {
        "action": "change",
        "client_id": change_id,
        "qty-1": "3",
        "date-1": day.isoformat(),
        "remove-2": "1",
        "note": "Patient wünscht ein Gerät mehr",
    }
    r = admin.post(url(order), form)
    assert r.status_code == 302 and r["Location"].endswith("#aenderung")
    assert admin.post(url(order), form).status_code == 302  # the same form twice asks once
    change = OrderChange.objects.get(order=order)
    assert change.kind == "change" and change.status == "requested"
    assert change.lines == [
        {
            "position": 1,
            "quantity": "3",
            "delivery_date": day.isoformat(),
            "removed": False,
            "note": "",
        },
        {"position": 2, "removed": True, "note": ""},
    ]
    assert change.note == "Patient wünscht ein Gerät mehr"
    assert change.requested_by == f"Benutzer {company[1].username}"
    html = page_of(admin, order)
    part = section(html)
    assert f"{order.number}/1" in part and 'data-status="requested"' in part
    assert f"Pos. 1: Menge 3, Liefertermin {day:%d.%m.%Y}" in part
    assert "Pos. 2 entfernen" in part and "angefragt" in part
    assert "Antwort steht aus" in part
    # One change at a time: no form while the partner has not answered, and the page says why.
    assert 'class="change-form"' not in part and 'class="cancel-form"' not in part
    assert "wartet noch auf die Antwort des Partners" in part
    # The partner refuses with a note: shown in the list, the form is back.
    changes.answer_change(change, False, actor="Partner Sonora", note="Nicht mehr lieferbar")
    part = section(page_of(admin, order))
    assert 'data-status="refused"' in part and "abgelehnt" in part
    assert "Nicht mehr lieferbar" in part and 'class="change-form"' in part
    english = section(page_of(admin, order, "en"))
    assert "Change and cancellation" in english and "refused" in english
    assert "Line 2 remove" in english or "remove line 2" in english
    assert "Ask for the change" in english and "Cancel the order" in english
    order.refresh_from_db()
    assert order.lines.get(position=1).quantity == Decimal(2)  # a refusal leaves the lines


def test_cancel_is_asked_after_a_confirmation(company, order):
    admin = client_for(company[1])
    html = page_of(admin, order)
    cancel_form = re.search(r'<form [^>]*class="cancel-form"[^>]*>', section(html)).group(0)
    assert 'data-confirm="Die ganze Bestellung beim Partner stornieren?' in cancel_form
    assert "onsubmit" not in html and "onclick" not in html  # CSP: no inline handlers
    _, cancel_id = form_ids(html)
    r = admin.post(
        url(order), {"action": "cancel", "client_id": cancel_id, "note": "Patient verstorben"}
    )
    assert r.status_code == 302
    change = OrderChange.objects.get(order=order)
    assert (change.kind, change.note) == ("cancel", "Patient verstorben")
    r = admin.get(r["Location"])
    html = r.content.decode()
    assert f"Stornierung {order.number}/1 angefragt" in html
    assert "die ganze Bestellung stornieren" in section(html)
    order.refresh_from_db()
    assert order.status == "sent"  # cancelled only when the partner agrees
    changes.answer_change(change, True, actor="Partner Sonora")
    part = section(page_of(admin, order))
    assert 'data-status="accepted"' in part and "angenommen" in part
    assert 'class="change-form"' not in part and 'class="cancel-form"' not in part
    assert "storniert" in part  # the page says why nothing can be asked any more


def test_refusals_are_shown_at_the_form_with_what_was_typed(company, practice, order):
    admin = client_for(company[1])
    html = page_of(admin, order)
    change_id, _ = form_ids(html)
    # Meanwhile the practice software asked for a change: the service refuses (409 change_open).
    assert (
        practice.post(
            f"/api/v1/orders/{order.pk}/changes", {"lines": [{"position": 2, "quantity": 4}]}
        ).status_code
        == 201
    )
    r = admin.post(
        url(order), {"action": "change", "client_id": change_id, "qty-1": "5"}, follow=True
    )
    part = section(r.content.decode())
    assert 'role="alert" data-code="change_open"' in part
    assert "Änderung 1 wartet noch auf die Antwort des Partners" in part
    assert OrderChange.objects.filter(order=order).count() == 1
    changes.answer_change(OrderChange.objects.get(order=order), True, actor="Partner")
    # What the form refuses itself: German sentences naming the position, what was typed kept.
    r = admin.post(url(order), {"action": "change", "qty-1": "1,5"}, follow=True)
    part = section(r.content.decode())
    assert 'data-code="form"' in part and "Position 1: Bitte eine ganze Zahl eingeben" in part
    assert 'name="qty-1" value="1.5"' in part  # a number field shows no comma
    r = admin.post(url(order), {"action": "change", "qty-1": "7", "date-1": "2020-01-01"})
    part = section(admin.get(r["Location"]).content.decode())
    assert "der Liefertermin 01.01.2020 liegt in der Vergangenheit" in part
    assert 'name="qty-1" value="7"' in part and 'value="2020-01-01"' in part
    r = admin.post(url(order), {"action": "change"}, follow=True)
    assert "Es ist nichts geändert" in section(r.content.decode())
    r = admin.post(url(order), {"action": "change", "remove-1": "1", "remove-2": "1"}, follow=True)
    assert "„Bestellung stornieren“ verwenden" in section(r.content.decode())
    assert OrderChange.objects.filter(order=order).count() == 1
    # Something shipped: no cancellation (said why); a shipped line cannot be changed.
    dispatch(order, "LS-1", [AnswerLine(1, "shipped", Decimal(2))])
    html = page_of(admin, order)
    part = section(html)
    assert 'class="cancel-form"' not in part and 'class="change-form"' in part
    assert "stornieren ist nicht mehr möglich" in part
    assert "bereits versandt – nicht mehr änderbar" in part and 'name="qty-1"' not in part
    r = admin.post(url(order), {"action": "cancel"}, headers={"accept-language": "en"})
    part = section(admin.get(r["Location"], headers={"accept-language": "en"}).content.decode())
    assert 'data-code="partly_shipped"' in part
    assert "Parts of the order have already been shipped; it can no longer be cancelled." in part
    assert OrderChange.objects.filter(order=order).count() == 1


def test_read_only_login_sees_the_list_but_no_form_and_is_refused(company, order):
    changes.request_cancel(order, actor="Praxis")
    changes.answer_change(
        OrderChange.objects.get(order=order), False, actor="Partner", note="Schon produziert"
    )
    reader = client_for(
        make_login(company[0], Employee.objects.get(external_id="U1"), Role.READ_ONLY)
    )
    part = section(page_of(reader, order))
    assert "Schon produziert" in part and 'data-status="refused"' in part
    assert "<form" not in part
    r = reader.post(url(order), {"action": "cancel"})
    assert r.status_code == 403
    r = reader.post(url(order), {"action": "change", "qty-1": "5"})
    assert r.status_code == 403
    assert OrderChange.objects.filter(order=order).count() == 1


def test_another_company_gets_404(other_company, order):
    outsider = client_for(other_company[1])
    assert outsider.post(url(order), {"action": "cancel"}).status_code == 404
    assert outsider.post(url(order), {"action": "change", "qty-1": "5"}).status_code == 404
    assert not OrderChange.objects.exists()


def test_no_section_before_the_order_went_out(company, practice):
    queued = Order.objects.get(pk=submit(practice, order_body("B-Q-WEB"), key="q").json_body["id"])
    html = page_of(client_for(company[1]), queued)
    assert 'class="order-change"' not in html
    r = client_for(company[1]).post(url(queued), {"action": "cancel"}, follow=True)
    assert "noch nicht beim Partner" in r.content.decode()
    assert not OrderChange.objects.exists()


def test_the_services_refusal_is_said_in_the_pages_language_not_in_english(
    company, order, monkeypatch
):
    """Issue 15: what the change service refuses (422, a code with parameters) is a sentence in
    the page's language at the form — here a line named twice — never the API's English."""
    real = changes.request_change

    def twice(order, request, **kwargs):
        doubled = changes.ChangeRequest(lines=request.lines * 2, note=request.note)
        return real(order, doubled, **kwargs)

    monkeypatch.setattr(changes, "request_change", twice)
    admin = client_for(company[1])
    r = admin.post(url(order), {"action": "change", "qty-1": "5"}, follow=True)
    part = section(r.content.decode())
    assert 'data-code="invalid"' in part
    assert "Nicht angefragt: Pos. 1 ist zweimal genannt." in part
    assert "named twice" not in part
    r = admin.post(
        url(order), {"action": "change", "qty-1": "5"}, headers={"accept-language": "en"}
    )
    part = section(admin.get(r["Location"], headers={"accept-language": "en"}).content.decode())
    assert "Item 1 is named twice." in part
    assert 'name="qty-1" value="5"' in part  # what was typed is kept
    assert not OrderChange.objects.filter(order=order).exists()
