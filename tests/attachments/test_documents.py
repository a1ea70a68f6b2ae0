"""Attachments in every channel's document (issue 17): openTRANS MIME_INFO with the signed link
and FILE_HASH_VALUE (valid against the official XSD), EDIFACT FTX+ZZZ++ATT (D.96A structure and
Bots' grammar), webhook JSON with link, sha256 and type; each read back as it was written."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from orderhub.formats import partner_json
from orderhub.formats.documents import Attachment
from orderhub.formats.edifact.order_writer import write_orders
from orderhub.formats.edifact.partner import parse_orders
from orderhub.formats.edifact.structure import check_structure
from orderhub.formats.opentrans.order_writer import write_order
from orderhub.formats.opentrans.partner import parse_order
from orderhub.formats.opentrans.schema import validate
from tests.formats.bots_grammar import bots_errors

DATA = Path(__file__).parents[1] / "formats" / "data" / "documents"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
LINK = (
    "https://portal.orderhub.example/anhaenge/WzEyLCI5Zjg2ZDA4MTg4NGM3ZDY1Il0:1vQd3x:"
    "Zx1cM2bA4hk9bq7tQy0fQ3s0dKx9zYlqJ7i3wVbn2uE/"
)


@pytest.fixture
def doc():
    order = copy.deepcopy(partner_json.parse_order((DATA / "order.json").read_bytes()))
    order.attachments = [
        Attachment(
            kind="audiogram",
            filename="audiogramm.pdf",
            content_type="application/pdf",
            size=1234,
            sha256=SHA,
            url=LINK + "a",
        )
    ]
    order.items[0].attachments = [
        Attachment(
            kind="scan",
            filename="rechts.stl",
            content_type="model/stl",
            size=4284,
            sha256=SHA,
            url=LINK,
        ),
        Attachment(kind="tracking_number", text="DHL 00340434161234567890"),
    ]
    return order


def test_opentrans_carries_mime_info_with_link_and_sha256_and_stays_valid(doc):
    data = write_order(doc)
    validate(data)  # the official openTRANS 2.1 XSD
    text = data.decode()
    assert f'<FILE_HASH_VALUE type="SHA256">{SHA}</FILE_HASH_VALUE>' in text
    assert "<bmecat:MIME_DESCR>scan: rechts.stl</bmecat:MIME_DESCR>" in text
    assert '<REMARKS type="impressiontracking">DHL 00340434161234567890</REMARKS>' in text
    back = parse_order(data)
    assert [(a.kind, a.url, a.sha256) for a in back.attachments] == [("audiogram", LINK + "a", SHA)]
    scan, tracking = back.items[0].attachments
    assert (scan.kind, scan.filename, scan.url, scan.sha256) == ("scan", "rechts.stl", LINK, SHA)
    assert (tracking.kind, tracking.text) == ("tracking_number", "DHL 00340434161234567890")
    assert back.note == doc.note  # the tracking number is no note


def test_edifact_carries_the_link_in_ftx_within_the_d96a_structure(doc):
    data = write_orders(doc, interchange_ref="17")
    assert check_structure(data, "ORDERS") == []
    assert bots_errors(data) == []
    assert b"FTX+ZZZ++ATT+scan:" + SHA.encode() in data
    back = parse_orders(data)
    assert [(a.kind, a.url, a.sha256) for a in back.attachments] == [("audiogram", LINK + "a", SHA)]
    scan, tracking = back.items[0].attachments
    assert (scan.kind, scan.url, scan.sha256) == ("scan", LINK, SHA)
    assert tracking.text == "DHL 00340434161234567890"


def test_webhook_json_carries_link_sha256_and_type(doc):
    data = partner_json.write_order(doc)
    back = partner_json.parse_order(data)
    assert back.attachments == doc.attachments
    assert back.items[0].attachments == doc.items[0].attachments
    assert b'"content_type": "model/stl"' in data or b'"content_type":"model/stl"' in data
