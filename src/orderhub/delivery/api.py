"""Partner answers: ``POST /api/v1/partner/documents`` (partner token)."""

from __future__ import annotations

from ninja import Router, Schema, Status

from orderhub.core.auth import partner_auth
from orderhub.core.problems import InvalidInput, Problem
from orderhub.delivery import inbound

router = Router(tags=["partner"], auth=partner_auth)
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class ReceivedOut(Schema):
    document_id: int
    order_number: str
    applied: bool
    status: str


@router.post("/documents", response={202: ReceivedOut},
             summary="Order response or dispatch notification (openTRANS XML, EDIFACT or JSON, raw body)")
def post_document(request):
    body = request.body
    if not body.strip():
        raise InvalidInput("body", "empty document")
    if len(body) > MAX_DOCUMENT_BYTES:
        raise Problem("document too large", status=413, title="Payload too large")
    result = inbound.receive(request.partner, request.content_type or request.headers.get("Content-Type", ""), body)
    return Status(202, {"document_id": result.document.pk, "order_number": result.order.number,
                        "applied": result.applied, "status": result.order.status})
