"""Refusals of an order change are codes and parameters, said in the reader's language (issue 15):
every code has its English sentence, the API's 409 carries the code, its parameters and both
sentences, and the dashboard says a refusal in the language of the page that shows it — also
when the person switched languages between sending the form and reading the answer."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from orderhub.ordering import changes, refusals
from orderhub.ordering.models import Order, OrderChange
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(practice):
    r = submit(practice, order_body("B-REFUSE"))
    assert r.json_body["status"] == "queued", r.json_body
    return mark_sent(Order.objects.get(pk=r.json_body["id"]))


def ask(api, order, body):
    return api.post(f"/api/v1/orders/{order.pk}/changes", body)


def test_every_sentence_has_english_naming_the_same_values():
    untranslated = []
    for code, template in refusals.SENTENCES.items():
        with translation.override("en"):
            english = translation.gettext(template)
        if english == template or set(re.findall(r"%\((\w+)\)s", english)) != refusals.named(code):
            untranslated.append(code)
    assert untranslated == []


def test_the_409_carries_code_params_and_both_sentences(practice, order):
    assert ask(practice, order, {"lines": [{"position": 1, "quantity": 3}]}).status_code == 201
    r = ask(practice, order, {"kind": "cancel"})
    assert r.status_code == 409
    body = r.json_body
    assert body["code"] == "change_open" and body["params"] == {"sequence": 1}
    assert body["sequence"] == 1  # the field of its own clients have read since before params
    assert body["message"] == (
        "Änderung 1 wartet noch auf die Antwort des Partners; bitte erst danach eine weitere "
        "Änderung anfragen."
    )
    assert body["message_en"] == (
        "Change 1 is still waiting for the partner's answer; please ask for another change "
        "after that."
    )
    # A closed order: the status is a code in params, its label in each sentence.
    changes.answer_change(OrderChange.objects.get(order=order), True, actor="Partner")
    changes.answer_change(changes.request_cancel(order, actor="Praxis"), True, actor="Partner")
    r = ask(practice, order, {"lines": [{"position": 1, "quantity": 4}]})
    assert r.status_code == 409
    body = r.json_body
    assert (body["code"], body["params"]) == ("closed", {"status": "cancelled"})
    assert body["status"] == 409  # the problem's own status stays the HTTP status
    assert body["message"] == "Die Bestellung ist storniert; sie kann nicht mehr geändert werden."
    assert body["message_en"] == "The order is canceled; it can no longer be changed."


def client_for(user) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def page(client, order, language):
    r = client.get(f"/dashboard/bestellungen/{order.pk}/", headers={"accept-language": language})
    assert r.status_code == 200
    text = r.content.decode()
    start = text.index('<section class="order-change"')
    return html.unescape(text[start : text.index("</section>", start)])


def post(client, order, language, form):
    r = client.post(
        f"/dashboard/bestellungen/{order.pk}/aenderung/",
        form,
        headers={"accept-language": language},
    )
    assert r.status_code == 302


def alert(part):
    found = re.search(r'<p class="message error" role="alert"[^>]*>(.*?)</p>', part, re.S)
    return html.unescape(found[1])


def test_a_refusal_reads_in_the_language_of_the_page_that_shows_it(company, practice, order):
    admin = client_for(company[1])
    assert ask(practice, order, {"lines": [{"position": 2, "quantity": 4}]}).status_code == 201
    # Sent from a German page, read on an English one: the English sentence, nothing German.
    post(admin, order, "de", {"action": "change", "qty-1": "5"})
    english = alert(page(admin, order, "en"))
    assert english == (
        "Not asked for: Change 1 is still waiting for the partner's answer; please ask for "
        "another change after that."
    )
    # And the other way round.
    post(admin, order, "en", {"action": "cancel"})
    german = alert(page(admin, order, "de"))
    assert german == (
        "Nicht angefragt: Änderung 1 wartet noch auf die Antwort des Partners; bitte erst danach "
        "eine weitere Änderung anfragen."
    )
    # Why no form is offered while the change is open: in the page's language too.
    assert "Change 1 is still waiting for the partner" in page(admin, order, "en")
    assert "Änderung 1 wartet noch auf die Antwort" in page(admin, order, "de")


def test_what_the_form_refuses_itself_reads_in_the_page_language(company, order):
    admin = client_for(company[1])
    post(admin, order, "de", {"action": "change", "qty-1": "7", "date-1": "2020-01-01"})
    assert alert(page(admin, order, "en")) == (
        "Not asked for: Line 1: the delivery date 01.01.2020 is in the past."
    )
    post(admin, order, "en", {"action": "change"})
    assert "Es ist nichts geändert" in alert(page(admin, order, "de"))
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    post(admin, order, "en", {"action": "change", "remove-1": "1", "date-1": day})
    assert alert(page(admin, order, "de")) == (
        "Nicht angefragt: Pos. 1: bitte entweder entfernen oder eine neue Menge bzw. einen neuen "
        "Liefertermin angeben."
    )
    assert not OrderChange.objects.filter(order=order).exists()
