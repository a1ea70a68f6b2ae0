"""Where the time goes: the hot paths in one process under cProfile, against a bench database.

``python -m bench.profile intake [--n 300]`` — POST /api/v1/orders through the whole Django stack
(middleware, Ninja, intake, identification) with Django's test client; ``forwarding`` — the
single-delivery task body (claim, render openTRANS, store, POST to a simulator, record) for queued
orders — the path of a ``deliver`` job run on its own; the workers' batch loop (``delivery/worker.py``)
is measured by ``python -m bench forwarding``;
``masterdata`` — PUT /api/v1/masterdata with 1,000 branches / 10,000 users, first and unchanged;
``catalog`` — ``catalog.services.import_file`` for a generated BMEcat file (first import, then again).

Prints the functions with the most own time and the most cumulative time, and the SQL statements
per unit of work; writes ``bench/results/profile-<name>.prof`` (open with ``snakeviz`` or
``python -m pstats``). Uses the database from DATABASE_URL (PostgreSQL) or a SQLite file.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import subprocess
import sys
import time
from collections import Counter

from bench.catalog_import import catalog_file
from bench.common import PYTHON, RESULTS, BenchStack, bench_root, say, setup_django
from bench.intake import OrderFactory, active_articles
from bench.masterdata import snapshot


def _report(prof: cProfile.Profile, name: str, per: int, label: str, top: int = 25) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"profile-{name}.prof"
    prof.dump_stats(str(path))
    out = {}
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats(key).print_stats(top)
        text = buf.getvalue()
        say(f"\n--- {name}: top {top} by {key} ({per} {label}) ---")
        say("\n".join(line for line in text.splitlines() if line.strip())[:8000])
        out[key] = text
    say(f"\nprofile written to {path}")
    return out


class _SqlCounter:
    def __init__(self):
        self.count = 0
        self.kinds = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.kinds[sql.split(None, 1)[0].upper()] += 1
        return execute(sql, params, many, context)


def profile_intake(n: int) -> None:
    with bench_root("profile-intake") as root:
        stack = BenchStack(root, catalog_size=2000).prepare()
        try:
            _profile_intake(stack, n)
        finally:
            stack._drop_database()


def _profile_intake(stack: BenchStack, n: int) -> None:
    db = stack.raw()
    articles = active_articles(db)
    db.close()
    setup_django(stack)
    # Django and OrderHub's apps load only after setup_django() has picked the run's database
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {stack.api_token}")
    factory = OrderFactory(stack, articles, "prof")

    def post(i):
        r = client.post(
            "/api/v1/orders",
            data=factory.body(i),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"prof-{i}",
        )
        assert r.status_code == 201, r.content[:300]

    for i in range(20):  # warm caches (URL resolver, schema, templates)
        post(10_000 + i)
    counter = _SqlCounter()
    prof = cProfile.Profile()
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        prof.enable()
        for i in range(n):
            post(i)
        prof.disable()
    wall = time.perf_counter() - start
    say(
        f"intake in one process: {n} orders in {wall:.2f} s = {wall / n * 1000:.1f} ms per order "
        f"(under cProfile), {counter.count / n:.1f} SQL statements per order: {dict(counter.kinds)}"
    )
    _report(prof, "intake", n, "orders")


def profile_forwarding(n: int, loop: bool = False) -> None:
    with bench_root("profile-forwarding") as root:
        stack = BenchStack(root, catalog_size=2000)
        stack.prepare()
        # The simulator is needed to receive; start it as Stack.start would (answers off).
        sim_cmd = [
            PYTHON,
            "-m",
            "simulator",
            *stack.state["simulator_args"],
            "--mail-root",
            str(root / "mail"),
            "--no-answers",
        ]
        sim = subprocess.Popen(
            sim_cmd, env=stack.env, stdout=subprocess.PIPE, stderr=stack.log("simulator"), text=True
        )
        sim.stdout.readline()
        try:
            db = stack.raw()
            articles = active_articles(db)
            db.close()
            setup_django(stack)
            # Django and OrderHub's apps load only after setup_django() has picked the run's database
            from django.db import connection
            from django.test import Client

            from orderhub.delivery.models import Delivery
            from orderhub.delivery.outbox import run_delivery
            from orderhub.delivery.worker import DeliveryLoop

            client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {stack.api_token}")
            factory = OrderFactory(stack, articles, "fwd")
            for i in range(n + 10):
                r = client.post(
                    "/api/v1/orders",
                    data=factory.body(i),
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=f"fwd-{i}",
                )
                assert r.status_code == 201
            ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
            for pk in ids[:10]:
                run_delivery(pk)
            counter = _SqlCounter()
            prof = cProfile.Profile()
            start = time.perf_counter()
            if loop:  # the workers' batch loop: claims, renders, records (its sender threads
                # post; cProfile sees the loop's own thread, the CPU that grows with deliveries)
                with connection.execute_wrapper(counter):
                    prof.enable()
                    DeliveryLoop().run(until_idle=True)
                    prof.disable()
                outcomes = Counter(
                    Delivery.objects.filter(pk__in=ids[10:]).values_list("status", flat=True)
                )
            else:
                with connection.execute_wrapper(counter):
                    prof.enable()
                    outcomes = Counter(run_delivery(pk) for pk in ids[10:])
                    prof.disable()
            wall = time.perf_counter() - start
            say(
                f"delivery {'loop' if loop else 'task'} in one process: {n} orders in {wall:.2f} s "
                f"= {wall / n * 1000:.1f} ms per delivery (under cProfile; the simulator's time "
                f"included), outcomes {dict(outcomes)}, "
                f"{counter.count / n:.1f} SQL statements per delivery (the loop thread's): "
                f"{dict(counter.kinds)}"
            )
            _report(prof, "forwarding-loop" if loop else "forwarding", n, "deliveries")
        finally:
            sim.terminate()
            sim.wait(10)
            stack._drop_database()


def profile_masterdata(branches: int, users: int) -> None:
    with bench_root("profile-masterdata") as root:
        stack = BenchStack(root, catalog_size=20).prepare()
        setup_django(stack)
        # Django and OrderHub's apps load only after setup_django() has picked the run's database
        from django.db import connection
        from django.test import Client

        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {stack.api_token}")
        body = json.dumps(snapshot(branches, users))
        try:
            for label in ("first", "unchanged"):
                counter = _SqlCounter()
                prof = cProfile.Profile()
                start = time.perf_counter()
                with connection.execute_wrapper(counter):
                    prof.enable()
                    r = client.put("/api/v1/masterdata", data=body, content_type="application/json")
                    prof.disable()
                assert r.status_code == 200, r.content[:300]
                say(
                    f"masterdata {label} sync in one process: {time.perf_counter() - start:.2f} s under cProfile, "
                    f"{counter.count} SQL statements {dict(counter.kinds)}"
                )
                _report(prof, f"masterdata-{label}", 1, "sync")
        finally:
            stack._drop_database()


def profile_catalog(size: int) -> None:
    path = catalog_file(size)
    with bench_root("profile-catalog") as root:
        stack = BenchStack(root, catalog_size=20).prepare()
        try:
            setup_django(stack)
            # Django and OrderHub's apps load only after setup_django() has picked the run's database
            from django.db import connection

            from orderhub.catalog.services import import_file
            from orderhub.partners.models import Partner

            for label, slug in (("first", "sonora"), ("again", "sonora")):
                counter = _SqlCounter()
                prof = cProfile.Profile()
                start = time.perf_counter()
                with connection.execute_wrapper(counter):
                    prof.enable()
                    job = import_file(Partner.objects.get(slug=slug), path)
                    prof.disable()
                say(
                    f"catalog import ({label}) of {size} products in one process: "
                    f"{time.perf_counter() - start:.1f} s under cProfile, {job.status}, {job.created} created, "
                    f"{job.updated} updated; {counter.count} SQL statements {dict(counter.kinds)}"
                )
                _report(prof, f"catalog-{label}", size, "products")
            connection.close()
        finally:
            stack._drop_database()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.profile", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "target", choices=["intake", "forwarding", "forwarding-loop", "masterdata", "catalog"]
    )
    parser.add_argument(
        "--n", type=int, default=300, help="orders (intake, forwarding) or products (catalog)"
    )
    args = parser.parse_args(argv)
    if args.target == "intake":
        profile_intake(args.n)
    elif args.target in ("forwarding", "forwarding-loop"):
        profile_forwarding(args.n, loop=args.target == "forwarding-loop")
    elif args.target == "catalog":
        profile_catalog(args.n if args.n != 300 else 20_000)
    else:
        profile_masterdata(1000, 10000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
