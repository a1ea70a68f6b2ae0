"""Signed, expiring download links to an order's attachments, for the partner's documents.

A link names one :class:`~orderhub.attachments.models.OrderAttachment` (this attachment with this
order) and is signed with Django's ``signing`` (HMAC with ``SECRET_KEY``, a timestamp inside):
nobody can forge or widen one, and it stops working ``ATTACHMENT_LINK_DAYS`` after it was made, or
once the attachment is taken off the order or its file is purged. The document that carries it is
rendered once, so every retry sends the same link.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from orderhub.attachments.models import OrderAttachment
from orderhub.formats.documents import Attachment as FormatAttachment

SALT = "orderhub.attachments.download"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def token(link: OrderAttachment) -> str:
    return signing.dumps([link.pk, link.attachment.sha256[:16]], salt=SALT)


def download_url(link: OrderAttachment) -> str:
    """The absolute link (``BASE_URL``) partners fetch the file from."""
    return (settings.BASE_URL or "") + reverse("attachment_download", args=[token(link)])


def max_age_seconds() -> int:
    return settings.ATTACHMENT_LINK_DAYS * 86400


def read(value: str) -> tuple[int, str]:
    """(link id, start of the file's SHA-256) of a valid token; :class:`LinkExpired` when it is
    too old, :class:`LinkInvalid` when it was not made here."""
    try:
        link_id, sha_start = signing.loads(value, salt=SALT, max_age=max_age_seconds())
    except signing.SignatureExpired:
        raise LinkExpired(value) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid(value) from None
    if not isinstance(link_id, int) or not isinstance(sha_start, str):
        raise LinkInvalid(value)
    return link_id, sha_start


Carried = tuple[list[FormatAttachment], dict[int, list[FormatAttachment]]]


def document_attachments(order) -> Carried:
    """The order's attachments as the documents carry them: (the order's, by line position), each
    file with a fresh signed link; purged files are left out (nothing to fetch any more)."""
    return documents_attachments([order])[order.pk]


def documents_attachments(orders) -> dict:
    """:func:`document_attachments` of several orders in one read (the delivery loop's batch).

    One query per batch, not per order: compiling this join through the ORM cost ≈ 5 ms per order
    under cProfile, a fifth of a delivery's own work (``python -m bench.profile forwarding``)."""
    carried: dict = {o.pk: ([], {}) for o in orders}
    links = OrderAttachment.objects.filter(order__in=[o.pk for o in orders]).select_related(
        "attachment", "line"
    )
    for link in links.order_by("added_at", "pk"):
        a = link.attachment
        if not a.available:
            continue
        entry = FormatAttachment(
            kind=a.kind,
            filename=a.filename,
            content_type=a.content_type,
            size=a.size,
            sha256=a.sha256,
            url="" if a.is_text else download_url(link),
            text=a.text,
            storage_name=a.storage_name,
        )
        whole, by_position = carried[link.order_id]
        if link.line is None:
            whole.append(entry)
        elif not link.line.removed:
            by_position.setdefault(link.line.position, []).append(entry)
    return carried
