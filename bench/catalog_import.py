"""Catalog import: ``orderhub catalog import --partner SLUG FILE --no-progress`` as its own process.

Generated BMEcat 2005 catalogs of 10,000, 50,000 and 100,000 products (cached under bench/.cache),
each imported into a partner that holds only the seeded demo articles (a first import), then the
100,000 file once more onto itself (every article an update: the weekly catalog refresh). Wall time
and the import process's own peak RSS (``wait4`` → ``ru_maxrss``).

Targets: 100,000 products ≤ 20 s; peak RSS ≤ 300 MB; peak RSS at 10,000 within 20 % of the peak at
100,000. Ceilings, each in its own process on the same file: raw ``lxml.etree.iterparse`` (clearing
every product), and OrderHub's own reader without the database (parse + build articles).

This benchmark is what keeps ``catalog/writer.py`` (plain SQL, COPY on PostgreSQL) instead of
``bulk_create``: 20,000 rows written in 0.27 s against 1.3–2.2 s through the ORM (issue 13); the
import of 100,000 products takes 7.5 s / 7.9 s (SQLite / PostgreSQL; target ≤ 20 s). If the ORM
path comes within the target, the writer should go.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.common import (
    CACHE,
    PYTHON,
    REPO,
    BenchStack,
    Metric,
    bench_root,
    child_env,
    run_child,
    say,
)
from orderhub.formats.bmecat.writer import write_bmecat
from orderhub.formats.catalog_generator import catalog_header, generate_catalog

NAME = "catalog_import"
PARTNERS = ["sonora", "audiotec", "otoplast", "klangwerk"]


def catalog_file(size: int, prefix: str = "SN", seed: int = 1) -> Path:
    """A generated BMEcat file of ``size`` products, written once and cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"bmecat-{prefix}-{size}-seed{seed}.xml"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as out:
            write_bmecat(
                catalog_header(prefix, size), generate_catalog(prefix, size, seed=seed), out
            )
        os.replace(tmp, path)
    return path


def parse_ceiling(mode: str, path: Path) -> dict:
    res = run_child([PYTHON, "-m", "bench._parse_only", mode, str(path)], env=child_env(), cwd=REPO)
    if res["returncode"] != 0:
        raise RuntimeError(f"{mode} parse failed: {res['output']}")
    inner = json.loads(res["output"].strip().splitlines()[-1])
    return {
        "seconds": res["seconds"],
        "inner_seconds": inner["seconds"],
        "products": inner["products"],
        "peak_rss_mb": res["peak_rss_mb"],
    }


def import_once(stack: BenchStack, partner: str, path: Path) -> dict:
    cmd = [
        PYTHON,
        "-m",
        "orderhub.cli",
        "catalog",
        "import",
        "--partner",
        partner,
        str(path),
        "--no-progress",
    ]
    res = run_child(cmd, env=stack.env, cwd=REPO)
    if res["returncode"] != 0:
        raise RuntimeError(f"import failed ({res['returncode']}): {res['output']}")
    res["report"] = res.pop("output").strip().splitlines()[-1]
    return res


def run(quick: bool = False, keep: bool = False) -> tuple[list[Metric], dict]:
    sizes = [2_000, 10_000] if quick else [10_000, 50_000, 100_000]
    details: dict = {"sizes": sizes, "runs": []}
    say(f"[{NAME}] generating catalogs (cached in {CACHE.relative_to(REPO)})")
    files = {size: catalog_file(size) for size in sizes}
    for size, path in files.items():
        say(f"  {size:>7} products: {path.stat().st_size / 1e6:.0f} MB")
    with bench_root(NAME, keep) as root:
        stack = BenchStack(root, catalog_size=20)
        say(f"[{NAME}] preparing database ({stack.db_kind})")
        stack.prepare()
        try:
            details["db"] = stack.db_kind
            for partner, size in zip(PARTNERS, sizes):
                path = files[size]
                res = import_once(stack, partner, path)
                lx = parse_ceiling("lxml", path)
                rd = parse_ceiling("reader", path)
                run_ = {
                    "size": size,
                    "bytes": path.stat().st_size,
                    "partner": partner,
                    "mode": "first import",
                    "import": res,
                    "raw_lxml": lx,
                    "reader_only": rd,
                }
                details["runs"].append(run_)
                say(
                    f"  {size:>7} products: import {res['seconds']:.1f} s, peak RSS {res['peak_rss_mb']:.0f} MB "
                    f"(CPU {res['user_s'] + res['sys_s']:.1f} s) | raw lxml {lx['seconds']:.1f} s / "
                    f"{lx['peak_rss_mb']:.0f} MB | reader only {rd['seconds']:.1f} s / {rd['peak_rss_mb']:.0f} MB"
                )
                say(f"          {res['report']}")
            big = sizes[-1]
            res = import_once(stack, PARTNERS[len(sizes) - 1], files[big])
            details["reimport"] = {"size": big, "import": res}
            say(
                f"  {big:>7} products again (all updates): {res['seconds']:.1f} s, peak RSS "
                f"{res['peak_rss_mb']:.0f} MB (CPU {res['user_s'] + res['sys_s']:.1f} s) — {res['report']}"
            )
            db = stack.raw()
            details["articles_in_db"] = db.one("SELECT count(*) FROM catalog_article")
            db.close()
        finally:
            stack.stop()

    small, large = details["runs"][0], details["runs"][-1]
    label = f"{large['size']:,}"
    metrics = [
        Metric(
            "catalog.import_time",
            f"catalog import: {label} products (BMEcat, CLI, first import)",
            large["import"]["seconds"],
            "s",
            20 if not quick else None,
            "lower",
            large["raw_lxml"]["seconds"],
            "raw lxml iterparse",
        ),
        Metric(
            "catalog.import_rate",
            f"catalog import: rate at {label} products",
            large["size"] / large["import"]["seconds"],
            "products/s",
            None,
            "higher",
            large["size"] / large["raw_lxml"]["seconds"],
            "raw lxml iterparse",
        ),
        Metric(
            "catalog.peak_rss",
            f"catalog import: peak RSS at {label} products",
            large["import"]["peak_rss_mb"],
            "MB",
            300,
            "lower",
            large["raw_lxml"]["peak_rss_mb"],
            "raw lxml iterparse",
        ),
        Metric(
            "catalog.rss_growth",
            f"catalog import: peak RSS {label} ÷ peak RSS {small['size']:,}",
            large["import"]["peak_rss_mb"] / small["import"]["peak_rss_mb"],
            "×",
            1.2,
            "lower",
            large["raw_lxml"]["peak_rss_mb"] / small["raw_lxml"]["peak_rss_mb"],
            "raw lxml iterparse",
        ),
        Metric(
            "catalog.reimport_time",
            f"catalog import: {label} products again (all updates)",
            details["reimport"]["import"]["seconds"],
            "s",
            None,
            "lower",
            large["reader_only"]["seconds"],
            "OrderHub reader, no DB",
        ),
    ]
    details["note"] = (
        f"database {details['db']}; each size into a partner holding only the 20 seeded articles"
    )
    return metrics, details
