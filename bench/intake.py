"""Order intake: ``POST /api/v1/orders`` with 5-line complete orders against gunicorn.

* sustained rate: closed loop, ``CLIENTS`` concurrent clients (target ≥ 300 orders/s);
* latency at a fixed open-loop rate of 100 orders/s (target p99 ≤ 100 ms);
* latency against offered rate (a sweep that stops once the server saturates);
* ceiling: the raw database writing the same rows (order, 5 lines, event, delivery, task,
  idempotency key) with the plain driver, one transaction per order, at the same concurrency —
  and a second ceiling that also makes the reads intake needs (token, partner, branch, user,
  customer number, the five article look-ups).

Workers are *not* running during intake (deliveries wait in the queue), so delivery does not
compete for the two cores; the forwarding benchmark measures delivery.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
import uuid

from bench import loadgen
from bench.common import BenchStack, CpuMeter, Metric, RawDB, bench_root, say, summary_ms
from orderhub.formats.identifiers import normalize_article_number

NAME = "intake"
WEB_WORKERS = 4
CLIENTS = 16
LINES = 5


class OrderFactory:
    """Pre-formatted requests: complete 5-line orders for sonora (customer number on file)."""

    def __init__(self, stack: BenchStack, articles: list[str], phase: str):
        self.host, self.port = "127.0.0.1", stack.port
        self.token = stack.api_token
        self.articles = articles
        self.phase = phase

    def body(self, i: int) -> bytes:
        rng = random.Random(f"{self.phase}-{i}")
        picks = rng.sample(self.articles, LINES)
        return json.dumps(
            {
                "external_order_id": f"{self.phase}-{i}",
                "partner": "sonora",
                "branch_id": "F1",
                "ordered_by": "U1",
                "reference": f"Bench {i}",
                "lines": [
                    {"position": p + 1, "quantity": rng.randint(1, 10), "partner_article_number": a}
                    for p, a in enumerate(picks)
                ],
            }
        ).encode()

    def __call__(self, i: int) -> bytes:
        return loadgen.build_request(
            self.host,
            self.port,
            "POST",
            "/api/v1/orders",
            self.body(i),
            {
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"{self.phase}-{i}",
            },
        )


def check(result: loadgen.RunResult) -> dict:
    bad = [o for o in result.outcomes if o.status != 201 or b'"queued"' not in o.body]
    sample = bad[0].body[:300].decode("utf-8", "replace") if bad else ""
    return {
        "requests": len(result.outcomes),
        "accepted": len(result.outcomes) - len(bad),
        "bad": len(bad),
        "errors": result.errors[:5],
        "bad_sample": f"{bad[0].status if bad else ''} {sample}".strip(),
    }


def active_articles(db: RawDB) -> list[str]:
    return [
        r[0]
        for r in db.q(
            "SELECT a.partner_article_number FROM catalog_article a JOIN partners_partner p ON p.id = a.partner_id "
            "WHERE p.slug = 'sonora' AND a.status = 'active' ORDER BY a.id"
        )
    ]


# --- the raw-database ceiling --------------------------------------------------------------------------

TEMPLATE_TABLES = [
    "ordering_idempotencykey",
    "ordering_order",
    "ordering_orderline",
    "ordering_orderevent",
    "delivery_delivery",
]


class RawIntake:
    """The rows one accepted order writes, replayed with the plain driver."""

    def __init__(self, db: RawDB, order_id: str, token: str, with_reads: bool):
        self.kind = db.kind
        self.with_reads = with_reads
        self.token_digest = hashlib.sha256(token.encode()).hexdigest()
        self.templates: dict[str, list[dict]] = {}
        oid = order_id if db.kind == "postgresql" else order_id.replace("-", "")
        for table, where in [
            ("ordering_order", "id = %s"),
            ("ordering_orderline", "order_id = %s"),
            ("ordering_orderevent", "order_id = %s"),
            ("delivery_delivery", "order_id = %s"),
            ("ordering_idempotencykey", "order_id = %s"),
        ]:
            self.templates[table] = self._rows(db, table, where, (oid,))
        missing = [t for t in TEMPLATE_TABLES if not self.templates.get(t)]
        if missing:
            raise RuntimeError(f"template rows missing for {missing}")
        order = self.templates["ordering_order"][0]
        self.company_id, self.partner_id = order["company_id"], order["partner_id"]
        self.branch_id = order["branch_id"]
        self.article_keys = [
            normalize_article_number(line["partner_article_number"])
            for line in self.templates["ordering_orderline"]
        ]

    @staticmethod
    def _rows(db: RawDB, table: str, where: str, params) -> list[dict]:
        cur = db.conn.execute(f"SELECT * FROM {table} WHERE {where}".replace("%s", db.ph), params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def _adapt(self, value):
        if self.kind == "postgresql" and isinstance(value, (dict, list)):
            from psycopg.types.json import Jsonb

            return Jsonb(value)
        return value

    def _insert(self, cur, table: str, row: dict, returning: bool = False):
        cols = list(row)
        ph = "%s" if self.kind == "postgresql" else "?"
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([ph] * len(cols))})"
        if returning:
            sql += " RETURNING id"
        cur.execute(sql, [self._adapt(row[c]) for c in cols])
        return cur.fetchone()[0] if returning else None

    def one_order(self, conn, n: str) -> None:
        """One transaction: the same statements' effect as an accepted order (ids and keys fresh)."""
        pg = self.kind == "postgresql"
        ph = "%s" if pg else "?"
        cur = conn.cursor()
        cur.execute("BEGIN" if pg else "BEGIN IMMEDIATE")
        if self.with_reads:
            cur.execute(
                f"SELECT t.id, c.id FROM accounts_apitoken t JOIN accounts_company c ON c.id = t.company_id "
                f"WHERE t.digest = {ph}",
                (self.token_digest,),
            )
            cur.fetchall()
            cur.execute(
                f"SELECT * FROM partners_partner WHERE slug = {ph} AND is_active", ("sonora",)
            )
            cur.fetchall()
            cur.execute(
                f"SELECT * FROM masterdata_branch WHERE company_id = {ph} AND external_id = {ph}",
                (self.company_id, "F1"),
            )
            cur.fetchall()
            cur.execute(
                f"SELECT * FROM masterdata_employee WHERE company_id = {ph} AND external_id = {ph}",
                (self.company_id, "U1"),
            )
            cur.fetchall()
            cur.execute(
                f"SELECT 1 FROM ordering_order WHERE company_id = {ph} AND external_order_id = {ph} LIMIT 1",
                (self.company_id, f"raw-{n}"),
            )
            cur.fetchall()
            cur.execute(
                f"SELECT branch_id, number FROM masterdata_customernumber WHERE company_id = {ph} "
                f"AND partner_id = {ph} AND is_active AND branch_id = {ph}",
                (self.company_id, self.partner_id, self.branch_id),
            )
            cur.fetchall()
            cur.execute(
                f"SELECT number FROM masterdata_customernumber WHERE company_id = {ph} AND partner_id = {ph} "
                f"AND is_active AND branch_id IS NULL LIMIT 1",
                (self.company_id, self.partner_id),
            )
            cur.fetchall()
            for key in self.article_keys:
                cur.execute(
                    f"SELECT * FROM catalog_article WHERE partner_id = {ph} AND partner_article_key = {ph} "
                    f"LIMIT 6",
                    (self.partner_id, key),
                )
                cur.fetchall()
        t = self.templates
        key_row = {k: v for k, v in t["ordering_idempotencykey"][0].items() if k != "id"}
        key_row.update(key=f"raw-{n}", order_id=None, response=None, status_code=0)
        key_id = self._insert(cur, "ordering_idempotencykey", key_row, returning=True)
        order_id = uuid.uuid4()
        order = dict(t["ordering_order"][0])
        order.update(
            id=order_id if pg else order_id.hex,
            number=f"RAW-{n}"[:32],
            external_order_id=f"raw-{n}",
        )
        self._insert(cur, "ordering_order", order)
        for line in t["ordering_orderline"]:
            row = {k: v for k, v in line.items() if k != "id"}
            row["order_id"] = order["id"]
            self._insert(cur, "ordering_orderline", row)
        for event in t["ordering_orderevent"]:
            row = {k: v for k, v in event.items() if k != "id"}
            row["order_id"] = order["id"]
            self._insert(cur, "ordering_orderevent", row)
        delivery = {k: v for k, v in t["delivery_delivery"][0].items() if k != "id"}
        delivery["order_id"] = order["id"]
        self._insert(cur, "delivery_delivery", delivery)  # the outbox row is the delivery job
        response = _dumps_like(
            t["ordering_idempotencykey"][0]["response"], {"id": str(order_id), "status": "queued"}
        )
        cur.execute(
            f"UPDATE ordering_idempotencykey SET order_id = {ph}, status_code = 201, response = {ph} "
            f"WHERE id = {ph}",
            (order["id"], self._adapt(response), key_id),
        )
        cur.execute("COMMIT")


def _loads(value):
    return json.loads(value) if isinstance(value, str) else value


def _dumps_like(template, value):
    return json.dumps(value) if isinstance(template, str) else value


def raw_ceiling(
    stack: BenchStack, order_id: str, *, clients: int, seconds: float, with_reads: bool
) -> dict:
    template_db = stack.raw()
    raw = RawIntake(template_db, order_id, stack.api_token, with_reads)
    template_db.close()
    done = [0] * clients
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds
    tag = "r" if with_reads else "w"

    def client(c: int) -> None:
        db = RawDB(stack.database_url)
        if db.kind == "sqlite":
            db.conn.execute("PRAGMA journal_mode=WAL")
            db.conn.execute("PRAGMA synchronous=NORMAL")
        i = 0
        try:
            while time.perf_counter() < stop_at:
                try:
                    raw.one_order(db.conn, f"{tag}{c}-{i}")
                    done[c] += 1
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    try:
                        db.conn.execute("ROLLBACK")
                    except Exception:
                        pass
                    if len(errors) > 20:
                        return
                i += 1
        finally:
            db.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "orders": sum(done),
        "seconds": wall,
        "rate": sum(done) / wall,
        "errors": errors[:5],
        "with_reads": with_reads,
        "clients": clients,
    }


# --- the benchmark -------------------------------------------------------------------------------------


def run(quick: bool = False, keep: bool = False) -> tuple[list[Metric], dict]:
    closed_s = 5 if quick else 20
    open_s = 5 if quick else 20
    sweep_s = 4 if quick else 8
    sweep_rates = [50, 200] if quick else [10, 25, 50, 75, 150, 200, 250, 300, 400]
    details: dict = {
        "web_workers": WEB_WORKERS,
        "clients": CLIENTS,
        "lines_per_order": LINES,
        "task_workers_running": 0,
    }
    with bench_root(NAME, keep) as root:
        stack = BenchStack(root, web_workers=WEB_WORKERS, workers=0, catalog_size=2000)
        say(f"[{NAME}] starting stack: gunicorn -w {WEB_WORKERS}, no task workers, {stack.db_kind}")
        stack.start()
        try:
            details["db"] = stack.db_kind
            db = stack.raw()
            articles = active_articles(db)
            db.close()
            say(f"[{NAME}] warm-up")
            warm = loadgen.closed_loop(
                "127.0.0.1",
                stack.port,
                OrderFactory(stack, articles, "warm"),
                clients=CLIENTS,
                total=200 if quick else 600,
            )
            details["warmup"] = check(warm)
            if details["warmup"]["bad"]:
                raise RuntimeError(f"warm-up orders refused: {details['warmup']}")

            say(f"[{NAME}] closed loop: {CLIENTS} clients for {closed_s} s")
            meter = CpuMeter(stack).start()
            closed = loadgen.closed_loop(
                "127.0.0.1",
                stack.port,
                OrderFactory(stack, articles, "closed"),
                clients=CLIENTS,
                seconds=closed_s,
            )
            cpu = meter.stop()
            closed_ok = check(closed)
            closed_rate = closed_ok["accepted"] / closed.duration
            details["closed_loop"] = {
                **closed_ok,
                "seconds": closed.duration,
                "rate": closed_rate,
                "latency_ms": summary_ms([o.latency for o in closed.outcomes]),
                "cpu": cpu,
            }
            say(
                f"  {closed_rate:.1f} orders/s, p50 {details['closed_loop']['latency_ms']['p50']:.1f} ms; "
                f"CPU cores used: "
                + ", ".join(f"{k} {v['cores']}" for k, v in cpu.items() if isinstance(v, dict))
            )

            say(f"[{NAME}] open loop: 100 orders/s for {open_s} s")
            meter = CpuMeter(stack).start()
            opened = loadgen.open_loop(
                "127.0.0.1",
                stack.port,
                OrderFactory(stack, articles, "open100"),
                rate=100,
                seconds=open_s,
            )
            cpu = meter.stop()
            open_ok = check(opened)
            lat = summary_ms([o.latency for o in opened.outcomes])
            details["open_loop_100"] = {
                **open_ok,
                "offered": 100,
                "achieved": open_ok["accepted"] / opened.duration,
                "latency_ms": lat,
                "cpu": cpu,
            }
            say(
                f"  p50 {lat['p50']:.1f} ms  p95 {lat['p95']:.1f} ms  p99 {lat['p99']:.1f} ms  max {lat['max']:.1f} ms"
            )

            sweep = [
                {
                    "offered": 100,
                    "achieved": details["open_loop_100"]["achieved"],
                    **lat,
                    "bad": open_ok["bad"],
                }
            ]
            for rate in sweep_rates:
                res = loadgen.open_loop(
                    "127.0.0.1",
                    stack.port,
                    OrderFactory(stack, articles, f"sweep{rate}"),
                    rate=rate,
                    seconds=sweep_s,
                )
                ok = check(res)
                s = summary_ms([o.latency for o in res.outcomes])
                point = {
                    "offered": rate,
                    "achieved": ok["accepted"] / res.duration,
                    **s,
                    "bad": ok["bad"],
                }
                sweep.append(point)
                say(
                    f"  offered {rate}/s: achieved {point['achieved']:.0f}/s, p50 {s['p50']:.0f} ms, "
                    f"p99 {s['p99']:.0f} ms, refused {ok['bad']}"
                )
                if point["achieved"] < 0.85 * rate:
                    say("  saturated; sweep stops here")
                    break
                time.sleep(1)
            details["sweep"] = sorted(sweep, key=lambda p: p["offered"])

            template = json.loads(closed.ok[0].body)["id"]
            say(f"[{NAME}] raw-database ceiling: same rows, {CLIENTS} threads, plain driver")
            meter = CpuMeter(stack).start()
            raw_w = raw_ceiling(
                stack, template, clients=CLIENTS, seconds=5 if quick else 10, with_reads=False
            )
            raw_w["cpu"] = meter.stop()
            meter = CpuMeter(stack).start()
            raw_r = raw_ceiling(
                stack, template, clients=CLIENTS, seconds=5 if quick else 10, with_reads=True
            )
            raw_r["cpu"] = meter.stop()
            details["raw_writes_only"], details["raw_reads_and_writes"] = raw_w, raw_r
            say(
                f"  writes only: {raw_w['rate']:.0f} orders/s; with the same reads: {raw_r['rate']:.0f} orders/s "
                f"(framework cost {raw_w['rate'] / closed_rate:.1f}× / {raw_r['rate'] / closed_rate:.1f}×)"
            )
            if raw_w["errors"] or raw_r["errors"]:
                say(f"  raw errors: {raw_w['errors'] or raw_r['errors']}")
        finally:
            stack.stop()

    db = details["db"]
    cl = details["closed_loop"]
    cpu_per_order = (
        (cl["cpu"]["web"]["cpu_s"] + cl["cpu"]["postgres"]["cpu_s"]) / max(1, cl["accepted"]) * 1000
    )
    raw_cpu = (
        (raw_w["cpu"]["bench"]["cpu_s"] + raw_w["cpu"]["postgres"]["cpu_s"])
        / max(1, raw_w["orders"])
        * 1000
    )
    details["cpu_ms_per_order"] = {
        "server": cpu_per_order,
        "raw_writes_only": raw_cpu,
        "capacity_on_2_idle_cores": 2000 / cpu_per_order if cpu_per_order else None,
    }
    metrics = [
        Metric(
            "intake.rate",
            f"intake: sustained rate, closed loop, {CLIENTS} clients, gunicorn -w {WEB_WORKERS}",
            closed_rate,
            "orders/s",
            300,
            "higher",
            raw_w["rate"],
            "raw DB, same rows",
        ),
        Metric(
            "intake.rate_vs_reads",
            "intake: sustained rate vs raw DB with the same reads too",
            closed_rate,
            "orders/s",
            None,
            "higher",
            raw_r["rate"],
            "raw DB, same reads + rows",
        ),
        Metric(
            "intake.cpu_per_order",
            "intake: CPU per order, gunicorn + database server (closed loop)",
            cpu_per_order,
            "ms",
            None,
            "lower",
            raw_cpu,
            "raw driver + database server",
            note="load-independent; 2 cores ÷ this = the rate an idle machine could reach",
        ),
        Metric(
            "intake.p99_at_100",
            "intake: p99 latency at 100 orders/s open loop",
            lat["p99"],
            "ms",
            100,
            "lower",
        ),
        Metric(
            "intake.p50_at_100",
            "intake: p50 latency at 100 orders/s open loop",
            lat["p50"],
            "ms",
            None,
            "lower",
        ),
    ]
    if details["closed_loop"]["bad"] or details["open_loop_100"]["bad"]:
        metrics[0].note = "some requests were refused or failed; see details"
    details["note"] = (
        f"database {db}; client (this process) and server share the machine's cores; "
        "task workers stopped during intake"
    )
    return metrics, details
