"""The labelled search-relevance benchmark (issue 11) — see README.md in this directory.

``run(search_fn_factory)`` scores a search engine and the PostgreSQL ``pg_trgm`` baseline on the
same catalog and queries in one run, prints one table (recall@1, recall@5, MRR per category) and
returns ``(metrics, details)`` like every other benchmark in ``bench/``.
"""

from __future__ import annotations

import time

from bench.common import Metric
from bench.relevance.catalog import by_number, catalog, scaled_catalog
from bench.relevance.evaluate import CATEGORIES, evaluate, load_queries, print_misses, print_table

__all__ = ["catalog", "evaluate", "load_queries", "print_table", "run", "scaled_catalog"]

TARGET_RECALL5 = 0.98
TARGET_RECALL5_CATEGORY = 0.90
TARGET_RECALL1 = 0.90


def _articles(size: int | None):
    return catalog() if size is None else scaled_catalog(size)


def _open(factory, size, out):
    started = time.perf_counter()
    fn = factory(_articles(size))
    return fn, time.perf_counter() - started


def _close(fn) -> None:
    close = getattr(fn, "close", None)
    if callable(close):
        close()


def run(
    search_fn_factory=None,
    *,
    name: str = "engine",
    baseline: bool = True,
    size: int | None = None,
    quick: bool = False,
    keep: bool = False,
    misses: int = 15,
    baseline_identifiers: bool = False,
    out=print,
):
    """Score ``search_fn_factory`` (and the pg_trgm baseline) on the relevance set.

    ``search_fn_factory(articles)`` gets the catalog (an iterable of article dicts, see catalog.py;
    consume it once) and returns ``search_fn(query: str) -> list[partner_article_number]``, best
    first; if the returned object has ``close()``, it is called at the end. ``size`` scales the
    catalog with distractors (``scaled_catalog``); the labelled answers stay the same.
    ``baseline_identifiers`` adds a second baseline column whose text also holds GTIN, HMV and
    manufacturer number (the issue's baseline has only the partner article number).
    ``quick``/``keep`` are accepted for ``python -m bench``; the run is short anyway.
    Returns ``(metrics, details)``: :class:`bench.common.Metric` list and a JSON-able dict.
    """
    queries = load_queries()
    by_num = by_number() if size is None else None
    results: dict[str, dict] = {}
    details: dict = {
        "queries": len(queries),
        "catalog_size": size or len(by_number()),
        "engines": {},
    }
    engines = []
    if search_fn_factory is not None:
        engines.append((name, search_fn_factory))
    if baseline:
        # psycopg and a PostgreSQL server only for the baseline
        from bench.relevance.pg_trgm_baseline import search_fn_factory as pg_factory

        engines.append(("pg_trgm", pg_factory))
        if baseline_identifiers:
            engines.append(("pg_trgm+ids", lambda articles: pg_factory(articles, identifiers=True)))
    if not engines:
        raise ValueError("nothing to run: no search_fn_factory and baseline=False")

    if by_num is None:  # scaled: the attributes of hits are needed for the side check
        by_num = {}
        for a in scaled_catalog(size):
            by_num[a["partner_article_number"]] = {
                "partner_article_number": a["partner_article_number"],
                "attributes": a["attributes"],
            }

    for label, factory in engines:
        out(f"[relevance] {label}: loading {details['catalog_size']:,} articles …")
        fn, load_s = _open(factory, size, out)
        try:
            res = evaluate(fn, queries, by_num)
        finally:
            _close(fn)
        res["load_seconds"] = round(load_s, 2)
        results[label] = res
        details["engines"][label] = res
        o = res["overall"]
        out(
            f"[relevance] {label}: recall@1 {o['recall@1']:.1%}, recall@5 {o['recall@5']:.1%}, "
            f"MRR {o['mrr']:.3f}, side contradictions at rank 1: {len(res['side_contradictions'])} "
            f"(load {load_s:.1f} s, p50 {res['latency_ms']['p50']:.1f} ms per query)"
        )

    out("")
    out(
        f"Relevance: {len(queries)} labelled queries over {details['catalog_size']:,} articles "
        f"(R@k = right article in the first k hits; MRR over the first 10)"
    )
    print_table(results, out=out)
    for label, res in results.items():
        if misses and res["misses"]:
            out(f"\n{label}: first misses at rank 1 (of {len(res['misses'])})")
            print_misses(res, misses, out=out)
        for c in res["side_contradictions"][:misses]:
            out(
                f"  {label} side contradiction: {c['query']!r} implies {c['expected_side']}, rank 1 is "
                f"{c['top']} ({c['top_side']})"
            )

    metrics = []
    main = name if search_fn_factory is not None else "pg_trgm"
    r = results[main]
    base = results.get("pg_trgm") if main != "pg_trgm" else None
    has_targets = main != "pg_trgm"

    def metric(key, label, value, unit, target=None, better="higher", ceiling=None):
        metrics.append(
            Metric(
                f"relevance.{main}.{key}",
                label,
                value,
                unit,
                target if has_targets else None,
                better,
                ceiling,
                "pg_trgm" if ceiling is not None else "",
            )
        )

    pct = lambda x: round(x * 100, 1)  # noqa: E731
    metric(
        "recall5",
        f"relevance {main}: recall@5",
        pct(r["overall"]["recall@5"]),
        "%",
        TARGET_RECALL5 * 100,
        ceiling=pct(base["overall"]["recall@5"]) if base else None,
    )
    metric(
        "recall1",
        f"relevance {main}: recall@1",
        pct(r["overall"]["recall@1"]),
        "%",
        TARGET_RECALL1 * 100,
        ceiling=pct(base["overall"]["recall@1"]) if base else None,
    )
    metric(
        "mrr",
        f"relevance {main}: MRR",
        round(r["overall"]["mrr"], 3),
        "",
        ceiling=round(base["overall"]["mrr"], 3) if base else None,
    )
    worst = min(r["categories"], key=lambda k: r["categories"][k]["recall@5"])
    metric(
        "recall5_min_category",
        f"relevance {main}: lowest category recall@5 ({worst})",
        pct(r["categories"][worst]["recall@5"]),
        "%",
        TARGET_RECALL5_CATEGORY * 100,
        ceiling=pct(base["categories"][worst]["recall@5"]) if base else None,
    )
    for cat in CATEGORIES:
        if cat in r["categories"]:
            metric(
                f"recall5.{cat}",
                f"relevance {main}: recall@5 {cat}",
                pct(r["categories"][cat]["recall@5"]),
                "%",
                TARGET_RECALL5_CATEGORY * 100,
                ceiling=pct(base["categories"][cat]["recall@5"]) if base else None,
            )
    metric(
        "side_contradictions",
        f"relevance {main}: contradicting side at rank 1",
        float(len(r["side_contradictions"])),
        "queries",
        0,
        "lower",
        ceiling=float(len(base["side_contradictions"])) if base else None,
    )
    return metrics, details
