import re
from collections import Counter

import pytest

from orderhub.formats.catalog import CatalogArticle
from orderhub.formats.catalog_generator import generate_catalog, main
from orderhub.formats.catalog_reader import read_catalog
from orderhub.formats.identifiers import normalize_gtin, normalize_hmv

PATTERNS = {
    "hearing_aid": r"SN-HA-[A-Z]{3,4}[3579](G\d{1,3})?-(RIC|BTE|BTEP|ITE|CIC)-[LR]-[A-Z]+",
    "receiver": r"SN-R-(G\d+-)?(S|M|P|HP)-[0-5]-[LR]",
    "dome": r"SN-D-(OPEN|CLOSED|POWER)-[SML]",
    "earmold": r"SN-OTO-(ACR|SIL|THERMO)-[A-Z]+-[LR]",
    "earmold_material": r"SN-MAT-[A-Z0-9-]+",
    "battery": r"SN-BAT-(10|312|13|675)-(6|60)",
    "accessory": r"SN-ACC-[A-Z-]+",
}


@pytest.fixture(scope="module")
def catalog_20k() -> list[CatalogArticle]:
    return list(generate_catalog("SN", 20_000))


def test_exact_size_and_determinism():
    first = list(generate_catalog("SN", 300, seed=5))
    assert len(first) == 300
    assert first == list(generate_catalog("SN", 300, seed=5))


def test_smaller_catalog_is_a_prefix_of_a_larger_one():
    assert list(generate_catalog("SN", 150)) == list(generate_catalog("SN", 400))[:150]


def test_seed_changes_prices_but_not_identifiers():
    a = list(generate_catalog("SN", 200, seed=1))
    b = list(generate_catalog("SN", 200, seed=2))
    assert [x.partner_article_number for x in a] == [x.partner_article_number for x in b]
    assert [x.gtin for x in a] == [x.gtin for x in b]
    assert [x.price for x in a] != [x.price for x in b]


def test_documented_article_numbers_exist_in_a_small_catalog():
    numbers = {a.partner_article_number for a in generate_catalog("SN", 300)}
    for documented in (
        "SN-HA-AURA7-RIC-R-BEIGE",
        "SN-R-M-3-R",
        "SN-BAT-312-60",
        "SN-D-OPEN-M",
        "SN-ACC-TV",
        "SN-OTO-SIL-SCHALE-R",
        "SN-MAT-ABF-SOFT",
    ):
        assert documented in numbers


def test_every_article_is_well_formed(catalog_20k):
    numbers = Counter(a.partner_article_number for a in catalog_20k)
    assert len(numbers) == len(catalog_20k)  # unique
    assert len({a.gtin for a in catalog_20k}) == len(catalog_20k)
    assert len({a.manufacturer_article_number for a in catalog_20k}) == len(catalog_20k)
    for article in catalog_20k:
        category = article.attributes["category"]
        assert re.fullmatch(PATTERNS[category], article.partner_article_number), article
        assert len(article.partner_article_number) <= 32
        assert normalize_gtin(article.gtin) == article.gtin
        assert article.gtin.startswith("0400")  # a GTIN-13 in the 400 range
        assert article.short_description and article.long_description
        assert article.price is not None and article.price > 0
        assert article.price == article.price.quantize(article.price.__class__("0.01"))
        assert article.currency == "EUR" and article.order_unit == "C62"
        assert article.manufacturer_name == "Sonora Hörsysteme GmbH"
        if article.hmv_number is not None:
            assert normalize_hmv(article.hmv_number) == article.hmv_number
            assert article.hmv_number.startswith("13")  # Produktgruppe 13: Hörhilfen
        if category == "hearing_aid":
            assert article.hmv_number is not None
            assert {"model", "style", "side", "colour", "battery_size"} <= set(article.attributes)
            assert article.short_description.startswith("Hörsystem ")


def test_assortment_mix_and_discontinued_share(catalog_20k):
    categories = Counter(a.attributes["category"] for a in catalog_20k)
    assert set(categories) == set(PATTERNS)
    assert categories["hearing_aid"] > categories["receiver"] > categories["earmold"]
    discontinued = sum(a.status == "discontinued" for a in catalog_20k)
    assert 0.01 < discontinued / len(catalog_20k) < 0.03
    accessories_with_hmv = [
        a for a in catalog_20k if a.attributes["category"] == "accessory" and a.hmv_number
    ]
    assert 1 <= len(accessories_with_hmv) <= 5


def test_hmv_numbers_are_shared_by_variants_of_one_model_and_style(catalog_20k):
    by_hmv: dict[str, set] = {}
    for article in catalog_20k:
        if article.attributes["category"] == "hearing_aid":
            key = (article.attributes["model"], article.partner_article_number.split("-")[3])
            by_hmv.setdefault(article.hmv_number, set()).add(key)
    assert all(len(keys) == 1 for keys in by_hmv.values())


@pytest.mark.parametrize("prefix", ["", "TOOLONG", "S-N", "ä"])
def test_bad_prefix_is_refused(prefix):
    with pytest.raises(ValueError):
        next(generate_catalog(prefix, 1))


@pytest.mark.parametrize("fmt", ["bmecat", "csv"])
def test_cli_writes_a_readable_catalog(tmp_path, capsys, fmt):
    out = tmp_path / f"catalog.{fmt}"
    assert main(["--prefix", "kw", "--size", "40", "--format", fmt, str(out)]) == 0
    assert "40 articles written" in capsys.readouterr().err
    reader = read_catalog(out, strict=fmt == "bmecat")
    items = list(reader)
    assert len(items) == 40
    assert all(item.partner_article_number.startswith("KW-") for item in items)
    assert all(isinstance(item, CatalogArticle) for item in items)  # no ImportIssue


def test_cli_refuses_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        main(["--prefix", "TOOLONG", "--size", "5", str(tmp_path / "x.xml")])
    assert not (tmp_path / "x.xml").exists()
