"""PNG plots of how cost grows with data size and load, from ``bench/results/<name>.<db>.json``.

``python -m bench.plots [--out DIR]`` (default ``bench/results``; docs/performance.md shows the copies
in ``bench/figures``). Needs matplotlib (a dev dependency); without it, says so and does nothing —
the same figures are in the JSON files and the tables of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.common import RESULTS, say

DBS = ["sqlite", "postgresql"]
STYLE = {"sqlite": "-o", "postgresql": "-s"}


def _load(name: str) -> dict[str, dict]:
    out = {}
    for db in DBS:
        path = RESULTS / f"{name}.{db}.json"
        if path.exists():
            data = json.loads(path.read_text())
            if "error" not in data["details"]:
                out[db] = data
    return out


def plot_catalog(plt, out: Path) -> Path | None:
    data = _load("catalog_import")
    if not data:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for db, d in data.items():
        runs = d["details"]["runs"]
        sizes = [r["size"] / 1000 for r in runs]
        left.plot(
            sizes,
            [r["import"]["seconds"] for r in runs],
            STYLE[db],
            label=f"orderhub catalog import ({db})",
        )
        right.plot(
            sizes, [r["import"]["peak_rss_mb"] for r in runs], STYLE[db], label=f"import ({db})"
        )
    runs = next(iter(data.values()))["details"]["runs"]
    sizes = [r["size"] / 1000 for r in runs]
    left.plot(
        sizes, [r["reader_only"]["seconds"] for r in runs], "--^", label="OrderHub reader, no DB"
    )
    left.plot(sizes, [r["raw_lxml"]["seconds"] for r in runs], ":v", label="raw lxml iterparse")
    right.plot(
        sizes, [r["raw_lxml"]["peak_rss_mb"] for r in runs], ":v", label="raw lxml iterparse"
    )
    left.axhline(20, color="red", lw=0.8, ls="--", label="target at 100k: 20 s")
    right.axhline(300, color="red", lw=0.8, ls="--", label="target: 300 MB")
    left.set(
        xlabel="products (thousands)", ylabel="wall time (s)", title="BMEcat import time vs size"
    )
    right.set(
        xlabel="products (thousands)",
        ylabel="peak RSS (MB)",
        title="Import peak memory vs size",
        ylim=(0, 320),
    )
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _save(fig, out / "catalog_import.png")


def plot_fuzzy(plt, out: Path) -> Path | None:
    data = _load("identification")
    if not data:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for db, d in data.items():
        fz = d["details"]["fuzzy"]
        sizes = sorted(int(k) for k in fz)
        ax.plot(
            [s / 1000 for s in sizes],
            [fz[str(s)]["latency"]["p95"] for s in sizes],
            STYLE[db],
            label=f"fuzzy_candidates p95 ({db})",
        )
        ax.plot(
            [s / 1000 for s in sizes],
            [fz[str(s)]["latency"]["p50"] for s in sizes],
            STYLE[db],
            alpha=0.4,
            label=f"fuzzy_candidates p50 ({db})",
        )
    ax.axhline(50, color="red", lw=0.8, ls="--", label="target at 200k: p95 50 ms")
    ax.set(
        xlabel="articles of the partner (thousands)",
        ylabel="ms per line",
        title="Fuzzy candidates: latency vs catalog size",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, out / "fuzzy_vs_size.png")


def plot_intake(plt, out: Path) -> Path | None:
    data = _load("intake")
    if not data:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for db, d in data.items():
        sweep = d["details"]["sweep"]
        offered = [p["offered"] for p in sweep]
        for q, alpha in (("p50", 0.5), ("p99", 1.0)):
            left.plot(offered, [p[q] for p in sweep], STYLE[db], alpha=alpha, label=f"{q} ({db})")
        right.plot(offered, [p["achieved"] for p in sweep], STYLE[db], label=f"achieved ({db})")
    left.axhline(100, color="red", lw=0.8, ls="--", label="target p99 at 100/s: 100 ms")
    left.set_yscale("log")
    left.set(
        xlabel="offered orders/s (open loop)",
        ylabel="latency (ms, log)",
        title="Intake latency vs offered rate",
    )
    top = max(p["offered"] for d in data.values() for p in d["details"]["sweep"])
    right.plot([0, top], [0, top], color="grey", lw=0.8, ls=":", label="offered = achieved")
    right.axhline(300, color="red", lw=0.8, ls="--", label="target sustained: 300/s")
    right.set(
        xlabel="offered orders/s (open loop)",
        ylabel="accepted orders/s",
        title="Intake throughput vs offered",
    )
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _save(fig, out / "intake_vs_rate.png")


def plot_forwarding(plt, out: Path) -> Path | None:
    data = _load("forwarding")
    if not data:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for db, d in data.items():
        per_second = d["details"]["drain"]["per_second"]
        ax.plot(
            range(len(per_second)), per_second, STYLE[db][0], label=f"delivered per second ({db})"
        )
    ax.axhline(150, color="red", lw=0.8, ls="--", label="target: 150 orders/s")
    ax.set(
        xlabel="seconds since the first delivery",
        ylabel="orders sent per second",
        title="Forwarding: draining the queue with 2 workers",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, out / "forwarding_drain.png")


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.plots", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say(
            "matplotlib is not installed: no PNG plots (the figures are in bench/results/*.json and in the "
            "tables of docs/performance.md). It is a dev dependency: `make install` brings it."
        )
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for fn in (plot_catalog, plot_fuzzy, plot_intake, plot_forwarding):
        path = fn(plt, args.out)
        say(f"  {fn.__name__}: " + (str(path) if path else "no results yet"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
