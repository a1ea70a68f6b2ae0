"""Partner answers: ``POST /api/v1/partner/documents`` (partner token); an order's documents
(``GET /api/v1/orders/{id}/documents/{document_id}``, company token)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from orderhub.authentication import company_auth, partner_auth
from orderhub.core.problems import InvalidInput, Problem
from orderhub.delivery import inbound
from orderhub.delivery.models import Document, document_response
from orderhub.ordering import selectors

router = Router(tags=["partner"], auth=partner_auth)
#: Mounted under /orders beside ordering's router: the documents of an order are delivery's.
order_documents = Router(tags=["orders"], auth=company_auth)


class ReceivedOut(Schema):
    document_id: int
    order_number: str
    applied: bool
    status: str


@router.post(
    "/documents",
    response={202: ReceivedOut},
    summary="Order response or dispatch notification (openTRANS XML, EDIFACT or JSON, raw body)",
)
def post_document(request):
    body = request.body
    if not body.strip():
        raise InvalidInput("body", "empty document")
    if len(body) > inbound.MAX_DOCUMENT_BYTES:
        raise Problem(
            f"a partner document is at most {inbound.MAX_DOCUMENT_BYTES} bytes; send larger "
            "interchanges split into several",
            kind="payload-too-large",
        )
    result = inbound.receive(
        request.partner, request.content_type or request.headers.get("Content-Type", ""), body
    )
    return Status(
        202,
        {
            "document_id": result.document.pk,
            "order_number": result.order.number,
            "applied": result.applied,
            "status": result.order.status,
        },
    )


@order_documents.get(
    "/{order_id}/documents/{document_id}",
    url_name="order_document",
    summary="The exact bytes of a document sent or received for the order",
)
def get_document(request, order_id: str, document_id: int):
    order = selectors.get_order(request.company, order_id)
    return document_response(get_object_or_404(Document, pk=document_id, order=order))
