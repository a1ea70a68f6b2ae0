"""One named test per class of defect found with documents written by others (issue 12).

The corpus under ``data/wild`` (test_wild_corpus.py) shows them on real files; these tests pin
each class with the smallest document that has it.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from orderhub.formats import FormatError, partner_json
from orderhub.formats.catalog_reader import read_catalog
from orderhub.formats.edifact.answer_reader import parse_answer as parse_edifact_answer
from orderhub.formats.edifact.answer_reader import parse_answers
from orderhub.formats.edifact.order_writer import write_orders
from orderhub.formats.edifact.partner import write_ordrsp
from orderhub.formats.opentrans import order_writer
from orderhub.formats.opentrans.answer_reader import parse_answer as parse_opentrans_answer
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.formats.opentrans.partner import write_order_response
from orderhub.formats.units import UNIT_NAMES, unit_code

DATA = Path(__file__).parent / "data" / "documents"


@pytest.fixture
def order():
    return partner_json.parse_order((DATA / "order.json").read_bytes())


def _bmecat_1(unit: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<BMECAT version="1.2"><HEADER><CATALOG><LANGUAGE>deu</LANGUAGE><CATALOG_ID>C</CATALOG_ID>
<CATALOG_VERSION>1.0</CATALOG_VERSION></CATALOG></HEADER><T_NEW_CATALOG>
<ARTICLE><SUPPLIER_AID>U-1</SUPPLIER_AID><ARTICLE_DETAILS><DESCRIPTION_SHORT>x</DESCRIPTION_SHORT>
</ARTICLE_DETAILS><ARTICLE_ORDER_DETAILS><ORDER_UNIT>{unit}</ORDER_UNIT>
</ARTICLE_ORDER_DETAILS></ARTICLE></T_NEW_CATALOG></BMECAT>""".encode()


# -- free-text order units ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, code",
    [
        ("Stück", "C62"),
        ("Stk", "C62"),
        ("Stk.", "C62"),
        ("ST", "C62"),
        ("PCE", "C62"),
        ("Packung", "PK"),
        ("Pack", "PK"),
        ("Paar", "PR"),
        ("Karton", "CT"),
        ("Set", "SET"),
        ("Beutel", "BG"),
        ("Rolle", "RO"),
        ("Flasche", "BO"),
        ("Liter", "LTR"),
        ("ml", "MLT"),
        ("m", "MTR"),
        ("C62", "C62"),
        ("pr", "PR"),
        ("", "C62"),
    ],
)
def test_free_text_order_unit_is_mapped_to_rec20_at_import(text, code):
    [article] = list(read_catalog(_bmecat_1(text)))
    assert article.order_unit == code
    rows = f"Artikelnummer;Bezeichnung;Einheit\nU-1;x;{text}\n".encode()
    [article] = list(read_catalog(rows))
    assert article.order_unit == code


def test_every_unit_of_the_table_is_a_schema_code():
    from orderhub.formats.units import rec20_codes

    assert set(UNIT_NAMES) <= rec20_codes()
    assert unit_code("Blister") is None


def test_unknown_order_unit_is_an_import_issue():
    items = list(read_catalog(_bmecat_1("Blister")))
    issues = [i for i in items if not hasattr(i, "order_unit")]
    [article] = [i for i in items if hasattr(i, "order_unit")]
    assert article.order_unit == "Blister"
    assert len(issues) == 1 and "Blister" in issues[0].message and "Rec 20" in issues[0].message
    csv_items = list(read_catalog(b"Artikelnummer;Einheit\nU-2;Blister\n"))
    assert any("Blister" in getattr(i, "message", "") for i in csv_items)


def test_order_with_unit_that_is_no_code_is_never_sent(order):
    order.items[0].unit = "Blister"
    with pytest.raises(FormatError, match="not a UN/ECE Recommendation 20 code"):
        write_order(order)
    with pytest.raises(FormatError, match="at most 3 characters"):
        write_orders(order, interchange_ref="X1")


def test_order_with_free_text_unit_is_written_with_its_code(order):
    order.items[0].unit = "Packung"
    data = write_order(order)  # validated against the XSD inside write_order
    assert b">PK</bmecat:ORDER_UNIT>" in data or b">PK</ORDER_UNIT>" in data
    assert b"QTY+21:" in write_orders(order, interchange_ref="X1")
    assert ":PK'" in write_orders(order, interchange_ref="X1").decode("latin-1")


def test_opentrans_order_is_validated_before_it_is_handed_to_a_channel(order, monkeypatch):
    real = order_writer._control_info

    def broken(header):  # a writer bug: an element the XSD does not allow
        real(header)
        etree.SubElement(header, f"{{{order_writer.OT_NS}}}NOT_IN_THE_XSD")

    monkeypatch.setattr(order_writer, "_control_info", broken)
    with pytest.raises(FormatError, match="would not be valid, so it is not sent") as refused:
        write_order(copy.deepcopy(order))
    # The tree is checked as built; the refusal still says where, from the bytes parsed again.
    assert "NOT_IN_THE_XSD" in refused.value.message and "line " in refused.value.message


def test_answer_echoes_the_order_unit():
    from datetime import datetime

    from orderhub.formats.documents import AnswerLine, PartnerAnswer, aware

    answer = PartnerAnswer(
        kind="order_response",
        order_number="OH-1",
        document_id="R1",
        issued_at=aware(datetime(2026, 1, 5, 10, 0)),
        lines=[AnswerLine(line_no=1, status="confirmed", quantity=Decimal(2), unit="PR")],
    )
    edi = write_ordrsp(answer, sender_id="S", recipient_id="R", interchange_ref="1")
    assert "QTY+113:2:PR'" in edi.decode("latin-1")
    assert parse_edifact_answer(edi).lines[0].unit == "PR"
    xml = write_order_response(answer)
    assert parse_opentrans_answer(xml).lines[0].unit == "PR"


# -- prices ------------------------------------------------------------------------------------


def _bmecat_prices(prices: str, order_details: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005"><HEADER><CATALOG>
<LANGUAGE>deu</LANGUAGE><CATALOG_ID>C</CATALOG_ID><CATALOG_VERSION>1.0</CATALOG_VERSION>
<CURRENCY>EUR</CURRENCY></CATALOG></HEADER><T_NEW_CATALOG><PRODUCT>
<SUPPLIER_PID>P-1</SUPPLIER_PID><PRODUCT_DETAILS><DESCRIPTION_SHORT>x</DESCRIPTION_SHORT>
</PRODUCT_DETAILS><PRODUCT_ORDER_DETAILS><ORDER_UNIT>C62</ORDER_UNIT>{order_details}
</PRODUCT_ORDER_DETAILS><PRODUCT_PRICE_DETAILS>{prices}</PRODUCT_PRICE_DETAILS>
</PRODUCT></T_NEW_CATALOG></BMECAT>""".encode()


def _split(items):
    items = list(items)
    articles = [i for i in items if hasattr(i, "order_unit")]
    issues = [i for i in items if not hasattr(i, "order_unit")]
    return articles, issues


def test_price_keeps_four_decimals_and_the_price_quantity():
    data = _bmecat_prices(
        '<PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>17.779</PRICE_AMOUNT></PRODUCT_PRICE>',
        "<PRICE_QUANTITY>100</PRICE_QUANTITY>",
    )
    [article], issues = _split(read_catalog(data))
    assert issues == []
    assert article.price_amount == Decimal("17.779")
    assert article.price_quantity == Decimal(100)
    assert article.price == Decimal("0.17779")  # one piece, not rounded to 0.18 or 0.1778


@pytest.mark.parametrize(
    "types, chosen",
    [
        (("gros_list", "nrp", "net_list", "net_customer"), "net_customer"),
        (("gros_list", "nrp", "net_list"), "net_list"),
        (("gros_list", "nrp"), "nrp"),
        (("gros_list",), "gros_list"),
    ],
)
def test_price_type_is_chosen_by_the_documented_rule(types, chosen):
    amounts = {"net_customer": "10.5", "net_list": "12", "nrp": "20", "gros_list": "14.28"}
    prices = "".join(
        f'<PRODUCT_PRICE price_type="{t}"><PRICE_AMOUNT>{amounts[t]}</PRICE_AMOUNT></PRODUCT_PRICE>'
        for t in types
    )
    [article], issues = _split(read_catalog(_bmecat_prices(prices)))
    assert article.price_type == chosen and article.price == Decimal(amounts[chosen])
    assert bool(issues) == (chosen in ("nrp", "gros_list"))  # no net price: said so


def test_lowest_lower_bound_wins_within_one_price_type():
    prices = (
        '<PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>9</PRICE_AMOUNT>'
        "<LOWER_BOUND>10</LOWER_BOUND></PRODUCT_PRICE>"
        '<PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>11</PRICE_AMOUNT>'
        "<LOWER_BOUND>1</LOWER_BOUND></PRODUCT_PRICE>"
    )
    [article], _ = _split(read_catalog(_bmecat_prices(prices)))
    assert article.price == Decimal(11)


def test_price_element_without_amount_is_an_issue():
    prices = (
        '<PRODUCT_PRICE price_type="net_list"><PRICE_CURRENCY>EUR</PRICE_CURRENCY></PRODUCT_PRICE>'
    )
    [article], [issue] = _split(read_catalog(_bmecat_prices(prices)))
    assert article.price is None
    assert "without PRICE_AMOUNT" in issue.message and issue.partner_article_number == "P-1"


@pytest.mark.parametrize(
    "header, price_type",
    [
        ("EK", "net_customer"),
        ("Einkaufspreis", "net_customer"),
        ("EK netto", "net_customer"),
        ("Listenpreis", "net_list"),
        ("Preis", "net_list"),
        ("UVP", "nrp"),
        ("Bruttopreis", "gros_list"),
    ],
)
def test_csv_german_price_headers_name_the_price_type(header, price_type):
    [article] = list(read_catalog(f"Artikelnummer;{header}\nA-1;12,3456\n".encode()))
    assert article.price == Decimal("12.3456") and article.price_type == price_type


def test_csv_with_several_price_columns_takes_the_rule_order():
    data = b"Artikelnummer;UVP;Listenpreis;EK netto\nA-1;30;20;15\nA-2;30;20;\n"
    first, second = list(read_catalog(data))
    assert (first.price, first.price_type) == (Decimal(15), "net_customer")
    assert (second.price, second.price_type) == (Decimal(20), "net_list")


# -- silent losses -----------------------------------------------------------------------------


def test_csv_header_order_number_is_the_article_number():
    [article] = list(read_catalog(b"Order number,Description,Price\nX-9,Dome,1.25\n"))
    assert article.partner_article_number == "X-9" and article.price == Decimal("1.25")


# -- dates -------------------------------------------------------------------------------------

from datetime import date  # noqa: E402


def _ordrsp_xml(date_text: str, delivery: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ORDERRESPONSE xmlns="http://www.opentrans.org/XMLSchema/2.1" version="2.1">
<ORDERRESPONSE_HEADER><ORDERRESPONSE_INFO><ORDER_ID>OH-1</ORDER_ID>
<ORDERRESPONSE_DATE>{date_text}</ORDERRESPONSE_DATE>{delivery}</ORDERRESPONSE_INFO>
</ORDERRESPONSE_HEADER><ORDERRESPONSE_ITEM_LIST><ORDERRESPONSE_ITEM>
<LINE_ITEM_ID>1</LINE_ITEM_ID><QUANTITY>2</QUANTITY></ORDERRESPONSE_ITEM>
</ORDERRESPONSE_ITEM_LIST></ORDERRESPONSE>""".encode()


@pytest.mark.parametrize(
    "text, day",
    [
        ("20200901", date(2020, 9, 1)),
        ("20200901T1430", date(2020, 9, 1)),
        ("20200901T143000+0200", date(2020, 9, 1)),
        ("01.09.2020", date(2020, 9, 1)),
        ("2020-09-01T14:30:00+02:00", date(2020, 9, 1)),
    ],
)
def test_opentrans_answer_dates_in_basic_format_are_read(text, day):
    delivery = (
        f"<DELIVERY_DATE><DELIVERY_START_DATE>{text}</DELIVERY_START_DATE>"
        f"<DELIVERY_END_DATE>{text}</DELIVERY_END_DATE></DELIVERY_DATE>"
    )
    answer = parse_opentrans_answer(_ordrsp_xml(text, delivery))
    assert answer.issued_at.date() == day and answer.delivery_date == day


def _edi(message_type: str, body: str, unb_date: str = "200901:1015") -> bytes:
    segments = [s for s in body.strip().split("\n") if s]
    count = len(segments) + 2
    association = {"ORDRSP": "EAN005", "DESADV": "EAN005"}[message_type]
    return (
        f"UNA:+.? 'UNB+UNOC:3+4012345000009:14+ORDERHUB:ZZZ+{unb_date}+R1'"
        f"UNH+1+{message_type}:D:96A:UN:{association}'"
        + "".join(segments)
        + f"UNT+{count}+1'UNZ+1+R1'"
    ).encode()


def test_edifact_answer_dates_are_chosen_by_qualifier_not_file_order():
    data = _edi(
        "ORDRSP",
        """
BGM+231+AB-1+29'
DTM+137:20200901:102'
DTM+2:20200905:102'
DTM+11:20200907:102'
DTM+69:20200910:102'
RFF+ON:OH-1'
LIN+1+5'
QTY+113:2'
DTM+2:20200905:102'
DTM+69:20200912:102'
""",
    )
    answer = parse_edifact_answer(data)
    assert answer.delivery_date == date(2020, 9, 10)  # DTM+69, not the first DTM
    assert answer.dates == {
        "requested": date(2020, 9, 5),
        "despatched": date(2020, 9, 7),
        "promised": date(2020, 9, 10),
    }
    assert answer.lines[0].delivery_date == date(2020, 9, 12)
    assert answer.lines[0].dates["requested"] == date(2020, 9, 5)


def test_edifact_requested_date_is_never_reported_as_promised():
    data = _edi(
        "ORDRSP",
        "BGM+231+AB-1+29'\nDTM+137:20200901:102'\nDTM+2:20200905:102'\n"
        "RFF+ON:OH-1'\nLIN+1+5'\nQTY+113:2'\n",
    )
    answer = parse_edifact_answer(data)
    assert answer.delivery_date is None and answer.dates["requested"] == date(2020, 9, 5)


def test_desadv_despatch_date_is_not_the_delivery_date_and_estimated_arrival_is():
    data = _edi(
        "DESADV",
        "BGM+351+LS-1+9'\nDTM+137:20200901:102'\nDTM+11:20200902:102'\n"
        "DTM+132:20200904:102'\nRFF+ON:OH-1'\nCPS+1'\nLIN+1'\nQTY+12:2'\n",
    )
    answer = parse_edifact_answer(data)
    assert answer.delivery_date == date(2020, 9, 4)
    assert answer.dates["despatched"] == date(2020, 9, 2)


# -- dispatch notifications --------------------------------------------------------------------


def test_desadv_without_document_date_takes_despatch_date_then_unb_date():
    body = "BGM+351+LS-1+9'\nDTM+11:20200902:102'\nRFF+ON:OH-1'\nCPS+1'\nLIN+1'\nQTY+12:2'\n"
    assert parse_edifact_answer(_edi("DESADV", body)).issued_at.date() == date(2020, 9, 2)
    body = "BGM+351+LS-1+9'\nRFF+ON:OH-1'\nCPS+1'\nLIN+1'\nQTY+12:2'\n"
    issued = parse_edifact_answer(_edi("DESADV", body)).issued_at
    assert (issued.date(), issued.hour, issued.minute) == (date(2020, 9, 1), 10, 15)
    with pytest.raises(FormatError, match="DTM\\+137"):  # an ORDRSP still needs its date
        parse_edifact_answer(_edi("ORDRSP", "BGM+231+AB-1+29'\nRFF+ON:OH-1'\n"))


def test_desadv_package_sscc_is_a_tracking_number():
    data = _edi(
        "DESADV",
        """
BGM+351+LS-1+9'
DTM+137:20200901:102'
RFF+ON:OH-1'
NAD+CA+++DPD Deutschland'
CPS+1'
PAC+1++CT'
GIN+BJ+340123450000000017+340123450000000024'
LIN+1++4012345000016:SRV'
PIA+1+1001:SA'
QTY+12:2'
""",
    )
    answer = parse_edifact_answer(data)
    assert answer.tracking_numbers == ["340123450000000017", "340123450000000024"]
    assert answer.carrier == "DPD Deutschland"
    assert answer.lines[0].supplier_article_number == "1001"


def _dispatch_xml(parties: str = "", remarks: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<DISPATCHNOTIFICATION xmlns="http://www.opentrans.org/XMLSchema/2.1"
 xmlns:bmecat="http://www.bmecat.org/bmecat/2005" version="2.1">
<DISPATCHNOTIFICATION_HEADER><DISPATCHNOTIFICATION_INFO>
<DISPATCHNOTIFICATION_ID>LS-1</DISPATCHNOTIFICATION_ID>
<DISPATCHNOTIFICATION_DATE>2020-09-01</DISPATCHNOTIFICATION_DATE>
<PARTIES>{parties}</PARTIES>{remarks}
</DISPATCHNOTIFICATION_INFO></DISPATCHNOTIFICATION_HEADER><DISPATCHNOTIFICATION_ITEM_LIST>
<DISPATCHNOTIFICATION_ITEM><LINE_ITEM_ID>1</LINE_ITEM_ID><QUANTITY>1</QUANTITY>
<ORDER_REFERENCE><ORDER_ID>OH-1</ORDER_ID></ORDER_REFERENCE></DISPATCHNOTIFICATION_ITEM>
</DISPATCHNOTIFICATION_ITEM_LIST></DISPATCHNOTIFICATION>""".encode()


def test_opentrans_carrier_from_contact_name_or_deliverer_code_remark():
    party = (
        '<PARTY><bmecat:PARTY_ID type="supplier_specific">D1</bmecat:PARTY_ID>'
        "<PARTY_ROLE>deliverer</PARTY_ROLE><ADDRESS><CONTACT_DETAILS>"
        "<bmecat:CONTACT_NAME>UPS</bmecat:CONTACT_NAME></CONTACT_DETAILS></ADDRESS></PARTY>"
    )
    assert parse_opentrans_answer(_dispatch_xml(parties=party)).carrier == "UPS"
    remark = '<REMARKS type="delivererCode">GLS</REMARKS>'
    assert parse_opentrans_answer(_dispatch_xml(remarks=remark)).carrier == "GLS"


def test_opentrans_1_0_is_refused_saying_so():
    data = b"""<?xml version="1.0"?><ORDERRESPONSE version="1.0"><ORDERRESPONSE_HEADER>
<ORDERRESPONSE_INFO><ORDER_ID>1</ORDER_ID></ORDERRESPONSE_INFO></ORDERRESPONSE_HEADER>
</ORDERRESPONSE>"""
    with pytest.raises(FormatError, match="openTRANS 1.0 document; OrderHub reads openTRANS 2.1"):
        parse_opentrans_answer(data)


def test_edifact_answer_with_byte_order_mark_and_crlf_is_read():
    data = _edi(
        "DESADV",
        "BGM+351+LS-9+9'\nDTM+137:20200901:102'\nRFF+ON:OH-1'\nCPS+1'\nLIN+1'\nQTY+12:2'\n",
    )
    data = b"\xef\xbb\xbf" + data.replace(b"'", b"'\r\n")
    [answer] = parse_answers(data)
    assert (answer.document_id, answer.lines[0].quantity) == ("LS-9", Decimal(2))
