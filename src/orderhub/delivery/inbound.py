"""Answers from partners (SPEC §3.9): parse, find the order, apply once, record the document."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from orderhub.core.problems import NotFound, Problem
from orderhub.delivery.models import Document
from orderhub.formats import FormatError, edifact, opentrans, partner_json
from orderhub.formats.documents import PartnerAnswer
from orderhub.ordering import status as order_status
from orderhub.ordering.models import Order, OrderLine
from orderhub.ordering.models import OrderStatus as S
from orderhub.partners.models import Partner

logger = logging.getLogger(__name__)

FORMATS = {
    "application/xml": ("opentrans", opentrans.parse_answer),
    "text/xml": ("opentrans", opentrans.parse_answer),
    "application/edifact": ("edifact", edifact.parse_answer),
    "application/edi-edifact": ("edifact", edifact.parse_answer),
    "application/json": ("json", partner_json.parse_answer),
}


class UnsupportedMediaType(Problem):
    status = 415
    title = "Unsupported media type"


class WrongPartner(Problem):
    status = 403
    title = "Order belongs to another partner"


class MalformedDocument(Problem):
    status = 400
    title = "Malformed document"


@dataclass
class Applied:
    document: Document
    order: Order
    applied: bool


def parse(content_type: str, body: bytes) -> tuple[str, PartnerAnswer]:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in FORMATS:
        raise UnsupportedMediaType(f"send application/xml (openTRANS), application/edifact or application/json, "
                                   f"not {media or 'nothing'}")
    fmt, parser = FORMATS[media]
    try:
        return fmt, parser(body)
    except FormatError as exc:
        extra = {"line": exc.line} if exc.line else {}
        if exc.field:
            extra["field"] = exc.field
        raise MalformedDocument(str(exc), **extra) from None


def receive(partner: Partner, content_type: str, body: bytes) -> Applied:
    fmt, answer = parse(content_type, body)
    return apply_answer(partner, answer, fmt=fmt, raw=body, content_type=content_type.split(";")[0])


def _find_order(partner: Partner, number: str) -> Order:
    order = Order.objects.filter(number=number).select_related("partner").first()
    if order is None:
        raise NotFound(f"no order with number {number!r}")
    if order.partner_id != partner.pk:
        raise WrongPartner(f"order {number!r} was not sent to {partner.slug}")
    return order


def apply_answer(partner: Partner, answer: PartnerAnswer, *, fmt: str, raw: bytes, content_type: str,
                 actor: str | None = None) -> Applied:
    actor = actor or f"Partner {partner.name}"
    order = _find_order(partner, answer.order_number)
    doc_id = (answer.document_id or "")[:100]
    existing = _existing(partner, answer.kind, doc_id)
    if existing is not None:
        return Applied(existing, order, False)
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order.pk)
            document = Document.objects.create(
                order=order, partner=partner, direction=Document.Direction.INBOUND, kind=answer.kind, format=fmt,
                content_type=content_type or "application/octet-stream",
                filename=f"{answer.kind}-{doc_id or order.number}.{ {'edifact': 'edi', 'opentrans': 'xml'}.get(fmt, fmt)}",
                content=raw, size=len(raw), partner_document_id=doc_id, applied=True)
            _apply(order, answer, actor, document)
    except IntegrityError:
        existing = _existing(partner, answer.kind, doc_id)
        if existing is None:
            raise
        return Applied(existing, order, False)
    return Applied(document, order, True)


def _existing(partner, kind, doc_id):
    if not doc_id:
        return None
    return Document.objects.filter(partner=partner, direction=Document.Direction.INBOUND, kind=kind,
                                   partner_document_id=doc_id).first()


def _apply(order: Order, answer: PartnerAnswer, actor: str, document: Document) -> None:
    lines = {l.position: l for l in order.lines.filter(removed=False)}
    changed = []
    for a in answer.lines:
        line = lines.get(a.line_no)
        if line is None:
            continue
        if answer.kind == "dispatch_notification":
            line.line_status = OrderLine.LineStatus.SHIPPED if line.line_status != OrderLine.LineStatus.REJECTED else line.line_status
        else:
            line.line_status = a.status if a.status in OrderLine.LineStatus.values else OrderLine.LineStatus.CONFIRMED
            line.confirmed_quantity = a.quantity if a.quantity is not None else (
                0 if a.status == "rejected" else line.quantity)
        if a.supplier_article_number and a.supplier_article_number != (line.article_snapshot or {}).get(
                "partner_article_number", line.partner_article_number):
            line.changed_article_number = a.supplier_article_number[:100]
        if a.delivery_date or answer.delivery_date:
            line.delivery_date = a.delivery_date or answer.delivery_date
        if a.note:
            line.answer_note = a.note[:500]
        changed.append(line)
    if changed:
        OrderLine.objects.bulk_update(changed, ["line_status", "confirmed_quantity", "changed_article_number",
                                                "delivery_date", "answer_note"])
    data = {"document_id": document.pk, "partner_document_id": document.partner_document_id, "kind": answer.kind}
    if answer.kind == "dispatch_notification":
        order.tracking_numbers = sorted(set(order.tracking_numbers or []) | set(answer.tracking_numbers))
        order.carrier = answer.carrier or order.carrier
        fields = {"tracking_numbers": order.tracking_numbers, "carrier": order.carrier}
        if answer.delivery_date:
            fields["delivery_date"] = answer.delivery_date
        target = S.SHIPPED
        reason = "Versandmeldung" + (f": {', '.join(answer.tracking_numbers)}" if answer.tracking_numbers else "")
    else:
        statuses = {l.line_status for l in order.lines.filter(removed=False)}
        if statuses == {OrderLine.LineStatus.REJECTED}:
            target = S.REJECTED
        elif statuses <= {OrderLine.LineStatus.CONFIRMED, OrderLine.LineStatus.SHIPPED}:
            target = S.CONFIRMED
        else:
            target = S.PARTIALLY_CONFIRMED
        fields = {"delivery_date": answer.delivery_date} if answer.delivery_date else {}
        reason = "Auftragsbestätigung"
    if order.status == target or not order_status.can_transition(order.status, target):
        for name, value in fields.items():
            setattr(order, name, value)
        order.updated_at = timezone.now()
        order.save(update_fields=[*fields, "updated_at"])
        order_status.note(order, actor=actor, reason=f"{reason} (Status bleibt {order.status})", data=data)
        return
    order_status.transition(order, target, actor=actor, reason=reason, data=data, fields=fields)
