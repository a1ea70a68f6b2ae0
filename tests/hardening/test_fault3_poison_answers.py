"""Fault 3: a poison answer (a 20-digit or infinite quantity, a negative one) is a 4xx naming the
field, never a 500, and as a file in the drop directory it is moved aside for that partner only."""

from decimal import Decimal

import pytest

from orderhub.formats import partner_json
from orderhub.formats.documents import AnswerLine
from orderhub.formats.edifact.partner import write_ordrsp
from orderhub.formats.opentrans.partner import write_order_response
from tests.delivery.conftest import mark_sent
from tests.delivery.test_inbound import answer, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def sonora_client(partner_token):
    from tests.conftest import ApiClient

    return ApiClient(partner_token)


def _ordrsp(order, quantity: str) -> bytes:
    doc = answer(order, lines=[AnswerLine(1, "confirmed", Decimal(2))])
    data = write_ordrsp(doc, sender_id="SONORA", recipient_id="ORDERHUB", interchange_ref="9")
    return data.replace(b"QTY+113:2", f"QTY+113:{quantity}".encode(), 1)


@pytest.mark.parametrize("quantity", ["99999999999999999999", "-3"])
def test_edifact_quantity_out_of_range_is_a_4xx_naming_the_quantity(
    queued_order, sonora_client, quantity
):
    order = mark_sent(queued_order)
    data = _ordrsp(order, quantity)
    assert f"QTY+113:{quantity}".encode() in data, data
    r = post(sonora_client, data, "application/edifact")
    assert 400 <= r.status_code < 500, (r.status_code, r.content[:500])
    assert "quant" in r.content.decode().lower() or "menge" in r.content.decode().lower()
    order.refresh_from_db()
    assert order.status == "sent", "nothing of the poison answer was applied"


@pytest.mark.parametrize("quantity", ["1e400", "-2", "99999999999999999999"])
def test_json_quantity_out_of_range_is_a_4xx(queued_order, sonora_client, quantity):
    order = mark_sent(queued_order)
    doc = answer(order, lines=[AnswerLine(1, "confirmed", Decimal(2))])
    body = partner_json.write_answer(doc).replace(
        b'"quantity": "2"', f'"quantity": {quantity}'.encode()
    )
    assert f'"quantity": {quantity}'.encode() in body, body
    r = post(sonora_client, body, "application/json")
    assert 400 <= r.status_code < 500, (r.status_code, r.content[:500])
    assert "quantity" in r.content.decode(), r.content[:500]  # refused for its quantity
    order.refresh_from_db()
    assert order.status == "sent"


def test_openTRANS_quantity_out_of_range_is_a_4xx(queued_order, sonora_client):
    order = mark_sent(queued_order)
    doc = answer(order, lines=[AnswerLine(1, "confirmed", Decimal(2))])
    xml = write_order_response(doc)
    xml = xml.replace(b"<QUANTITY>2</QUANTITY>", b"<QUANTITY>99999999999999999999</QUANTITY>", 1)
    r = post(sonora_client, xml, "application/xml")
    assert 400 <= r.status_code < 500, (r.status_code, r.content[:500])


def test_a_poison_file_in_the_drop_directory_is_moved_aside_and_the_next_one_read(
    queued_order, partners, settings, tmp_path
):
    from orderhub.delivery import inbox

    settings.EDI_DROP_DIR = tmp_path / "edi"
    audiotec = partners["audiotec"]
    folder = inbox.inbox_dir(audiotec)
    folder.mkdir(parents=True)
    order = mark_sent(queued_order)
    (folder / "A_POISON.edi").write_bytes(_ordrsp(order, "99999999999999999999"))
    (folder / "B_NEXT.edi").write_bytes(
        _ordrsp(order, "2").replace(order.number.encode(), b"OH-NOPE")
    )
    counts = inbox.pick_up(audiotec)
    assert counts == {"applied": 0, "duplicates": 0, "failed": 2}, "both read, neither blocks"
    failed = sorted(p.name for p in (folder / "failed").iterdir())
    assert failed == [
        "A_POISON.edi",
        "A_POISON.edi.error.txt",
        "B_NEXT.edi",
        "B_NEXT.edi.error.txt",
    ]
    assert "quantity" in (folder / "failed" / "A_POISON.edi.error.txt").read_text()
