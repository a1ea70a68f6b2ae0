"""Answers from partners (SPEC §3.9): parse, find the order, apply once, record the document.

One rule for every way an answer arrives (``POST /api/v1/partner/documents``, the EDIFACT drop
directory): a document is applied **all or nothing per interchange**. An EDIFACT interchange
with several ORDRSP/DESADV messages is parsed completely first; if any message cannot be read,
or names an order that is unknown or belongs to another partner, nothing of the interchange is
applied and the whole file is refused with the reason. Messages applied before (same partner
document id) count as duplicates, so the corrected interchange can simply be sent again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from orderhub.core.actors import Actor
from orderhub.core.problems import NotFound, Problem
from orderhub.delivery.models import Document
from orderhub.formats import FormatError, change_answers, partner_json
from orderhub.formats.change_answers import ChangeReply
from orderhub.formats.documents import PartnerAnswer
from orderhub.formats.edifact.answer_reader import parse_answers as parse_edifact_answers
from orderhub.formats.opentrans.answer_reader import parse_answer as parse_opentrans_answer
from orderhub.ordering import answers, changes
from orderhub.ordering.models import Order, OrderChange, OrderStatus
from orderhub.partners.models import Partner

logger = logging.getLogger(__name__)


def _one(parse):
    return lambda body: [parse(body)]


#: Media type → (format, parser returning every answer the document carries).
FORMATS = {
    "application/xml": ("opentrans", _one(parse_opentrans_answer)),
    "text/xml": ("opentrans", _one(parse_opentrans_answer)),
    "application/edifact": ("edifact", parse_edifact_answers),
    "application/edi-edifact": ("edifact", parse_edifact_answers),
    "application/json": ("json", _one(partner_json.parse_answer)),
}


class UnsupportedMediaType(Problem):
    kind = "unsupported-media-type"


class MalformedDocument(Problem):
    kind = "malformed-document"


@dataclass
class Applied:
    document: Document
    order: Order
    applied: bool
    #: The further messages of the same interchange (EDIFACT batches), in file order.
    others: list[Applied] = field(default_factory=list)


def parse(content_type: str, body: bytes) -> tuple[str, list[PartnerAnswer]]:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in FORMATS:
        raise UnsupportedMediaType(
            f"send application/xml (openTRANS), application/edifact or application/json, "
            f"not {media or 'nothing'}"
        )
    fmt, parser = FORMATS[media]
    try:
        return fmt, parser(body)
    except FormatError as exc:
        extra: dict[str, Any] = {"line": exc.line} if exc.line else {}
        if exc.field:
            extra["field"] = exc.field
        raise MalformedDocument(str(exc), **extra) from None


def receive(partner: Partner, content_type: str, body: bytes) -> Applied:
    """Apply a document from the partner API; several messages: see the module docstring.

    A document that answers an order change (``formats.change_answers``) accepts or refuses it.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    if media in FORMATS:
        reply = change_reply(FORMATS[media][0], body)
        if reply is not None:
            return apply_change_reply(
                partner, reply, fmt=FORMATS[media][0], raw=body, content_type=media
            )
    fmt, answers = parse(content_type, body)
    results = apply_interchange(
        partner, answers, fmt=fmt, raw=body, content_type=content_type.split(";")[0]
    )
    first = results[0]
    first.others = results[1:]
    return first


def apply_interchange(
    partner: Partner,
    answers: list[PartnerAnswer],
    *,
    fmt: str,
    raw: bytes,
    content_type: str,
    actor: str | None = None,
) -> list[Applied]:
    """Apply every answer of one interchange, all or nothing (one database transaction)."""
    if not answers:
        raise MalformedDocument("the document carries no order response or dispatch notification")
    if len(answers) > MAX_MESSAGES:
        raise MalformedDocument(
            f"the interchange carries {len(answers)} messages; at most {MAX_MESSAGES} are applied "
            "at once: send it split into several"
        )
    results: list[Applied] = []
    with transaction.atomic():
        for number, answer in enumerate(answers, 1):
            try:
                results.append(
                    apply_answer(
                        partner, answer, fmt=fmt, raw=raw, content_type=content_type, actor=actor
                    )
                )
            except Problem as exc:
                if len(answers) > 1:
                    exc.detail = (
                        f"message {number} of {len(answers)} "
                        f"({answer.document_id or answer.kind}): {exc.detail}; nothing "
                        "of this interchange was applied"
                    )
                    exc.args = (exc.detail,)
                raise
    return results


#: What an order line can hold (``OrderLine.confirmed_quantity``: 12 digits, 3 of them decimals;
#: ``confirmed_price``: 14 digits, 4 of them decimals).
MAX_QUANTITY = Decimal("999999999.999")
MAX_PRICE = Decimal("9999999999.9999")
#: Serial or lot numbers per line of one dispatch notification.
MAX_SERIALS = 10_000


def _check_number(line_no: int, field: str, value, limit: Decimal, places: int) -> None:
    q = Decimal(str(value))  # the supplier portal gives whole numbers as int
    what = field.rsplit(".", 1)[-1].replace("_", " ")
    if not q.is_finite() or q < 0 or q > limit:
        raise MalformedDocument(
            f"line {line_no}: {what} {q} is not a number from 0 to {limit}", field=field
        )
    if q != q.quantize(Decimal(1).scaleb(-places)):
        raise MalformedDocument(
            f"line {line_no}: {what} {q} has more than {places} decimals", field=field
        )


def check_values(answer: PartnerAnswer) -> None:
    """Values a parser read but the order cannot take are the document's fault: a 4xx naming the
    field (and, in a drop directory or SFTP outbox, that file moved aside), never a 500."""
    for n, line in enumerate(answer.lines):
        for name, value, limit, places in (
            ("quantity", line.quantity, MAX_QUANTITY, 3),
            ("backordered_quantity", line.backordered_quantity, MAX_QUANTITY, 3),
            ("price", line.price, MAX_PRICE, 4),
        ):
            if value is not None:
                _check_number(line.line_no, f"lines[{n}].{name}", value, limit, places)
        if (line.backordered_quantity or 0) > (line.quantity or 0):
            raise MalformedDocument(
                f"line {line.line_no}: backordered quantity {line.backordered_quantity} is more "
                f"than the confirmed quantity {line.quantity}",
                field=f"lines[{n}].backordered_quantity",
            )
        for name in ("serial_numbers", "lot_numbers"):
            numbers = getattr(line, name)
            if len(numbers) > MAX_SERIALS or any(len(v) > 80 for v in numbers):
                raise MalformedDocument(
                    f"line {line.line_no}: at most {MAX_SERIALS} {name.replace('_', ' ')} of at "
                    "most 80 characters each",
                    field=f"lines[{n}].{name}",
                )
    document_id = answer.document_id or ""
    if len(document_id) > DOCUMENT_ID_MAX or any(ord(c) < 32 or ord(c) == 127 for c in document_id):
        raise MalformedDocument(
            f"document_id must be at most {DOCUMENT_ID_MAX} characters without line breaks or "
            "control characters",
            field="document_id",
        )


DOCUMENT_ID_MAX = 100  # Document.partner_document_id
#: A partner document (API body, drop-directory or SFTP file) and the messages of one interchange,
#: applied in one transaction by the process that received it: real answers are kilobytes; 2 MiB
#: of EDIFACT parse in ≈ 2.3 s on the reference machine, so no web worker is tied up for long.
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
MAX_MESSAGES = 500
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def download_name(kind: str, document_id: str, fallback: str, fmt: str) -> str:
    """The file name a company downloads: letters, digits, dot, dash and underscore only."""
    stem = _FILENAME_UNSAFE.sub("_", f"{kind}-{document_id or fallback}")
    stem = re.sub(r"\.{2,}", ".", stem).strip("._") or kind
    return f"{stem[:120]}.{ {'edifact': 'edi', 'opentrans': 'xml'}.get(fmt, fmt) }"


def _find_order(partner: Partner, number: str) -> Order:
    """The partner's order with this number; another partner's order is "not found" alike, so that
    a partner cannot learn which order numbers exist elsewhere (issue 14)."""
    order = Order.objects.filter(number=number, partner=partner).select_related("partner").first()
    if order is None:
        raise NotFound(f"no order with number {number!r} was sent to you")
    return order


def apply_answer(
    partner: Partner,
    answer: PartnerAnswer,
    *,
    fmt: str,
    raw: bytes,
    content_type: str,
    actor: str | None = None,
) -> Applied:
    actor = actor or Actor.partner(partner.name)
    check_values(answer)
    order = _find_order(partner, answer.order_number)
    doc_id = (answer.document_id or "")[:100]
    existing = _existing(partner, answer.kind, doc_id)
    if existing is not None:
        return Applied(existing, order, False)
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order.pk)
            document = Document.objects.create(
                order=order,
                partner=partner,
                direction=Document.Direction.INBOUND,
                kind=answer.kind,
                format=fmt,
                content_type=content_type or "application/octet-stream",
                filename=download_name(answer.kind, doc_id, order.number, fmt),
                content=raw,
                size=len(raw),
                partner_document_id=doc_id,
                applied=True,
            )
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
    return Document.objects.filter(
        partner=partner, direction=Document.Direction.INBOUND, kind=kind, partner_document_id=doc_id
    ).first()


def _apply(order: Order, answer: PartnerAnswer, actor: str, document: Document) -> None:
    data = {
        "document_id": document.pk,
        "partner_document_id": document.partner_document_id,
        "kind": answer.kind,
    }
    answers.apply_answer(order, answer, actor=actor, data=data)


# --------------------------------------------------------------------------- answers to changes


def change_reply(fmt: str, body: bytes) -> ChangeReply | None:
    """The partner's answer to an order change that ``body`` carries, or None (issue 16)."""
    try:
        return change_answers.read_change_reply(fmt, body)
    except FormatError as exc:
        extra: dict[str, Any] = {"line": exc.line} if exc.line else {}
        if exc.field:
            extra["field"] = exc.field
        raise MalformedDocument(str(exc), **extra) from None


CHANGE_RESPONSE = change_answers.CHANGE_RESPONSE_KIND


def apply_change_reply(
    partner: Partner,
    reply: ChangeReply,
    *,
    fmt: str,
    raw: bytes,
    content_type: str,
    actor: str | None = None,
) -> Applied:
    """Accept or refuse change ``reply.sequence`` of the partner's order, once.

    Accepted: the change is applied to the lines, and the order response the document carries
    (openTRANS, EDIFACT) confirms the order after it; refused: the lines stay. A second answer to
    an answered change is recorded as a duplicate and changes nothing.
    """
    actor = actor or Actor.partner(partner.name)
    if reply.answer is not None:
        check_values(reply.answer)
    order = _find_order(partner, reply.order_number)
    change = OrderChange.objects.filter(order=order, sequence=reply.sequence).first()
    if change is None:
        raise NotFound(f"order {order.number} has no change {reply.sequence}")
    doc_id = (reply.document_id or f"{order.number}/{reply.sequence}")[:100]
    if len(doc_id) > DOCUMENT_ID_MAX or any(ord(c) < 32 or ord(c) == 127 for c in doc_id):
        raise MalformedDocument("document_id has control characters", field="document_id")
    existing = _existing(partner, CHANGE_RESPONSE, doc_id)
    if existing is not None:
        return Applied(existing, order, False)
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order.pk)
            document = Document.objects.create(
                order=order,
                partner=partner,
                direction=Document.Direction.INBOUND,
                kind=CHANGE_RESPONSE,
                format=fmt,
                content_type=content_type or "application/octet-stream",
                filename=download_name(CHANGE_RESPONSE, doc_id, order.number, fmt),
                content=raw,
                size=len(raw),
                partner_document_id=doc_id,
                applied=True,
            )
            data = {"document_id": document.pk, "partner_document_id": doc_id}
            applied = changes.answer_change(
                change, reply.accepted, actor=actor, note=reply.note, data=data
            )
            if not applied:
                Document.objects.filter(pk=document.pk).update(applied=False)
                document.applied = False
            elif (
                reply.accepted
                and change.kind == OrderChange.Kind.CHANGE
                # Before the order's own response the lines wait for that one.
                and order.status != OrderStatus.SENT
                and reply.answer is not None
                and reply.answer.lines
            ):
                order = Order.objects.select_for_update().get(pk=order.pk)
                answers.apply_answer(
                    order, reply.answer, actor=actor, data={**data, "kind": "order_response"}
                )
            order.refresh_from_db()
    except IntegrityError:
        existing = _existing(partner, CHANGE_RESPONSE, doc_id)
        if existing is None:
            raise
        return Applied(existing, order, False)
    return Applied(document, order, document.applied)
