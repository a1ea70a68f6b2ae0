"""Who acted is a kind code with parameters, rendered in the reader's language (issue 15): every
kind has its English words, rows of the German-text era are converted by migrations
accounts/0004 and ordering/0008 and read in English afterwards, the API keeps ``actor`` (German)
and adds the English, the kind and its parameters."""

from __future__ import annotations

import importlib
import re

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation

from orderhub.accounts import audit
from orderhub.accounts.models import AuditEvent
from orderhub.catalog.models import Article, ArticleMapping
from orderhub.core import actors
from orderhub.core.actors import Actor
from orderhub.ordering import changes, services
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order, OrderChange, OrderEvent
from tests.catalog.test_mappings import submit as submit_line
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db

legacy = importlib.import_module("orderhub.accounts.migrations.0004_actor_codes")

_CATALOGUE = (settings.BASE_DIR / "locale/en/LC_MESSAGES/django.po").read_text()


def _msgstr(msgid: str) -> str | None:
    """The English of ``msgid`` as the catalogue has it (a missing or empty msgstr is None)."""
    quoted = msgid.replace("\\", "\\\\").replace('"', '\\"')
    m = re.search(rf'^msgid "{re.escape(quoted)}"\nmsgstr "(.+)"$', _CATALOGUE, re.M)
    return m[1] if m else None


def test_every_actor_kind_has_english_words_naming_the_same_values():
    missing = []
    for kind, template in {**actors.KINDS, **actors.CHANNELS}.items():
        english = _msgstr(template)
        if english is None or set(re.findall(r"%\((\w+)\)s", english)) != set(
            re.findall(r"%\((\w+)\)s", template)
        ):
            missing.append(kind)
    assert missing == []


SOFTWARE = Actor.software("Schnittstelle", "ab12")

EVERY_KIND = [
    (Actor.person("anna@muster.example", "Anna Beispiel"), "Anna Beispiel (anna@muster.example)", "Anna Beispiel (anna@muster.example)"),
    (Actor.person("muster-admin"), "Benutzer muster-admin", "User muster-admin"),
    (SOFTWARE, "Branchensoftware (API-Token Schnittstelle …ab12)", "Practice software (API token Schnittstelle …ab12)"),
    (Actor("software_unnamed"), "Branchensoftware", "Practice software"),
    (Actor.partner("Sonora"), "Partner Sonora", "Partner Sonora"),
    (Actor.partner("Sonora", "sftp"), "Partner Sonora (SFTP)", "Partner Sonora (SFTP)"),
    (Actor.partner("Audiotec", "drop"), "Partner Audiotec (Dateiablage)", "Partner Audiotec (drop directory)"),
    (Actor.supplier("Sonora", "Clara Klerk", "clara@sonora.example"), "Lieferant Sonora (Clara Klerk)", "Supplier Sonora (Clara Klerk)"),
    (Actor("supplier_portal", person="clara"), "Lieferantenportal clara", "Supplier portal clara"),
    (Actor.via("Eva Empfang", SOFTWARE), "Eva Empfang über Branchensoftware (API-Token Schnittstelle …ab12)", "Eva Empfang via Practice software (API token Schnittstelle …ab12)"),
    (actors.SYSTEM, "System", "System"),
    (actors.DELIVERY, "Zustellung", "Delivery"),
    (Actor("registration", login="muster-admin"), "Registrierung durch muster-admin", "Registration by muster-admin"),
    (actors.DEMO, "Demo-Einrichtung", "Demo set-up"),
]  # fmt: skip


@pytest.mark.parametrize(
    "actor, german, english", EVERY_KIND, ids=lambda v: getattr(v, "kind", None)
)
def test_every_actor_kind_reads_in_german_and_english(actor, german, english):
    assert str(actor) == german  # the text the API has always returned
    with translation.override("de"):
        assert actors.label(actor.kind, actor.params, "") == german
    with translation.override("en"):
        assert actors.label(actor.kind, actor.params, "") == english


def test_the_kinds_cover_every_kind_the_registry_has():
    assert {actor.kind for actor, _, _ in EVERY_KIND} == set(actors.KINDS)


@pytest.mark.parametrize(
    "stored, kind, params",
    [
        ("Benutzer muster-admin", "user", {"login": "muster-admin"}),
        (
            "Anna Beispiel (anna@muster.example)",
            "person",
            {"name": "Anna Beispiel", "login": "anna@muster.example"},
        ),
        (
            "Branchensoftware (API-Token Test …ab12)",
            "software",
            {"token": "Test …ab12", "name": "Test", "hint": "ab12"},
        ),
        ("Branchensoftware", "software_unnamed", {}),
        (
            "Lieferant Sonora Hörsysteme GmbH (Clara Klerk)",
            "supplier",
            {"partner": "Sonora Hörsysteme GmbH", "person": "Clara Klerk"},
        ),
        (
            "Partner Audiotec Hörgeräte AG (Dateiablage)",
            "partner_channel",
            {"partner": "Audiotec Hörgeräte AG", "channel": "drop"},
        ),
        ("Partner Sonora Hörsysteme GmbH", "partner", {"partner": "Sonora Hörsysteme GmbH"}),
        (
            "Eva Empfang über Branchensoftware (API-Token Test …ab12)",
            "via",
            {
                "employee": "Eva Empfang",
                "via": {
                    "kind": "software",
                    "params": {"token": "Test …ab12", "name": "Test", "hint": "ab12"},
                    "text": "Branchensoftware (API-Token Test …ab12)",
                },
            },
        ),
        ("Registrierung durch muster-admin", "registration", {"login": "muster-admin"}),
        ("Zustellung", "delivery", {}),
        ("test", "system", {}),
        ("Demo-Einrichtung", "demo", {}),
    ],
)
def test_german_era_actors_become_kinds(stored, kind, params):
    assert legacy.legacy_actor(stored) == (kind, params)
    assert actors.german(kind, params, "") == ("System" if stored == "test" else stored)


def test_text_no_pattern_knows_stays_as_stored():
    assert legacy.legacy_actor("Frau Müller am Telefon") is None
    assert actors.label("", {}, "Frau Müller am Telefon") == "Frau Müller am Telefon"


def _language_client(company, language):
    client = Client()
    client.force_login(company[1])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_new_rows_store_kinds_and_the_api_renders_both_languages(practice, company):
    order_id = submit(practice, order_body()).json_body["id"]
    event = OrderEvent.objects.get(order_id=order_id)
    assert event.actor_kind == "software" and event.actor_params["name"] == "Test"
    hint = event.actor_params["hint"]
    shown = practice.get(f"/api/v1/orders/{order_id}").json_body["events"][0]
    assert {k: v for k, v in shown.items() if k.startswith("actor")} == {
        "actor": f"Branchensoftware (API-Token Test …{hint})",
        "actor_en": f"Practice software (API token Test …{hint})",
        "actor_kind": "software",
        "actor_params": {"token": f"Test …{hint}", "name": "Test", "hint": hint},
    }
    order = mark_sent(Order.objects.get(pk=order_id))
    change = changes.request_cancel(order, actor=audit.actor_for_user(company[1]), note="")
    clerk = Actor.supplier("Sonora Hörsysteme GmbH", "Clara Klerk", "clara@sonora.example")
    changes.answer_change(change, False, actor=clerk, note="schon versandt")
    change.refresh_from_db()
    assert (change.requested_by_kind, change.answered_by_kind) == ("user", "supplier")
    row = practice.get(f"/api/v1/orders/{order_id}").json_body["changes"][0]
    assert (row["requested_by"], row["requested_by_en"], row["requested_by_kind"]) == (
        f"Benutzer {company[1].get_username()}",
        f"User {company[1].get_username()}",
        "user",
    )
    assert (row["answered_by"], row["answered_by_en"]) == (
        "Lieferant Sonora Hörsysteme GmbH (Clara Klerk)",
        "Supplier Sonora Hörsysteme GmbH (Clara Klerk)",
    )


def test_a_timeline_and_the_audit_trail_show_german_era_actors_in_english(practice, company):
    order = Order.objects.get(pk=submit(practice, order_body()).json_body["id"])
    OrderEvent.objects.create(
        order=order, actor="Partner Audiotec Hörgeräte AG (Dateiablage)", reason_code="cart.expired"
    )
    OrderEvent.objects.create(
        order=order, actor="Frau Müller am Telefon", reason_code="cart.expired"
    )
    AuditEvent.objects.create(
        company=company[0], actor="Registrierung durch muster-admin", action="x"
    )
    legacy.convert(OrderEvent)
    legacy.convert(AuditEvent)
    english = _language_client(company, "en").get(f"/dashboard/bestellungen/{order.pk}/")
    page = english.content.decode()
    assert "Partner Audiotec Hörgeräte AG (drop directory)" in page and "Dateiablage" not in page
    assert "Practice software (API token Test" in page
    assert "Frau Müller am Telefon" in page  # no kind for it: as stored
    trail = _language_client(company, "en").get("/dashboard/protokoll/").content.decode()
    assert "Registration by muster-admin" in trail and "Registrierung durch" not in trail


def test_a_plain_string_is_stored_as_text_without_a_kind(practice):
    order = Order.objects.get(pk=submit(practice, order_body()).json_body["id"])
    event = order_status.note(order, actor="Skript", reason="cart.expired")
    assert (event.actor, event.actor_kind, event.actor_params) == ("Skript", "", {})


def test_the_article_mappings_page_names_who_saved_a_mapping_in_english(practice, company):
    order = Order.objects.get(pk=submit_line(practice, "B-MAP")["id"])
    article = Article.objects.get(partner_article_number="SN-R-M-3-R")
    who = audit.actor_for_user(company[1])
    services.pick_article(order, order.lines.get(), article, actor=who)
    assert ArticleMapping.objects.get().created_by_kind == "user"
    page = _language_client(company, "en").get("/dashboard/zuordnungen/").content.decode()
    assert f"User {company[1].get_username()}" in page and "Benutzer" not in page


@pytest.mark.django_db(transaction=True)
def test_the_migrations_convert_rows_written_before_them(practice, company):
    """Back to the migrations before the kinds, German-era rows written there, forward again:
    every row has its kind; back once more drops the columns and keeps the text."""
    order_id = submit(practice, order_body("B-MIG")).json_body["id"]
    before = [("accounts", "0003_personal_accounts"), ("ordering", "0007_event_reason_codes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    state = executor.loader.project_state(before).apps
    event = state.get_model("ordering", "OrderEvent").objects.create(
        order_id=order_id, actor="Lieferant Sonora Hörsysteme GmbH (Clara Klerk)"
    )
    change = state.get_model("ordering", "OrderChange").objects.create(
        order_id=order_id,
        sequence=1,
        kind="cancel",
        requested_by="Anna Beispiel (anna@muster.example)",
        answered_by="Zustellung",
    )
    row = state.get_model("accounts", "AuditEvent").objects.create(
        company_id=company[0].pk, actor="Benutzer muster-admin", action="x"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    event = OrderEvent.objects.get(pk=event.pk)
    change = OrderChange.objects.get(pk=change.pk)
    assert (event.actor_kind, event.actor_params) == (
        "supplier",
        {"partner": "Sonora Hörsysteme GmbH", "person": "Clara Klerk"},
    )
    assert (change.requested_by_kind, change.answered_by_kind) == ("person", "delivery")
    assert AuditEvent.objects.get(pk=row.pk).actor_kind == "user"
    with translation.override("en"):
        assert event.actor_label() == "Supplier Sonora Hörsysteme GmbH (Clara Klerk)"
        assert change.answered_by_label() == "Delivery"
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    state = executor.loader.project_state(before).apps
    back = state.get_model("ordering", "OrderEvent").objects.get(pk=event.pk)
    assert back.actor == "Lieferant Sonora Hörsysteme GmbH (Clara Klerk)"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
