"""``orderhub worker``: runs background tasks (django-tasks-db) and the periodic jobs.

Start as many as you like, on as many machines as you like, against one PostgreSQL database: each
task row is claimed under ``SELECT … FOR UPDATE SKIP LOCKED``, and each delivery under a lease.
"""

from __future__ import annotations

import logging
import os
import socket

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker

from orderhub.delivery.periodic import PeriodicThread, run_once


class Command(BaseCommand):
    help = "Run the OrderHub background worker (deliveries, imports, webhooks) and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--queues", default="*", help="comma-separated queue names, '*' for all (default)")
        parser.add_argument("--interval", type=float, default=float(os.environ.get("ORDERHUB_WORKER_POLL", "0.2")),
                            help="seconds between polls when idle (default 0.2)")
        parser.add_argument("--periodic-interval", type=float,
                            default=float(os.environ.get("ORDERHUB_PERIODIC_SECONDS", "15")),
                            help="seconds between periodic jobs: cart expiry, stale deliveries, EDI inbox")
        parser.add_argument("--no-periodic", action="store_true")
        parser.add_argument("--worker-id", default=f"{socket.gethostname()}-{os.getpid()}"[:64])
        parser.add_argument("--batch", action="store_true", help="run what is due, then exit")

    def handle(self, *args, queues, interval, periodic_interval, no_periodic, worker_id, batch, **options):
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING if options["verbosity"] < 2 else logging.INFO)
        if batch:
            run_once()
        periodic = None
        if not no_periodic and not batch:
            periodic = PeriodicThread(periodic_interval)
            periodic.start()
        self.stdout.write(f"orderhub worker {worker_id}: queues={queues} poll={interval}s")
        self.stdout.flush()
        worker = Worker(queue_names=queues.split(","), interval=interval, batch=batch, backend_name="default",
                        startup_delay=not batch, max_tasks=None, worker_id=worker_id, excluded_queue_names=[])
        worker.configure_signals()
        try:
            worker.run()
        finally:
            if periodic:
                periodic.stopped.set()
