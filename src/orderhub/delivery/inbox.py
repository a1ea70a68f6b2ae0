"""Picking up EDIFACT answers (ORDRSP, DESADV) that partners drop into ``<root>/<partner>/in``.

A file is one interchange and is applied all or nothing (:func:`inbound.apply_interchange`, the
rule of the partner API too): a refused file goes to ``failed/`` with a ``.error.txt`` and has
changed nothing; an applied one goes to ``processed/``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.db import DataError, IntegrityError

from orderhub.core.actors import Actor
from orderhub.core.problems import Problem
from orderhub.delivery.channels.edifact_drop import drop_root
from orderhub.delivery.inbound import MAX_DOCUMENT_BYTES, apply_change_reply, apply_interchange
from orderhub.formats import FormatError, change_answers
from orderhub.formats.edifact.answer_reader import parse_answers
from orderhub.partners.models import Partner

logger = logging.getLogger(__name__)


def inbox_dir(partner: Partner) -> Path:
    config = partner.channel_config or {}
    return drop_root(config) / config.get("partner_dir", "") / "in"


def _move(path: Path, folder: str, note: str = "") -> None:
    target = path.parent / folder
    target.mkdir(exist_ok=True)
    os.replace(path, target / path.name)
    if note:
        (target / f"{path.name}.error.txt").write_text(note, encoding="utf-8")


LINK_REFUSED = (
    "symbolic links are not read: put the file itself into the directory "
    "(symbolische Links werden nicht gelesen: bitte die Datei selbst ablegen)"
)
MAX_FILE_BYTES = MAX_DOCUMENT_BYTES  # as the partner API's


def _read(path: Path) -> bytes:
    """The file's bytes, refusing a link swapped in since the listing (O_NOFOLLOW) and oversize files."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{size} bytes, more than the {MAX_FILE_BYTES} bytes accepted")
        return fh.read()


def pick_up(partner: Partner) -> dict[str, int]:
    counts = {"applied": 0, "duplicates": 0, "failed": 0}
    folder = inbox_dir(partner)
    if not folder.is_dir():
        return counts
    files = []
    for p in folder.iterdir():
        if p.suffix.lower() not in {".edi", ".edifact", ".txt"} or p.name.startswith("."):
            continue
        if p.is_symlink():  # never read what a link points to (it may be any file of this machine)
            logger.warning("EDIFACT inbox %s: symbolic link %s moved aside unread", folder, p.name)
            _move(p, "failed", LINK_REFUSED)
            counts["failed"] += 1
        elif p.is_file():
            files.append(p)
    # In the order the partner wrote them: an order response before the dispatch notice after it.
    for path in sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name)):
        try:
            data = _read(path)
        except (OSError, ValueError) as exc:
            logger.warning("EDIFACT inbox: %s not read: %s", path, exc)
            _move(path, "failed", f"not read: {exc}")
            counts["failed"] += 1
            continue
        try:
            # The same rule as the partner API: all or nothing per interchange (see inbound).
            reply = change_answers.read_change_reply("edifact", data)  # issue 16
            if reply is not None:
                results = [
                    apply_change_reply(
                        partner,
                        reply,
                        fmt="edifact",
                        raw=data,
                        content_type="application/edifact",
                        actor=Actor.partner(partner.name, "drop"),
                    )
                ]
            else:
                answers = parse_answers(data)
                results = apply_interchange(
                    partner,
                    answers,
                    fmt="edifact",
                    raw=data,
                    content_type="application/edifact",
                    actor=Actor.partner(partner.name, "drop"),
                )
        except (FormatError, Problem) as exc:
            logger.warning("EDIFACT answer %s refused: %s", path, exc)
            _move(path, "failed", str(exc))
            counts["failed"] += 1
            continue
        except (DataError, IntegrityError, ValueError, ArithmeticError) as exc:
            # The document's values, not an outage (those propagate to the worker's retry loop):
            # this file goes aside, the next one is read.
            logger.exception("EDIFACT answer %s could not be applied", path)
            _move(path, "failed", f"could not be applied: {exc}")
            counts["failed"] += 1
            continue
        for r in results:
            counts["applied" if r.applied else "duplicates"] += 1
        _move(path, "processed")
    return counts


def pick_up_all() -> dict[str, int]:
    total = {"applied": 0, "duplicates": 0, "failed": 0}
    for partner in Partner.objects.filter(channel=Partner.Channel.EDIFACT, is_active=True):
        for k, v in pick_up(partner).items():
            total[k] += v
    return total
