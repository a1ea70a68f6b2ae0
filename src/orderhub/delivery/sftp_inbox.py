"""Picking up answers (ORDRSP, DESADV, openTRANS ORDERRESPONSE/DISPATCHNOTIFICATION) from SFTP
partners' outbox directories; the SFTP counterpart of :mod:`orderhub.delivery.inbox`.

Every answer goes through :func:`orderhub.delivery.inbound.apply_answer`, the function the drop
directory and the partner API use, so a document is applied once however often it is read. A
file that answers an order change (issue 16: an ORDRSP with ``RFF+ON:<order>::<n>``, an openTRANS
ORDERRESPONSE naming ``ORDERCHANGE_SEQUENCE_ID``) goes through
:func:`orderhub.delivery.inbound.apply_change_reply`, as in the drop directory. One
file is one unit: all its messages are applied or none (one transaction); then it is moved to the
done folder. A file that cannot be read or applied is moved to the error folder with a
``<name>.error.txt`` beside it, and the next file is read as if nothing happened. A file that
failed for a reason outside it (the database) stays where it is for the next round.
"""

from __future__ import annotations

import logging
import posixpath
import time

import asyncssh
from django.db import transaction

from orderhub.core.actors import Actor
from orderhub.core.problems import Problem
from orderhub.delivery.channels import sftp
from orderhub.delivery.inbound import (
    CHANGE_RESPONSE,
    MAX_DOCUMENT_BYTES,
    apply_answer,
    apply_change_reply,
    parse,
)
from orderhub.formats import FormatError, change_answers
from orderhub.formats.change_answers import ChangeReply
from orderhub.formats.edifact.answer_reader import parse_answers
from orderhub.partners.models import Partner

logger = logging.getLogger(__name__)

#: Within one round, an order response is applied before the answer to a change of the order and
#: both before the dispatch notice that follows them.
KIND_RANK = {"order_response": 0, CHANGE_RESPONSE: 1, "dispatch_notification": 2}
MAX_BYTES = MAX_DOCUMENT_BYTES  # as the partner API's

_last_poll: dict[int, float] = {}


def _read(data: bytes) -> tuple[str, str, list | ChangeReply]:
    """(format, content type, answers) of one file: openTRANS XML or an EDIFACT interchange; the
    answers are a :class:`ChangeReply` when the file answers an order change."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        reply = change_answers.read_change_reply("opentrans", data)
        if reply is not None:
            return "opentrans", "application/xml", reply
        fmt, answers = parse("application/xml", data)
        return fmt, "application/xml", answers
    reply = change_answers.read_change_reply("edifact", data)
    if reply is not None:
        return "edifact", "application/edifact", reply
    return "edifact", "application/edifact", parse_answers(data)


def _rank(answers: list | ChangeReply) -> int:
    if isinstance(answers, ChangeReply):
        return KIND_RANK[CHANGE_RESPONSE]
    return min(KIND_RANK.get(a.kind, 9) for a in answers) if answers else 9


def _note(exc: Exception, name: str) -> str:
    return (
        f"Die Antwortdatei {name} wurde nicht verarbeitet: {exc}\n"
        f"The answer file {name} was not applied: {exc}\n"
    )


def pick_up(partner: Partner) -> dict[str, int]:
    """Read the partner's outbox once; connection problems raise :class:`sftp.SftpError`."""
    config, counts = (
        partner.channel_config or {},
        {"applied": 0, "duplicates": 0, "failed": 0, "deferred": 0},
    )
    answers_dir = sftp.setting(config, "answers_dir")
    done_dir, error_dir = sftp.setting(config, "done_dir"), sftp.setting(config, "error_dir")
    timeout = float(sftp.setting(config, "timeout"))
    reading = max(60.0, 4 * timeout)
    with sftp.Session(config, partner.credentials, budget=2 * reading + 2 * timeout) as session:
        deadline = time.monotonic() + reading
        files = session.list_answers(answers_dir, int(sftp.setting(config, "max_files")))
        read: list[tuple[tuple, str, bytes, tuple | Exception]] = []
        for name, mtime, size in files:
            if time.monotonic() > deadline:
                break
            path = posixpath.join(answers_dir, name)
            try:
                if size > MAX_BYTES:
                    raise FormatError(f"file larger than {MAX_BYTES} bytes")
                data = session.read(path)
                parsed = _read(data)
                rank = _rank(parsed[2])
            except (sftp.SftpError, asyncssh.Error, OSError) as exc:  # the server: next round
                logger.warning("SFTP answer %s of %s not read: %s", path, partner.slug, exc)
                counts["deferred"] += 1
                continue
            except Exception as exc:
                read.append(((mtime, 9, name), path, b"", exc))
                continue
            read.append(((mtime, rank, name), path, data, parsed))
        for _, path, data, outcome in sorted(read, key=lambda r: r[0]):
            name = posixpath.basename(path)
            if isinstance(outcome, Exception):
                _move_aside(session, path, error_dir, _note(outcome, name), counts)
                continue
            fmt, content_type, answers = outcome
            actor = Actor.partner(partner.name, "sftp")
            try:
                with transaction.atomic():
                    if isinstance(answers, ChangeReply):
                        results = [
                            apply_change_reply(
                                partner,
                                answers,
                                fmt=fmt,
                                raw=data,
                                content_type=content_type,
                                actor=actor,
                            )
                        ]
                    else:
                        results = [
                            apply_answer(
                                partner,
                                a,
                                fmt=fmt,
                                raw=data,
                                content_type=content_type,
                                actor=actor,
                            )
                            for a in answers
                        ]
            except (FormatError, Problem) as exc:
                logger.warning("SFTP answer %s of %s refused: %s", path, partner.slug, exc)
                _move_aside(session, path, error_dir, _note(exc, name), counts)
                continue
            except Exception:  # the database, not the file: leave it for the next round
                logger.exception("SFTP answer %s of %s could not be applied", path, partner.slug)
                counts["deferred"] += 1
                continue
            for r in results:
                counts["applied" if r.applied else "duplicates"] += 1
            try:
                session.makedirs(done_dir)
                session.move(path, done_dir)
            except Exception as exc:  # applied; a later round finds it again and sees a duplicate
                logger.warning(
                    "SFTP answer %s of %s applied but not moved: %s", path, partner.slug, exc
                )
    return counts


def _move_aside(session: sftp.Session, path: str, error_dir: str, note: str, counts: dict) -> None:
    counts["failed"] += 1
    try:
        session.makedirs(error_dir)
        moved = session.move(path, error_dir)
        session.write(f"{moved}.error.txt", note.encode("utf-8"))
    except Exception as exc:  # the next round tries again
        logger.warning("SFTP answer %s could not be moved to %s: %s", path, error_dir, exc)


def pick_up_all(*, force: bool = False) -> dict[str, int]:
    """Every active SFTP partner whose ``poll_seconds`` passed since this process last looked."""
    total = {"applied": 0, "duplicates": 0, "failed": 0, "deferred": 0, "unreachable": 0}
    now = time.monotonic()
    for partner in Partner.objects.filter(channel=Partner.Channel.SFTP, is_active=True):
        interval = float(sftp.setting(partner.channel_config or {}, "poll_seconds"))
        if not force and now - _last_poll.get(partner.pk, -interval - 1) < interval:
            continue
        _last_poll[partner.pk] = now
        try:
            counts = pick_up(partner)
        except sftp.SftpError as exc:
            logger.warning("SFTP outbox of %s not read: %s", partner.slug, exc)
            total["unreachable"] += 1
            continue
        except Exception:  # one partner's trouble never stops the others
            logger.exception("SFTP outbox of %s not read", partner.slug)
            total["unreachable"] += 1
            continue
        for k, v in counts.items():
            total[k] += v
    return total
