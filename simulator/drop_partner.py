"""The EDIFACT partner: picks up ORDERS files from a drop directory, like an EDI clearing job.

Layout per partner (created at start)::

    <drop_root>/<slug>/out/            OrderHub writes ORDERS here (*.edi; *.tmp while writing)
    <drop_root>/<slug>/out/processed/  files the partner has read
    <drop_root>/<slug>/out/failed/     files it could not read (plus <name>.error.txt)
    <drop_root>/<slug>/in/             the partner's ORDRSP / DESADV answers for OrderHub

Only finished files (``*.edi``) are picked up; a writer renames its ``*.tmp`` when complete.
An openTRANS RECEIPTACKNOWLEDGEMENT (``*.xml``, what an SFTP partner with openTRANS files gets
when the practice books a goods receipt; EDIFACT partners get none) is validated, recorded per
receipt number and moved to ``processed`` too.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from orderhub.formats import FormatError
from orderhub.formats.edifact.partner import parse_ordchg, parse_orders
from orderhub.formats.opentrans.partner import parse_receipt_acknowledgement
from orderhub.formats.opentrans.schema import validate

from .config import PartnerConfig

if TYPE_CHECKING:  # pragma: no cover
    from .server import Simulator

logger = logging.getLogger("simulator.drop")

#: On receive there is nothing to fail; "malformed" makes the partner write a broken answer.
DROP_FAULT_MODES = ("malformed",)


def prepare(drop_root: Path, partner: PartnerConfig) -> None:
    for sub in ("out/processed", "out/failed", "in"):
        (drop_root / partner.slug / sub).mkdir(parents=True, exist_ok=True)


def _move(source: Path, directory: Path) -> Path:
    """Move into ``directory`` without overwriting an earlier file of the same name."""
    target = directory / source.name
    counter = 1
    while target.exists():
        target = directory / f"{source.stem}.{counter}{source.suffix}"
        counter += 1
    os.replace(source, target)
    return target


class DropWatcher:
    def __init__(self, simulator: Simulator, drop_root: Path, partners: list[PartnerConfig]):
        self.sim = simulator
        self.drop_root = drop_root
        self.partners = partners
        self._stop = threading.Event()
        self._scan_lock = threading.Lock()  # the poll thread and scan() callers take turns
        self._thread = threading.Thread(target=self._run, name="simulator-drop", daemon=True)

    def start(self) -> None:
        for partner in self.partners:
            prepare(self.drop_root, partner)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _run(self) -> None:
        interval = self.sim.config.drop_poll_interval
        while not self._stop.is_set():
            for partner in self.partners:
                try:
                    self.scan(partner)
                except Exception:
                    logger.exception("%s: scanning the drop directory failed", partner.slug)
            self._stop.wait(interval)

    def scan(self, partner: PartnerConfig) -> int:
        """Process every finished ORDERS (ORDCHG, RECEIPTACKNOWLEDGEMENT) file once; returns how
        many were picked up."""
        out = self.drop_root / partner.slug / "out"
        try:
            entries = sorted(
                entry
                for entry in out.iterdir()
                if entry.is_file() and entry.suffix.lower() in (".edi", ".xml")
            )
        except FileNotFoundError:
            prepare(self.drop_root, partner)
            return 0
        with self._scan_lock:
            for path in entries:
                self._pick_up(partner, path)
        return len(entries)

    def _pick_up(self, partner: PartnerConfig, path: Path) -> None:
        sim = self.sim
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return  # taken away meanwhile
        if path.suffix.lower() == ".xml":  # a goods-receipt acknowledgement (issue 16)
            try:
                validate(data)
                receipt = parse_receipt_acknowledgement(data)
            except FormatError as exc:
                sim.ledger.count(partner.slug, "rejected")
                failed = _move(path, path.parent / "failed")
                failed.with_name(failed.name + ".error.txt").write_text(f"{exc}\n", "utf-8")
                return
            _move(path, path.parent / "processed")
            sim.receive_receipt(partner, receipt)
            return
        if b"ORDCHG" in data[:300]:  # an order change (issue 16)
            try:
                change = parse_ordchg(data)
            except FormatError as exc:
                sim.ledger.count(partner.slug, "rejected")
                failed = _move(path, path.parent / "failed")
                failed.with_name(failed.name + ".error.txt").write_text(f"{exc}\n", "utf-8")
                return
            _move(path, path.parent / "processed")
            sim.receive_change(partner, change)
            return
        try:
            order = parse_orders(data)
        except FormatError as exc:
            sim.ledger.count(partner.slug, "rejected")
            failed = _move(path, path.parent / "failed")
            failed.with_name(failed.name + ".error.txt").write_text(f"{exc}\n", encoding="utf-8")
            logger.warning(
                "%s: %s is not a readable ORDERS message: %s", partner.slug, path.name, exc
            )
            return
        fault = sim.controls.draw_fault(partner.slug, DROP_FAULT_MODES)
        if fault:
            sim.ledger.fault(partner.slug, fault)
        _move(path, path.parent / "processed")
        first = sim.receive_order(partner, order, malformed=fault == "malformed")
        logger.info(
            "%s: picked up %s, order %s (%s)",
            partner.slug,
            path.name,
            order.order_number,
            "new" if first else "duplicate",
        )
