"""Documents written by others (tests/formats/data/wild, sources in SOURCES.md), read with the
values a person would check. Files OrderHub refuses are refused with a message that says why."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orderhub.formats import FormatError
from orderhub.formats.catalog import CatalogArticle
from orderhub.formats.catalog_reader import read_catalog
from orderhub.formats.documents import LOCAL_TZ
from orderhub.formats.edifact.answer_reader import parse_answers
from orderhub.formats.edifact.partner import parse_orders
from orderhub.formats.edifact.syntax import read_interchange, read_segments
from orderhub.formats.opentrans.answer_reader import parse_answer
from orderhub.formats.opentrans.partner import parse_order

WILD = Path(__file__).parent / "data" / "wild"


def catalog(name: str):
    with read_catalog(WILD / name) as reader:
        items = list(reader)
        header = reader.header
    articles = [i for i in items if isinstance(i, CatalogArticle)]
    issues = [i for i in items if not isinstance(i, CatalogArticle)]
    return header, articles, issues


def test_corpus_has_sources_for_every_file():
    sources = (WILD / "SOURCES.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in WILD.iterdir() if p.name != "SOURCES.md")
    assert len(files) >= 30
    for name in files:
        assert f"`{name}`" in sources, f"{name} is not listed in SOURCES.md"


# -- BMEcat ------------------------------------------------------------------------------------


def test_bmecat101_with_udx_declarations_in_the_doctype():
    header, articles, issues = catalog("bmecat101_pilz_new_catalog_ok.xml")
    assert (header.format_version, header.currency, header.catalog_version) == (
        "1.01",
        "DEM",
        "120",
    )
    assert [a.partner_article_number for a in articles] == ["54-Charlie-R", "54-Dennis-B"]
    charlie = articles[0]
    assert charlie.short_description == "Freizeithemd Charlie"
    assert (charlie.price, charlie.price_type, charlie.currency) == (
        Decimal("17.23"),
        "net_customer",
        "DEM",
    )
    assert charlie.order_unit == "PK" and charlie.manufacturer_article_number == "123-RD-67-U"
    assert charlie.attributes == {"colour": "rot"}
    assert issues == []


@pytest.mark.parametrize(
    "name, version",
    [
        ("bmecat12_olivere_new_catalog.xml", "1.2"),
        ("bmecat2005_olivere_new_catalog.xml", "2005"),
        ("bmecat2005_olivere_blank_classification.xml", "2005"),
    ],
)
def test_bmecat_olivere_new_catalog(name, version):
    header, [article], issues = catalog(name)
    assert (header.format_version, header.catalog_id, header.supplier_name) == (
        version,
        "CAT1",
        "SupplyCo Ltd.",
    )
    assert article.partner_article_number == "1000"
    assert article.short_description == 'Apple MacBook Pro 13"'
    assert (article.price, article.price_type) == (Decimal("1499.5"), "net_customer")
    assert article.order_unit == "BX"  # written "BOX", which is no Rec 20 code
    assert article.manufacturer_article_number == "MPN"
    # The sample's EAN has a wrong check digit: dropped, and said so.
    [issue] = issues
    assert "8712670911213" in issue.message and "check digit" in issue.message


def test_bmecat12_olivere_update_prices():
    header, [article], issues = catalog("bmecat12_olivere_update_prices.xml")
    assert header.transaction == "T_UPDATE_PRICES"
    assert (article.partner_article_number, article.mode, article.price) == (
        "1000",
        "update",
        Decimal("1499.5"),
    )
    assert issues == []


def test_bmecat12_olivere_update_products_with_delete():
    header, articles, _ = catalog("bmecat12_olivere_update_products.xml")
    assert header.transaction == "T_UPDATE_PRODUCTS"
    assert [(a.partner_article_number, a.mode) for a in articles] == [
        ("1000", "update"),
        ("2000", "delete"),
    ]


def test_bmecat12_pilz_price_per_100_and_german_price_type_name():
    _, [article], _ = catalog("bmecat_pilz_pricenames_different.xml")
    # price_type="EK_ohne_MWST" (a net purchase price) wins over "UVP"; PRICE_QUANTITY 100.
    assert article.price_type == "net_customer"
    assert (article.price_amount, article.price_quantity) == (Decimal("10.5"), Decimal(100))
    assert article.price == Decimal("0.105")
    assert article.order_unit == "C62" and article.manufacturer_article_number == "09876"


@pytest.mark.parametrize(
    "name", ["bmecat_pilz_double_entries.xml", "bmecat_pilz_strict_validation.xml"]
)
def test_bmecat12_pilz_contorion_catalog(name):
    header, [article], issues = catalog(name)
    assert header.supplier_name == "Contorion GmbH"
    assert article.partner_article_number == "12345" and article.short_description == "Test Article"
    assert (article.price, article.price_quantity, article.price_type) == (
        Decimal("0.105"),
        Decimal(100),
        "net_customer",
    )
    assert any("12345678901234" in i.message for i in issues)  # invalid GTIN reported


@pytest.mark.parametrize(
    "name",
    [
        "bmecat_pilz_price_validity.xml",
        "bmecat_pilz_udx_features.xml",
        "bmecat_pilz_date_without_type.xml",
    ],
)
def test_bmecat12_pilz_fischer_price_with_three_decimals(name):
    header, [article], issues = catalog(name)
    assert header.supplier_name == "fischerwerke_de" and header.catalog_version == "20.12.2017"
    assert article.partner_article_number == "079685"
    assert article.gtin == "04006209796856"
    assert article.short_description == "Schiebeschlitten SBS M8"
    assert (article.price, article.price_type) == (Decimal("17.779"), "net_list")  # not 17.78
    assert issues == []


def test_bmecat12_pilz_ks_tools_with_doctype_subset_and_unknown_price_type():
    header, [article], issues = catalog("bmecat_pilz_category_tree_dtd.xml")
    assert header.supplier_name == "KS Tools"
    assert article.partner_article_number == "100.1180" and article.gtin == "04042146228586"
    assert article.price == Decimal("255.97") and article.price_type == "udp_dummy"
    assert [i.message for i in issues] == [
        "no net price: price type udp_dummy used (docs/catalog-formats.md, price rule)"
    ]


def test_bmecat2005_2_minimal_document_without_products():
    header, articles, issues = catalog("bmecat2005_naugrimm_minimal.xml")
    assert (header.format_version, header.catalog_id, header.supplier_name) == (
        "2005.2",
        "MY_CATALOG",
        "TestSupplier",
    )
    assert articles == [] and issues == []


def test_bmecat_fragment_without_root_is_refused_clearly():
    with pytest.raises(
        FormatError, match=r"not a BMEcat document \(root element <PRODUCT_FEATURES>\)"
    ):
        catalog("bmecat2005_naugrimm_product_features.xml")


def test_bmecat12_in_iso_8859_1_with_umlauts_and_units_written_as_text():
    name = "bmecat12_b3it_conceptoffice_latin1.xml"
    data = (WILD / name).read_bytes()
    # Written by "Software-Concept Office 7.0" in Latin-1: one byte per umlaut, no UTF-8.
    assert data.startswith(b'<?xml version="1.0" encoding="iso-8859-1"')
    assert b"H\xf6he (mm)" in data and "Höhe".encode() not in data
    header, articles, issues = catalog(name)
    assert (header.format_version, header.catalog_id, header.language, header.currency) == (
        "1.2",
        "12120",
        "deu",
        "EUR",
    )
    assert header.supplier_name == "Concept Office Web"
    assert [a.partner_article_number for a in articles] == ["HEXGTIN", "HEEFGTIN"]
    box, bully = articles
    assert (box.short_description, bully.short_description) == ("box classic", "Bully")
    assert "Höhe (mm): 1150" in box.long_description
    assert "Sockelhöhe (mm): 25" in box.long_description
    assert bully.long_description.endswith("Rolle Oberfläche: Weiß")
    assert (box.order_unit, bully.order_unit) == ("C62", "C62")  # written "Stück"
    # Two prices per article: the net customer price wins over the net list price (332.50).
    assert (box.price, box.price_type, box.currency) == (Decimal("222.77"), "net_customer", "EUR")
    assert (bully.price, bully.price_type, bully.price_quantity) == (
        Decimal("113.50"),
        "net_customer",
        Decimal(1),
    )
    assert (box.manufacturer_article_number, box.manufacturer_name) == ("GTIN_12345", "ABC")
    assert issues == []


# -- openTRANS ---------------------------------------------------------------------------------


def ot(name: str):
    return parse_answer((WILD / name).read_bytes())


def test_opentrans_dispatchnotification_carrier_from_deliverer_code_remark():
    answer = ot("opentrans_naugrimm_dispatchnotification.xml")
    assert (answer.kind, answer.order_number, answer.document_id) == (
        "dispatch_notification",
        "GWAHJV-160131-1470",
        "39076516",
    )
    assert answer.issued_at.date() == date(2016, 1, 31)
    assert answer.tracking_numbers == ["1Z7318301287125572", "00000000305474401482"]
    assert answer.carrier == "Trans-O-Flex GmbH & Co. KG"
    assert [(l.line_no, l.status, l.quantity, l.supplier_article_number) for l in answer.lines] == [
        (1, "shipped", Decimal(1), "123002"),
        (2, "shipped", Decimal(2), "123001"),
        (3, "shipped", Decimal(3), "123003"),
    ]


def test_opentrans_orderresponse_with_delivery_date():
    answer = ot("opentrans_naugrimm_orderresponse.xml")
    assert (answer.kind, answer.order_number) == ("order_response", "GWAHJV-160131-1470")
    assert answer.issued_at == datetime.fromisoformat("2018-06-25T11:31:21+02:00")
    assert answer.delivery_date == date(2018, 6, 27)
    assert [(l.line_no, l.status, l.quantity, l.supplier_article_number) for l in answer.lines] == [
        (1, "confirmed", Decimal(1), "123002"),
        (2, "confirmed", Decimal(2), "123001"),
        (3, "confirmed", Decimal(3), "123003"),
    ]


def test_opentrans_minimal_orderresponse():
    answer = ot("opentrans_naugrimm_minimal_orderresponse.xml")
    assert answer.order_number == "order-id-1" and answer.issued_at.date() == date(2020, 1, 27)
    [line] = answer.lines
    assert (line.status, line.quantity, line.unit, line.supplier_article_number) == (
        "confirmed",
        Decimal(5),
        "C62",
        "product-number-1",
    )


def test_opentrans_dispatchnotification_with_package_and_deliverer_party():
    answer = ot("opentrans_stapel_dispatchnotification.xml")
    assert (answer.order_number, answer.document_id) == ("ORD112", "LA86")
    assert answer.delivery_date == date(2009, 5, 25)  # the end of the delivery window
    assert answer.tracking_numbers == ["PACK-04943"]
    assert answer.carrier == "Transportation Services Inc."
    [line] = answer.lines
    assert (line.quantity, line.supplier_article_number) == (Decimal(4000), "SG8")


@pytest.mark.parametrize(
    "name, prices",
    [
        ("opentrans_naugrimm_order.xml", ["868.0", "136.0", "386.0"]),
        ("opentrans_naugrimm_order_project.xml", ["868.0", "136.0", "72.0"]),
    ],
)
def test_opentrans_orders_read_on_the_partner_side(name, prices):
    order = parse_order((WILD / name).read_bytes())
    assert order.order_number == "ORDER_180801-004" and order.customer_number == "123456"
    assert [(i.supplier_article_number, i.quantity, i.price, i.gtin) for i in order.items] == [
        ("123002", Decimal(1), Decimal(prices[0]), "0190198870803"),
        ("123003", Decimal(2), Decimal(prices[1]), "8806084080233"),
        ("123001", Decimal(3), Decimal(prices[2]), "0888793383537"),
    ]


def test_opentrans_order_with_item_delivery_date():
    data = (WILD / "opentrans_naugrimm_order_item_delivery_date.xml").read_bytes()
    order = parse_order(data)
    [item] = order.items
    assert (item.supplier_article_number, item.quantity, item.unit) == (
        "product-number-1",
        Decimal(10),
        "C62",
    )


def test_opentrans_order_with_signature_and_unusual_unit():
    order = parse_order((WILD / "opentrans_stapel_order_signature.xml").read_bytes())
    assert order.order_number == "OID1"
    [item] = order.items
    assert (item.quantity, item.unit) == (Decimal(1), "04")


# -- EDIFACT answers ---------------------------------------------------------------------------


def edi(name: str):
    return parse_answers((WILD / name).read_bytes())


def test_desadv_batch_of_eight_messages():
    answers = edi("desadv_bots_batch.edi")
    assert [a.document_id for a in answers] == [f"VERZENDVB{n}" for n in range(8, 0, -1)]
    assert [a.order_number for a in answers] == [str(n) for n in range(124, 116, -1)]
    first = answers[0]
    assert first.issued_at.date() == date(2013, 1, 23)
    assert first.delivery_date == date(1998, 11, 1)  # DTM+17, estimated delivery
    assert [l.quantity for l in first.lines][:3] == [Decimal(1), Decimal(20), Decimal(300)]
    assert first.lines[-1].quantity == Decimal("121212121212.121")
    assert answers[-1].delivery_date is None


def test_desadv_with_packages_sscc_and_all_dates():
    first, second, third = edi("desadv_bots_packages.edi")
    assert (first.document_id, first.order_number) == ("1923", "ref1234")
    assert first.tracking_numbers == []  # GIN+EU is a product id, not a package
    assert [(l.line_no, l.quantity) for l in first.lines] == [(1, Decimal(48)), (2, Decimal(192))]
    assert (second.document_id, second.order_number) == ("DOCNUM", "BYORDNUM")
    assert second.tracking_numbers == ["354123450000000014"]  # GIN+BJ: the package SSCC
    assert second.dates["despatched"] == date(1999, 12, 31)
    assert second.dates["requested"] == date(1999, 12, 31)
    assert second.delivery_date == date(1999, 12, 31)
    assert third.order_number == "BYORDNUM"


def test_desadv_with_batch_number_and_many_date_qualifiers():
    [answer] = edi("desadv_bots_batch_number.edi")
    assert (answer.document_id, answer.order_number) == ("DOCNUM", "BYORDNUM")
    assert set(answer.dates) == {
        "estimated_delivery",
        "earliest_delivery",
        "latest_delivery",
        "requested",
    }
    [line] = answer.lines
    assert (line.line_no, line.quantity, line.status) == (123, Decimal(123), "shipped")


@pytest.mark.parametrize("name", ["desadv_phpedifact_d96a.edi", "desadv_phpedifact_utf8.edi"])
def test_desadv_without_document_date_uses_the_despatch_date(name):
    [answer] = edi(name)
    assert (answer.document_id, answer.order_number) == ("Y02197250", "6877871")
    assert answer.issued_at.date() == date(2016, 7, 26)  # no DTM+137: DTM+11
    assert answer.dates == {"despatched": date(2016, 7, 26)}
    assert answer.delivery_date is None  # a despatch date is not a delivery date
    # RFF+LI in the line names the buyer's order line.
    assert [(l.line_no, l.quantity) for l in answer.lines] == [
        (6877871, Decimal(1)),
        (6905456, Decimal(1)),
    ]


# ORDRSP written by library suppliers for the Evergreen ILS (book trade, D.96A): none is one
# OrderHub can apply. The messages OrderHub would need are checked on the raw segments, so the
# refusal is known to be about the envelope or the missing order number, not a misread.


def _segments(name: str):
    return read_segments((WILD / name).read_bytes())


def test_baker_and_taylor_order_responses_in_a_functional_group_with_backorders():
    # Three ORDRSP in one UNG … UNE group (UNZ counts the group); per line QTY+21 ordered,
    # QTY+12 shipped now, QTY+83 backordered (FTX code 03 says the same in the book trade's list).
    answers = edi("ordrsp_evergreen_bakertaylor_group.edi")
    assert [(a.order_number, a.document_id, len(a.lines)) for a in answers] == [
        ("E07158FIC", "582822", 18),
        ("E07159ANF", "582828", 20),
        ("E07160FIC", "582830", 20),
    ]
    first = answers[0]
    assert first.issued_at == datetime(2007, 6, 18, tzinfo=LOCAL_TZ)
    assert first.sender_id == "1556150"
    one, two, _, four = first.lines[:4]
    assert (one.line_no, one.status, one.quantity, one.ordered_quantity) == (
        1,
        "confirmed",
        Decimal(4),
        Decimal(4),
    )
    assert one.backordered_quantity is None and two.quantity == Decimal(1)
    # LIN+4+24 (accepted with amendment): nothing now, both copies later.
    assert (four.status, four.quantity, four.backordered_quantity) == (
        "backordered",
        Decimal(2),
        Decimal(2),
    )
    # One copy now, two later.
    ten = next(line for line in answers[1].lines if line.line_no == 10)
    assert (ten.status, ten.ordered_quantity, ten.quantity, ten.backordered_quantity) == (
        "backordered",
        Decimal(3),
        Decimal(3),
        Decimal(2),
    )
    statuses = [line.status for a in answers for line in a.lines]
    assert (statuses.count("confirmed"), statuses.count("backordered")) == (30, 28)


def test_ingram_order_response_eancom_in_a_group_with_reduced_and_cancelled_lines():
    (answer,) = edi("ordrsp_evergreen_ingram_group.edi")
    assert (answer.order_number, answer.document_id, answer.sender_id) == ("17", "17", "1697978")
    assert answer.issued_at == datetime(2010, 9, 2, tzinfo=LOCAL_TZ)
    assert [
        (line.line_no, line.status, line.ordered_quantity, line.quantity) for line in answer.lines
    ] == [
        (27, "confirmed", Decimal(19), Decimal(19)),  # LIN+27+5: accepted as ordered
        (30, "changed", Decimal(4), Decimal(1)),  # LIN+30+24: one of four
        (38, "rejected", Decimal(4), Decimal(0)),  # LIN+38+2: deleted
        (40, "rejected", Decimal(3), Decimal(0)),
    ]


def test_functional_group_with_a_wrong_count_is_refused_naming_the_segment():
    data = (WILD / "ordrsp_evergreen_ingram_group.edi").read_bytes()
    with pytest.raises(FormatError, match=r"\(UNE\): UNE counts '2' messages, the group has 1"):
        parse_answers(data.replace(b"UNE+1+", b"UNE+2+"))
    with pytest.raises(FormatError, match=r"functional group not closed by UNE"):
        parse_answers(data.replace(b"UNE+1+00000000000003'", b""))


@pytest.mark.parametrize(
    "name, document_id, first_line_reference, lines",
    [
        ("ordrsp_evergreen_brodart_po6.edi", "6", "6/1", 4),
        ("ordrsp_evergreen_brodart_67_lines.edi", "HOGJ-037", "17621/1", 67),
    ],
)
def test_ordrsp_naming_the_order_only_inside_line_references_is_refused(
    name, document_id, first_line_reference, lines
):
    segments = _segments(name)
    # Brodart (syntax UNOA:4, UNA with repetition separator "*") writes no RFF+ON: the order is
    # named only as "<order>/<line>" in each line's RFF+LI, a convention OrderHub does not guess.
    assert [s.component(1, 0) for s in segments if s.tag == "BGM"] == [document_id]
    references = [
        s.component(0, 1) for s in segments if s.tag == "RFF" and s.component(0, 0) == "LI"
    ]
    assert references[0] == first_line_reference and len(references) == lines
    assert not any(s.tag == "RFF" and s.component(0, 0) == "ON" for s in segments)
    with pytest.raises(FormatError, match=r"ORDRSP does not name the order \(RFF\+ON\)"):
        edi(name)


def test_edifact_with_utf8_byte_order_mark_is_read_past_the_mark():
    name = "invoic_edifabric_bom.edi"
    data = (WILD / name).read_bytes()
    assert data.startswith(b"\xef\xbb\xbfUNB+UNOB:1+") and b"'\r\n" in data
    interchange = read_interchange(data)
    assert (interchange.sender, interchange.recipient, interchange.reference) == (
        "102096559TEST",
        "PARTNERID",
        "131",
    )
    assert interchange.syntax == "UNOB"
    assert interchange.prepared == datetime(2007, 11, 1, 17, 1, tzinfo=LOCAL_TZ)
    [message] = interchange.messages
    assert (message.type, message.reference, message.identifier) == (
        "INVOIC",
        "509010117",
        ["INVOIC", "D", "00A", "UN"],
    )
    # An invoice is no answer OrderHub applies: refused for that, not for the mark.
    with pytest.raises(FormatError, match="expected ORDRSP or DESADV messages, got INVOIC"):
        edi(name)


# -- EDIFACT orders (the partner side: the simulator reads these) ------------------------------


def orders(name: str):
    return parse_orders((WILD / name).read_bytes())


def test_orders_eancom_d01b_with_lin_supplier_numbers():
    order = orders("orders_phpedifact_d01b_ean010.edi")
    assert order.order_number == "2019265563" and order.order_date.date() == date(2018, 12, 5)
    assert order.buyer.gln == "4250159300001" and order.supplier.gln == "4399901760448"
    assert [i.supplier_article_number for i in order.items][:3] == ["1001", "1007", "1011"]
    assert [i.quantity for i in order.items][:3] == [Decimal(2), Decimal(2), Decimal(1)]
    assert order.items[0].description == "Butter 40x250g Alu"
    assert order.items[0].unit == "GBND"  # as sent (a 4-letter code no UN/ECE list has)


@pytest.mark.parametrize(
    "name, number",
    [
        ("orders_bots_single.edi", "T0000000001"),
        ("orders_bots_wrapped_lines.edi", "T0000000015"),  # wrapped into 80-character lines
    ],
)
def test_orders_bots_single_message(name, number):
    order = orders(name)
    assert order.order_number == number and order.order_date.date() == date(2005, 8, 19)
    [item] = order.items
    assert (item.gtin, item.quantity) == ("2000100873151", Decimal(1))


@pytest.mark.parametrize(
    "name, message",
    [
        ("orders_bots_orders96.edi", "expected one message per interchange, found 2"),
        ("orders_bots_two_interchanges.edi", "a second interchange in the same file"),
        ("orders_pydifact_ean008.edi", "does not end with UNZ"),  # the test file is cut short
        ("orders_pydifact_plain.edi", "does not end with UNZ"),
        (
            "orders_pydifact_wikipedia_de.edi",
            "UNZ reference '1234567' does not match UNB reference",
        ),
    ],
)
def test_orders_refused_with_a_clear_reason(name, message):
    with pytest.raises(FormatError, match=message.replace("(", r"\(")):
        orders(name)


@pytest.mark.parametrize(
    "name, number, gtin, description",
    [
        (
            "bmecat2005_weidmueller_1609801044.xml",
            "1609801044",
            "04008190397111",
            "Klemmenmarkierung",
        ),
        ("bmecat2005_weidmueller_7760056069.xml", "7760056069", "04032248855865", "Relais"),
    ],
)
def test_bmecat2005_vendor_catalog_with_price_element_without_amount(
    name, number, gtin, description
):
    header, [article], [issue] = catalog(name)
    assert header.format_version == "2005" and header.language == "deu"
    assert (article.partner_article_number, article.gtin) == (number, gtin)
    assert article.short_description == description  # the deu text of deu/eng
    assert article.order_unit == "C62"
    assert article.price is None  # the vendor left the amount out …
    assert "without PRICE_AMOUNT" in issue.message  # … and the import says so
