"""What each simulated partner has seen: the exactly-once accounting tests and benchmarks read.

``received`` maps every order number to how often it arrived. The first arrival is the order;
every further one is a duplicate delivery — what OrderHub must keep at zero in normal operation,
and what it may cause only where a fault made the partner keep an order the sender saw fail.

``receipts`` does the same for goods-receipt acknowledgements (issue 16), by receipt number: the
first arrival is the acknowledgement, every further one a duplicate the partner ignores.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any

#: Counters shown per partner besides ``received``/``unique``/``duplicates``.
COUNTERS = (
    "answers_sent",  # answer documents the portal accepted (or files written)
    "answer_failures",  # answer documents given up on (4xx, or retries exhausted)
    "answer_retries",  # failed attempts that were retried
    "answers_malformed",  # deliberately broken answer documents sent (fault "malformed")
    "rejected",  # requests refused: bad credentials, bad signature, invalid document
)


class Ledger:
    def __init__(self, slugs: list[str]):
        self._lock = threading.Lock()
        self._slugs = list(slugs)
        self._reset_locked()

    def _reset_locked(self) -> None:
        self._received: dict[str, Counter[str]] = {slug: Counter() for slug in self._slugs}
        self._receipts: dict[str, Counter[str]] = {slug: Counter() for slug in self._slugs}
        self._counters: dict[str, Counter[str]] = {slug: Counter() for slug in self._slugs}
        self._faults: dict[str, Counter[str]] = defaultdict(Counter)

    def reset(self) -> None:
        with self._lock:
            self._reset_locked()

    def record(self, slug: str, order_number: str) -> bool:
        """Count one delivery of ``order_number``; True when it is the first one."""
        with self._lock:
            counts = self._received[slug]
            counts[order_number] += 1
            return counts[order_number] == 1

    def record_receipt(self, slug: str, receipt_number: str) -> bool:
        """Count one acknowledgement of goods receipt ``receipt_number``; True when it is new."""
        with self._lock:
            counts = self._receipts[slug]
            counts[receipt_number] += 1
            return counts[receipt_number] == 1

    def count(self, slug: str, counter: str, n: int = 1) -> None:
        if counter not in COUNTERS:
            raise KeyError(counter)
        with self._lock:
            self._counters[slug][counter] += n

    def fault(self, slug: str, mode: str) -> None:
        with self._lock:
            self._faults[slug][mode] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            partners = {}
            for slug in self._slugs:
                received = dict(self._received[slug])
                partners[slug] = {
                    "received": received,
                    "unique": len(received),
                    "duplicates": sum(n - 1 for n in received.values()),
                    "receipts": dict(self._receipts[slug]),
                    **{name: self._counters[slug][name] for name in COUNTERS},
                    "faults": dict(self._faults[slug]),
                }
            return {"partners": partners}
