"""The issue's lower items: links in a drop directory and partner document ids that would break a
download (another partner's order number: tests/delivery/test_inbound.py)."""

import os
from decimal import Decimal

import pytest

from orderhub.formats import partner_json
from orderhub.formats.documents import AnswerLine
from orderhub.formats.edifact.partner import write_ordrsp
from orderhub.partners.models import Partner
from tests.conftest import ApiClient
from tests.delivery.conftest import mark_sent
from tests.delivery.test_inbound import answer, post

pytestmark = pytest.mark.django_db


def _ordrsp(order, doc_id="AB-1") -> bytes:
    doc = answer(order, doc_id=doc_id, lines=[AnswerLine(1, "confirmed", Decimal(2))])
    return write_ordrsp(doc, sender_id="SONORA", recipient_id="ORDERHUB", interchange_ref="9")


def test_a_link_in_the_drop_directory_is_moved_aside_unread_and_the_next_file_applied(
    queued_order, partners, settings, tmp_path
):
    from orderhub.delivery import inbox

    settings.EDI_DROP_DIR = tmp_path / "edi"
    sonora = partners["sonora"]
    sonora.channel, sonora.channel_config = Partner.Channel.EDIFACT, {}
    sonora.save()
    folder = inbox.inbox_dir(sonora)
    folder.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("UNA:+.? 'SECRET-PASSWORD-OF-THIS-MACHINE'")
    os.symlink(secret, folder / "A_LINK.edi")
    order = mark_sent(queued_order)
    (folder / "B_ANSWER.edi").write_bytes(_ordrsp(order))

    counts = inbox.pick_up(sonora)

    assert counts == {"applied": 1, "duplicates": 0, "failed": 1}
    note = (folder / "failed" / "A_LINK.edi.error.txt").read_text()
    assert "symbolic link" in note and "SECRET" not in note
    assert (folder / "failed" / "A_LINK.edi").is_symlink(), "the link itself moved, not its target"
    assert secret.read_text().endswith("MACHINE'"), "the target is untouched"
    order.refresh_from_db()
    assert order.status == "partially_confirmed"  # line 1 of two answered: the file was applied


@pytest.mark.parametrize("doc_id", ["AB-1\r\nSet-Cookie: x=1", "AB\x1b-1", "A" * 101])
def test_a_document_id_with_line_breaks_or_control_characters_is_refused_naming_it(
    queued_order, partner_token, doc_id
):
    order = mark_sent(queued_order)
    doc = answer(order, doc_id=doc_id, lines=[AnswerLine(1, "confirmed", Decimal(2))])
    r = post(ApiClient(partner_token), partner_json.write_answer(doc), "application/json")
    assert r.status_code == 400, r.content[:500]
    assert r.json()["field"] == "document_id"
    order.refresh_from_db()
    assert order.status == "sent"


def test_a_document_id_with_quotes_and_slashes_downloads_under_a_safe_file_name(
    queued_order, partner_token, api
):
    order = mark_sent(queued_order)
    r = post(ApiClient(partner_token), _ordrsp(order, doc_id='AB"/../1;x'), "application/edifact")
    assert r.status_code == 202, r.content[:500]
    document_id = r.json()["document_id"]
    download = api.get(f"/api/v1/orders/{order.pk}/documents/{document_id}")
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    assert disposition == 'attachment; filename="order_response-AB_._1_x.edi"', disposition
    assert bytes(download.content).startswith(b"UNA") or b"UNB+" in download.content


def test_an_interchange_of_more_messages_than_are_applied_at_once_is_refused_whole(
    queued_order, partners
):
    from orderhub.delivery.inbound import MAX_MESSAGES, MalformedDocument, apply_interchange

    order = mark_sent(queued_order)
    answers = [
        answer(order, doc_id=f"AB-{n}", lines=[AnswerLine(1, "confirmed", Decimal(2))])
        for n in range(MAX_MESSAGES + 1)
    ]
    with pytest.raises(MalformedDocument, match="split into several"):
        apply_interchange(
            partners["sonora"], answers, fmt="json", raw=b"{}", content_type="application/json"
        )
    order.refresh_from_db()
    assert order.status == "sent"
