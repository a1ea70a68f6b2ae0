"""The order page's "Wareneingang" (issue 16): a person scans the boxes (the scanner types the
code and Enter, GS as "<GS>"), types quantities, sees the receipt with its differences
highlighted; a read-only login is refused, another company's order is a 404."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from orderhub.accounts.models import Role
from orderhub.masterdata.models import Employee
from orderhub.ordering.models import GoodsReceipt, OrderEvent
from tests.accounts.conftest import make_login
from tests.ordering.test_goods_receipt import gtin_of, scan, shipped_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(practice):
    return shipped_order(practice)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def page_of(client, order, language="de"):
    r = client.get(f"/dashboard/bestellungen/{order.pk}/", headers={"accept-language": language})
    assert r.status_code == 200
    return r.content.decode()


def client_id(html):
    return re.search(r'name="client_id" value="([0-9a-f]+)"', html).group(1)


def test_scans_and_quantities_are_booked_and_differences_shown(company, order):
    admin = client_for(company[1])
    html = page_of(admin, order)
    assert 'id="wareneingang"' in html and "Wareneingang buchen" in html
    gtin = gtin_of(order, 1)
    form = {
        # as typed by a scanner that sends GS as "<GS>", each scan ended by Enter
        "scans": f"{scan(gtin, 'SN40021', gs='<GS>')}\r\n{scan(gtin, 'SN47777', gs='<GS>')}\r\n",
        "qty-2": "1",
        "note": "Karton offen",
        "client_id": client_id(html),
    }
    url = f"/dashboard/bestellungen/{order.pk}/wareneingang/"
    r = admin.post(url, form)
    assert r.status_code == 302 and r["Location"].endswith("#wareneingang")
    assert admin.post(url, form).status_code == 302  # the same form twice books once
    receipt = GoodsReceipt.objects.get(order=order)
    assert receipt.received_by == f"Benutzer {company[1].username}"
    assert sorted(receipt.differences.values_list("kind", flat=True)) == [
        "serial_missing",
        "serial_not_notified",
    ]
    html = page_of(admin, order)
    assert "Wareneingang" in html and "mit 2 Abweichungen" in html
    assert 'class="message error" data-code="serial_not_notified"' in html
    assert "Seriennummer SN47777 steht nicht in der Versandmeldung." in html
    assert OrderEvent.objects.filter(order=order).last().actor == receipt.received_by
    english = page_of(admin, order, "en")
    assert (
        "Goods receipt" in english
        and "2 differences" in english
        and "Book goods receipt" in english
    )
    assert "serial number SN47777 is not in the dispatch notification" in english


def test_a_bad_scan_books_nothing_and_keeps_what_was_typed(company, order):
    admin = client_for(company[1])
    url = f"/dashboard/bestellungen/{order.pk}/wareneingang/"
    r = admin.post(url, {"scans": "]d20104012345678902", "client_id": "x1"}, follow=True)
    html = r.content.decode()
    assert "Wareneingang nicht gebucht: Scan 1, Zeichen 19: Die Prüfziffer der GTIN" in html
    assert "check digit" not in html
    assert "]d20104012345678902</textarea>" in html
    assert not GoodsReceipt.objects.exists()


def _refusal(html: str) -> str:
    """The page's error message, as a person reads it."""
    found = re.search(r'class="message error"[^>]*>(.*?)<', html, re.S)
    assert found, "no error message on the page"
    return unescape(found.group(1)).strip()


def test_a_bad_scan_is_told_in_german_naming_the_scan_and_the_character(company, order):
    """Issue 15: the second scan's expiry date has month 13; the person reads a German sentence
    with the scan's number and the character as typed, not the API's English."""
    admin = client_for(company[1])
    gtin = gtin_of(order, 1)
    scans = f"{scan(gtin, 'SN40021', gs='<GS>')}\r\n{scan(gtin, 'SN1', expiry='261340', gs='<GS>')}"
    url = f"/dashboard/bestellungen/{order.pk}/wareneingang/"
    r = admin.post(url, {"scans": scans, "client_id": "x2"}, follow=True)
    told = _refusal(r.content.decode())
    assert told == (
        "Wareneingang nicht gebucht: Scan 2, Zeichen 22: Das Datum „261340“ im Feld "
        "„Verfallsdatum“ (AI 17) ist kein gültiges Datum: einen Monat 13 gibt es nicht."
    )
    for english in ("must be", "found", "YYMMDD", "position", "does not exist"):
        assert english not in told
    assert not GoodsReceipt.objects.exists()


def test_a_bad_scan_is_told_in_english_on_the_english_page(company, order):
    admin = client_for(company[1])
    gtin = gtin_of(order, 1)
    url = f"/dashboard/bestellungen/{order.pk}/wareneingang/"
    r = admin.post(
        url,
        {"scans": f"{scan(gtin, 'SN1', gs='<GS>')}\n]d201{gtin[:5]}O{gtin[6:]}", "client_id": "x3"},
        headers={"accept-language": "en"},
        follow=True,
    )
    told = _refusal(r.content.decode())
    assert told == (
        f"Goods receipt not booked: Scan 2, character 6: The field “GTIN” (AI 01) may only "
        f"contain digits, found: “{gtin[:5]}O{gtin[6:]}”."
    )
    assert "Zeichen" not in told and "must be" not in told


def test_an_uncoded_refusal_is_a_german_sentence_not_english(company, order, monkeypatch):
    """A problem without a code is said as the generic sentence, never as its English text."""
    from orderhub.core.problems import InvalidInput
    from orderhub.ordering import receipts

    def refuse(*args, **kwargs):
        raise InvalidInput("note", "something technical went wrong")

    monkeypatch.setattr(receipts, "book", refuse)
    admin = client_for(company[1])
    url = f"/dashboard/bestellungen/{order.pk}/wareneingang/"
    told = _refusal(admin.post(url, {"qty-1": "1"}, follow=True).content.decode())
    assert told == ("Wareneingang nicht gebucht: Die Eingabe wurde nicht angenommen (Feld note).")


def test_read_only_login_is_refused_and_sees_no_form(company, order):
    reader = client_for(
        make_login(company[0], Employee.objects.get(external_id="U1"), Role.READ_ONLY)
    )
    assert "Wareneingang buchen" not in page_of(reader, order)
    r = reader.post(f"/dashboard/bestellungen/{order.pk}/wareneingang/", {"qty-1": "2"})
    assert r.status_code == 403
    assert not GoodsReceipt.objects.exists()


def test_another_company_gets_404(other_company, order):
    outsider = client_for(other_company[1])
    r = outsider.post(f"/dashboard/bestellungen/{order.pk}/wareneingang/", {"qty-1": "2"})
    assert r.status_code == 404
    assert not GoodsReceipt.objects.exists()


def test_a_binaural_pair_is_received_together_and_a_missing_side_stays_outstanding(
    company, practice
):
    """The receipt form shows the two sides of a pair one after the other; booking one side
    leaves the other visibly outstanding until it arrives."""
    from decimal import Decimal

    from orderhub.formats.documents import AnswerLine
    from orderhub.ordering.models import Order
    from tests.delivery.conftest import mark_sent
    from tests.ordering.conftest import order_body, submit
    from tests.ordering.test_goods_receipt import dispatch
    from tests.ordering.test_hearing_options import pair_lines

    right, left = pair_lines()
    left["position"] = 3
    dome = {"position": 2, "quantity": 4, "partner_article_number": "SN-D-OPEN-M"}
    r = submit(practice, order_body("WE-PAAR", lines=[right, dome, left]))
    assert r.json_body["status"] == "queued", r.json_body
    order = mark_sent(Order.objects.get(pk=r.json_body["id"]))
    dispatch(
        order,
        "LS-P",
        [
            AnswerLine(1, "shipped", Decimal(1), serial_numbers=["SNR1"]),
            AnswerLine(2, "shipped", Decimal(4)),
            AnswerLine(3, "shipped", Decimal(1), serial_numbers=["SNL1"]),
        ],
    )
    admin = client_for(company[1])
    html = page_of(admin, order)
    form = html[html.index('class="receipt-form"') :]
    assert form.index('name="qty-1"') < form.index('name="qty-3"') < form.index('name="qty-2"')
    assert "Paar mit Pos. 3 · rechts" in form and "Paar mit Pos. 1 · links" in form
    assert "steht noch aus" not in html  # nothing booked yet: nothing is incomplete

    url = f"/dashboard/bestellungen/{order.pk}/wareneingang/"
    assert admin.post(url, {"qty-1": "1", "qty-2": "4", "client_id": "paar-1"}).status_code == 302
    html = page_of(admin, order)
    said = (
        "Pos. 3 (links) des binauralen Paars steht noch aus: 1 von 1 Stück; Pos. 1 ist eingegangen."
    )
    assert said in html
    row = html[html.index('name="qty-3"') - 600 : html.index('name="qty-3"')]
    assert "steht noch aus" in row
    assert "Item 3 (left) of the binaural pair is still outstanding" in page_of(admin, order, "en")

    assert admin.post(url, {"qty-3": "1", "client_id": "paar-2"}).status_code == 302
    html = page_of(admin, order)
    assert "des binauralen Paars steht noch aus" not in html and "steht noch aus" not in html
