"""Scoring a search function on the labelled relevance set, and checking the set itself.

``search_fn(query: str) -> list[str]`` returns partner_article_numbers, best first (10 are enough:
recall@5 and MRR look at the first 10). ``evaluate`` returns recall@1, recall@5 and MRR overall and
per category, the number of queries whose rank-1 hit contradicts the side (or colour) the query
implies, and every miss, so a change in the engine can be read query by query.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench.relevance.catalog import by_number
from bench.relevance.catalog import catalog as base_catalog

QUERIES = Path(__file__).with_name("queries.tsv")
CATEGORIES = [
    "exact_number",
    "partial_number",
    "gtin_hmv",
    "exact_text",
    "compound",
    "umlaut",
    "plural_singular",
    "typo",
    "prefix",
    "word_order",
    "side_colour",
    "synonyms",
]
MRR_DEPTH = 10


@dataclass(frozen=True)
class Query:
    text: str
    expected: frozenset[str]
    category: str
    side: str = ""  # "L" / "R": the side the query implies ("" = none)
    colour: str = ""  # the colour the query implies ("" = none)
    line: int = 0


def load_queries(path: Path | str = QUERIES) -> list[Query]:
    """Read queries.tsv: ``query<TAB>expected[|expected…]<TAB>category<TAB>side<TAB>colour``;
    lines starting with ``#`` and the header are skipped."""
    queries = []
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#") or raw.startswith("query\t"):
            continue
        cells = raw.split("\t") + ["", ""]
        text, expected, category, side, colour = (c.strip() for c in cells[:5])
        queries.append(
            Query(
                text, frozenset(e for e in expected.split("|") if e), category, side, colour, number
            )
        )
    return queries


def fold(text: str) -> str:
    text = text.lower().replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _same_colour(a: str, b: str) -> bool:
    return fold(a) == fold(b)


def evaluate(search_fn, queries: list[Query], catalog: dict[str, dict] | None = None) -> dict:
    """Run every query once through ``search_fn`` and score it."""
    catalog = catalog if catalog is not None else by_number()
    per_cat: dict[str, dict] = defaultdict(lambda: {"n": 0, "hit1": 0, "hit5": 0, "rr": 0.0})
    misses, side_contradictions, colour_contradictions, latencies = [], [], [], []
    for q in queries:
        start = time.perf_counter()
        hits = list(search_fn(q.text))[:MRR_DEPTH]
        latencies.append(time.perf_counter() - start)
        rank = next((i + 1 for i, h in enumerate(hits) if h in q.expected), None)
        c = per_cat[q.category]
        c["n"] += 1
        c["hit1"] += rank == 1
        c["hit5"] += rank is not None and rank <= 5
        c["rr"] += 1 / rank if rank else 0.0
        if rank != 1:
            misses.append(
                {
                    "query": q.text,
                    "category": q.category,
                    "expected": sorted(q.expected),
                    "rank": rank,
                    "top": hits[:3],
                }
            )
        top = catalog.get(hits[0]) if hits else None
        if top is not None and top["partner_article_number"] not in q.expected:
            top_side = top["attributes"].get("side")
            if q.side and top_side and top_side != q.side:
                side_contradictions.append(
                    {
                        "query": q.text,
                        "expected_side": q.side,
                        "top": top["partner_article_number"],
                        "top_side": top_side,
                    }
                )
            top_colour = top["attributes"].get("colour")
            if q.colour and top_colour and not _same_colour(top_colour, q.colour):
                colour_contradictions.append(
                    {
                        "query": q.text,
                        "expected_colour": q.colour,
                        "top": top["partner_article_number"],
                        "top_colour": top_colour,
                    }
                )

    def figures(c):
        n = c["n"] or 1
        return {
            "n": c["n"],
            "recall@1": c["hit1"] / n,
            "recall@5": c["hit5"] / n,
            "mrr": c["rr"] / n,
        }

    total = {"n": 0, "hit1": 0, "hit5": 0, "rr": 0.0}
    for c in per_cat.values():
        for k in total:
            total[k] += c[k]
    ordered = [k for k in CATEGORIES if k in per_cat] + sorted(
        k for k in per_cat if k not in CATEGORIES
    )
    lat_ms = sorted(x * 1000 for x in latencies)
    return {
        "overall": figures(total),
        "categories": {k: figures(per_cat[k]) for k in ordered},
        "side_contradictions": side_contradictions,
        "colour_contradictions": colour_contradictions,
        "misses": misses,
        "latency_ms": {
            "p50": lat_ms[len(lat_ms) // 2],
            "p95": lat_ms[int(len(lat_ms) * 0.95)],
            "max": lat_ms[-1],
        }
        if lat_ms
        else {},
    }


def print_table(results: dict[str, dict], *, out=print) -> None:
    """One row per category (and overall), one column group per engine:
    ``print_table({"pg_trgm": evaluate(...), "engine": evaluate(...)})``."""
    names = list(results)
    first = results[names[0]]
    cats = list(first["categories"]) + ["overall"]
    head = f"{'category':<16}{'n':>5}"
    for name in names:
        head += f" │ {name[:26]:^26}"
    sub = f"{'':<16}{'':>5}" + "".join(f" │ {'R@1':>8}{'R@5':>9}{'MRR':>9}" for _ in names)
    out(head)
    out(sub)
    out("─" * len(sub))
    for cat in cats:
        row_n = first["overall"]["n"] if cat == "overall" else first["categories"][cat]["n"]
        if cat == "overall":
            out("─" * len(sub))
        line = f"{cat:<16}{row_n:>5}"
        for name in names:
            f = (
                results[name]["overall"]
                if cat == "overall"
                else results[name]["categories"].get(cat)
            )
            if f is None:
                line += f" │ {'—':>8}{'—':>9}{'—':>9}"
            else:
                line += (
                    f" │ {f['recall@1'] * 100:>7.1f}%{f['recall@5'] * 100:>8.1f}%{f['mrr']:>9.3f}"
                )
        out(line)
    line = f"{'side ≠ at rank 1':<21}"
    for name in names:
        r = results[name]
        line += f" │ {len(r['side_contradictions']):>8}{'':>18}"
    out(line)
    line = f"{'colour ≠ at rank 1':<21}"
    for name in names:
        line += f" │ {len(results[name]['colour_contradictions']):>8}{'':>18}"
    out(line)
    line = f"{'latency p50/p95 ms':<21}"
    for name in names:
        lat = results[name].get("latency_ms") or {}
        text = f"{lat.get('p50', 0):.1f} / {lat.get('p95', 0):.1f}" if lat else "—"
        line += f" │ {text:>26}"
    out(line)


def print_misses(result: dict, limit: int = 40, *, out=print) -> None:
    for m in result["misses"][:limit]:
        rank = m["rank"] if m["rank"] else ">10"
        out(
            f"  [{m['category']}] {m['query']!r}: expected {', '.join(m['expected'])} at rank {rank}; "
            f"top {', '.join(m['top']) or '—'}"
        )
    if len(result["misses"]) > limit:
        out(f"  … and {len(result['misses']) - limit} more")


# --- checking the set ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"[0-9a-z]+")
_SIDE_WORDS = {"links", "li", "linkes", "left", "rechts", "re", "rechtes", "right", "l", "r"}
_NUMBER_CATS = {"exact_number", "partial_number", "gtin_hmv"}


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def _article_text(a: dict) -> str:
    parts = [a["short_description"], *(str(v) for v in a["attributes"].values())]
    return fold(" ".join(parts))


def check(
    queries: list[Query],
    articles: list[dict] | None = None,
    *,
    min_per_category: int = 20,
    scaled_numbers=None,
    scaled_texts=None,
) -> list[str]:
    """Problems of the set (empty list = fine), and notes for a person to read.

    * every expected number exists; categories have at least ``min_per_category`` queries;
    * an exact_text query equals its article's description, and no other description;
    * a partial_number fragment occurs in the expected numbers only (with and without separators);
    * the side column equals the expected article's side; a text query for a sided article says
      a side (else it is ambiguous between L and R);
    * ambiguity: a text query whose every word is found (as a word prefix, after folding) in
      another article that is not expected *and* that article has no more extra words than the
      expected one — printed for review (typos and synonyms are skipped: they need the engine);
    * with ``scaled_numbers`` / ``scaled_texts`` (iterables over a scaled catalog's distractors):
      no distractor contains a partial fragment or every word of a text query.
    """

    articles = articles if articles is not None else base_catalog()
    by_num = {a["partner_article_number"]: a for a in articles}
    problems: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    for q in queries:
        counts[q.category] += 1
        key = fold(q.text)
        if key in seen:
            problems.append(f"line {q.line}: duplicate query {q.text!r}")
        seen.add(key)
        for e in q.expected:
            if e not in by_num:
                problems.append(f"line {q.line}: {q.text!r}: expected {e} is not in the catalog")
        if any(e not in by_num for e in q.expected):
            continue
        sides = {by_num[e]["attributes"].get("side", "") for e in q.expected}
        if q.side and sides != {q.side}:
            problems.append(
                f"line {q.line}: {q.text!r}: side {q.side} but expected articles have {sides}"
            )
        if q.category not in _NUMBER_CATS and sides - {""} and not q.side:
            problems.append(
                f"line {q.line}: {q.text!r}: expected article is sided but the query has no side"
            )
        if (
            q.category not in _NUMBER_CATS | {"typo"}
            and q.side
            and not (set(_tokens(q.text)) & _SIDE_WORDS)
        ):
            problems.append(
                f"line {q.line}: {q.text!r}: side {q.side} but no side word in the query"
            )
        if q.category == "exact_text":
            same = [
                a["partner_article_number"] for a in articles if a["short_description"] == q.text
            ]
            if sorted(same) != sorted(q.expected):
                problems.append(
                    f"line {q.line}: exact_text {q.text!r} is the description of {same}"
                )
        if q.category == "partial_number":
            frag = q.text.upper()
            plain = re.sub(r"[^0-9A-Z]", "", frag)
            found = {
                a["partner_article_number"]
                for a in articles
                if frag in a["partner_article_number"].upper()
                or plain in re.sub(r"[^0-9A-Z]", "", a["partner_article_number"].upper())
            }
            if found != set(q.expected):
                problems.append(
                    f"line {q.line}: fragment {q.text!r} is in {sorted(found)[:6]} "
                    f"({len(found)}), expected {sorted(q.expected)}"
                )
    for cat in CATEGORIES:
        if counts.get(cat, 0) < min_per_category:
            problems.append(f"category {cat}: {counts.get(cat, 0)} queries (< {min_per_category})")

    # ambiguity review (a heuristic: the engine may still resolve these by extra words)
    texts = [(a["partner_article_number"], set(_tokens(_article_text(a)))) for a in articles]
    for q in queries:
        if (
            q.category in _NUMBER_CATS
            or q.category in ("typo", "synonyms")
            or any(e not in by_num for e in q.expected)
        ):
            continue
        words = [w for w in _tokens(q.text) if w not in {"li", "re", "l", "r", "stk", "st"}]
        if not words:
            continue

        def covers(toks, inside=q.category == "compound", words=words):
            return all(any((w in t) if inside else t.startswith(w) for t in toks) for w in words)

        exp_extra = min(len(set(_tokens(by_num[e]["short_description"]))) for e in q.expected)
        rivals = [
            num
            for num, toks in texts
            if num not in q.expected
            and covers(toks)
            and len(set(_tokens(by_num[num]["short_description"]))) <= exp_extra
        ]
        rivals = [
            r
            for r in rivals
            if not (q.side and by_num[r]["attributes"].get("side") not in (None, q.side))
        ]
        if rivals:
            problems.append(
                f"review line {q.line}: {q.text!r} ({q.category}) → {sorted(q.expected)}; "
                f"equally covered by {rivals[:5]}{' …' if len(rivals) > 5 else ''}"
            )

    if scaled_numbers is not None:
        frags = [
            (q, q.text.upper(), re.sub(r"[^0-9A-Z]", "", q.text.upper()))
            for q in queries
            if q.category == "partial_number"
        ]
        for num in scaled_numbers:
            u = num.upper()
            p = re.sub(r"[^0-9A-Z]", "", u)
            for q, frag, plain in frags:
                if frag in u or plain in p:
                    problems.append(f"scaled: fragment {q.text!r} is also in distractor {num}")
    if scaled_texts is not None:
        wanted = []
        for q in queries:
            if q.category in _NUMBER_CATS:
                continue
            words = [w for w in _tokens(q.text) if w not in {"li", "re", "l", "r", "stk", "st"}]
            if words:
                wanted.append((q, words))
        flagged = set()
        for text in scaled_texts:
            toks = set(_tokens(text))
            for q, words in wanted:
                if q.line not in flagged and all(any(t.startswith(w) for t in toks) for w in words):
                    flagged.add(q.line)
                    problems.append(
                        f"scaled: {q.text!r} ({q.category}) is covered by distractor {text!r}"
                    )
    return problems
