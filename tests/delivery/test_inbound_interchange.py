"""EDIFACT interchanges with several messages: one rule (all or nothing per interchange) for the
partner API and the drop directory; the dates of an answer are kept by meaning."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orderhub.delivery import inbox
from orderhub.delivery.models import Document
from orderhub.formats.documents import AnswerLine, PartnerAnswer
from orderhub.formats.edifact.partner import write_desadv, write_ordrsp
from orderhub.ordering.models import Order
from tests.conftest import ApiClient
from tests.delivery.conftest import mark_sent

pytestmark = pytest.mark.django_db


def _answer(order_number, kind, doc_id, status):
    return PartnerAnswer(
        kind=kind,
        order_number=order_number,
        document_id=doc_id,
        issued_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        lines=[AnswerLine(1, status, Decimal(2)), AnswerLine(2, status, Decimal(1))],
        tracking_numbers=["JJD0001"] if kind == "dispatch_notification" else [],
        delivery_date=date(2026, 1, 9),
    )


def batch(*answers) -> bytes:
    """One interchange with the messages of several single-message interchanges."""
    head, bodies = "", []
    for answer in answers:
        writer = write_ordrsp if answer.kind == "order_response" else write_desadv
        text = writer(
            answer, sender_id="SONORA", recipient_id="ORDERHUB", interchange_ref="9"
        ).decode("latin-1")
        head = text[: text.index("UNH+")]
        bodies.append(text[text.index("UNH+") : text.index("UNZ+")])
    return (head + "".join(bodies) + f"UNZ+{len(bodies)}+9'").encode("latin-1")


def post(partner_token, body):
    return ApiClient(partner_token).request(
        "POST", "/api/v1/partner/documents", raw=body, content_type="application/edifact"
    )


def test_edifact_interchange_with_several_messages_is_applied_through_the_api(
    queued_order, partner_token
):
    order = mark_sent(queued_order)
    data = batch(
        _answer(order.number, "order_response", "AB-1", "confirmed"),
        _answer(order.number, "dispatch_notification", "LS-1", "shipped"),
    )
    r = post(partner_token, data)
    assert r.status_code == 202, r.json_body
    order.refresh_from_db()
    assert order.status == "shipped" and order.tracking_numbers == ["JJD0001"]
    assert Document.objects.filter(direction="inbound").count() == 2


def test_edifact_interchange_is_all_or_nothing_in_the_api(queued_order, partner_token):
    order = mark_sent(queued_order)
    data = batch(
        _answer(order.number, "order_response", "AB-1", "confirmed"),
        _answer("OH-UNKNOWN", "dispatch_notification", "LS-1", "shipped"),
    )
    r = post(partner_token, data)
    assert r.status_code == 404
    assert "message 2 of 2" in r.json_body["detail"] and "nothing" in r.json_body["detail"]
    assert Order.objects.get(pk=order.pk).status == "sent"
    assert not Document.objects.filter(direction="inbound").exists()


def test_edifact_interchange_is_all_or_nothing_in_the_drop_directory(
    queued_order, partners, tmp_path
):
    order = mark_sent(queued_order)
    partner = partners["sonora"]
    partner.channel_config = {"drop_dir": str(tmp_path), "partner_dir": "sonora"}
    partner.save()
    folder = tmp_path / "sonora" / "in"
    folder.mkdir(parents=True)
    (folder / "bad.edi").write_bytes(
        batch(
            _answer(order.number, "order_response", "AB-1", "confirmed"),
            _answer("OH-UNKNOWN", "dispatch_notification", "LS-1", "shipped"),
        )
    )
    assert inbox.pick_up(partner) == {"applied": 0, "duplicates": 0, "failed": 1}
    assert Order.objects.get(pk=order.pk).status == "sent"
    assert "message 2 of 2" in (folder / "failed" / "bad.edi.error.txt").read_text()
    (folder / "good.edi").write_bytes(
        batch(
            _answer(order.number, "order_response", "AB-1", "confirmed"),
            _answer(order.number, "dispatch_notification", "LS-1", "shipped"),
        )
    )
    assert inbox.pick_up(partner) == {"applied": 2, "duplicates": 0, "failed": 0}
    assert Order.objects.get(pk=order.pk).status == "shipped"


def test_answer_dates_are_kept_by_meaning_in_the_order_history(queued_order, partner_token):
    order = mark_sent(queued_order)
    data = (
        f"UNA:+.? 'UNB+UNOC:3+SONORA:ZZZ+ORDERHUB:ZZZ+260105:0900+5'"
        f"UNH+1+ORDRSP:D:96A:UN:EAN005'BGM+231+AB-7+29'DTM+137:20260105:102'"
        f"DTM+2:20260107:102'DTM+69:20260112:102'RFF+ON:{order.number}'"
        f"LIN+1+5'QTY+113:2'LIN+2+5'QTY+113:1'UNS+S'UNT+12+1'UNZ+1+5'"
    ).encode()
    r = post(partner_token, data)
    assert r.status_code == 202, r.json_body
    order.refresh_from_db()
    assert order.delivery_date == date(2026, 1, 12)  # DTM+69, the promise
    event = order.events.order_by("-pk").first()
    assert event.data["dates"] == {"promised": "2026-01-12", "requested": "2026-01-07"}
