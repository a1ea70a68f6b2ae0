"""Attachment endpoints (issue 17; docs/attachments.md): upload, read, download, attach to a cart.

Upload first (``POST /attachments``, multipart), then name the ids in the order's JSON
(``attachments`` of the order or of a line) — the order goes to the partner with them. A stored
attachment is named again for a remake or the other ear.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from orderhub.accounts.audit import actor_for_token
from orderhub.attachments import selectors, services, views
from orderhub.attachments.models import Attachment, OrderAttachment
from orderhub.authentication import company_auth
from orderhub.core.problems import Conflict, NotFound
from orderhub.ordering import selectors as order_selectors
from orderhub.ordering.models import OrderLine

router = Router(tags=["attachments"], auth=company_auth)
orders_router = Router(tags=["attachments"], auth=company_auth)


class AttachmentOut(Schema):
    id: str
    kind: str = Field(description="scan | audiogram | photo | tracking_number")
    filename: str
    format: str = Field(description="stl | ply | asc | pdf | jpeg | png, read from the bytes")
    content_type: str
    size: int
    sha256: str
    text: str = Field(description="the tracking number (kind tracking_number)")
    created_at: datetime
    available: bool = Field(description="false once the file was purged (retention)")


class OrderAttachmentOut(AttachmentOut):
    position: int | None = Field(description="the line it goes with; null: the whole order")


class AttachIn(Schema):
    attachment_id: str = Field(min_length=32, max_length=36)
    position: int | None = Field(None, ge=1, le=9999)


def attachment_out(a: Attachment) -> dict:
    return {
        "id": str(a.pk),
        "kind": a.kind,
        "filename": a.filename,
        "format": a.file_format,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "text": a.text,
        "created_at": a.created_at,
        "available": a.available,
    }


def link_out(link: OrderAttachment) -> dict:
    return {
        **attachment_out(link.attachment),
        "position": link.line.position if link.line else None,
    }


def _attachment(request, attachment_id) -> Attachment:
    try:
        attachment = Attachment.objects.filter(company=request.company, pk=attachment_id).first()
    except DjangoValidationError:
        attachment = None
    if attachment is None:
        raise NotFound("no such attachment")
    return attachment


@router.post(
    "",
    response={201: AttachmentOut},
    summary="Upload an attachment: an ear scan, audiogram, photo, or a tracking number",
    description=(
        "multipart/form-data with `file` (STL binary or ASCII, PLY, ASC point cloud, PDF, JPEG, "
        "PNG; the type is read from the content, not the name; at most ATTACHMENT_MAX_BYTES) and "
        "optionally `kind` (scan, audiogram, photo: must match the content), or `text` (an "
        "impression's tracking number). A wrong type or size is a 422 naming `file`."
    ),
)
def upload(
    request,
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # optional: `text` instead
    kind: Form[str] = "",
    text: Form[str] = "",
):
    who = actor_for_token(request.auth)
    if kind and kind not in Attachment.Kind.values:
        raise services.AttachmentRefused("kind", "one of " + ", ".join(Attachment.Kind.values))
    if file is not None:
        if kind == Attachment.Kind.TRACKING_NUMBER:
            raise services.AttachmentRefused("kind", "a file cannot be a tracking number")
        attachment = services.store_file(
            request.company, file, file.name or "", file.size or 0, who, kind
        )
    elif text.strip():
        attachment = services.store_tracking_number(request.company, text, who)
    else:
        raise services.AttachmentRefused("file", "send a file (or `text` for a tracking number)")
    return Status(201, attachment_out(attachment))


@router.get("/{attachment_id}", response=AttachmentOut, summary="One attachment of the company")
def get_attachment(request, attachment_id: str):
    return attachment_out(_attachment(request, attachment_id))


@router.get(
    "/{attachment_id}/content",
    response={200: None},
    summary="The attachment's file (Repr-Digest: its SHA-256); 410 once purged",
)
def get_content(request, attachment_id: str):
    return views.file_response(_attachment(request, attachment_id))


@orders_router.get(
    "/{order_id}/attachments",
    response=list[OrderAttachmentOut],
    summary="The order's attachments (position: the line, null: the whole order)",
)
def list_order_attachments(request, order_id: str):
    order = order_selectors.get_order(request.company, order_id)
    return [link_out(l) for l in selectors.for_order(order)]


@orders_router.post(
    "/{order_id}/attachments",
    response={201: list[OrderAttachmentOut]},
    summary="Attach a stored attachment to a cart (or one of its lines)",
    description=(
        "While the order is a cart (status `cart`) a stored attachment of the company is attached "
        "to it, or to the line at `position`; an order already sent is a 409 (name the ids in the "
        "order's JSON instead). Reusing a scan for a remake: name it in the remake's JSON."
    ),
)
def attach_to_order(request, order_id: str, payload: AttachIn):
    order = order_selectors.get_order(request.company, order_id)
    if not order.is_cart:
        raise Conflict(
            f"order is {order.status}; attachments are added while it is a cart, or named in the "
            "order's JSON",
            title="Order already sent",
        )
    line = None
    if payload.position is not None:
        line = OrderLine.objects.filter(
            order=order, position=payload.position, removed=False
        ).first()
        if line is None:
            raise services.AttachmentRefused("position", "no such line in this order")
    (attachment,) = services.company_attachments(
        request.company, [payload.attachment_id], "attachment_id"
    )
    services.attach(order, [attachment], actor_for_token(request.auth), line=line)
    return Status(201, [link_out(l) for l in selectors.for_order(order)])
