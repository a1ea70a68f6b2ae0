"""Timeline reasons are codes and parameters, rendered in the reader's language (issue 15): every
code has its English sentence, events of the German-text era are converted by migration 0007 and
read in English afterwards, the API keeps ``reason`` (German) and adds the code."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation

from orderhub.core import actors
from orderhub.core.actors import Actor
from orderhub.masterdata.models import Employee
from orderhub.ordering import changes, reasons
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order, OrderEvent
from tests.accounts.conftest import make_login
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

migration = importlib.import_module("orderhub.ordering.migrations.0007_event_reason_codes")


def test_every_reason_code_has_an_english_sentence_naming_the_same_values():
    untranslated = []
    for code, template in reasons.REASONS.items():
        with translation.override("en"):
            english = translation.gettext(template)
        if english == template or set(re.findall(r"%\((\w+)\)s", english)) != reasons.named(code):
            untranslated.append(code)
    assert untranslated == []


@pytest.mark.parametrize(
    "stored, to_status, english",
    [
        ("Position 2: SN-R-M-3-R gewählt", "", "Line 2: article SN-R-M-3-R chosen"),
        ("Position 3: Menge 2.25", "", "Line 3: quantity 2.25"),
        ("Position 1: side = R gewählt", "", "Line 1: Side “right” chosen"),
        (
            "Wareneingang B-1/WE1 dem Partner bestätigt",
            "",
            "Goods receipt B-1/WE1 acknowledged to the partner",
        ),
        (
            "Bestätigung des Wareneingangs B-1/WE2 nicht zustellbar: HTTP 503",
            "",
            "Acknowledgement of goods receipt B-1/WE2 could not be delivered",
        ),
        ("Position 1 wiederhergestellt", "", "Line 1 restored"),
        (
            "Kundennummer K-1 durch K-2 ersetzt und in den Stammdaten gespeichert",
            "",
            "Customer number K-1 replaced by K-2 and saved in the master data",
        ),
        (
            "vollständig: wird weitergeleitet; Position 1, 2 über gespeicherte Zuordnung",
            "queued",
            "complete: being forwarded; line 1, 2 by a saved mapping",
        ),
        ("Versandmeldung", "shipped", "Dispatch notification"),
        ("Demo: storniert", "cancelled", "canceled"),
        ("Kanal opentrans_http", "sending", "Transmission to the partner started"),
        ("written to /srv/drop/B-1.xml", "sent", "Transmitted to the partner"),
        (
            "Zustellung aufgegeben (Frist abgelaufen): HTTP 503",
            "failed",
            "Delivery given up (time limit reached)",
        ),
        ("Änderung 2 an den Partner gesendet", "", "Change 2 sent to the partner"),
        ("Stornierung 1 an den Partner gesendet", "", "Cancellation 1 sent to the partner"),
        (
            "Änderung 1 vom Partner abgelehnt: Ware schon unterwegs – die Bestellung bleibt wie sie war",
            "",
            "Change 1 refused by the partner: Ware schon unterwegs – the order stays as it was",
        ),
        (
            "Stornierung 3 vom Partner angenommen",
            "cancelled",
            "Cancellation 3 accepted by the partner",
        ),
        (
            "Stornierung 1 vom Partner angenommen (shipped)",
            "",
            "Cancellation 1 accepted by the partner; the order already has the status “shipped”",
        ),
        (
            "Stornierung 1 angefragt: Patient hat storniert",
            "",
            "Cancellation 1 requested: Patient hat storniert",
        ),
        (
            "Änderung 1 angefragt: Pos. 1 Menge 3, Liefertermin 30.01.2027; Pos. 2 entfernen; "
            "Pos. 3 neu: 2 × SN-D-OPEN-M",
            "",
            "Change 1 requested: line 1: quantity 3, delivery date 30.01.2027; remove line 2; "
            "new line 3: 2 × SN-D-OPEN-M",
        ),
        ("Änderung 4 nicht zustellbar: HTTP 500", "", "Change 4 could not be delivered"),
    ],
)
def test_german_era_reasons_become_codes_that_read_in_both_languages(stored, to_status, english):
    code, params = migration.legacy_reason(stored, to_status)
    assert code in reasons.REASONS
    with translation.override("en"):
        assert reasons.sentence(code, params) == english
    with translation.override("de"):
        assert reasons.sentence(code, params) not in ("", english)


def test_text_no_pattern_knows_stays_as_stored():
    assert migration.legacy_reason("Rückfrage beim Partner telefonisch geklärt", "") is None
    assert migration.legacy_reason("Änderung 1 angefragt: etwas ganz anderes", "") is None


def _language_client(company, language):
    client = Client()
    client.force_login(company[1])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_a_timeline_shows_a_german_era_event_in_english_after_the_migration(practice, company):
    order = Order.objects.get(pk=submit(practice, order_body()).json_body["id"])
    picked = OrderEvent.objects.create(
        order=order, actor="Benutzer muster-admin", reason="Position 2: SN-D-OPEN-M gewählt"
    )
    own = OrderEvent.objects.create(order=order, actor="System", reason="Telefonisch geklärt")
    migration.forwards(apps, None)
    picked.refresh_from_db()
    own.refresh_from_db()
    assert (picked.reason_code, picked.reason_params, picked.reason) == (
        "cart.article_chosen",
        {"position": 2, "article": "SN-D-OPEN-M"},
        "",
    )
    assert (own.reason_code, own.reason) == ("", "Telefonisch geklärt")
    url = f"/dashboard/bestellungen/{order.pk}/"
    english = _language_client(company, "en").get(url).content.decode()
    assert "Line 2: article SN-D-OPEN-M chosen" in english and "gewählt" not in english
    assert "Telefonisch geklärt" in english  # no code for it: as stored
    german = _language_client(company, "de").get(url).content.decode()
    assert "Position 2: Artikel SN-D-OPEN-M gewählt" in german


def test_new_events_store_codes_and_the_api_renders_both_languages(practice):
    order_id = submit(practice, order_body()).json_body["id"]
    event = OrderEvent.objects.get(order_id=order_id)
    assert (event.reason_code, event.reason) == ("intake.complete", "")
    events = practice.get(f"/api/v1/orders/{order_id}").json_body["events"]
    assert events[0] == {
        "at": events[0]["at"],
        "actor": event.actor,
        "actor_en": event.actor.replace(
            "Branchensoftware (API-Token", "Practice software (API token"
        ),
        "actor_kind": "software",
        "actor_params": event.actor_params,
        "from_status": None,
        "to_status": "queued",
        "reason": "vollständig: wird weitergeleitet",
        "reason_en": "complete: being forwarded",
        "reason_code": "intake.complete",
        "reason_params": {},
    }


def test_the_status_machine_refuses_a_sentence_or_a_missing_value(practice):
    order = Order.objects.get(pk=submit(practice, order_body()).json_body["id"])
    with pytest.raises(reasons.UnknownReason):
        order_status.note(order, actor="System", reason="Irgendein Satz")
    with pytest.raises(reasons.UnknownReason):
        order_status.note(order, actor="System", reason="cart.quantity", params={"position": 1})
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_an_undeliverable_change_shows_its_error_only_to_administrators(practice, company):
    order = mark_sent(Order.objects.get(pk=submit(practice, order_body("B-FAIL")).json_body["id"]))
    change = changes.request_cancel(
        order, actor=Actor.person("muster-admin"), note="Patient verzogen"
    )
    changes.mark_failed(change, actor=actors.DELIVERY, detail="ConnectError: /srv/out refused")
    staff = Client()
    staff.force_login(
        make_login(
            company[0], Employee.objects.get(company=company[0], external_id="U2"), "branch_staff"
        )
    )
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = f"/dashboard/bestellungen/{order.pk}/"
    page = staff.get(url).content.decode()
    assert "Cancellation 1 could not be delivered" in page
    assert "/srv/out" not in page and "ConnectError" not in page
    assert "User muster-admin" in page  # who asked, in the page's language
    admin = _language_client(company, "en").get(url).content.decode()
    assert "<pre data-verbatim>ConnectError: /srv/out refused</pre>" in admin


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_rows_written_before_it(practice):
    """Back to 0006 (no codes), a German-era row written there, forward again: the row has its code."""
    order_id = submit(practice, order_body("B-MIG")).json_body["id"]
    executor = MigrationExecutor(connection)
    before = [("ordering", "0006_order_change_client_id")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("ordering", "OrderEvent")
    written = [
        old.objects.create(order_id=order_id, actor="System", reason=text).pk
        for text in ("Position 1 entfernt", "Telefonisch geklärt")
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = OrderEvent.objects.filter(pk__in=written).order_by("pk")
    assert [(e.reason_code, e.reason_params, e.reason) for e in rows] == [
        ("cart.line_removed", {"position": 1}, ""),
        ("", {}, "Telefonisch geklärt"),
    ]
