"""Line-level answers in every partner format (issue 16): a line confirmed, changed in date,
backordered (with the date the rest follows), substituted, rejected; dispatch notifications with
serial and lot numbers. What OrderHub's writers produce is judged by the official openTRANS XSD, the
D.96A message structure and the Bots grammar, and reads back to the same values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from orderhub.formats import FormatError, partner_json
from orderhub.formats.documents import (
    LOCAL_TZ,
    AnswerLine,
    OrderDocument,
    OrderItem,
    PartnerAnswer,
    Party,
    line_status,
)
from orderhub.formats.edifact.answer_reader import parse_answer as parse_edifact_answer
from orderhub.formats.edifact.answer_reader import parse_answers
from orderhub.formats.edifact.partner import write_desadv, write_ordrsp
from orderhub.formats.edifact.structure import check_structure
from orderhub.formats.opentrans.answer_reader import parse_answer as parse_opentrans_answer
from orderhub.formats.opentrans.partner import write_dispatch_notification, write_order_response
from orderhub.formats.opentrans.schema import validate

from .bots_grammar import bots_errors

ISSUED = datetime(2026, 12, 2, 9, 30, tzinfo=LOCAL_TZ)


def order_response() -> PartnerAnswer:
    return PartnerAnswer(
        kind="order_response",
        order_number="OH-2026-000123",
        document_id="AB-77",
        issued_at=ISSUED,
        lines=[
            AnswerLine(1, "confirmed", Decimal(2), "HA-100-R", date(2026, 12, 9)),
            AnswerLine(2, "changed", Decimal(1), "HA-100-L", date(2026, 12, 16), note="später"),
            AnswerLine(
                3,
                "backordered",
                Decimal(10),
                "BAT-312",
                date(2026, 12, 9),
                backordered_quantity=Decimal(6),
                backorder_date=date(2027, 1, 15),
                price=Decimal("0.4125"),
            ),
            AnswerLine(4, "substituted", Decimal(2), "DOME-OPEN-M2", date(2026, 12, 9)),
            AnswerLine(5, "rejected", Decimal(0), note="nicht mehr lieferbar"),
        ],
    )


def dispatch(lines: list[AnswerLine]) -> PartnerAnswer:
    return PartnerAnswer(
        kind="dispatch_notification",
        order_number="OH-2026-000123",
        document_id="LS-1",
        issued_at=ISSUED,
        lines=lines,
        tracking_numbers=["00340434161234567890"],
        carrier="DHL",
    )


SHIPPED = [
    AnswerLine(1, "shipped", Decimal(2), "HA-100-R", serial_numbers=["2319A0411", "2319A0412"]),
    AnswerLine(3, "shipped", Decimal(4), "BAT-312", lot_numbers=["L2026-48"]),
]


def _lines(answer: PartnerAnswer) -> list[tuple]:
    return [
        (
            line.line_no,
            line.status,
            line.quantity,
            line.supplier_article_number,
            line.delivery_date,
            line.backordered_quantity,
            line.backorder_date,
            line.price,
            line.serial_numbers,
            line.lot_numbers,
        )
        for line in answer.lines
    ]


def test_edifact_ordrsp_with_every_line_answer_conforms_and_reads_back():
    data = write_ordrsp(
        order_response(), sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="7"
    )
    assert check_structure(data, "ORDRSP") == []
    assert bots_errors(data) == []
    text = data.decode("latin-1")  # UNOC
    # Backorder: 4 now, 6 later (QTY+113 / QTY+83) and when the 6 follow (SCC delivery schedule).
    assert "LIN+3+6'PIA+1+BAT-312:SA'QTY+113:4'QTY+83:6'DTM+69:20261209:102'" in text
    assert "PRI+AAA:0.4125'SCC+1'QTY+83:6'DTM+69:20270115:102'" in text
    assert "LIN+4+6'PIA+3+DOME-OPEN-M2:SA'" in text  # substituted by
    (answer,) = parse_answers(data)
    assert _lines(answer) == _lines(order_response())


def test_opentrans_order_response_with_every_line_answer_validates_and_reads_back():
    data = write_order_response(order_response())
    validate(data)
    assert b"<PARTIAL_DELIVERY_LIST>" in data and b"<bmecat:PRICE_AMOUNT>0.4125<" in data
    answer = parse_opentrans_answer(data)
    assert _lines(answer) == _lines(order_response())


def test_json_order_response_with_every_line_answer_reads_back():
    answer = partner_json.parse_answer(partner_json.write_answer(order_response()))
    assert _lines(answer) == _lines(order_response())


@pytest.mark.parametrize(
    "write",
    [
        lambda a: write_desadv(
            a, sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="8"
        ),
        write_dispatch_notification,
        partner_json.write_answer,
    ],
    ids=["edifact", "opentrans", "json"],
)
def test_dispatch_notification_carries_serial_and_lot_numbers(write):
    data = write(dispatch(SHIPPED))
    if data.startswith(b"UNA") or data.startswith(b"UNB"):
        assert check_structure(data, "DESADV") == []
        assert bots_errors(data) == []
        assert b"GIN+BN+2319A0411+2319A0412'" in data and b"GIN+BX+L2026-48'" in data
        (answer,) = parse_answers(data)
    elif data.startswith(b"<?xml"):
        validate(data)
        answer = parse_opentrans_answer(data)
    else:
        answer = partner_json.parse_answer(data)
    assert [
        (line.line_no, line.quantity, line.serial_numbers, line.lot_numbers)
        for line in answer.lines
    ] == [
        (1, Decimal(2), ["2319A0411", "2319A0412"], []),
        (3, Decimal(4), [], ["L2026-48"]),
    ]
    assert answer.tracking_numbers == ["00340434161234567890"]


def test_a_backorder_larger_than_the_confirmed_quantity_is_refused_by_the_writers():
    answer = order_response()
    answer.lines[2].backordered_quantity = Decimal(11)
    with pytest.raises(FormatError, match="line 3: the backordered quantity is more"):
        write_ordrsp(answer, sender_id="S", recipient_id="R", interchange_ref="1")
    with pytest.raises(FormatError, match="line 3: the backordered quantity is more"):
        write_order_response(answer)


def test_opentrans_partial_deliveries_that_do_not_add_up_are_refused_naming_the_line():
    data = write_order_response(order_response())
    broken = data.replace(b"<QUANTITY>6</QUANTITY>", b"<QUANTITY>5</QUANTITY>", 1)
    with pytest.raises(FormatError, match="partial deliveries of line 3 add up to 9"):
        parse_opentrans_answer(broken)


def test_edifact_ordrsp_without_action_codes_is_classified_from_its_quantities():
    ordered = [
        OrderItem(1, Decimal(2), supplier_article_number="HA-100-R"),
        OrderItem(2, Decimal(5), supplier_article_number="BAT-312"),
        OrderItem(3, Decimal(1), supplier_article_number="DOME-S"),
    ]
    body = (
        "UNH+1+ORDRSP:D:96A:UN'BGM+231+AB-9+4'DTM+137:20261202:102'RFF+ON:OH-1'"
        "LIN+1++HA-100-R:SA'QTY+21:2'QTY+113:2'"
        "LIN+2++BAT-312:SA'QTY+21:5'QTY+113:3'QTY+83:2'"
        "LIN+3'PIA+3+DOME-M:SA'QTY+113:1'"
        "UNS+S'UNT+16+1'"
    )
    data = f"UNB+UNOC:3+S:14+R:14+261202:0930+9'{body}UNZ+1+9'".encode()
    order = OrderDocument("OH-1", ISSUED, Party("buyer"), Party("supplier"), items=ordered)
    answer = parse_edifact_answer(data, order=order)
    assert [(line.status, line.quantity, line.backordered_quantity) for line in answer.lines] == [
        ("confirmed", Decimal(2), None),
        ("backordered", Decimal(5), Decimal(2)),
        ("substituted", Decimal(1), None),
    ]


def test_line_status_rules_first_match():
    item = OrderItem(1, Decimal(4), supplier_article_number="A")
    assert line_status(Decimal(0), item, backordered=Decimal(4)) == "rejected"
    assert line_status(Decimal(4), item, backordered=Decimal(1), article="B") == "backordered"
    assert line_status(Decimal(2), item, article="B") == "substituted"
    assert line_status(Decimal(2), item, article="A") == "changed"
    assert line_status(Decimal(4), item, article="A") == "confirmed"
    assert line_status(Decimal(4), None, article="B") == "confirmed"
