"""Markdown tables from ``bench/results/<name>.<db>.json`` for docs/performance.md.

``python -m bench.report`` prints: the figures against their targets for SQLite and PostgreSQL side
by side, then the growth tables (import vs size, fuzzy vs size, intake vs offered rate, forwarding)
and the machine load of each run. Paste and comment; the numbers are never typed by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from bench.common import RESULTS, Metric, fmt

NAMES = ["masterdata", "catalog_import", "identification", "intake", "forwarding"]
DBS = ["sqlite", "postgresql"]


def load(name: str, db: str) -> dict | None:
    path = RESULTS / f"{name}.{db}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _metric(m: dict) -> Metric:
    return Metric(**{k: m[k] for k in Metric.__dataclass_fields__})


def _v(m: Metric | None) -> str:
    if m is None:
        return "—"
    text = fmt(None if m.value is None else float(m.value), m.unit)
    return (
        f"**{text}** ✗" if m.verdict == "MISSED" else (f"{text} ✓" if m.verdict == "ok" else text)
    )


def _c(m: Metric | None) -> str:
    if m is None or m.ceiling is None:
        return "—"
    ratio = f" ({m.ratio:.1f}×)" if m.ratio is not None else ""
    return f"{fmt(float(m.ceiling), m.unit)}{ratio}"


def main_table() -> list[str]:
    out = [
        "| metric | target | SQLite | ceiling (ratio) | PostgreSQL | ceiling (ratio) | the ceiling is |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in NAMES:
        per_db = {db: load(name, db) for db in DBS}
        keys: list[str] = []
        labels: dict[str, Metric] = {}
        for data in per_db.values():
            for m in (data or {}).get("metrics", []):
                if m["key"] not in keys:
                    keys.append(m["key"])
                    labels[m["key"]] = _metric(m)
        for key in keys:
            first = labels[key]
            target = (
                "—"
                if first.target is None
                else ("≤ " if first.better == "lower" else "≥ ")
                + fmt(float(first.target), first.unit)
            )
            cells = []
            for db in DBS:
                m = next(
                    (_metric(x) for x in (per_db[db] or {}).get("metrics", []) if x["key"] == key),
                    None,
                )
                cells += [_v(m), _c(m)]
            label = first.label.split(": ", 1)
            out.append(
                f"| {label[0]}: {label[1] if len(label) > 1 else ''} | {target} | "
                + " | ".join(cells)
                + f" | {first.ceiling_label or '—'} |"
            )
    return out


def catalog_table() -> list[str]:
    out = [
        "| products | file | import SQLite | peak RSS | import PostgreSQL | peak RSS | OrderHub reader, no DB | "
        "raw lxml iterparse |",
        "|---|---|---|---|---|---|---|---|",
    ]
    data = {db: load("catalog_import", db) for db in DBS}
    base = next((d for d in data.values() if d), None)
    if not base:
        return []
    for i, run in enumerate(base["details"]["runs"]):
        cells = []
        for db in DBS:
            d = data[db]
            if d and i < len(d["details"]["runs"]):
                r = d["details"]["runs"][i]["import"]
                cells += [
                    f"{r['seconds']:.1f} s ({run['size'] / r['seconds']:,.0f}/s)",
                    f"{r['peak_rss_mb']:.0f} MB",
                ]
            else:
                cells += ["—", "—"]
        out.append(
            f"| {run['size']:,} | {run['bytes'] / 1e6:.0f} MB | "
            + " | ".join(cells)
            + f" | {run['reader_only']['seconds']:.1f} s / {run['reader_only']['peak_rss_mb']:.0f} MB"
            + f" | {run['raw_lxml']['seconds']:.1f} s / {run['raw_lxml']['peak_rss_mb']:.0f} MB |"
        )
    cells = []
    for db in DBS:
        d = data[db]
        if d and "reimport" in d["details"]:
            r = d["details"]["reimport"]["import"]
            cells += [f"{r['seconds']:.1f} s", f"{r['peak_rss_mb']:.0f} MB"]
        else:
            cells += ["—", "—"]
    out.append(
        f"| {base['details']['reimport']['size']:,} again (all updates) | | "
        + " | ".join(cells)
        + " | | |"
    )
    return out


def fuzzy_table() -> list[str]:
    out = [
        "| articles | db | index build | first call | p50 | p95 | p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for db in DBS:
        d = load("identification", db)
        if not d:
            continue
        for size, r in sorted(d["details"]["fuzzy"].items(), key=lambda kv: int(kv[0])):
            lat = r["latency"]
            out.append(
                f"| {int(size):,} | {db} | {r['index_build_s']:.1f} s | {r['first_call_s'] * 1000:.0f} ms | "
                f"{lat['p50']:.0f} ms | {lat['p95']:.0f} ms | {lat['p99']:.0f} ms |"
            )
        disc = d["details"].get("discontinued")
        if disc:
            out.append(
                f"| {disc['articles']:,} (discontinued hit → alternatives) | {db} | — | "
                f"{disc['first_call_s'] * 1000:.0f} ms | {disc['latency']['p50']:.0f} ms | "
                f"{disc['latency']['p95']:.0f} ms | — |"
            )
    return out


def exact_table() -> list[str]:
    out = ["| db | kind | n | p50 | p95 | p99 | max |", "|---|---|---|---|---|---|---|"]
    for db in DBS:
        d = load("identification", db)
        if not d:
            continue
        ex = d["details"]["exact"]
        rows = [("all (wall)", ex["all"]), *[(k, v) for k, v in ex["by_kind"].items()]]
        if "cpu_ms" in ex:
            rows.append(("all (CPU time of the calling thread)", ex["cpu_ms"]))
        rows.append(("raw indexed SELECT", ex["raw_select"]))
        for kind, s in rows:
            out.append(
                f"| {db} | {kind} | {s['n']} | {s['p50']:.2f} ms | {s['p95']:.2f} ms | {s['p99']:.2f} ms | "
                f"{s['max']:.1f} ms |"
            )
    return out


def intake_table() -> list[str]:
    out = [
        "| offered orders/s | db | accepted orders/s | p50 | p95 | p99 | max |",
        "|---|---|---|---|---|---|---|",
    ]
    for db in DBS:
        d = load("intake", db)
        if not d:
            continue
        for p in d["details"]["sweep"]:
            out.append(
                f"| {p['offered']} | {db} | {p['achieved']:.0f} | {p['p50']:.0f} ms | {p['p95']:.0f} ms | "
                f"{p['p99']:.0f} ms | {p['max']:.0f} ms |"
            )
    return out


def forwarding_table() -> list[str]:
    out = [
        "| db | steady rate | incl. worker start | CPU per delivery | created→sent p50 / p99 at 50/s | "
        "p50 / p99 below saturation | raw POST ceiling |",
        "|---|---|---|---|---|---|---|",
    ]
    for db in DBS:
        d = load("forwarding", db)
        if not d:
            continue
        x = d["details"]
        lat = x["latency"]["created_to_sent_ms"]
        low = x.get("latency_low", {}).get("created_to_sent_ms")
        cpu = x.get("cpu_ms_per_delivery", {}).get("workers_and_db")
        out.append(
            f"| {db} | {x['drain']['steady_rate']:.1f}/s | {x['drain']['rate_incl_worker_start']:.1f}/s | "
            + (f"{cpu:.0f} ms" if cpu else "—")
            + f" | {lat['p50']:.0f} / {lat['p99']:.0f} ms | "
            + (
                f"{low['p50']:.0f} / {low['p99']:.0f} ms at {x['latency_low']['offered']}/s"
                if low
                else "—"
            )
            + f" | {x['raw_simulator']['rate']:.0f}/s |"
        )
    return out


def load_table() -> list[str]:
    out = [
        "| benchmark | db | commit | taken | duration | cores busy | ours | postgres | other processes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in NAMES:
        for db in DBS:
            d = load(name, db)
            if not d or "machine_load" not in d["details"]:
                continue
            ml = d["details"]["machine_load"]
            taken = dt.datetime.strptime(d["machine"]["date"], "%Y-%m-%d %H:%M:%S %z").astimezone(
                dt.UTC
            )
            out.append(
                f"| {name} | {db} | {d['machine']['commit']} | {taken:%H:%M} UTC | "
                f"{d['details'].get('benchmark_seconds', 0):.0f} s | {ml['busy_cores']} | "
                f"{ml['ours_cores']} | {ml['postgres_cores']} | {ml['other_cores']} |"
            )
    return out


def main() -> int:
    for title, fn in [
        ("Figures", main_table),
        ("Exact identification", exact_table),
        ("Catalog import", catalog_table),
        ("Fuzzy", fuzzy_table),
        ("Intake sweep", intake_table),
        ("Forwarding", forwarding_table),
        ("Machine load", load_table),
    ]:
        print(f"\n### {title}\n")
        print("\n".join(fn()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
