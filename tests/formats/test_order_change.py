"""Order changes (openTRANS ORDERCHANGE, EDIFACT ORDCHG D.96A) and goods receipts (openTRANS
RECEIPTACKNOWLEDGEMENT): every written document validates — XSD, the D.96A ORDCHG structure,
Bots' grammar in strict mode — reads back equal, and says what a person would check."""

from __future__ import annotations

import copy
import importlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from orderhub.formats import FormatError, change_answers, gs1
from orderhub.formats.changes import (
    GoodsReceipt,
    LineChange,
    OrderChange,
    ReceivedLine,
    apply_change,
    check_change,
    receipt_line,
)
from orderhub.formats.documents import (
    LOCAL_TZ,
    AnswerLine,
    OrderDocument,
    OrderItem,
    PartnerAnswer,
    Party,
)
from orderhub.formats.edifact.changes import write_ordchg
from orderhub.formats.edifact.partner import parse_ordchg
from orderhub.formats.edifact.structure import check_structure
from orderhub.formats.edifact.syntax import read_segments
from orderhub.formats.opentrans.changes import write_order_change, write_receipt_acknowledgement
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.formats.opentrans.partner import parse_order_change, parse_receipt_acknowledgement
from orderhub.formats.opentrans.schema import validate
from simulator.http_partner import change_from_event

from .bots_grammar import bots_errors, bots_tree, install
from .conftest import STANDARDS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "partner-formats.md"
DOCS_SECTION = "## Order changes, goods receipts and GS1 scans"


def example_order() -> OrderDocument:
    """The order of the examples in docs/partner-formats.md."""
    return OrderDocument(
        order_number="OH-2026-000123",
        order_date=datetime(2026, 1, 15, 10, 30, tzinfo=LOCAL_TZ),
        buyer=Party(
            role="buyer",
            party_id="K-4711",
            name="Hörakustik Muster GmbH",
            street="Hauptstraße 1",
            postal_code="10115",
            city="Berlin",
        ),
        supplier=Party(
            role="supplier",
            party_id="sonora",
            gln="4012345000009",
            name="Sonora Hörsysteme GmbH",
            street="Am Hörweg 5",
            postal_code="20095",
            city="Hamburg",
        ),
        customer_number="K-4711",
        recipient_id="4012345000009",
        items=[
            OrderItem(
                line_no=1,
                quantity=Decimal(2),
                supplier_article_number="SN-R-312",
                gtin="04012345678901",
                description="Hörer M, rechts",
                price=Decimal("12.50"),
            ),
            OrderItem(
                line_no=2,
                quantity=Decimal(1),
                unit="PR",
                supplier_article_number="DOME-8-M",
                description="Schirmchen 8 mm",
            ),
        ],
    )


def example_change() -> OrderChange:
    return OrderChange(
        order_number="OH-2026-000123",
        sequence=1,
        issued_at=datetime(2026, 1, 16, 9, 0, tzinfo=LOCAL_TZ),
        lines=[
            LineChange(line_no=1, quantity=Decimal(3), delivery_date=date(2026, 1, 30)),
            LineChange(line_no=2, removed=True, note="nicht mehr nötig"),
        ],
        added=[
            OrderItem(
                line_no=3,
                quantity=Decimal(2),
                supplier_article_number="WAX-GUARD-6",
                description="Cerumenfilter, 6 Stück",
            )
        ],
        note="Patient wünscht ein Gerät mehr",
    )


def example_cancel() -> OrderChange:
    return OrderChange(
        order_number="OH-2026-000123",
        sequence=2,
        issued_at=datetime(2026, 1, 17, 8, 15, tzinfo=LOCAL_TZ),
        kind="cancel",
        note="Patient hat storniert",
    )


#: The boxes of line 1 as scanned at the practice: GS1 DataMatrix, GTIN + expiry + lot + serial.
SCANS = [
    "]d2" + "0104012345678901" + "17281200" + "10L2601A" + "\x1d" + "21SN40021",
    "]d2" + "0104012345678901" + "17281200" + "10L2601A" + "\x1d" + "21SN40022",
    "]d2" + "0104012345678901" + "17290600" + "10L2602B" + "\x1d" + "21SN40023",
]


def example_receipt() -> GoodsReceipt:
    line = receipt_line(1, [gs1.parse(s, today=date(2026, 1, 20)) for s in SCANS], complete=True)
    return GoodsReceipt(
        document_id="WE-2026-0042",
        order_number="OH-2026-000123",
        received_at=datetime(2026, 1, 20, 11, 5, tzinfo=LOCAL_TZ),
        issued_at=datetime(2026, 1, 20, 11, 7, tzinfo=LOCAL_TZ),
        dispatch_id="LS-2026-0815",
        lines=[line],
    )


def _segments(data: bytes) -> list[str]:
    return data.decode("latin-1").split("'")


# --------------------------------------------------------------------------- the ORDCHG structure


def _bots_tree(message: str) -> list:
    install()
    from bots.botsconfig import ID, LEVEL, MAX, MIN

    module = importlib.import_module(f"edi_parser.grammars.edifact.D96A.{message}D96AUN")
    counter = [0]

    def convert(record: dict) -> tuple:
        if record.get(LEVEL):
            counter[0] += 1
            group = f"SG{counter[0]}"
            children = [("segment", record[ID], 1, True)] + [convert(c) for c in record[LEVEL]]
            return ("group", group, record[MAX], record[MIN] > 0, children)
        return ("segment", record[ID], record[MAX], record[MIN] > 0)

    unh = module.structure[0]
    return [("segment", "UNH", 1, True)] + [convert(c) for c in unh[LEVEL]]


def _xml_tree(path: Path) -> list:
    def convert(element: etree._Element) -> tuple:
        entry = (
            element.get("id"),
            int(element.get("maxrepeat")),
            element.get("required") == "true",
        )
        if element.tag == "group":
            return ("group", *entry, [convert(c) for c in element])
        return ("segment", *entry)

    root = etree.parse(str(path)).getroot()
    return [convert(c) for c in root if c.tag in ("segment", "group")]


@pytest.mark.parametrize("message", ["ORDERS", "ORDRSP", "DESADV", "ORDCHG"])
def test_shipped_structures_equal_the_d96a_directory_as_bots_has_it(message):
    # ORDERS/ORDRSP/DESADV came with the team's reference set; ordchg.xml was added the same way.
    path = STANDARDS / "edifact-d96a" / f"{message.lower()}.xml"
    assert _xml_tree(path) == _bots_tree(message)


def test_ordchg_structure_has_the_un_group_numbers():
    root = etree.parse(str(STANDARDS / "edifact-d96a" / "ordchg.xml")).getroot()
    triggers = {g.get("id"): g[0].get("id") for g in root.iter("group")}
    assert triggers["SG1"] == "RFF" and triggers["SG2"] == "AJT" and triggers["SG3"] == "NAD"
    assert triggers["SG26"] == "LIN" and triggers["SG30"] == "PRI" and triggers["SG35"] == "LOC"
    defaults = {d.get("id"): d.get("value") for d in root.iter("data_element")}
    assert defaults == {"0065": "ORDCHG", "0052": "D", "0054": "96A", "0051": "UN"}


# --------------------------------------------------------------------------- EDIFACT ORDCHG


def _ordchg_variants() -> dict[str, tuple[OrderChange, OrderDocument]]:
    gln_buyer = example_order()
    gln_buyer.buyer.gln = "4012345000016"
    date_only = OrderChange(
        order_number="OH-2026-000123",
        sequence=4,
        issued_at=datetime(2026, 1, 18, 12, 0, tzinfo=LOCAL_TZ),
        lines=[LineChange(line_no=2, delivery_date=date(2026, 2, 2))],
    )
    long_text = example_change()
    long_text.note = ("Hinweis ? + : ' " * 15).strip()
    long_text.added[0].description = ("Filter »spezial« + Kappe: 3'5? " * 6).strip()
    long_text.added[0].attributes = {"Farbe": "beige", "Seite": "L"}
    long_text.added[0].gtin = "04012345000016"
    return {
        "change": (example_change(), example_order()),
        "cancel": (example_cancel(), example_order()),
        "gln buyer": (example_change(), gln_buyer),
        "date only": (date_only, example_order()),
        "long text": (long_text, example_order()),
    }


@pytest.mark.parametrize("variant", sorted(_ordchg_variants()))
def test_ordchg_validates_and_reads_back(variant):
    change, order = _ordchg_variants()[variant]
    data = write_ordchg(change, order, interchange_ref="CHG1")
    assert bots_errors(data) == []
    assert check_structure(data, "ORDCHG") == []
    back = parse_ordchg(data)
    assert back == change
    assert back.sender_id == "ORDERHUB"


def test_ordchg_says_what_a_person_checks():
    data = write_ordchg(example_change(), example_order(), interchange_ref="CHG1")
    segments = _segments(data)
    assert "UNH+1+ORDCHG:D:96A:UN:EAN005" in segments
    assert "BGM+230+OH-2026-000123/1+4" in segments  # change request, function 4 = change
    assert "RFF+ON:OH-2026-000123" in segments
    assert "DTM+171:202601151030:203" in segments  # the order's date
    line_1 = segments.index("LIN+1+3+04012345678901:SRV")  # 3 = changed
    assert segments[line_1 + 1 : line_1 + 4] == [
        "PIA+1+SN-R-312:SA",
        "QTY+21:3",
        "DTM+2:20260130:102",
    ]
    line_2 = segments.index("LIN+2+2")  # 2 = deleted
    assert segments[line_2 + 1 : line_2 + 3] == ["PIA+1+DOME-8-M:SA", "FTX+AAI+++nicht mehr nötig"]
    assert "QTY" not in segments[line_2 + 1]
    line_3 = segments.index("LIN+3+1")  # 1 = added
    assert segments[line_3 + 1 : line_3 + 4] == [
        "PIA+1+WAX-GUARD-6:SA",
        "IMD+F++:::Cerumenfilter, 6 Stück",
        "QTY+21:2",
    ]
    assert "CNT+2:3" in segments
    tree = repr(bots_tree(data))
    assert "'S009.0065': 'ORDCHG'" in tree and "'1225': '4'" in tree and "'1229': '2'" in tree


def test_ordchg_cancellation_is_message_function_1_without_lines():
    data = write_ordchg(example_cancel(), example_order(), interchange_ref="CHG2")
    segments = _segments(data)
    assert "BGM+230+OH-2026-000123/2+1" in segments
    assert not [s for s in segments if s.startswith(("LIN", "CNT"))]
    assert "UNS+S" in segments
    assert parse_ordchg(data).kind == "cancel"


def test_bots_refuses_a_broken_ordchg():
    data = write_ordchg(example_change(), example_order(), interchange_ref="CHG1")
    count = data.split(b"UNT+")[1].split(b"+")[0]
    broken = data.replace(b"UNS+S'", b"XXX+1'UNS+S'").replace(
        b"UNT+" + count, b"UNT+" + str(int(count) + 1).encode()
    )
    assert any("not allowed here" in e for e in bots_errors(broken))
    assert check_structure(broken, "ORDCHG")
    too_long = data.replace(b"QTY+21:3'", b"QTY+21:3:PAIRS'")
    assert any("too big" in e for e in bots_errors(too_long))


def _edit(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace ``old`` by ``new`` and count the message's segments again in UNT."""
    assert old in data
    edited = data.replace(old, new)
    tags = [segment.tag for segment in read_segments(edited)]
    count = tags.index("UNT") - tags.index("UNH") + 1
    return re.sub(rb"UNT\+[0-9]+\+", b"UNT+%d+" % count, edited)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b"RFF+ON:OH-2026-000123'", b"", "does not name the order (RFF+ON)"),
        (b"BGM+230+OH-2026-000123/1+4'", b"BGM+230+OH-2026-000123/1+9'", "message function '9'"),
        (b"BGM+230+OH-2026-000123/1+4'", b"BGM+220+OH-2026-000123/1+4'", "an order change is 230"),
        (b"BGM+230+OH-2026-000123/1+4'", b"BGM+230+AEND-77+4'", "which change of order"),
        (b"LIN+1+3+", b"LIN+1+5+", "line action '5' is none of 1 (added)"),
        (b"LIN+1+3+", b"LIN+X+3+", "line number 'X'"),
        (b"QTY+21:3'DTM+2:20260130:102'", b"", "says neither a new quantity"),
        (b"QTY+21:2'", b"", "added line 3 has no QTY+21"),
        (b"DTM+137:202601160900:203'", b"", "no document date (DTM+137)"),
        (b"QTY+21:3'", b"QTY+21:drei'", "QTY is not a number"),
    ],
)
def test_ordchg_reader_names_the_problem(old, new, words):
    data = write_ordchg(example_change(), example_order(), interchange_ref="CHG1")
    with pytest.raises(FormatError) as raised:
        parse_ordchg(_edit(data, old, new))
    assert words in str(raised.value)


def test_ordchg_sequence_from_a_reference_version():
    data = write_ordchg(example_change(), example_order(), interchange_ref="CHG1")
    data = data.replace(b"BGM+230+OH-2026-000123/1+4'", b"BGM+230+AEND-77+4'").replace(
        b"RFF+ON:OH-2026-000123'", b"RFF+ON:OH-2026-000123::7'"
    )
    change = parse_ordchg(data)
    assert (change.order_number, change.sequence) == ("OH-2026-000123", 7)


def test_ordchg_refuses_an_order_number_that_does_not_fit():
    order = example_order()
    order.order_number = "X" * 34
    change = example_change()
    change.order_number = order.order_number
    with pytest.raises(FormatError, match="document_id is longer than the 35"):
        write_ordchg(change, order, interchange_ref="CHG1")


# --------------------------------------------------------------------------- openTRANS ORDERCHANGE


def _xml(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    return root


@pytest.mark.parametrize("variant", sorted(_ordchg_variants()))
def test_orderchange_validates_and_reads_back(variant):
    change, order = _ordchg_variants()[variant]
    data = write_order_change(change, order)
    validate(data)
    assert parse_order_change(data, order=order) == change


def test_orderchange_says_what_a_person_checks():
    data = write_order_change(example_change(), example_order())
    root = _xml(data)
    info = root.find("ORDERCHANGE_HEADER/ORDERCHANGE_INFO")
    assert info.findtext("ORDER_ID") == "OH-2026-000123"
    assert info.findtext("ORDERCHANGE_DATE") == "2026-01-16T09:00:00+01:00"
    assert info.findtext("ORDER_DATE") == "2026-01-15T10:30:00+01:00"
    assert info.findtext("ORDERCHANGE_SEQUENCE_ID") == "1"
    assert info.findtext("HEADER_UDX/UDX.ORDERHUB.CHANGE") == "change"
    assert info.findtext("REMARKS") == "Patient wünscht ein Gerät mehr"
    items = root.findall("ORDERCHANGE_ITEM_LIST/ORDER_ITEM")
    assert [
        (
            i.findtext("LINE_ITEM_ID"),
            i.findtext("QUANTITY"),
            i.findtext("ITEM_UDX/UDX.ORDERHUB.ACTION"),
        )
        for i in items
    ] == [("1", "3", "changed"), ("2", "0", "deleted"), ("3", "2", "added")]
    assert items[0].findtext("DELIVERY_DATE/DELIVERY_END_DATE") == "2026-01-30"
    assert items[0].findtext("PRICE_LINE_AMOUNT") == "37.5"
    assert items[1].findtext("PRODUCT_ID/SUPPLIER_PID") == "DOME-8-M"
    assert root.findtext("ORDERCHANGE_SUMMARY/TOTAL_ITEM_NUM") == "3"


def test_orderchange_cancellation():
    data = write_order_change(example_cancel(), example_order())
    validate(data)
    root = _xml(data)
    assert root.findtext(".//HEADER_UDX/UDX.ORDERHUB.CHANGE") == "cancel"
    assert [i.findtext("QUANTITY") for i in root.iter("ORDER_ITEM")] == ["0", "0"]
    assert parse_order_change(data) == example_cancel()


def _without_udx(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for udx in root.xpath("//*[local-name()='HEADER_UDX' or local-name()='ITEM_UDX']"):
        udx.getparent().remove(udx)
    return etree.tostring(root)


def test_orderchange_of_another_system_is_read_by_comparing_with_the_order():
    order = example_order()
    data = _without_udx(write_order_change(example_change(), order))
    validate(data)
    assert parse_order_change(data, order=order) == example_change()
    # Without the order, each line with a quantity is a change to that quantity.
    alone = parse_order_change(data)
    assert [(line.line_no, line.quantity, line.removed) for line in alone.lines] == [
        (1, Decimal(3), False),
        (2, None, True),
        (3, Decimal(2), False),
    ]
    cancel = _without_udx(write_order_change(example_cancel(), order))
    assert parse_order_change(cancel).kind == "cancel"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b"<ORDERCHANGE_SEQUENCE_ID>1<", b"<ORDERCHANGE_SEQUENCE_ID>eins<", "not a whole number"),
        (b"<ORDER_ID>OH-2026-000123</ORDER_ID>", b"", "ORDERCHANGE_INFO has no ORDER_ID"),
        (b"<QUANTITY>3</QUANTITY>", b"<QUANTITY>drei</QUANTITY>", "QUANTITY is not a number"),
    ],
)
def test_orderchange_reader_names_the_problem(old, new, words):
    data = write_order_change(example_change(), example_order())
    assert old in data
    with pytest.raises(FormatError, match=words):
        parse_order_change(data.replace(old, new))
    with pytest.raises(FormatError, match="expected an openTRANS ORDERCHANGE"):
        parse_order_change(write_order(example_order()))


# --------------------------------------------------------------------------- change rules


def _broken(**edits) -> OrderChange:
    change = example_change()
    for name, value in edits.items():
        setattr(change, name, value)
    return change


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_broken(kind="replace"), "neither 'change' nor 'cancel'"),
        (_broken(sequence=0), "the first change is 1"),
        (_broken(order_number="OH-2026-000999"), "not OH-2026-000123"),
        (_broken(kind="cancel"), "it lists no lines"),
        (_broken(lines=[], added=[]), "changes no line"),
        (_broken(lines=[LineChange(1, Decimal(1)), LineChange(1, Decimal(2))]), "changed twice"),
        (_broken(lines=[LineChange(7, Decimal(1))]), "line 7 is not a line of order"),
        (_broken(lines=[LineChange(1)]), "line 1: nothing changes"),
        (_broken(lines=[LineChange(1, Decimal(0))]), "mark it removed"),
        (_broken(lines=[LineChange(2, Decimal(1), removed=True)]), "removed and changed"),
        (_broken(added=[OrderItem(2, Decimal(1))]), "already has a line 2"),
        (_broken(added=[OrderItem(5, Decimal(-1))]), "added line 5: quantity -1"),
    ],
)
def test_changes_a_partner_could_not_apply_are_refused(change, words):
    with pytest.raises(FormatError, match=re.escape(words)):
        check_change(change, example_order())
    with pytest.raises(FormatError, match=re.escape(words)):
        write_ordchg(change, example_order(), interchange_ref="CHG1")
    with pytest.raises(FormatError, match=re.escape(words)):
        write_order_change(change, example_order())


def test_apply_change():
    order = example_order()
    changed = apply_change(order, example_change())
    assert [(i.line_no, i.quantity, i.supplier_article_number) for i in changed.items] == [
        (1, Decimal(3), "SN-R-312"),
        (3, Decimal(2), "WAX-GUARD-6"),
    ]
    assert [i.quantity for i in order.items] == [Decimal(2), Decimal(1)]  # unchanged
    assert apply_change(order, example_cancel()).items == []


# --------------------------------------------------------------------------- RECEIPTACKNOWLEDGEMENT


def test_receipt_line_from_gs1_scans():
    line = example_receipt().lines[0]
    assert line.quantity == Decimal(3)
    assert line.gtin == "04012345678901"
    assert line.serial_numbers == ["SN40021", "SN40022", "SN40023"]
    assert line.lot_numbers == ["L2601A", "L2602B"]
    # The same box scanned twice counts once.
    twice = [gs1.parse(s) for s in [SCANS[0], SCANS[0], SCANS[1]]]
    assert receipt_line(1, twice).quantity == Decimal(2)
    other = gs1.parse("0109501101020917" + "21X")
    with pytest.raises(FormatError, match="different GTINs"):
        receipt_line(1, [gs1.parse(SCANS[0]), other])
    with pytest.raises(FormatError, match="no scans"):
        receipt_line(1, [])


def test_receipt_acknowledgement_validates_and_reads_back():
    receipt = example_receipt()
    data = write_receipt_acknowledgement(receipt, example_order())
    validate(data)
    back = parse_receipt_acknowledgement(data)
    expected = copy.deepcopy(receipt)
    expected.lines[0].supplier_article_number = "SN-R-312"  # from the order line
    expected.buyer_id, expected.supplier_id = "K-4711", "sonora"
    assert back == expected


def test_receipt_acknowledgement_says_what_a_person_checks():
    data = write_receipt_acknowledgement(example_receipt(), example_order())
    root = _xml(data)
    info = root.find("RECEIPTACKNOWLEDGEMENT_HEADER/RECEIPTACKNOWLEDGEMENT_INFO")
    assert info.findtext("RECEIPTACKNOWLEDGEMENT_ID") == "WE-2026-0042"
    assert info.findtext("RECEIPT_DATE") == "2026-01-20T11:05:00+01:00"
    assert info.findtext("SHIPMENT_PARTIES_REFERENCE/DELIVERY_IDREF") == "K-4711"
    buyer = info.find("PARTIES/PARTY")
    assert [r.text for r in buyer.findall("PARTY_ROLE")] == ["buyer", "delivery"]
    item = root.find("RECEIPTACKNOWLEDGEMENT_ITEM_LIST/RECEIPTACKNOWLEDGEMENT_ITEM")
    assert item.findtext("QUANTITY") == "3"
    assert [s.text for s in item.findall("PRODUCT_ID/SERIAL_NUMBER")] == [
        "SN40021",
        "SN40022",
        "SN40023",
    ]
    assert [s.text for s in item.findall("PRODUCT_ID/LOT_NUMBER")] == ["L2601A", "L2602B"]
    assert item.findtext("PRODUCT_ID/INTERNATIONAL_PID") == "04012345678901"
    assert item.findtext("DELIVERY_COMPLETED") == "true"
    assert item.findtext("ORDER_REFERENCE/ORDER_ID") == "OH-2026-000123"
    assert item.findtext("ORDER_REFERENCE/LINE_ITEM_ID") == "1"
    assert item.findtext("DELIVERY_REFERENCE/DELIVERYNOTE_ID") == "LS-2026-0815"


def test_receipt_acknowledgement_without_the_order():
    receipt = GoodsReceipt(
        document_id="WE-1",
        order_number="OH-2026-000123",
        received_at=datetime(2026, 1, 20, 11, 5, tzinfo=LOCAL_TZ),
        lines=[
            ReceivedLine(1, Decimal(1), serial_numbers=["A1"]),
            ReceivedLine(2, Decimal(0), unit="PR", complete=False, note="fehlt"),
        ],
        buyer_id="K-4711",
        supplier_id="sonora",
        note="Karton beschädigt",
    )
    data = write_receipt_acknowledgement(receipt)
    validate(data)
    back = parse_receipt_acknowledgement(data)
    receipt.issued_at = receipt.received_at  # written as the document date too
    assert back == receipt


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ({"document_id": ""}, "needs a document id"),
        ({"order_number": "OH-2026-000999"}, "not OH-2026-000123"),
        ({"lines": []}, "at least one line"),
        ({"lines": [ReceivedLine(9, Decimal(1))]}, "line 9 is not a line of order"),
        ({"lines": [ReceivedLine(1, Decimal(-1))]}, "received quantity -1"),
        ({"lines": [ReceivedLine(1, Decimal(1), serial_numbers=["S" * 81])]}, "80 characters"),
    ],
)
def test_receipt_acknowledgement_refuses(edit, words):
    receipt = example_receipt()
    for name, value in edit.items():
        setattr(receipt, name, value)
    with pytest.raises(FormatError, match=words):
        write_receipt_acknowledgement(receipt, example_order())


def test_receipt_acknowledgement_for_one_order_only():
    data = write_receipt_acknowledgement(example_receipt(), example_order())
    root = etree.fromstring(data)
    item = root.xpath("//*[local-name()='RECEIPTACKNOWLEDGEMENT_ITEM']")[0]
    second = copy.deepcopy(item)
    second.xpath(".//*[local-name()='ORDER_ID']")[0].text = "OH-2026-000124"
    item.addnext(second)
    with pytest.raises(FormatError, match="one RECEIPTACKNOWLEDGEMENT per order"):
        parse_receipt_acknowledgement(etree.tostring(root))


# --------------------------------------------------------------------------- properties

_TEXT = st.text(
    st.characters(
        codec="latin-1",
        exclude_categories=("Cc", "Cs", "Cf", "Zs", "Zl", "Zp"),
        include_characters=" ",
    ),
    min_size=1,
    max_size=40,
).filter(str.strip)


@st.composite
def order_changes(draw):
    order = example_order()
    if draw(st.booleans()):
        return example_cancel(), order
    lines = []
    for item in order.items:
        what = draw(st.sampled_from(["keep", "quantity", "date", "both", "remove"]))
        if what == "keep":
            continue
        quantity = (
            draw(st.decimals(min_value=Decimal("0.5"), max_value=999, places=1))
            if what in ("quantity", "both")
            else None
        )
        day = (
            draw(st.dates(date(2026, 1, 1), date(2030, 12, 31)))
            if what in ("date", "both")
            else None
        )
        note = draw(st.one_of(st.just(""), _TEXT))
        lines.append(
            LineChange(
                item.line_no,
                quantity=quantity,
                delivery_date=day,
                removed=what == "remove",
                note=note,
            )
        )
    added = [
        OrderItem(
            line_no=10 + index,
            quantity=Decimal(draw(st.integers(1, 50))),
            supplier_article_number=draw(st.text("ABCDEFGHIJ0123456789-", min_size=1, max_size=20)),
            description=draw(st.one_of(st.just(""), _TEXT)),
        )
        for index in range(draw(st.integers(0 if lines else 1, 3)))
    ]
    change = OrderChange(
        order_number=order.order_number,
        sequence=draw(st.integers(1, 999)),
        issued_at=datetime(2026, 2, 1, 8, 0, tzinfo=LOCAL_TZ),
        lines=lines,
        added=added,
        note=draw(st.one_of(st.just(""), _TEXT)),
    )
    return change, order


def _stripped(change: OrderChange) -> OrderChange:
    """What a format carries of free text: trimmed lines (EDIFACT and XML both trim)."""
    result = copy.deepcopy(change)
    result.note = result.note.strip()
    for line in result.lines:
        line.note = line.note.strip()
    for item in result.added:
        item.description = item.description.strip()
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order_changes())
def test_every_change_validates_and_reads_back_in_both_formats(pair):
    change, order = pair
    edi = write_ordchg(change, order, interchange_ref="P1")
    assert check_structure(edi, "ORDCHG") == []
    assert bots_errors(edi) == []
    assert parse_ordchg(edi) == _stripped(change)
    xml = write_order_change(change, order)
    validate(xml)
    assert parse_order_change(xml, order=order) == _stripped(change)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_readers_raise_only_format_error(data):
    seed = write_ordchg(example_change(), example_order(), interchange_ref="X")
    for candidate in (data, seed[: len(data)], seed.replace(b"+", data[:3] or b"+", 1)):
        for reader in (
            parse_ordchg,
            parse_order_change,
            parse_receipt_acknowledgement,
        ):
            try:
                reader(candidate)
            except FormatError:
                pass


# --------------------------------------------------------------------------- the docs examples


def _docs_blocks() -> list[tuple[str, str]]:
    text = DOCS.read_text(encoding="utf-8")
    assert DOCS_SECTION in text, f"{DOCS_SECTION!r} missing in {DOCS}"
    section = text.split(DOCS_SECTION, 1)[1]
    return re.findall(r"```([a-z]*)\n(.*?)```", section, flags=re.S)


def _docs_block(kind: str, first_line: str) -> str:
    blocks = [body for info, body in _docs_blocks() if info == kind and body.startswith(first_line)]
    assert len(blocks) == 1, f"no single {kind} block starting with {first_line!r} in the docs"
    return blocks[0]


def test_docs_ordchg_example_is_what_orderhub_writes():
    head = "UNA:+.? '\nUNB+UNOC:3+ORDERHUB:ZZZ+4012345000009:14+"
    written = write_ordchg(example_change(), example_order(), interchange_ref="CHG1")
    shown = _docs_block("edifact", head + "260116").replace("\n", "").encode("latin-1")
    assert shown == written
    assert bots_errors(shown) == []
    cancel = write_ordchg(example_cancel(), example_order(), interchange_ref="CHG2")
    shown = _docs_block("edifact", head + "260117").replace("\n", "").encode("latin-1")
    assert shown == cancel
    assert bots_errors(shown) == []


def test_docs_orderchange_and_receipt_examples_are_what_orderhub_writes():
    change = _docs_block("xml", "<?xml version='1.0' encoding='UTF-8'?>\n<ORDERCHANGE")
    assert change.encode() == write_order_change(example_change(), example_order())
    validate(change.encode())
    receipt = _docs_block("xml", "<?xml version='1.0' encoding='UTF-8'?>\n<RECEIPTACKNOWLEDGEMENT")
    assert receipt.encode() == write_receipt_acknowledgement(example_receipt(), example_order())
    validate(receipt.encode())


def test_docs_gs1_examples_read_as_documented():
    lines = [line for line in _docs_block("text", "]d2").splitlines() if line.strip()]
    scans = [line.replace("<GS>", "\x1d") for line in lines]
    assert scans[:3] == SCANS
    read = [gs1.parse(scan, today=date(2026, 1, 20)) for scan in scans]
    assert read[3].elements == read[0].elements  # the printed form reads as the scan
    section = DOCS.read_text(encoding="utf-8").split(DOCS_SECTION, 1)[1]
    rows = re.findall(
        r"^\| ([0-9]) \| ([0-9]{14}) \| ([0-9-]{10}) \| (\S+) \| (\S+) \|$", section, re.M
    )
    assert len(rows) == 3
    for (number, gtin, expiry, lot, serial), scan in zip(rows, read, strict=False):
        assert (scan.gtin, scan.expiry.isoformat(), scan.lot, scan.serial) == (
            gtin,
            expiry,
            lot,
            serial,
        ), number
    # The error messages quoted in the docs are the parser's.
    for text, message in (
        ("]d20109501101020918", "GS1 AI (01), position 19: check digit of GTIN 09501101020918"),
        ("]d2010950110102091710" + "A" * 21, "GS1 AI (10), position 22: BATCH/LOT has 21"),
    ):
        with pytest.raises(gs1.GS1Error) as raised:
            gs1.parse(text)
        assert str(raised.value).startswith(message)
        assert str(raised.value).split(": ", 1)[1] in " ".join(section.split())


def test_docs_receipt_event_example_is_what_orderhub_writes():
    """The JSON twin of the RECEIPTACKNOWLEDGEMENT (webhook partners) as the docs show it."""
    shown = _docs_block("json", '{\n  "format": "orderhub.goods_receipt.v1"')
    written = change_answers.write_receipt_event(example_receipt(), example_order())
    assert shown.encode() == written + b"\n"
    back = change_answers.read_receipt_event(shown.encode())
    expected = copy.deepcopy(example_receipt())
    expected.lines[0].supplier_article_number = "SN-R-312"  # from the order line
    expected.buyer_id = "K-4711"
    assert back == expected
    # The same receipt in both formats: what one says, the other says.
    xml = parse_receipt_acknowledgement(
        write_receipt_acknowledgement(example_receipt(), example_order())
    )
    xml.supplier_id = ""
    assert xml == back


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ({"document_id": " "}, "needs a document id"),
        ({"order_number": "OH-2026-000999"}, "not OH-2026-000123"),
        ({"lines": []}, "at least one line"),
        ({"lines": [ReceivedLine(9, Decimal(1))]}, "line 9 is not a line of order"),
        ({"lines": [ReceivedLine(1, Decimal("NaN"))]}, "received quantity NaN"),
    ],
)
def test_receipt_event_refuses_what_the_acknowledgement_refuses(edit, words):
    receipt = example_receipt()
    for name, value in edit.items():
        setattr(receipt, name, value)
    with pytest.raises(FormatError, match=words):
        change_answers.write_receipt_event(receipt, example_order())
    with pytest.raises(FormatError, match=words):
        write_receipt_acknowledgement(receipt, example_order())


def test_receipt_event_reader_names_what_is_wrong():
    with pytest.raises(FormatError, match="not an orderhub.goods_receipt.v1 event"):
        change_answers.read_receipt_event(b'{"format": "orderhub.order_change.v1"}')
    with pytest.raises(FormatError, match="not JSON"):
        change_answers.read_receipt_event(b"<xml/>")
    event = change_answers.receipt_event_payload(example_receipt(), example_order())
    del event["received_at"]
    with pytest.raises(FormatError, match="received_at"):
        change_answers.read_receipt_event(json.dumps(event).encode())


def test_docs_change_event_and_change_replies_are_what_orderhub_writes():
    """The JSON change event, an ORDRSP refusing the change and a JSON acceptance, as the docs
    show them: written by OrderHub's writers, valid, and read as documented."""
    shown = _docs_block("json", '{\n  "format": "orderhub.order_change.v1"')
    assert (
        shown.encode()
        == change_answers.write_change_event(example_change(), example_order()) + b"\n"
    )
    event = change_from_event(shown.encode())
    assert (event.order_number, event.sequence, event.kind) == ("OH-2026-000123", 1, "change")
    assert [(l.line_no, l.quantity, l.removed) for l in event.lines] == [
        (1, Decimal(3), False),
        (2, None, True),
    ]
    assert [i.line_no for i in event.added] == [3]

    refusal = PartnerAnswer(
        kind="order_response",
        order_number="OH-2026-000123",
        document_id="AB-2026-0816",
        issued_at=datetime(2026, 1, 16, 11, 0, tzinfo=LOCAL_TZ),
        lines=[
            AnswerLine(1, "confirmed", Decimal(2)),
            AnswerLine(2, "confirmed", Decimal(1), unit="PR"),
        ],
        note="Bereits kommissioniert",
    )
    head = "UNA:+.? '\nUNB+UNOC:3+4012345000009:14+ORDERHUB:ZZZ+260116:1100"
    shown = _docs_block("edifact", head).replace("\n", "").encode("latin-1")
    assert shown == change_answers.write_ordrsp_change_reply(
        refusal, 1, False, sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="R1"
    )
    assert check_structure(shown, "ORDRSP") == [] and bots_errors(shown) == []
    reply = change_answers.read_change_reply("edifact", shown)
    assert (reply.sequence, reply.accepted, reply.note) == (1, False, "Bereits kommissioniert")

    shown = _docs_block("json", '{"kind": "change_response"')
    accepted = change_answers.ChangeReply(
        order_number="OH-2026-000123",
        sequence=1,
        accepted=True,
        document_id="AB-2026-0817",
        issued_at=datetime(2026, 1, 16, 11, 0, tzinfo=LOCAL_TZ),
    )
    assert shown.encode() == change_answers.write_json_change_reply(accepted) + b"\n"
    reply = change_answers.read_change_reply("json", shown.encode())
    assert (reply.sequence, reply.accepted, reply.document_id) == (1, True, "AB-2026-0817")


def test_docs_opentrans_change_acceptance_is_valid_and_reads_as_documented():
    """The docs show the ORDERRESPONSE accepting change 1 indented for reading; it is valid and
    says what OrderHub's own reply writer says."""
    shown = _docs_block("xml", "<?xml version='1.0' encoding='UTF-8'?>\n<ORDERRESPONSE").encode()
    validate(shown)
    answer = PartnerAnswer(
        kind="order_response",
        order_number="OH-2026-000123",
        document_id="AB-2026-0818",
        issued_at=datetime(2026, 1, 16, 11, 0, tzinfo=LOCAL_TZ),
        lines=[AnswerLine(1, "confirmed", Decimal(3)), AnswerLine(3, "confirmed", Decimal(2))],
    )
    written = change_answers.write_opentrans_change_reply(answer, 1, True)
    reply = change_answers.read_change_reply("opentrans", shown)
    assert (reply.order_number, reply.sequence, reply.accepted) == ("OH-2026-000123", 1, True)
    assert reply == change_answers.read_change_reply("opentrans", written)
    assert [(l.line_no, l.quantity) for l in reply.answer.lines] == [(1, 3), (3, 2)]
