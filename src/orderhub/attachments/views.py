"""Downloads (signed partner links, the company's own) and the cart's attachment box (htmx)."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orderhub.accounts.decorators import actor, company_view
from orderhub.attachments import links, selectors, services
from orderhub.attachments.models import Attachment, OrderAttachment
from orderhub.core.problems import Problem
from orderhub.ordering import selectors as order_selectors
from orderhub.ordering.models import Order, OrderLine


def file_response(attachment: Attachment) -> HttpResponse | FileResponse:
    """The stored file as a download, with its SHA-256 (``Repr-Digest``, RFC 9530)."""
    if attachment.is_text or not attachment.available:
        return HttpResponse(
            _("Die Datei dieses Anhangs wurde nach Ablauf der Aufbewahrungsfrist gelöscht."),
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    response = FileResponse(
        default_storage.open(attachment.storage_name, "rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    digest = base64.b64encode(bytes.fromhex(attachment.sha256)).decode("ascii")
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _refused(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@require_GET
def download(request, token):
    """A partner's signed link (openTRANS MIME_INFO, EDIFACT FTX, webhook JSON)."""
    try:
        link_id, sha_start = links.read(token)
    except links.LinkExpired:
        return _refused(_("Dieser Download-Link ist abgelaufen."), 410)
    except links.LinkInvalid:
        return _refused(_("Dieser Download-Link ist ungültig."), 403)
    link = OrderAttachment.objects.select_related("attachment").filter(pk=link_id).first()
    if link is None or not link.attachment.sha256.startswith(sha_start):
        return _refused(_("Dieser Anhang gehört nicht mehr zur Bestellung."), 410)
    return file_response(link.attachment)


def _order(request, order_id) -> Order:
    try:
        return order_selectors.get_order(request.company, order_id, request.access.branch_ids)
    except Problem:
        raise Http404("no such order") from None


@company_view
@require_GET
def order_file(request, order_id, attachment_id):
    """A file of one of the company's orders, for its own people."""
    link = selectors.link_of_order(_order(request, order_id), attachment_id)
    if link is None:
        raise Http404("no such attachment")
    return file_response(link.attachment)


# --- the cart's box -----------------------------------------------------------------------------


def _box(request, order: Order, error: str | None = None, field: str | None = None):
    if request.headers.get("HX-Request") == "true":
        return render(
            request,
            "attachments/_attachments.html",
            {
                "order": order,
                "can_edit": order.is_cart and request.access.can_write,
                "attachment_error": error,
                "attachment_error_field": field,
            },
        )
    if error:
        messages.error(request, error)
    return redirect(reverse("cart", args=[order.pk]) + "#attachments")


def _cart(request, order_id) -> Order:
    order = _order(request, order_id)
    if not order.is_cart:
        raise services.AttachmentRefused(
            "order",
            _("Dieser Warenkorb wurde bereits bestellt und kann nicht mehr geändert werden."),
        )
    return order


@company_view
@require_POST
def cart_add(request, order_id):
    """Attach to the cart (or one of its lines): an uploaded file, a tracking number, or a stored
    attachment of the company again (``attachment_id``: a remake, the other ear)."""
    order = _order(request, order_id)
    try:
        order = _cart(request, order_id)
        line = None
        position = (request.POST.get("position") or "").strip()
        if position:
            line = OrderLine.objects.filter(
                order=order, position=position if position.isdigit() else -1, removed=False
            ).first()
            if line is None:
                raise services.AttachmentRefused("position", _("Diese Position gibt es nicht."))
        who = actor(request)
        upload = request.FILES.get("file")
        if upload is not None:
            attachment = services.store_file(
                order.company, upload, upload.name or "", upload.size or 0, who
            )
        elif (request.POST.get("text") or "").strip():
            attachment = services.store_tracking_number(order.company, request.POST["text"], who)
        elif (request.POST.get("attachment_id") or "").strip():
            (attachment,) = services.company_attachments(
                order.company, [request.POST["attachment_id"].strip()], "attachment_id"
            )
        else:
            raise services.AttachmentRefused(
                "file",
                _(
                    "Bitte eine Datei wählen, eine Sendungsnummer eingeben oder einen Anhang wählen."
                ),
            )
        services.attach(order, [attachment], who, line=line)
    except services.AttachmentRefused as exc:
        error, field = exc.message, exc.field
        return _box(request, order, error, field.split("[")[0])
    return _box(request, order)


@company_view
@require_POST
def cart_remove(request, order_id, link_id):
    order = _order(request, order_id)
    try:
        order = _cart(request, order_id)
    except services.AttachmentRefused as exc:
        return _box(request, order, exc.message, exc.field)
    services.detach(get_object_or_404(OrderAttachment, pk=link_id, order=order))
    return _box(request, order)
