"""The EDIFACT partner: ORDERS files in out/, ORDRSP and DESADV files back in in/."""

from __future__ import annotations

import os
from pathlib import Path

from orderhub.formats.edifact.answer_reader import parse_answer
from orderhub.formats.edifact.order_writer import write_orders
from simulator import PartnerConfig

from .conftest import order_document, wait_until

AUDIOTEC = PartnerConfig("audiotec", "edifact", party_id="4012345000009")


def drop_order(sim, order_number: str, articles=("AT-100",)) -> Path:
    """Write like OrderHub does: a .tmp file first, renamed when complete."""
    out = sim.drop_root / "audiotec" / "out"
    data = write_orders(order_document(order_number, articles), interchange_ref="1")
    temporary = out / f"ORDERS_{order_number}.edi.tmp"
    temporary.write_bytes(data)
    return temporary


def finish(temporary: Path) -> Path:
    final = temporary.with_suffix("")  # strip .tmp
    os.replace(temporary, final)
    return final


def test_orders_file_is_picked_up_and_answered(make_simulator):
    sim = make_simulator(AUDIOTEC)
    temporary = drop_order(sim, "OH-60")
    sim.scan_drop_directories()
    assert sim.stats()["partners"]["audiotec"]["unique"] == 0  # unfinished files stay put
    final = finish(temporary)
    inbox = sim.drop_root / "audiotec" / "in"
    wait_until(lambda: len(list(inbox.glob("*.edi"))) == 2)
    assert not final.exists()
    assert (final.parent / "processed" / final.name).exists()
    assert sim.stats()["partners"]["audiotec"]["received"] == {"OH-60": 1}
    response = parse_answer((inbox / "ORDRSP_OH-60.edi").read_bytes())
    dispatch = parse_answer((inbox / "DESADV_OH-60.edi").read_bytes())
    assert (response.kind, response.order_number) == ("order_response", "OH-60")
    assert dispatch.kind == "dispatch_notification" and dispatch.tracking_numbers
    assert not list(inbox.glob("*.tmp"))


def test_duplicate_file_is_counted_and_answered_once(make_simulator):
    sim = make_simulator(AUDIOTEC, ship_delay=0)
    finish(drop_order(sim, "OH-61"))
    sim.scan_drop_directories()
    finish(drop_order(sim, "OH-61"))
    sim.scan_drop_directories()
    assert sim.wait_for_answers(5)
    partner = sim.stats()["partners"]["audiotec"]
    assert (partner["unique"], partner["duplicates"], partner["answers_sent"]) == (1, 1, 2)
    assert len(list((sim.drop_root / "audiotec" / "out" / "processed").iterdir())) == 2


def test_unreadable_file_goes_to_failed(make_simulator):
    sim = make_simulator(AUDIOTEC)
    (sim.drop_root / "audiotec" / "out" / "junk.edi").write_bytes(b"UNA:+.? 'garbage")
    sim.scan_drop_directories()
    failed = sim.drop_root / "audiotec" / "out" / "failed"
    assert (failed / "junk.edi").exists() and (failed / "junk.edi.error.txt").exists()
    assert sim.stats()["partners"]["audiotec"]["rejected"] == 1


def test_malformed_fault_writes_a_broken_answer_file_too(make_simulator):
    sim = make_simulator(AUDIOTEC, fail_rate=1.0, fail_modes=["malformed"], ship_delay=0)
    finish(drop_order(sim, "OH-62"))
    sim.scan_drop_directories()
    assert sim.wait_for_answers(5)
    names = sorted(p.name for p in (sim.drop_root / "audiotec" / "in").iterdir())
    assert names == ["DESADV_OH-62.edi", "ORDRSP_OH-62.edi", "ORDRSP_OH-62_BROKEN.edi"]
    assert sim.stats()["partners"]["audiotec"]["answers_malformed"] == 1


def test_a_receipt_acknowledgement_file_is_recorded(make_simulator):
    """An SFTP partner with openTRANS files gets the RECEIPTACKNOWLEDGEMENT as ``*.xml`` beside
    the orders (issue 16); the partner validates and records it per receipt number."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from orderhub.formats.changes import GoodsReceipt, ReceivedLine
    from orderhub.formats.opentrans.changes import write_receipt_acknowledgement

    sim = make_simulator(AUDIOTEC, answers=False)
    data = write_receipt_acknowledgement(
        GoodsReceipt(
            document_id="OH-61/WE1",
            order_number="OH-61",
            received_at=datetime(2026, 1, 20, 10, 5, tzinfo=UTC),
            lines=[ReceivedLine(1, Decimal(1), serial_numbers=["SN9"])],
            buyer_id="K-1",
            supplier_id="audiotec",
        )
    )
    out = sim.drop_root / "audiotec" / "out"
    (out / "OH-61-WE1.xml").write_bytes(data)
    (out / "broken.xml").write_bytes(b"<RECEIPTACKNOWLEDGEMENT/>")
    sim.scan_drop_directories()
    partner = sim.stats()["partners"]["audiotec"]
    assert partner["receipts"] == {"OH-61/WE1": 1} and partner["rejected"] == 1
    assert (out / "processed" / "OH-61-WE1.xml").exists()
    assert (out / "failed" / "broken.xml.error.txt").exists()
