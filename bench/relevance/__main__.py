"""``python -m bench.relevance [--baseline-only] [--check] [--size N] [--misses N] [--json PATH]``

* ``--baseline-only``: score the PostgreSQL pg_trgm baseline (no product engine needed).
* ``--check``: validate the labelled set (expected articles exist, fragments unique, exact texts
  exact, sides stated, ≥ 20 queries per category) and print candidates for an ambiguity review;
  with ``--size N`` also against the distractors of a scaled catalog.
* ``--baseline-identifiers``: a second baseline column with GTIN/HMV/manufacturer number in the text.
* ``--size N``: catalog scaled to N articles with distractors (the labels stay valid).

Without ``--baseline-only`` the product engine is scored too, through ``ENGINE`` below (set by the
lead: a factory ``articles -> search_fn``); while it is ``None`` only the baseline runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time

from bench.relevance import run
from bench.relevance.catalog import catalog, scaled_catalog
from bench.relevance.evaluate import check, load_queries

#: The product's search, as ``factory(articles) -> search_fn``; ``None`` until it is wired in.
ENGINE = None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.relevance", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--baseline-only", action="store_true", help="score only the pg_trgm baseline")
    ap.add_argument("--check", action="store_true", help="validate the labelled set and exit")
    ap.add_argument("--size", type=int, default=None, help="scale the catalog to N articles")
    ap.add_argument(
        "--baseline-identifiers",
        action="store_true",
        help="add a baseline column with GTIN, HMV and manufacturer number in the text",
    )
    ap.add_argument("--misses", type=int, default=15, help="misses to list per engine (0: none)")
    ap.add_argument("--json", default=None, help="also write the figures and misses to this file")
    args = ap.parse_args(argv)

    if args.check:
        queries = load_queries()
        kw = {}
        if args.size:
            base = len(catalog())
            t0 = time.perf_counter()
            nums, texts = [], []
            for a in itertools.islice(scaled_catalog(args.size), base, None):
                nums.append(a["partner_article_number"])
                if len(texts) < 100_000:  # every distractor template, many model names
                    texts.append(
                        a["short_description"] + " " + " ".join(map(str, a["attributes"].values()))
                    )
            kw = {"scaled_numbers": nums, "scaled_texts": texts}
            print(f"distractors: {len(nums):,} ({time.perf_counter() - t0:.1f} s)")
        problems = check(queries, **kw)
        counts = {}
        for q in queries:
            counts[q.category] = counts.get(q.category, 0) + 1
        print(f"{len(queries)} queries: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        hard = [p for p in problems if not p.startswith("review")]
        for p in problems:
            print(("  " if p.startswith("review") else "! ") + p)
        print("ok" if not hard else f"{len(hard)} problem(s)")
        return 1 if hard else 0

    factory = None if args.baseline_only else ENGINE
    if factory is None and not args.baseline_only:
        print(
            "[relevance] no product engine wired in (bench/relevance/__main__.py ENGINE): baseline only"
        )
    metrics, details = run(
        factory, size=args.size, misses=args.misses, baseline_identifiers=args.baseline_identifiers
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                {"metrics": [m.as_dict() for m in metrics], "details": details},
                fh,
                ensure_ascii=False,
                indent=1,
                default=str,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
