"""Ranking: tantivy finds the candidates, this decides their order and the score people see.

The order, most important first:

1. an article whose side contradicts the query's side is never above one that does not;
2. an exact article number or the exact catalog text is first;
3. the share of the query's words the article holds (weighted by how rare each word is), as a
   word, a word inside a compound, a synonym of the trade lexicon, a prefix while typing or a
   typo — each a little less than the one before; or how well the query fits an article number
   as its prefix or fragment;
4. stated attributes (colour, size, power, length, pack size) that match, minus those that
   contradict; then articles with fewer words the query does not mention; discontinued last.

The score shown is that share in percent: 100 % only for an exact number or text.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from orderhub.catalog.search import terms as T
from orderhub.catalog.search import text

WORD, PART, SYNONYM, PREFIX, INFIX, TYPO, NEAR_SYNONYM = 1.0, 0.95, 0.9, 0.85, 0.85, 0.8, 0.7
MIN_SCORE = 0.34


@dataclass
class QueryWord:
    word: str
    stem: str
    forms: frozenset[str]  # the word and its stem
    parts: tuple[str, ...]  # known words inside it ("hörgeräteschlauch" → horgerat, schlauch)
    synonyms: frozenset[str]  # lexicon terms of its groups
    weight: float
    near_synonyms: frozenset[str] = frozenset()  # of the lexicon word nearest to a typo
    df: int = 0  # articles holding the word or its stem
    last: bool = False  # the word being typed: a prefix of one letter counts


@dataclass
class Ranked:
    article_id: int
    score: float  # 0..1
    exact: bool
    side_conflict: bool
    #: why, as reason parts (``catalog.issues.REASONS``); filled by :func:`explain`
    why: list[dict] | None = None


def prepare(q: T.QueryForms, lex: T.Lexicon, doc_freq, num_docs: int) -> list[QueryWord]:
    out = []
    lex_forms = list(lex.by_word)
    seen = set()
    for w in q.words:
        if w in seen:
            continue
        seen.add(w)
        s = text.stem(w)
        forms = {w, s}
        parts = text.compound_parts(w, lex.known)
        syn = lex.synonyms(s) | lex.synonyms(w)
        near: set[str] = set()
        if not syn and len(w) >= 5 and w.isalpha() and lex_forms:
            best = process.extractOne(
                s, lex_forms, scorer=OSA.normalized_similarity, score_cutoff=0.8
            )
            if best is not None:
                near = {best[0]} | lex.synonyms(best[0])
        df = max(doc_freq(s), doc_freq(w))
        weight = math.log(1 + (num_docs + 1) / (df + 1)) if num_docs else 1.0
        out.append(
            QueryWord(
                w,
                s,
                frozenset(forms),
                parts,
                frozenset(syn - forms),
                max(weight, 0.2),
                near_synonyms=frozenset(near - forms),
                df=df,
            )
        )
    if out and q.words and out[-1].word == q.words[-1]:
        out[-1].last = True
    return out


def _word_match(qw: QueryWord, doc: T.ArticleForms) -> float:
    """How well the article holds this query word: the best of the ways it can (1 = the word itself)."""
    if not qw.forms.isdisjoint(doc.stems_words):
        return WORD
    if not qw.forms.isdisjoint(doc.parts):
        return PART
    best = SYNONYM if not qw.synonyms.isdisjoint(doc.held) else 0.0
    if not best and not qw.near_synonyms.isdisjoint(doc.stems_words):  # whole words only
        best = NEAR_SYNONYM
    w = qw.word
    if w.isdigit():
        return max(best, 0.6 if any(d.isdigit() and d.startswith(w) for d in doc.word_set) else 0.0)
    if qw.parts:  # a compound typed whose parts the article has: as much as they cover of it
        found = [p for p in qw.parts if p in doc.held]
        if found:
            best = max(best, PART * min(1.0, sum(len(p) for p in found) / len(w)))
    if (len(w) >= 2 or qw.last) and " " + w in doc.joined_all:
        best = max(best, PREFIX)  # (the word itself has returned above)
    if len(w) >= 5 and w.isalpha() and (w in doc.joined_words or qw.stem in doc.joined_words):
        best = max(best, INFIX)  # the end or middle of a compound ("kapseln" in "trockenkapseln")
    if best < TYPO and len(w) >= 4:
        typo = max(
            _typo(w, doc.typo_words, 0.0),  # a whole word of the article before a part of one
            _typo(w, doc.typo_parts, 0.03),
        )
        if typo >= 0.75:
            best = max(best, TYPO * typo)
    return best


def _typo(w: str, strings: tuple[str, ...], penalty: float) -> float:
    """The best similarity of ``w`` to one of ``strings`` (within two letters of its length) or to
    the start of a longer one (a typo in a word still being typed: 0.05 less, whatever ``penalty``)."""
    n, best = len(w), 0.0
    for d in strings:
        if abs(len(d) - n) <= 2:
            best = max(best, OSA.normalized_similarity(w, d) - penalty)
            if len(d) > n:
                best = max(best, OSA.normalized_similarity(w, d[:n]) - 0.05)
    return best


def _number_match(key: str, keys: tuple[str, ...]) -> tuple[float, bool]:
    key = key.lower()
    best, exact = 0.0, False
    for k in keys:
        if key == k:
            return 1.0, True
        if k.startswith(key):
            best = max(best, 0.9 + 0.09 * len(key) / len(k))
        elif len(key) >= 3 and key in k:
            best = max(best, 0.85 + 0.05 * len(key) / len(k))
        elif len(key) >= 5:
            r = OSA.normalized_similarity(key, k)
            if r >= 0.8:
                best = max(best, 0.75 * r)
    return best, exact


def _stated_attributes(q: T.QueryForms, docs: list[T.ArticleForms]) -> dict[str, set[str]]:
    """Attributes the query states: the line's own, its side, and query words that are values of
    an attribute among the candidates ("silber" is a colour, "M" a size or power)."""
    stated: dict[str, set[str]] = {k: {v} for k, v in q.attributes.items()}
    words = set(q.words)
    values: dict[str, set[str]] = {}
    for d in docs:
        for k, v in d.attributes.items():
            if k != "side":
                values.setdefault(k, set()).add(v)
    for k, vs in values.items():
        if k in stated:
            continue
        hit = {v for v in vs if v and set(v.split()) <= words}
        if hit:
            stated[k] = hit
    if q.side:
        stated["side"] = {q.side}
    return stated


_FORMS_CACHE: OrderedDict[tuple, T.ArticleForms] = OrderedDict()
FORMS_CACHE_SIZE = 512  # ≈ 2 MB: the candidates of the last searches (typing hits them again)


def _forms(row: tuple, known: frozenset[str]) -> T.ArticleForms:
    """An article's comparable forms, remembered for the candidates of recent searches."""
    key = (row[0], row[1], row[2], row[3], row[4], id(known))
    forms = _FORMS_CACHE.get(key)
    if forms is not None:
        _FORMS_CACHE.move_to_end(key)
        return forms
    attributes = json.loads(row[2]) if row[2] else None
    forms = T.article_forms(
        row[1], attributes, tuple(k.lower() for k in (row[3], row[4]) if k), known
    )
    _FORMS_CACHE[key] = forms
    if len(_FORMS_CACHE) > FORMS_CACHE_SIZE:
        _FORMS_CACHE.popitem(last=False)
    return forms


def rank(
    q: T.QueryForms, qwords: list[QueryWord], rows: list[tuple], lex: T.Lexicon
) -> list[Ranked]:
    """``rows``: (pk, description, attributes as JSON text, partner_key, manufacturer_key, status,
    bm25 rank). The attributes stay text until an article's forms are not in the cache."""
    docs = [_forms(r, lex.known) for r in rows]
    stated = _stated_attributes(q, docs)
    stated_words = {k: [set(v.split()) for v in values] for k, values in stated.items()}
    total = sum(w.weight for w in qwords) or 1.0
    code_like = q.looks_like_number and len(q.raw.split()) == 1 and any(c in q.raw for c in "-/.")
    query_forms = frozenset().union(*(w.forms for w in qwords)) if qwords else frozenset()
    query_prefixes = tuple(w.word for w in qwords)
    out = []
    for row, doc in zip(rows, docs):
        pk, _description, _, _, _, status, bm25_rank = row
        matched = [(w, _word_match(w, doc)) for w in qwords]
        coverage = sum(w.weight * m for w, m in matched) / total if qwords else 0.0
        if code_like:  # the words of "HE-SP-2-L" are pieces of a code, weak evidence as text
            coverage *= 0.8
        number, exact_number = (
            _number_match(q.key, doc.keys)
            if q.key and (q.looks_like_number or not qwords)
            else (0.0, False)
        )
        exact_text = bool(q.folded_text) and q.folded_text == doc.description_text
        base = max(coverage, number)
        if base < MIN_SCORE and not exact_text:
            continue
        matches, misses = [], []
        side_conflict = False
        for key, values in stated.items():
            have = doc.side if key == "side" else doc.attributes.get(key)
            if not have:
                continue
            if have in values:
                matches.append(key)
            elif key == "side" or not any(v & set(have.split()) for v in stated_words[key]):
                misses.append(key)  # "2,2 mm" does not contradict a stated "2"; "M" contradicts "S"
                side_conflict |= key == "side"
        desc_words = doc.description_words
        covered = sum(1 for d in desc_words if d in query_forms or d.startswith(query_prefixes))
        precision = covered / len(desc_words) if desc_words else 0.0
        score = (
            base
            + 0.04 * len(matches)
            - 0.12 * len(misses)
            + 0.03 * precision
            - (0.08 if status == "discontinued" else 0.0)
        )
        exact = exact_number or exact_text
        if side_conflict:
            score = min(score, 0.5)
        ranked = Ranked(
            pk,
            1.0 if exact and not misses else max(0.0, min(score, 0.99)),
            exact,
            side_conflict,
        )
        ranked.sort_key = (side_conflict, not exact, -score, bm25_rank)  # type: ignore[attr-defined]
        ranked.facts = (  # type: ignore[attr-defined]
            exact_number,
            exact_text,
            number >= coverage and number > 0,
            base,
            matches,  # type: ignore[attr-defined]
            misses,
            [m for _, m in matched],
        )
        out.append(ranked)
    out.sort(key=lambda r: r.sort_key)  # type: ignore[attr-defined]
    return out


def explain(ranked: Ranked) -> Ranked:
    """Fill in the reason — only for the results a person sees."""
    if ranked.why is None:
        ranked.why = _reason(*ranked.facts)  # type: ignore[attr-defined]
    return ranked


def _reason(exact_number, exact_text, by_number, base, matches, misses, matched) -> list[dict]:
    """Why an article ranks, as reason parts (the words: ``catalog.issues.REASONS``)."""
    if exact_number:
        parts: list[dict] = [{"code": "same_number"}]
    elif exact_text:
        parts = [{"code": "same_description"}]
    elif by_number:
        parts = [{"code": "number_fits", "percent": round(base * 100)}]
    else:
        parts = [{"code": "description_fits", "percent": round(base * 100)}]
        if any(0 < m < PREFIX for m in matched):
            parts.append({"code": "typo"})
        if any(m == SYNONYM for m in matched):
            parts.append({"code": "trade_term"})
    if matches:
        parts.append({"code": "attributes_match", "names": list(matches)})
    if misses:
        parts.append({"code": "attributes_differ", "names": list(misses)})
    return parts
