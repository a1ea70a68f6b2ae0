"""Issue 17 through the API and the dashboard: typed options on lines (validated, problem+json
naming ``lines[i].options.<key>``), binaural pairs, order types with the original order and a
return date, the pseudonymous fitting reference; stored, shown and handed to the channels."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from orderhub.delivery import order_document
from orderhub.formats.edifact.order_writer import write_orders
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.formats.options import OptionValue
from orderhub.ordering import hearing
from orderhub.ordering.models import Order
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

RETURN = (timezone.localdate() + timedelta(days=30)).isoformat()


def pair_lines(**right_options):
    return [
        {
            "position": 1,
            "quantity": 1,
            "partner_article_number": "SN-R-M-3-R",
            "description": "Hörer M, Länge 3, rechts",
            "options": {
                "side": "R",
                "style": "RIC",
                "colour": {"code": "P01", "name": "beige"},
                "receiver_power": {"value": "M", "code": "85"},
                "receiver_length": "3",
                **right_options,
            },
            "pair": "P1",
        },
        {
            "position": 2,
            "quantity": 1,
            "partner_article_number": "SN-R-M-3-L",
            "description": "Hörer M, Länge 3, links",
            "options": {"side": "links", "style": "RIC", "colour": "beige"},
            "pair": "P1",
        },
    ]


def kommission(external_id="K-1", **overrides):
    fields = {
        "lines": pair_lines(),
        "order_type": "consignment",
        "return_date": RETURN,
        "fitting_reference": "V-2026-0017",
        **overrides,
    }
    return order_body(external_id, **fields)


def errors_of(r) -> dict[str, str]:
    assert r.status_code == 422, r.json_body
    assert r["content-type"] == "application/problem+json"
    return {e["field"]: e["message"] for e in r.json_body["errors"]}


def test_a_kommission_pair_is_stored_shown_and_handed_to_the_channels(practice):
    r = submit(practice, kommission())
    assert r.status_code == 201, r.json_body
    order = Order.objects.get(pk=r.json_body["id"])
    assert order.order_type == "consignment" and order.return_date.isoformat() == RETURN
    assert order.fitting_reference == "V-2026-0017"
    right, left = order.lines.all()
    assert (right.pair, left.pair) == ("P1", "P1")
    assert hearing.line_options(right)["colour"] == OptionValue(code="P01", name="beige")
    assert hearing.line_options(left)["side"] == OptionValue(value="L")

    detail = practice.get(f"/api/v1/orders/{order.pk}").json_body
    assert detail["order_type"] == "consignment" and detail["return_date"] == RETURN
    assert detail["fitting_reference"] == "V-2026-0017" and detail["original_order"] is None
    line = detail["lines"][0]
    assert line["options"]["receiver_power"] == {"value": "M", "code": "85"}
    assert line["options"]["receiver_length"] == {"value": "3"}
    assert line["pair"] == "P1" and "_options" not in line["attributes"]
    listed = practice.get("/api/v1/orders").json_body["items"]
    assert listed[0]["order_type"] == "consignment"

    doc = order_document.build(order)
    assert doc.order_type == "consignment" and doc.return_date == order.return_date
    assert doc.items[0].options["side"] == OptionValue(value="R") and doc.items[1].pair == "P1"
    xml = write_order(doc)
    assert b'type="consignment"' in xml and b"<UDX.ORDERHUB.PAIR>P1</UDX.ORDERHUB.PAIR>" in xml
    assert b"BGM+227+" in write_orders(doc, interchange_ref="1")


def test_partner_terms_from_the_channel_configuration(practice, partners):
    sonora = partners["sonora"]
    sonora.channel_config = {
        **sonora.channel_config,
        "option_terms": {"side": {"name": "Seite", "values": {"R": "rechts", "L": "links"}}},
    }
    sonora.save(update_fields=["channel_config"])
    order = Order.objects.get(pk=submit(practice, kommission()).json_body["id"])
    xml = write_order(order_document.build(order)).decode()
    assert (
        "<bmecat:FNAME>Seite</bmecat:FNAME>" in xml
        and "<bmecat:FVALUE>links</bmecat:FVALUE>" in xml
    )


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"side": "oben"}, "lines[0].options.side", "one of R, L"),
        ({"wish": "blau"}, "lines[0].options.wish", "unknown option"),
        ({"colour": {"code": "X" * 30}}, "lines[0].options.colour.code", "at most 17"),
        ({"battery": {"code": "B"}}, "lines[0].options.battery", "a value is required"),
        ({"dome_size": "40 mm"}, "lines[0].options.dome_size", "size in mm"),
    ],
)
def test_bad_options_are_a_422_naming_the_option(practice, change, field, words):
    errors = errors_of(submit(practice, kommission(lines=pair_lines(**change))))
    assert field in errors and words in errors[field]
    assert not Order.objects.exists()  # nothing stored, the key not used up


def test_pairs_are_exactly_two_lines_one_right_one_left(practice):
    lines = pair_lines()
    lines[1]["options"]["side"] = "R"
    errors = errors_of(submit(practice, kommission(lines=lines)))
    assert "one line with options.side R and one with L" in errors["lines[0].pair"]
    assert "lines[1].pair" in errors
    lines = pair_lines()
    lines[1]["pair"] = "P2"
    errors = errors_of(submit(practice, kommission(lines=lines), key="k2"))
    assert "exactly two" in errors["lines[0].pair"] and "exactly two" in errors["lines[1].pair"]
    lines[1]["pair"] = "Paar Müller"  # a pair key is a short pseudonym
    assert "lines[1].pair" in errors_of(submit(practice, kommission(lines=lines), key="k3"))


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"return_date": None}, "return_date", "needs the date"),
        ({"return_date": "2020-01-01"}, "return_date", "past"),
        ({"order_type": "express"}, "return_date", "only consignment, loaner, trial"),
        ({"order_type": "loaner", "return_date": None}, "return_date", "needs the date"),
        ({"order_type": "remake", "return_date": None}, "original_order", "names the order"),
        (
            {"order_type": "standard", "return_date": None, "original_order": "OH-1"},
            "original_order",
            "only remake, repair, return",
        ),
        (
            {"order_type": "repair", "return_date": None, "original_order": "OH-NONE"},
            "original_order",
            "no order 'OH-NONE'",
        ),
        ({"order_type": "gift"}, "order_type", "Input should be"),
        ({"fitting_reference": "Anna Müller"}, "fitting_reference", "pattern"),
    ],
)
def test_order_type_rules(practice, overrides, field, words):
    errors = errors_of(submit(practice, kommission(**overrides)))
    assert field in errors and words in errors[field], errors


def test_a_remake_names_the_original_order_by_number_or_id(practice, other_company):
    first = Order.objects.get(pk=submit(practice, kommission()).json_body["id"])
    for n, reference in enumerate((first.number, str(first.pk))):
        body = order_body(f"R-{n}", order_type="remake", original_order=reference)
        r = submit(practice, body, key=f"r{n}")
        assert r.status_code == 201, r.json_body
        remake = Order.objects.get(pk=r.json_body["id"])
        assert remake.original_order == first
        assert (
            practice.get(f"/api/v1/orders/{remake.pk}").json_body["original_order"] == first.number
        )
        doc = order_document.build(remake)
        assert doc.original_order_number == first.number
        assert f"RFF+PW:{first.number}'".encode() in write_orders(doc, interchange_ref="2")
    # another company's order is no order of this one
    from tests.conftest import ApiClient, snapshot

    other = ApiClient(other_company[2])
    assert other.put("/api/v1/masterdata", snapshot()).status_code == 200
    r = submit(other, order_body("X-1", order_type="remake", original_order=first.number))
    assert "no order" in errors_of(r)["original_order"]


def test_plain_orders_are_unchanged(practice):
    r = submit(practice, order_body())
    order = Order.objects.get(pk=r.json_body["id"])
    assert order.order_type == "standard" and order.lines.first().attributes == {"side": "R"}
    detail = practice.get(f"/api/v1/orders/{order.pk}").json_body
    assert detail["lines"][0]["options"] == {} and detail["lines"][0]["pair"] is None
    assert detail["return_date"] is None


def test_a_mapping_key_ignores_the_stored_options(practice):
    from orderhub.catalog import mappings

    order = Order.objects.get(pk=submit(practice, kommission()).json_body["id"])
    line = order.lines.first()
    assert "_options" in line.attributes
    key, label = mappings.key_of(line)
    assert (
        key == mappings.line_key(line.partner_article_number, "", "", "", line.description, {})[0]
    )
    assert "_options" not in label


# --------------------------------------------------------------------------- dashboard


def client_for(user) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def test_dashboard_filters_by_order_type_and_shows_the_return_date(practice, company):
    kommission_id = submit(practice, kommission()).json_body["id"]
    standard_id = submit(practice, order_body("S-1"), key="s1").json_body["id"]
    admin = client_for(company[1])
    everything = admin.get("/dashboard/bestellungen/").content.decode()
    assert kommission_id in everything and standard_id in everything
    html = admin.get("/dashboard/bestellungen/?type=consignment").content.decode()
    assert kommission_id in html and standard_id not in html
    assert 'data-type="consignment"' in html and "Kommission" in html
    assert f"{date.fromisoformat(RETURN):%d.%m.%Y}" in html
    html = admin.get("/dashboard/bestellungen/?type=express").content.decode()
    assert kommission_id not in html

    page = admin.get(f"/dashboard/bestellungen/{kommission_id}/").content.decode()
    assert "Auftragsart" in page and "<strong>Kommission</strong>" in page
    assert f'class="return-date">{date.fromisoformat(RETURN):%d.%m.%Y}' in page
    assert "V-2026-0017" in page
    assert "Paar mit Pos. 2" in page and "Farbe: beige · Code P01" in page
    english = admin.get(
        f"/dashboard/bestellungen/{kommission_id}/", headers={"accept-language": "en"}
    ).content.decode()
    assert "consignment" in english and "Colour: beige · Code P01" in english
    assert "Side: right" in english and "Pair with line 2" in english


def test_supplier_portal_shows_options_pairs_and_the_kommission(practice, partners):
    from django.contrib.auth import get_user_model

    from orderhub.delivery.models import PartnerAccount
    from tests.delivery.conftest import mark_sent

    supplier = get_user_model().objects.create_user("sonora-portal", password="Lieferant-12345!")
    PartnerAccount.objects.create(user=supplier, partner=partners["sonora"])
    right, left = pair_lines()
    dome = order_body()["lines"][1]
    left["position"], dome["position"], right["position"] = 1, 2, 3
    body = kommission(lines=[left, dome, right])
    order = mark_sent(Order.objects.get(pk=submit(practice, body).json_body["id"]))
    html = client_for(supplier).get(f"/lieferant/bestellungen/{order.number}/").content.decode()
    assert "Kommission" in html and f"{order.return_date:%d.%m.%Y}" in html
    assert "V-2026-0017" in html
    assert "Farbe: beige · Code P01" in html and "Hörerstärke: Medium (M) · Code 85" in html
    # the pair (positions 1 and 3) shown together, before position 2
    assert html.index('id="line-1"') < html.index('id="line-3"') < html.index('id="line-2"')
    assert "Paar mit Pos. 3" in html and "Paar mit Pos. 1" in html


def test_the_cart_shows_options_and_the_pair_together(practice, company):
    right, left = pair_lines()
    left["position"], right["position"] = 1, 3
    unknown = {"position": 2, "quantity": 1, "partner_article_number": "SN-GIBTS-NICHT-42"}
    r = submit(practice, kommission(lines=[left, unknown, right]))
    assert r.json_body["status"] == "cart", r.json_body
    html = client_for(company[1]).get(f"/warenkorb/{r.json_body['id']}/").content.decode()
    assert "Seite: links" in html and "Seite: rechts" in html and "_options" not in html
    assert "Farbe: beige · Code P01" in html and "Paar mit Pos. 3" in html
    assert html.index('id="line-1"') < html.index('id="line-3"') < html.index('id="line-2"')


def test_the_request_hash_of_a_plain_order_is_what_it_was_before_issue_17():
    import hashlib
    import json

    from orderhub.ordering.schemas import OrderIn
    from orderhub.ordering.services import request_hash

    body = order_body()
    before = OrderIn(**body).model_dump(mode="json")  # without issue 17's members, as before
    for key in ("order_type", "original_order", "return_date", "fitting_reference"):
        before.pop(key)
    for line in before["lines"]:
        line.pop("options"), line.pop("pair")
    canonical = json.dumps(before, sort_keys=True, separators=(",", ":"))
    assert request_hash(OrderIn(**body)) == hashlib.sha256(canonical.encode()).hexdigest()
    assert request_hash(OrderIn(**kommission())) != request_hash(OrderIn(**body))


def test_empty_pair_and_fitting_reference_mean_none(practice):
    body = order_body(fitting_reference="", original_order=" ")
    body["lines"][0]["pair"] = ""
    r = submit(practice, body)
    assert r.status_code == 201, r.json_body
    order = Order.objects.get(pk=r.json_body["id"])
    assert order.fitting_reference == "" and order.lines.first().pair == ""


def test_supplier_portal_confirms_and_ships_a_pair_together(practice, partners):
    from django.contrib.auth import get_user_model

    from orderhub.delivery.models import PartnerAccount
    from tests.delivery.conftest import mark_sent

    supplier = get_user_model().objects.create_user("sonora-portal", password="Lieferant-12345!")
    PartnerAccount.objects.create(user=supplier, partner=partners["sonora"])
    order = mark_sent(Order.objects.get(pk=submit(practice, kommission()).json_body["id"]))
    c = client_for(supplier)
    url = f"/lieferant/bestellungen/{order.number}/antwort/"
    respond = {
        "action": "respond",
        "form_id": "a" * 32,
        "delivery_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "line-1-status": "confirmed",
        "line-1-quantity": "1",
        "line-2-status": "rejected",
        "line-2-quantity": "0",
        "line-2-note": "nicht lieferbar",
    }
    r = c.post(url, respond)
    assert r.status_code == 400
    assert "Binaurales Paar (Pos. 1, 2): bitte beide Seiten gemeinsam" in r.content.decode()
    respond.update({"line-2-status": "confirmed", "line-2-quantity": "1", "line-2-note": ""})
    assert c.post(url, respond).status_code == 302
    order.refresh_from_db()
    assert order.status == "confirmed"
    ship = {
        "action": "ship",
        "form_id": "b" * 32,
        "tracking_numbers": "TRK-1",
        "carrier": "DHL",
        "line-1-quantity": "1",
        "line-2-quantity": "0",
    }
    r = c.post(url, ship)
    assert r.status_code == 400 and "bitte beide Seiten zusammen versenden" in r.content.decode()
    ship["line-2-quantity"] = "1"
    assert c.post(url, ship).status_code == 302
    order.refresh_from_db()
    assert order.status == "shipped"


def test_the_api_lists_orders_by_order_type(practice):
    kommission_id = submit(practice, kommission()).json_body["id"]
    standard_id = submit(practice, order_body("S-1"), key="s1").json_body["id"]
    items = practice.get("/api/v1/orders?order_type=consignment").json_body["items"]
    assert [i["id"] for i in items] == [kommission_id]
    items = practice.get("/api/v1/orders?order_type=standard,express").json_body["items"]
    assert [i["id"] for i in items] == [standard_id]
    assert "order_type" in errors_of(practice.get("/api/v1/orders?order_type=gift"))
