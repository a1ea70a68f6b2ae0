"""The SFTP channel against a real SFTP server on 127.0.0.1 (asyncssh's, chrooted to a temp dir).

Orders are uploaded atomically under their order number, once; the host key is pinned and a wrong
one is a permanent failure before any credential is sent; password and key logins; answers are
read from the partner's outbox, applied and moved to done — a broken one to error, with a note.
"""

import io
import socket
import threading
import time

import asyncssh
import pytest
from django.core.management import CommandError, call_command

from orderhub.delivery import channels, order_document, outbox, sftp_inbox
from orderhub.delivery.models import Delivery, Document
from orderhub.formats.edifact.partner import parse_orders, write_desadv, write_ordrsp
from orderhub.formats.opentrans.partner import parse_order, write_dispatch_notification
from orderhub.formats.opentrans.schema import validate
from orderhub.ordering.models import Order
from orderhub.ordering.reasons import event_reason
from simulator import answers as sim_answers
from tests.conftest import run_queued_tasks
from tests.delivery.sftp_server import SftpServer
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

PASSWORD = "Sftp-Geheim-2026"


@pytest.fixture
def sftp_root(tmp_path):
    root = tmp_path / "sftp"
    for folder in ("in", "out"):
        (root / folder).mkdir(parents=True)
    return root


@pytest.fixture
def client_key():
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
def server(sftp_root, client_key):
    s = SftpServer(sftp_root, password=PASSWORD, client_keys=[client_key]).start()
    yield s
    s.stop()


def channel_config(server, **extra):
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "username": "orderhub",
        "host_key_fingerprint": server.fingerprint,
        "timeout": 5,
        **extra,
    }


@pytest.fixture
def sftp_partner(partners, server):
    sonora = partners["sonora"]
    sonora.channel = "sftp"
    sonora.channel_config = channel_config(server)
    sonora.credentials = {"password": PASSWORD}
    sonora.save()
    return sonora


@pytest.fixture
def queued(sftp_partner, practice):
    return Order.objects.get(pk=submit(practice, order_body()).json_body["id"])


def delivered(order):
    assert run_queued_tasks() == 1
    return Delivery.objects.get(order=order)


def edifact_answers(data: bytes, slug="sonora"):
    """The partner's ORDRSP and DESADV for an uploaded ORDERS file, by the simulator's rules."""
    doc = parse_orders(data)
    response = sim_answers.order_response(doc, slug=slug, sender_id="SONORA", policy="confirm")
    dispatch = sim_answers.dispatch_notification(doc, response, slug=slug, sender_id="SONORA")
    ordrsp = write_ordrsp(
        response, sender_id="SONORA", recipient_id="ORDERHUB", interchange_ref="1"
    )
    desadv = write_desadv(
        dispatch, sender_id="SONORA", recipient_id="ORDERHUB", interchange_ref="2"
    )
    return ordrsp, desadv, dispatch


# --- delivery -------------------------------------------------------------------------------------


def test_order_appears_atomically_under_its_order_number(queued, server, sftp_root):
    delivery = delivered(queued)
    assert delivery.status == "delivered", delivery.last_error
    name = f"{queued.number}.edi"
    stored = Document.objects.get(order=queued, direction="outbound", kind="order")
    assert (sftp_root / "in" / name).read_bytes() == bytes(stored.content)
    assert sorted(p.name for p in (sftp_root / "in").iterdir()) == [name]  # no temporary file left
    # Written under a temporary name only, then renamed: the final name never holds a partial file.
    assert server.ops == [("write", f"in/.{name}.tmp"), ("rename", f"in/.{name}.tmp", f"in/{name}")]
    assert parse_orders(stored.content).order_number == queued.number
    queued.refresh_from_db()
    assert queued.status == "sent"
    assert "uploaded to 127.0.0.1" in delivery.attempt_log.get().detail


def test_redelivery_does_not_duplicate(queued, server, sftp_root):
    assert delivered(queued).status == "delivered"
    writes = len(server.ops)
    channel = channels.for_partner(queued.partner)
    rendered = [r for r in channel.render(order_document.build(queued))]
    result = channel.deliver(order_document.build(queued), rendered)
    assert result.ok and "already on" in result.detail
    assert len(server.ops) == writes  # nothing written a second time
    assert [p.name for p in (sftp_root / "in").iterdir()] == [f"{queued.number}.edi"]


def test_a_file_of_the_same_name_already_there_is_success(queued, server, sftp_root):
    (sftp_root / "in" / f"{queued.number}.edi").write_bytes(b"from an earlier attempt")
    delivery = delivered(queued)
    assert delivery.status == "delivered" and server.ops == []
    assert (sftp_root / "in" / f"{queued.number}.edi").read_bytes() == b"from an earlier attempt"


def test_opentrans_order_file(partners, server, sftp_root, practice):
    sonora = partners["sonora"]
    sonora.channel, sonora.channel_config = "sftp", channel_config(server, format="opentrans")
    sonora.credentials = {"password": PASSWORD}
    sonora.save()
    order = Order.objects.get(pk=submit(practice, order_body()).json_body["id"])
    assert delivered(order).status == "delivered"
    xml = (sftp_root / "in" / f"{order.number}.xml").read_bytes()
    validate(xml)
    assert parse_order(xml).order_number == order.number


def test_wrong_host_key_is_a_permanent_failure_before_any_login(queued, server, sftp_root):
    other = asyncssh.generate_private_key("ssh-ed25519").get_fingerprint("sha256")
    partner = queued.partner
    partner.channel_config = {**partner.channel_config, "host_key_fingerprint": other}
    partner.save()
    delivery = delivered(queued)
    assert delivery.status == "dead" and delivery.attempts == 1
    # The technical log is English, one language, like every channel's (issue 15).
    assert "Host key" in delivery.last_error and "Host-Schlüssel" not in delivery.last_error
    assert f"expected {other}" in delivery.last_error
    assert f"got {server.fingerprint}" in delivery.last_error
    attempt = delivery.attempt_log.get()
    assert attempt.outcome == "failed" and "sftp-fingerprint" in attempt.response_excerpt
    assert run_queued_tasks() == 0  # no retry scheduled: no retry storm
    assert server.logins == []  # the password never left OrderHub
    assert list((sftp_root / "in").iterdir()) == []
    queued.refresh_from_db()
    assert queued.status == "failed"


def test_missing_fingerprint_is_refused_too(queued, server):
    partner = queued.partner
    partner.channel_config = {
        k: v for k, v in partner.channel_config.items() if k != "host_key_fingerprint"
    }
    partner.save()
    delivery = delivered(queued)
    assert delivery.status == "dead"
    assert "No host key is pinned" in delivery.last_error and server.logins == []


@pytest.mark.parametrize("passphrase", [None, "Schlüssel-Passphrase"])
def test_key_authentication(partners, practice, sftp_root, client_key, passphrase):
    server = SftpServer(sftp_root, password=None, client_keys=[client_key]).start()
    try:
        sonora = partners["sonora"]
        sonora.channel, sonora.channel_config = "sftp", channel_config(server)
        pem = client_key.export_private_key("openssh", passphrase).decode()
        sonora.credentials = {
            "private_key": pem,
            **({"passphrase": passphrase} if passphrase else {}),
        }
        sonora.save()
        assert "PRIVATE KEY" not in sonora.credentials_encrypted  # encrypted at rest
        order = Order.objects.get(pk=submit(practice, order_body()).json_body["id"])
        assert delivered(order).status == "delivered"
        assert set(server.logins) == {("publickey", "orderhub", True)}  # asked, then signed
        assert (sftp_root / "in" / f"{order.number}.edi").exists()
    finally:
        server.stop()


def test_password_authentication_and_credentials_encrypted_at_rest(queued, server):
    assert PASSWORD not in queued.partner.credentials_encrypted
    assert delivered(queued).status == "delivered"
    assert ("password", "orderhub", True) in server.logins


def test_refused_login_is_permanent(queued, server):
    partner = queued.partner
    partner.credentials = {"password": "falsch"}
    partner.save()
    delivery = delivered(queued)
    assert delivery.status == "dead"
    assert "Login to 127.0.0.1" in delivery.last_error


def test_wrong_passphrase_is_permanent(queued, client_key):
    partner = queued.partner
    partner.credentials = {
        "private_key": client_key.export_private_key("openssh", "richtig").decode(),
        "passphrase": "falsch",
    }
    partner.save()
    delivery = delivered(queued)
    assert delivery.status == "dead" and "wrong passphrase" in delivery.last_error


def test_connection_refused_is_temporary_and_retried(queued):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    partner = queued.partner
    partner.channel_config = {**partner.channel_config, "port": port}
    partner.save()
    delivery = delivered(queued)
    assert delivery.status == "retrying" and "No SFTP connection" in delivery.last_error


def test_a_server_that_never_answers_times_out_as_temporary(queued):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts the TCP connection, never sends an SSH banner
    held = []
    stop = threading.Event()

    def accept():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        partner = queued.partner
        partner.channel_config = {
            **partner.channel_config,
            "port": silent.getsockname()[1],
            "timeout": 1,
        }
        partner.save()
        started = time.monotonic()
        delivery = delivered(queued)
        assert time.monotonic() - started < 10
        assert delivery.status == "retrying" and "Timed out" in delivery.last_error
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        silent.close()


# --- answers --------------------------------------------------------------------------------------


def test_answers_are_picked_up_applied_and_moved_to_done(queued, sftp_root):
    assert delivered(queued).status == "delivered"
    ordrsp, desadv, dispatch = edifact_answers(
        (sftp_root / "in" / f"{queued.number}.edi").read_bytes()
    )
    # Same second, and DESADV sorts first by name: the order response is still applied first.
    (sftp_root / "out" / f"DESADV_{queued.number}.edi").write_bytes(desadv)
    (sftp_root / "out" / f"ORDRSP_{queued.number}.edi").write_bytes(ordrsp)
    counts = sftp_inbox.pick_up_all(force=True)
    assert counts == {"applied": 2, "duplicates": 0, "failed": 0, "deferred": 0, "unreachable": 0}
    queued.refresh_from_db()
    assert queued.status == "shipped"
    assert queued.tracking_numbers == dispatch.tracking_numbers and queued.tracking_numbers
    assert [e.to_status for e in queued.events.order_by("id") if e.to_status][-2:] == [
        "confirmed",
        "shipped",
    ]
    assert sorted(p.name for p in (sftp_root / "out" / "done").iterdir()) == [
        f"DESADV_{queued.number}.edi",
        f"ORDRSP_{queued.number}.edi",
    ]
    assert [p.name for p in (sftp_root / "out").iterdir()] == ["done"]
    assert Document.objects.filter(order=queued, direction="inbound").count() == 2
    # A partner that drops the same file again: read as a duplicate, applied once.
    (sftp_root / "out" / f"ORDRSP_{queued.number}.edi").write_bytes(ordrsp)
    assert sftp_inbox.pick_up_all(force=True)["duplicates"] == 1
    assert Document.objects.filter(order=queued, direction="inbound").count() == 2
    assert len(list((sftp_root / "out" / "done").iterdir())) == 3  # kept under a time-stamped name


def test_a_broken_answer_is_moved_aside_and_the_next_one_applied(queued, sftp_root):
    assert delivered(queued).status == "delivered"
    ordrsp, _, _ = edifact_answers((sftp_root / "in" / f"{queued.number}.edi").read_bytes())
    (sftp_root / "out" / "A_BROKEN.edi").write_bytes(sim_answers.corrupt(ordrsp))
    (sftp_root / "out" / "B_UNKNOWN.edi").write_bytes(
        ordrsp.replace(queued.number.encode(), b"OH-000000-NOPE")
    )
    (sftp_root / "out" / "C_ORDRSP.edi").write_bytes(ordrsp)
    counts = sftp_inbox.pick_up_all(force=True)
    assert (counts["applied"], counts["failed"]) == (1, 2)
    queued.refresh_from_db()
    assert queued.status == "confirmed"
    error = sftp_root / "out" / "error"
    assert sorted(p.name for p in error.iterdir()) == [
        "A_BROKEN.edi",
        "A_BROKEN.edi.error.txt",
        "B_UNKNOWN.edi",
        "B_UNKNOWN.edi.error.txt",
    ]
    note = (error / "A_BROKEN.edi.error.txt").read_text()
    assert "wurde nicht verarbeitet" in note and "was not applied" in note
    assert "OH-000000-NOPE" in (error / "B_UNKNOWN.edi.error.txt").read_text()
    assert [p.name for p in (sftp_root / "out" / "done").iterdir()] == ["C_ORDRSP.edi"]


def test_opentrans_answers_from_the_outbox(queued, sftp_root):
    assert delivered(queued).status == "delivered"
    _, _, dispatch = edifact_answers((sftp_root / "in" / f"{queued.number}.edi").read_bytes())
    (sftp_root / "out" / "dispatch.xml").write_bytes(write_dispatch_notification(dispatch))
    assert sftp_inbox.pick_up_all(force=True)["applied"] == 1
    queued.refresh_from_db()
    assert queued.status == "shipped" and queued.tracking_numbers == dispatch.tracking_numbers


def test_pick_up_waits_poll_seconds_and_survives_an_unreachable_partner(queued, sftp_root, server):
    assert delivered(queued).status == "delivered"
    sftp_inbox._last_poll.clear()
    assert sftp_inbox.pick_up_all()["unreachable"] == 0
    logins = len(server.logins)
    assert sftp_inbox.pick_up_all() == {
        k: 0 for k in ("applied", "duplicates", "failed", "deferred", "unreachable")
    }
    assert len(server.logins) == logins  # within poll_seconds (60): not connected again
    partner = queued.partner
    partner.channel_config = {**partner.channel_config, "host_key_fingerprint": "SHA256:wrong"}
    partner.save()
    assert sftp_inbox.pick_up_all(force=True)["unreachable"] == 1


# --- first-use fingerprint ------------------------------------------------------------------------


def test_fingerprint_command_shows_and_stores_only_when_confirmed(sftp_partner, server):
    sftp_partner.channel_config = {
        k: v for k, v in sftp_partner.channel_config.items() if k != "host_key_fingerprint"
    }
    sftp_partner.save()
    out = io.StringIO()
    call_command("partner", "sftp-fingerprint", "--partner", "sonora", stdout=out)
    assert out.getvalue().splitlines()[0] == server.fingerprint
    assert "--confirm" in out.getvalue()
    sftp_partner.refresh_from_db()
    assert "host_key_fingerprint" not in sftp_partner.channel_config
    with pytest.raises(CommandError, match="nichts gespeichert"):
        call_command(
            "partner",
            "sftp-fingerprint",
            "--partner",
            "sonora",
            "--confirm",
            "SHA256:other",
            stdout=io.StringIO(),
        )
    call_command(
        "partner",
        "sftp-fingerprint",
        "--partner",
        "sonora",
        "--confirm",
        server.fingerprint,
        stdout=io.StringIO(),
    )
    sftp_partner.refresh_from_db()
    assert sftp_partner.channel_config["host_key_fingerprint"] == server.fingerprint
    assert server.logins == []  # fetching the host key never logs in


def test_retry_by_hand_after_the_fingerprint_is_fixed(queued, server, sftp_root):
    partner = queued.partner
    partner.channel_config = {**partner.channel_config, "host_key_fingerprint": "SHA256:wrong"}
    partner.save()
    delivery = delivered(queued)
    assert delivery.status == "dead"
    partner.channel_config = {**partner.channel_config, "host_key_fingerprint": server.fingerprint}
    partner.save()
    outbox.retry_dead(delivery, "Betreiber")
    run_queued_tasks()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert (sftp_root / "in" / f"{queued.number}.edi").exists()


def test_the_periodic_job_reads_the_sftp_outbox(queued, sftp_root):
    from orderhub.delivery import periodic

    assert delivered(queued).status == "delivered"
    ordrsp, _, _ = edifact_answers((sftp_root / "in" / f"{queued.number}.edi").read_bytes())
    (sftp_root / "out" / "ORDRSP.edi").write_bytes(ordrsp)
    sftp_inbox._last_poll.clear()
    assert periodic.run_once()["sftp_inbox"]["applied"] == 1
    queued.refresh_from_db()
    assert queued.status == "confirmed"


def test_a_delivery_ends_within_its_lease(queued, settings):
    """Each step has ``timeout``; the whole session ends within 3/4 of the delivery lease."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    try:
        settings.DELIVERY_LEASE_SECONDS = 2
        partner = queued.partner
        partner.channel_config = {
            **partner.channel_config,
            "port": silent.getsockname()[1],
            "timeout": 30,
        }
        partner.save()
        started = time.monotonic()
        delivery = delivered(queued)
        assert time.monotonic() - started < 8
        assert delivery.status == "retrying" and "Timed out" in delivery.last_error
    finally:
        silent.close()


# --- order changes (issue 16) --------------------------------------------------------------------


def _change_response(order, doc_id, quantities):
    from datetime import UTC, datetime
    from decimal import Decimal

    from orderhub.formats.documents import AnswerLine, PartnerAnswer

    return PartnerAnswer(
        kind="order_response",
        order_number=order.number,
        document_id=doc_id,
        issued_at=datetime.now(UTC),
        lines=[AnswerLine(pos, "confirmed", Decimal(q)) for pos, q in quantities],
    )


def test_change_answers_are_read_from_the_outbox_like_the_drop_directory(
    queued, sftp_root, practice
):
    from orderhub.formats import change_answers
    from orderhub.ordering.models import OrderChange

    assert delivered(queued).status == "delivered"
    queued.refresh_from_db()
    assert queued.status == "sent"
    r = practice.post(
        f"/api/v1/orders/{queued.pk}/changes", {"lines": [{"position": 1, "quantity": 3}]}
    )
    assert r.status_code == 201, r.json_body
    assert run_queued_tasks() >= 1
    ordchg = (sftp_root / "in" / f"{queued.number}-AEND-1.edi").read_bytes()
    assert f"BGM+230+{queued.number}/1".encode() in ordchg
    # The partner accepts change 1 with an ORDRSP naming RFF+ON:<order>::1, and its response to
    # the order comes in the same round: the order's response is applied first.
    ordrsp, _, _ = edifact_answers((sftp_root / "in" / f"{queued.number}.edi").read_bytes())
    accepted = change_answers.write_ordrsp_change_reply(
        _change_response(queued, "AB-CHG-1", [(1, 3), (2, 1)]),
        1,
        True,
        sender_id="SONORA",
        recipient_id="ORDERHUB",
        interchange_ref="C1",
    )
    (sftp_root / "out" / f"A_CHANGE_{queued.number}.edi").write_bytes(accepted)
    (sftp_root / "out" / f"B_ORDRSP_{queued.number}.edi").write_bytes(ordrsp)
    counts = sftp_inbox.pick_up_all(force=True)
    assert counts == {"applied": 2, "duplicates": 0, "failed": 0, "deferred": 0, "unreachable": 0}
    change = OrderChange.objects.get(order=queued, sequence=1)
    assert change.status == "accepted" and change.answered_by.endswith("(SFTP)")
    queued.refresh_from_db()
    assert queued.status == "confirmed"
    line = queued.lines.get(position=1)
    assert (line.quantity, line.confirmed_quantity) == (3, 3)
    reasons = [event_reason(e) for e in queued.events.order_by("id")]
    assert reasons.index("Auftragsbestätigung") < reasons.index("Änderung 1 vom Partner angenommen")
    assert sorted(p.name for p in (sftp_root / "out" / "done").iterdir()) == [
        f"A_CHANGE_{queued.number}.edi",
        f"B_ORDRSP_{queued.number}.edi",
    ]
    doc = Document.objects.get(order=queued, direction="inbound", kind="change_response")
    assert bytes(doc.content) == accepted
    # The same file again is a duplicate; the change stays accepted.
    (sftp_root / "out" / f"A_CHANGE_{queued.number}.edi").write_bytes(accepted)
    assert sftp_inbox.pick_up_all(force=True)["duplicates"] == 1

    # Change 2 refused in openTRANS (ORDERRESPONSE with ORDERCHANGE_SEQUENCE_ID): lines stay.
    r = practice.post(f"/api/v1/orders/{queued.pk}/changes", {"kind": "cancel"})
    assert r.status_code == 201, r.json_body
    refused = change_answers.write_opentrans_change_reply(
        _change_response(queued, "AB-CHG-2", [(1, 3), (2, 1)]), 2, False
    )
    (sftp_root / "out" / "refused.xml").write_bytes(refused)
    assert sftp_inbox.pick_up_all(force=True)["applied"] == 1
    assert OrderChange.objects.get(order=queued, sequence=2).status == "refused"
    queued.refresh_from_db()
    assert queued.status == "confirmed"
    assert not (sftp_root / "out" / "error").exists()


def test_a_broken_change_answer_is_moved_aside(queued, sftp_root, practice):
    assert delivered(queued).status == "delivered"
    r = practice.post(f"/api/v1/orders/{queued.pk}/changes", {"kind": "cancel"})
    assert r.status_code == 201, r.json_body
    from orderhub.formats import change_answers

    reply = change_answers.write_ordrsp_change_reply(
        _change_response(queued, "AB-CHG-9", [(1, 2), (2, 1)]),
        9,  # the order has no change 9
        True,
        sender_id="SONORA",
        recipient_id="ORDERHUB",
        interchange_ref="C9",
    )
    (sftp_root / "out" / "CHANGE_9.edi").write_bytes(reply)
    assert sftp_inbox.pick_up_all(force=True)["failed"] == 1
    assert "no change 9" in (sftp_root / "out" / "error" / "CHANGE_9.edi.error.txt").read_text()
    queued.refresh_from_db()
    assert queued.status == "sent"


def test_a_stored_change_is_never_sent_as_the_order(queued, sftp_root):
    """outbox.prepare reuses only the order's own stored bytes (kind order/order_pdf)."""
    Document.objects.create(
        order=queued,
        partner=queued.partner,
        direction="outbound",
        kind="order_change",
        format="edifact",
        content_type="application/edifact",
        filename=f"{queued.number}-AEND-1.edi",
        content=b"UNA:+.? 'UNB+UNOC:3+ORDCHG'",
        size=27,
    )
    assert delivered(queued).status == "delivered"
    data = (sftp_root / "in" / f"{queued.number}.edi").read_bytes()
    assert b"UNH+1+ORDERS:D:96A:UN" in data or b"ORDERS:D:96A" in data
    assert b"ORDCHG" not in data
    assert Document.objects.filter(order=queued, kind="order").count() == 1
