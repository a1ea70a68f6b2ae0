"""Catalog search as practice staff type it (issue 11's examples, by name), on the demo catalog."""

import pytest

from orderhub.catalog import search
from orderhub.catalog.models import Article
from orderhub.catalog.search import index, terms, text
from orderhub.catalog.services import import_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(bmecat_file, partners):
    import_file(partners["sonora"], bmecat_file(2000, seed=7))
    return partners["sonora"]


def numbers(partner, query, **kw):
    return [h.article.partner_article_number for h in search.search(partner, query, **kw).hits]


def top(partner, query, **kw):
    hits = search.search(partner, query, **kw).hits
    return hits[0] if hits else None


def failures(partner, expectations):
    """(query, expected, got) for every query whose top hit is not the expected article."""
    out = []
    for query, expected in expectations:
        found = numbers(partner, query)
        if not found or not found[0].startswith(expected):
            out.append((query, expected, found[:3]))
    return out


def test_words_inside_compounds_plurals_and_typos_find_the_article(catalog):
    assert (
        failures(
            catalog,
            [
                ("Batterie", "SN-BAT-"),
                ("Batterie 312", "SN-BAT-312-"),
                ("Batterien", "SN-BAT-"),
                ("Zink Luft 312", "SN-BAT-312-"),
                ("Batterei", "SN-BAT-"),
                ("Filter", "SN-ACC-FILTER"),
                ("Vollschale", "SN-OTO-"),
                ("Kralle", "SN-OTO-"),
                ("Hoerer", "SN-R-"),
                ("HdO", "SN-HA-"),
                ("zinkluft batterie 675", "SN-BAT-675-"),
            ],
        )
        == []
    )


def test_umlaut_spellings_are_the_same_word(catalog):
    assert text.fold("Hörer") == text.fold("Hoerer") == text.fold("Horer")
    assert text.fold("weiß") == text.fold("weiss")
    assert numbers(catalog, "weiss")[0].endswith("-WEISS")
    assert numbers(catalog, "Aura 3 RIC rechts weiss")[0] == "SN-HA-AURA3-RIC-R-WEISS"


def test_article_number_fragments_rank_that_model_first(catalog):
    assert all(n.startswith("SN-R-G5") for n in numbers(catalog, "SN-R-G5")[:5])
    assert numbers(catalog, "SN"), "a short prefix finds the partner's articles"
    assert numbers(catalog, "BAT-312")[0].startswith("SN-BAT-312")


def test_exact_catalog_text_is_first_and_the_only_one_at_100_percent(catalog):
    hits = search.search(catalog, "Hörer M, Länge 3, rechts").hits
    assert hits[0].article.partner_article_number == "SN-R-M-3-R"
    assert hits[0].score == 100
    assert all(h.score < 100 for h in hits[1:])


def test_side_is_never_contradicted_at_the_top(catalog):
    hit = top(catalog, "Aura 3 HdO links silber")
    assert hit.article.attributes["side"] == "L" and hit.article.attributes["colour"] == "silber"
    assert "HdO" in hit.article.short_description and "Aura 3" in hit.article.short_description
    for query, side in [
        ("Hörer M Länge 3 li", "L"),
        ("Aura 5 RIC rechts", "R"),
        ("Otoplastik Kralle links", "L"),
    ]:
        hits = search.search(catalog, query).hits
        assert hits[0].article.attributes["side"] == side, query
        sides = [h.article.attributes.get("side") for h in hits]
        first_wrong = next((i for i, s in enumerate(sides) if s and s != side), len(sides))
        assert all(s in (side, None) for s in sides[:first_wrong]), query


def test_dome_type_is_a_hard_word(catalog):
    assert numbers(catalog, "Dome offen M")[0] == "SN-D-OPEN-M"
    assert numbers(catalog, "Dome geschlossen M")[0] == "SN-D-CLOSED-M"


def test_trade_synonyms_find_the_same_thing(catalog):
    assert numbers(catalog, "Schirmchen offen M")[0] == "SN-D-OPEN-M"
    hit = top(catalog, "BTE Aura 3 links silber")  # BTE = HdO (the exact one may be discontinued)
    assert hit.article.partner_article_number.startswith("SN-HA-AURA3-BTE") and "-L-SILBER" in (
        hit.article.partner_article_number
    )
    assert numbers(catalog, "PR41 Batterie")[0].startswith("SN-BAT-312")
    assert numbers(catalog, "Wachsschutz")[0].startswith("SN-ACC-FILTER")
    assert len(terms.static_lexicon().groups) >= 60


def test_prefixes_while_typing(catalog):
    assert numbers(catalog, "Zink-L")[0].startswith("SN-BAT-")
    assert numbers(catalog, "Cerum")[0].startswith("SN-ACC-FILTER")
    assert numbers(catalog, "Trockenkaps")[0] == "SN-ACC-TROCKEN-KAPSEL"


def test_more_than_ten_results_are_reachable_with_the_cursor(catalog):
    first = search.search(catalog, "Hörer G5")
    assert len(first.hits) == 10 and first.next_cursor
    second = search.search(catalog, "Hörer G5", cursor=first.next_cursor)
    assert second.hits and not {h.article.pk for h in first.hits} & {
        h.article.pk for h in second.hits
    }
    with pytest.raises(search.InvalidCursor):
        search.search(catalog, "Dome", cursor=first.next_cursor)


def test_an_admin_edit_is_found_by_its_new_text(catalog, admin_client):
    article = Article.objects.get(partner_article_number="SN-ACC-TV")
    assert not numbers(catalog, "Fernsehsender")
    r = admin_client.post(
        f"/admin/catalog/article/{article.pk}/change/",
        _admin_form(article, {"short_description": "Fernsehsender für Hörsysteme, Bluetooth"}),
    )
    assert r.status_code == 302, r.content[:2000]
    assert numbers(catalog, "Fernsehsender")[0] == "SN-ACC-TV"
    article.delete()
    assert "SN-ACC-TV" not in numbers(catalog, "Fernsehsender")


def test_an_edit_is_found_once_the_freshness_window_has_passed(catalog, settings, monkeypatch):
    """A process asks whether the catalog changed at most once per window (a search per key
    stroke costs no extra query), so an edit is found within the window, not only after it."""
    clock = [1000.0]
    monkeypatch.setattr(index.time, "monotonic", lambda: clock[0])
    settings.SEARCH_FRESHNESS_SECONDS = 1.0
    article = Article.objects.get(partner_article_number="SN-ACC-TV")
    assert not numbers(catalog, "Fernsehsender")
    article.short_description = "Fernsehsender für Hörsysteme"
    article.save()
    clock[0] += 0.5
    assert not numbers(catalog, "Fernsehsender"), "inside the window: the copy it has"
    clock[0] += 0.6
    assert numbers(catalog, "Fernsehsender")[0] == "SN-ACC-TV"


def test_a_search_reads_its_hits_with_its_candidates(catalog, django_assert_num_queries):
    """Whether the index is current, then the candidates with what their hits show: two queries,
    however many hits (nothing read per hit, also not when a hit is shown)."""
    search.search(catalog, "Batterie 312")  # the lexicon and the index are loaded once
    with django_assert_num_queries(2):
        page = search.search(catalog, "Batterie 312", limit=10)
        shown = [h.article for h in page.hits]
        rows = [
            (a.partner_article_number, a.short_description, a.order_unit, a.price_text)
            for a in shown
        ]
    assert len(rows) >= 5 and all(r[0] and r[1] and r[2] for r in rows)
    assert rows[0][1] == Article.objects.get(pk=shown[0].pk).short_description


def test_another_machine_builds_its_own_copy_and_serves_the_same(catalog, settings, tmp_path):
    expected = numbers(catalog, "Batterie 312")
    settings.SEARCH_INDEX_DIR = tmp_path / "machine-2"
    index.forget()
    assert numbers(catalog, "Batterie 312") == expected


def test_search_api_pages_with_cursor_and_shows_unit_and_price(catalog, api):
    r = api.get("/api/v1/catalog/search?partner=sonora&q=Hörer G5")
    assert r.status_code == 200
    item = r.json_body["items"][0]
    assert item["order_unit"] == "C62" and item["price"] is not None and item["reason_en"]
    cursor = r.json_body["next_cursor"]
    r2 = api.get(f"/api/v1/catalog/search?partner=sonora&q=Hörer G5&cursor={cursor}")
    assert r2.status_code == 200 and r2.json_body["items"]
    r3 = api.get("/api/v1/catalog/search?partner=sonora&q=Dome&cursor=garbage")
    assert r3.status_code == 422


def _admin_form(article, changes):
    data = {
        f.name: getattr(article, f.attname) for f in Article._meta.concrete_fields if f.name != "id"
    }
    data["partner"] = article.partner_id
    data["catalog_import"] = article.catalog_import_id or ""
    data["attributes"] = __import__("json").dumps(article.attributes)
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(changes)
    return data


@pytest.mark.django_db(transaction=True)
def test_a_machine_without_a_copy_answers_at_once_and_builds_it_in_the_background(
    bmecat_file, partners, settings, tmp_path
):
    import time

    import_file(partners["sonora"], bmecat_file(300, seed=7))
    settings.SEARCH_REFRESH_INLINE = False
    settings.SEARCH_INDEX_DIR = tmp_path / "new-machine"
    index.forget()
    assert (
        numbers(partners["sonora"], "Batterie 312") == []
    )  # no copy yet: answered, not built here
    deadline = time.monotonic() + 60
    while not numbers(partners["sonora"], "Batterie 312") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert numbers(partners["sonora"], "Batterie 312")[0].startswith("SN-BAT-312")
