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
import json
from dataclasses import dataclass

import tantivy

from orderhub.catalog.models import Article
from orderhub.catalog.search import index, rank
from orderhub.catalog.search import terms as T
from orderhub.catalog.search import text

RECALL = 150          # articles tantivy hands to the ranking
PAGE_MAX = 50


@dataclass
class Hit:
    article: Article
    score: float      # percent, 100 only for an exact number or text
    reason: str       # German
    reason_en: str
    exact: bool
    side_conflict: bool


@dataclass
class Page:
    hits: list[Hit]
    next_cursor: str | None


class InvalidCursor(ValueError):
    pass


def _tantivy_query(q: T.QueryForms, qwords: list[rank.QueryWord]) -> tantivy.Query:
    S = index.SCHEMA
    should = tantivy.Occur.Should
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []

    def add(query, boost):
        clauses.append((should, tantivy.Query.boost_query(query, boost)))

    for w in qwords:
        for f in w.forms:
            add(tantivy.Query.term_query(S, "terms", f), 2.0)
        for f in w.parts:
            add(tantivy.Query.term_query(S, "terms", f), 1.0)
        for f in list(w.synonyms)[:12]:
            add(tantivy.Query.term_query(S, "terms", f), 1.0)
        if len(w.word) >= 4 and not w.word.isdigit():
            add(tantivy.Query.fuzzy_term_query(S, "terms", w.word, distance=1 if len(w.word) < 8 else 2), 1.0)
        if len(w.word) >= 3 and w.word.isalpha():
            add(tantivy.Query.fuzzy_term_query(S, "terms", w.word, distance=0, prefix=True), 1.0)
        if len(w.word) >= 5 and w.word.isalpha():  # the end or middle of a compound
            pattern = "|".join(sorted({w.word, w.stem}))
            add(tantivy.Query.regex_query(S, "terms", f".+({pattern}).*"), 0.8)
    for a, b in zip(q.words, q.words[1:]):
        add(tantivy.Query.term_query(S, "terms", a + b), 1.5)
    key = q.key.lower()
    if key and (q.looks_like_number or not qwords):
        add(tantivy.Query.term_query(S, "keys", key), 8.0)
        if len(key) >= 2:
            add(tantivy.Query.fuzzy_term_query(S, "keys", key, distance=0, prefix=True), 4.0)
        for g in dict.fromkeys(T.key_grams(key)):
            add(tantivy.Query.term_query(S, "keygrams", g), 0.5)
    if q.side:
        add(tantivy.Query.term_query(S, "terms", f"side{q.side.lower()}"), 0.5)
    return tantivy.Query.boolean_query(clauses)


def _ranked(partner, q: T.QueryForms, recall: int = RECALL) -> list[rank.Ranked]:
    idx = index.fresh(partner.pk)
    if idx is None or q.empty:
        return []
    searcher = idx.searcher()
    lex = T.lexicon()
    num_docs = searcher.num_docs
    qwords = rank.prepare(q, lex, lambda t: searcher.doc_freq("terms", t), num_docs)
    result = searcher.search(_tantivy_query(q, qwords), recall, count=False)
    if not result.hits:
        return []
    ids = [int(v) for v in searcher.fast_field_values("id", [addr for _, addr in result.hits])]
    order = {pk: n for n, pk in enumerate(ids)}
    rows = [(*r, order[r[0]]) for r in Article.objects.filter(pk__in=ids, partner=partner).values_list(
        "pk", "short_description", "attributes", "partner_article_key", "manufacturer_article_key", "status")]
    return rank.rank(q, qwords, rows, lex)


def _hits(ranked: list[rank.Ranked]) -> list[Hit]:
    articles = Article.objects.in_bulk([r.article_id for r in ranked])
    return [Hit(articles[r.article_id], round(r.score * 100, 1), r.reason_de, r.reason_en, r.exact,
                r.side_conflict) for r in ranked if r.article_id in articles]


def _cursor(offset: int, query: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": text.fold(query)[:40]}).encode()).decode()


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


def search(partner, query: str, *, attributes: dict | None = None, limit: int = 10,
           cursor: str | None = None) -> Page:
    """What a person typed, best first; ``next_cursor`` reaches the following ones."""
    limit = max(1, min(limit, PAGE_MAX))
    offset = _offset(cursor, query)
    ranked = _ranked(partner, T.query_forms(query, attributes))
    page = ranked[offset:offset + limit]
    more = offset + limit < len(ranked)
    return Page(_hits(page), _cursor(offset + limit, query) if more else None)


def candidates(partner, description: str, attributes: dict | None, numbers: tuple[str, ...] = (),
               limit: int = 5) -> list[Hit]:
    """Ranked articles for an order line: its description with its attributes, and its article numbers."""
    ranked: dict[int, rank.Ranked] = {}
    queries = [T.query_forms(description, attributes)] if (description or "").strip() else []
    queries += [T.query_forms(n, attributes) for n in numbers if n and len(n.strip()) >= 3]
    for q in queries:
        for r in _ranked(partner, q):
            if r.article_id not in ranked or ranked[r.article_id].score < r.score:
                ranked[r.article_id] = r
    best = sorted(ranked.values(), key=lambda r: (r.side_conflict, not r.exact, -r.score))[:limit]
    return _hits(best)
