"""Work every worker does now and then: expire carts, recover stale deliveries, read EDI inboxes
(drop directories and SFTP outboxes), purge registrations' personal data after
REGISTRATION_PURGE_DAYS.

Each job is safe to run in several workers at once (row locks with SKIP LOCKED, idempotent moves).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

logger = logging.getLogger(__name__)


def run_once() -> dict:
    from orderhub.delivery import inbox, outbox, sftp_inbox
    from orderhub.masterdata.registration import purge_registrations
    from orderhub.ordering.services import expire_due_carts

    return {
        "expired_carts": expire_due_carts(),
        "recovered_deliveries": outbox.recover_stale(),
        "edifact_inbox": inbox.pick_up_all(),
        "sftp_inbox": sftp_inbox.pick_up_all(),
        "registrations_purged": purge_registrations(),
    }


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
