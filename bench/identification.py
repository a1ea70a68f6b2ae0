"""Identification latency at large catalog sizes, in-process (Django set up on a bench database).

* exact: one partner with 1,000,000 articles; ``identification.identify`` with a partner article
  number (typed differently: lower case, other separators), a GTIN (13 digits, as on the box) or an
  HMV number (with dots), at random, for active articles (target p99 ≤ 2 ms per line). Ceiling: the
  raw indexed ``SELECT`` for the same normalised value on the same connection.
* candidates: partners with 20,000, 100,000 and 200,000 articles; ``fuzzy_candidates`` (the
  catalog search) with realistic descriptions as practice software sends them (abbreviated, words
  missing, typos, side and colour as attributes) (target p95 ≤ 50 ms per line at 200,000). The
  index is built first, as the worker does after an import; its time and the first call are
  reported. Relevance and latency at 1,000,000 are ``bench/search.py``.
* a discontinued article hit at 1,000,000: identify() then looks for alternatives with the fuzzy
  search over the whole catalog; reported without a target.

Articles are bulk-loaded (COPY on PostgreSQL, executemany on SQLite) from the catalog generator;
the import path would take far too long for a million articles (see catalog_import).
"""

from __future__ import annotations

import json
import random
import time

from bench.common import BenchStack, Metric, bench_root, say, setup_django, summary_ms

NAME = "identification"
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


def make_partner(slug: str, name: str):
    # Django and OrderHub's apps load only after setup_django() has picked the run's database
    from django.utils import timezone

    from orderhub.catalog.models import CatalogImport
    from orderhub.partners.models import Partner

    partner = Partner.objects.create(
        slug=slug, name=name, channel=Partner.Channel.EMAIL, requires_customer_number=False
    )
    job = CatalogImport.objects.create(
        partner=partner,
        file_name=f"{slug}.xml",
        status="succeeded",
        finished_at=timezone.now(),
        created_by="bench",
    )
    return partner, job


def bulk_load(partner, job, prefix: str, size: int, keep=None) -> tuple[float, dict]:
    """Load ``size`` generated articles; returns seconds and the articles at the indexes in ``keep``."""
    # Django and OrderHub's apps load only after setup_django() has picked the run's database
    from django.db import connection, transaction

    from orderhub.formats.catalog_generator import generate_catalog
    from orderhub.formats.identifiers import normalize_article_number

    keep = keep or set()
    kept = {}
    start = time.perf_counter()

    def rows():
        for i, a in enumerate(generate_catalog(prefix, size, seed=1, manufacturer=partner.name)):
            if i in keep:
                kept[i] = a
            yield (
                partner.pk,
                a.partner_article_number,
                normalize_article_number(a.partner_article_number),
                a.gtin,
                a.hmv_number,
                a.manufacturer_article_number or "",
                normalize_article_number(a.manufacturer_article_number),
                a.manufacturer_name or "",
                a.short_description,
                a.long_description or "",
                a.order_unit,
                a.price,
                a.currency,
                json.dumps(a.attributes, ensure_ascii=False),
                a.status,
                job.pk,
                1,
                "net_customer",
            )

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY catalog_article ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            sql = (
                f"INSERT INTO catalog_article ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(COLUMNS))})"
            )
            batch = []
            for row in rows():
                batch.append(row[:11] + (str(row[11]),) + row[12:])
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_article")  # what autovacuum would do after such a load
    return time.perf_counter() - start, kept


# --- exact ---------------------------------------------------------------------------------------------


def _typed_like_a_person(number: str, rng: random.Random) -> str:
    """The same article number as another program might send it."""
    variant = rng.randrange(3)
    if variant == 0:
        return number.lower()
    if variant == 1:
        return number.replace("-", " ")
    return number.replace("-", "/", 1).lower()


def exact_queries(articles: dict, n: int, rng: random.Random) -> list[tuple[str, object]]:
    # Django and OrderHub's apps load only after setup_django() has picked the run's database
    from orderhub.catalog.identification import LineQuery

    active = [a for a in articles.values() if a.status == "active"]
    out = []
    for _ in range(n):
        a = rng.choice(active)
        kind = rng.choice(["partner_article_number", "gtin", "hmv_number"])
        if kind == "hmv_number" and not a.hmv_number:
            kind = "partner_article_number"
        if kind == "partner_article_number":
            out.append(
                (
                    kind,
                    LineQuery(
                        partner_article_number=_typed_like_a_person(a.partner_article_number, rng)
                    ),
                )
            )
        elif kind == "gtin":
            out.append(
                (
                    kind,
                    LineQuery(gtin=a.gtin.lstrip("0") if len(a.gtin.lstrip("0")) == 13 else a.gtin),
                )
            )
        else:
            h = a.hmv_number
            out.append((kind, LineQuery(hmv_number=f"{h[:2]}.{h[2:4]}.{h[4:6]}.{h[6:]}")))
    return out


def run_exact(partner, queries) -> dict:
    # Django and OrderHub's apps load only after setup_django() has picked the run's database
    from django.db import connection

    from orderhub.catalog import identification

    for _, q in queries[:200]:  # warm-up: connection, query compilation, caches
        identification.identify(partner, q)
    times: dict[str, list[float]] = {}
    cpu: list[float] = []
    codes: dict[str, int] = {}
    for kind, q in queries:
        c0, t0 = time.thread_time(), time.perf_counter()
        result = identification.identify(partner, q)
        times.setdefault(kind, []).append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        codes[result.code] = codes.get(result.code, 0) + 1
    # Ceiling: the raw SELECT for the same normalised value, same connection, plain cursor.
    lookups = {
        "partner_article_number": "partner_article_key",
        "gtin": "gtin",
        "hmv_number": "hmv_number",
    }
    raw_times = []
    cols = "id, " + ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        ph = "%s" if connection.vendor == "postgresql" else "?"
        for kind, q in queries:
            value = identification._normalise(kind, getattr(q, kind))
            t0 = time.perf_counter()
            raw.execute(
                f"SELECT {cols} FROM catalog_article WHERE partner_id = {ph} AND {lookups[kind]} = {ph} "
                f"LIMIT 6",
                (partner.pk, value),
            )
            raw.fetchall()
            raw_times.append(time.perf_counter() - t0)
    all_times = [t for ts in times.values() for t in ts]
    # CPU time of this thread per call: unlike wall time, not inflated when another process takes
    # the core away (the database's own work on PostgreSQL is in the server process, not here).
    return {
        "all": summary_ms(all_times),
        "cpu_ms": summary_ms(cpu),
        "by_kind": {k: summary_ms(v) for k, v in times.items()},
        "codes": codes,
        "raw_select": summary_ms(raw_times),
    }


# --- fuzzy ---------------------------------------------------------------------------------------------

TYPO_WORDS = {
    "hörsystem": ["Hörsytem", "HG", "Hörgerät", ""],
    "hörer": ["Hoerer", "Hörer", "Lautsprecher"],
    "rechts": ["re", "rechts", "R"],
    "links": ["li", "links", "L"],
    "länge": ["Länge", "L", "Gr."],
}


def fuzzy_queries(articles: list, n: int, rng: random.Random) -> list:
    """Descriptions as a practice program sends them: shortened, words dropped, typos, attributes."""
    # Django and OrderHub's apps load only after setup_django() has picked the run's database
    from orderhub.catalog.identification import LineQuery

    out = []
    for _ in range(n):
        a = rng.choice(articles)
        words = a.short_description.replace(",", "").split()
        words = [
            rng.choice(TYPO_WORDS[w.lower()])
            if w.lower() in TYPO_WORDS and rng.random() < 0.6
            else w
            for w in words
        ]
        words = [w for w in words if w]
        if len(words) > 3 and rng.random() < 0.5:
            del words[rng.randrange(1, len(words))]
        if rng.random() < 0.3 and words:
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        attributes = {}
        if rng.random() < 0.5:
            attributes = {k: v for k, v in a.attributes.items() if k in ("side", "colour")}
        out.append(LineQuery(description=" ".join(words), attributes=attributes))
    return out


def run_fuzzy(partner, queries) -> dict:
    """Candidates for lines exact identification cannot settle (catalog.search over the partner's index)."""
    # Django and OrderHub's apps load only after setup_django() has picked the run's database
    from orderhub.catalog import identification
    from orderhub.catalog.models import Article
    from orderhub.catalog.search import index

    t0 = time.perf_counter()
    index.record_rebuild(partner.pk)
    index.rebuild(partner.pk)  # what the worker does after an import
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    identification.fuzzy_candidates(partner, queries[0])
    first = time.perf_counter() - t0
    times, found = [], 0
    for q in queries[1:]:
        t0 = time.perf_counter()
        candidates = identification.fuzzy_candidates(partner, q)
        times.append(time.perf_counter() - t0)
        found += bool(candidates)
    return {
        "articles": Article.objects.filter(partner=partner).count(),
        "index_build_s": build,
        "first_call_s": first,
        "latency": summary_ms(times),
        "with_candidates": found,
        "queries": len(times),
    }


def run(quick: bool = False, keep: bool = False) -> tuple[list[Metric], dict]:
    exact_size = 50_000 if quick else 1_000_000
    fuzzy_sizes = [5_000, 20_000] if quick else [20_000, 100_000, 200_000]
    n_exact = 500 if quick else 5000
    n_fuzzy = 50 if quick else 80
    rng = random.Random(42)
    details: dict = {"exact_size": exact_size, "fuzzy_sizes": fuzzy_sizes, "loads": {}}
    with bench_root(NAME, keep) as root:
        stack = BenchStack(root, catalog_size=20)
        say(f"[{NAME}] preparing database ({stack.db_kind})")
        stack.prepare()
        try:
            setup_django(stack)
            # Django and OrderHub's apps load only after setup_django() has picked the run's database
            from django.db import connection

            details["db"] = connection.vendor
            sample = set(rng.sample(range(exact_size), min(exact_size, 20_000)))
            partner, job = make_partner("bench-exact", "Bench Exact GmbH")
            seconds, kept = bulk_load(partner, job, "SN", exact_size, sample)
            details["loads"][exact_size] = seconds
            say(
                f"  loaded {exact_size:,} articles in {seconds:.1f} s ({exact_size / seconds:,.0f}/s)"
            )

            say(f"[{NAME}] exact identification, {n_exact} lines at {exact_size:,} articles")
            exact = run_exact(partner, exact_queries(kept, n_exact, rng))
            details["exact"] = exact
            say(
                f"  p50 {exact['all']['p50']:.2f} ms  p95 {exact['all']['p95']:.2f} ms  p99 "
                f"{exact['all']['p99']:.2f} ms; raw SELECT p99 {exact['raw_select']['p99']:.2f} ms; {exact['codes']}"
            )
            say(
                f"  CPU time of this thread per line: p50 {exact['cpu_ms']['p50']:.2f} ms  p99 "
                f"{exact['cpu_ms']['p99']:.2f} ms"
            )
            for kind, s in exact["by_kind"].items():
                say(f"    {kind}: p50 {s['p50']:.2f} ms  p99 {s['p99']:.2f} ms (n={s['n']})")

            details["fuzzy"] = {}
            for prefix, size in zip(["KW", "OP", "AT"], fuzzy_sizes):
                fp, fjob = make_partner(f"bench-fuzzy-{size}", f"Bench Fuzzy {size}")
                picks = set(rng.sample(range(size), min(size, 2000)))
                seconds, kept_f = bulk_load(fp, fjob, prefix, size, picks)
                details["loads"][size] = seconds
                queries = fuzzy_queries(list(kept_f.values()), n_fuzzy + 1, rng)
                res = run_fuzzy(fp, queries)
                details["fuzzy"][size] = res
                details["fuzzy"][size]["examples"] = [q.description for q in queries[1:6]]
                lat = res["latency"]
                say(
                    f"[{NAME}] candidates at {size:,} articles: index build {res['index_build_s']:.1f} s, first call "
                    f"{res['first_call_s'] * 1000:.0f} ms; p50 {lat['p50']:.1f} ms  p95 {lat['p95']:.1f} ms  p99 "
                    f"{lat['p99']:.1f} ms; {res['with_candidates']}/{res['queries']} with candidates"
                )

            # A discontinued article found by its number: alternatives come from the search.
            # Django and OrderHub's apps load only after setup_django() has picked the run's database
            from orderhub.catalog import identification
            from orderhub.catalog.search import index

            index.record_rebuild(partner.pk)
            index.rebuild(partner.pk)

            discontinued = [a for a in kept.values() if a.status == "discontinued"][
                : 5 if quick else 8
            ]
            if discontinued:
                t0 = time.perf_counter()
                identification.identify(
                    partner,
                    identification.LineQuery(
                        partner_article_number=discontinued[0].partner_article_number
                    ),
                )
                build = time.perf_counter() - t0
                times = []
                for a in discontinued[1:]:
                    t0 = time.perf_counter()
                    r = identification.identify(
                        partner,
                        identification.LineQuery(partner_article_number=a.partner_article_number),
                    )
                    times.append(time.perf_counter() - t0)
                    assert r.code == "article_discontinued", r.code
                details["discontinued"] = {
                    "articles": exact_size,
                    "first_call_s": build,
                    "latency": summary_ms(times),
                }
                say(
                    f"[{NAME}] discontinued hit at {exact_size:,}: first call {build * 1000:.0f} ms, then "
                    f"p50 {summary_ms(times)['p50']:.0f} ms per line (alternatives from the search)"
                )
            connection.close()
        finally:
            stack.stop()

    big = fuzzy_sizes[-1]
    fz = details["fuzzy"][big]
    ex = details["exact"]
    metrics = [
        Metric(
            "identification.exact_p99",
            f"identification: exact, p99 per line at {exact_size:,} articles",
            ex["all"]["p99"],
            "ms",
            2,
            "lower",
            ex["raw_select"]["p99"],
            "raw indexed SELECT p99",
        ),
        Metric(
            "identification.exact_p50",
            f"identification: exact, p50 per line at {exact_size:,} articles",
            ex["all"]["p50"],
            "ms",
            None,
            "lower",
            ex["raw_select"]["p50"],
            "raw indexed SELECT p50",
        ),
        Metric(
            "identification.fuzzy_p95",
            f"identification: candidates, p95 per line at {big:,} articles",
            fz["latency"]["p95"],
            "ms",
            50,
            "lower",
        ),
        Metric(
            "identification.fuzzy_first",
            f"identification: first candidates call at {big:,} articles",
            fz["first_call_s"] * 1000,
            "ms",
            100,
            "lower",
        ),
    ]
    if "discontinued" in details:
        d = details["discontinued"]
        metrics.append(
            Metric(
                "identification.discontinued_p50",
                f"identification: discontinued hit (with alternatives), p50 at {exact_size:,}",
                d["latency"]["p50"],
                "ms",
                None,
                "lower",
            )
        )
    details["note"] = f"database {details['db']}; in-process; articles bulk-loaded"
    return metrics, details
