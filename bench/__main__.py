"""``python -m bench [NAME ...] [--quick] [--db env|sqlite|postgresql] [--keep]`` — see bench/README.md.

Without NAME every benchmark runs, each in its own Python process (so Django's settings follow
the database chosen for it and memory figures are not shared), then one table is printed from the
``bench/results/*.json`` files they wrote.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
import traceback

from bench.common import (
    DEFAULT_PG,
    PYTHON,
    REPO,
    RESULTS,
    MachineLoad,
    Metric,
    db_kind,
    fmt,
    machine_info,
    print_metrics,
    say,
    write_results,
)

BENCHMARKS = ["masterdata", "catalog_import", "identification", "search", "intake", "forwarding"]


def run_one(name: str, quick: bool, keep: bool) -> int:
    module = importlib.import_module(f"bench.{name}")
    started = time.perf_counter()
    load = MachineLoad().start()
    try:
        metrics, details = module.run(quick=quick, keep=keep)
    except Exception:
        traceback.print_exc()
        metrics = [Metric(f"{name}.failed", f"{name}: FAILED (see output)", None, "")]
        details = {"error": traceback.format_exc()}
    details["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    details["machine_load"] = load.stop()
    ml = details["machine_load"]
    say(
        f"[{name}] machine load during the run: {ml['busy_cores']} cores busy — ours {ml['ours_cores']}, "
        f"postgres {ml['postgres_cores']}, other processes {ml['other_cores']}"
    )
    url = os.environ.get("DATABASE_URL", "")
    path = write_results(name, metrics, details, quick=quick, database_url=url)
    say(f"[{name}] done in {details['benchmark_seconds']} s; results in {path.relative_to(REPO)}")
    print_metrics(metrics, db_kind(url))
    return 0 if not metrics[0].key.endswith(".failed") else 1


def wait_quiet(limit: float, threshold: float = 0.3) -> dict:
    """Wait (at most ``limit`` seconds) until the machine is idle but for us: the figures of a shared
    2-core machine mean little while somebody else's test suite runs."""
    start = time.monotonic()
    while True:
        load = MachineLoad().start()
        time.sleep(3)
        busy = load.stop()["busy_cores"]
        waited = time.monotonic() - start
        if busy <= threshold or waited >= limit:
            if waited > 5:
                say(f"  (waited {waited:.0f} s for a quiet machine; busy now {busy} cores)")
            return {"waited_s": round(waited), "busy_cores_before": busy}
        time.sleep(2)


def print_table(names: list[str]) -> None:
    say("")
    info = machine_info()
    say(
        f"OrderHub benchmarks — {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, "
        f"Python {info['python']}, {info['database']}, commit {info['commit']}"
    )
    rows = [("metric", "db", "measured", "target", "ceiling (same run)", "ratio", "")]
    for name in names:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            rows.append((f"{name}: no results", "", "", "", "", "", ""))
            continue
        data = json.loads(path.read_text())
        for m in data["metrics"]:
            metric = Metric(**{k: m[k] for k in Metric.__dataclass_fields__})

            target = (
                "—"
                if metric.target is None
                else ("≤ " if metric.better == "lower" else "≥ ")
                + fmt(float(metric.target), metric.unit)
            )
            ceiling = "—" if metric.ceiling is None else fmt(float(metric.ceiling), metric.unit)
            ratio = "—" if metric.ratio is None else f"{metric.ratio:.2f}×"
            value = fmt(None if metric.value is None else float(metric.value), metric.unit)
            rows.append(
                (
                    metric.label,
                    data["db"] + (" (quick)" if data["quick"] else ""),
                    value,
                    target,
                    ceiling,
                    ratio,
                    metric.verdict,
                )
            )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        say("  ".join(c.ljust(widths[j]) if j < 2 else c.rjust(widths[j]) for j, c in enumerate(r)))
        if i == 0:
            say("  ".join("-" * w for w in widths))
    say(
        "ratio = product cost / ceiling cost (time ÷ time, or rate ÷ rate inverted); "
        "details in bench/results/<name>.json and docs/performance.md"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        choices=[[], *BENCHMARKS],
        metavar="NAME",
        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and short runs: a smoke test"
    )
    parser.add_argument(
        "--db",
        choices=["env", "sqlite", "postgresql"],
        default="env",
        help="database: DATABASE_URL if set, else SQLite (env, default); or force one "
        f"(postgresql uses DATABASE_URL when it points at PostgreSQL, else {DEFAULT_PG})",
    )
    parser.add_argument("--keep", action="store_true", help="keep scratch directories and logs")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each benchmark wait up to SECONDS until other processes leave the CPUs "
        "idle (for figures on a shared machine)",
    )
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--table", action="store_true", help="only print the table of the last results"
    )
    args = parser.parse_args(argv)
    names = args.names or BENCHMARKS

    if args.db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    elif args.db == "postgresql" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ["DATABASE_URL"] = DEFAULT_PG
    if args.table:
        print_table(names)
        return 0
    if args.in_process:
        return run_one(names[0], args.quick, args.keep)

    failed = 0
    for name in names:
        say(f"\n=== {name} ({db_kind()}{', quick' if args.quick else ''}) ===")
        if args.wait_quiet:
            wait_quiet(args.wait_quiet)
        cmd = [PYTHON, "-m", "bench", name, "--in-process", "--db", "env"]
        cmd += ["--quick"] if args.quick else []
        cmd += ["--keep"] if args.keep else []
        failed += (
            subprocess.run(cmd, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}).returncode
            != 0
        )
    print_table(names)
    from bench import plots  # matplotlib only when a run draws its plots

    say("\nplots:")
    plots.main([])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
