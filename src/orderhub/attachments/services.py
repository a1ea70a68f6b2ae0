"""Storing, attaching and purging attachments (reads are in ``selectors``).

Files are checked by their bytes (``content.sniff``) and size (``ATTACHMENT_MAX_BYTES``) before
anything is stored, hashed (SHA-256) while they are written to Django's storage, and stored under
``attachments/<company>/``. Refusals are :class:`AttachmentRefused` (a 422 naming the field, with
a sentence in the request's language for the cart).
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from orderhub.attachments import content
from orderhub.attachments.models import Attachment, OrderAttachment
from orderhub.core import actors
from orderhub.core.problems import InvalidInput
from orderhub.ordering.models import Order, OrderLine

logger = logging.getLogger(__name__)
PREFIX = "attachments"
#: Attachments of one order (and of one line): enough for scans, audiogram and photos.
MAX_PER_ORDER = 20
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]{2,99}")


class AttachmentRefused(InvalidInput):
    """A file or reference that cannot be attached; ``message`` is a sentence for the person."""

    def __init__(self, field: str, message: str):
        super().__init__(field, str(message))
        self.field = field
        self.message = str(message)


def _max_size_text() -> str:
    return f"{settings.ATTACHMENT_MAX_BYTES / (1024 * 1024):.0f} MB"


def store_file(
    company, upload: IO[bytes], filename: str, size: int, actor: str, kind: str = ""
) -> Attachment:
    """Check, hash and store an uploaded file for ``company``; ``kind`` (optional) is what the
    sender says it is and must match what the bytes are."""
    if size <= 0:
        raise AttachmentRefused("file", gettext("Die Datei ist leer."))
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentRefused(
            "file",
            gettext("Die Datei ist %(size)s groß; erlaubt sind höchstens %(max)s.")
            % {"size": f"{size / (1024 * 1024):.1f} MB", "max": _max_size_text()},
        )
    upload.seek(0)
    head = upload.read(content.HEAD)
    found = content.sniff(head, size)
    if found is None:
        raise AttachmentRefused(
            "file",
            gettext(
                "Diese Datei ist weder ein Ohrscan (STL, PLY, ASC) noch ein PDF oder ein Foto "
                "(JPEG, PNG); geprüft wird der Inhalt, nicht der Dateiname."
            ),
        )
    if kind and kind != found.kind:
        raise AttachmentRefused(
            "kind",
            gettext("Die Datei ist ein %(found)s, angegeben war %(kind)s.")
            % {"found": Attachment.Kind(found.kind).label, "kind": _kind_label(kind)},
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        company=company,
        kind=found.kind,
        filename=_clean_filename(filename, found),
        file_format=found.code,
        content_type=found.content_type,
        size=size,
        sha256=digest.hexdigest(),
        **actors.fields(actor, "created_by"),
    )
    attachment.storage_name = default_storage.save(
        f"{PREFIX}/{company.pk}/{attachment.pk.hex}.{found.extension}", File(upload)
    )
    try:
        attachment.save()
    except Exception:
        default_storage.delete(attachment.storage_name)
        raise
    return attachment


def store_tracking_number(company, text: str, actor: str) -> Attachment:
    """An impression sent by post: its tracking number, as a text attachment."""
    text = " ".join((text or "").split())
    if not _TRACKING.fullmatch(text):
        raise AttachmentRefused(
            "text",
            gettext(
                "Bitte eine Sendungsnummer mit 3 bis 100 Zeichen eingeben (Buchstaben, Ziffern, "
                "Leerzeichen, . / -)."
            ),
        )
    return Attachment.objects.create(
        company=company,
        kind=Attachment.Kind.TRACKING_NUMBER,
        text=text,
        **actors.fields(actor, "created_by"),
    )


def _kind_label(kind: str) -> str:
    return str(Attachment.Kind(kind).label) if kind in Attachment.Kind.values else kind


def _clean_filename(filename: str, found: content.Format) -> str:
    """The uploaded name without a path or control characters; one of the format's own when empty."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"<>|*?:').strip(" .")
    if not name:
        name = f"{found.kind}.{found.extension}"
    return name[-200:]


def company_attachments(company, ids: Iterable, field: str) -> list[Attachment]:
    """The company's attachments by id, in the order given; a foreign, unknown or purged one is
    refused naming ``field[i]``."""
    ids = [str(i) for i in ids]
    found: dict[str, Attachment] = {}
    valid = []
    for n, value in enumerate(ids):
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            raise AttachmentRefused(f"{field}[{n}]", gettext("Das ist keine Anhang-ID.")) from None
    for stored in Attachment.objects.filter(company=company, pk__in=valid):
        found[str(stored.pk)] = stored
    out = []
    for n, value in enumerate(valid):
        a = found.get(value)
        if a is None:
            raise AttachmentRefused(
                f"{field}[{n}]", gettext("Diesen Anhang gibt es in Ihrem Unternehmen nicht.")
            )
        if not a.available:
            raise AttachmentRefused(
                f"{field}[{n}]",
                gettext(
                    "Die Datei dieses Anhangs wurde nach Ablauf der Aufbewahrungsfrist gelöscht."
                ),
            )
        out.append(a)
    return out


def attach(
    order: Order, attachments: Iterable[Attachment], actor: str, line: OrderLine | None = None
) -> list[OrderAttachment]:
    """Attach stored attachments of the order's company to the order or to one of its lines; one
    already there is not attached twice. The caller decides whether the order may still change."""
    attachments = list(attachments)
    for a in attachments:
        if a.company_id != order.company_id:
            raise AttachmentRefused(
                "attachment_id", gettext("Diesen Anhang gibt es in Ihrem Unternehmen nicht.")
            )
    existing = OrderAttachment.objects.filter(order=order, line=line)
    have = set(existing.values_list("attachment_id", flat=True))
    new = [a for a in attachments if a.pk not in have]
    if len(have) + len(new) > MAX_PER_ORDER:
        raise AttachmentRefused(
            "attachment_id",
            gettext("Höchstens %(n)s Anhänge je Bestellung oder Position.") % {"n": MAX_PER_ORDER},
        )
    now = timezone.now()
    who = actors.fields(actor, "added_by")
    links = OrderAttachment.objects.bulk_create(
        [OrderAttachment(order=order, line=line, attachment=a, added_at=now, **who) for a in new]
    )
    if new:
        Attachment.objects.filter(pk__in=[a.pk for a in new]).update(last_used_at=now)
    return links


def detach(link: OrderAttachment) -> None:
    link.delete()


def attach_submitted(order: Order, lines: list[OrderLine], payload, actor: str) -> None:
    """The attachments an order's JSON names (``attachments`` of the order and of its lines),
    attached while intake writes the order (``ordering.signals.order_written``)."""
    company = order.company
    # Intake's bulk insert leaves the lines without their ids: read them back.
    by_position = {line.position: line for line in OrderLine.objects.filter(order=order)}
    attach(order, company_attachments(company, payload.attachments, "attachments"), actor)
    for n, line_in in enumerate(payload.lines):
        if line_in.attachments:
            found = company_attachments(company, line_in.attachments, f"lines[{n}].attachments")
            attach(order, found, actor, line=by_position[line_in.position])


def check_submitted(company, payload) -> None:
    """Intake's check before anything is written: every named attachment is the company's."""
    company_attachments(company, payload.attachments, "attachments")
    for n, line_in in enumerate(payload.lines):
        company_attachments(company, line_in.attachments, f"lines[{n}].attachments")


def purge_expired(now=None, batch: int = 200) -> int:
    """The periodic cleanup: files not attached to an order for ``ATTACHMENT_RETENTION_DAYS`` are
    deleted from the storage; their rows stay (``purged_at``) so orders still list them."""
    now = now or timezone.now()
    horizon = now - timedelta(days=settings.ATTACHMENT_RETENTION_DAYS)
    purged = 0
    due = Attachment.objects.filter(purged_at__isnull=True, last_used_at__lt=horizon).exclude(
        kind=Attachment.Kind.TRACKING_NUMBER
    )
    for attachment in due.order_by("last_used_at")[:batch]:
        with transaction.atomic():
            row = (
                Attachment.objects.select_for_update(skip_locked=True)
                .filter(pk=attachment.pk, purged_at__isnull=True, last_used_at__lt=horizon)
                .first()
            )
            if row is None:
                continue
            if row.storage_name:
                default_storage.delete(row.storage_name)
            row.purged_at = now
            row.save(update_fields=["purged_at"])
            purged += 1
    if purged:
        logger.info("attachments: %s files past their retention time deleted", purged)
    return purged
