"""Order endpoints (SPEC §4): submit, read, list with cursor, cancel, fetch documents."""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpResponse
from ninja import Header, Router, Status

from orderhub.accounts.audit import actor_for_token
from orderhub.authentication import company_auth
from orderhub.core import snapshot
from orderhub.core.problems import InvalidInput
from orderhub.ordering import answers, changes, receipts, selectors, services
from orderhub.ordering import status as order_status
from orderhub.ordering.schemas import (
    ChangeIn,
    ChangeOut,
    OrderCreatedOut,
    OrderDetailOut,
    OrderIn,
    OrderListOut,
    ReceiptIn,
    ReceiptOut,
)

router = Router(tags=["orders"], auth=company_auth)


@router.post("", response={201: OrderCreatedOut}, summary="Submit an order (Bestellen)")
def submit_order(
    request, payload: OrderIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    key = (idempotency_key or "").strip()
    if not key:
        raise InvalidInput("Idempotency-Key", "header required: a stable key per order submission")
    if len(key) > 200:
        raise InvalidInput("Idempotency-Key", "at most 200 characters")
    status, body = services.submit_order(
        request.company, payload, key, actor_for_token(request.auth), request
    )
    # The answer is built by the service (and replayed as stored): sent as it is, without Ninja
    # validating it again against OrderCreatedOut (which still documents it).
    return HttpResponse(
        json.dumps(body), status=status, content_type="application/json; charset=utf-8"
    )


@router.get(
    "",
    response=OrderListOut,
    summary="Orders changed since a time (oldest change first), cursor paginated",
)
def list_orders(
    request,
    updated_since: datetime | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
    order_type: str | None = None,
):
    if not 1 <= limit <= 500:
        raise InvalidInput("limit", "between 1 and 500")
    items, next_cursor = selectors.list_orders(
        request.company,
        updated_since=updated_since,
        status=status,
        cursor=cursor,
        limit=limit,
        order_type=order_type,
    )
    return {
        "items": [selectors.order_summary(o, request) for o in items],
        "next_cursor": next_cursor,
    }


@router.get(
    "/{order_id}", response=OrderDetailOut, summary="One order with lines, events and documents"
)
def get_order(request, order_id: str):
    order = selectors.get_order(request.company, order_id)
    with snapshot.one_moment():  # lines, shipments, changes and events of one moment
        order.refresh_from_db()
        return selectors.order_detail(order_status.as_read(order), request)


@router.post(
    "/{order_id}/cancel", response=OrderDetailOut, summary="Cancel a cart or an order not yet sent"
)
def cancel_order(request, order_id: str):
    order = selectors.get_order(request.company, order_id)
    services.cancel(order, actor_for_token(request.auth), reason="order.cancelled_api")
    order.refresh_from_db()
    return selectors.order_detail(order, request)


@router.post(
    "/{order_id}/close-remainder",
    response=OrderDetailOut,
    summary="Close what is still outstanding of a partly shipped order (Rest schließen)",
    description="Nothing more is expected of the order's lines; the order becomes `shipped`. "
    "409 unless the order is `partially_shipped`.",
)
def close_remainder(request, order_id: str):
    order = selectors.get_order(request.company, order_id)
    answers.close_remainder(order, actor=actor_for_token(request.auth))
    order.refresh_from_db()
    return selectors.order_detail(order, request)


@router.post(
    "/{order_id}/receipts",
    response={200: ReceiptOut, 201: ReceiptOut},
    summary="Book a goods receipt (Wareneingang): per line, or the GS1 scans of the boxes",
    description="Compares what arrived with the dispatch notification and records the "
    "differences (`differences[].code`: `short`, `surplus`, `serial_not_notified`, "
    "`serial_missing`, `wrong_article`, `unexpected_article`, `lot_differs`). 201 with the new "
    "receipt; 200 with the receipt booked before when the same `Idempotency-Key` (or "
    "`client_id`) comes again with the same body (409 with another body). A bad scan is a 422 "
    "naming `scans[i]` and the character position; 409 for an order that was not sent.",
)
def book_receipt(
    request,
    order_id: str,
    payload: ReceiptIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    order = selectors.get_order(request.company, order_id)
    key = (idempotency_key or payload.client_id or "").strip()
    if len(key) > 200:
        raise InvalidInput("Idempotency-Key", "at most 200 characters")
    if payload.received_at is not None:
        payload.received_at = selectors.checked_time(payload.received_at, "received_at")
    receipt, created = receipts.book(
        order,
        receipts.request_from_payload(payload),
        actor=actor_for_token(request.auth),
        client_id=key,
    )
    return Status(201 if created else 200, receipts.receipt_data(receipt))


@router.post(
    "/{order_id}/changes",
    response={200: ChangeOut, 201: ChangeOut},
    summary="Ask the partner to change or cancel a sent order (Änderung, Stornierung)",
    description="`kind` `change`: per line a new `quantity` and/or requested `delivery_date`, or "
    "`remove`; `added` lines (identified in the partner's catalog). `kind` `cancel`: the whole "
    "order. The change gets the next `sequence` of the order and goes to the partner, who "
    "accepts or refuses it (`GET /api/v1/orders/{id}` lists the changes with their status). "
    "409 with `code`, `params` (the values its sentence names: `status` for `closed`, "
    "`sequence` for `change_open`, `position` for `line_shipped`), `message` (German) and "
    "`message_en` when it cannot be asked for: `cart`, `not_sent` (use `/cancel`), `sending`, "
    "`shipped`, `partly_shipped` (cancel), `line_shipped`, `closed`, `change_open` (one change "
    "at a time). Optional `Idempotency-Key` header (at most "
    "200 characters): the same key with the same body answers 200 with the change asked the "
    "first time (nothing is asked again), with another body 409. Binaural pairs: a change to one "
    "side is accepted, and `pair_hints` names the other side it leaves as it is; "
    "`apply_to_pair: true` asks the same change for the other side of each pair.",
)
def request_change(
    request,
    order_id: str,
    payload: ChangeIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    order = selectors.get_order(request.company, order_id)
    actor = actor_for_token(request.auth)
    key = (idempotency_key or "").strip()
    if len(key) > 200:
        raise InvalidInput("Idempotency-Key", "at most 200 characters")
    if payload.kind == "cancel":
        if payload.lines or payload.added:
            raise InvalidInput("lines", "a cancellation cancels the whole order; it lists no lines")
        change = changes.request_cancel(order, actor=actor, note=payload.note, client_id=key)
    else:
        asked = changes.request_from_payload(payload)
        if payload.apply_to_pair:  # issue 17: the other side of each binaural pair too
            asked = changes.with_pair(order, asked)
        change = changes.request_change(order, asked, actor=actor, client_id=key)
    replayed = getattr(change, "replayed", False)  # set by changes.request_* on a repeated key
    return Status(200 if replayed else 201, changes.change_data(change))
