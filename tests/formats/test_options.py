"""Issue 17: typed options, binaural pairs and order types — the vocabulary, and every channel's
document (openTRANS XSD, EDIFACT D.96A structure and Bots strict, JSON, PDF) carries them and
reads them back."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from orderhub.formats import FormatError, order_pdf, partner_json
from orderhub.formats import options as o
from orderhub.formats.edifact.order_writer import write_orders
from orderhub.formats.edifact.partner import parse_orders
from orderhub.formats.edifact.structure import check_structure
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.formats.opentrans.partner import parse_order
from orderhub.formats.opentrans.schema import BMECAT_NS, OT_NS, validate

from .bots_grammar import bots_errors
from .test_documents_pdf import extract_text

DATA = Path(__file__).parent / "data" / "documents"
OT = {"ot": OT_NS, "bmecat": BMECAT_NS}

RIGHT = {
    "side": "rechts",
    "style": "RIC",
    "colour": {"code": "P01", "name": "beige"},
    "receiver_power": {"value": "M", "code": "85"},
    "receiver_length": 2,
    "dome_type": "offen",
    "dome_size": "8 mm",
    "battery": "312",
}


def _values(raw):
    values, errors = o.normalise(raw)
    assert errors == []
    return values


@pytest.fixture
def order():
    return partner_json.parse_order((DATA / "order.json").read_bytes())


def _pair_order(order, order_type="consignment"):
    doc = copy.deepcopy(order)
    right, left = doc.items[0], copy.deepcopy(doc.items[0])
    left.line_no = 2
    right.options = _values(RIGHT)
    left.options = _values({**RIGHT, "side": "L"})
    right.pair = left.pair = "P1"
    right.attributes = {"side": "R", "Kabel": "kurz"}  # "side" is said by the typed option
    left.attributes = {}
    doc.items = [right, left]
    doc.order_type = order_type
    doc.return_date = date(2026, 3, 1) if order_type in o.MAY_HAVE_RETURN_DATE else None
    doc.original_order_number = "OH-2025-000042" if order_type in o.MAY_HAVE_ORIGINAL_ORDER else ""
    doc.fitting_reference = "V-2026-17"
    return doc


# --------------------------------------------------------------------------- vocabulary


def test_normalise_maps_other_names_and_keeps_the_manufacturer_code():
    values, errors = o.normalise(
        {
            "Seite": "links",
            "color": "Sandbeige",
            "style": "HdO",
            "receiver_power": {"value": "power", "code": "RP-100"},
            "battery": "Akku",
            "dome_size": "8,5mm",
            "vent": "ohne",
            "earmold_material": "Silikon",
            "tubing": "Dünnschlauch",
        }
    )
    assert errors == []
    assert values["side"] == o.OptionValue(value="L")
    assert values["colour"] == o.OptionValue(name="Sandbeige")
    assert values["style"].value == "BTE"
    assert values["receiver_power"] == o.OptionValue(value="P", code="RP-100")
    assert values["battery"].value == "rechargeable"
    assert values["dome_size"].value == "8.5"
    assert (values["vent"].value, values["earmold_material"].value) == ("none", "silicone")
    assert values["tubing"].value == "thin"
    assert list(values) == [k for k in o.OPTION_KEYS if k in values]  # vocabulary order


def test_normalise_names_each_problem_by_key():
    _, errors = o.normalise(
        {
            "side": "oben",
            "colour": {"code": "P01", "shade": "x"},
            "battery": {"code": "B"},
            "dome_size": "40 mm",
            "wish": "blau",
            "receiver_power": True,
        }
    )
    paths = {e.path: e.message for e in errors}
    assert set(paths) == {"side", "colour.shade", "battery", "dome_size", "wish", "receiver_power"}
    assert "one of R, L" in paths["side"]
    assert "unknown option" in paths["wish"]
    assert "a value is required" in paths["battery"]


def test_numbers_are_values():
    values = _values({"dome_size": 8.5, "receiver_length": 2, "battery": {"value": 312}})
    assert [values[k].value for k in ("receiver_length", "dome_size", "battery")] == [
        "2",
        "8.5",
        "312",
    ]


def test_a_key_given_twice_under_two_names_is_refused():
    _, errors = o.normalise({"colour": "beige", "color": "silber"})
    assert [e.path for e in errors] == ["color"]


def test_labels_are_german_and_english():
    values = _values(RIGHT)
    assert ("Seite", "rechts") in o.describe(values)
    assert ("Side", "right") in o.describe(values, "en")
    assert o.value_label("colour", values["colour"]) == "beige · Code P01"
    assert o.value_label("dome_size", values["dome_size"]) == "8 mm"
    assert o.order_type_label("consignment") == "Kommission"
    assert o.order_type_label("loaner", "en") == "loaner"


def test_order_statement():
    facts = o.OrderFacts("consignment", date(2026, 3, 1), "", "V-17")
    assert o.order_statement(facts) == (
        "Auftragsart: Kommission (order type: consignment); Rückgabe bis 01.03.2026 "
        "(return by 2026-03-01); Versorgung V-17 (fitting V-17)"
    )
    assert o.order_statement(o.OrderFacts()) == ""


# --------------------------------------------------------------------------- openTRANS


@pytest.mark.parametrize("order_type", o.ORDER_TYPE_CODES)
def test_opentrans_order_type_and_options(order, order_type):
    doc = _pair_order(order, order_type)
    data = write_order(doc)  # validates against the XSD itself
    validate(data)
    root = etree.fromstring(data)
    assert root.get("type") == o.OPENTRANS_ORDER_TYPE.get(order_type, "standard")
    info = root.find("ot:ORDER_HEADER/ot:ORDER_INFO", OT)
    udx = info.find("ot:HEADER_UDX", OT)
    if order_type == "standard":
        assert udx.find("ot:UDX.ORDERHUB.ORDER_TYPE", OT) is None
    else:
        assert udx.findtext("ot:UDX.ORDERHUB.ORDER_TYPE", namespaces=OT) == order_type
        remark = info.findtext("ot:REMARKS[@type='ordertype']", namespaces=OT)
        assert f"Auftragsart: {o.order_type_label(order_type)}" in remark
    item = root.find("ot:ORDER_ITEM_LIST/ot:ORDER_ITEM", OT)
    features = [
        (
            f.findtext("bmecat:FNAME", namespaces=OT),
            f.findtext("bmecat:FVALUE", namespaces=OT),
            f.findtext("bmecat:FVALUE_DETAILS", namespaces=OT),
        )
        for f in item.findall("ot:PRODUCT_FEATURES/ot:FEATURE", OT)
    ]
    assert features[:4] == [
        ("side", "R", None),
        ("style", "RIC", None),
        ("colour", "P01", "beige"),
        ("receiver_power", "85", "M"),
    ]
    assert ("Kabel", "kurz", None) in features and [f[0] for f in features].count("side") == 1
    assert item.findtext("ot:ITEM_UDX/ot:UDX.ORDERHUB.PAIR", namespaces=OT) == "P1"
    assert parse_order(data) == doc_without_shadowed_attributes(doc)


def doc_without_shadowed_attributes(doc):
    """What a reader gets back: a free attribute that a typed option says is not written."""
    expected = copy.deepcopy(doc)
    for item in expected.items:
        item.attributes = {
            k: v for k, v in item.attributes.items() if o.option_key(k) not in item.options
        }
    return expected


def test_opentrans_kommission_states_the_return_date(order):
    data = write_order(_pair_order(order, "consignment"))
    text = data.decode()
    assert 'type="consignment"' in text
    assert "<UDX.ORDERHUB.RETURN_DATE>2026-03-01</UDX.ORDERHUB.RETURN_DATE>" in text
    assert "Rückgabe bis 01.03.2026" in text
    assert "<UDX.ORDERHUB.FITTING_REFERENCE>V-2026-17</UDX.ORDERHUB.FITTING_REFERENCE>" in text


def test_opentrans_features_in_the_partners_terms(order):
    doc = _pair_order(order)
    doc.items[0].options["colour"] = o.OptionValue(name="beige")
    doc.option_terms = {
        "side": {"name": "Seite", "values": {"R": "rechts", "L": "links"}},
        "colour": {"name": "Farbe"},
    }
    data = write_order(doc)
    root = etree.fromstring(data)
    first = root.find("ot:ORDER_ITEM_LIST/ot:ORDER_ITEM", OT)
    names = [
        (f.findtext("bmecat:FNAME", namespaces=OT), f.findtext("bmecat:FVALUE", namespaces=OT))
        for f in first.findall("ot:PRODUCT_FEATURES/ot:FEATURE", OT)
    ]
    assert names[0] == ("Seite", "rechts") and names[2] == ("Farbe", "beige")
    back = parse_order(data)  # the reader knows the options by ITEM_UDX
    assert back.items[0].options["side"] == o.OptionValue(value="R")
    assert back.items[0].options["colour"] == o.OptionValue(name="beige")
    assert o.check_terms(doc.option_terms) == []
    assert o.check_terms({"wish": {}}) == ["option_terms.wish: unknown option"]


def test_features_named_like_options_stay_attributes_without_the_udx(order):
    """Free attributes (and other systems' ORDERs, without OrderHub's ITEM_UDX) are read as
    attributes even when their names look like options."""
    assert order.items[0].attributes == {"side": "R", "color": "beige"}
    for reader, data in (
        (parse_order, write_order(order)),
        (parse_orders, write_orders(order, interchange_ref="9")),
    ):
        back = reader(data)
        assert back.items[0].options == {}
        assert back.items[0].attributes == {"side": "R", "color": "beige"}


def test_opentrans_unknown_order_type_is_refused(order):
    order.order_type = "gift"
    with pytest.raises(FormatError, match="unknown order type"):
        write_order(order)


# --------------------------------------------------------------------------- EDIFACT


@pytest.mark.parametrize("order_type", o.ORDER_TYPE_CODES)
def test_edifact_order_type_and_options(order, order_type):
    doc = _pair_order(order, order_type)
    data = write_orders(doc, interchange_ref="170")
    assert check_structure(data, "ORDERS") == []
    assert bots_errors(data) == []
    text = data.decode("latin-1")
    assert f"BGM+{o.EDIFACT_BGM.get(order_type, '220')}+{doc.order_number}+9'" in text
    if order_type != "standard":
        assert f"FTX+ZZZ++ORD+order_type:{order_type}:" in text
    assert "IMD+B+35+P01::91:beige'" in text
    assert "FTX+ZZZ++OPT+side:R'" in text and "FTX+ZZZ++OPT+side:L'" in text
    assert "FTX+ZZZ++OPT+receiver_power:M:85'" in text
    assert "FTX+ZZZ++ORD+pair:P1'" in text
    assert "FTX+ZZZ+++side:R'" not in text  # the typed option says it
    if doc.original_order_number:
        assert "RFF+PW:OH-2025-000042'" in text
    assert parse_orders(data) == doc_without_shadowed_attributes(doc)


def test_edifact_kommission_return_date(order):
    text = write_orders(_pair_order(order), interchange_ref="171").decode("latin-1")
    assert "BGM+227+" in text
    assert "FTX+ZZZ++ORD+order_type:consignment:Kommission:consignment'" in text
    assert "FTX+ZZZ++ORD+return_date:2026-03-01'" in text
    assert "FTX+ZZZ++ORD+fitting_reference:V-2026-17'" in text


def test_edifact_colour_name_only_is_imd_free_text(order):
    order.items[0].options = {"colour": o.OptionValue(name="silber")}
    data = write_orders(order, interchange_ref="172")
    assert "IMD+F+35+:::silber'" in data.decode("latin-1")
    assert bots_errors(data) == []
    assert parse_orders(data).items[0].options == {"colour": o.OptionValue(name="silber")}


def test_edifact_bgm_codes_read_back_without_facts(order):
    data = write_orders(order, interchange_ref="173").replace(b"BGM+220+", b"BGM+224+")
    assert parse_orders(data).order_type == "express"


# --------------------------------------------------------------------------- JSON and PDF


@pytest.mark.parametrize("order_type", o.ORDER_TYPE_CODES)
def test_json_carries_types_and_options(order, order_type):
    doc = _pair_order(order, order_type)
    payload = json.loads(partner_json.write_order(doc))
    assert payload["order_type"] == order_type
    assert payload["fitting_reference"] == "V-2026-17"
    item = payload["items"][0]
    assert item["options"]["colour"] == {"code": "P01", "name": "beige"}
    assert item["options"]["side"] == {"value": "R"}
    assert item["options"]["receiver_power"] == {"value": "M", "code": "85"}
    assert item["pair"] == "P1"
    assert partner_json.parse_order(partner_json.write_order(doc)) == doc


def test_json_reader_names_bad_options(order):
    payload = json.loads(partner_json.write_order(order))
    payload["items"][0]["options"] = {"wish": {"value": "x"}}
    with pytest.raises(FormatError) as exc:
        partner_json.parse_order(json.dumps(payload).encode())
    assert exc.value.field == "items[0].options.wish"
    payload["items"][0]["options"] = {}
    payload["order_type"] = "gift"
    with pytest.raises(FormatError, match="order_type"):
        partner_json.parse_order(json.dumps(payload).encode())


def test_pdf_shows_type_return_date_options_and_pair(order):
    text = extract_text(order_pdf.render_order_pdf(_pair_order(order), compress=False))
    for expected in (
        "Auftragsart",
        "Kommission",
        "Rückgabe bis",
        "01.03.2026",
        "Versorgung",
        "V-2026-17",
        "Seite: rechts",
        "Farbe: beige · Code P01",
        "Binaurales Paar mit Pos. 2",
    ):
        assert expected in text, expected


def test_free_attributes_the_vocabulary_knows_read_in_words():
    attributes = {"side": "R", "Farbe": "beige", "Hörer": "M", "Kundenwunsch": "leise"}
    assert o.describe_attributes(attributes, "de")[0] == ("Seite", "rechts")
    assert o.describe_attributes(attributes, "en")[0] == ("Side", "right")
    # a colour has no vocabulary value; an unknown key stays as the practice sent it
    assert ("Kundenwunsch", "leise") in o.describe_attributes(attributes, "de")
    assert o.describe_attributes({"side": "oben"}, "de") == [("side", "oben")]
