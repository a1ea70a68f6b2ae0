"""The lean write path of the catalog import (plain SQL upserts, COPY on PostgreSQL).

Run on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``): every test here goes through the
backend's own write path. Batches are made small so that each import writes several of them.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from orderhub.catalog import services, writer
from orderhub.catalog.models import Article, CatalogImport
from orderhub.catalog.services import import_file
from orderhub.formats.bmecat.writer import write_bmecat
from orderhub.formats.catalog import CatalogArticle, CatalogHeader
from orderhub.formats.catalog_generator import catalog_header, generate_catalog
from orderhub.formats.catalog_reader import read_catalog
from orderhub.formats.identifiers import normalize_article_number

pytestmark = pytest.mark.django_db

COMPARED = (
    "partner_article_number",
    "partner_article_key",
    "gtin",
    "hmv_number",
    "manufacturer_article_number",
    "manufacturer_article_key",
    "manufacturer_name",
    "short_description",
    "long_description",
    "order_unit",
    "price",
    "currency",
    "attributes",
    "status",
)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(services, "BATCH", 40)


def catalog(tmp_path, articles, *, transaction="T_NEW_CATALOG", name="catalog.xml"):
    path = tmp_path / name
    header = CatalogHeader(
        transaction=transaction, catalog_id="T", catalog_version="1.0", supplier_name="Sonora"
    )
    with open(path, "wb") as out:
        write_bmecat(header, articles, out)
    return path


def generated(size, seed=1):
    return list(generate_catalog("SN", size, seed=seed))


def stored(partner) -> dict[str, tuple]:
    return {
        row[1]: row
        for row in Article.objects.filter(partner=partner).order_by("pk").values_list(*COMPARED)
    }


def expected(path) -> dict[str, tuple]:
    """What the ORM-era import stored for each article of ``path`` (read back through the reader)."""
    out = {}
    with read_catalog(path) as reader:
        for item in reader:
            if not isinstance(item, CatalogArticle):
                continue
            key = normalize_article_number(item.partner_article_number)[:100]
            out[key] = (
                item.partner_article_number[:100],
                key,
                item.gtin,
                item.hmv_number,
                (item.manufacturer_article_number or "")[:100],
                normalize_article_number(item.manufacturer_article_number)[:100],
                (item.manufacturer_name or "")[:100],
                (item.short_description or item.partner_article_number)[:300],
                item.long_description or "",
                item.order_unit or "C62",
                item.price.quantize(Decimal("0.000001")) if item.price is not None else None,
                item.currency or "EUR",
                item.attributes or {},
                item.status,
            )
    return out


def test_rows_are_stored_as_the_orm_would_store_them(tmp_path, partners):
    sonora = partners["sonora"]
    articles = generated(150)
    articles[0].gtin = None
    articles[1].attributes = {}
    articles[2].price = None
    articles[3].price = Decimal("1234.5678")  # 4 decimals: kept (the column keeps 6)
    articles[4].long_description = "Zeile 1\nZeile 2 „Anführung“ & <Winkel> ' \""
    articles[5].attributes = {"colour": "weiß", "model": "Nova 7 G2", "side": "L"}
    articles[6].status = "discontinued"
    path = catalog(tmp_path, articles)
    job = import_file(sonora, path)
    assert job.status == CatalogImport.Status.SUCCEEDED, job.error
    assert (job.created, job.updated, job.deleted) == (150, 0, 0)
    assert stored(sonora) == expected(path)
    assert Article.objects.get(
        partner=sonora,
        partner_article_key=normalize_article_number(articles[3].partner_article_number),
    ).price == Decimal("1234.5678")
    assert set(Article.objects.filter(partner=sonora).values_list("catalog_import", flat=True)) == {
        job.pk
    }


def test_reimport_updates_every_column_and_removes_what_is_missing(tmp_path, partners):
    sonora, audiotec = partners["sonora"], partners["audiotec"]
    import_file(sonora, catalog(tmp_path, generated(200), name="first.xml"))
    import_file(audiotec, catalog(tmp_path, generated(60), name="other.xml"))
    other_before = stored(audiotec)

    changed = generated(200, seed=2)[:170]  # other prices and discontinued flags, 30 missing
    changed[0].short_description = "Neue Bezeichnung"
    changed[0].attributes = {"colour": "rot"}
    changed[1].gtin = None
    changed[2].manufacturer_article_number = "NEU-4711"
    changed += [
        CatalogArticle(
            partner_article_number=f"SN-NEU-{i}",
            short_description=f"Neu {i}",
            price=Decimal("9.99"),
        )
        for i in range(15)
    ]
    path = catalog(tmp_path, changed, name="second.xml")
    job = import_file(sonora, path)
    assert job.status == CatalogImport.Status.SUCCEEDED, job.error
    assert (job.created, job.updated, job.deleted) == (15, 170, 30)
    assert stored(sonora) == expected(path)
    assert stored(audiotec) == other_before  # another partner's catalog is never touched


def test_update_import_applies_new_update_and_delete_in_file_order(tmp_path, partners):
    sonora = partners["sonora"]
    base = generated(100)
    import_file(sonora, catalog(tmp_path, base, name="base.xml"))
    numbers = [a.partner_article_number for a in base]

    def item(number, mode, description="geändert"):
        return CatalogArticle(
            partner_article_number=number,
            short_description=description,
            mode=mode,
            price=Decimal("1.00"),
        )

    items = [item(n, "delete") for n in numbers[:50]]  # more than one batch of deletes
    items += [item(numbers[60], "update"), item("SN-NEU-1", "new")]
    items += [
        item(numbers[70], "delete"),
        item(numbers[70], "new", "wieder da"),
    ]  # the last word wins
    items += [item("SN-NEU-2", "new"), item("SN-NEU-2", "delete")]
    path = catalog(tmp_path, items, transaction="T_UPDATE_PRODUCTS", name="update.xml")
    job = import_file(sonora, path)
    assert job.status == CatalogImport.Status.SUCCEEDED, job.error
    assert job.mode == CatalogImport.Mode.UPDATE
    assert (job.created, job.updated, job.deleted) == (1, 2, 50)
    keys = set(
        Article.objects.filter(partner=sonora).values_list("partner_article_number", flat=True)
    )
    assert keys == {*numbers[50:], "SN-NEU-1"}
    assert (
        Article.objects.get(partner=sonora, partner_article_number=numbers[70]).short_description
        == "wieder da"
    )
    assert (
        Article.objects.get(partner=sonora, partner_article_number=numbers[60]).short_description
        == "geändert"
    )
    untouched = Article.objects.get(partner=sonora, partner_article_number=numbers[99])
    assert untouched.short_description == base[99].short_description


def test_price_update_changes_only_prices_and_skips_unknown_articles(tmp_path, partners):
    sonora = partners["sonora"]
    base = generated(90)
    import_file(sonora, catalog(tmp_path, base, name="base.xml"))
    before = stored(sonora)
    prices = [
        CatalogArticle(
            partner_article_number=a.partner_article_number,
            price=Decimal(i) + Decimal("0.5"),
            mode="update",
        )
        for i, a in enumerate(base[:80])
    ]
    prices.append(
        CatalogArticle(partner_article_number="SN-UNBEKANNT", price=Decimal("1"), mode="update")
    )
    job = import_file(
        sonora, catalog(tmp_path, prices, transaction="T_UPDATE_PRICES", name="prices.xml")
    )
    assert job.status == CatalogImport.Status.SUCCEEDED, job.error
    assert (job.created, job.updated, job.deleted, job.skipped) == (0, 80, 0, 1)
    after = stored(sonora)
    price = COMPARED.index("price")
    for i, a in enumerate(base):
        key = normalize_article_number(a.partner_article_number)
        want = Decimal(i) + Decimal("0.5") if i < 80 else before[key][price]
        assert after[key][price] == want
        assert (
            after[key][:price] + after[key][price + 1 :]
            == before[key][:price] + before[key][price + 1 :]
        )
    assert Article.objects.filter(partner=sonora, catalog_import=job).count() == 80


def test_broken_file_after_several_batches_rolls_everything_back(tmp_path, partners):
    sonora = partners["sonora"]
    import_file(sonora, catalog(tmp_path, generated(120), name="base.xml"))
    before = stored(sonora)
    jobs_before = CatalogImport.objects.filter(
        partner=sonora, status=CatalogImport.Status.SUCCEEDED
    ).count()

    full = catalog(tmp_path, generated(300, seed=3), name="full.xml").read_bytes()
    broken = tmp_path / "broken.xml"
    broken.write_bytes(full[: len(full) * 9 // 10])  # 200+ products (5+ batches) before the break
    job = import_file(sonora, broken)
    assert job.status == CatalogImport.Status.FAILED
    assert "truncated" in job.error
    assert (job.created, job.updated, job.deleted) == (0, 0, 0)
    assert stored(sonora) == before
    assert not Article.objects.filter(catalog_import=job).exists()
    assert (
        CatalogImport.objects.filter(partner=sonora, status=CatalogImport.Status.SUCCEEDED).count()
        == jobs_before
    )


def test_database_error_in_a_later_batch_rolls_everything_back(tmp_path, partners, monkeypatch):
    sonora = partners["sonora"]
    import_file(sonora, catalog(tmp_path, generated(100), name="base.xml"))
    before = stored(sonora)
    real_upsert = writer.ArticleWriter.upsert
    calls = []

    def failing_upsert(self, rows):
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_upsert(self, rows)

    monkeypatch.setattr(writer.ArticleWriter, "upsert", failing_upsert)
    job = import_file(sonora, catalog(tmp_path, generated(200, seed=4), name="new.xml"))
    assert len(calls) == 3
    assert job.status == CatalogImport.Status.FAILED
    assert "could not be stored" in job.error and "disk full" in job.error
    assert stored(sonora) == before


def test_the_import_stays_usable_after_a_failed_one(tmp_path, partners):
    """After a rollback (PostgreSQL: the temporary table is gone with it) the next import works."""
    sonora = partners["sonora"]
    truncated = catalog(tmp_path, generated(200), name="full.xml").read_bytes()
    broken = tmp_path / "broken.xml"
    broken.write_bytes(truncated[: len(truncated) // 2])
    assert import_file(sonora, broken).status == CatalogImport.Status.FAILED
    job = import_file(sonora, catalog(tmp_path, generated(90), name="ok.xml"))
    assert job.status == CatalogImport.Status.SUCCEEDED, job.error
    assert (job.created, job.updated) == (90, 0)
    job = import_file(sonora, catalog(tmp_path, generated(90), name="ok.xml"))
    assert (job.created, job.updated) == (0, 90)


def test_duplicate_articles_in_one_file_keep_the_last(tmp_path, partners):
    sonora = partners["sonora"]
    items = [
        CatalogArticle(partner_article_number="SN-1", short_description="erste"),
        CatalogArticle(
            partner_article_number="sn 1", short_description="zweite (gleicher Schlüssel)"
        ),
    ]
    job = import_file(sonora, catalog(tmp_path, items))
    assert job.status == CatalogImport.Status.SUCCEEDED, job.error
    assert (job.created, job.updated) == (1, 0)
    article = Article.objects.get(partner=sonora)
    assert (article.partner_article_number, article.short_description) == (
        "sn 1",
        "zweite (gleicher Schlüssel)",
    )


def test_csv_import_uses_the_same_write_path(partners):
    sonora = partners["sonora"]
    rows = "\n".join(
        f"SN-{i};Artikel {i};{i},50;4006381333931" if i == 1 else f"SN-{i};Artikel {i};{i},50;"
        for i in range(1, 101)
    )
    data = ("Artikelnummer;Bezeichnung;Preis;GTIN\n" + rows + "\n").encode()
    job = CatalogImport.objects.create(partner=sonora, file_name="c.csv")
    job = services.run_import(job, io.BytesIO(data))
    assert job.status == CatalogImport.Status.SUCCEEDED, job.error
    assert job.created == 100
    first = Article.objects.get(partner=sonora, partner_article_key="SN1")
    assert (first.price, first.gtin, first.attributes) == (Decimal("1.50"), "04006381333931", {})


def test_the_catalog_version_the_search_index_follows(tmp_path, partners):
    """identification.py rebuilds its fuzzy index when the latest succeeded import (pk, finished_at)
    of a partner changes; a failed import must not count as a new version."""
    sonora = partners["sonora"]

    def version():
        return (
            CatalogImport.objects.filter(partner=sonora, status=CatalogImport.Status.SUCCEEDED)
            .order_by("-pk")
            .values_list("pk", "finished_at")
            .first()
        )

    first = import_file(sonora, catalog(tmp_path, generated(50), name="a.xml"))
    assert first.finished_at is not None and version() == (first.pk, first.finished_at)
    broken = tmp_path / "broken.xml"
    broken.write_bytes(catalog(tmp_path, generated(80), name="b.xml").read_bytes()[:5000])
    failed = import_file(sonora, broken)
    assert failed.status == CatalogImport.Status.FAILED and failed.finished_at is not None
    assert version() == (first.pk, first.finished_at)
    second = import_file(sonora, catalog(tmp_path, generated(60), name="c.xml"))
    assert version() == (second.pk, second.finished_at)


def test_generated_catalog_header_reaches_the_job(tmp_path, partners):
    path = tmp_path / "g.xml"
    with open(path, "wb") as out:
        write_bmecat(catalog_header("SN", 45), generate_catalog("SN", 45), out)
    job = import_file(partners["sonora"], path)
    assert (job.transaction, job.format_version, job.mode) == ("T_NEW_CATALOG", "2005", "full")
    assert job.catalog_version
