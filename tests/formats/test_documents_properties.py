"""Property tests: parsers raise only FormatError, and orders survive every format's round trip."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderhub.formats import FormatError, partner_json, signing
from orderhub.formats.documents import LOCAL_TZ, OrderDocument, OrderItem, Party
from orderhub.formats.edifact.answer_reader import parse_answer as parse_edifact_answer
from orderhub.formats.edifact.answer_reader import parse_answers
from orderhub.formats.edifact.order_writer import write_orders
from orderhub.formats.edifact.partner import parse_orders
from orderhub.formats.edifact.structure import check_structure
from orderhub.formats.opentrans.answer_reader import parse_answer as parse_opentrans_answer
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.formats.opentrans.partner import parse_order
from orderhub.formats.opentrans.schema import validate

DATA = Path(__file__).parent / "data" / "documents"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SAMPLES = {
    "order.json": (DATA / "order.json").read_bytes(),
    "answer.json": (DATA / "order_response.json").read_bytes(),
    "ordrsp.edi": (DATA / "ordrsp_partner.edi").read_bytes(),
    "desadv.edi": (DATA / "desadv_partner.edi").read_bytes(),
    "response.xml": (DATA / "orderresponse_partner.xml").read_bytes(),
}
_order = partner_json.parse_order(SAMPLES["order.json"])
SAMPLES["order.xml"] = write_order(_order)
SAMPLES["orders.edi"] = write_orders(_order, interchange_ref="1")

PARSERS = [
    parse_order,
    parse_opentrans_answer,
    validate,
    parse_orders,
    parse_edifact_answer,
    parse_answers,
    check_structure,
    partner_json.parse_order,
    partner_json.parse_answer,
]


@st.composite
def mutated(draw, sample: bytes) -> bytes:
    """A valid document with a few bytes deleted, inserted or replaced: reaches deep code."""
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
        chunk = draw(
            st.binary(min_size=1, max_size=6)
            | st.sampled_from(
                [
                    b"'",
                    b"+",
                    b":",
                    b"?",
                    b"<",
                    b">",
                    b"&",
                    b'"',
                    b"UNH+",
                    b"LIN+",
                    b"\x00",
                    b"9" * 12,
                ]
            )
        )
        if action == "delete":
            del data[position : position + len(chunk)]
        elif action == "insert":
            data[position:position] = chunk
        elif action == "replace":
            data[position : position + len(chunk)] = chunk
        else:
            del data[position:]
    return bytes(data)


ANY_INPUT = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(list(SAMPLES.values())).flatmap(mutated),
)


@FUZZ
@given(data=ANY_INPUT)
def test_parsers_raise_only_format_errors(data):
    for parse in PARSERS:
        try:
            parse(data)
        except FormatError:
            pass


@FUZZ
@given(value=st.text(max_size=120) | st.none(), body=st.binary(max_size=40))
def test_signature_verification_raises_only_signature_errors(value, body):
    try:
        signing.verify(b"secret", value, body, now=0)
    except signing.SignatureError:
        pass


# --------------------------------------------------------------------------- round trips

# Latin-1 printable text: what every format can carry without transliteration.
_CHARS = st.characters(codec="latin-1", exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))


def text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(_CHARS, max_size=max_size).map(str.strip).filter(lambda s: len(s) >= min_size)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy.filter(bool)


identifiers = (
    st.text(st.sampled_from("ABCDEFGHKLMNPRSTUVXYZ0123456789-./+:'? "), min_size=1, max_size=32)
    .map(str.strip)
    .filter(bool)
)
glns = st.text(st.sampled_from("0123456789"), min_size=13, max_size=13)


@st.composite
def parties(draw, role: str) -> Party:
    return Party(
        role=role,
        party_id=draw(optional(identifiers)),
        gln=draw(optional(glns)),
        name=draw(text(50)),
        street=draw(text(50)),
        postal_code=draw(text(9)),
        city=draw(text(35)),
        country=draw(st.sampled_from(["DE", "AT", "CH", "NL"])),
        email=draw(optional(text(60))),
        phone=draw(optional(text(30))),
        contact=draw(optional(text(35))),
    )


@st.composite
def items(draw, line_no: int) -> OrderItem:
    return OrderItem(
        line_no=line_no,
        quantity=draw(
            st.decimals(
                min_value=Decimal("0.001"),
                max_value=Decimal(99999),
                places=3,
                allow_nan=False,
                allow_infinity=False,
            )
        ),
        unit=draw(st.sampled_from(["C62", "PR", "SET"])),
        supplier_article_number=draw(identifiers | st.just("")),
        gtin=draw(optional(st.text(st.sampled_from("0123456789"), min_size=8, max_size=14))),
        hmv_number=draw(optional(identifiers)),
        manufacturer_article_number=draw(optional(identifiers)),
        description=draw(text(200)),
        price=draw(st.none() | st.decimals(min_value=0, max_value=10000, places=2)),
        attributes=draw(st.dictionaries(text(40, min_size=1), text(60, min_size=1), max_size=3)),
        reference=draw(text(35)),
    )


@st.composite
def orders(draw) -> OrderDocument:
    customer_number = draw(identifiers | st.just(""))
    buyer = draw(parties("buyer"))
    buyer.party_id = customer_number or None
    delivery = draw(st.none() | parties("delivery"))
    if delivery is not None and delivery.gln:
        delivery.party_id = None  # EDIFACT carries one id for the delivery party
    count = draw(st.integers(1, 4))
    line_numbers = draw(
        st.lists(st.integers(1, 999_999), min_size=count, max_size=count, unique=True)
    )
    when = draw(
        st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
        )
    )
    return OrderDocument(
        order_number=draw(identifiers),
        order_date=when.replace(second=0, microsecond=0),
        buyer=buyer,
        supplier=draw(parties("supplier")),
        delivery=delivery,
        customer_number=customer_number,
        currency=draw(st.sampled_from(["EUR", "CHF"])),
        reference=draw(text(35)),
        note="\n".join(draw(st.lists(text(200, min_size=1), max_size=3))),
        sender_id=draw(identifiers),
        recipient_id=draw(identifiers | glns),
        items=[draw(items(n)) for n in line_numbers],
    )


def _berlin_time_is_unambiguous(moment: datetime) -> bool:
    local = moment.astimezone(LOCAL_TZ)
    return local.replace(fold=1 - local.fold).utcoffset() == local.utcoffset()


# One generated order goes through all three formats: generating it costs more than the trips.
@ROUND_TRIP
@given(doc=orders())
def test_order_round_trips_through_json_opentrans_and_edifact(doc):
    assert partner_json.parse_order(partner_json.write_order(doc)) == doc

    data = write_order(doc)
    validate(data)
    # openTRANS has no interchange envelope: the recipient is the supplier's id.
    expected = dataclasses.replace(
        doc, sender_id="ORDERHUB", recipient_id=doc.supplier.gln or doc.supplier.party_id or ""
    )
    assert parse_order(data) == expected

    # DTM carries German local time without offset: the repeated hour in October is ambiguous.
    if _berlin_time_is_unambiguous(doc.order_date):
        data = write_orders(doc, interchange_ref="P1")
        assert check_structure(data, "ORDERS") == []
        assert parse_orders(data) == doc
