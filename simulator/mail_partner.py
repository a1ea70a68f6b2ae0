"""The e-mail partner: a real SMTP server (aiosmtpd) in front of partner mailboxes.

Each accepted message is stored as an .eml file in a maildir-like folder
(``<mail_root>/<slug>/new/``) and in memory. The order number comes from the machine-readable
attachment — openTRANS XML (``*.xml``, ``application/xml``) or partner JSON (``*.json``).
A message without a readable order attachment is refused with ``550`` so the sender notices.

Which partner a message is for: the recipient address equals the partner's mailbox address,
or its local part or first domain label is the partner's slug; with a single e-mail partner,
every recipient reaches it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import itertools
import logging
import os
import socket
import struct
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller

from orderhub.formats import FormatError, partner_json
from orderhub.formats.opentrans.partner import parse_order, parse_order_change

from .config import PartnerConfig

if TYPE_CHECKING:  # pragma: no cover
    from .server import Simulator

logger = logging.getLogger("simulator.mail")

MAIL_FAULT_MODES = ("5xx", "timeout", "reset", "reset_after", "slow", "malformed")
TEMPORARY_FAILURE = "451 4.3.0 Temporary local problem (simulated), try again later"


class PortPickingController(Controller):
    """aiosmtpd's threaded controller, able to listen on port 0 and report the port it got."""

    def _create_server(self):
        async def create():
            server = await self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
            )
            self.port = server.sockets[0].getsockname()[1]
            return server

        return create()


def mail_partner_for(partners: list[PartnerConfig], address: str) -> PartnerConfig | None:
    address = address.strip().strip("<>").lower()
    local, _, domain = address.partition("@")
    for partner in partners:
        if address == partner.mailbox_address or partner.slug.lower() in (
            local,
            domain.split(".")[0],
        ):
            return partner
    return partners[0] if len(partners) == 1 else None


def read_order(message: email.message.Message) -> tuple[Any, list[dict[str, Any]], str | None]:
    """(order or None, attachment descriptions, why no order was found)."""
    attachments = []
    order, problem = None, "no openTRANS XML or JSON order attachment found"
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        content_type = part.get_content_type()
        if not filename and part.get_content_disposition() != "attachment":
            continue  # the message text
        payload = part.get_payload(decode=True) or b""
        attachments.append(
            {"filename": filename, "content_type": content_type, "size": len(payload)}
        )
        if order is not None:
            continue
        name = (filename or "").lower()
        try:
            if content_type in ("application/xml", "text/xml") or name.endswith(".xml"):
                order = parse_order(payload)
            elif content_type == "application/json" or name.endswith(".json"):
                order = partner_json.parse_order(payload)
        except FormatError as exc:
            problem = f"attachment {filename or content_type} is not a readable order: {exc}"
    return order, attachments, (None if order is not None else problem)


def read_change(message: email.message.Message) -> Any:
    """The ORDERCHANGE attached to a change mail, or None."""
    for part in message.walk():
        name = (part.get_filename() or "").lower()
        if name.endswith(".xml"):
            try:
                return parse_order_change(part.get_payload(decode=True) or b"")
            except FormatError:
                return None
    return None


class MailboxHandler:
    def __init__(self, simulator: Simulator, mail_root: Path):
        self.sim = simulator
        self.mail_root = mail_root
        self._sequence = itertools.count(1)

    def _partner(self, address: str) -> PartnerConfig | None:
        return mail_partner_for(self.sim.config.partners_of("email"), address)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._partner(address) is None:
            return "550 5.1.1 No such partner mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        sim = self.sim
        partner = self._partner(envelope.rcpt_tos[0])
        assert partner is not None  # RCPT let only known mailboxes through
        settings = sim.controls.settings
        fault = sim.controls.draw_fault(partner.slug, MAIL_FAULT_MODES)
        if fault:
            sim.ledger.fault(partner.slug, fault)
            logger.info("%s: fault %s", partner.slug, fault)
        if fault == "5xx":
            return TEMPORARY_FAILURE
        if fault == "timeout":
            await asyncio.sleep(settings.timeout_hold)
            return TEMPORARY_FAILURE
        if fault == "reset":
            self._drop(server)
            return TEMPORARY_FAILURE  # never reaches the client
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if message.get("X-OrderHub-Change"):  # an order change (issue 16): its ORDERCHANGE
            change = read_change(message)
            if change is None:
                sim.ledger.count(partner.slug, "rejected")
                return "550 5.6.0 no readable ORDERCHANGE attachment"
            self._store(partner, raw)
            sim.receive_change(partner, change)
            return "250 2.0.0 Change received"
        order, attachments, problem = read_order(message)
        if order is None:
            sim.ledger.count(partner.slug, "rejected")
            logger.warning("%s: refused message: %s", partner.slug, problem)
            return f"550 5.6.0 {problem}"
        if fault == "slow":
            await asyncio.sleep(settings.slow_delay)
        path = self._store(partner, raw)
        sim.record_message(
            partner.slug,
            {
                "order_number": order.order_number,
                "subject": str(message.get("Subject", "")),
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "attachments": attachments,
                "path": str(path),
            },
        )
        first = sim.receive_order(partner, order, malformed=fault == "malformed")
        logger.info(
            "%s: mail with order %s (%s)",
            partner.slug,
            order.order_number,
            "new" if first else "duplicate",
        )
        if fault == "reset_after":
            self._drop(server)
        return "250 2.0.0 Order received"

    def _store(self, partner: PartnerConfig, raw: bytes) -> Path:
        """Maildir style: write into tmp/, then rename into new/."""
        folder = self.mail_root / partner.slug
        (folder / "tmp").mkdir(parents=True, exist_ok=True)
        (folder / "new").mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}.{next(self._sequence)}.simulator.eml"
        temporary = folder / "tmp" / name
        temporary.write_bytes(raw)
        final = folder / "new" / name
        os.replace(temporary, final)
        return final

    @staticmethod
    def _drop(server) -> None:
        transport = server.transport
        if transport is None:
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        transport.abort()


def start_smtp(
    simulator: Simulator, mail_root: Path, host: str, port: int
) -> PortPickingController:
    controller = PortPickingController(
        MailboxHandler(simulator, mail_root),
        hostname=host,
        port=port,
        server_hostname="simulator.localhost",
        data_size_limit=simulator.config.max_body_bytes,
    )
    controller.start()
    return controller
