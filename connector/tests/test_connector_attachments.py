"""Issue 17: an order of the practice software names files (an ear scan per line, a tracking
number); the connector uploads them first (multipart) and names their ids in the order. A
resubmission does not upload again and sends the same body under the same key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orderhub_connector.errors import PracticeDataError

DEMO = Path(__file__).resolve().parents[1] / "demo"
SCAN = b"solid ear\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nendloop\nendfacet\nendsolid\n"


def practice_with_files(tmp_path: Path) -> dict:
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "rechts.stl").write_bytes(SCAN)
    data = json.loads((DEMO / "practice.json").read_text(encoding="utf-8"))
    order = next(o for o in data["orders"] if o["id"] == "B-2026-0001")
    order["attachments"] = [{"tracking_number": "DHL 00340434161234567890"}]
    order["lines"][0]["attachments"] = [{"file": "scans/rechts.stl", "kind": "scan"}]
    return data


def test_files_are_uploaded_before_the_order_and_named_by_id(portal, make_connector, tmp_path):
    conn = make_connector(portal.url, token="tok-valid", practice=practice_with_files(tmp_path))
    first = conn.submit_order("B-2026-0001")
    uploads = portal.calls("POST", "/api/v1/attachments")
    assert len(uploads) == 2
    assert any(SCAN in u["raw"] and b'filename="rechts.stl"' in u["raw"] for u in uploads)
    assert any(b"00340434161234567890" in u["raw"] for u in uploads)
    (sent,) = portal.calls("POST", "/api/v1/orders")
    ids = sent["body"]["lines"][0]["attachments"] + sent["body"]["attachments"]
    assert len(ids) == 2 and all(len(i) == 36 for i in ids)
    assert "attachments" not in sent["body"]["lines"][1]

    again = conn.submit_order("B-2026-0001")
    assert len(portal.calls("POST", "/api/v1/attachments")) == 2  # nothing uploaded twice
    assert again.idempotency_key == first.idempotency_key
    assert portal.calls("POST", "/api/v1/orders")[1]["body"] == sent["body"]


def test_a_missing_file_is_named_before_anything_is_sent(portal, make_connector, tmp_path):
    data = practice_with_files(tmp_path)
    data["orders"][0]["lines"][0]["attachments"] = [{"file": "scans/links.stl"}]
    conn = make_connector(portal.url, token="tok-valid", practice=data)
    with pytest.raises(PracticeDataError) as refused:
        conn.submit_order(data["orders"][0]["id"])
    assert "scans/links.stl" in str(refused.value) + " ".join(
        str(d) for d in getattr(refused.value, "details", [])
    )
    assert portal.calls("POST", "/api/v1/") == []
