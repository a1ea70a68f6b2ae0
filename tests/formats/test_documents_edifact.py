"""EDIFACT D.96A (EANCOM style): ORDERS, ORDRSP, DESADV and their message structure."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from orderhub.formats import FormatError, partner_json
from orderhub.formats.documents import AnswerLine, OrderDocument, PartnerAnswer
from orderhub.formats.edifact.answer_reader import parse_answer as parse_edifact_answer
from orderhub.formats.edifact.answer_reader import parse_answers
from orderhub.formats.edifact.order_writer import write_orders
from orderhub.formats.edifact.partner import parse_orders, write_desadv, write_ordrsp
from orderhub.formats.edifact.structure import check_segment_tags, check_structure, structure

DATA = Path(__file__).parent / "data" / "documents"


@pytest.fixture
def order() -> OrderDocument:
    return partner_json.parse_order((DATA / "order.json").read_bytes())


@pytest.fixture
def response() -> PartnerAnswer:
    return partner_json.parse_answer((DATA / "order_response.json").read_bytes())


@pytest.fixture
def dispatch() -> PartnerAnswer:
    return partner_json.parse_answer((DATA / "dispatch_notification.json").read_bytes())


def segments(data: bytes) -> list[str]:
    """The raw segments as text, split on unreleased terminators (for readable assertions)."""
    text = data.decode("latin-1")[9:]
    out, current, released = [], "", False
    for char in text:
        if released:
            current += char
            released = False
        elif char == "?":
            current += char
            released = True
        elif char == "'":
            out.append(current)
            current = ""
        else:
            current += char
    return out


def ordrsp(answer: PartnerAnswer) -> bytes:
    return write_ordrsp(
        answer, sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="R0001"
    )


def desadv(answer: PartnerAnswer) -> bytes:
    return write_desadv(
        answer, sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="D0001"
    )


# --------------------------------------------------------------------------- ORDERS


def test_orders_envelope_and_header(order):
    data = write_orders(order, interchange_ref="IC0001")
    assert data.startswith(b"UNA:+.? '")
    seg = segments(data)
    assert seg[0] == "UNB+UNOC:3+ORDERHUB:ZZZ+4012345000009:14+260115:1030+IC0001"
    assert seg[1] == "UNH+1+ORDERS:D:96A:UN:EAN008"
    assert seg[2] == "BGM+220+OH-2026-000123+9"
    assert seg[3] == "DTM+137:202601151030:203"
    assert "RFF+CR:Kommission Müller" in seg
    assert "NAD+BY+K-4711::91++Hörakustik Muster GmbH+Hauptstraße 1+Berlin++10115+DE" in seg
    assert "NAD+SU+4012345000009::9++Sonora Hörsysteme GmbH+Am Hörweg 5+Hamburg++20095+DE" in seg
    assert "RFF+IA:sonora" in seg
    assert "NAD+DP+F1::92++Filiale Mitte+Hauptstraße 1+Berlin++10115+DE" in seg
    assert "CTA+OC+:Anna Beispiel" in seg and "COM+anna@muster.example:EM" in seg
    assert "LIN+1++4012345678901:EN" in seg  # 13 digits: EN; 14: SRV
    assert "PIA+1+SN-R-312:SA+HR-M-R:MF+13.20.01.1234:ZZZ:HMV" in seg
    assert "IMD+F++:::Hörer M, rechts" in seg
    assert "QTY+21:2" in seg and "QTY+21:1:PR" in seg
    assert "FTX+ZZZ+++side:R" in seg and "PRI+AAA:12.5" in seg
    assert seg[-3:-1] == ["UNS+S", "CNT+2:2"] or seg[-4:-2] == ["UNS+S", "CNT+2:2"]
    unh = seg.index("UNH+1+ORDERS:D:96A:UN:EAN008")
    unt = next(s for s in seg if s.startswith("UNT+"))
    assert unt == f"UNT+{seg.index(unt) - unh + 1}+1"
    assert seg[-1] == "UNZ+1+IC0001"


def test_orders_conforms_to_the_d96a_structure(order):
    assert check_structure(write_orders(order, interchange_ref="1"), "ORDERS") == []


def test_orders_round_trip(order):
    assert parse_orders(write_orders(order, interchange_ref="IC0001")) == order


def test_special_characters_are_released(order):
    order.items[0].description = "Hörer +:'? rechts"
    data = write_orders(order, interchange_ref="1")
    assert "IMD+F++:::Hörer ?+?:?'?? rechts".encode("latin-1") in data
    assert b"PIA+1+DOME?+8?:?'??:SA" in data
    parsed = parse_orders(data)
    assert parsed.items[0].description == "Hörer +:'? rechts"
    assert parsed.items[1].supplier_article_number == "DOME+8:'?"


def test_long_texts_are_split_over_components_and_segments(order):
    description = order.items[1].description
    assert len(description) > 70
    data = write_orders(order, interchange_ref="1")
    seg = segments(data)
    line_two = seg[seg.index("LIN+2") :]
    assert sum(1 for s in line_two if s.startswith("IMD+")) == -(-len(description) // 70)
    assert parse_orders(data).items[1].description == description


def test_text_outside_latin1_is_transliterated(order):
    order.items[0].description = "Hörer für Dvořák ✓"
    data = write_orders(order, interchange_ref="1")
    # ř is not Latin-1 and loses its caron; á is Latin-1 and stays; ✓ has no Latin-1 form.
    assert parse_orders(data).items[0].description == "Hörer für Dvorák ?"


def test_gln_ids_use_qualifier_14_and_others_zzz(order):
    order.sender_id = "4099999000007"
    order.recipient_id = "sonora"
    seg = segments(write_orders(order, interchange_ref="1"))
    assert seg[0].startswith("UNB+UNOC:3+4099999000007:14+sonora:ZZZ+")


def test_buyer_with_gln_sends_customer_number_as_rff_it(order):
    order.buyer.gln = "4099999000007"
    data = write_orders(order, interchange_ref="1")
    seg = segments(data)
    assert "NAD+BY+4099999000007::9++Hörakustik Muster GmbH+Hauptstraße 1+Berlin++10115+DE" in seg
    assert "RFF+IT:K-4711" in seg
    assert check_structure(data) == []
    assert parse_orders(data) == order


def test_the_same_order_gives_the_same_bytes(order):
    assert write_orders(order, interchange_ref="1") == write_orders(
        copy.deepcopy(order), interchange_ref="1"
    )


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda o: setattr(o, "order_number", "X" * 36), "order_number"),
        (lambda o: setattr(o, "recipient_id", ""), "recipient_id"),
        (
            lambda o: setattr(o.items[0], "supplier_article_number", "A" * 36),
            "supplier_article_number",
        ),
        (lambda o: setattr(o.items[0], "line_no", 1_000_000), "line_no"),
    ],
)
def test_orders_writer_refuses_what_edifact_cannot_carry(order, change, field):
    change(order)
    with pytest.raises(FormatError) as error:
        write_orders(order, interchange_ref="1")
    assert error.value.field == field


def test_interchange_reference_is_limited_to_14_characters(order):
    with pytest.raises(FormatError) as error:
        write_orders(order, interchange_ref="X" * 15)
    assert error.value.field == "interchange_ref"


# --------------------------------------------------------------------------- ORDRSP / DESADV


def test_ordrsp_round_trip_and_structure(response):
    data = ordrsp(response)
    seg = segments(data)
    assert "BGM+231+AB-2026-0815+4" in seg
    assert "RFF+ON:OH-2026-000123" in seg
    assert "LIN+1+5" in seg and "LIN+2+3" in seg and "QTY+113:2" in seg
    assert check_structure(data, "ORDRSP") == []
    parsed = parse_edifact_answer(data)
    response.sender_id = "4012345000009"
    assert parsed == response


def test_ordrsp_message_function_follows_the_lines(response):
    response.lines = [AnswerLine(1, "confirmed", Decimal(2))]
    assert "BGM+231+AB-2026-0815+29" in segments(ordrsp(response))
    response.lines = [AnswerLine(1, "rejected")]
    data = ordrsp(response)
    assert "BGM+231+AB-2026-0815+27" in segments(data) and "LIN+1+7" in segments(data)
    assert parse_edifact_answer(data).lines == [AnswerLine(1, "rejected")]


def test_desadv_round_trip_and_structure(dispatch):
    data = desadv(dispatch)
    seg = segments(data)
    assert "BGM+351+LS-2026-4711+9" in seg
    assert "RFF+CN:00340434161234567890" in seg and "RFF+CN:JJD000390007654321" in seg
    assert "TDT+20++++:::DHL" in seg and "QTY+12:2" in seg
    assert check_structure(data, "DESADV") == []
    dispatch.sender_id = "4012345000009"
    assert parse_edifact_answer(data) == dispatch


def test_desadv_refuses_more_tracking_numbers_than_it_can_carry(dispatch):
    dispatch.tracking_numbers = [f"T{i}" for i in range(10)]
    with pytest.raises(FormatError) as error:
        desadv(dispatch)
    assert error.value.field == "tracking_numbers"


def test_partner_ordrsp_in_another_style(order):
    data = (DATA / "ordrsp_partner.edi").read_bytes()
    assert check_structure(data, "ORDRSP") == []
    answer = parse_edifact_answer(data, order=order)
    assert answer.document_id == "AB-9001" and answer.order_number == "OH-2026-000123"
    assert answer.sender_id == "4012345000009"
    # DTM+2 is the date the buyer asked for, not a promise: kept, but not the delivery date.
    assert answer.delivery_date is None
    assert answer.dates == {"requested": date(2026, 1, 21)}
    assert [(l.line_no, l.status, l.quantity) for l in answer.lines] == [
        (1, "confirmed", Decimal(2)),
        (2, "changed", Decimal("0.5")),
        (3, "rejected", None),
    ]
    assert answer.lines[1].supplier_article_number == "DOME-8-NEU"
    assert answer.lines[1].delivery_date == date(2026, 1, 23)
    assert answer.lines[2].note == "nicht mehr lieferbar"


def test_partner_desadv_with_decimal_comma_and_carrier_party():
    data = (DATA / "desadv_partner.edi").read_bytes()
    assert check_structure(data, "DESADV") == []
    answer = parse_edifact_answer(data)
    assert answer.kind == "dispatch_notification" and answer.document_id == "LS-77"
    assert answer.carrier == "Deutsche Post DHL"
    assert answer.tracking_numbers == ["JJD000390007654321"]
    assert answer.lines[0].quantity == 2 and answer.lines[0].status == "shipped"


def test_utf8_declared_as_unoc_is_read_as_utf8(dispatch):
    data = desadv(dispatch).decode("latin-1").encode("utf-8")
    dispatch.sender_id = "4012345000009"
    assert parse_edifact_answer(data) == dispatch


def test_several_messages_in_one_interchange(response, dispatch):
    first, second = segments(ordrsp(response)), segments(desadv(dispatch))
    body = first[1:-1] + second[1:-1]
    data = "UNA:+.? '" + "'".join([first[0], *body, f"UNZ+2+{first[0].split('+')[-1]}"]) + "'"
    with pytest.raises(FormatError, match="one message"):
        parse_edifact_answer(data.encode("latin-1"))
    kinds = [a.kind for a in parse_answers(data.encode("latin-1"))]
    assert kinds == ["order_response", "dispatch_notification"]


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"\x00\x01\x02garbage",
        b"UNA",
        b"UNA:::::'UNB",
        b"hello world'",
        b"UNB+UNOC:3+A+B+260101:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+X+9'",  # no UNT/UNZ
        b"UNB+UNOC:3+A+B+260101:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+X+9?",  # release at end
        b"UNB+UNOC:3+A+B+260101:1200+1'bad+1'UNZ+0+1'",
        b"UNB+UNOC:3+A+B+260101:1200+1'UNZ+0+1'",  # no message
    ],
)
def test_broken_interchanges_are_format_errors(data):
    for parse in (parse_orders, parse_edifact_answer):
        with pytest.raises(FormatError):
            parse(data)


def test_truncated_interchange(order):
    data = write_orders(order, interchange_ref="1")
    for cut in (len(data) - 1, len(data) - 10, len(data) // 2, 40):
        with pytest.raises(FormatError):
            parse_orders(data[:cut])


def test_broken_segments_and_counts(order):
    data = write_orders(order, interchange_ref="1")
    with pytest.raises(FormatError, match="UNT counts"):
        parse_orders(data.replace(b"QTY+21:2'", b"QTY+21:2'QTY+21:2'"))
    with pytest.raises(FormatError, match="not a number"):
        parse_orders(data.replace(b"QTY+21:2'", b"QTY+21:zwei'"))
    with pytest.raises(FormatError, match="UNZ"):
        parse_orders(data.replace(b"UNZ+1+1'", b"UNZ+2+1'"))
    with pytest.raises(FormatError, match="date"):
        parse_orders(data.replace(b"DTM+137:202601151030:203", b"DTM+137:2026011:203"))


def test_wrong_message_type(order, response):
    with pytest.raises(FormatError, match="ORDRSP or DESADV"):
        parse_edifact_answer(write_orders(order, interchange_ref="1"))
    with pytest.raises(FormatError, match="ORDERS"):
        parse_orders(ordrsp(response))


def test_missing_order_reference_in_answer(response):
    data = ordrsp(response).replace(b"RFF+ON:OH-2026-000123'", b"RFF+CR:X'")
    with pytest.raises(FormatError) as error:
        parse_edifact_answer(data)
    assert error.value.field == "RFF"


# --------------------------------------------------------------------------- structure checker


def test_structure_is_loaded_from_the_standards():
    top = [node.id for node in structure("ORDERS")]
    assert top[:3] == ["UNH", "BGM", "DTM"] and top[-1] == "UNT" and "SG25" in top


GOOD = ["UNH", "BGM", "DTM", "NAD", "NAD", "LIN", "PIA", "QTY", "LIN", "QTY", "UNS", "CNT", "UNT"]


def test_well_formed_tag_sequence_conforms():
    assert check_segment_tags(GOOD, "ORDERS") == []


def test_missing_bgm_is_reported():
    violations = check_segment_tags([t for t in GOOD if t != "BGM"], "ORDERS")
    assert violations == ["ORDERS: required segment BGM missing before segment 2 (DTM)"]


def test_too_many_repeats_are_reported():
    tags = ["UNH", "BGM"] + ["DTM"] * 36 + ["UNS", "UNT"]
    assert check_segment_tags(tags, "ORDERS") == [
        "ORDERS: segment 38 (DTM): segment DTM repeated more than 35 time(s)"
    ]
    line_group = ["LIN"] + ["PIA"] * 26 + ["QTY"]
    assert check_segment_tags(["UNH", "BGM", "DTM", *line_group, "UNS", "UNT"], "ORDERS") == [
        "ORDERS: segment 30 (PIA): segment PIA in SG25 repeated more than 25 time(s)"
    ]
    # A detail segment after a later one in the same group is out of order, not a repeat.
    assert check_segment_tags(["UNH", "BGM", "DTM", "LIN", "QTY", "PIA", "UNS", "UNT"]) == [
        "ORDERS: segment 6 (PIA): unexpected segment PIA in SG25"
    ]


def test_misplaced_segments_are_reported():
    # A header segment among the lines, and NAD after the summary section.
    assert check_segment_tags(["UNH", "BGM", "DTM", "LIN", "QTY", "BGM", "UNS", "UNT"]) == [
        "ORDERS: segment 6 (BGM): unexpected segment BGM in SG25"
    ]
    assert check_segment_tags(["UNH", "BGM", "DTM", "LIN", "QTY", "UNS", "NAD", "UNT"]) == [
        "ORDERS: segment 7 (NAD): unexpected segment NAD in message"
    ]
    # Line details before any LIN have no group to belong to.
    assert check_segment_tags(["UNH", "BGM", "DTM", "QTY", "LIN", "UNS", "UNT"]) == [
        "ORDERS: segment 4 (QTY): unexpected segment QTY in message"
    ]


def test_missing_summary_and_trailer():
    assert check_segment_tags(["UNH", "BGM", "DTM", "LIN"]) == [
        "ORDERS: required segment UNS missing at the end",
        "ORDERS: required segment UNT missing at the end",
    ]


def test_generated_message_with_a_segment_moved_is_caught(order):
    data = write_orders(order, interchange_ref="1")
    moved = data.replace(b"BGM+220+OH-2026-000123+9'", b"").replace(
        b"UNS+S'", b"BGM+220+OH-2026-000123+9'UNS+S'"
    )
    violations = check_structure(moved, "ORDERS")
    assert any("required segment BGM missing" in v for v in violations)
    assert any("unexpected segment BGM" in v for v in violations)


def test_structure_check_names_the_wrong_message_type(response):
    assert check_structure(ordrsp(response), "DESADV") == ["message 1 is ORDRSP, expected DESADV"]


def test_unknown_message_structure():
    with pytest.raises(FormatError):
        check_segment_tags(GOOD, "INVOIC")
