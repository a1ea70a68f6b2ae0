"""The :class:`Simulator`: starts the configured partner servers and ties them together.

Every channel hands a parsed order to :meth:`Simulator.receive_order`, which records it in the
ledger and — the first time only — schedules its answers; order changes go to
:meth:`Simulator.receive_change`, goods-receipt acknowledgements to
:meth:`Simulator.receive_receipt` (counted per receipt number, nothing is answered).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from orderhub.formats import signing
from orderhub.formats.changes import GoodsReceipt, OrderChange
from orderhub.formats.documents import OrderDocument

from .answer_sender import AnswerSender
from .config import PartnerConfig, SimulatorConfig
from .controls import Controls, RuntimeSettings
from .drop_partner import DropWatcher
from .http_partner import PartnerHTTPServer
from .ledger import Ledger
from .mail_partner import start_smtp

logger = logging.getLogger("simulator")


class RecentSignatures:
    """Replay memory for ``signing.verify(seen=…)``: True if a signature came before.

    Signatures older than twice the verification window are forgotten — their timestamps are
    refused anyway — so a long benchmark run does not grow this without bound.
    """

    def __init__(self, keep_seconds: float = 2 * signing.DEFAULT_TOLERANCE):
        self.keep_seconds = keep_seconds
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, signature: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 1000:
                cutoff = now - self.keep_seconds
                self._seen = {k: t for k, t in self._seen.items() if t >= cutoff}
            replayed = signature in self._seen
            self._seen.setdefault(signature, now)
            return replayed

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


class Simulator:
    """Supplier simulator, usable in-process::

    config = SimulatorConfig(partners=[PartnerConfig("sonora", "opentrans", ...)])
    with Simulator(config) as sim:
        httpx.post(f"{sim.base_url}/opentrans/orders", ...)
        sim.stats()["partners"]["sonora"]["unique"]
    """

    def __init__(self, config: SimulatorConfig):
        self.config = config
        self.controls = Controls(RuntimeSettings.from_config(config))
        self.ledger = Ledger([p.slug for p in config.partners])
        self.stopping = threading.Event()
        self._temporary_root: Path | None = None
        self._messages: dict[str, list[dict[str, Any]]] = {p.slug: [] for p in config.partners}
        self._seen = {p.slug: RecentSignatures() for p in config.partners}
        self._changes: list[dict[str, Any]] = []
        self._changes_seen: set[tuple[str, str]] = set()
        self._attachments: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._http: PartnerHTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._smtp = None
        self._drop: DropWatcher | None = None
        self._answers: AnswerSender | None = None
        self.drop_root: Path | None = None
        self.mail_root: Path | None = None
        self.started = False

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> Simulator:
        if self.started:
            return self
        config = self.config
        if config.drop_root is None or config.mail_root is None:
            self._temporary_root = Path(tempfile.mkdtemp(prefix="orderhub-simulator-"))
        root = self._temporary_root
        self.drop_root = Path(config.drop_root) if config.drop_root else root / "drop"
        self.mail_root = Path(config.mail_root) if config.mail_root else root / "mail"
        self.drop_root.mkdir(parents=True, exist_ok=True)
        self.mail_root.mkdir(parents=True, exist_ok=True)
        try:
            self._answers = AnswerSender(config, self.controls, self.ledger, self.drop_root)
            self._answers.start()
            self._http = PartnerHTTPServer((config.host, config.http_port), self)
            self._http_thread = threading.Thread(
                target=self._http.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="simulator-http",
                daemon=True,
            )
            self._http_thread.start()
            if config.partners_of("email"):
                self._smtp = start_smtp(self, self.mail_root, config.host, config.smtp_port)
            if config.partners_of("edifact"):
                self._drop = DropWatcher(self, self.drop_root, config.partners_of("edifact"))
                self._drop.start()
        except BaseException:
            self.stop()
            raise
        self.started = True
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._drop is not None:
            self._drop.stop()
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None
        if self._http is not None:
            if self._http_thread is not None and self._http_thread.is_alive():
                self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._answers is not None:
            self._answers.stop()
            self._answers = None
        if self._temporary_root is not None:
            shutil.rmtree(self._temporary_root, ignore_errors=True)
            self._temporary_root = None
        self.started = False

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- where to reach it -----------------------------------------------------------------
    @property
    def http_port(self) -> int | None:
        return self._http.server_address[1] if self._http else None

    @property
    def smtp_port(self) -> int | None:
        return self._smtp.port if self._smtp else None

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.http_port}"

    @property
    def ports(self) -> dict[str, Any]:
        """What the CLI prints on startup, as one JSON line."""
        return {
            "http_port": self.http_port,
            "smtp_port": self.smtp_port,
            "http_url": self.base_url if self._http else None,
            "drop_root": str(self.drop_root) if self.drop_root else None,
            "mail_root": str(self.mail_root) if self.mail_root else None,
            "partners": self.partner_kinds(),
        }

    def partner_kinds(self) -> dict[str, str]:
        return {p.slug: p.kind for p in self.config.partners}

    # -- the shared receive path -----------------------------------------------------------
    def receive_order(
        self, partner: PartnerConfig, order: OrderDocument, *, malformed: bool = False
    ) -> bool:
        """Record one delivery; schedule answers if it is the first. True if first."""
        first = self.ledger.record(partner.slug, order.order_number)
        if first:
            self.fetch_attachments(partner, order)
        if first and self._answers is not None:
            self._answers.submit(partner, order, malformed=malformed)
        return first

    def fetch_attachments(self, partner: PartnerConfig, order: OrderDocument) -> None:
        """Issue 17: what a partner does with the order's files — fetch each signed link (before
        answering) and check the SHA-256 the document states (``GET /_attachments``)."""
        for a in order.all_attachments:
            if not a.url:
                continue
            try:
                response = httpx.get(a.url, timeout=10, trust_env=False)
                status, got = response.status_code, hashlib.sha256(response.content).hexdigest()
            except httpx.HTTPError as exc:
                status, got = 0, f"{type(exc).__name__}: {exc}"
            ok = status == 200 and got == a.sha256
            if not ok:
                logger.warning(
                    "%s: attachment of %s: HTTP %s", partner.slug, order.order_number, status
                )
            with self._lock:
                self._attachments.append(
                    {
                        "partner": partner.slug,
                        "order_number": order.order_number,
                        "kind": a.kind,
                        "filename": a.filename,
                        "sha256": a.sha256,
                        "status": status,
                        "ok": ok,
                    }
                )

    def attachments(self) -> list[dict[str, Any]]:
        """The attachment links fetched, in arrival order (``GET /_attachments``)."""
        with self._lock:
            return list(self._attachments)

    def receive_change(self, partner: PartnerConfig, change: OrderChange) -> bool:
        """Record an order change (issue 16); answer it the first time. True if first."""
        key = (partner.slug, change.document_id)
        with self._lock:
            first = key not in self._changes_seen
            self._changes_seen.add(key)
            self._changes.append(
                {
                    "partner": partner.slug,
                    "order_number": change.order_number,
                    "sequence": change.sequence,
                    "kind": change.kind,
                    "duplicate": not first,
                }
            )
        if first and self._answers is not None:
            self._answers.submit_change(partner, change)
        return first

    def receive_receipt(self, partner: PartnerConfig, receipt: GoodsReceipt) -> bool:
        """Record a goods-receipt acknowledgement (issue 16); True if it is the first one with
        its number (a partner deduplicates on RECEIPTACKNOWLEDGEMENT_ID)."""
        first = self.ledger.record_receipt(partner.slug, receipt.document_id)
        logger.info(
            "%s: goods receipt %s of order %s acknowledged (%s)",
            partner.slug,
            receipt.document_id,
            receipt.order_number,
            "new" if first else "duplicate",
        )
        return first

    def changes(self) -> list[dict[str, Any]]:
        """Order changes received, in arrival order (``GET /_changes``)."""
        with self._lock:
            return list(self._changes)

    def record_message(self, slug: str, message: dict[str, Any]) -> None:
        with self._lock:
            self._messages[slug].append(message)

    def messages(self, slug: str) -> list[dict[str, Any]]:
        """E-mails a partner mailbox accepted (order number, attachments, .eml path)."""
        with self._lock:
            return list(self._messages[slug])

    def seen_signatures(self, slug: str) -> RecentSignatures:
        return self._seen[slug]

    # -- stats and control -----------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        data = self.ledger.snapshot()
        for slug, partner_stats in data["partners"].items():
            partner_stats["kind"] = self.config.partner(slug).kind
            if partner_stats["kind"] == "email":
                partner_stats["messages"] = len(self.messages(slug))
        data["answers_pending"] = self._answers.pending if self._answers else 0
        return data

    def control(self, **changes: Any) -> dict[str, Any]:
        """Change runtime settings (faults, delays, answers); returns the settings in force."""
        if changes:
            return asdict(self.controls.update(changes))
        return asdict(self.controls.settings)

    def reset(self) -> None:
        """Forget everything received (counters, mailbox list, seen signatures)."""
        self.ledger.reset()
        with self._lock:
            for slug in self._messages:
                self._messages[slug].clear()
            self._changes.clear()
            self._changes_seen.clear()
            self._attachments.clear()
        for seen in self._seen.values():
            seen.clear()

    def answer_log(self) -> list[dict[str, Any]]:
        return list(self._answers.log) if self._answers else []

    def wait_for_answers(self, timeout: float = 10.0) -> bool:
        """Block until every scheduled answer was delivered or given up on."""
        return self._answers.wait_idle(timeout) if self._answers else True

    def scan_drop_directories(self) -> None:
        """Pick up EDIFACT files now instead of at the next poll (handy in tests)."""
        if self._drop is not None:
            for partner in self._drop.partners:
                self._drop.scan(partner)
