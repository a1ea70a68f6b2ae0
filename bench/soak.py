"""Bounded soak: mixed traffic with partner faults and worker restarts on a real stack.

    make soak                       # 10 minutes (SOAK_MINUTES to change), SQLite or $DATABASE_URL
    python -m bench.soak --minutes 2

Prints orders in, delivered once, dead-lettered, lost (must be 0), doubled (must be 0), and the
memory of the web and worker processes at start and end; writes bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.stack import Stack

DELIVERED = {"sent", "confirmed", "partially_confirmed", "rejected", "shipped"}
ARTICLES = {
    "sonora": "SN-R-M-3-R",
    "audiotec": "AT-R-S-0-L",
    "otoplast": "OP-D-OPEN-S",
    "klangwerk": "KW-R-S-0-R",
}


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory(stack: Stack) -> dict[str, float]:
    import subprocess

    out = {}
    web = stack.procs["web"].pid
    children = subprocess.run(
        ["pgrep", "-P", str(web)], capture_output=True, text=True
    ).stdout.split()
    out["web"] = round(rss_mb(web) + sum(rss_mb(int(c)) for c in children), 1)
    out["workers"] = round(sum(rss_mb(w.pid) for w in stack.workers if w.poll() is None), 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", "10"))
    )
    parser.add_argument("--rate", type=float, default=8.0, help="orders per second offered")
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument(
        "--restart-every", type=float, default=45.0, help="seconds between worker kills"
    )
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="orderhub-soak-"))
    stack = Stack(
        root,
        web_workers=2,
        workers=2,
        http_timeout=2,
        lease_seconds=6,
        sim_args=[
            "--fail-rate",
            str(args.fail_rate),
            "--fail-modes",
            "5xx,timeout,reset,reset_after,slow",
            "--seed",
            "11",
            "--timeout-hold",
            "3",
            "--slow-delay",
            "0.5",
        ],
    ).start()
    rng = random.Random(5)
    submitted: dict[str, dict] = {}
    errors: list[str] = []
    stop = threading.Event()
    mem_start = memory(stack)
    print(
        f"soak: {args.minutes} min at {args.rate}/s, faults {args.fail_rate:.0%}, data in {root}",
        flush=True,
    )

    def traffic():
        i = 0
        next_at = time.monotonic()
        while not stop.is_set():
            next_at += 1 / args.rate
            time.sleep(max(0, next_at - time.monotonic()))
            i += 1
            partner = rng.choice(list(ARTICLES))
            complete = rng.random() > 0.1
            lines = [
                {
                    "position": 1,
                    "quantity": rng.randint(1, 5),
                    "partner_article_number": ARTICLES[partner] if complete else f"UNBEKANNT-{i}",
                }
            ]
            try:
                body = stack.submit(f"SOAK-{i}", partner, lines, customer_number="K-SOAK")
                submitted[body["id"]] = body
                if body["status"] == "cart" and rng.random() < 0.5:
                    stack.api.post(f"/api/v1/orders/{body['id']}/cancel")
                if i % 25 == 0:
                    stack.api.get("/api/v1/orders", params={"limit": 50})
                    stack.api.get(
                        "/api/v1/catalog/search", params={"partner": partner, "q": "Hörer M"}
                    )
            except Exception as exc:  # recorded, the soak goes on
                errors.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=traffic, daemon=True)
    thread.start()
    deadline = time.monotonic() + args.minutes * 60
    restarts = 0
    next_restart = time.monotonic() + args.restart_every
    while time.monotonic() < deadline:
        time.sleep(1)
        if time.monotonic() >= next_restart:
            victim = rng.choice([w for w in stack.workers if w.poll() is None])
            stack.kill_worker(victim)
            stack.start_worker()
            restarts += 1
            next_restart += args.restart_every
    stop.set()
    thread.join(10)
    stack.sim_control(fail_rate=0)

    queued = {oid for oid, b in submitted.items() if b["status"] == "queued"}
    drain_deadline = time.monotonic() + 180
    final: dict[str, dict] = {}
    while queued - set(final) and time.monotonic() < drain_deadline:
        for oid in list(queued - set(final)):
            order = stack.order(oid)
            if order["status"] in DELIVERED | {"failed"}:
                final[oid] = order
        time.sleep(1)
    stats = stack.sim_stats()
    received = {n for p in stats.values() for n in p["received"]}
    delivered = [o for o in final.values() if o["status"] in DELIVERED]
    numbers = {b["number"] for b in submitted.values()}
    result = {
        "minutes": args.minutes,
        "database": "postgresql" if stack.database_url.startswith("postgres") else "sqlite",
        "orders_in": len(submitted),
        "queued": len(queued),
        "carts": len(submitted) - len(queued),
        "delivered_once": len(delivered),
        "dead_lettered": sum(o["status"] == "failed" for o in final.values()),
        "lost": len(queued - set(final)) + sum(o["number"] not in received for o in delivered),
        "doubled": len(received - {o["number"] for o in delivered}) + len(received - numbers),
        "partner_retransmissions_deduplicated": sum(p["duplicates"] for p in stats.values()),
        "faults_injected": {
            k: sum(p["faults"].get(k, 0) for p in stats.values())
            for k in {m for p in stats.values() for m in p["faults"]}
        },
        "worker_restarts": restarts,
        "client_errors": len(errors),
        "memory_mb_start": mem_start,
        "memory_mb_end": memory(stack),
    }
    stack.stop()
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "soak.json").write_text(json.dumps(result, indent=2))
    for key, value in result.items():
        print(f"{key:>38}: {value}")
    if errors:
        print("first client errors:", *errors[:5], sep="\n  ")
    return 0 if result["lost"] == 0 and result["doubled"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
