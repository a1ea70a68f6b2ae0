"""Catalog search (issue 11): relevance on the labelled set, latency and memory at 1,000,000 articles.

* relevance: the labelled queries of ``bench/relevance`` (≥ 300, in categories) against the
  product's search (``catalog.api.search_articles``: exact identifiers, then the tantivy search
  and its ranking) and, in the same run, the same rows ranked by PostgreSQL ``pg_trgm``
  similarity. Targets: recall@5 ≥ 98 % overall and ≥ 90 % per category, recall@1 ≥ 90 %, no
  contradicting side at rank 1. Then again over the catalog scaled to 1,000,000 articles.
* latency at 1,000,000 articles: p95 per search (target ≤ 20 ms) in a warm process that, like a
  web process, holds Django and the index but not the benchmark's own article dicts; the first
  search of a freshly started process (target ≤ 100 ms) and the first search after an import
  (the worker rebuilt the index; the web process had the old one open) (target ≤ 100 ms).
* memory: the RSS of a process that has run the queries over the 1,000,000-article catalog,
  against the same process with an empty catalog (target: within 30 MB).

Articles are bulk-loaded (COPY on PostgreSQL, executemany on SQLite); the index is built by
``catalog.search.index.rebuild`` as the worker does after an import, and its time is reported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench import relevance
from bench.common import PYTHON, REPO, BenchStack, Metric, bench_root, say, setup_django, summary_ms
from bench.relevance.catalog import catalog, scaled_catalog
from bench.relevance.evaluate import load_queries

NAME = "search"
COLUMNS = [
    "partner_id",
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
    "catalog_import_id",
    "price_quantity",
    "price_type",
]


def load_partner(slug: str, articles) -> tuple[object, int, float]:
    """A partner with these article dicts (bench/relevance/catalog.py); returns (partner, count, seconds)."""
    # Django and OrderHub's apps load only after setup_django() has picked the run's database
    from django.db import connection, transaction
    from django.utils import timezone

    from orderhub.catalog.models import CatalogImport
    from orderhub.formats.identifiers import (
        InvalidIdentifier,
        normalize_article_number,
        normalize_gtin,
        normalize_hmv,
    )

    # Django and OrderHub's apps load only after setup_django() has picked the run's database
    from orderhub.partners.models import Partner

    def normal(fn, value):  # as the import stores them
        try:
            return fn(value) if value else None
        except InvalidIdentifier:
            return None

    partner = Partner.objects.create(
        slug=slug,
        name=f"Bench {slug}",
        channel=Partner.Channel.EMAIL,
        requires_customer_number=False,
    )
    job = CatalogImport.objects.create(
        partner=partner,
        file_name=f"{slug}.xml",
        status="succeeded",
        finished_at=timezone.now(),
        created_by="bench",
    )
    started = time.perf_counter()
    count = 0

    def rows():
        nonlocal count
        for a in articles:
            count += 1
            yield (
                partner.pk,
                a["partner_article_number"],
                normalize_article_number(a["partner_article_number"]),
                normal(normalize_gtin, a.get("gtin")),
                normal(normalize_hmv, a.get("hmv_number")),
                a.get("manufacturer_article_number") or "",
                normalize_article_number(a.get("manufacturer_article_number")),
                a.get("manufacturer_name") or "",
                a["short_description"],
                "",
                a.get("order_unit") or "C62",
                a.get("price"),
                "EUR",
                json.dumps(a.get("attributes") or {}, ensure_ascii=False),
                a.get("status", "active"),
                job.pk,
                1,
                "net_customer",
            )

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY catalog_article ({', '.join(COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO catalog_article ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
            batch = []
            for row in rows():
                batch.append(row[:11] + (str(row[11]) if row[11] is not None else None,) + row[12:])
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_article")
    return partner, count, time.perf_counter() - started


class ProductSearch:
    """``search_fn`` for bench.relevance: the product's search over a partner loaded for it."""

    def __init__(self, slug: str, articles):
        # Django and OrderHub's apps load only after setup_django() has picked the run's database
        from orderhub.catalog.search import index

        self.partner, self.count, self.load_seconds = load_partner(slug, articles)
        t0 = time.perf_counter()
        index.record_rebuild(self.partner.pk)
        index.rebuild(self.partner.pk)
        self.index_seconds = time.perf_counter() - t0
        say(
            f"  {self.count:,} articles loaded in {self.load_seconds:.1f} s, index built in "
            f"{self.index_seconds:.1f} s"
        )

    def __call__(self, query: str) -> list[str]:
        # Django and OrderHub's apps load only after setup_django() has picked the run's database
        from orderhub.catalog.api import search_articles

        hits, _ = search_articles(self.partner, query, limit=10)
        return [h.article.partner_article_number for h in hits]


PROBE = r"""
import json, os, sys, time
t_start = time.perf_counter()
import django
django.setup()
from orderhub.catalog.api import search_articles
from orderhub.partners.models import Partner
from bench.relevance.evaluate import load_queries
partner = Partner.objects.get(slug=sys.argv[1])
queries = [q.text for q in load_queries()]
def rss(kind="VmRSS"):
    for line in open("/proc/self/status"):
        if line.startswith(kind + ":"):
            return int(line.split()[1]) / 1024
before = rss()
t0 = time.perf_counter()
search_articles(partner, queries[0], limit=10)
first = time.perf_counter() - t0
for q in queries:  # warm: the first pass opens files and fills caches
    search_articles(partner, q, limit=10)
times, cpu = [], []
for _ in range(3):
    for q in queries:
        c0, t0 = time.thread_time(), time.perf_counter()
        search_articles(partner, q, limit=10)
        times.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
print(json.dumps({"first_s": first, "rss_before_mb": before, "rss_after_mb": rss(),
                  "anon_after_mb": rss("RssAnon"), "file_after_mb": rss("RssFile"),
                  "times": times, "cpu": cpu}))
"""


def probe(stack: BenchStack, slug: str) -> dict:
    """A fresh process (as a web process after a restart): first search, then all queries twice."""
    env = {
        **os.environ,
        **stack.django_env(),
        "DJANGO_SETTINGS_MODULE": "orderhub.settings",
        "ORDERHUB_SEARCH_INDEX_DIR": os.environ["ORDERHUB_SEARCH_INDEX_DIR"],
        "PYTHONPATH": str(REPO),
    }
    out = subprocess.run(
        [PYTHON, "-c", PROBE, slug],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"probe failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False, keep: bool = False) -> tuple[list[Metric], dict]:
    size = 100_000 if quick else 1_000_000
    details: dict = {"size": size}
    metrics: list[Metric] = []
    with bench_root(NAME, keep) as root:
        stack = BenchStack(root, catalog_size=20)
        say(f"[{NAME}] preparing database ({stack.db_kind})")
        stack.prepare()
        os.environ["ORDERHUB_SEARCH_INDEX_DIR"] = str(root / "search-index")
        try:
            setup_django(stack)
            # Django and OrderHub's apps load only after setup_django() has picked the run's database
            from django.conf import settings

            settings.SEARCH_INDEX_DIR = root / "search-index"

            say(f"[{NAME}] relevance on the labelled catalog ({len(catalog()):,} articles)")
            m, d = relevance.run(
                lambda articles: ProductSearch("relevance", articles),
                name="orderhub",
                out=say,
                misses=10,
            )
            metrics += m
            details["relevance"] = d

            say(f"[{NAME}] relevance and latency at {size:,} articles")
            engine: dict = {}

            def big_factory(articles):
                engine["fn"] = ProductSearch("big", articles)
                return engine["fn"]

            # The baseline orders every row by similarity: at this size minutes per query over the
            # whole set, so its latency is measured on a sample below, not its relevance.
            m_big, d_big = relevance.run(
                big_factory, name="orderhub", size=size, baseline=False, out=say, misses=10
            )
            details["relevance_at_size"] = d_big
            fn = engine["fn"]
            details["index_build_s"] = fn.index_seconds
            for metric in m_big:
                if metric.key.endswith((".recall5", ".recall1", ".side_contradictions")):
                    metric.key = metric.key.replace("relevance.", f"relevance_{size // 1000}k.")
                    metric.label = metric.label.replace("relevance", f"relevance at {size:,}")
                    metrics.append(metric)

            queries = [q.text for q in load_queries()]
            for q in queries:  # warm
                fn(q)
            times, cpu = [], []
            for _ in range(3):
                for q in queries:
                    c0, t0 = time.thread_time(), time.perf_counter()
                    fn(q)
                    times.append(time.perf_counter() - t0)
                    cpu.append(time.thread_time() - c0)
            warm = summary_ms(times)
            details["warm"], details["warm_cpu"] = warm, summary_ms(cpu)
            say(
                f"  warm: p50 {warm['p50']:.1f} ms  p95 {warm['p95']:.1f} ms  p99 {warm['p99']:.1f} ms "
                f"(n={warm['n']}); CPU of this thread p50 {details['warm_cpu']['p50']:.1f} ms  p95 "
                f"{details['warm_cpu']['p95']:.1f} ms (tantivy's own threads not counted)"
            )

            # A web process holds Django and the index, not the benchmark's million article dicts
            # (whose garbage collection slows the figures above): the target is measured there.
            restart = probe(stack, "big")
            say(f"  first search of a fresh process: {restart['first_s'] * 1000:.0f} ms")
            web = summary_ms(restart["times"])
            details["web_warm"], details["web_warm_cpu"] = web, summary_ms(restart["cpu"])
            say(
                f"  warm, in a process like a web process: p50 {web['p50']:.1f} ms  p95 "
                f"{web['p95']:.1f} ms  p99 {web['p99']:.1f} ms (n={web['n']}); CPU p95 "
                f"{details['web_warm_cpu']['p95']:.1f} ms"
            )

            # An import: the worker rebuilds (a new generation); this process had the old one open.
            # Django and OrderHub's apps load only after setup_django() has picked the run's database
            from orderhub.catalog.search import index

            t0 = time.perf_counter()
            index.record_rebuild(fn.partner.pk)
            index.rebuild(fn.partner.pk)
            rebuild_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            fn(queries[1])
            after_import = time.perf_counter() - t0
            say(
                f"  rebuild after an import {rebuild_s:.1f} s; first search after it {after_import * 1000:.0f} ms"
            )

            # The other design at the same size: pg_trgm similarity over the same rows (latency).
            # psycopg and a PostgreSQL server only for the baseline
            from bench.relevance.pg_trgm_baseline import PgTrgmBaseline, PgTrgmUnavailable

            try:
                if os.environ.get(
                    "BENCH_SEARCH_NO_TRGM_AT_SIZE"
                ):  # 35 s per query at 1M: a long wait
                    raise PgTrgmUnavailable("skipped (BENCH_SEARCH_NO_TRGM_AT_SIZE)")
                with PgTrgmBaseline(scaled_catalog(size)) as baseline:
                    sample = queries[:: max(1, len(queries) // (10 if quick else 20))]
                    trgm = []
                    for q in sample:
                        t0 = time.perf_counter()
                        baseline(q)
                        trgm.append(time.perf_counter() - t0)
                details["pg_trgm_at_size"] = summary_ms(trgm)
                say(
                    f"  pg_trgm over the same {size:,} rows: p50 {details['pg_trgm_at_size']['p50']:.0f} ms  "
                    f"p95 {details['pg_trgm_at_size']['p95']:.0f} ms per query (n={len(trgm)})"
                )
            except PgTrgmUnavailable as exc:
                say(f"  pg_trgm baseline not measured: {exc}")

            _empty, _, _ = load_partner("empty", [])
            full_mem = probe(stack, "big")
            empty_mem = probe(stack, "empty")
            rss_delta = full_mem["rss_after_mb"] - empty_mem["rss_after_mb"]
            say(
                f"  RSS after all queries four times: {full_mem['rss_after_mb']:.0f} MB with {size:,} articles, "
                f"{empty_mem['rss_after_mb']:.0f} MB with an empty catalog (difference {rss_delta:.0f} MB: "
                f"private {full_mem['anon_after_mb'] - empty_mem['anon_after_mb']:.0f} MB, mapped index "
                f"and other file pages {full_mem['file_after_mb'] - empty_mem['file_after_mb']:.0f} MB)"
            )
            details.update(
                restart_first_s=restart["first_s"],
                rebuild_s=rebuild_s,
                after_import_s=after_import,
                rss_full_mb=full_mem["rss_after_mb"],
                rss_empty_mb=empty_mem["rss_after_mb"],
                index_mb=sum(
                    f.stat().st_size for f in (root / "search-index").rglob("*") if f.is_file()
                )
                / 2**20,
            )
            say(f"  index on disk: {details['index_mb']:.0f} MB")
            # Django and OrderHub's apps load only after setup_django() has picked the run's database
            from django.db import connection

            connection.close()
        finally:
            stack.stop()

    metrics += [
        Metric(
            "search.p95",
            f"search: p95 per query at {size:,} articles (warm, web-like process)",
            details["web_warm"]["p95"],
            "ms",
            20,
            "lower",
        ),
        Metric(
            "search.p50",
            f"search: p50 per query at {size:,} articles (warm, web-like process)",
            details["web_warm"]["p50"],
            "ms",
            None,
            "lower",
        ),
        Metric(
            "search.p95_loaded_process",
            f"search: p95 at {size:,} in the benchmark's own process (holds the catalog's dicts)",
            warm["p95"],
            "ms",
            None,
            "lower",
        ),
        Metric(
            "search.first_after_restart",
            f"search: first query of a fresh process at {size:,}",
            restart["first_s"] * 1000,
            "ms",
            100,
            "lower",
        ),
        Metric(
            "search.first_after_import",
            f"search: first query after an import at {size:,}",
            after_import * 1000,
            "ms",
            100,
            "lower",
        ),
        Metric(
            "search.rss_delta",
            f"search: web process RSS with {size:,} articles minus with none",
            rss_delta,
            "MB",
            30,
            "lower",
        ),
        Metric(
            "search.index_build",
            f"search: index build (rebuild after an import) at {size:,}",
            details["rebuild_s"],
            "s",
            None,
            "lower",
        ),
        Metric(
            "search.cpu_p95",
            f"search: CPU of the searching thread, p95 at {size:,}",
            details["warm_cpu"]["p95"],
            "ms",
            None,
            "lower",
        ),
    ]
    if "pg_trgm_at_size" in details:
        metrics.append(
            Metric(
                "search.pg_trgm_p50",
                f"search: pg_trgm similarity over the same {size:,} rows, p50",
                details["pg_trgm_at_size"]["p50"],
                "ms",
                None,
                "lower",
            )
        )
    return metrics, details


if __name__ == "__main__":
    sys.exit(0)
