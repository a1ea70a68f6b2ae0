"""Catalog search: one interface for the cart, the API and identification (SPEC §3.6, §3.10).

``search(partner, query)`` answers what a person typed; ``candidates(partner, line)`` ranks
articles for an order line that exact identification could not settle. Both go through the same
two stages: tantivy (``index``) finds up to ``RECALL`` articles by their words, word stems,
compound parts, prefixes, typos, trade synonyms and article-number fragments; ``rank`` orders
them by what people care about (side first, exact number or text, words, attributes). How words
are compared is ``text``; the trade lexicon is ``lexicon`` (editable in the admin). Design,
figures and the relevance set: ``docs/catalog-search.md``.
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass

import tantivy
from django.db.models import TextField
from django.db.models.functions import Cast

from orderhub.catalog.models import Article
from orderhub.catalog.search import index, rank, text
from orderhub.catalog.search import terms as T
from orderhub.core import lookups  # noqa: F401 - registers id__any

#: Articles tantivy hands to the ranking. On the labelled set 80, 100 and 120 rank alike, 60 loses
#: two synonym queries; each candidate costs a row read and its comparison (docs/performance.md).
RECALL = 80
COMMON_SHARE, COMMON_MIN = 0.02, 2000  # a word held by more articles than this only ranks
PAGE_MAX = 50
WORD_AS_TYPED = 0.5  # beside its stem (2.0): the exact spelling only breaks ties


@dataclass
class Hit:
    article: Article
    score: float  # percent, 100 only for an exact number or text
    why: list[dict]  # reason parts: the words are ``catalog.issues.reason``
    exact: bool
    side_conflict: bool


@dataclass
class Page:
    hits: list[Hit]
    next_cursor: str | None


class InvalidCursor(ValueError):
    pass


def _tantivy_query(
    q: T.QueryForms, qwords: list[rank.QueryWord], df, num_docs: int
) -> tantivy.Query:
    """Candidates by words, stems, parts, synonyms, typos, prefixes, compound ends and numbers.

    Speed at a million articles comes from three rules: expansions (typos, prefixes, compound ends)
    only for words the catalog does not hold as they are (and prefixes for the word being typed);
    words that most articles hold ("HdO", "beige", "3") only rank the articles that hold one of
    the rarer words; and expansions bring in candidates only when no word of the query is in the
    catalog as it is, otherwise they rank too.
    """
    S = index.SCHEMA
    should = tantivy.Occur.Should
    common_df = max(COMMON_MIN, int(num_docs * COMMON_SHARE))
    rare: list[tantivy.Query] = []
    common: list[tantivy.Query] = []
    expansions: list[tantivy.Query] = []

    def term(field, value, boost, frequency=None):
        n = df(value) if frequency is None else frequency
        if n == 0:
            return
        query = tantivy.Query.boost_query(tantivy.Query.term_query(S, field, value), boost)
        (common if field == "terms" and n > common_df else rare).append(query)

    def expansion(query, boost):
        expansions.append(tantivy.Query.boost_query(query, boost))

    for w in qwords:
        # A word counts about once: its stem carries the weight (every article word is indexed with
        # its stem too), the word as typed adds a little, so "Hinter-dem-Ohr" does not outscore
        # the rarer words by holding "hinter" and "hint" both.
        term("terms", w.stem, 2.0)
        for f in w.forms - {w.stem}:
            term("terms", f, WORD_AS_TYPED)
        for f in w.parts:
            term("terms", f, 1.0)
        for f in sorted(w.synonyms)[:12]:
            term("terms", f, 1.0)
        known = w.df > 0
        if not known and len(w.word) >= 4 and not w.word.isdigit():
            expansion(tantivy.Query.fuzzy_term_query(S, "terms", w.word, distance=1), 1.0)
        if (w.last or not known) and len(w.word) >= 3 and w.word.isalpha():
            expansion(
                tantivy.Query.fuzzy_term_query(S, "terms", w.word, distance=0, prefix=True), 1.0
            )
        if not known and len(w.word) >= 5 and w.word.isalpha():  # the end or middle of a compound
            pattern = "|".join(sorted({w.word, w.stem}))
            expansion(tantivy.Query.regex_query(S, "terms", f".+({pattern}).*"), 0.8)
    for a, b in zip(q.words, q.words[1:]):
        term("terms", a + b, 1.5)
    key = q.key.lower()
    if key and (q.looks_like_number or not qwords):
        term("keys", key, 8.0)
        if len(key) >= 2:
            expansion(tantivy.Query.fuzzy_term_query(S, "keys", key, distance=0, prefix=True), 4.0)
        for g in dict.fromkeys(T.key_grams(key)):
            term("keygrams", g, 0.5, frequency=1)
    if q.side:
        common.append(
            tantivy.Query.boost_query(
                tantivy.Query.term_query(S, "terms", f"side{q.side.lower()}"), 0.5
            )
        )
    # Typos, prefixes and compound ends widen the candidates only when no rarer word of the query
    # is in the catalog as it is; otherwise they rank ("aura 3 hdo lnks": "lnks" ≈ "links" is in
    # half the catalog, "aura" in a few hundred articles).
    if rare:
        common += expansions
    else:
        rare = expansions
    if not rare:
        return tantivy.Query.boolean_query([(should, c) for c in common])
    recall = tantivy.Query.boolean_query([(should, r) for r in rare])
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, recall)] + [(should, c) for c in common]
    )


#: What the ranking reads of each candidate, then what a hit shows (``identification.Candidate``,
#: the cart's search results): read in one query, so a search costs no second one for its hits.
RANK_COLUMNS = (
    "pk",
    "short_description",
    "attributes_json",
    "partner_article_key",
    "manufacturer_article_key",
    "status",
)
HIT_FIELDS = (
    "partner_id",
    "partner_article_number",
    "gtin",
    "hmv_number",
    "order_unit",
    "price",
    "currency",
    "price_quantity",
    "price_type",
    "manufacturer_article_number",
    "manufacturer_name",
)


@functools.cache
def _article_layout() -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Which of a fetched row's values make an Article (``Model.from_db`` takes them in the model's
    field order; the attributes and long texts stay deferred)."""
    columns = ["id" if c == "pk" else c for c in (*RANK_COLUMNS, *HIT_FIELDS)]
    at = {c: n for n, c in enumerate(columns) if c != "attributes_json"}
    names = tuple(f.attname for f in Article._meta.concrete_fields if f.attname in at)
    return names, tuple(at[n] for n in names)


def _ranked(
    partner, q: T.QueryForms, articles: dict[int, Article], recall: int = RECALL
) -> list[rank.Ranked]:
    """The candidates in ranking order; ``articles`` receives them by id (for the hits)."""
    idx = index.fresh(partner.pk)
    if idx is None or q.empty:
        return []
    searcher = idx.searcher()
    lex = T.lexicon()
    num_docs = searcher.num_docs
    qwords = rank.prepare(q, lex, lambda t: searcher.doc_freq("terms", t), num_docs)
    result = searcher.search(
        _tantivy_query(q, qwords, lambda t: searcher.doc_freq("terms", t), num_docs),
        recall,
        count=False,
    )
    if not result.hits:
        return []
    hit_ids = searcher.fast_field_values("id", [addr for _, addr in result.hits])
    ids = [int(v) for v in hit_ids]  # type: ignore[arg-type]  # "id" is an integer field
    order = {pk: n for n, pk in enumerate(ids)}
    values = (
        Article.objects.filter(pk__any=ids, partner=partner)
        .annotate(attributes_json=Cast("attributes", TextField()))
        .values_list(*RANK_COLUMNS, *HIT_FIELDS)
    )
    rows = []
    db = Article.objects.db
    width = len(RANK_COLUMNS)
    names, positions = _article_layout()
    for v in values:
        rows.append((*v[:width], order[v[0]]))
        if v[0] not in articles:
            articles[v[0]] = Article.from_db(db, names, [v[i] for i in positions])
    return rank.rank(q, qwords, rows, lex)


def _hits(ranked: list[rank.Ranked], articles: dict[int, Article]) -> list[Hit]:
    return [
        Hit(
            articles[r.article_id],
            round(r.score * 100, 1),
            rank.explain(r).why or [],
            r.exact,
            r.side_conflict,
        )
        for r in ranked
        if r.article_id in articles
    ]


def _cursor(offset: int, query: str) -> str:
    return base64.urlsafe_b64encode(
        json.dumps({"o": offset, "q": text.fold(query)[:40]}).encode()
    ).decode()


def _offset(cursor: str | None, query: str) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("not a cursor of this search") from exc
    if data.get("q") != text.fold(query)[:40] or not 0 <= offset <= RECALL:
        raise InvalidCursor("the cursor belongs to another search")
    return offset


def search(
    partner,
    query: str,
    *,
    attributes: dict | None = None,
    limit: int = 10,
    cursor: str | None = None,
) -> Page:
    """What a person typed, best first; ``next_cursor`` reaches the following ones."""
    limit = max(1, min(limit, PAGE_MAX))
    offset = _offset(cursor, query)
    articles: dict[int, Article] = {}
    ranked = _ranked(partner, T.query_forms(query, attributes), articles)
    page = ranked[offset : offset + limit]
    more = offset + limit < len(ranked)
    return Page(_hits(page, articles), _cursor(offset + limit, query) if more else None)


def candidates(
    partner,
    description: str,
    attributes: dict | None,
    numbers: tuple[str, ...] = (),
    limit: int = 5,
) -> list[Hit]:
    """Ranked articles for an order line: its description with its attributes, and its article numbers."""
    ranked: dict[int, rank.Ranked] = {}
    articles: dict[int, Article] = {}
    queries = [T.query_forms(description, attributes)] if (description or "").strip() else []
    queries += [T.query_forms(n, attributes) for n in numbers if n and len(n.strip()) >= 3]
    for q in queries:
        for r in _ranked(partner, q, articles):
            if r.article_id not in ranked or ranked[r.article_id].score < r.score:
                ranked[r.article_id] = r
    best = sorted(ranked.values(), key=lambda r: (r.side_conflict, not r.exact, -r.score))[:limit]
    return _hits(best, articles)
