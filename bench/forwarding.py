"""Forwarding: orders delivered as openTRANS over HTTP to the supplier simulator by two workers.

* throughput: N complete orders are submitted with no worker running (they wait, ``queued``), then
  two ``orderhub worker`` processes start and deliver until every order is ``sent``
  (target ≥ 150 orders/s). Reported: the steady rate (``sent`` events from the moment both
  workers have made their first attempt to the last one; CPU per delivery over the same window),
  first-to-last ``sent`` event, and from the workers' start (with their start-up).
* latency: with the two workers running, new orders arrive open-loop at 50 orders/s; per order the
  time from ``created_at`` to its ``sent`` event, both read back through ``GET /api/v1/orders/{id}``
  (target p99 ≤ 2 s).
* ceiling: the same openTRANS bytes POSTed raw to the simulator by two concurrent senders (what
  the partner side and the loopback can take).

The simulator's answers (order response, dispatch notice) are switched off so they don't compete.
The simulator's ledger is checked: every order received exactly once.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

from bench import loadgen
from bench.common import BenchStack, CpuMeter, Metric, bench_root, say, summary_ms
from bench.intake import OrderFactory, active_articles, check

NAME = "forwarding"
WORKERS = 2
DONE = ("sent", "confirmed", "partially_confirmed", "rejected", "shipped")


def wait_all_sent(stack: BenchStack, prefix: str, n: int, timeout: float) -> tuple[float, list]:
    db = stack.raw()
    deadline = time.monotonic() + timeout
    progress = []
    placeholders = ", ".join(["%s"] * len(DONE))
    t0 = time.perf_counter()
    try:
        while True:
            done = db.one(
                f"SELECT count(*) FROM ordering_order WHERE external_order_id LIKE %s "
                f"AND status IN ({placeholders})",
                (f"{prefix}-%", *DONE),
            )
            progress.append((round(time.perf_counter() - t0, 2), done))
            if done >= n:
                return time.perf_counter(), progress
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"only {done} of {n} orders sent after {timeout} s; logs in {stack.root}"
                )
            time.sleep(0.25)
    finally:
        db.close()


def sent_event_times(stack: BenchStack, prefix: str) -> list[float]:
    db = stack.raw()
    rows = db.q(
        "SELECT e.at FROM ordering_orderevent e JOIN ordering_order o ON o.id = e.order_id "
        "WHERE e.to_status = 'sent' AND o.external_order_id LIKE %s ORDER BY e.at",
        (f"{prefix}-%",),
    )
    db.close()
    return [_ts(r[0]) for r in rows]


def _ts(value) -> float:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def read_back(stack: BenchStack, ids: list[str]) -> list[dict]:
    """GET every order through the API (8 concurrent clients)."""
    token = stack.api_token

    def make(i):
        return loadgen.build_request(
            "127.0.0.1",
            stack.port,
            "GET",
            f"/api/v1/orders/{ids[i]}",
            b"",
            {"Authorization": f"Bearer {token}"},
        )

    res = loadgen.closed_loop("127.0.0.1", stack.port, make, clients=8, total=len(ids))
    return [json.loads(o.body) for o in res.outcomes if o.status == 200]


def raw_ceiling(stack: BenchStack, seconds: float) -> dict:
    """POST the stored openTRANS bytes of one order straight to the simulator, two senders."""
    spec = next(a for a in stack.state["simulator_args"] if a.startswith("sonora:opentrans:"))
    user, password = spec.split(":")[3:5]  # sonora:opentrans:TOKEN:USER:PASSWORD
    db = stack.raw()
    content, number = db.q(
        "SELECT d.content, o.number FROM delivery_document d JOIN ordering_order o "
        "ON o.id = d.order_id WHERE d.direction = 'outbound' ORDER BY d.id LIMIT 1"
    )[0]
    db.close()
    content = bytes(content)
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    port = int(stack.sim_url.rsplit(":", 1)[1])

    def make(i):
        new = f"RAW{i:07d}"[: len(number)].ljust(len(number), "X")
        body = content.replace(number.encode(), new.encode())
        return loadgen.build_request(
            "127.0.0.1",
            port,
            "POST",
            "/sonora/opentrans/orders",
            body,
            {
                "Content-Type": "application/xml; charset=utf-8",
                "Idempotency-Key": new,
                "Authorization": auth,
            },
        )

    res = loadgen.closed_loop("127.0.0.1", port, make, clients=WORKERS, seconds=seconds)
    ok = [o for o in res.outcomes if 200 <= o.status < 300]
    return {
        "posts": len(res.outcomes),
        "accepted": len(ok),
        "rate": len(ok) / res.duration,
        "latency_ms": summary_ms([o.latency for o in res.outcomes]),
        "statuses": sorted({o.status for o in res.outcomes}),
        "bytes": len(content),
    }


def run(quick: bool = False, keep: bool = False) -> tuple[list[Metric], dict]:
    n = 200 if quick else 1500
    latency_s = 5 if quick else 15
    rate = 50
    details: dict = {"orders": n, "workers": WORKERS}
    with bench_root(NAME, keep) as root:
        stack = BenchStack(root, web_workers=2, workers=0, catalog_size=2000)
        say(
            f"[{NAME}] starting stack: gunicorn -w 2, simulator, {stack.db_kind}; workers start later"
        )
        stack.start()
        try:
            details["db"] = stack.db_kind
            stack.sim_control(answers=False)
            db = stack.raw()
            articles = active_articles(db)
            db.close()

            say(f"[{NAME}] preloading {n} queued orders (no worker running)")
            pre = loadgen.closed_loop(
                "127.0.0.1", stack.port, OrderFactory(stack, articles, "pre"), clients=8, total=n
            )
            pre_ok = check(pre)
            if pre_ok["bad"]:
                raise RuntimeError(f"preload refused orders: {pre_ok}")
            say(f"  {n} orders queued in {pre.duration:.1f} s")

            say(f"[{NAME}] starting {WORKERS} workers; draining")
            t_start = time.perf_counter()
            for _ in range(WORKERS):
                stack.start_worker()
            # CPU and the steady rate are counted from the moment every worker has made its first
            # delivery attempt, so no worker's start-up (importing Django and the apps, 2-3 s of
            # CPU each) is counted: with the first delivery of the fastest worker as the start,
            # the other's start-up fell into the window (≈ 1 ms per delivery at 1,500).
            db = stack.raw()
            while (
                db.one("SELECT count(DISTINCT worker_id) FROM delivery_deliveryattempt") < WORKERS
            ):
                time.sleep(0.02)
            first_done = db.one("SELECT count(*) FROM ordering_order WHERE status = 'sent'")
            db.close()
            counting_from = time.time()
            meter = CpuMeter(stack).start()
            t_done, progress = wait_all_sent(stack, "pre", n, timeout=max(120, n / 5))
            cpu = meter.stop()
            times = sent_event_times(stack, "pre")
            counted_times = [t for t in times if t >= counting_from]
            steady = (
                len(counted_times) / (times[-1] - counting_from) if len(counted_times) > 1 else None
            )
            first_to_last = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else None
            with_start = n / (t_done - t_start)
            received = stack.sim_stats()["sonora"]["received"]
            pre_numbers = {o["number"] for o in (json.loads(x.body) for x in pre.ok)}
            doubles = sum(1 for k, v in received.items() if k in pre_numbers and v != 1)
            missing = len(pre_numbers - set(received))
            details["drain"] = {
                "steady_rate": steady,
                "rate_first_to_last_sent": first_to_last,
                "rate_incl_worker_start": with_start,
                "seconds_incl_start": t_done - t_start,
                "first_to_last_s": times[-1] - times[0],
                "progress": progress,
                "cpu": cpu,
                "sent_before_cpu_count": first_done,
                "received_twice": doubles,
                "not_received": missing,
            }
            # per-second delivery counts from the sent events (for the plot)
            buckets: dict[int, int] = {}
            for t in times:
                buckets[int(t - times[0])] = buckets.get(int(t - times[0]), 0) + 1
            details["drain"]["per_second"] = [buckets.get(i, 0) for i in range(max(buckets) + 1)]
            say(
                f"  steady {steady:.1f} orders/s (both workers running); first to last sent "
                f"{first_to_last:.1f}; {with_start:.1f} orders/s incl. worker "
                f"start; simulator: {missing} missing, {doubles} received more than once; CPU cores: "
                + ", ".join(f"{k} {v['cores']}" for k, v in cpu.items() if isinstance(v, dict))
            )

            say(f"[{NAME}] latency: {rate} orders/s open loop for {latency_s} s, workers running")
            wall0 = time.time() - time.perf_counter()
            meter = CpuMeter(stack).start()
            opened = loadgen.open_loop(
                "127.0.0.1",
                stack.port,
                OrderFactory(stack, articles, "lat"),
                rate=rate,
                seconds=latency_s,
            )
            open_ok = check(opened)
            wait_all_sent(
                stack, "lat", open_ok["accepted"], timeout=max(120, open_ok["accepted"] / 5)
            )
            cpu = meter.stop()
            ids = [json.loads(o.body)["id"] for o in opened.ok]
            scheduled = {json.loads(o.body)["id"]: wall0 + o.scheduled for o in opened.ok}
            orders = read_back(stack, ids)
            server_lat, client_lat = [], []
            for order in orders:
                sent = [e["at"] for e in order["events"] if e["to_status"] == "sent"]
                if not sent:
                    continue
                sent_at = _ts(sent[0])
                server_lat.append(sent_at - _ts(order["created_at"]))
                client_lat.append(sent_at - scheduled[order["id"]])
            details["latency"] = {
                "offered": rate,
                "seconds": latency_s,
                "orders": len(ids),
                "read_back": len(orders),
                "created_to_sent_ms": summary_ms(server_lat),
                "request_to_sent_ms": summary_ms(client_lat),
                "intake_ms": summary_ms([o.latency for o in opened.outcomes]),
                "cpu": cpu,
                "intake_check": open_ok,
            }
            lat = details["latency"]["created_to_sent_ms"]
            say(
                f"  created→sent p50 {lat['p50']:.0f} ms  p95 {lat['p95']:.0f} ms  p99 {lat['p99']:.0f} ms  "
                f"max {lat['max']:.0f} ms  (n={lat['n']})"
            )

            low = 5 if quick else 10
            say(f"[{NAME}] latency below saturation: {low} orders/s open loop for {latency_s} s")
            wall0 = time.time() - time.perf_counter()
            slow = loadgen.open_loop(
                "127.0.0.1",
                stack.port,
                OrderFactory(stack, articles, "low"),
                rate=low,
                seconds=latency_s,
            )
            slow_ok = check(slow)
            wait_all_sent(stack, "low", slow_ok["accepted"], timeout=120)
            scheduled = {json.loads(o.body)["id"]: wall0 + o.scheduled for o in slow.ok}
            low_lat = []
            for order in read_back(stack, list(scheduled)):
                sent = [e["at"] for e in order["events"] if e["to_status"] == "sent"]
                if sent:
                    low_lat.append(_ts(sent[0]) - _ts(order["created_at"]))
            details["latency_low"] = {"offered": low, "created_to_sent_ms": summary_ms(low_lat)}
            low_s = details["latency_low"]["created_to_sent_ms"]
            say(
                f"  created→sent p50 {low_s['p50']:.0f} ms  p99 {low_s['p99']:.0f} ms (n={low_s['n']})"
            )

            say(
                f"[{NAME}] ceiling: raw POSTs of the same openTRANS bytes to the simulator, {WORKERS} senders"
            )
            stack.stop_workers()
            raw = raw_ceiling(stack, 3 if quick else 8)
            details["raw_simulator"] = raw
            say(
                f"  {raw['rate']:.0f} orders/s (statuses {raw['statuses']}, {raw['bytes']} bytes each)"
            )
        finally:
            stack.stop()

    dcpu = details["drain"]["cpu"]
    counted = n - details["drain"]["sent_before_cpu_count"]
    cpu_per = (dcpu["workers"]["cpu_s"] + dcpu["postgres"]["cpu_s"]) / counted * 1000
    details["cpu_ms_per_delivery"] = {
        "workers_and_db": cpu_per,
        "simulator": dcpu["simulator"]["cpu_s"] / counted * 1000,
        "capacity_on_2_idle_cores": 2000 / cpu_per if cpu_per else None,
    }
    metrics = [
        Metric(
            "forwarding.rate",
            f"forwarding: openTRANS/HTTP, {WORKERS} workers, steady rate ({n:,} queued)",
            steady,
            "orders/s",
            150,
            "higher",
            raw["rate"],
            "raw POSTs to the simulator",
        ),
        Metric(
            "forwarding.rate_with_start",
            "forwarding: rate incl. worker start-up",
            with_start,
            "orders/s",
            None,
            "higher",
        ),
        Metric(
            "forwarding.p99",
            f"forwarding: created→sent p99 at {rate} orders/s",
            lat["p99"],
            "ms",
            2000,
            "lower",
        ),
        Metric(
            "forwarding.p50",
            f"forwarding: created→sent p50 at {rate} orders/s",
            lat["p50"],
            "ms",
            None,
            "lower",
        ),
        Metric(
            "forwarding.p99_low",
            f"forwarding: created→sent p99 at {details['latency_low']['offered']} orders/s",
            details["latency_low"]["created_to_sent_ms"]["p99"],
            "ms",
            None,
            "lower",
        ),
        Metric(
            "forwarding.cpu_per_delivery",
            "forwarding: CPU per delivery, workers + database server",
            cpu_per,
            "ms",
            None,
            "lower",
            note="load-independent; 2 cores ÷ this = the rate an idle machine could reach",
        ),
    ]
    if details["drain"]["received_twice"] or details["drain"]["not_received"]:
        metrics[0].note = "simulator ledger: orders missing or doubled!"
    details["note"] = (
        f"database {details['db']}; simulator answers off; gunicorn -w 2 stays up during the drain"
    )
    return metrics, details
