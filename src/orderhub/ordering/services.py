"""Order intake (SPEC §3.6), the cart's edits, ordering from the cart, cancelling and expiry."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from orderhub.accounts.models import Company
from orderhub.catalog import identification, mappings, variants
from orderhub.catalog import issues as cart_issues
from orderhub.catalog.models import Article
from orderhub.core import actors, fastsql
from orderhub.core.problems import Conflict, InvalidInput, Problem
from orderhub.formats import options as opts
from orderhub.masterdata.models import Branch, CustomerNumber, Employee
from orderhub.masterdata.services import create_customer_number
from orderhub.ordering import channel_limits, hearing, signals, units
from orderhub.ordering import status as order_status
from orderhub.ordering.models import IdempotencyKey, Order, OrderEvent, OrderLine
from orderhub.ordering.models import OrderStatus as S
from orderhub.ordering.schemas import OrderIn
from orderhub.partners.models import Partner

CUSTOMER_NUMBER_MISSING = {"code": "customer_number_missing", "params": {}, "candidates": []}


MATCHED_BY_MAPPING = "article_mapping"


def new_order_number() -> str:
    return f"OH-{timezone.now():%y%m%d}-{secrets.token_hex(5).upper()}"


def request_hash(payload: OrderIn) -> str:
    body = hearing.without_unset(payload.model_dump(mode="json"))
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def article_snapshot(article: Article) -> dict:
    return {
        "partner_article_number": article.partner_article_number,
        "gtin": article.gtin,
        "hmv_number": article.hmv_number,
        "manufacturer_article_number": article.manufacturer_article_number,
        "description": article.short_description,
        "order_unit": article.order_unit,
        "price": article.price_text,
    }


def issues_of(order: Order) -> list[dict]:
    issues: list[dict] = []
    if order.partner.requires_customer_number and not order.customer_number:
        issues.append({"position": None, **CUSTOMER_NUMBER_MISSING})
    for line in order.lines.all():
        if line.issue and not line.removed:
            issues.append({"position": line.position, **line.issue})
    return issues


def cart_url(order: Order, request=None) -> str:
    path = reverse("cart", args=[order.pk])
    if settings.BASE_URL:
        return settings.BASE_URL + path
    return request.build_absolute_uri(path) if request is not None else path


# --- intake -----------------------------------------------------------------------------------------
#
# Reads first, writes last: everything intake needs to know (idempotency key, partner, branch, user,
# customer numbers, the identified articles) is read before the write transaction starts, so SQLite's
# write lock (BEGIN IMMEDIATE) is held only for the inserts. The reads are one statement (plus the
# identification's own); the writes are one INSERT per table. Concurrent duplicates are settled by
# the unique constraints on (company, key) and (company, external_order_id), not by the reads.


class _IntakeReads:
    """One round trip: the idempotency key's first answer, the partner row, branch and user ids, and
    the branch-level and company-level customer numbers for that partner.

    Plain SQL because it pays (issue 13, with the inserts of ``core/fastsql.py``: 3.5 ms of CPU per
    order against 9.7 ms through ORM reads with subqueries and ``bulk_create``). ``_sql`` holds the
    statement per database vendor (one entry each)."""

    _sql: dict[str, str] = {}

    def __init__(self):
        self.key_hash = self.key_status = self.key_response = None
        self.partner = self.branch_id = self.user_id = None
        self.branch_number = self.company_number = None

    @classmethod
    def sql(cls, connection) -> str:
        sql = cls._sql.get(connection.vendor)
        if sql is None:
            qn = connection.ops.quote_name
            pcols = fastsql.select_columns(Partner, "p", connection)
            numbers = CustomerNumber._meta.db_table
            sql = cls._sql[connection.vendor] = (
                "SELECT k.request_hash, k.status_code, k.response, b.id, u.id, "
                f"(SELECT c.number FROM {numbers} c WHERE c.company_id = %s AND c.partner_id = p.id "
                "AND c.branch_id = b.id AND c.is_active = %s), "
                f"(SELECT c.number FROM {numbers} c WHERE c.company_id = %s AND c.partner_id = p.id "
                f"AND c.branch_id IS NULL AND c.is_active = %s), {pcols} "
                "FROM (SELECT 1 AS one) one "
                f"LEFT JOIN {IdempotencyKey._meta.db_table} k ON k.company_id = %s AND k.{qn('key')} = %s "
                f"LEFT JOIN {Partner._meta.db_table} p ON p.slug = %s AND p.is_active = %s "
                f"LEFT JOIN {Branch._meta.db_table} b ON b.company_id = %s AND b.external_id = %s AND b.is_active = %s "
                f"LEFT JOIN {Employee._meta.db_table} u ON u.company_id = %s AND u.external_id = %s AND u.is_active = %s"
            )
        return sql

    @classmethod
    def fetch(cls, company, payload: OrderIn, idempotency_key: str) -> _IntakeReads:
        connection = connections[router.db_for_read(Order)]
        cid = Company._meta.pk.get_db_prep_value(company.pk, connection)
        params = (
            cid,
            True,
            cid,
            True,
            cid,
            idempotency_key,
            payload.partner,
            True,
            cid,
            payload.branch_id,
            True,
            cid,
            payload.ordered_by,
            True,
        )
        with connection.cursor() as cursor:
            cursor.execute(cls.sql(connection), params)
            row = cursor.fetchone()
        reads = cls()
        (
            reads.key_hash,
            reads.key_status,
            response,
            reads.branch_id,
            reads.user_id,
            reads.branch_number,
            reads.company_number,
        ) = row[:7]
        if reads.key_hash is not None:
            reads.key_response = (
                json.loads(response) if isinstance(response, (str, bytes)) else response
            )
        if row[7] is not None:
            reads.partner = fastsql.from_row(Partner, row[7:], connection)
        return reads

    def references(self, payload: OrderIn):
        """(partner, branch id, user id), or the first unknown reference as 422."""
        if self.partner is None:
            raise InvalidInput("partner", f"unknown or inactive partner {payload.partner!r}")
        if self.branch_id is None:
            raise InvalidInput("branch_id", f"unknown or inactive branch {payload.branch_id!r}")
        if self.user_id is None:
            raise InvalidInput("ordered_by", f"unknown or inactive user {payload.ordered_by!r}")
        return self.partner, self.branch_id, self.user_id


def submit_order(
    company, payload: OrderIn, idempotency_key: str, actor: str, request=None
) -> tuple[int, dict]:
    """Accept an order: forwarded at once when complete, otherwise a 6-hour cart. Idempotent."""
    digest = request_hash(payload)
    reads = _IntakeReads.fetch(company, payload, idempotency_key)
    if reads.key_hash is None:
        partner, branch_id, user_id = reads.references(payload)
        prepared = _prepare_order(
            company, payload, reads, partner, branch_id, user_id, actor, request
        )
        channel_limits.check_intake(prepared.order, prepared.lines)  # 422 before any write
        if payload.names_attachments:  # issue 17: the attachments app checks them (422)
            signals.order_checking.send(sender=Order, company=company, payload=payload)
        try:
            with transaction.atomic():
                return _write_order(company, prepared, digest, idempotency_key, actor, payload)
        except IntegrityError:
            # A concurrent request with this key or this external order id committed first; the
            # unique constraints made this one roll back entirely. Answer as the winner did.
            previous = IdempotencyKey.objects.filter(company=company, key=idempotency_key).first()
            if previous is None:
                raise _external_id_taken(company, payload.external_order_id) from None
            reads.key_hash, reads.key_status, reads.key_response = (
                previous.request_hash,
                previous.status_code,
                previous.response,
            )
    if reads.key_hash != digest:
        raise Conflict(
            "this Idempotency-Key was used with a different request body",
            title="Idempotency key reused",
        )
    return reads.key_status, reads.key_response


def _external_id_taken(company, external_order_id) -> Problem:
    existing = Order.objects.filter(company=company, external_order_id=external_order_id).first()
    return Conflict(
        f"external_order_id {external_order_id!r} already belongs to order "
        f"{existing.number if existing else '(in progress)'}",
        title="Order already exists",
        order_id=str(existing.pk) if existing else None,
    )


class _Prepared:
    __slots__ = ("complete", "lines", "order", "response")
    complete: bool
    lines: list[OrderLine]
    order: Order
    response: dict


def _prepare_order(
    company, payload: OrderIn, reads: _IntakeReads, partner, branch_id, user_id, actor, request
) -> _Prepared:
    """Everything but the writes: the order and its lines in memory, identified, and the answer."""
    checked = hearing.check(company, payload)  # issue 17: options, pairs, order type (422)
    now = timezone.now()
    customer_number = (
        (payload.customer_number or "").strip() or reads.branch_number or reads.company_number or ""
    )
    order = Order(
        company=company,
        number=new_order_number(),
        external_order_id=payload.external_order_id,
        partner=partner,
        branch_id=branch_id,
        ordered_by_id=user_id,
        customer_number=customer_number,
        reference=payload.reference,
        note=payload.note,
        created_at=now,
        updated_at=now,
        status=S.CART,
        order_type=payload.order_type,
        original_order=checked.original_order,
        return_date=payload.return_date,
        fitting_reference=payload.fitting_reference or "",
    )
    results = identification.identify_many(
        partner,
        [
            identification.LineQuery(
                partner_article_number=l.partner_article_number,
                gtin=l.gtin,
                hmv_number=l.hmv_number,
                manufacturer_article_number=l.manufacturer_article_number,
                description=l.description,
                attributes=l.attributes,
            )
            for l in payload.lines
        ],
    )
    # Issue 17: the options select the variant, or say what the catalog does not offer.
    terms = variants.terms_of(partner)
    results = [variants.apply(partner, r, o, terms) for r, o in zip(results, checked.options)]
    unresolved = [
        i for i, r in enumerate(results) if r.code in ("article_not_found", "article_ambiguous")
    ]
    if unresolved:  # a person's earlier choice for the same line (catalog.mappings)
        mapped = mappings.lookup(company, partner, [payload.lines[i] for i in unresolved])
        for n, article in mapped.items():
            results[unresolved[n]] = variants.apply(
                partner,
                identification.Identification(
                    code="identified",
                    article=article,
                    matched_by=MATCHED_BY_MAPPING,
                    why=[{"code": "by_mapping"}],
                ),
                checked.options[unresolved[n]],
                terms,
            )
    lines: list[OrderLine] = []
    issues: list[dict] = []
    line_issues: list[dict] = []
    complete = bool(customer_number) or not partner.requires_customer_number
    if not complete:
        issues.append({"position": None, **CUSTOMER_NUMBER_MISSING})
    for line_in, result, options in zip(payload.lines, results, checked.options):
        line = OrderLine(
            order=order,
            position=line_in.position,
            quantity=line_in.quantity,
            unit=line_in.unit,
            partner_article_number=line_in.partner_article_number or "",
            gtin=line_in.gtin or "",
            hmv_number=line_in.hmv_number or "",
            manufacturer_article_number=line_in.manufacturer_article_number or "",
            description=line_in.description,
            attributes=hearing.stored_attributes(line_in.attributes, options),
            pair=line_in.pair or "",
            matched_by=result.matched_by,
        )
        if result.identified and result.article is not None:
            line.article = result.article
            line.article_snapshot = article_snapshot(result.article)
        else:
            if result.alternatives and result.article is not None:  # the device is known
                line.article = result.article
                line.article_snapshot = article_snapshot(result.article)
            line.issue = result.issue()
            line_issues.append({"position": line.position, **line.issue})
            complete = False
        lines.append(line)
    issues.extend(
        sorted(line_issues, key=lambda i: i["position"])
    )  # as issues_of() reads them: by position
    if complete:
        order.status, order.ordered_at = S.QUEUED, now
    else:
        order.cart_expires_at = now + timedelta(hours=settings.CART_TTL_HOURS)
    prepared = _Prepared()
    prepared.order, prepared.lines, prepared.complete = order, lines, complete
    # The answer is built from what is about to be written (as issues_of() would read it back).
    prepared.response = {
        "id": str(order.pk),
        "number": order.number,
        "status": order.status,
        "cart_url": None if complete else cart_url(order, request),
        "cart_expires_at": order.cart_expires_at.isoformat() if order.cart_expires_at else None,
        "issues": [] if complete else [cart_issues.for_api(i) for i in issues],
    }
    return prepared


def _write_order(
    company, prepared: _Prepared, digest, idempotency_key, actor, payload: OrderIn
) -> tuple[int, dict]:
    """The writes only, one statement per table (inside the caller's transaction)."""
    order, complete = prepared.order, prepared.complete
    reason = "intake.complete" if complete else "intake.cart"
    params = {}
    by_mapping = [
        str(line.position) for line in prepared.lines if line.matched_by == MATCHED_BY_MAPPING
    ]
    if by_mapping:
        reason, params = f"{reason}_mapped", {"positions": ", ".join(by_mapping)}
    data = {"idempotency_key": idempotency_key}
    if not complete:  # why a person was needed (straight-through rate, selectors.straight_through)
        data["cart_reasons"] = sorted({i["code"] for i in prepared.response["issues"]})
    event = OrderEvent(
        order=order,
        at=order.created_at,
        **actors.fields(actor),
        to_status=order.status,
        reason_code=reason,
        reason_params=params,
        data=data,
    )
    key = IdempotencyKey(
        company=company,
        key=idempotency_key,
        request_hash=digest,
        order=order,
        status_code=201,
        response=prepared.response,
        created_at=order.created_at,
    )
    # Unique (company, external_order_id) and (company, key) guard against a second order; one
    # round trip on PostgreSQL.
    fastsql.insert([order], prepared.lines, [event], [key])
    if payload.names_attachments:
        signals.order_written.send(
            sender=Order, order=order, lines=prepared.lines, payload=payload, actor=actor
        )
    _announce(order, event)
    if complete:
        _enqueue_delivery(order, new_order=True)
    return 201, prepared.response


def _announce(order: Order, event: OrderEvent) -> None:
    """The new order is announced like a status change (the company's webhooks hear about it) —
    after the commit: intake reads nothing inside its write transaction (SQLite's write lock), and
    whether the company has webhooks is a read. A process that dies in between loses that one
    announcement; the order and every later status change are unaffected."""
    transaction.on_commit(lambda: signals.order_events.send(sender=Order, pairs=[(order, event)]))


def _enqueue_delivery(order: Order, new_order: bool = False) -> None:
    signals.order_ready.send(sender=Order, order=order, new_order=new_order)


# --- cart -----------------------------------------------------------------------------------------


class CartClosed(Problem):
    kind = "cart-closed"


class CartInputError(InvalidInput):
    """A value a person typed into the cart is refused: ``message`` is a sentence in the request's
    language naming the position; ``field`` and ``position`` say where the page shows it."""

    def __init__(self, field: str, message: str, position: int | None = None):
        super().__init__(field, str(message))
        self.detail = str(message)
        self.field = field
        self.position = position


def cart_closed_message(order: Order) -> str:
    """Why a cart can no longer be changed, as a sentence for the person."""
    if order.status == S.EXPIRED:
        return gettext(
            "Dieser Warenkorb ist abgelaufen und kann nicht mehr geändert werden. Warenkörbe "
            "gelten 6 Stunden; es wurde nichts bestellt."
        )
    if order.status == S.CANCELLED:
        return gettext("Dieser Warenkorb wurde storniert und kann nicht mehr geändert werden.")
    return gettext("Dieser Warenkorb wurde bereits bestellt und kann nicht mehr geändert werden.")


def expire_if_due(order: Order, now=None) -> Order:
    now = now or timezone.now()
    if order.status == S.CART and order.cart_expires_at and order.cart_expires_at <= now:
        try:
            order_status.transition(order, S.EXPIRED, actor=actors.SYSTEM, reason="cart.expired")
        except order_status.TransitionNotAllowed:
            order.refresh_from_db()
    return order


def expire_due_carts(now=None) -> int:
    """The periodic task: every cart older than 6 hours becomes ``expired``; nothing is sent."""
    now = now or timezone.now()
    expired = 0
    for order in Order.objects.filter(status=S.CART, cart_expires_at__lte=now).only(
        "pk", "status", "cart_expires_at"
    ):
        before = order.status
        expire_if_due(order, now)
        expired += order.status != before
    return expired


def _open_cart(order: Order) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    expire_if_due(order)
    if order.status != S.CART:
        raise CartClosed(cart_closed_message(order))
    return order


@transaction.atomic
def pick_article(order: Order, line: OrderLine, article: Article, actor: str) -> None:
    order = _open_cart(order)
    if article.partner_id != order.partner_id:
        raise CartInputError(
            "article_id",
            gettext(
                "Position %(position)s: Dieser Artikel gehört nicht zum Katalog von %(partner)s."
            )
            % {"position": line.position, "partner": order.partner.name},
            line.position,
        )
    # The picked variant decides the options it carries (side, colour …); what it still does
    # not offer (a receiver or dome of its family) stays an issue (catalog.variants).
    options = variants.adopt(article, hearing.line_options(line))
    remaining = variants.accessories(
        order.partner, article, options, variants.terms_of(order.partner)
    )
    line.article, line.article_snapshot, line.issue, line.matched_by = (
        article,
        article_snapshot(article),
        remaining.issue() if remaining else None,
        "cart",
    )
    line.attributes = hearing.stored_attributes(line.attributes, options)
    line.save(update_fields=["article", "article_snapshot", "issue", "matched_by", "attributes"])
    mappings.remember(order.company, order.partner, line, article, actor)
    order_status.note(
        order,
        actor=actor,
        reason="cart.article_chosen",
        params={"position": line.position, "article": article.partner_article_number},
    )


@transaction.atomic
def pick_option(order: Order, line: OrderLine, key: str, value: dict, actor: str) -> None:
    """A person picks one of the option values the catalog offers (an issue's ``alternatives``):
    the line's option becomes that value and the line is checked against the catalog again."""
    order = _open_cart(order)
    offered = [a for a in (line.issue or {}).get("alternatives", []) if a.get("option") == key]
    if line.article is None or not any(a.get("value") == value for a in offered):
        raise CartInputError(
            "option",
            gettext("Position %(position)s: Bitte eine der angebotenen Optionen wählen.")
            % {"position": line.position},
            line.position,
        )
    options = hearing.line_options(line)
    options[key] = opts.OptionValue.from_dict(value)
    options = {k: options[k] for k in opts.OPTION_KEYS if k in options}
    remaining = variants.check(
        order.partner, line.article, options, variants.terms_of(order.partner)
    )
    line.attributes = hearing.stored_attributes(line.attributes, options)
    line.issue = remaining.issue() if remaining else None
    line.save(update_fields=["attributes", "issue"])
    order_status.note(
        order,
        actor=actor,
        reason="cart.option_chosen",
        params={"position": line.position, "option": key, "option_value": options[key].as_dict()},
    )


def check_quantity(line: OrderLine, quantity) -> Decimal:
    """The quantity a person typed for ``line`` (a Decimal, or None when it was not a number),
    checked: greater than 0, at most 100000, at most 3 decimals, whole for a piece-type unit."""
    if (
        quantity is None
        or not quantity.is_finite()
        or not 0 < quantity <= 100_000
        or quantity != quantity.quantize(Decimal("0.001"))
    ):
        raise CartInputError(
            "quantity",
            gettext(
                "Position %(position)s: Bitte eine Menge größer als 0 und höchstens 100.000 "
                "eingeben (höchstens 3 Nachkommastellen)."
            )
            % {"position": line.position},
            line.position,
        )
    unit = units.line_unit(line)
    if units.counts_whole(unit) and not units.is_whole(quantity):
        raise CartInputError(
            "quantity",
            gettext(
                "Position %(position)s: Bitte eine ganze Zahl eingeben – dieser Artikel wird in "
                "%(unit)s bestellt."
            )
            % {"position": line.position, "unit": units.WHOLE_UNIT_NAMES[unit.strip().upper()]},
            line.position,
        )
    return quantity


@transaction.atomic
def set_quantity(order: Order, line: OrderLine, quantity, actor: str) -> None:
    order = _open_cart(order)
    quantity = check_quantity(line, quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    order_status.note(
        order,
        actor=actor,
        reason="cart.quantity",
        params={"position": line.position, "quantity": str(quantity)},
    )


@transaction.atomic
def remove_line(order: Order, line: OrderLine, actor: str, restore: bool = False) -> None:
    order = _open_cart(order)
    line.removed = not restore
    line.save(update_fields=["removed"])
    order_status.note(
        order,
        actor=actor,
        reason="cart.line_restored" if restore else "cart.line_removed",
        params={"position": line.position},
    )


@transaction.atomic
def set_customer_number(
    order: Order,
    number: str,
    actor: str,
    save_to_masterdata: bool = False,
    for_branch: bool = False,
) -> None:
    order = _open_cart(order)
    number = clean_customer_number(number)
    previous = order.customer_number
    Order.objects.filter(pk=order.pk).update(customer_number=number)
    if save_to_masterdata:
        create_customer_number(
            order.company, order.partner, order.branch if for_branch else None, number, actor
        )
    order_status.note(
        order,
        actor=actor,
        reason=("cart.customer_number_replaced" if previous else "cart.customer_number_entered")
        + ("_saved" if save_to_masterdata else ""),
        params={"old": previous, "new": number} if previous else {},
    )


def clean_customer_number(number: str) -> str:
    number = (number or "").strip()
    if not number or len(number) > 64 or any(not c.isprintable() for c in number):
        raise CartInputError(
            "customer_number",
            gettext("Bitte eine Kundennummer mit 1 bis 64 Zeichen eingeben (ohne Steuerzeichen)."),
        )
    return number


def customer_number_replacements(
    order: Order, number: str, save_to_masterdata: bool, for_branch: bool
) -> list[str]:
    """Sentences naming each customer number that entering ``number`` would replace (the cart's
    own, the one saved in master data for that scope); empty when nothing is overwritten."""
    replaces = []
    if order.customer_number and order.customer_number != number:
        replaces.append(
            gettext("Die Kundennummer dieses Warenkorbs „%(old)s“ wird durch „%(new)s“ ersetzt.")
            % {"old": order.customer_number, "new": number}
        )
    if save_to_masterdata:
        saved = CustomerNumber.objects.filter(
            company_id=order.company_id,
            partner_id=order.partner_id,
            branch_id=order.branch_id if for_branch else None,  # type: ignore[misc]  # None: IS NULL
            is_active=True,
        ).first()
        if saved is not None and saved.number != number:
            scope = (
                gettext("für Filiale %(branch)s") % {"branch": order.branch.name}
                if for_branch
                else gettext("für das ganze Unternehmen")
            )
            replaces.append(
                gettext(
                    "In den Stammdaten wird die Kundennummer „%(old)s“ (%(scope)s) durch "
                    "„%(new)s“ ersetzt."
                )
                % {"old": saved.number, "new": number, "scope": scope}
            )
    return replaces


def cart_problems(order: Order) -> list[str]:
    """What still prevents ordering, as sentences in the request's language; the same checks
    intake makes, re-run on the server."""
    problems = []
    if order.partner.requires_customer_number and not order.customer_number:
        problems.append(gettext("Die Kundennummer fehlt."))
    live = [l for l in order.lines.select_related("article") if not l.removed]
    if not live:
        problems.append(gettext("Es ist keine Position mehr im Warenkorb."))
    for line in live:
        a = line.article
        if a is None or line.issue:
            problems.append(
                gettext("Position %(position)s: Der Artikel ist noch nicht eindeutig bestimmt.")
                % {"position": line.position}
            )
        elif a.partner_id != order.partner_id or a.is_discontinued:
            problems.append(
                gettext("Position %(position)s: Dieser Artikel kann nicht bestellt werden.")
                % {"position": line.position}
            )
        elif units.counts_whole(units.line_unit(line)) and not units.is_whole(line.quantity):
            problems.append(
                gettext("Position %(position)s: Bitte eine ganze Zahl als Menge eingeben.")
                % {"position": line.position}
            )
    problems.extend(channel_limits.cart_problems(order))
    return problems


@transaction.atomic
def order_cart(order: Order, actor: str) -> Order:
    order = _open_cart(order)
    problems = cart_problems(order)
    if problems:
        raise Problem("; ".join(problems), kind="cart-incomplete")
    order_status.transition(
        order,
        S.QUEUED,
        actor=actor,
        reason="cart.ordered",
        fields={"ordered_at": timezone.now()},
    )
    _enqueue_delivery(order)
    return order


@transaction.atomic
def cancel(order: Order, actor: str, reason: str = "order.cancelled") -> Order:
    """Cancel a cart or an order not sent yet; ``reason`` is a code of ``ordering/reasons.py``."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    expire_if_due(order)
    if order.status not in order_status.CANCELLABLE:
        raise Conflict(
            f"order is {order.status}; only carts and orders not yet sent can be cancelled",
            title="Cannot cancel",
        )
    order_status.transition(order, S.CANCELLED, actor=actor, reason=reason)
    signals.order_cancelled.send(sender=Order, order=order)
    return order
