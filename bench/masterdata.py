"""Master-data sync: ``PUT /api/v1/masterdata`` with 1,000 branches and 10,000 users against gunicorn.

* first sync (target ≤ 5 s), then unchanged resyncs (target ≤ 1 s, and zero writes);
* zero writes are checked three ways: the answer's counts, a fingerprint of every master-data row
  and the audit trail (row counts, ``max(updated_at)``, a hash over all rows) before and after, and
  the database's own record of writes — on PostgreSQL every row version's ``(ctid, xmin)`` (any
  UPDATE, even to equal values, makes a new one), on SQLite ``PRAGMA data_version`` (changes when
  any other connection commits);
* ceilings: the raw driver inserting the same rows in one transaction (rolled back), and the raw
  work an unchanged resync cannot avoid — parse the JSON, read the company's rows, compare.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid

import httpx

from bench.common import BenchStack, CpuMeter, Metric, RawDB, bench_root, say

NAME = "masterdata"
TABLES = [
    "masterdata_branch",
    "masterdata_employee",
    "masterdata_employeebranch",
    "masterdata_customernumber",
    "masterdata_conflict",
    "accounts_auditevent",
]
CITIES = [
    ("10115", "Berlin"),
    ("20095", "Hamburg"),
    ("80331", "München"),
    ("50667", "Köln"),
    ("60311", "Frankfurt am Main"),
    ("70173", "Stuttgart"),
    ("04109", "Leipzig"),
    ("01067", "Dresden"),
]
FIRST = [
    "Anna",
    "Bernd",
    "Carla",
    "Deniz",
    "Emil",
    "Frieda",
    "Gül",
    "Hannes",
    "Ida",
    "Jonas",
    "Katrin",
    "Lars",
]
LAST = [
    "Beispiel",
    "Schall",
    "Klang",
    "Ohr",
    "Hörmann",
    "Lautner",
    "Tonig",
    "Wellner",
    "Frequenz",
    "Pegel",
]


def snapshot(branches: int, users: int, seed: int = 1) -> dict:
    """A practice chain's master data; ids F1…/U1… include the demo company's, so nothing is deactivated."""
    rng = random.Random(seed)
    out_branches = []
    for i in range(1, branches + 1):
        plz, city = CITIES[i % len(CITIES)]
        out_branches.append(
            {
                "id": f"F{i}",
                "name": f"Filiale {city} {i}",
                "street": f"Hauptstraße {i % 200 + 1}",
                "postal_code": plz,
                "city": city,
                "country": "DE",
            }
        )
    out_users = []
    for i in range(1, users + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        home = rng.randint(1, branches)
        ids = {home} | {rng.randint(1, branches) for _ in range(rng.choice([0, 0, 1, 2]))}
        out_users.append(
            {
                "id": f"U{i}",
                "name": f"{first} {last} {i}",
                "email": _ascii(f"{first}.{last}.{i}@praxis-kette.example".lower()),
                "phone": f"+49 30 {1000000 + i}" if i % 3 else None,
                "branch_ids": [f"F{b}" for b in sorted(ids)],
                "is_admin": i % 100 == 1,
            }
        )
    numbers = [
        {"partner": "sonora", "customer_number": "K-4711", "branch_id": None},
        {"partner": "sonora", "customer_number": "K-4711-P", "branch_id": "F3"},
        {"partner": "audiotec", "customer_number": "AT-20815", "branch_id": None},
        {"partner": "klangwerk", "customer_number": "KW-5521", "branch_id": None},
    ]
    return {
        "company": {"name": "Hörakustik Muster GmbH"},
        "branches": out_branches,
        "users": out_users,
        "customer_numbers": numbers,
    }


def _ascii(text: str) -> str:
    return text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")


def fingerprint(db: RawDB) -> dict:
    out = {}
    for table in TABLES:
        rows = db.q(f"SELECT * FROM {table} ORDER BY id")
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        has_updated = table not in (
            "masterdata_employeebranch",
            "masterdata_conflict",
            "accounts_auditevent",
        )
        latest = db.one(f"SELECT max(updated_at) FROM {table}") if has_updated else None
        out[table] = {
            "rows": len(rows),
            "max_updated_at": str(latest) if latest else None,
            "hash": digest,
        }
    if db.kind == "postgresql":
        versions = []
        for table in TABLES:
            versions.append(db.q(f"SELECT ctid::text, xmin::text FROM {table} ORDER BY ctid"))
        out["row_versions"] = hashlib.sha256(repr(versions).encode()).hexdigest()[:16]
    return out


def writes_counted(answer: dict) -> int:
    return sum(
        answer[k][f]
        for k in ("branches", "users", "customer_numbers")
        for f in ("created", "updated", "deactivated")
    )


def raw_insert_ceiling(db: RawDB, body: dict) -> float:
    """The same branch, user and membership rows inserted by the plain driver in one transaction, rolled back."""
    ph = db.ph
    cur = db.conn.cursor()
    company = dict(
        zip(
            [d[0] for d in db.conn.execute("SELECT * FROM accounts_company LIMIT 1").description],
            db.q("SELECT * FROM accounts_company LIMIT 1")[0],
        )
    )
    tb = {d[0] for d in db.conn.execute("SELECT * FROM masterdata_branch LIMIT 0").description}
    te = {d[0] for d in db.conn.execute("SELECT * FROM masterdata_employee LIMIT 0").description}
    base_b = (db.one("SELECT max(id) FROM masterdata_branch") or 0) + 1_000_000
    base_e = (db.one("SELECT max(id) FROM masterdata_employee") or 0) + 1_000_000
    now = "2026-01-01 00:00:00+00:00" if db.kind == "postgresql" else "2026-01-01 00:00:00"
    start = time.perf_counter()
    cur.execute("BEGIN")
    new_id = uuid.uuid4()
    company["id"] = new_id if db.kind == "postgresql" else new_id.hex
    company["name"] = "Raw ceiling"
    cols = list(company)
    cur.execute(
        f"INSERT INTO accounts_company ({', '.join(cols)}) VALUES ({', '.join([ph] * len(cols))})",
        [company[c] for c in cols],
    )
    company_id = company["id"]
    common = {
        "company_id": company_id,
        "is_active": True,
        "overrides": "{}",
        "updated_at": now,
        "created_in_dashboard": False,
    }
    branch_ids = {}
    rows = []
    for i, b in enumerate(body["branches"]):
        branch_ids[b["id"]] = base_b + i
        rows.append(
            {
                **common,
                "id": base_b + i,
                "external_id": b["id"],
                "name": b["name"],
                "street": b["street"],
                "postal_code": b["postal_code"],
                "city": b["city"],
                "country": b["country"],
            }
        )
    cols = [c for c in rows[0] if c in tb]
    cur.executemany(
        f"INSERT INTO masterdata_branch ({', '.join(cols)}) VALUES ({', '.join([ph] * len(cols))})",
        [[r[c] for c in cols] for r in rows],
    )
    rows, members = [], []
    for i, u in enumerate(body["users"]):
        rows.append(
            {
                **common,
                "id": base_e + i,
                "external_id": u["id"],
                "name": u["name"],
                "email": u["email"] or "",
                "phone": u["phone"] or "",
                "is_admin": u["is_admin"],
            }
        )
        members += [(base_e + i, branch_ids[b]) for b in u["branch_ids"]]
    cols = [c for c in rows[0] if c in te]
    cur.executemany(
        f"INSERT INTO masterdata_employee ({', '.join(cols)}) VALUES ({', '.join([ph] * len(cols))})",
        [[r[c] for c in cols] for r in rows],
    )
    cur.executemany(
        f"INSERT INTO masterdata_employeebranch (employee_id, branch_id) VALUES ({ph}, {ph})",
        members,
    )
    elapsed = time.perf_counter() - start
    cur.execute("ROLLBACK")
    return elapsed


def raw_resync_ceiling(db: RawDB, raw_body: bytes, company_id: int) -> float:
    """Parse, read the company's rows, compare: what an unchanged resync must do at the least."""
    start = time.perf_counter()
    body = json.loads(raw_body)
    branches = {
        r[0]: r[1:]
        for r in db.q(
            "SELECT external_id, name, street, postal_code, city, country, id FROM masterdata_branch "
            "WHERE company_id = %s",
            (company_id,),
        )
    }
    users = {
        r[0]: r[1:]
        for r in db.q(
            "SELECT external_id, name, email, phone, is_admin, id FROM masterdata_employee WHERE company_id = %s",
            (company_id,),
        )
    }
    members: dict = {}
    for emp, branch in db.q(
        "SELECT eb.employee_id, eb.branch_id FROM masterdata_employeebranch eb JOIN "
        "masterdata_employee e ON e.id = eb.employee_id WHERE e.company_id = %s",
        (company_id,),
    ):
        members.setdefault(emp, set()).add(branch)
    changed = 0
    for b in body["branches"]:
        changed += branches[b["id"]][:5] != (
            b["name"],
            b["street"],
            b["postal_code"],
            b["city"],
            b["country"],
        )
    for u in body["users"]:
        row = users[u["id"]]
        changed += row[:4] != (u["name"], u["email"] or "", u["phone"] or "", bool(u["is_admin"]))
        changed += members.get(row[4], set()) != {branches[b][5] for b in u["branch_ids"]}
    elapsed = time.perf_counter() - start
    if changed:
        say(
            f"  (raw compare found {changed} differences — the ceiling's comparison is approximate)"
        )
    return elapsed


def run(quick: bool = False, keep: bool = False) -> tuple[list[Metric], dict]:
    n_branches, n_users = (100, 1000) if quick else (1000, 10_000)
    resyncs = 3 if quick else 5
    body = snapshot(n_branches, n_users)
    raw_body = json.dumps(body).encode()
    details: dict = {
        "branches": n_branches,
        "users": n_users,
        "payload_bytes": len(raw_body),
        "memberships": sum(len(u["branch_ids"]) for u in body["users"]),
    }
    with bench_root(NAME, keep) as root:
        stack = BenchStack(root, web_workers=2, workers=0, catalog_size=50)
        say(
            f"[{NAME}] starting stack ({stack.db_kind}); snapshot {n_branches} branches, {n_users} users, "
            f"{len(raw_body) / 1e6:.1f} MB"
        )
        stack.start()
        try:
            details["db"] = stack.db_kind
            db = stack.raw()
            company_id = db.one(
                "SELECT company_id FROM accounts_apitoken WHERE revoked_at IS NULL ORDER BY id DESC"
            )
            client = httpx.Client(
                base_url=stack.base_url,
                timeout=120,
                headers={
                    "Authorization": f"Bearer {stack.api_token}",
                    "Content-Type": "application/json",
                },
            )
            client.get(
                "/api/v1/masterdata"
            ).raise_for_status()  # warm the worker (and touch the token once)

            meter = CpuMeter(stack).start()
            t0 = time.perf_counter()
            r = client.put("/api/v1/masterdata", content=raw_body)
            first_s = time.perf_counter() - t0
            first_cpu = meter.stop()
            if r.status_code != 200:
                raise RuntimeError(f"first sync answered {r.status_code}: {r.text[:500]}")
            first = r.json()
            say(
                f"  first sync: {first_s:.2f} s (gunicorn CPU {first_cpu['web']['cpu_s']:.2f} s, database server "
                f"{first_cpu['postgres']['cpu_s']:.2f} s)  {_counts(first)}"
            )
            details["first"] = {
                "seconds": first_s,
                "cpu": first_cpu,
                "answer": {k: first[k] for k in ("branches", "users", "customer_numbers")},
            }

            resync_s, resync_answers, checks = [], [], []
            for i in range(resyncs):
                time.sleep(0.3)
                before = fingerprint(db)
                version_before = db.one("PRAGMA data_version") if db.kind == "sqlite" else None
                meter = CpuMeter(stack).start()
                t0 = time.perf_counter()
                r = client.put("/api/v1/masterdata", content=raw_body)
                elapsed = time.perf_counter() - t0
                cpu = meter.stop()
                if r.status_code != 200:
                    raise RuntimeError(f"resync answered {r.status_code}: {r.text[:500]}")
                answer = r.json()
                after = fingerprint(db)
                version_after = db.one("PRAGMA data_version") if db.kind == "sqlite" else None
                same = before == after and version_before == version_after
                resync_s.append(elapsed)
                resync_answers.append(writes_counted(answer))
                checks.append(
                    {
                        "cpu": cpu,
                        "rows_identical": before == after,
                        "db_version_same": version_before == version_after,
                        "writes_in_answer": writes_counted(answer),
                    }
                )
                say(
                    f"  unchanged resync {i + 1}: {elapsed:.2f} s (gunicorn CPU {cpu['web']['cpu_s']:.2f} s, database "
                    f"server {cpu['postgres']['cpu_s']:.2f} s)  {_counts(answer)}; database untouched: {same}"
                )
            details["resync"] = {"seconds": resync_s, "checks": checks, "fingerprint": after}

            say(f"[{NAME}] raw ceilings")
            ceiling_first = min(raw_insert_ceiling(db, body) for _ in range(2))
            ceiling_resync = min(raw_resync_ceiling(db, raw_body, company_id) for _ in range(3))
            details["raw"] = {
                "insert_same_rows_s": ceiling_first,
                "parse_read_compare_s": ceiling_resync,
            }
            say(
                f"  raw insert of the same rows: {ceiling_first:.2f} s; raw parse+read+compare: {ceiling_resync:.2f} s"
            )
            db.close()
        finally:
            stack.stop()

    resync_median = sorted(resync_s)[len(resync_s) // 2]
    resync_cpu = sorted(c["cpu"]["web"]["cpu_s"] + c["cpu"]["postgres"]["cpu_s"] for c in checks)[
        len(checks) // 2
    ]
    zero = all(
        c["rows_identical"] and c["db_version_same"] and c["writes_in_answer"] == 0 for c in checks
    )
    label = f"{n_branches:,} branches + {n_users:,} users"
    metrics = [
        Metric(
            "masterdata.first",
            f"master data: first sync, {label}",
            first_s,
            "s",
            5,
            "lower",
            ceiling_first,
            "raw insert, same rows",
        ),
        Metric(
            "masterdata.resync",
            f"master data: unchanged resync (median of {resyncs})",
            resync_median,
            "s",
            1,
            "lower",
            ceiling_resync,
            "raw parse + read + compare",
        ),
        Metric(
            "masterdata.resync_cpu",
            "master data: unchanged resync, CPU of gunicorn + database server (median)",
            resync_cpu,
            "s",
            None,
            "lower",
            note="load-independent",
        ),
        Metric(
            "masterdata.resync_writes",
            "master data: writes during unchanged resyncs (answer + database)",
            float(
                sum(resync_answers)
                + sum(not (c["rows_identical"] and c["db_version_same"]) for c in checks)
            ),
            "writes",
            0,
            "lower",
            note="database fingerprint and row versions unchanged"
            if zero
            else "the database changed during a resync",
        ),
    ]
    details["note"] = (
        f"database {details['db']}; gunicorn -w 2; times are client-side wall times incl. upload"
    )
    return metrics, details


def _counts(answer: dict) -> str:
    return "; ".join(
        f"{k}: " + ", ".join(f"{n} {f}" for f, n in answer[k].items() if n)
        for k in ("branches", "users", "customer_numbers")
    )
