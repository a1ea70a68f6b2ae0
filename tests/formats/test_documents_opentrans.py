"""openTRANS 2.1: everything we write validates against the official XSD, and reads back."""

from __future__ import annotations

import copy
import socket
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from orderhub.formats import FormatError, partner_json
from orderhub.formats.documents import (
    AnswerLine,
    OrderDocument,
    OrderItem,
    PartnerAnswer,
    Party,
    standards_path,
)
from orderhub.formats.opentrans import schema
from orderhub.formats.opentrans.answer_reader import parse_answer as parse_opentrans_answer
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.formats.opentrans.partner import (
    parse_order,
    write_dispatch_notification,
    write_order_response,
)
from orderhub.formats.opentrans.schema import BMECAT_NS, OT_NS, validate

DATA = Path(__file__).parent / "data" / "documents"
EXAMPLES = standards_path("opentrans-2.1", "examples")
NS = {"ot": OT_NS, "bmecat": BMECAT_NS}


@pytest.fixture
def order() -> OrderDocument:
    return partner_json.parse_order((DATA / "order.json").read_bytes())


@pytest.fixture
def response() -> PartnerAnswer:
    return partner_json.parse_answer((DATA / "order_response.json").read_bytes())


@pytest.fixture
def dispatch() -> PartnerAnswer:
    return partner_json.parse_answer((DATA / "dispatch_notification.json").read_bytes())


def minimal_order() -> OrderDocument:
    return OrderDocument(
        order_number="OH-1",
        order_date=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        buyer=Party(role="buyer"),
        supplier=Party(role="supplier"),
        items=[OrderItem(line_no=1, quantity=Decimal("1"))],
    )


def xpath(data: bytes, path: str) -> list:
    return etree.fromstring(data).xpath(path, namespaces=NS)


# --------------------------------------------------------------------------- ORDER


def test_order_validates_against_the_xsd_and_reads_back(order):
    data = write_order(order)
    validate(data)
    assert parse_order(data) == order


def test_minimal_order_without_ids_prices_or_delivery_validates(order):
    data = write_order(minimal_order())
    validate(data)
    parsed = parse_order(data)
    assert parsed.buyer.party_id is None and parsed.supplier.party_id is None
    assert parsed.customer_number == ""
    assert xpath(data, "//ot:ORDER_SUMMARY/ot:TOTAL_AMOUNT") == []


def test_order_carries_the_mapping_partners_rely_on(order):
    data = write_order(order)
    root = etree.fromstring(data)
    assert root.get("type") == "standard" and root.get("version") == "2.1"
    assert xpath(data, "string(//ot:ORDER_INFO/ot:ORDER_ID)") == "OH-2026-000123"
    assert xpath(data, "string(//ot:ORDER_INFO/ot:ORDER_DATE)") == "2026-01-15T10:30:00+01:00"
    buyer_id = xpath(data, "//ot:PARTY[ot:PARTY_ROLE='buyer']/bmecat:PARTY_ID")[0]
    assert (buyer_id.get("type"), buyer_id.text) == ("supplier_specific", "K-4711")
    assert xpath(data, "string(//bmecat:BUYER_IDREF)") == "K-4711"
    assert (
        xpath(data, "string(//ot:PARTY[ot:PARTY_ROLE='supplier']/bmecat:PARTY_ID[@type='gln'])")
        == "4012345000009"
    )
    assert xpath(data, "string(//ot:DELIVERY_IDREF)") == "F1"
    assert (
        xpath(data, "string(//ot:ORDER_INFO/ot:REMARKS[@type='reference'])") == "Kommission Müller"
    )
    assert (
        xpath(data, "string(//ot:ORDER_INFO/ot:REMARKS[@type='general'])")
        == "Bitte bis Freitag liefern.\nDanke!"
    )
    first = xpath(data, "//ot:ORDER_ITEM")[0]
    assert first.xpath("string(ot:PRODUCT_ID/bmecat:SUPPLIER_PID)", namespaces=NS) == "SN-R-312"
    assert (
        first.xpath("string(ot:PRODUCT_ID/bmecat:INTERNATIONAL_PID[@type='gtin'])", namespaces=NS)
        == "4012345678901"
    )
    assert (
        first.xpath("string(ot:PRODUCT_ID/bmecat:INTERNATIONAL_PID[@type='hmv'])", namespaces=NS)
        == "13.20.01.1234"
    )
    assert (
        first.xpath(
            "string(ot:PRODUCT_ID/ot:MANUFACTURER_INFO/bmecat:MANUFACTURER_PID)", namespaces=NS
        )
        == "HR-M-R"
    )
    assert first.xpath("string(ot:PRODUCT_PRICE_FIX/bmecat:PRICE_AMOUNT)", namespaces=NS) == "12.5"
    assert (
        first.xpath(
            "string(ot:PRODUCT_FEATURES/ot:FEATURE[bmecat:FNAME='side']/bmecat:FVALUE)",
            namespaces=NS,
        )
        == "R"
    )
    assert xpath(data, "string(//ot:TOTAL_ITEM_NUM)") == "2"
    assert xpath(data, "string(//ot:TOTAL_AMOUNT)") == "32.9"


def test_same_order_gives_the_same_bytes(order):
    assert write_order(order) == write_order(copy.deepcopy(order))


def test_long_description_goes_out_short_and_complete(order):
    order.items[1].description = "Sehr lange Bezeichnung " * 20
    data = write_order(order)
    validate(data)
    short = xpath(data, "string(//ot:ORDER_ITEM[2]//bmecat:DESCRIPTION_SHORT)")
    assert len(short) == 150
    assert parse_order(data).items[1].description == order.items[1].description.strip()


def test_identifiers_are_never_shortened(order):
    order.items[0].supplier_article_number = "A" * 33
    with pytest.raises(FormatError) as error:
        write_order(order)
    assert error.value.field == "supplier_article_number"


def test_free_text_is_cut_to_the_schema_length(order):
    order.buyer.name = "Hörakustik " * 10
    data = write_order(order)
    validate(data)
    assert len(parse_order(data).buyer.name) == 50


def test_order_without_lines_is_refused():
    doc = minimal_order()
    doc.items = []
    with pytest.raises(FormatError):
        write_order(doc)


# --------------------------------------------------------------------------- shipped examples


def test_shipped_bme_example_parses():
    doc = parse_order((EXAMPLES / "ORDER_example_bme.xml").read_bytes())
    assert doc.order_number == "ORDER_180801-004"
    assert doc.customer_number == "123456"
    assert doc.buyer.name == "ITscope GmbH" and doc.buyer.email == "support@itscope.com"
    assert doc.supplier.party_id == "10000735"
    assert doc.delivery is not None and doc.delivery.city == "Karlsruhe"
    assert doc.note == "hier ist ein Kommentar"
    assert [i.supplier_article_number for i in doc.items] == ["123002", "123003", "123001"]
    assert doc.items[0].gtin == "0190198870803"
    assert doc.items[2].quantity == 3 and doc.items[2].price == Decimal("386.0")
    assert doc.order_date.tzinfo is not None


def test_shipped_minimal_examples_parse():
    doc = parse_order((EXAMPLES / "ORDER_minimal.xml").read_bytes())
    assert doc.order_number == "order-id-1"
    assert doc.items[0].line_no == 1  # LINE_ITEM_ID "line-item-id-1" → position
    assert doc.items[0].quantity == 10
    answer = parse_opentrans_answer((EXAMPLES / "ORDERRESPONSE_minimal.xml").read_bytes())
    assert answer.kind == "order_response"
    assert answer.order_number == "order-id-1"
    assert answer.lines[0].quantity == 5 and answer.lines[0].status == "confirmed"
    assert answer.document_id  # derived from order id, date and sequence


@pytest.mark.parametrize(
    "name", ["ORDER_minimal.xml", "ORDER_example_bme.xml", "ORDERRESPONSE_minimal.xml"]
)
def test_shipped_examples_validate(name):
    validate((EXAMPLES / name).read_bytes())


# --------------------------------------------------------------------------- answers


def test_order_response_validates_and_reads_back(response):
    data = write_order_response(response)
    validate(data)
    assert parse_opentrans_answer(data) == response


def test_dispatch_notification_validates_and_reads_back(dispatch):
    data = write_dispatch_notification(dispatch)
    validate(data)
    assert xpath(data, "string(//ot:SHIPMENT_ID)") == "00340434161234567890"
    assert len(xpath(data, "//ot:PACKAGE_ID[@type='deliverer_specific']")) == 2
    assert parse_opentrans_answer(data) == dispatch


def test_dispatch_notification_without_tracking_or_carrier_validates(dispatch):
    dispatch.tracking_numbers, dispatch.carrier, dispatch.sender_id = [], "", ""
    data = write_dispatch_notification(dispatch)
    validate(data)
    assert parse_opentrans_answer(data) == dispatch


def test_rejected_line_without_quantity_goes_out_as_zero(response):
    response.lines[1] = AnswerLine(line_no=2, status="rejected")
    parsed = parse_opentrans_answer(write_order_response(response))
    assert parsed.lines[1].status == "rejected" and parsed.lines[1].quantity == 0


def test_partner_response_without_status_is_classified_against_the_order(order):
    data = (DATA / "orderresponse_partner.xml").read_bytes()
    validate(data)
    without_order = parse_opentrans_answer(data)
    assert [line.status for line in without_order.lines] == ["confirmed", "confirmed"]
    answer = parse_opentrans_answer(data, order=order)
    assert [line.status for line in answer.lines] == ["confirmed", "changed"]
    assert answer.document_id == "AB-555" and answer.sender_id == "4012345000009"
    assert answer.lines[1].delivery_date == date(2026, 1, 23)
    assert answer.issued_at.utcoffset().total_seconds() == 3600  # naive = German local time


def test_quantity_zero_means_rejected():
    data = (
        (DATA / "orderresponse_partner.xml")
        .read_bytes()
        .replace(b"<QUANTITY>3</QUANTITY>", b"<QUANTITY>0</QUANTITY>")
    )
    assert parse_opentrans_answer(data).lines[1].status == "rejected"


def test_dispatch_notification_for_two_orders_is_refused(dispatch):
    data = write_dispatch_notification(dispatch)
    data = data.replace(
        b"<ORDER_ID>OH-2026-000123</ORDER_ID>\n        <LINE_ITEM_ID>2",
        b"<ORDER_ID>OH-OTHER</ORDER_ID>\n        <LINE_ITEM_ID>2",
    )
    with pytest.raises(FormatError, match="one DISPATCHNOTIFICATION per order"):
        parse_opentrans_answer(data)


def test_writers_refuse_the_wrong_kind(response, dispatch):
    with pytest.raises(FormatError):
        write_order_response(dispatch)
    with pytest.raises(FormatError):
        write_dispatch_notification(response)


# --------------------------------------------------------------------------- malformed input


def test_truncated_xml_names_the_line(order):
    data = write_order(order)
    with pytest.raises(FormatError) as error:
        parse_order(data[: len(data) // 2])
    assert "malformed XML" in str(error.value) and error.value.line


def test_entity_declarations_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE ORDER [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<ORDER xmlns="http://www.opentrans.org/XMLSchema/2.1">&b;</ORDER>'
    )
    with pytest.raises(FormatError, match="entity"):
        parse_order(bomb)
    external = (
        b'<?xml version="1.0"?><!DOCTYPE ORDER [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<ORDER xmlns="http://www.opentrans.org/XMLSchema/2.1">&x;</ORDER>'
    )
    with pytest.raises(FormatError):
        parse_order(external)


@pytest.mark.parametrize("data", [b"", b"\x00\xff\xfe garbage", b"not xml at all", b"<ORDER>"])
def test_garbage_is_a_format_error(data):
    with pytest.raises(FormatError):
        parse_order(data)
    with pytest.raises(FormatError):
        parse_opentrans_answer(data)


def test_wrong_root_and_wrong_namespace(order):
    with pytest.raises(FormatError, match="ORDER"):
        parse_order((EXAMPLES / "ORDERRESPONSE_minimal.xml").read_bytes())
    with pytest.raises(FormatError, match="ORDERRESPONSE or DISPATCHNOTIFICATION"):
        parse_opentrans_answer(write_order(order))
    foreign = write_order(order).replace(OT_NS.encode(), b"urn:other")
    with pytest.raises(FormatError, match="namespace"):
        parse_order(foreign)


def test_missing_order_id_names_the_field(order):
    data = write_order(order).replace(b"<ORDER_ID>OH-2026-000123</ORDER_ID>", b"")
    with pytest.raises(FormatError) as error:
        parse_order(data)
    assert error.value.field == "ORDER_ID"


def test_bad_quantity_names_the_field(order):
    data = write_order(order).replace(b"<QUANTITY>2</QUANTITY>", b"<QUANTITY>zwei</QUANTITY>")
    with pytest.raises(FormatError) as error:
        parse_order(data)
    assert error.value.field == "QUANTITY" and error.value.line


# --------------------------------------------------------------------------- validation


def test_validate_lists_errors_with_lines(order):
    data = write_order(order).replace(b"<bmecat:ORDER_UNIT>C62", b"<bmecat:ORDER_UNIT>XX")
    with pytest.raises(FormatError) as error:
        validate(data)
    assert error.value.line and "ORDER_UNIT" in str(error.value)


def test_schema_is_loaded_once():
    assert schema.schema() is schema.schema()


def test_schema_loads_without_network(monkeypatch):
    schema._schema.cache_clear()

    def no_network(*args, **kwargs):
        raise AssertionError("the schema tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    try:
        assert schema.schema() is not None
    finally:
        monkeypatch.undo()
        schema._schema.cache_clear()


def test_schema_resolver_refuses_remote_urls():
    with pytest.raises(FormatError, match="refusing"):
        schema._LocalOnlyResolver().resolve("http://www.w3.org/2001/XMLSchema.dtd", None, None)


def test_standards_dir_can_be_given(tmp_path):
    with pytest.raises(FormatError, match="cannot load"):
        validate(write_order(minimal_order()), standards_dir=tmp_path)


def test_schema_loaded_and_used_by_many_threads_at_once(order):
    """A worker's sender pool and the simulator's request threads validate concurrently from the
    start: the schema is compiled once, never in two threads at the same time."""
    import threading

    data = write_order(order)
    schema._schema.cache_clear()
    start, errors = threading.Barrier(12), []

    def validate_often():
        start.wait()
        try:
            for _ in range(3):
                validate(data)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=validate_often) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert schema._schema.cache_info().misses == 1
