"""``orderhub worker``: runs the outbox (deliveries, company webhooks), one-off tasks, periodic jobs.

Start as many as you like, on as many machines as you like, against one PostgreSQL database: each
outbox row and each task row is claimed under ``SELECT … FOR UPDATE SKIP LOCKED``, outbox rows
under a lease.

The outbox (``--queues delivery``: partner deliveries and company-webhook events; their rows are
the queue, no task rows) has its own loop in a thread of its own
(:class:`orderhub.delivery.worker.DeliveryLoop`): it claims due rows in batches and sends up to
``--delivery-concurrency`` at once. One-off jobs (catalog imports) are django-tasks tasks and run
one at a time in the main thread, as django-tasks-db's worker does, so a long catalog import never
holds deliveries up.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from orderhub.delivery.outbox import DELIVERY_QUEUE
from orderhub.delivery.periodic import PeriodicThread, run_once
from orderhub.delivery.worker import BATCH, CONCURRENCY, DeliveryLoop, backoff

logger = logging.getLogger("orderhub.worker")


class TaskWorker(Worker):
    """django-tasks-db's worker that also stops the delivery loop on SIGTERM/SIGINT."""

    def __init__(self, *args, on_stop, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_stop = on_stop

    def shutdown(self, signum, frame) -> None:
        self.on_stop()
        super().shutdown(signum, frame)

    def run(self) -> None:
        """django-tasks-db's loop, kept alive: an error that escapes it (the database went away, a
        lock outlasted the busy timeout) is logged and the loop starts again after a backoff
        (0.5 s doubling to 30 s), so the process stays up through outages (issue 14, fault 8)."""
        failures = 0
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return
            except Exception:
                if self.batch:
                    raise
                failures = 1 if time.monotonic() - started > 60 else failures + 1
                delay = backoff(failures, cap=30.0)
                logger.exception("task worker loop failed; retrying in %.1f s", delay)
                self.running_task = False
                self.startup_delay = False
                try:
                    close_old_connections()
                except Exception:
                    logger.warning("closing the database connection failed", exc_info=True)
                time.sleep(delay)


class Command(BaseCommand):
    help = "Run the OrderHub background worker (outbox: deliveries and webhooks; imports) and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queues", default="*", help="comma-separated queue names, '*' for all (default)"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=float(os.environ.get("ORDERHUB_WORKER_POLL", "0.2")),
            help="seconds between polls when idle (default 0.2)",
        )
        parser.add_argument(
            "--delivery-concurrency",
            type=int,
            default=int(os.environ.get("ORDERHUB_DELIVERY_CONCURRENCY", str(CONCURRENCY))),
            help=f"deliveries in flight at once in this process (default {CONCURRENCY})",
        )
        parser.add_argument(
            "--delivery-batch",
            type=int,
            default=int(os.environ.get("ORDERHUB_DELIVERY_BATCH", str(BATCH))),
            help=f"most deliveries claimed in one statement (default {BATCH})",
        )
        parser.add_argument(
            "--periodic-interval",
            type=float,
            default=float(os.environ.get("ORDERHUB_PERIODIC_SECONDS", "15")),
            help="seconds between periodic jobs: cart expiry, stale deliveries, EDI inbox",
        )
        parser.add_argument("--no-periodic", action="store_true")
        parser.add_argument("--worker-id", default=f"{socket.gethostname()}-{os.getpid()}"[:64])
        parser.add_argument("--batch", action="store_true", help="run what is due, then exit")

    def handle(
        self,
        *args,
        queues,
        interval,
        delivery_concurrency,
        delivery_batch,
        periodic_interval,
        no_periodic,
        worker_id,
        batch,
        **options,
    ):
        logging.getLogger("django_tasks_db").setLevel(
            logging.WARNING if options["verbosity"] < 2 else logging.INFO
        )
        names = [q.strip() for q in queues.split(",") if q.strip()]
        every = "*" in names
        deliveries = every or DELIVERY_QUEUE in names
        others = ["*"] if every else [q for q in names if q != DELIVERY_QUEUE]
        loop = (
            DeliveryLoop(
                concurrency=delivery_concurrency,
                batch=delivery_batch,
                interval=interval,
                worker_id=worker_id,
            )
            if deliveries
            else None
        )
        worker = None
        if others:
            worker = TaskWorker(
                queue_names=others,
                interval=interval,
                batch=batch,
                backend_name="default",
                startup_delay=not batch,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
                on_stop=loop.stop if loop else (lambda: None),
            )
        if batch:
            run_once()
            if loop:
                loop.run(until_idle=True)
            if worker:
                worker.run()
            return

        periodic = None
        if not no_periodic:
            periodic = PeriodicThread(periodic_interval)
            periodic.start()
        self.stdout.write(
            f"orderhub worker {worker_id}: queues={queues} poll={interval}s"
            + (
                f" delivery concurrency={delivery_concurrency} batch={delivery_batch}"
                if loop
                else ""
            )
        )
        self.stdout.flush()
        thread = None
        if loop:
            thread = threading.Thread(
                target=loop.run_forever, name="orderhub-delivery", daemon=True
            )
            thread.start()
        forced = False
        try:
            if worker:
                worker.configure_signals()
                worker.run()
            else:
                self._wait(loop, thread)
        except SystemExit as exc:
            forced = exc.code not in (None, 0)
            raise
        finally:
            if loop:
                loop.stop()
                if not forced:
                    thread.join()  # SIGTERM: the deliveries in flight finish and are recorded
            if periodic:
                periodic.stopped.set()

    @staticmethod
    def _wait(loop: DeliveryLoop, thread: threading.Thread) -> None:
        """Only deliveries in this process: the main thread waits for a signal."""

        def shutdown(signum, frame):
            if loop.stopped.is_set():  # a second signal: stop at once
                sys.exit(1)
            loop.stop()

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
            signal.signal(sig, shutdown)
        while thread.is_alive():
            thread.join(0.5)
