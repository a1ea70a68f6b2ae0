"""The JSON export: validation, and status written back for the practice software."""

from __future__ import annotations

import json

import pytest

from orderhub_connector.errors import PracticeDataError
from orderhub_connector.practice import JsonFileSource, OrderStatusUpdate, parse_practice_data


def test_demo_export_is_valid(demo_data):
    data = parse_practice_data(demo_data)
    assert data.company.name == "Hörakustik Muster GmbH"
    assert len(data.users) == 4 and 2 <= len(data.branches) <= 3
    assert {f.partner for f in data.firms} >= {"sonora", "audiotec", "otoplast", "klangwerk"}
    assert any(f.partner is None for f in data.firms)


def test_all_master_data_problems_are_reported_at_once(demo_data):
    demo_data["users"][0]["branch_ids"] = ["F9"]
    demo_data["users"][1]["is_admin"] = "yes"
    demo_data["firms"][0]["order_form"] = "telegraph"
    del demo_data["branches"][1]["name"]
    with pytest.raises(PracticeDataError) as info:
        parse_practice_data(demo_data, origin="practice.json")
    details = "\n".join(info.value.details)
    assert len(info.value.details) == 4
    for expected in (
        "users[0].branch_ids",
        "users[1].is_admin",
        "firms[0].order_form",
        "branches[1].name",
    ):
        assert expected in details


def test_a_faulty_order_blocks_only_itself(demo_data):
    demo_data["orders"][0]["lines"][0]["quantity"] = 0
    demo_data["orders"][0]["ordered_by"] = "U-LEFT"
    demo_data["orders"][1]["firm_id"] = "NOPE"
    demo_data["orders"][2]["ordered_by"] = None
    data = parse_practice_data(demo_data)  # master data stays usable (sync, routes)
    with pytest.raises(PracticeDataError) as info:
        data.order("B-2026-0001")
    details = "\n".join(info.value.details)
    assert "orders[0].lines[0].quantity" in details and "orders[0].ordered_by" in details
    with pytest.raises(PracticeDataError) as info:
        data.order("B-2026-0002")
    detail = info.value.details[0]  # German, with its English
    assert "unbekannte Firma „NOPE“" in detail and "unknown firm 'NOPE'" in detail.en
    with pytest.raises(PracticeDataError) as info:
        data.order("B-2026-0003")
    assert "orders[2].ordered_by: fehlt" in info.value.details[0]
    assert data.order("B-2026-0004").id == "B-2026-0004"


def test_numeric_ids_are_read_as_text(demo_data):
    demo_data["branches"][0]["id"] = 1
    demo_data["users"][0]["branch_ids"] = [1]
    demo_data["users"][1]["branch_ids"] = [1]
    demo_data["orders"][0]["branch_id"] = 1
    demo_data["orders"][2]["branch_id"] = 1
    data = parse_practice_data(demo_data)
    assert data.branches[0].id == "1" and data.users[0].branch_ids == ("1",)


def test_missing_and_broken_export_files(tmp_path):
    with pytest.raises(PracticeDataError, match="not found"):
        JsonFileSource(tmp_path / "nope.json", tmp_path / "s.json").load()
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(PracticeDataError, match="cannot be read"):
        JsonFileSource(broken, tmp_path / "s.json").load()


def test_status_is_written_back_with_history(tmp_path):
    source = JsonFileSource(tmp_path / "practice.json", tmp_path / "state" / "order-status.json")
    source.write_status([OrderStatusUpdate("B-1", "7", "OH-7", "queued", "2026-03-01T10:00:00Z")])
    source.write_status(
        [
            OrderStatusUpdate("B-1", "7", "OH-7", "confirmed", "2026-03-01T11:00:00Z"),
            OrderStatusUpdate(None, "8", "OH-8", "sent", "2026-03-01T11:00:01Z"),
        ]
    )
    confirmed = OrderStatusUpdate("B-1", "7", "OH-7", "confirmed", "2026-03-01T11:00:00Z")
    source.write_status([confirmed])  # the same update again changes nothing
    data = json.loads((tmp_path / "state" / "order-status.json").read_text(encoding="utf-8"))
    entry = data["orders"]["B-1"]
    assert entry["status"] == "confirmed" and entry["number"] == "OH-7"
    assert [h["status"] for h in entry["history"]] == ["queued", "confirmed"]
    assert data["orders"]["portal:8"]["status"] == "sent"
