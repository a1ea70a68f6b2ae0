"""End to end on real processes: order → worker → simulator gets a valid document → answers →
the order is ``confirmed``, then ``shipped`` — for each of the four channels; the practice's goods
receipt is acknowledged to the partners whose channel sends it."""

import email
import hashlib
import json
import struct
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orderhub.formats import change_answers, partner_json
from orderhub.formats.edifact.partner import parse_orders
from orderhub.formats.edifact.structure import check_structure
from orderhub.formats.opentrans.partner import parse_order, parse_receipt_acknowledgement
from orderhub.formats.opentrans.schema import validate
from tests.connector_e2e.helpers import Install, demo_practice
from tests.delivery.conftest import Recorder

pytestmark = pytest.mark.slow

LINES = {
    "sonora": [
        {"position": 1, "quantity": 2, "partner_article_number": "SN-R-M-3-R"},
        {"position": 2, "quantity": 1, "partner_article_number": "SN-D-OPEN-M"},
    ],
    "audiotec": [{"position": 1, "quantity": 1, "partner_article_number": "AT-R-S-0-L"}],
    "otoplast": [{"position": 1, "quantity": 3, "partner_article_number": "OP-D-OPEN-S"}],
    "klangwerk": [{"position": 1, "quantity": 1, "partner_article_number": "KW-R-S-0-R"}],
}


@pytest.mark.parametrize("partner", ["sonora", "audiotec", "otoplast", "klangwerk"])
def test_order_is_delivered_confirmed_and_shipped(stack, partner):
    created = stack.submit(
        f"E2E-{partner}",
        partner,
        LINES[partner],
        customer_number="K-E2E" if partner == "klangwerk" else None,
    )
    assert created["status"] == "queued", created
    order = stack.wait_for(created["id"], {"shipped"}, timeout=60)

    transitions = [e["to_status"] for e in order["events"] if e["to_status"]]
    assert transitions[:3] == ["queued", "sending", "sent"]
    assert transitions.index("confirmed") < transitions.index("shipped")
    assert order["tracking_numbers"] and all(l["line_status"] == "shipped" for l in order["lines"])

    received = stack.sim_stats()[partner]["received"]
    assert received == {order["number"]: 1}

    # The exact document sent is downloadable and valid for its format.
    sent = [d for d in order["documents"] if d["direction"] == "outbound" and d["kind"] == "order"]
    assert len(sent) == 1
    content = stack.api.get(sent[0]["url"]).content
    if sent[0]["format"] == "opentrans":
        validate(content)
        assert parse_order(content).order_number == order["number"]
    elif sent[0]["format"] == "edifact":
        assert check_structure(content, "ORDERS") == []
        picked_up = (
            Path(stack.sim_info["drop_root"])
            / partner
            / "out"
            / "processed"
            / f"{order['number']}.edi"
        )
        assert picked_up.read_bytes() == content
    else:
        assert partner_json.parse_order(content).order_number == order["number"]
    inbound = {d["kind"] for d in order["documents"] if d["direction"] == "inbound"}
    assert inbound == {"order_response", "dispatch_notification"}

    if partner == "otoplast":
        mails = list(Path(stack.sim_info["mail_root"]).rglob("*.eml"))
        message = email.message_from_bytes(mails[0].read_bytes())
        names = {p.get_filename(): p for p in message.walk() if p.get_filename()}
        assert f"Bestellung-{order['number']}.pdf" in names
        validate(names[f"{order['number']}.xml"].get_payload(decode=True))


def test_partner_answers_for_unknown_or_foreign_orders_are_refused(stack):
    import httpx

    created = stack.submit("E2E-foreign", "sonora", LINES["sonora"])
    order = stack.wait_for(created["id"], {"shipped"}, timeout=60)
    tokens = stack.state["partner_tokens"]
    from datetime import datetime

    from orderhub.formats.documents import AnswerLine, PartnerAnswer

    def post(token, answer, content_type="application/json", raw=None):
        body = raw if raw is not None else partner_json.write_answer(answer)
        return httpx.post(
            stack.base_url + "/api/v1/partner/documents",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
            timeout=10,
        )

    answer = PartnerAnswer(
        kind="order_response",
        order_number=order["number"],
        document_id="X-1",
        issued_at=datetime.now(UTC),
        lines=[AnswerLine(line_no=1, status="rejected")],
    )
    r = post(tokens["klangwerk"], answer)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    answer.order_number = "OH-000000-NOPE"
    assert post(tokens["sonora"], answer).status_code == 404
    assert (
        post(tokens["sonora"], None, "application/xml", b"<ORDERRESPONSE><broken").status_code
        == 400
    )
    assert (
        post(tokens["sonora"], None, "application/edifact", b"UNB+UNOC:3+X'garbage").status_code
        == 400
    )
    assert post("ohp_wrong", None, "application/json", b"{}").status_code == 401
    after = stack.order(created["id"])
    assert after["status"] == "shipped" and after["events"] == order["events"]


PREFIX = {"sonora": "SN", "audiotec": "AT", "otoplast": "OP", "klangwerk": "KW"}


@pytest.fixture(scope="module")
def company_hook(stack):
    """The practice's own webhook (signed order events), a real HTTP endpoint on loopback."""
    recorder = Recorder()
    stack.orderhub(
        "shell",
        "-c",
        "from orderhub.accounts.models import ApiToken;"
        "from orderhub.delivery.models import CompanyWebhook;"
        f"CompanyWebhook.objects.create(company=ApiToken.objects.find({stack.api_token!r}).company,"
        f" url={recorder.url!r}, secret='e2e-hook')",
    )
    yield recorder
    recorder.close()


def _hook_events(recorder, order_id: str, to_status: str, timeout: float = 60) -> dict:
    """The company webhook's event for ``order_id`` reaching ``to_status`` (waits for it)."""
    deadline = time.monotonic() + timeout
    while True:
        for r in list(recorder.requests):
            body = json.loads(r["body"])
            if body["order"]["id"] == order_id and body["event"]["to_status"] == to_status:
                return body
        assert time.monotonic() < deadline, f"no {to_status} event for {order_id} at the hook"
        time.sleep(0.2)


@pytest.mark.parametrize("partner", ["sonora", "audiotec", "otoplast", "klangwerk"])
def test_line_answers_backorder_and_two_parcels_with_serial_numbers(stack, company_hook, partner):
    """Issue 16: one line confirmed, one changed in date, one backordered; two dispatch
    notifications, serial numbers for the device; ``shipped`` only after the second parcel; the
    API, the company webhook and ``orderhub-connector watch`` show per line
    promised/delivered/outstanding and the serials; the practice's goods receipt is acknowledged
    where the channel sends one."""
    p = PREFIX[partner]
    stack.sim_control(line_rules={f"{p}-D-OPEN-M": "later", f"{p}-BAT-312-60": "backorder"})
    try:
        created = stack.submit(
            f"E2E-lines-{partner}",
            partner,
            [
                {
                    "position": 1,
                    "quantity": 2,
                    "partner_article_number": f"{p}-HA-AURA7-RIC-R-BEIGE",
                    "attributes": {"side": "R"},
                },
                {"position": 2, "quantity": 1, "partner_article_number": f"{p}-D-OPEN-M"},
                {"position": 3, "quantity": 4, "partner_article_number": f"{p}-BAT-312-60"},
            ],
            customer_number="K-E2E" if partner == "klangwerk" else None,
        )
        assert created["status"] == "queued", created
        order = stack.wait_for(created["id"], {"shipped"}, timeout=90)
    finally:
        stack.sim_control(line_rules={})
    transitions = [e["to_status"] for e in order["events"] if e["to_status"]]
    assert transitions[-3:] == ["partially_confirmed", "partially_shipped", "shipped"], transitions
    lines = {line["position"]: line for line in order["lines"]}
    assert [lines[n]["line_status"] for n in (1, 2, 3)] == ["shipped"] * 3
    assert [float(lines[n]["shipped_quantity"]) for n in (1, 2, 3)] == [2, 1, 4]
    assert [float(lines[n]["outstanding_quantity"]) for n in (1, 2, 3)] == [0, 0, 0]
    assert float(lines[3]["backordered_quantity"]) == 2 and lines[3]["backorder_date"]
    assert lines[2]["delivery_date"] > lines[1]["delivery_date"]  # changed in date
    assert len(lines[1]["serial_numbers"]) == 2 and lines[3]["serial_numbers"] == []
    parcels = order["shipments"]
    assert len(parcels) == 2
    assert [[(r["position"], float(r["quantity"])) for r in s["lines"]] for s in parcels] == [
        [(1, 2.0), (2, 1.0), (3, 2.0)],
        [(3, 2.0)],
    ]
    assert parcels[0]["tracking_numbers"] != parcels[1]["tracking_numbers"]
    assert parcels[0]["lines"][0]["serial_numbers"] == lines[1]["serial_numbers"]
    # The practice software takes the answer over through the connector: `watch` hands over the
    # order with per line what was promised, delivered, outstanding, and the serial numbers.
    install = Install(
        stack.root / f"connector-{partner}",
        stack.base_url,
        demo_practice("E2E-Praxis"),
        token=stack.api_token,
    )
    (update,) = [
        u
        for u in install.run_json("watch", "--once")
        if u["external_order_id"] == order["external_order_id"]
    ]
    assert update["status"] == "shipped"
    assert {l["position"]: l["serial_numbers"] for l in update["lines"]} == {
        n: lines[n]["serial_numbers"] for n in (1, 2, 3)
    }
    assert [float(l["outstanding_quantity"]) for l in update["lines"]] == [0, 0, 0]
    assert float(update["lines"][2]["backordered_quantity"]) == 2
    # The company webhook told the same, parcel by parcel: after the first, the backordered rest
    # of line 3 is outstanding; after the second, nothing is.
    first = _hook_events(company_hook, order["id"], "partially_shipped")["order"]["lines"]
    assert [float(l["outstanding_quantity"]) for l in first] == [0, 0, 2]
    assert first[0]["serial_numbers"] == lines[1]["serial_numbers"]
    last = _hook_events(company_hook, order["id"], "shipped")["order"]["lines"]
    assert [float(l["outstanding_quantity"]) for l in last] == [0, 0, 0]
    assert {l["position"]: l["serial_numbers"] for l in last} == {
        n: lines[n]["serial_numbers"] for n in (1, 2, 3)
    }
    _goods_receipt_reaches_the_partner(stack, order, partner, lines[1]["serial_numbers"])


@pytest.mark.browser
def test_an_email_partner_answers_line_by_line_in_the_supplier_portal(stack, company_hook, page):
    """Issue 16 for the e-mail channel as it works for real: the clerk reads the order mail and
    answers in the supplier portal (a real browser against the stack's gunicorn) — one line
    confirmed, one later, one partly backordered — then ships two parcels, the device with its
    serial numbers; the practice sees it per line in the API and at its webhook."""
    soon = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    later = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    backorder = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    stack.sim_control(answers=False)  # the simulator only receives the mail; a person answers
    try:
        created = stack.submit(
            "E2E-portal-otoplast",
            "otoplast",
            [
                {"position": 1, "quantity": 2, "partner_article_number": "OP-HA-AURA7-RIC-R-BEIGE"},
                {"position": 2, "quantity": 1, "partner_article_number": "OP-D-OPEN-M"},
                {"position": 3, "quantity": 4, "partner_article_number": "OP-BAT-312-60"},
            ],
        )
        assert created["status"] == "queued", created
        sent = stack.wait_for(created["id"], {"sent"}, timeout=60)
        assert _order_mail(stack, sent)  # the mail reached the partner's mailbox
    finally:
        stack.sim_control(answers=True)

    page.goto(stack.base_url + "/lieferant/")
    page.get_by_label("Benutzername").fill("otoplast")
    page.get_by_label("Passwort").fill("Lieferant-Demo-2026")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name=sent["number"]).click()
    page.get_by_label("Liefertermin für alle Positionen").fill(soon)
    page.get_by_label("Antwort, Position 2").select_option("changed")
    page.get_by_label("Liefertermin, Position 2").fill(later)
    page.get_by_label("Antwort, Position 3").select_option("backordered")
    page.get_by_label("davon im Rückstand, Position 3").fill("2")
    page.get_by_label("Rückstand kommt am, Position 3").fill(backorder)
    page.get_by_role("button", name="Antwort senden").click()
    page.get_by_text("Gespeichert.").wait_for()
    # First parcel: the device pair with one serial per piece, the dome, half the batteries.
    page.get_by_label("Sendungsnummern (durch Komma getrennt)").fill("00340434161094016001")
    page.get_by_label("Versanddienstleister").fill("DHL")
    page.get_by_label("Seriennummern, Position 1").fill("2401B0001, 2401B0002")
    page.get_by_label("Menge in dieser Sendung, Position 3").fill("2")
    page.get_by_role("button", name="Als versandt markieren").click()
    page.get_by_text("Gespeichert.").wait_for()
    assert stack.order(created["id"])["status"] == "partially_shipped"
    # Second parcel: the backordered batteries.
    page.get_by_label("Sendungsnummern (durch Komma getrennt)").fill("00340434161094016002")
    page.get_by_label("Versanddienstleister").fill("DHL")
    page.get_by_role("button", name="Als versandt markieren").click()
    page.get_by_text("Gespeichert.").wait_for()

    order = stack.order(created["id"])
    transitions = [e["to_status"] for e in order["events"] if e["to_status"]]
    assert transitions[-3:] == ["partially_confirmed", "partially_shipped", "shipped"], transitions
    lines = {line["position"]: line for line in order["lines"]}
    assert [lines[n]["delivery_date"] for n in (1, 2)] == [soon, later]
    assert (float(lines[3]["backordered_quantity"]), lines[3]["backorder_date"]) == (2, backorder)
    assert lines[1]["serial_numbers"] == ["2401B0001", "2401B0002"]
    assert [float(lines[n]["outstanding_quantity"]) for n in (1, 2, 3)] == [0, 0, 0]
    assert [s["tracking_numbers"] for s in order["shipments"]] == [
        ["00340434161094016001"],
        ["00340434161094016002"],
    ]
    first = _hook_events(company_hook, created["id"], "partially_shipped")["order"]["lines"]
    assert [float(l["outstanding_quantity"]) for l in first] == [0, 0, 2]
    assert first[0]["serial_numbers"] == ["2401B0001", "2401B0002"]
    _hook_events(company_hook, created["id"], "shipped")


#: Channels that send the goods-receipt acknowledgement (openTRANS HTTP, webhook); EDIFACT (no
#: RECADV) and e-mail partners get none (docs/partner-formats.md).
ACKNOWLEDGES_RECEIPTS = {"sonora": "opentrans", "klangwerk": "json"}


def _goods_receipt_reaches_the_partner(stack, order, partner, serials):
    """The practice books the first parcel's device with its serials: the partner records the
    acknowledgement once under the receipt number, on the channels that send it."""
    r = stack.api.post(
        f"/api/v1/orders/{order['id']}/receipts",
        json={"lines": [{"position": 1, "quantity": 2, "serial_numbers": serials}]},
        headers={"Idempotency-Key": f"e2e-we-{partner}"},
    )
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    if partner not in ACKNOWLEDGES_RECEIPTS:
        after = stack.order(order["id"])
        assert not [d for d in after["documents"] if d["kind"] == "receipt_acknowledgement"]
        assert stack.sim_stats()[partner]["receipts"] == {}
        return
    said = f"Wareneingang {number} dem Partner bestätigt"
    deadline = time.monotonic() + 60
    while said not in [e["reason"] for e in stack.order(order["id"])["events"]]:
        assert time.monotonic() < deadline, f"{said!r} missing; logs in {stack.root}"
        time.sleep(0.2)
    assert stack.sim_stats()[partner]["receipts"] == {number: 1}
    (sent,) = [
        d for d in stack.order(order["id"])["documents"] if d["kind"] == "receipt_acknowledgement"
    ]
    assert sent["format"] == ACKNOWLEDGES_RECEIPTS[partner]
    content = stack.api.get(sent["url"]).content
    if sent["format"] == "opentrans":
        validate(content)
        acknowledged = parse_receipt_acknowledgement(content)
    else:
        acknowledged = change_answers.read_receipt_event(content)
    assert acknowledged.document_id == number
    assert acknowledged.lines[0].serial_numbers == serials


def _order_mail(stack, order):
    mails = [
        email.message_from_bytes(p.read_bytes())
        for p in Path(stack.sim_info["mail_root"]).rglob("*.eml")
    ]
    return next(m for m in mails if order["number"] in (m["Subject"] or ""))


def _received_order(stack, order, partner):
    """The order document as the partner received it: the exact bytes sent (the EDIFACT file as
    the simulator picked it up, the e-mail's machine-readable attachment), parsed."""
    sent = [d for d in order["documents"] if d["direction"] == "outbound" and d["kind"] == "order"]
    content = stack.api.get(sent[0]["url"]).content
    if sent[0]["format"] == "opentrans":
        validate(content)
        return parse_order(content), content
    if sent[0]["format"] == "edifact":
        assert check_structure(content, "ORDERS") == []
        picked = Path(stack.sim_info["drop_root"]) / partner / "out" / "processed"
        assert (picked / f"{order['number']}.edi").read_bytes() == content
        return parse_orders(content), content
    if sent[0]["format"] == "json":
        return partner_json.parse_order(content), content
    # e-mail: the PDF for people, openTRANS for machines
    message = _order_mail(stack, order)
    names = {p.get_filename(): p for p in message.walk() if p.get_filename()}
    xml = names[f"{order['number']}.xml"].get_payload(decode=True)
    validate(xml)
    assert names[f"Bestellung-{order['number']}.pdf"].get_payload(decode=True).startswith(b"%PDF")
    return parse_order(xml), xml


@pytest.mark.parametrize("partner", ["sonora", "audiotec", "otoplast", "klangwerk"])
def test_a_kommission_of_a_binaural_ric_pair_reaches_every_channel(stack, partner):
    """Issue 17: a consignment order (return date, fitting reference) of a binaural RIC pair with
        typed options and an STL scan per ear; the document the partner received carries type, return
    date, options, pair and the scans' signed links, which the partner fetched (SHA-256 checked)."""
    from datetime import date, timedelta

    p = PREFIX[partner]
    back = (date.today() + timedelta(days=28)).isoformat()
    # An STL scan of each ear, uploaded first and named by the lines (issue 17).
    scans = {side: binary_stl(side) for side in ("R", "L")}
    uploaded = {side: stack.upload(f"{side}-{partner}.stl", data) for side, data in scans.items()}

    def line(position, side):
        return {
            "position": position,
            "quantity": 1,
            "partner_article_number": f"{p}-HA-AURA7-RIC-{side}-BEIGE",
            "options": {
                "side": side,
                "style": "RIC",
                "colour": {"code": "P01", "name": "beige"},
                "receiver_power": {"value": "M", "code": "85"},
                "receiver_length": 2,
                "dome_type": "offen",
                "dome_size": "M",  # the catalog's domes come in S, M, L (catalog.variants)
                "battery": "Akku",
            },
            "pair": "P1",
            "attachments": [uploaded[side]["id"]],
        }

    created = stack.submit(
        f"E2E-hearing-{partner}",
        partner,
        [line(1, "R"), line(2, "L")],
        customer_number="K-E2E" if partner == "klangwerk" else None,
        order_type="consignment",
        return_date=back,
        fitting_reference="V-E2E-17",
    )
    assert created["status"] == "queued", created
    order = stack.wait_for(created["id"], {"shipped"}, timeout=90)
    assert order["order_type"] == "consignment" and order["return_date"] == back
    assert [l["pair"] for l in order["lines"]] == ["P1", "P1"]

    doc, raw = _received_order(stack, order, partner)
    assert doc.order_number == order["number"]
    assert doc.order_type == "consignment" and doc.return_date.isoformat() == back
    assert doc.fitting_reference == "V-E2E-17"
    right, left = doc.items
    assert (right.pair, left.pair) == ("P1", "P1")
    assert right.options["side"].value == "R" and left.options["side"].value == "L"
    assert right.options["colour"].code == "P01" and right.options["colour"].name == "beige"
    assert (right.options["receiver_power"].value, right.options["receiver_power"].code) == (
        "M",
        "85",
    )
    assert right.options["battery"].value == "rechargeable"
    assert right.options["dome_size"].value == "M"
    if raw.startswith(b"<?xml"):
        assert b'type="consignment"' in raw
    elif raw.startswith(b"UNA"):
        assert b"BGM+227+" in raw and b"IMD+B+35+P01::91:beige'" in raw

    # The scans went with their lines; the partner fetched each link and the SHA-256 matched.
    for item, side in ((right, "R"), (left, "L")):
        (scan,) = item.attachments
        assert scan.kind == "scan" and scan.sha256 == hashlib.sha256(scans[side]).hexdigest()
        assert scan.url.startswith(stack.base_url + "/anhaenge/")
    fetched = [a for a in stack.sim_attachments() if a["order_number"] == order["number"]]
    assert sorted(a["sha256"] for a in fetched) == sorted(u["sha256"] for u in uploaded.values())
    assert all(a["ok"] and a["partner"] == partner for a in fetched), fetched
    if partner == "otoplast":  # e-mail: the files themselves are attached too
        message = _order_mail(stack, order)
        names = {part.get_filename(): part for part in message.walk() if part.get_filename()}
        assert names[f"R-{partner}.stl"].get_payload(decode=True) == scans["R"]
        assert names[f"L-{partner}.stl"].get_payload(decode=True) == scans["L"]


def binary_stl(side: str, triangles: int = 3) -> bytes:
    """A small binary STL whose bytes differ per ear."""
    facets = b"".join(
        struct.pack("<12fH", 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, float(i + (side == "L")), 0)
        for i in range(triangles)
    )
    return f"scan {side}".encode().ljust(80, b" ") + struct.pack("<I", triangles) + facets
