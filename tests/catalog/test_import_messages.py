"""A catalog import says what it skipped or refused in the reader's language (issue 15): the
readers report codes with parameters, the import stores them, the CLI and the API make the
sentences — German, or English — when someone reads them."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from orderhub.catalog import import_messages
from orderhub.catalog.models import CatalogImport
from orderhub.catalog.services import import_file
from orderhub.formats import catalog_messages

pytestmark = pytest.mark.django_db

# A CSV catalog with something wrong in every row but the first.
CSV = (
    "Artikelnummer;Bezeichnung;GTIN;Preis;Lagerort\n"
    "SN-1;Hörer S;4006381333931;12,50;A1\n"
    "SN-2;Hörer M;4006381333932;12,50;A2\n"
    "SN-3;Hörer L;;zwölf;A3\n"
)
DEVELOPER_TEXT = re.compile(r"%\(|'[^']*'|check_digit")  # a placeholder, a repr, a reason code


def test_every_code_has_a_german_sentence_and_an_english_translation():
    assert set(import_messages.ISSUES) == set(catalog_messages.ISSUES)
    assert set(import_messages.ERRORS) == set(catalog_messages.ERRORS)
    for templates in (import_messages.ISSUES, import_messages.ERRORS):
        for code, german in templates.items():
            with translation.override("en"):
                english = translation.gettext(german)
            assert english != german, f"{code} has no English translation"


def test_the_import_stores_codes_and_the_cli_says_them_in_the_operators_language(
    partners, tmp_path, capsys
):
    path = tmp_path / "sonora.csv"
    path.write_text(CSV, encoding="utf-8")
    job = import_file(partners["sonora"], path)
    assert job.status == CatalogImport.Status.SUCCEEDED, job.error
    assert [(i["line"], i["code"]) for i in job.issues] == [
        (1, "csv_columns_ignored"),
        (3, "gtin_invalid"),
        (4, "csv_price_not_a_number"),
    ]
    assert job.issues[1]["params"] == {"value": "4006381333932", "reason": "check_digit"}
    assert all("message" not in issue for issue in job.issues)  # no stored words

    call_command("catalog", "import", "--partner", "sonora", str(path), "--no-progress")
    german = capsys.readouterr().err
    assert "Zeile 3: GTIN „4006381333932“: Prüfziffer falsch; die GTIN wurde verworfen" in german
    assert "Zeile 1: Unbekannte Spalten ignoriert: Lagerort." in german
    assert "Zeile 4: Preis „zwölf“ (net_list) ist keine Zahl" in german

    with translation.override("en"):
        call_command("catalog", "import", "--partner", "sonora", str(path), "--no-progress")
    english = capsys.readouterr().err
    assert "Line 3: GTIN “4006381333932”: wrong check digit; the GTIN was dropped" in english
    assert "Line 1: Unknown columns ignored: Lagerort." in english
    assert "Prüfziffer" not in english and "Zeile" not in english


def test_a_refused_file_says_why_in_german_and_english_with_the_line(partners, tmp_path, capsys):
    path = tmp_path / "catalog.csv"
    path.write_text("Bezeichnung;Preis\nHörer;1,00\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("catalog", "import", "--partner", "sonora", str(path), "--no-progress")
    assert "Zeile 1: Die Pflichtspalte Artikelnummer fehlt" in str(caught.value)
    assert "gefundene Spalten: Bezeichnung, Preis" in str(caught.value)
    job = CatalogImport.objects.latest("created_at")
    assert job.error_code == "csv_no_article_column"
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("catalog", "import", "--partner", "sonora", str(path), "--no-progress")
    assert "Line 1: The required column article number is missing" in str(caught.value)


def test_the_api_answers_codes_and_both_languages(
    partners, partner_token, django_capture_on_commit_callbacks, file_storage
):
    from tests.conftest import ApiClient, run_queued_tasks

    client = ApiClient(partner_token)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/api/v1/partner/catalogs", raw=CSV.encode(), content_type="text/csv")
    assert r.status_code == 202, r.json_body
    run_queued_tasks()
    body = client.get(r.json_body["url"]).json_body
    assert body["status"] == "succeeded"
    gtin = next(i for i in body["issues"] if i["code"] == "gtin_invalid")
    assert gtin["line"] == 3 and gtin["article"] == "SN-2"
    assert gtin["params"] == {"value": "4006381333932", "reason": "check_digit"}
    assert gtin["message"] == (
        "GTIN „4006381333932“: Prüfziffer falsch; die GTIN wurde verworfen, der Artikel übernommen."
    )
    assert gtin["message_en"] == (
        "GTIN “4006381333932”: wrong check digit; the GTIN was dropped, the article kept."
    )
    for issue in body["issues"]:
        for words in (issue["message"], issue["message_en"]):
            assert not DEVELOPER_TEXT.search(words) and issue["code"] not in words, words

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/api/v1/partner/catalogs",
            raw=b'<?xml version="1.0"?><CATALOG/>',
            content_type="application/xml",
        )
    run_queued_tasks()
    body = client.get(r.json_body["url"]).json_body
    assert body["status"] == "failed"
    assert body["error_code"] == "not_bmecat"
    assert body["error"] == "Zeile 1: Die Datei ist kein BMEcat-Dokument (Wurzelelement <CATALOG>)."
    assert body["error_en"] == "Line 1: The file is not a BMEcat document (root element <CATALOG>)."


def test_issues_stored_before_the_codes_keep_their_text():
    stored = {"line": 7, "message": "GTIN '1': wrong length (falsche Länge)", "article": "A"}
    assert import_messages.issue_message(stored) == stored["message"]
    assert import_messages.issue_for_api(stored)["message_en"] == stored["message"]
    assert import_messages.error_message("", {}, "old text") == "old text"
