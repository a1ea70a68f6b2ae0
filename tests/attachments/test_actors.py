"""Who uploaded and who attached a file is a kind code with parameters (issue 15,
``core/actors.py``): the attachment box names who attached it in the reader's language, rows of
the German-text era are converted by migration attachments/0002, a text no pattern knows is
shown as stored."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation

from orderhub.attachments.models import Attachment, OrderAttachment
from orderhub.ordering.models import Order
from tests.attachments import files
from tests.attachments.test_api import upload
from tests.ordering.conftest import order_body, submit

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def reader(company, language: str) -> Client:
    client = Client()
    client.force_login(company[1])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def box(page) -> str:
    """The attachment box of a page, whitespace folded."""
    html = re.sub(r"\s+", " ", page.content.decode())
    return html.split('id="attachments"')[1].split("</section>")[0]


@pytest.fixture
def cart(practice):
    body = order_body()
    body["lines"][0]["partner_article_number"] = "SN-XXX"
    order = Order.objects.get(pk=submit(practice, body).json_body["id"])
    assert order.status == "cart"
    return order


def test_a_file_attached_in_the_cart_names_who_attached_it_in_the_readers_language(cart, company):
    login = company[1].get_username()
    german = reader(company, "de")
    r = german.post(
        f"/warenkorb/{cart.pk}/anhaenge/",
        {"position": "1", "file": SimpleUploadedFile("rechts.stl", files.binary_stl(2))},
        headers=HX,
    )
    assert r.status_code == 200
    link = OrderAttachment.objects.get(order=cart)
    assert (link.added_by, link.added_by_kind, link.added_by_params) == (
        f"Benutzer {login}",
        "user",
        {"login": login},
    )
    assert (link.attachment.created_by_kind, link.attachment.created_by_params) == (
        "user",
        {"login": login},
    )
    assert f"Benutzer {login}" in box(r)

    english = box(reader(company, "en").get(f"/dashboard/bestellungen/{cart.pk}/"))
    assert f"User {login}" in english and "Benutzer" not in english


def test_attachments_an_order_names_read_as_the_practice_software_in_english(practice, company):
    scan = upload(practice, files.binary_stl()).json()["id"]
    body = order_body("A-1")
    body["lines"][0]["attachments"] = [scan]
    order_id = submit(practice, body, key="a-1").json_body["id"]
    link = OrderAttachment.objects.get(order_id=order_id)
    assert link.added_by_kind == "software" and link.added_by_params["name"] == "Test"
    assert Attachment.objects.get(pk=scan).created_by_kind == "software"
    hint = link.added_by_params["hint"]
    assert link.added_by == f"Branchensoftware (API-Token Test …{hint})"  # what it always stored
    with translation.override("en"):
        assert link.added_by_label() == f"Practice software (API token Test …{hint})"
    english = box(reader(company, "en").get(f"/dashboard/bestellungen/{order_id}/"))
    assert f"Practice software (API token Test …{hint})" in english


def test_a_text_no_pattern_knows_is_shown_as_stored(cart):
    attachment = Attachment.objects.create(
        company=cart.company, kind="tracking_number", text="DHL 123", created_by="Import"
    )
    link = OrderAttachment.objects.create(order=cart, attachment=attachment, added_by="Skript")
    with translation.override("en"):
        assert link.added_by_label() == "Skript"


@pytest.mark.django_db(transaction=True)
def test_migration_0002_gives_rows_written_before_it_their_kind(cart):
    before = [("attachments", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    state = executor.loader.project_state(before).apps
    old_attachment = state.get_model("attachments", "Attachment").objects.create(
        company_id=cart.company_id,
        kind="tracking_number",
        text="DHL 1",
        created_by="Anna Beispiel (anna@muster.example)",
    )
    old_link = state.get_model("attachments", "OrderAttachment").objects.create(
        order_id=cart.pk, attachment_id=old_attachment.pk, added_by="Frau Müller am Telefon"
    )
    other = state.get_model("attachments", "OrderAttachment").objects.create(
        order_id=cart.pk,
        attachment_id=state.get_model("attachments", "Attachment")
        .objects.create(company_id=cart.company_id, kind="tracking_number", text="DHL 2")
        .pk,
        added_by="Benutzer muster-admin",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    attachment = Attachment.objects.get(pk=old_attachment.pk)
    assert (attachment.created_by_kind, attachment.created_by_params) == (
        "person",
        {"name": "Anna Beispiel", "login": "anna@muster.example"},
    )
    link = OrderAttachment.objects.get(pk=other.pk)
    assert (link.added_by_kind, link.added_by_params) == ("user", {"login": "muster-admin"})
    unknown = OrderAttachment.objects.get(pk=old_link.pk)
    assert (unknown.added_by_kind, unknown.added_by_params) == ("", {})
    with translation.override("en"):
        assert link.added_by_label() == "User muster-admin"
        assert unknown.added_by_label() == "Frau Müller am Telefon"
