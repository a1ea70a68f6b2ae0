"""Catalog import into the database: full replaces, update changes, broken files change nothing."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from orderhub.catalog import import_messages
from orderhub.catalog.models import Article, CatalogImport
from orderhub.catalog.services import import_file
from orderhub.formats.documents import SHIPPED_STANDARDS

pytestmark = pytest.mark.django_db

EXAMPLES = SHIPPED_STANDARDS / "bmecat-2005" / "examples"
DATA = Path(__file__).resolve().parents[1] / "formats" / "data" / "catalog"


def test_cli_imports_a_generated_catalog_and_reports(bmecat_file, partners, capsys):
    path = bmecat_file(300)
    call_command("catalog", "import", "--partner", "sonora", str(path), "--no-progress")
    out = capsys.readouterr().out
    assert "300 neu" in out  # the operator's language (German unless ORDERHUB_LANG says)
    assert Article.objects.filter(partner=partners["sonora"]).count() == 300
    call_command("catalog", "stats")
    assert "sonora" in capsys.readouterr().out


def test_official_examples_import(partners):
    for example in sorted(EXAMPLES.glob("*.xml")):
        job = import_file(partners["sonora"], example)
        assert job.status == "succeeded", job.error
        assert job.created + job.updated > 0
    assert Article.objects.filter(partner=partners["sonora"]).exists()


def test_full_import_replaces_and_update_changes(bmecat_file, partners, tmp_path):
    sonora = partners["sonora"]
    import_file(sonora, bmecat_file(300))
    job = import_file(sonora, bmecat_file(100, name="smaller.xml"))
    assert (job.created, job.updated, job.deleted) == (0, 100, 200)
    assert Article.objects.filter(partner=sonora).count() == 100

    first = Article.objects.filter(partner=sonora).order_by("pk").first()
    update = tmp_path / "prices.csv"
    update.write_text(
        f"Artikelnummer;Bezeichnung;Preis\n{first.partner_article_number};Neu;1.234,50\n",
        encoding="utf-8",
    )
    job = import_file(sonora, update, update=True)
    assert job.status == "succeeded", job.error
    assert Article.objects.filter(partner=sonora).count() == 100
    first.refresh_from_db()
    assert first.price == Decimal("1234.50") and first.short_description == "Neu"


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "truncated"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005"><HEADER/>&lol2;</BMECAT>',
            "entit",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">&xxe;</BMECAT>',
            "entit",
        ),
        ("Artikelnummer;Bezeichnung\nSN-1;H\xf6rer\n".encode("utf-16"), "encod"),
    ],
)
def test_broken_file_fails_clearly_and_keeps_previous_catalog(
    bmecat_file, partners, tmp_path, content, message
):
    sonora = partners["sonora"]
    import_file(sonora, bmecat_file(150))
    before = sorted(
        Article.objects.filter(partner=sonora).values_list("partner_article_key", "price")
    )
    broken = tmp_path / "broken.xml"
    if content is None:
        full = bmecat_file(400, name="full.xml").read_bytes()
        content = full[: len(full) * 2 // 3]
    broken.write_bytes(content)
    job = import_file(sonora, broken)
    assert job.status == CatalogImport.Status.FAILED
    assert message in job.error.lower(), job.error
    assert (
        sorted(Article.objects.filter(partner=sonora).values_list("partner_article_key", "price"))
        == before
    )


def test_cli_failure_says_so_and_exits_nonzero(partners, tmp_path):
    broken = tmp_path / "x.xml"
    broken.write_bytes(b"<BMECAT><T_NEW_CATALOG>")
    with pytest.raises(CommandError, match="bisherige Katalog bleibt unverändert"):
        call_command("catalog", "import", "--partner", "sonora", str(broken), "--no-progress")
    with pytest.raises(CommandError, match="Unbekannter Partner „nobody“"):
        call_command("catalog", "import", "--partner", "nobody", str(broken), "--no-progress")
    with translation.override("en"), pytest.raises(CommandError, match="Unknown partner"):
        call_command("catalog", "import", "--partner", "nobody", str(broken), "--no-progress")


def test_partner_uploads_catalog_through_api_and_polls(
    bmecat_file, partners, partner_token, django_capture_on_commit_callbacks, file_storage
):
    from tests.conftest import ApiClient, run_queued_tasks

    client = ApiClient(partner_token)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/api/v1/partner/catalogs",
            raw=bmecat_file(50).read_bytes(),
            content_type="application/xml",
        )
    assert r.status_code == 202, r.json_body
    assert r.json_body["status"] == "queued"
    # Kept in Django's storage (which web and worker share) until the import has ended.
    stored = file_storage / CatalogImport.objects.get(pk=r.json_body["import_id"]).stored_path
    assert stored.is_file() and stored.read_bytes().startswith(b"<?xml")
    assert run_queued_tasks() == 1
    r = client.get(r.json_body["url"])
    assert r.json_body["status"] == "succeeded" and r.json_body["created"] == 50
    assert not stored.exists(), "the upload is deleted once imported"
    assert Article.objects.filter(partner=partners["sonora"]).count() == 50
    # A company token is not a partner token.
    assert ApiClient("ohc_nope").post("/api/v1/partner/catalogs", raw=b"x").status_code == 401


def test_duplicate_article_numbers_inside_one_catalog_are_an_issue_and_the_last_wins(
    tmp_path, partners
):
    path = tmp_path / "dupes.csv"
    path.write_text(
        "Artikelnummer;Bezeichnung;Preis\nD-1;erst;1,00\nD-2;anders;2,00\nd-1;zweit;3,00\n",
        encoding="utf-8",
    )
    job = import_file(partners["sonora"], path)
    assert job.status == "succeeded", job.error
    [issue] = job.issues
    assert issue == {
        "line": 4,
        "code": "duplicate_article",
        "params": {"number": "d-1", "first_line": 2},
        "article": "d-1",
    }
    assert import_messages.issue_message(issue) == (
        "Artikelnummer „d-1“ kommt in diesem Katalog mehrfach vor (zuerst in Zeile 2); "
        "der letzte Eintrag gilt."
    )
    with translation.override("en"):
        assert import_messages.issue_message(issue) == (
            "Article number “d-1” appears more than once in this catalog (first in line 2); "
            "the last entry wins."
        )
    article = Article.objects.get(partner=partners["sonora"], partner_article_key="D1")
    assert article.short_description == "zweit" and article.price == Decimal("3")


def test_price_quantity_and_four_decimals_are_stored(tmp_path, partners):
    path = tmp_path / "prices.csv"
    path.write_text(
        "Artikelnummer;EK netto;UVP;Preiseinheit\nP-1;17,779;29,90;100\n", encoding="utf-8"
    )
    job = import_file(partners["sonora"], path)
    assert job.status == "succeeded", job.error
    article = Article.objects.get(partner=partners["sonora"], partner_article_key="P1")
    assert article.price_amount == Decimal("17.779") and article.price_quantity == 100
    assert article.price == Decimal("0.17779") and article.price_type == "net_customer"
