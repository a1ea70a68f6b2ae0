"""Sends each received order's answers back: to the portal over HTTP, or as EDIFACT files.

Runs its own asyncio loop in a background thread so thousands of pending answers cost no
threads. Per order the sequence is fixed — order response, then (unless every line was
rejected) dispatch notification — and each document is retried with exponential backoff on
network errors and 5xx until the portal takes it, always with the same document id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from orderhub.formats import change_answers, partner_json
from orderhub.formats.changes import OrderChange
from orderhub.formats.documents import AnswerLine, OrderDocument, OrderItem, PartnerAnswer
from orderhub.formats.edifact.partner import write_desadv, write_ordrsp
from orderhub.formats.opentrans.partner import write_dispatch_notification, write_order_response

from . import answers, catalogs
from .config import PartnerConfig, SimulatorConfig
from .controls import Controls
from .ledger import Ledger

logger = logging.getLogger("simulator.answers")

#: Status codes worth another attempt; every other 4xx is final.
RETRYABLE_STATUS = {408, 425, 429}

PARTNER_DOCUMENTS_PATH = "/api/v1/partner/documents"


def answer_sender_id(partner: PartnerConfig, order: OrderDocument) -> str:
    return partner.party_id or order.recipient_id or partner.sender_party_id


def encode(
    partner: PartnerConfig, order: OrderDocument, answer: PartnerAnswer
) -> tuple[str, bytes]:
    """The answer in the partner's own format: (content type, bytes)."""
    is_response = answer.kind == answers.ORDER_RESPONSE
    if partner.kind == "opentrans":
        if is_response:
            return "application/xml", write_order_response(answer)
        return "application/xml", write_dispatch_notification(answer)
    if partner.kind in ("webhook", "email"):
        return "application/json", partner_json.write_answer(answer)
    if partner.kind == "edifact":
        writer = write_ordrsp if is_response else write_desadv
        data = writer(
            answer,
            sender_id=answer_sender_id(partner, order),
            recipient_id=order.sender_id or "ORDERHUB",
            interchange_ref=answers.interchange_ref(partner.slug, order.order_number, answer.kind),
        )
        return "application/edifact", data
    raise ValueError(f"no answer format for partner kind {partner.kind}")


def answer_file_name(order_number: str, kind: str, *, broken: bool = False, part: int = 1) -> str:
    """``ORDRSP_<order>.edi``, ``DESADV_<order>.edi``; the backorder's DESADV is ``…_2.edi``."""
    message = "ORDRSP" if kind == answers.ORDER_RESPONSE else "DESADV"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", order_number)
    return f"{message}_{safe}{f'_{part}' if part > 1 else ''}{'_BROKEN' if broken else ''}.edi"


def write_atomically(directory: Path, name: str, data: bytes) -> Path:
    """Write ``name.tmp`` and rename it, so a reader never sees half a file."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / name
    temporary = directory / (name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    return final


class AnswerSender:
    def __init__(
        self, config: SimulatorConfig, controls: Controls, ledger: Ledger, drop_root: Path
    ):
        self.config = config
        self.controls = controls
        self.ledger = ledger
        self.drop_root = drop_root
        self.log: deque[dict[str, Any]] = deque(maxlen=2000)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="simulator-answers", daemon=True)
        self._client: httpx.AsyncClient | None = None
        self._pending: set[Future] = set()
        self._pending_lock = threading.Lock()
        self._idle = threading.Condition(self._pending_lock)
        self._warned: set[str] = set()
        #: Each partner's own catalog, where it has one (issue 17: options are checked).
        self.catalogs = {p.slug: catalogs.load(p.catalog) for p in config.partners if p.catalog}

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open_client(), self._loop).result(10)

    async def _open_client(self) -> None:
        # trust_env=False: a proxy from the environment must never sit between us and loopback.
        self._client = httpx.AsyncClient(timeout=self.config.portal_timeout, trust_env=False)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._client is not None:
                await self._client.aclose()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    # -- public --------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        with self._pending_lock:
            return len(self._pending)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every scheduled answer has been delivered or given up on."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def submit(
        self, partner: PartnerConfig, order: OrderDocument, *, malformed: bool = False
    ) -> None:
        """Schedule the answers to a first-time order (call from any thread)."""
        if not self.controls.settings.answers:
            return
        if partner.kind != "edifact" and not (self.config.portal_url and partner.portal_token):
            if partner.slug not in self._warned:
                self._warned.add(partner.slug)
                logger.warning(
                    "%s: no portal URL or partner token configured, answers are not sent",
                    partner.slug,
                )
            return
        future = asyncio.run_coroutine_threadsafe(
            self._answer(partner, order, malformed), self._loop
        )
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def submit_change(self, partner: PartnerConfig, change: OrderChange) -> None:
        """Schedule the answer to an order change (``change_policy``: accept or refuse)."""
        if partner.kind != "edifact" and not (self.config.portal_url and partner.portal_token):
            return
        future = asyncio.run_coroutine_threadsafe(self._answer_change(partner, change), self._loop)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    async def _answer_change(self, partner: PartnerConfig, change: OrderChange) -> None:
        """The answer in the partner's own format: ORDRSP file with ``RFF+ON:<order>::<n>``
        (EDIFACT), ORDERRESPONSE with ``ORDERCHANGE_SEQUENCE_ID`` (openTRANS, when lines are
        confirmed), else the JSON ``change_response``."""
        try:
            settings = self.controls.settings
            await asyncio.sleep(settings.answer_delay)
            accepted = settings.change_policy == "accept"
            note = "" if accepted else "Änderung nicht mehr möglich (Simulator)"
            lines = [
                AnswerLine(line.line_no, "confirmed", line.quantity)
                for line in change.lines
                if not line.removed and line.quantity is not None
            ] + [AnswerLine(item.line_no, "confirmed", item.quantity) for item in change.added]
            answer = PartnerAnswer(
                kind="order_response",
                order_number=change.order_number,
                document_id=f"{partner.slug.upper()}-AEND-{change.document_id}"[:35],
                issued_at=datetime.now(UTC),
                lines=lines if change.kind == "change" else [],
                note=note,
            )
            if partner.kind == "edifact":
                data = change_answers.write_ordrsp_change_reply(
                    answer,
                    change.sequence,
                    accepted,
                    sender_id=partner.party_id or partner.sender_party_id,
                    recipient_id="ORDERHUB",
                    interchange_ref=f"C{change.sequence}{abs(hash(change.document_id)) % 10**9}",
                )
                safe = re.sub(r"[^A-Za-z0-9._-]", "_", change.order_number)
                name = f"ORDRSP_{safe}_AEND{change.sequence}.edi"
                write_atomically(self.drop_root / partner.slug / "in", name, data)
                self.ledger.count(partner.slug, "answers_sent")
                self._log(partner, answer, "written", name)
                return
            if partner.kind == "opentrans" and answer.lines:
                content_type = "application/xml"
                body = change_answers.write_opentrans_change_reply(
                    answer, change.sequence, accepted
                )
            else:
                content_type = "application/json"
                body = change_answers.write_json_change_reply(
                    change_answers.ChangeReply(
                        order_number=change.order_number,
                        sequence=change.sequence,
                        accepted=accepted,
                        document_id=answer.document_id,
                        issued_at=answer.issued_at,
                        note=note,
                    )
                )
            await self._post_with_retry(partner, answer, content_type, body)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s: answering change %s failed", partner.slug, change.document_id)
            self.ledger.count(partner.slug, "answer_failures")

    def _done(self, future: Future) -> None:
        with self._idle:
            self._pending.discard(future)
            self._idle.notify_all()

    # -- the answer sequence -------------------------------------------------------------
    def _refusal(self, partner: PartnerConfig) -> Callable[[OrderItem], str | None] | None:
        catalog = self.catalogs.get(partner.slug)
        if catalog is None:
            return None
        return lambda item: catalogs.refusal(catalog, item)

    async def _answer(self, partner: PartnerConfig, order: OrderDocument, malformed: bool) -> None:
        try:
            settings = self.controls.settings
            await asyncio.sleep(settings.answer_delay)
            sender_id = answer_sender_id(partner, order)
            response = answers.order_response(
                order,
                slug=partner.slug,
                sender_id=sender_id,
                policy=settings.answer_policy,
                rules=settings.line_rules,
                refuse=self._refusal(partner),
            )
            await self._deliver(partner, order, response, malformed=malformed)
            for ship in (answers.dispatch_notification, answers.backorder_dispatch):
                dispatch = ship(order, response, slug=partner.slug, sender_id=sender_id)
                if dispatch is None:
                    continue
                await asyncio.sleep(self.controls.settings.ship_delay)
                await self._deliver(partner, order, dispatch, malformed=False)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s: answering order %s failed", partner.slug, order.order_number)
            self.ledger.count(partner.slug, "answer_failures")

    async def _deliver(
        self,
        partner: PartnerConfig,
        order: OrderDocument,
        answer: PartnerAnswer,
        *,
        malformed: bool,
    ) -> None:
        content_type, body = encode(partner, order, answer)
        if partner.kind == "edifact":
            directory = self.drop_root / partner.slug / "in"
            if malformed:
                name = answer_file_name(order.order_number, answer.kind, broken=True)
                write_atomically(directory, name, answers.corrupt(body))
                self.ledger.count(partner.slug, "answers_malformed")
                self._log(partner, answer, "malformed", name)
            second = answers.document_id(partner.slug, order.order_number, answer.kind, 2)
            part = 2 if answer.document_id == second else 1
            name = answer_file_name(order.order_number, answer.kind, part=part)
            write_atomically(directory, name, body)
            self.ledger.count(partner.slug, "answers_sent")
            self._log(partner, answer, "written", name)
            return
        if malformed:
            status = await self._post_once(partner, content_type, answers.corrupt(body))
            self.ledger.count(partner.slug, "answers_malformed")
            self._log(partner, answer, "malformed", status)
        await self._post_with_retry(partner, answer, content_type, body)

    async def _post_once(self, partner: PartnerConfig, content_type: str, body: bytes) -> Any:
        assert self._client is not None
        try:
            response = await self._client.post(
                self.config.portal_url + PARTNER_DOCUMENTS_PATH,
                content=body,
                headers={
                    "Authorization": f"Bearer {partner.portal_token}",
                    "Content-Type": content_type,
                },
            )
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        return response.status_code

    async def _post_with_retry(
        self, partner: PartnerConfig, answer: PartnerAnswer, content_type: str, body: bytes
    ) -> bool:
        slug = partner.slug
        delay = self.config.answer_backoff
        attempts = max(1, self.config.answer_attempts)
        outcome: Any = None
        for attempt in range(1, attempts + 1):
            outcome = await self._post_once(partner, content_type, body)
            if isinstance(outcome, int) and outcome < 300:
                self.ledger.count(slug, "answers_sent")
                self._log(partner, answer, "sent", outcome, attempt)
                return True
            if isinstance(outcome, int) and outcome < 500 and outcome not in RETRYABLE_STATUS:
                logger.warning(
                    "%s: portal refused %s %s with HTTP %s",
                    slug,
                    answer.kind,
                    answer.document_id,
                    outcome,
                )
                break
            if attempt < attempts:
                self.ledger.count(slug, "answer_retries")
                logger.info(
                    "%s: posting %s failed (%s), retry %d in %.2fs",
                    slug,
                    answer.document_id,
                    outcome,
                    attempt,
                    delay,
                )
                await asyncio.sleep(
                    min(delay, self.config.answer_backoff_max) * random.uniform(0.5, 1.0)
                )
                delay *= 2
        self.ledger.count(slug, "answer_failures")
        self._log(partner, answer, "failed", outcome, attempt)
        return False

    def _log(
        self,
        partner: PartnerConfig,
        answer: PartnerAnswer,
        outcome: str,
        detail: Any = None,
        attempts: int = 1,
    ) -> None:
        self.log.append(
            {
                "partner": partner.slug,
                "order_number": answer.order_number,
                "kind": answer.kind,
                "document_id": answer.document_id,
                "outcome": outcome,
                "detail": detail,
                "attempts": attempts,
            }
        )
