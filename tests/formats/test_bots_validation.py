"""Independent check: every EDIFACT message OrderHub (or its simulator) writes parses in strict
mode with the Bots EDI translator's UN/EDIFACT D.96A grammars (adapter: bots_grammar.py)."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from orderhub.formats import partner_json
from orderhub.formats.documents import AnswerLine
from orderhub.formats.edifact.order_writer import write_orders
from orderhub.formats.edifact.partner import write_desadv, write_ordrsp
from simulator import answers

from .bots_grammar import bots_errors, bots_tree

DATA = Path(__file__).parent / "data" / "documents"


@pytest.fixture
def order():
    return partner_json.parse_order((DATA / "order.json").read_bytes())


def _orders_variants(order):
    plain = copy.deepcopy(order)
    rich = copy.deepcopy(order)
    rich.items[0].gtin = "04012345000016"
    rich.items[0].unit = "PR"
    rich.items[0].description = "Hörer „Premium“ + Kabel: 3'5? " * 8  # release characters
    rich.items[0].attributes = {"Seite": "links", "Farbe": "beige"}
    rich.items[0].price = Decimal("17.779")
    rich.note = "Bitte Lieferung an die Filiale. " * 10
    rich.reference = "Kommission 4711"
    minimal = copy.deepcopy(order)
    minimal.items = minimal.items[:1]
    minimal.delivery = None
    minimal.items[0].gtin = None
    minimal.items[0].hmv_number = "1320030003"
    return {"plain": plain, "rich": rich, "minimal": minimal}


@pytest.mark.parametrize("variant", ["plain", "rich", "minimal"])
def test_orders_written_by_orderhub_parse_with_bots_strict(order, variant):
    data = write_orders(_orders_variants(order)[variant], interchange_ref="100")
    assert bots_errors(data) == []


def test_bots_reads_what_we_meant(order):
    doc = _orders_variants(order)["rich"]
    tree = bots_tree(write_orders(doc, interchange_ref="100"))
    text = repr(tree)
    assert "'S009.0065': 'ORDERS'" in text and "'S009.0054': '96A'" in text
    assert "'C212.7140': '04012345000016'" in text and "'C212.7143': 'SRV'" in text
    assert "'C186.6411': 'PR'" in text


@pytest.mark.parametrize("policy", ["confirm", "partial", "reject"])
def test_simulator_ordrsp_and_desadv_parse_with_bots_strict(order, policy):
    order.items[0].unit = "PR"
    response = answers.order_response(
        order, slug="audiotec", sender_id="4012345000009", policy=policy
    )
    data = write_ordrsp(
        response, sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="200"
    )
    assert bots_errors(data) == []
    dispatch = answers.dispatch_notification(
        order, response, slug="audiotec", sender_id="4012345000009"
    )
    if dispatch is not None:
        data = write_desadv(
            dispatch, sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="201"
        )
        assert bots_errors(data) == []


def test_answers_with_every_field_parse_with_bots_strict():
    response = partner_json.parse_answer((DATA / "order_response.json").read_bytes())
    response.lines.append(
        AnswerLine(len(response.lines) + 1, "rejected", Decimal(0), note="nicht lieferbar " * 20)
    )
    response.note = "Hinweis ? + : ' " * 10
    data = write_ordrsp(
        response, sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="300"
    )
    assert bots_errors(data) == []
    dispatch = partner_json.parse_answer((DATA / "dispatch_notification.json").read_bytes())
    dispatch.tracking_numbers = [f"JJD00039000765432{i}" for i in range(9)]
    dispatch.delivery_date = date(2026, 2, 1)
    dispatch.carrier = "DHL Paket GmbH"
    data = write_desadv(
        dispatch, sender_id="4012345000009", recipient_id="ORDERHUB", interchange_ref="301"
    )
    assert bots_errors(data) == []


def test_bots_adapter_does_refuse_a_broken_message(order):
    data = write_orders(order, interchange_ref="100")
    broken = data.replace(b"UNS+S'", b"XXX+1'UNS+S'")
    count = data.split(b"UNT+")[1].split(b"+")[0]
    broken = broken.replace(b"UNT+" + count, b"UNT+" + str(int(count) + 1).encode())
    assert any("not allowed here" in e for e in bots_errors(broken))
    too_long = data.replace(b"QTY+21:2'", b"QTY+21:2:PAIRS'", 1)
    assert too_long != data and any("too big" in e for e in bots_errors(too_long))
