"""The answer examples of docs/partner-formats.md ("One order answered line by line and shipped in
two parcels"): each is what OrderHub's writers produce, byte for byte, validates (openTRANS XSD;
the D.96A structure and Bots' grammar in strict mode) and reads back as the documented answer —
one line confirmed, one changed in date, one backordered; a parcel with serial and lot numbers."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orderhub.formats import FormatError, partner_json
from orderhub.formats.documents import LOCAL_TZ, AnswerLine, PartnerAnswer
from orderhub.formats.edifact.answer_reader import parse_answer as parse_edifact_answer
from orderhub.formats.edifact.partner import write_desadv, write_ordrsp
from orderhub.formats.edifact.structure import check_structure
from orderhub.formats.opentrans.answer_reader import parse_answer as parse_opentrans_answer
from orderhub.formats.opentrans.partner import write_dispatch_notification, write_order_response
from orderhub.formats.opentrans.schema import validate

from .bots_grammar import bots_errors

DOCS = Path(__file__).resolve().parents[2] / "docs" / "partner-formats.md"
SECTION = "## One order answered line by line and shipped in two parcels (examples)"


def response() -> PartnerAnswer:
    return PartnerAnswer(
        kind="order_response",
        order_number="OH-2026-000123",
        document_id="AB-2026-0815",
        issued_at=datetime(2026, 1, 15, 14, 0, tzinfo=LOCAL_TZ),
        lines=[
            AnswerLine(1, "confirmed", Decimal(2), delivery_date=date(2026, 1, 22)),
            AnswerLine(
                2,
                "changed",
                Decimal(1),
                unit="PR",
                delivery_date=date(2026, 1, 29),
                note="Schirmchen erst ab 29.01.",
            ),
            AnswerLine(
                3,
                "backordered",
                Decimal(10),
                delivery_date=date(2026, 1, 22),
                backordered_quantity=Decimal(6),
                backorder_date=date(2026, 2, 12),
            ),
        ],
    )


def parcel() -> PartnerAnswer:
    return PartnerAnswer(
        kind="dispatch_notification",
        order_number="OH-2026-000123",
        document_id="LS-2026-0815",
        issued_at=datetime(2026, 1, 22, 9, 30, tzinfo=LOCAL_TZ),
        lines=[
            AnswerLine(
                1,
                "shipped",
                Decimal(2),
                serial_numbers=["SN40021", "SN40022"],
                lot_numbers=["L2601A"],
            ),
            AnswerLine(3, "shipped", Decimal(4)),
        ],
        tracking_numbers=["00340434161234567890"],
        carrier="DHL",
    )


def blocks(kind: str, start: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = [
        body
        for info, body in re.findall(r"```([a-z]*)\n(.*?)```", section, flags=re.S)
        if info == kind and start in body[:400]
    ]
    assert len(found) == 1, f"no single {kind} block with {start!r}"
    return found[0]


def edifact_bytes(block: str) -> bytes:
    return block.replace("\n", "").encode("latin-1")


def promised(answer: PartnerAnswer) -> list[tuple]:
    return [
        (line.line_no, line.status, line.quantity, line.delivery_date, line.backordered_quantity)
        for line in answer.lines
    ]


PROMISED = [
    (1, "confirmed", Decimal(2), date(2026, 1, 22), None),
    (2, "changed", Decimal(1), date(2026, 1, 29), None),
    (3, "backordered", Decimal(10), date(2026, 1, 22), Decimal(6)),
]


def shipped(answer: PartnerAnswer) -> list[tuple]:
    return [(l.line_no, l.quantity, l.serial_numbers, l.lot_numbers) for l in answer.lines]


SHIPPED = [
    (1, Decimal(2), ["SN40021", "SN40022"], ["L2601A"]),
    (3, Decimal(4), [], []),
]


def test_opentrans_examples_are_what_orderhub_writes_and_read_back():
    xml = blocks("xml", "<ORDERRESPONSE ").encode()
    assert xml == write_order_response(response())
    validate(xml)
    back = parse_opentrans_answer(xml)
    assert promised(back) == PROMISED and back.lines[2].backorder_date == date(2026, 2, 12)
    xml = blocks("xml", "<DISPATCHNOTIFICATION ").encode()
    assert xml == write_dispatch_notification(parcel())
    validate(xml)
    back = parse_opentrans_answer(xml)
    assert shipped(back) == SHIPPED and back.tracking_numbers == ["00340434161234567890"]


@pytest.mark.parametrize(
    ("message", "write", "check"),
    [
        (
            "ORDRSP",
            lambda: write_ordrsp(
                response(),
                sender_id="4012345000009",
                recipient_id="ORDERHUB",
                interchange_ref="AB1",
            ),
            lambda back: (
                promised(back) == PROMISED and back.lines[2].backorder_date == date(2026, 2, 12)
            ),
        ),
        (
            "DESADV",
            lambda: write_desadv(
                parcel(), sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="LS1"
            ),
            lambda back: shipped(back) == SHIPPED and back.carrier == "DHL",
        ),
    ],
)
def test_edifact_examples_are_what_orderhub_writes_and_read_back(message, write, check):
    data = edifact_bytes(blocks("edifact", f"UNH+1+{message}:D:96A"))
    assert data == write()
    assert check_structure(data, message) == []
    assert bots_errors(data) == []
    assert check(parse_edifact_answer(data))


def test_json_example_is_what_orderhub_writes_and_reads_back():
    data = blocks("json", '"kind": "dispatch_notification"').encode()
    assert data == partner_json.write_answer(parcel()) + b"\n"
    assert shipped(partner_json.parse_answer(data)) == SHIPPED


def test_the_json_sections_answer_example_reads_as_documented():
    """The hand-written example of "### Answer (you → OrderHub)": a partner's JSON as partners
    write it (numbers or strings), read line by line."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Answer (you → OrderHub)", 1)[1].split("\n## ", 1)[0]
    (example,) = re.findall(r"```json\n(.*?)```", section, flags=re.S)
    answer = partner_json.parse_answer(example.encode())
    assert [
        (l.line_no, l.status, l.quantity, l.supplier_article_number, l.backordered_quantity)
        for l in answer.lines
    ] == [
        (1, "confirmed", Decimal(2), None, None),
        (2, "substituted", Decimal(1), "DOME-8-NEU", None),
        (3, "backordered", Decimal(10), None, Decimal(6)),
    ]
    assert answer.lines[2].backorder_date == date(2026, 2, 15)
    assert answer.lines[2].price == Decimal("0.4125")
    # The error sentence the docs quote is the reader's.
    with pytest.raises(FormatError, match=r"lines\[1\]\.quantity is not a number: 'zwei'"):
        partner_json.parse_answer(example.replace('"quantity": "1"', '"quantity": "zwei"').encode())


def test_the_json_order_example_is_what_the_writer_writes():
    """The "Order (OrderHub → you)" JSON example is complete: read and written back, it is the
    same document (every member the writer sends is shown, none it does not send)."""
    block = DOCS.read_text(encoding="utf-8").split("### Order (OrderHub → you)")[1]
    example = block.split("```json", 1)[1].split("```", 1)[0]
    order = partner_json.parse_order(example.encode())
    assert json.loads(partner_json.write_order(order)) == json.loads(example)
