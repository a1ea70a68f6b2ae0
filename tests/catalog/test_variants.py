"""Issue 17, options against the catalog: a line's options select the variant of the model the
practice named; a combination the partner's catalog does not offer opens a cart whose issue names
what it does offer, never a silent order (catalog.variants)."""

from __future__ import annotations

import pytest

from orderhub.formats import variants
from orderhub.formats.options import OptionValue
from orderhub.ordering import hearing, services
from orderhub.ordering.models import Order
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

AURA7_RIC_HMV = "1320030003"  # one HMV number for every side and colour of Aura 7 RIC


def device(options, position=1, **identifiers):
    identifiers = identifiers or {"hmv_number": AURA7_RIC_HMV}
    return {
        "position": position,
        "quantity": 1,
        "description": "Aura 7 RIC",
        "options": options,
        **identifiers,
    }


def order(practice, *lines, key="k"):
    r = submit(practice, order_body(f"V-{key}", lines=list(lines)), key=key)
    assert r.status_code == 201, r.json_body
    return r.json_body, Order.objects.get(pk=r.json_body["id"])


# --- the catalog values against options (no database) -----------------------------------------


@pytest.mark.parametrize(
    ("key", "catalog", "option", "offered"),
    [
        ("side", "R", OptionValue(value="R"), True),
        ("side", "L", OptionValue(value="R"), False),
        ("side", "B", OptionValue(value="L"), True),  # one article for both ears
        ("receiver_power", "HP", OptionValue(value="UP"), True),  # HP is the vocabulary's UP
        ("receiver_power", "M", OptionValue(value="P"), False),
        ("colour", "beige", OptionValue(code="P01", name="Beige"), True),
        ("colour", "p01", OptionValue(code="P01"), True),  # a catalog naming colours by code
        ("colour", "silber", OptionValue(code="P01", name="beige"), False),
        ("colour", "weiß", OptionValue(name="WEISS"), True),
        ("battery", "rechargeable", OptionValue(value="rechargeable"), True),
        ("battery", "312", OptionValue(value="13"), False),
        ("dome_type", "open", OptionValue(value="open", code="OD"), True),
        ("dome_size", "M", OptionValue(value="8"), False),
    ],
)
def test_a_catalog_value_offers_an_option_in_the_vocabularys_terms(key, catalog, option, offered):
    assert variants.offers({variants.OPTION_ATTRIBUTE[key]: catalog}, key, option) is offered


def test_an_article_that_does_not_name_an_attribute_does_not_vary_in_it():
    assert variants.offers({"model": "Aura 7"}, "colour", OptionValue(name="rot")) is None


def test_the_partners_own_terms_are_understood():
    terms = {"colour": {"values": {"beige": "Hautfarbe"}}}
    assert variants.offers({"colour": "hautfarbe"}, "colour", OptionValue(name="beige"), terms)
    assert not variants.offers({"colour": "hautfarbe"}, "colour", OptionValue(name="beige"))


# --- through intake --------------------------------------------------------------------------


def test_the_options_select_the_variant_of_a_model_named_by_its_hmv_number(practice):
    body, placed = order(practice, device({"side": "L", "colour": "silber", "style": "RIC"}))
    assert body["status"] == "queued", body
    line = placed.lines.get()
    assert line.article.partner_article_number == "SN-HA-AURA7-RIC-L-SILBER"
    assert line.matched_by == "hmv_number"


def test_a_colour_the_model_does_not_come_in_opens_a_cart_naming_the_colours(practice):
    body, placed = order(practice, device({"side": "R", "colour": {"code": "RT", "name": "rot"}}))
    assert body["status"] == "cart"
    (issue,) = body["issues"]
    assert issue["code"] == "option_not_offered"
    assert issue["message"] == (
        "Aura 7 (RIC): Farbe „rot · Code RT“ gibt es nicht; lieferbar: beige, silber. "
        "Bitte eine Variante wählen."
    )
    assert issue["message_en"] == (
        "Aura 7 (RIC): Colour “rot · Code RT” is not offered; available: beige, silber. "
        "Please pick a variant."
    )
    # The variants to pick are the right ear's, in the colours on offer.
    assert [c["partner_article_number"] for c in issue["candidates"]] == [
        "SN-HA-AURA7-RIC-R-BEIGE",
        "SN-HA-AURA7-RIC-R-SILBER",
    ]
    assert placed.lines.get().article is None


def test_an_article_number_that_contradicts_the_options_is_not_swapped_silently(practice):
    body, _ = order(
        practice,
        device({"side": "L", "colour": "beige"}, partner_article_number="SN-HA-AURA7-RIC-R-BEIGE"),
    )
    assert body["status"] == "cart"
    (issue,) = body["issues"]
    assert issue["code"] == "options_conflict"
    assert issue["message"] == (
        "Artikel SN-HA-AURA7-RIC-R-BEIGE passt nicht zu den Optionen (Seite „links“ statt "
        "„rechts“); passende Variante: SN-HA-AURA7-RIC-L-BEIGE. Bitte die richtige wählen."
    )
    assert [c["partner_article_number"] for c in issue["candidates"]] == ["SN-HA-AURA7-RIC-L-BEIGE"]


def test_picking_the_offered_variant_adopts_its_options_and_the_cart_can_be_ordered(practice):
    _, placed = order(practice, device({"side": "R", "colour": {"code": "RT", "name": "rot"}}))
    line = placed.lines.get()
    silver = next(
        c for c in line.issue["candidates"] if c["partner_article_number"].endswith("SILBER")
    )
    services.pick_article(
        placed, line, line.order.partner.articles.get(pk=silver["article_id"]), "t"
    )
    line.refresh_from_db()
    assert line.issue is None
    # The colour the partner reads is the one it offers; the code for "rot" went with it.
    assert hearing.line_options(line)["colour"] == OptionValue(name="silber")
    assert services.order_cart(placed, "t").status == "queued"


def test_a_receiver_and_dome_of_the_devices_family_are_accepted(practice):
    body, _ = order(
        practice,
        device(
            {
                "side": "R",
                "colour": "beige",
                "receiver_power": "M",
                "receiver_length": "3",
                "dome_type": "offen",
                "dome_size": "M",
            }
        ),
    )
    assert body["status"] == "queued", body


def test_a_dome_the_receiver_family_does_not_offer_is_an_issue_with_the_domes_it_does(practice):
    body, placed = order(
        practice, device({"side": "R", "colour": "beige", "dome_type": "tulip", "dome_size": "M"})
    )
    assert body["status"] == "cart"
    (issue,) = body["issues"]
    assert issue["message"] == (
        "Schirmchen der Hörerfamilie G1: Schirmchen „Tulpe“ gibt es nicht; lieferbar: offen, "
        "geschlossen, Power. Bitte eine Option wählen."
    )
    assert [(a["option"], a["value"], a["label"]) for a in issue["alternatives"]] == [
        ("dome_type", {"value": "open"}, "offen"),
        ("dome_type", {"value": "closed"}, "geschlossen"),
        ("dome_type", {"value": "power"}, "Power"),
    ]
    # The device itself is identified; only the dome needs a person.
    line = placed.lines.get()
    assert line.article.partner_article_number == "SN-HA-AURA7-RIC-R-BEIGE"
    services.pick_option(placed, line, "dome_type", {"value": "closed"}, "t")
    line.refresh_from_db()
    assert line.issue is None
    assert hearing.line_options(line)["dome_type"] == OptionValue(value="closed")
    assert services.order_cart(placed, "t").status == "queued"


def test_only_an_offered_option_can_be_picked(practice):
    _, placed = order(practice, device({"side": "R", "colour": "beige", "dome_type": "tulip"}))
    line = placed.lines.get()
    with pytest.raises(services.CartInputError):
        services.pick_option(placed, line, "dome_type", {"value": "vented"}, "t")


def test_the_catalogs_high_power_receiver_is_the_ultra_power_option(practice):
    body, _ = order(
        practice,
        device({"side": "R", "colour": "beige", "receiver_power": "UP", "receiver_length": "3"}),
    )
    assert body["status"] == "queued", body  # SN-R-HP-3-R: "HP" is the vocabulary's UP


def test_a_receiver_length_the_family_does_not_offer(practice, partners):
    sonora = partners["sonora"]

    def article(number, **attributes):
        return sonora.articles.create(
            partner_article_number=number,
            partner_article_key=number.replace("-", ""),
            short_description=number,
            attributes=attributes,
        )

    article("X-MINI-R", model="Mini", style="RIC", side="R", receiver_family="X1")
    for length in ("1", "2"):
        article(f"X-R-M-{length}", receiver_power="M", receiver_length=length, receiver_family="X1")
    body, _ = order(
        practice,
        device(
            {"side": "R", "receiver_power": "M", "receiver_length": "4"},
            partner_article_number="X-MINI-R",
        ),
    )
    (issue,) = body["issues"]
    assert issue["message"] == (
        "Hörer der Hörerfamilie X1: Hörerlänge „Größe 4“ gibt es nicht; lieferbar: Größe 1, "
        "Größe 2. Bitte eine Option wählen."
    )
    assert [a["value"] for a in issue["alternatives"]] == [{"value": "1"}, {"value": "2"}]


def test_lines_without_options_are_identified_as_before(practice):
    body, _ = order(practice, device({}, partner_article_number="SN-HA-AURA7-RIC-R-BEIGE"))
    assert body["status"] == "queued"


def test_the_search_suggestions_for_an_unknown_line_fit_its_options(practice):
    body, _ = order(
        practice,
        device({"side": "L", "colour": "silber"}, description="Hörsystem Aura 7 RIC"),
    )
    (issue,) = body["issues"]
    assert issue["code"] == "article_not_found" and issue["candidates"]
    assert all("-L-SILBER" in c["partner_article_number"] for c in issue["candidates"])
