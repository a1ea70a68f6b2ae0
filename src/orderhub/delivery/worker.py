"""The delivery loop of ``orderhub worker``: claim due outbox rows in batches, send them concurrently.

The outbox is the queue: partner deliveries and company-webhook events are claimed straight from
their tables (``outbox.claim_due``), no task rows are involved.

One coordinating thread does all database work (claim, prepare, record; see ``outbox``); a small
thread pool only makes the partner calls, which touch no database. At most ``concurrency``
attempts are in flight. Outcomes are recorded as they come in, several per transaction, so a slow
partner does not hold the others' results back (nor past their lease).

Polling: while a claim comes back full (more work is waiting) the next claim follows as soon as
there is room; otherwise the loop polls every ``interval`` seconds. On ``stop()`` it claims nothing
more, finishes the attempts in flight, records them and returns (SIGTERM). A worker killed hard
leaves leases behind, which ``outbox.recover_stale`` turns into retries.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.db import InterfaceError, OperationalError, close_old_connections, connection

from orderhub.delivery import outbox

logger = logging.getLogger(__name__)

#: Default attempts in flight per worker process, and the most one claim takes.
CONCURRENCY = 16
BATCH = 32
#: Check the database connection (CONN_MAX_AGE, broken connections) at least this often while busy.
CONNECTION_CHECK_SECONDS = 10.0
RECORD_TRIES = 3
#: A claim of one row that fails this often in a row: that row is deferred (``outbox.defer_first_due``).
POISON_AFTER = 5
#: Outcomes wait at most this long to be recorded together with others.
RECORD_DELAY = 0.05
#: While the database is unreachable, claims back off exponentially up to this many seconds.
MAX_BACKOFF = 10.0
#: Errors that mean "the database is unreachable or locked", not "this row is broken".
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def backoff(failures: int, base: float = 0.5, cap: float = MAX_BACKOFF) -> float:
    return min(cap, base * 2 ** max(0, failures - 1))


def _check_connection() -> None:
    """Drop an expired or broken database connection (never one inside a transaction, e.g. a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


class DeliveryLoop:
    def __init__(
        self,
        *,
        concurrency: int = CONCURRENCY,
        batch: int = BATCH,
        interval: float = 0.2,
        worker_id: str = outbox.WORKER_ID,
    ):
        self.concurrency = max(1, concurrency)
        self.batch = max(1, batch)
        self.interval = interval
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.delivered = 0
        self.claim_failures = 0
        self.outage_failures = 0  # claims in a row that failed because the database was unreachable
        self.restarts = 0
        #: Company webhooks are claimed at most every ``interval`` seconds while their last claim
        #: was not full: a busy loop does not add a webhook query to every claim of deliveries.
        self.webhooks_due = 0.0

    def run_forever(self) -> None:
        """:meth:`run` until :meth:`stop`; an error that escapes it is logged and the loop restarts
        after a backoff, so a database outage never ends the worker (issue 14, fault 8)."""
        failures = 0
        while not self.stopped.is_set():
            started = time.monotonic()
            try:
                self.run()
                return
            except Exception:
                failures = 1 if time.monotonic() - started > 60 else failures + 1
                delay = backoff(failures)
                self.restarts += 1
                logger.exception("delivery loop failed; restarting in %.1f s", delay)
                try:
                    _check_connection()
                except Exception:
                    logger.warning("closing the database connection failed", exc_info=True)
                self.stopped.wait(delay)

    def stop(self) -> None:
        self.stopped.set()

    def run(self, until_idle: bool = False) -> None:
        """Deliver until :meth:`stop` (or, with ``until_idle``, until nothing is due)."""
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="orderhub-send")
        inflight: dict[Future, outbox.Job] = {}
        finished: list[outbox.Job] = []  # sent, outcome not yet recorded
        finished_since = 0.0
        # While attempts are in flight, claim only sizeable batches and record several outcomes at
        # once: statements per delivery stay low under load; an idle loop still answers at once.
        claim_min = min(self.batch, max(1, self.concurrency // 2))
        record_min = max(1, self.concurrency // 4)
        next_claim = 0.0
        checked = time.monotonic()
        stop_seen = (
            None  # when this loop first saw stop(): the shutdown is logged with its duration
        )
        try:
            while True:
                stopping = self.stopped.is_set()
                if stopping and stop_seen is None:
                    stop_seen = time.monotonic()
                    if inflight or finished:
                        logger.info(
                            "stopping: %d deliveries in flight, %d to record",
                            len(inflight),
                            len(finished),
                        )
                if stopping and not inflight and not finished:
                    if stop_seen is not None and time.monotonic() - stop_seen > 1:
                        logger.info(
                            "stopped: in-flight deliveries recorded in %.1f s",
                            time.monotonic() - stop_seen,
                        )
                    return
                now = time.monotonic()
                room = self.concurrency - len(inflight)
                claimed = 0
                if not stopping and now >= next_claim and (not inflight or room >= claim_min):
                    limit = min(room, self.batch)
                    claimed, jobs = self._claim(limit)
                    inflight.update(self._start(pool, jobs))
                    # A full claim means more is waiting: claim again as soon as there is room.
                    next_claim = now if claimed >= limit else now + self.interval
                    if self.outage_failures:  # the database is away: wait longer each time
                        next_claim = now + backoff(self.outage_failures, base=self.interval)
                if finished and (
                    stopping
                    or not inflight
                    or len(finished) >= record_min
                    or now - finished_since >= RECORD_DELAY
                ):
                    self._record(finished)
                    finished = []
                if not inflight:
                    if claimed:
                        continue
                    if until_idle:
                        return
                    _check_connection()
                    checked = time.monotonic()
                    self.stopped.wait(max(0.0, next_claim - time.monotonic()))
                    continue
                deadlines = []
                if not stopping and self.concurrency - len(inflight) >= claim_min:
                    deadlines.append(next_claim)
                if finished:
                    deadlines.append(finished_since + RECORD_DELAY)
                timeout = (
                    max(0.0, min(deadlines) - time.monotonic()) if deadlines else self.interval
                )
                done, _ = wait(list(inflight), timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    job = inflight.pop(future)
                    job.result = future.result()
                    if not finished:
                        finished_since = time.monotonic()
                    finished.append(job)
                if time.monotonic() - checked > CONNECTION_CHECK_SECONDS:
                    _check_connection()
                    checked = time.monotonic()
        finally:
            pool.shutdown(wait=True)

    def _claim(self, limit: int) -> tuple[int, list]:
        if self.claim_failures:
            limit = 1  # one bad row must not keep a whole batch from being claimed
        started = time.monotonic()
        webhooks = bool(self.claim_failures) or started >= self.webhooks_due
        try:
            claimed, jobs = outbox.claim_due(limit, worker_id=self.worker_id, webhooks=webhooks)
            if webhooks:
                hooks = sum(1 for job in jobs if not isinstance(job, outbox.Job))
                if hooks < outbox.webhook_share(limit):
                    self.webhooks_due = started + self.interval
            self.claim_failures = 0
            if self.outage_failures:
                logger.warning(
                    "database reachable again after %d failed claims; delivering",
                    self.outage_failures,
                )
            self.outage_failures = 0
        except OUTAGE_ERRORS as exc:
            # The database is down, restarting or locked: no row is to blame. Retry with backoff;
            # the traceback once, then one line per try.
            self.outage_failures += 1
            if self.outage_failures == 1:
                logger.exception(
                    "claiming deliveries failed: database unavailable; retrying with backoff"
                )
            else:
                logger.warning(
                    "database still unavailable (try %d, next in %.1f s): %s",
                    self.outage_failures,
                    backoff(self.outage_failures, base=self.interval),
                    exc,
                )
            try:
                _check_connection()
            except Exception:
                logger.warning("closing the database connection failed", exc_info=True)
            return 0, []
        except Exception as exc:  # a row is broken: try again, one at a time, then defer it
            logger.exception("claiming deliveries failed")
            _check_connection()
            self.claim_failures += 1
            if self.claim_failures >= POISON_AFTER:
                self.claim_failures = 0
                try:
                    outbox.defer_first_due(exc)
                except Exception:
                    logger.exception("deferring a broken outbox row failed")
                    _check_connection()
            return 0, []
        try:
            outbox.prepare([job for job in jobs if isinstance(job, outbox.Job)])
        except Exception as exc:  # e.g. the database went away between claim and prepare
            logger.exception("preparing deliveries failed")
            for job in jobs:
                if job.result is None:
                    job.result = outbox.DeliveryResult.temporary(f"{type(exc).__name__}: {exc}")
        return claimed, jobs

    def _start(self, pool: ThreadPoolExecutor, jobs: list) -> dict[Future, outbox.Job]:
        """Send the prepared jobs; record at once those that cannot be sent."""
        started = {pool.submit(job.send): job for job in jobs if job.result is None}
        self._record([job for job in jobs if job.result is not None])
        return started

    def _record(self, jobs: list) -> None:
        if not jobs:
            return
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                outbox.record(jobs)
                self.delivered += sum(
                    1 for job in jobs if isinstance(job, outbox.Job) and job.outcome == "delivered"
                )
                return
            except Exception:
                # Left as it is, each delivery is retried after its lease (the partner deduplicates).
                logger.exception(
                    "recording %d delivery outcomes failed (try %d of %d)",
                    len(jobs),
                    attempt,
                    RECORD_TRIES,
                )
                _check_connection()
                if attempt < RECORD_TRIES:
                    time.sleep(0.2 * attempt)
