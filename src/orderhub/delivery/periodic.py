"""Work every worker does now and then: expire carts, recover stale deliveries, read EDI inboxes
(drop directories and SFTP outboxes), purge registrations' personal data after
REGISTRATION_PURGE_DAYS, delete attachments' files after ATTACHMENT_RETENTION_DAYS, and the jobs that
areas above delivery register (notifications:
:func:`register` from their ``AppConfig.ready``; delivery never imports them).

Each job is safe to run in several workers at once (row locks with SKIP LOCKED, idempotent moves).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections
from django.utils.module_loading import import_string

from orderhub.attachments.services import purge_expired as purge_attachments
from orderhub.delivery import inbox, outbox
from orderhub.masterdata.registration import purge_registrations
from orderhub.ordering.services import expire_due_carts

logger = logging.getLogger(__name__)

#: name -> job of another area, run after delivery's own; each bounds its own time.
JOBS: dict[str, Callable[[], object]] = {}


def register(name: str, job: Callable[[], object]) -> None:
    JOBS[name] = job


def run_once() -> dict:
    result = {
        "expired_carts": expire_due_carts(),
        "recovered_deliveries": outbox.recover_stale(),
        "edifact_inbox": inbox.pick_up_all(),
        # Imported on first use, like the channels (channels/__init__.py): asyncssh and its
        # cryptography take 0.5 s to import, which every web process and command would pay at
        # start-up for a job only workers run.
        "sftp_inbox": import_string("orderhub.delivery.sftp_inbox.pick_up_all")(),
        "registrations_purged": purge_registrations(),
        "attachments_purged": purge_attachments(),
    }
    for name, job in JOBS.items():
        try:  # another area's failure never stops delivery's own jobs
            result[name] = job()
        except Exception:
            logger.exception("periodic job %s failed", name)
    return result


class PeriodicThread(threading.Thread):
    def __init__(self, interval: float):
        super().__init__(name="orderhub-periodic", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                close_old_connections()
                result = run_once()
                if any(any(v.values()) if isinstance(v, dict) else v for v in result.values()):
                    logger.info("periodic: %s", result)
            except Exception:  # keep the worker alive; the next round tries again
                logger.exception("periodic jobs failed")
            finally:
                close_old_connections()
