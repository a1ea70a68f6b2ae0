"""What the partner side (the simulator) reads from our orders and writes back (issue 12)."""

from __future__ import annotations

from decimal import Decimal

from orderhub.formats.edifact.order_writer import write_orders
from orderhub.formats.edifact.partner import parse_orders, write_desadv, write_ordrsp
from orderhub.formats.opentrans.answer_reader import parse_answer
from orderhub.formats.opentrans.partner import write_order_response
from simulator import answers

from .conftest import order_document

ORDERS_WITH_LIN_ITEM_NUMBERS = (
    b"UNA:+.? 'UNB+UNOC:3+4000000000001:14+4012345000009:14+200901:1015+7'"
    b"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+B-1+9'DTM+137:20200901:102'"
    b"NAD+BY+4000000000001::9'NAD+SU+4012345000009::9'"
    b"LIN+1++1001:SA'QTY+21:2'"
    b"LIN+2++1002:SRS'QTY+21:1:PR'"
    b"LIN+3++4012345000016:SRV'PIA+1+1003:SA'QTY+21:3'"
    b"UNS+S'CNT+2:3'UNT+15+1'UNZ+1+7'"
)


def test_orders_lin_item_numbers_sa_and_srs_are_read():
    order = parse_orders(ORDERS_WITH_LIN_ITEM_NUMBERS)
    assert [(i.supplier_article_number, i.gtin, i.unit) for i in order.items] == [
        ("1001", None, "C62"),
        ("1002", None, "PR"),
        ("1003", "4012345000016", "C62"),
    ]


def test_our_orders_write_14_digit_gtins_with_item_type_srv():
    order = order_document("OH-70")
    order.items[0].gtin = "04012345000016"
    text = write_orders(order, interchange_ref="1").decode("latin-1")
    assert "LIN+1++04012345000016:SRV'" in text and ":EN'" not in text
    order.items[0].gtin = "4012345000016"
    assert "LIN+1++4012345000016:EN'" in write_orders(order, interchange_ref="1").decode("latin-1")


def test_desadv_uses_association_ean005_of_d96a():
    order = order_document("OH-71")
    response = answers.order_response(order, slug="audiotec", sender_id="S", policy="confirm")
    dispatch = answers.dispatch_notification(order, response, slug="audiotec", sender_id="S")
    data = write_desadv(dispatch, sender_id="S", recipient_id="R", interchange_ref="1")
    assert b"UNH+1+DESADV:D:96A:UN:EAN005'" in data


def test_simulator_answers_echo_the_order_unit_not_always_c62():
    order = order_document("OH-72", ("SN-R-312", "SN-D-8"))
    order.items[0].unit = "PR"
    response = answers.order_response(order, slug="audiotec", sender_id="S", policy="confirm")
    dispatch = answers.dispatch_notification(order, response, slug="audiotec", sender_id="S")
    assert [line.unit for line in response.lines] == ["PR", "C62"]
    assert [line.unit for line in dispatch.lines] == ["PR", "C62"]
    ordrsp = write_ordrsp(response, sender_id="S", recipient_id="R", interchange_ref="1")
    assert b"QTY+113:2:PR'" in ordrsp
    xml = write_order_response(response)
    assert parse_answer(xml).lines[0].unit == "PR"
    assert parse_answer(xml).lines[0].quantity == Decimal(2)
