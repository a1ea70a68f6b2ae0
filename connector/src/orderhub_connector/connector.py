"""The connector's Python API: register, sync, route, check, submit and follow orders.

:class:`Connector` ties the pieces together — config, a :class:`PracticeDataSource`, the
portal client and the state directory. The CLI is a thin layer over it; practice-software
vendors can embed it directly. Everything that touches the network goes through
``self.client``; pass ``transport=`` (or ``client=``) to point it elsewhere in tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from .client import PortalClient, json_body
from .config import ConnectorConfig
from .errors import (
    ChangeRefused,
    ConnectorError,
    FirmNotRouted,
    InterfaceNotAllowed,
    PortalProblem,
    PracticeDataError,
    RegistrationFailed,
)
from .i18n import DEFAULT_LANGUAGE, Text, text, translate
from .interface import InterfaceCheck, check_interface
from .payloads import (
    body_digest,
    build_order_payload,
    build_snapshot,
    canonical_json,
    idempotency_key,
)
from .practice import (
    LINE_KEYS,
    AttachmentRef,
    JsonFileSource,
    Order,
    OrderStatusUpdate,
    PracticeData,
    PracticeDataSource,
)
from .routing import MANUAL, SPECIFIC_INTERFACE, FirmRoute, route_firm, route_firms
from .state import TOKEN_ENV, Journal, StateFile, token_store

COUNT_KINDS = ("branches", "users", "customer_numbers")
#: Statuses after the partner answered: the order's lines carry its answer.
ANSWERED = frozenset(
    ("confirmed", "partially_confirmed", "rejected", "partially_shipped", "shipped")
)
COUNT_FIELDS = ("created", "updated", "deactivated", "unchanged")


@dataclass
class RegistrationResult:
    registration_id: str
    registration_url: str
    company_id: str | None
    browser_opened: bool = False


@dataclass
class SyncResult:
    counts: dict[str, dict[str, int]]
    conflicts: list[Any] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(
            c.get(k, 0) for c in self.counts.values() for k in ("created", "updated", "deactivated")
        )


@dataclass
class OrderResult:
    external_order_id: str
    order_id: str
    number: str | None
    status: str
    cart_url: str | None
    cart_expires_at: str | None
    issues: list[dict[str, Any]]
    idempotency_key: str
    attempts: int = 1
    browser_opened: bool = False

    @property
    def needs_cart(self) -> bool:
        return self.status == "cart"


class Connector:
    """The practice-side connector (Schnittstelle) as a library.

    ``echo`` receives progress sentences for a person, in ``language`` (``de`` or ``en``);
    errors and reasons carry both languages (``.de``, ``.en``).
    """

    def __init__(
        self,
        config: ConnectorConfig,
        source: PracticeDataSource | None = None,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        open_browser: Callable[[str], Any] | None = None,
        echo: Callable[[str], Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        today: Callable[[], dt.date] = dt.date.today,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.config = config
        self.language = language
        self.source = source or JsonFileSource(config.practice_data, config.status_path)
        self.open_browser = open_browser or _open_in_browser
        self.echo = echo or (lambda message: None)
        self.sleep = sleep
        self.today = today
        self.tokens = token_store(
            config.token_store, config.state_dir, config.portal_url, language=language
        )
        self.journal = Journal(config.state_dir)
        self.registration_state = StateFile(config.state_dir / "registration.json")
        self.watch_state = StateFile(config.state_dir / "watch.json")
        self.client = PortalClient(
            config.portal_url,
            language=language,
            token=self.api_token,
            client=client,
            transport=transport,
            timeout=config.timeout,
            retries=config.retries,
            retry_backoff=config.retry_backoff,
            sleep=sleep,
        )

    # --- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def say(self, msgid: str, /, **params: Any) -> None:
        """Tell the person watching (``echo``) one sentence, in their language."""
        self.echo(translate(msgid, self.language, **params))

    def api_token(self) -> str | None:
        """The environment variable wins, so an operator can test a token without storing it."""
        return os.environ.get(TOKEN_ENV) or self.tokens.load()

    def load(self) -> PracticeData:
        return self.source.load()

    # --- master data -------------------------------------------------------------------------

    def snapshot(self, data: PracticeData | None = None) -> dict[str, Any]:
        return build_snapshot(data or self.load())

    def register(self, *, open_browser: bool = True, force: bool = False) -> RegistrationResult:
        """Start registration, show its URL, and wait for the token (SPEC §3.1)."""
        if self.api_token() and not force:
            raise RegistrationFailed(
                text(
                    "Diese Installation ist bereits registriert. Neue Filialen oder Mitarbeiter "
                    "mit „orderhub-connector sync“ übertragen; neu registrieren nur mit --force."
                )
            )
        body = self.snapshot()
        body["software"] = {
            "name": self.config.software_name,
            "version": self.config.software_version,
        }
        body["workstation"] = self.config.workstation
        started = json_body(
            self.client.request(
                "POST", "api/v1/registrations", json=body, auth=False, expect=(200, 201)
            )
        )
        try:
            registration_id = str(started["registration_id"])
            registration_url = str(started["registration_url"])
            poll_token = str(started["poll_token"])
        except (KeyError, TypeError):
            raise RegistrationFailed(
                text("Das Portal hat eine unvollständige Registrierungsantwort geschickt."),
                details=[str(started)[:300]],
            ) from None
        self.say("Registrierung im Browser abschließen:\n  {url}", url=registration_url)
        opened = False
        if open_browser:
            opened = bool(_safe_open(self.open_browser, registration_url))
        token, company_id = self._poll_registration(
            registration_id, poll_token, started.get("expires_at")
        )
        self.tokens.save(token)
        self.registration_state.save(
            {
                "portal_url": self.config.portal_url,
                "company_id": company_id,
                "registration_id": registration_id,
                "registered_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "workstation": self.config.workstation,
            }
        )
        return RegistrationResult(registration_id, registration_url, company_id, opened)

    def _poll_registration(
        self, registration_id: str, poll_token: str, expires_at: Any
    ) -> tuple[str, str | None]:
        deadline = time.monotonic() + self.config.registration_timeout
        expiry = _parse_timestamp(expires_at)
        if expiry is not None:
            remaining = (expiry - dt.datetime.now(dt.UTC)).total_seconds()
            deadline = min(deadline, time.monotonic() + max(remaining, 0))
        interval = self.config.poll_interval
        path = f"api/v1/registrations/{registration_id}/token"
        self.say("Warte auf Abschluss der Registrierung …")
        while True:
            try:
                response = self.client.request(
                    "POST",
                    path,
                    json={"poll_token": poll_token},
                    auth=False,
                    retry=True,
                    expect=(200, 202, 410, 429),
                )
            except PortalProblem as exc:
                error = exc.problem.raw.get("error") if exc.problem.raw else None
                if error in ("authorization_pending", "slow_down"):
                    interval += 5 if error == "slow_down" else 0
                    response = None
                else:
                    summary = f"HTTP {exc.status}: {exc.problem.title} {exc.problem.detail}"
                    raise RegistrationFailed(
                        text("Die Registrierung wurde vom Portal abgelehnt."),
                        details=[summary.strip(), *exc.details],
                    ) from None
            if response is not None:
                if response.status_code == 200:
                    body = json_body(response)
                    token = body.get("api_token")
                    if not token:
                        raise RegistrationFailed(text("Das Portal hat kein API-Token geschickt."))
                    company = body.get("company_id")
                    return str(token), (str(company) if company is not None else None)
                if response.status_code == 410:
                    raise RegistrationFailed(
                        text(
                            "Die Registrierung ist abgelaufen oder ihr Token wurde bereits "
                            "abgeholt. Bitte „orderhub-connector register“ erneut ausführen."
                        )
                    )
                if response.status_code == 429:
                    interval += 5
                else:
                    body = json_body(response)
                    if isinstance(body, dict) and body.get("interval"):
                        interval = max(interval, float(body["interval"]))
            if time.monotonic() + interval > deadline:
                raise RegistrationFailed(
                    text("Die Registrierung wurde nicht rechtzeitig im Browser abgeschlossen.")
                )
            self.sleep(interval)

    def sync(self) -> SyncResult:
        """Send the full snapshot (SPEC §3.2); the portal upserts and reports counts."""
        body = json_body(
            self.client.request("PUT", "api/v1/masterdata", json=self.snapshot(), retry=True)
        )
        counts = {
            kind: {f: int((body.get(kind) or {}).get(f, 0)) for f in COUNT_FIELDS}
            for kind in COUNT_KINDS
        }
        return SyncResult(counts=counts, conflicts=list(body.get("conflicts") or []), raw=body)

    # --- routing and the interface check -----------------------------------------------------

    def partners(self) -> dict[str, dict[str, Any]]:
        """Partner slugs the portal knows (public list, all pages)."""
        items = self._all_pages("api/v1/partners", auth=False)
        return {str(item.get("id")): item for item in items}

    def routes(
        self, *, check_partners: bool = False, data: PracticeData | None = None
    ) -> list[FirmRoute]:
        data = data or self.load()
        known = self.partners() if check_partners else None
        return route_firms(data.firms, known_partners=known, branch_names=data.branch_names)

    def check(
        self,
        branch: str | None,
        workstation: str | None = None,
        on_date: dt.date | None = None,
        *,
        interface: str | None = None,
        branch_names: dict[str, str] | None = None,
    ) -> InterfaceCheck:
        settings = [self.config.interface(interface)] if interface else self.config.interfaces
        return check_interface(
            settings,
            branch=branch,
            workstation=workstation or self.config.workstation,
            on_date=on_date or self.today(),
            branch_names=branch_names,
        )

    # --- orders ------------------------------------------------------------------------------

    def prepare_order(
        self, order_id: str, data: PracticeData | None = None, *, upload: bool = False
    ) -> tuple[dict[str, Any], str, FirmRoute]:
        """Body, idempotency key and route of a practice order — refusing what must not go;
        ``upload``: its files are uploaded first and named by their ids (see
        :meth:`upload_attachments`)."""
        data = data or self.load()
        order = data.order(order_id)
        firm = data.firm(order.firm_id)
        route = route_firm(firm, branch_names=data.branch_names)
        if not route.via_orderhub:
            where = {
                SPECIFIC_INTERFACE: text("über die firmenspezifische Schnittstelle"),
                MANUAL: text("von Hand"),
            }[route.destination]
            raise FirmNotRouted(
                text(
                    "Bestellung {order} wird nicht über OrderHub bestellt: Firma „{firm}“ "
                    "bestellt {where}. {reason}",
                    order=order.id,
                    firm=firm.name,
                    where=where,
                    reason=route.reason,
                ),
                route=route,
                details=[Text(w.de, w.en) for w in route.warnings],
            )
        check = self.check(order.branch_id, branch_names=data.branch_names)
        if not check.allowed:
            raise InterfaceNotAllowed(
                text(
                    "Die Schnittstelle darf hier nicht verwendet werden (Filiale {branch}, "
                    "Rechner {workstation}).",
                    branch=order.branch_id,
                    workstation=check.workstation,
                ),
                check=check,
                details=[Text(r.de, r.en) for r in check.reasons],
            )
        body = build_order_payload(order, firm, self.upload_attachments(order) if upload else None)
        return body, idempotency_key(self.config.portal_url, order.id, body), route

    def upload_attachments(self, order: Order) -> dict[AttachmentRef, str]:
        """Upload the files an order names (issue 17; ``POST /api/v1/attachments``, multipart)
        and return the portal's id of each. A file uploaded before (same SHA-256 to the same
        portal, journaled) is not uploaded again: its id is reused, so a retried order has the
        same body and the same Idempotency-Key."""
        refs = [*order.attachments, *(ref for line in order.lines for ref in line.attachments)]
        if not refs:
            return {}
        known = {
            (e.get("portal_url"), e.get("sha256")): e.get("attachment_id")
            for e in self.journal.entries()
            if e.get("event") == "uploaded"
        }
        ids: dict[AttachmentRef, str] = {}
        for ref in refs:
            if ref in ids:
                continue
            if ref.tracking_number:
                content, name, fields = None, "", {"text": ref.tracking_number}
                digest = hashlib.sha256(f"tracking:{ref.tracking_number}".encode()).hexdigest()
            else:
                with open(ref.file or "", "rb") as fh:
                    content = fh.read()
                name, fields = os.path.basename(ref.file or ""), {"kind": ref.kind or ""}
                digest = hashlib.sha256(content).hexdigest()
            reused = known.get((self.config.portal_url, digest))
            if reused:
                ids[ref] = reused
                continue
            response = self.client.request(
                "POST",
                "api/v1/attachments",
                files={"file": (name, content)} if content is not None else None,
                data={k: v for k, v in fields.items() if v},
                retry=True,
                expect=(201,),
            )
            attachment_id = str(json_body(response)["id"])
            self.journal.append(
                "uploaded",
                external_order_id=order.id,
                portal_url=self.config.portal_url,
                sha256=digest,
                attachment_id=attachment_id,
            )
            ids[ref] = attachment_id
        return ids

    def submit_order(self, order_id: str, *, open_browser: bool = True) -> OrderResult:
        """Submit one practice order (SPEC §3.6), safely retryable.

        The key is journaled before the first byte leaves; transport failures are retried with
        the same key, so a lost answer never turns into a second order.
        """
        self.client.auth_headers()  # not registered: say so before journaling an attempt
        body, key, _route = self.prepare_order(order_id, upload=True)
        # Sent before (an earlier run, perhaps one whose answer was lost)? Then the portal answers
        # as it did the first time (SPEC §3.6), which may be long out of date.
        sent_before = any(
            e.get("idempotency_key") == key and e.get("event") == "prepared"
            for e in self.journal.entries()
        )
        self.journal.append(
            "prepared",
            external_order_id=order_id,
            idempotency_key=key,
            portal_url=self.config.portal_url,
            body_sha256=body_digest(body),
        )
        attempts = 1

        def announce_retry(attempt: int) -> None:
            nonlocal attempts
            attempts = attempt
            self.say(
                "Keine Antwort vom Portal, Versuch {attempt} mit demselben Idempotency-Key …",
                attempt=attempt,
            )

        try:
            response = self.client.request(
                "POST",
                "api/v1/orders",
                json=body,
                headers={"Idempotency-Key": key},
                retry=True,
                expect=(200, 201),
                on_retry=announce_retry,
            )
        except Exception as exc:
            self.journal.append(
                "failed",
                external_order_id=order_id,
                idempotency_key=key,
                error=type(exc).__name__,
                message=str(exc),
            )
            raise
        answer = json_body(response)
        result = OrderResult(
            external_order_id=order_id,
            order_id=str(answer.get("id")),
            number=answer.get("number"),
            status=str(answer.get("status")),
            cart_url=answer.get("cart_url"),
            cart_expires_at=answer.get("cart_expires_at"),
            issues=list(answer.get("issues") or []),
            idempotency_key=key,
            attempts=attempts,
        )
        self.journal.append(
            "answered",
            external_order_id=order_id,
            idempotency_key=key,
            http_status=response.status_code,
            order_id=result.order_id,
            number=result.number,
            status=result.status,
            cart_url=result.cart_url,
        )
        update = OrderStatusUpdate(
            external_order_id=order_id,
            order_id=result.order_id,
            number=result.number,
            status=result.status,
            updated_at=answer.get("updated_at"),
            cart_url=result.cart_url,
            cart_expires_at=result.cart_expires_at,
            issues=tuple(result.issues),
        )
        if sent_before or attempts > 1:
            # A repeated answer: hand over (and report) the order as it is now, so a shipped
            # order is not set back to "queued" and a cart already ordered is not reopened.
            current = self._current_state(result.order_id, order_id)
            if current is not None:
                update = current
                result.status, result.cart_url = current.status, current.cart_url
                result.cart_expires_at = current.cart_expires_at
                result.issues = list(current.issues)
        self._hand_over([update])
        if result.needs_cart and result.cart_url and open_browser:
            result.browser_opened = bool(_safe_open(self.open_browser, result.cart_url))
        return result

    def order_status(self, order_id: str) -> dict[str, Any]:
        """One order as the portal has it; accepts a practice order id or a portal id."""
        portal_id = self.journal.portal_id_for(order_id) or order_id
        response = self.client.request("GET", f"api/v1/orders/{portal_id}", retry=True)
        order: dict[str, Any] = json_body(response)
        return order

    def list_orders(self, *, limit: int = 100) -> list[dict[str, Any]]:
        return self._all_pages("api/v1/orders", limit=limit)

    def poll_updates(self) -> list[OrderStatusUpdate]:
        """One round of ``watch``: fetch changes since last time and hand them to the source.

        The cursor advances only after the source accepted the updates (at-least-once). Items
        already handed over at the same ``updated_at`` are skipped, so a portal that filters
        ``updated_at >= updated_since`` does not produce repeats.
        """
        state = self.watch_state.load()
        since = state.get("updated_since")
        seen = set(state.get("seen", []))
        params = {"updated_since": since} if since else {}
        items = self._all_pages("api/v1/orders", params=params)

        newest, newest_key = since, _ts_key(since)
        at_newest = set(seen)
        updates: list[OrderStatusUpdate] = []
        for item in items:
            order_id = str(item.get("id"))
            stamp = item.get("updated_at")
            marker = f"{order_id}@{stamp}"
            if marker in seen:
                continue
            external = item.get("external_order_id") or self.journal.external_id_for(order_id)
            if item.get("status") in ANSWERED and "lines" not in item:
                # The list carries no lines; the practice software needs the line answers and
                # serial numbers, so an answered order is fetched whole.
                item = self._current_item(order_id) or item
            updates.append(_update_from_item(item, external))
            key = _ts_key(stamp)
            if key is not None and (newest_key is None or key > newest_key):  # stamp is set
                newest, newest_key, at_newest = stamp, key, {marker}
            elif key is not None and key == newest_key:
                at_newest.add(marker)
        if updates:
            self.source.write_status(updates)
            self.watch_state.save({"updated_since": newest, "seen": sorted(at_newest)})
        return updates

    def receive(
        self,
        order_id: str,
        *,
        scans: Sequence[str] = (),
        lines: Sequence[str] = (),
        shipment: str | None = None,
        note: str = "",
        complete: bool = False,
        received_by: str | None = None,
        client_id: str | None = None,
    ) -> dict[str, Any]:
        """Book a goods receipt (``POST /api/v1/orders/{id}/receipts``) and return it.

        ``scans`` are GS1 scans as the scanner sent them (GS may be written ``<GS>``); ``lines``
        are ``POS=QTY``. The Idempotency-Key is derived from the order and the receipt, so the
        same command again books nothing twice; ``client_id`` overrides it (an identical second
        receipt). Accepts a practice order id (through the journal) or a portal id.
        """
        body: dict[str, Any] = {
            "lines": [_receipt_line(text) for text in lines],
            "scans": list(scans),
            "complete": complete,
        }
        if not body["lines"] and not body["scans"] and not complete:
            raise PracticeDataError(text("Nichts zu buchen: bitte --scan oder --line angeben."))
        if shipment:
            body["shipment"] = shipment
        if note:
            body["note"] = note
        if received_by:
            body["received_by"] = received_by
        portal_id = self.journal.portal_id_for(order_id) or order_id
        key = client_id or receipt_key(self.config.portal_url, portal_id, body)
        response = self.client.request(
            "POST",
            f"api/v1/orders/{portal_id}/receipts",
            json=body,
            headers={"Idempotency-Key": key},
            retry=True,
            expect=(200, 201),
        )
        receipt: dict[str, Any] = json_body(response)
        receipt["booked_before"] = response.status_code == 200
        return receipt

    def change(
        self,
        order_id: str,
        *,
        lines: Sequence[str] = (),
        dates: Sequence[str] = (),
        remove: Sequence[str] = (),
        cancel: bool = False,
        note: str = "",
        client_id: str | None = None,
        both_sides: bool = False,
    ) -> dict[str, Any]:
        """Ask the partner to change or cancel a sent order (``POST /api/v1/orders/{id}/changes``)
        and return the change (``sequence``, ``number``, ``status`` …, ``asked_before``).

        ``lines`` are ``POS=QTY``, ``dates`` ``POS=YYYY-MM-DD``, ``remove`` positions; ``cancel``
        cancels the whole order (nothing else may be given). The Idempotency-Key is derived from
        the order and the request, so the same command again asks nothing twice; ``client_id``
        overrides it (the same change asked again after a refusal). A refusal by the portal (409
        with a code: shipped, an open change …) raises :class:`ChangeRefused` with the portal's
        German and English sentence. Accepts a practice order id (journal) or a portal id.
        ``both_sides``: a line's change goes to the other side of its binaural pair too
        (``apply_to_pair``); without it the answer's ``pair_hints`` name a side left as it is.
        """
        body = change_body(lines=lines, dates=dates, remove=remove, cancel=cancel, note=note)
        if both_sides and not cancel:
            body["apply_to_pair"] = True
        portal_id = self.journal.portal_id_for(order_id) or order_id
        key = client_id or change_key(self.config.portal_url, portal_id, body)
        try:
            response = self.client.request(
                "POST",
                f"api/v1/orders/{portal_id}/changes",
                json=body,
                headers={"Idempotency-Key": key},
                retry=True,
                expect=(200, 201),
            )
        except PortalProblem as exc:
            raw = exc.problem.raw
            if exc.status == 409 and isinstance(raw.get("code"), str) and raw.get("message"):
                raise ChangeRefused(
                    raw["code"], str(raw["message"]), str(raw.get("message_en") or raw["message"])
                ) from None
            raise
        change: dict[str, Any] = json_body(response)
        change["asked_before"] = response.status_code == 200
        return change

    # --- helpers -----------------------------------------------------------------------------

    def _current_item(self, portal_id: str) -> dict[str, Any] | None:
        """The order as the portal has it now (``GET /api/v1/orders/{id}``), or None."""
        try:
            item = json_body(self.client.request("GET", f"api/v1/orders/{portal_id}", retry=True))
        except ConnectorError:
            return None
        if not isinstance(item, dict) or str(item.get("id")) != str(portal_id):
            return None
        return item

    def _current_state(self, portal_id: str, external_id: str) -> OrderStatusUpdate | None:
        """The order as the portal has it now, or None if that cannot be fetched."""
        item = self._current_item(portal_id)
        if item is None:
            return None
        return _update_from_item(item, item.get("external_order_id") or external_id)

    def _all_pages(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        seen_cursors: set[str] = set()
        while True:
            query = dict(params or {})
            if cursor:
                query["cursor"] = cursor
            body = json_body(self.client.request("GET", path, params=query, auth=auth, retry=True))
            if isinstance(body, list):  # tolerate an unpaginated list
                items.extend(body)
                break
            items.extend(body.get("items") or [])
            cursor = body.get("next_cursor")
            if not cursor or cursor in seen_cursors or (limit and len(items) >= limit):
                break
            seen_cursors.add(cursor)
        return items[:limit] if limit else items

    def _hand_over(self, updates: list[OrderStatusUpdate]) -> None:
        try:
            self.source.write_status(updates)
        except (PracticeDataError, OSError) as exc:
            self.say(
                "Warnung: Status konnte nicht an die Praxissoftware übergeben werden: {error}",
                error=exc,
            )


def _receipt_line(value: str) -> dict[str, Any]:
    """``POS=QTY`` (``2=1``, ``3=0.5``, ``1=2,5``) as a receipt line."""
    position, sep, quantity = value.partition("=")
    quantity = quantity.strip().replace(",", ".")
    try:
        pos = int(position)
        if not sep or pos < 1 or float(quantity) < 0:
            raise ValueError(value)
    except ValueError:
        raise PracticeDataError(
            text("„{value}“ ist keine Angabe POSITION=MENGE (z. B. 2=1).", value=value)
        ) from None
    return {"position": pos, "quantity": quantity}


def _position(value: str, what: Text) -> int:
    try:
        position = int(value.strip())
        if position < 1:
            raise ValueError(value)
    except ValueError:
        raise PracticeDataError(
            text("„{value}“ ist keine Position ({what}).", value=value, what=what)
        ) from None
    return position


def change_body(
    *,
    lines: Sequence[str] = (),
    dates: Sequence[str] = (),
    remove: Sequence[str] = (),
    cancel: bool = False,
    note: str = "",
) -> dict[str, Any]:
    """The body of ``POST /api/v1/orders/{id}/changes`` from the command line's values: one entry
    per position (new quantity and/or date, or removed), sorted by position."""
    if cancel:
        if lines or dates or remove:
            raise PracticeDataError(
                text(
                    "--cancel storniert die ganze Bestellung: bitte ohne --line, --date, --remove."
                )
            )
        body: dict[str, Any] = {"kind": "cancel"}
        if note:
            body["note"] = note
        return body
    by_position: dict[int, dict[str, Any]] = {}

    def entry(position: int) -> dict[str, Any]:
        return by_position.setdefault(position, {"position": position})

    for value in lines:
        position_text, sep, quantity = value.partition("=")
        quantity = quantity.strip().replace(",", ".")
        try:
            if not sep or float(quantity) <= 0:
                raise ValueError(value)
        except ValueError:
            raise PracticeDataError(
                text(
                    "„{value}“ ist keine Angabe POSITION=MENGE (z. B. 2=3), die Menge größer als 0.",
                    value=value,
                )
            ) from None
        item = entry(_position(position_text, text("POSITION=MENGE")))
        if "quantity" in item:
            raise PracticeDataError(
                text("Pos. {position} hat zweimal --line.", position=item["position"])
            )
        item["quantity"] = quantity
    for value in dates:
        position_text, sep, day = value.partition("=")
        try:
            if not sep:
                raise ValueError(value)
            parsed = dt.date.fromisoformat(day.strip())
        except ValueError:
            raise PracticeDataError(
                text(
                    "„{value}“ ist keine Angabe POSITION=JJJJ-MM-TT (z. B. 2=2026-03-31).",
                    value=value,
                )
            ) from None
        item = entry(_position(position_text, text("POSITION=JJJJ-MM-TT")))
        if "delivery_date" in item:
            raise PracticeDataError(
                text("Pos. {position} hat zweimal --date.", position=item["position"])
            )
        item["delivery_date"] = parsed.isoformat()
    for value in remove:
        item = entry(_position(value, Text("--remove POSITION", "--remove POSITION")))
        if len(item) > 1:
            raise PracticeDataError(
                text(
                    "Pos. {position}: entweder --remove oder --line/--date.",
                    position=item["position"],
                )
            )
        item["remove"] = True
    if not by_position:
        raise PracticeDataError(
            text("Nichts zu ändern: bitte --line, --date, --remove oder --cancel angeben.")
        )
    body = {"kind": "change", "lines": [by_position[p] for p in sorted(by_position)]}
    if note:
        body["note"] = note
    return body


def change_key(portal_url: str, order_id: str, body: dict[str, Any]) -> str:
    """The Idempotency-Key of a change: the same change of the same order, the same key."""
    material = "\n".join(
        ["orderhub-connector/change/v1", portal_url.rstrip("/"), order_id, canonical_json(body)]
    )
    return "ohx-" + hashlib.sha256(material.encode("utf-8")).hexdigest()


def receipt_key(portal_url: str, order_id: str, body: dict[str, Any]) -> str:
    """The Idempotency-Key of a goods receipt: the same receipt of the same order, the same key."""
    material = "\n".join(
        ["orderhub-connector/receipt/v1", portal_url.rstrip("/"), order_id, canonical_json(body)]
    )
    return "ohr-" + hashlib.sha256(material.encode("utf-8")).hexdigest()


def _update_from_item(item: dict[str, Any], external_id: str | None) -> OrderStatusUpdate:
    """An order of ``GET /api/v1/orders[/{id}]`` as an update for the practice software."""
    return OrderStatusUpdate(
        external_order_id=external_id,
        order_id=str(item.get("id")),
        number=item.get("number"),
        status=str(item.get("status")),
        updated_at=item.get("updated_at"),
        cart_url=item.get("cart_url"),
        cart_expires_at=item.get("cart_expires_at"),
        issues=tuple(item.get("issues") or ()),
        tracking_numbers=tuple(item.get("tracking_numbers") or ()),
        carrier=item.get("carrier"),
        delivery_date=item.get("delivery_date"),
        lines=tuple(
            {key: line.get(key) for key in LINE_KEYS}
            for line in item.get("lines") or ()
            if isinstance(line, dict) and not line.get("removed")
        ),
    )


def _open_in_browser(url: str) -> bool:
    return webbrowser.open(url)


def _safe_open(opener: Callable[[str], Any], url: str) -> bool:
    try:
        return bool(opener(url))
    except Exception:  # no browser on this machine: the URL was printed anyway
        return False


def _parse_timestamp(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _ts_key(value: Any) -> tuple[float, str] | None:
    """Order timestamps by instant where parseable, by text otherwise."""
    if not value:
        return None
    parsed = _parse_timestamp(value)
    return (parsed.timestamp() if parsed else 0.0, str(value))
