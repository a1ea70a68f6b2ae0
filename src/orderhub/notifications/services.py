"""Deciding, addressing, rendering and sending notices (issue 15).

* **Deciding**: :func:`record` creates the :class:`Notice` once per ``(kind, key)`` (a unique
  constraint; a second signal or a second worker gets an IntegrityError and does nothing) with one
  :class:`Mail` per recipient, inside the caller's transaction (a savepoint), so a rolled-back
  answer leaves no notice behind.
* **Addressing** (:func:`recipients`): the ordering employee, when they have an active login that
  may see the order's branch and did not turn the kind off, or when the administrator allowed mail
  to them (no login) and they work for that branch; and the branch's notification address. Never
  anyone of another company or another branch.
* **Sending** (:func:`send_mails`) after the commit (``transaction.on_commit``) and from the
  worker's periodic work (:func:`run_periodic`: retries with backoff, the time-based notices),
  each run bounded in time. A failing relay never breaks the order: the error is recorded on the
  mail and it is tried again later.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from orderhub.accounts import access
from orderhub.accounts.models import Account
from orderhub.delivery.models import Delivery, OutboxStatus
from orderhub.notifications.models import (
    BranchAddress,
    CompanySetting,
    EmployeeAllowance,
    Kind,
    Mail,
    Notice,
    Preference,
)
from orderhub.ordering.models import Order, OrderLine, OrderStatus

log = logging.getLogger(__name__)

SUBJECTS: dict[str, str] = {
    Kind.CART_OPENED: gettext_noop("Warenkorb geöffnet: Bestellung %(number)s an %(partner)s"),
    Kind.CART_EXPIRING: gettext_noop(
        "Warenkorb läuft in einer Stunde ab: Bestellung %(number)s an %(partner)s"
    ),
    Kind.ORDER_REJECTED: gettext_noop("Bestellung %(number)s von %(partner)s abgelehnt"),
    Kind.ORDER_CHANGED: gettext_noop("Bestellung %(number)s von %(partner)s geändert"),
    Kind.DELIVERY_FAILING: gettext_noop("Zustellung gestört: Bestellung %(number)s an %(partner)s"),
}
#: Line answers worth naming in a "changed"/"rejected" notice (not "as ordered").
CHANGED_LINES = {
    OrderLine.LineStatus.CHANGED,
    OrderLine.LineStatus.SUBSTITUTED,
    OrderLine.LineStatus.BACKORDERED,
    OrderLine.LineStatus.REJECTED,
}
#: A claimed mail is not due again for this long (another worker leaves it alone meanwhile).
CLAIM_SECONDS = 300
#: At most this many mails, carts and deliveries per periodic run (and ``NOTIFY_PERIODIC_SECONDS``).
BATCH = 50


# --------------------------------------------------------------------------- which deliveries fail


def failing(deliveries):
    """Deliveries whose attempts fail and that are being retried (not delivered, not given up)."""
    return deliveries.filter(
        Q(status=OutboxStatus.RETRYING) | Q(status=OutboxStatus.IN_PROGRESS, attempts__gt=1),
        delivered_at__isnull=True,
        first_attempt_at__isnull=False,
    )


# --------------------------------------------------------------------------- recipients


@dataclass(frozen=True)
class Recipient:
    email: str
    role: str
    language: str


def company_language(company_id) -> str:
    return (
        CompanySetting.objects.filter(company_id=company_id)
        .values_list("language", flat=True)
        .first()
        or ""
    )


def recipients(order: Order, kind: str) -> list[Recipient]:
    """Who is told about ``order`` (see the module's docstring); one mail per address."""
    language = company_language(order.company_id)
    found: dict[str, Recipient] = {}
    employee = order.ordered_by
    if employee.company_id == order.company_id and employee.is_active and employee.email:
        account = (
            Account.objects.filter(employee=employee, company_id=order.company_id)
            .select_related("user")
            .first()
        )
        if account is not None:
            preference = Preference.objects.filter(account=account).first()
            if (
                account.user.is_active
                and access.for_account(account).allows_branch(order.branch_id)
                and (preference is None or preference.wants(kind))
            ):
                own = preference.language if preference is not None else ""
                found[employee.email.lower()] = Recipient(
                    employee.email, Mail.Role.PERSON, own or language
                )
        elif EmployeeAllowance.objects.filter(employee=employee).exists() and (
            employee.is_admin or employee.branches.filter(pk=order.branch_id).exists()
        ):
            found[employee.email.lower()] = Recipient(employee.email, Mail.Role.PERSON, language)
    address = BranchAddress.objects.filter(
        branch_id=order.branch_id, branch__company_id=order.company_id, branch__is_active=True
    ).first()
    if address is not None and address.email and address.email.lower() not in found:
        found[address.email.lower()] = Recipient(address.email, Mail.Role.BRANCH, language)
    return list(found.values())


# --------------------------------------------------------------------------- deciding


def _quantity(value) -> str | None:
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


def _date(value) -> str | None:
    return value.isoformat() if value else None


def order_params(order: Order) -> dict:
    return {
        "number": order.number,
        "external_order_id": order.external_order_id,
        "partner": order.partner.name,
        "branch": order.branch.name,
        "reference": order.reference,
    }


def answered_lines(order: Order) -> list[dict]:
    """The lines the partner did not confirm as ordered, as codes and values."""
    rows = []
    for line in order.lines.filter(removed=False).order_by("position"):
        if line.line_status not in CHANGED_LINES and not line.answer_note:
            continue
        rows.append(
            {
                "position": line.position,
                "description": line.description,
                "status": line.line_status,
                "quantity": _quantity(line.quantity),
                "confirmed_quantity": _quantity(line.confirmed_quantity),
                "backordered_quantity": _quantity(line.backordered_quantity),
                "backorder_date": _date(line.backorder_date),
                "delivery_date": _date(line.delivery_date),
                "changed_article_number": line.changed_article_number,
                "note": line.answer_note,
            }
        )
    return rows


def record(order: Order, kind: str, key: str, params: dict) -> Notice | None:
    """Decide the notice once (None when it was decided before); its mails go out after the
    commit (or at the worker's next periodic run)."""
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                company_id=order.company_id, order=order, kind=kind, key=key, params=params
            )
            mails = Mail.objects.bulk_create(
                [
                    Mail(notice=notice, email=r.email, role=r.role, language=r.language)
                    for r in recipients(order, kind)
                ]
            )
    except IntegrityError:
        return None
    if mails and settings.NOTIFY_IMMEDIATE:
        ids = [m.pk for m in mails]
        transaction.on_commit(lambda: send_mails(ids), robust=True)
    return notice


def kind_for_event(event) -> str | None:
    """The notice an order event calls for: a new cart, a rejection, a partner's changes."""
    if event.to_status == OrderStatus.CART and not event.from_status:
        return Kind.CART_OPENED
    if event.to_status == OrderStatus.REJECTED:
        return Kind.ORDER_REJECTED
    if event.to_status == OrderStatus.PARTIALLY_CONFIRMED:
        return Kind.ORDER_CHANGED
    return None


def notify_event(order: Order, event, kind: str) -> Notice | None:
    order = Order.objects.select_related("partner", "branch", "ordered_by").get(pk=order.pk)
    params = order_params(order)
    if kind == Kind.CART_OPENED:
        params["expires_at"] = order.cart_expires_at.isoformat() if order.cart_expires_at else None
        params["issues"] = order.lines.filter(removed=False, issue__isnull=False).count()
        return record(order, kind, str(order.pk), params)
    params["lines"] = answered_lines(order)
    if kind == Kind.ORDER_REJECTED:
        return record(order, kind, str(order.pk), params)
    return record(order, kind, f"event:{event.pk}", params)


def notice_expiring_carts(now: datetime | None = None, limit: int = BATCH) -> int:
    """Carts that expire within the hour and have had no such notice."""
    now = now or timezone.now()
    already = Notice.objects.filter(kind=Kind.CART_EXPIRING, order=OuterRef("pk"))
    carts = (
        Order.objects.filter(
            status=OrderStatus.CART,
            cart_expires_at__gt=now,
            cart_expires_at__lte=now + timedelta(hours=1),
        )
        .filter(~Exists(already))
        .select_related("partner", "branch", "ordered_by")
        .order_by("cart_expires_at")[:limit]
    )
    made = 0
    for order in carts:
        expires_at = order.cart_expires_at
        assert expires_at is not None  # the query asked for a time within the hour
        params = {**order_params(order), "expires_at": expires_at.isoformat()}
        if record(order, Kind.CART_EXPIRING, str(order.pk), params) is not None:
            made += 1
    return made


def notice_failing_deliveries(now: datetime | None = None, limit: int = BATCH) -> int:
    """Deliveries failing for more than ``NOTIFY_FAILING_MINUTES``: one notice per failing streak
    (a manual retry of a dead delivery starts a new one)."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.NOTIFY_FAILING_MINUTES)
    already = Notice.objects.filter(
        kind=Kind.DELIVERY_FAILING,
        order=OuterRef("order_id"),
        created_at__gte=OuterRef("first_attempt_at"),
    )
    deliveries = (
        failing(Delivery.objects.filter(first_attempt_at__lte=cutoff))
        .filter(~Exists(already))
        .select_related("order__partner", "order__branch", "order__ordered_by")
        .order_by("first_attempt_at")[:limit]
    )
    made = 0
    for delivery in deliveries:
        order = delivery.order
        params = {
            **order_params(order),
            "since": delivery.first_attempt_at.isoformat(),
            "minutes": int((now - delivery.first_attempt_at).total_seconds() // 60),
            "attempts": delivery.attempts,
            "error": delivery.last_error[:300],
        }
        key = f"{delivery.pk}@{delivery.first_attempt_at.isoformat()}"
        if record(order, Kind.DELIVERY_FAILING, key, params) is not None:
            made += 1
    return made


# --------------------------------------------------------------------------- rendering


def _absolute(path: str) -> str:
    return settings.BASE_URL + path if settings.BASE_URL else path


def _context(notice: Notice) -> dict:
    """The template's values in the active language (status names, dates as datetimes)."""
    params = dict(notice.params)
    for name in ("expires_at", "since"):
        if params.get(name):
            params[name] = datetime.fromisoformat(params[name])
    lines = []
    for line in params.get("lines", []):
        line = dict(line)
        status = line.get("status")
        if status in OrderLine.LineStatus.values:
            line["status_label"] = str(OrderLine.LineStatus(status).label)
        for name in ("backorder_date", "delivery_date"):
            if line.get(name):
                line[name] = datetime.fromisoformat(line[name]).date()
        lines.append(line)
    params["lines"] = lines
    if notice.order_id is not None:
        name = "cart" if notice.kind in (Kind.CART_OPENED, Kind.CART_EXPIRING) else "order_detail"
        params["link"] = _absolute(reverse(name, args=[notice.order_id]))
    params["settings_link"] = _absolute(reverse("notification_settings"))
    return params


def render(mail: Mail) -> tuple[str, str]:
    """(subject, body) in the recipient's language, or German with English below."""
    notice = mail.notice
    languages = [mail.language] if mail.language in ("de", "en") else ["de", "en"]
    subjects, bodies = [], []
    for language in languages:
        with translation.override(language):
            context = {**_context(notice), "role": mail.role}
            subjects.append(_(SUBJECTS[notice.kind]) % context)
            bodies.append(
                render_to_string(f"notifications/mail/{notice.kind}.txt", context).strip()
            )
    return " / ".join(subjects), "\n\n-- English --\n\n".join(bodies) + "\n"


# --------------------------------------------------------------------------- sending


def _obsolete(notice: Notice) -> bool:
    """A cart notice for a cart that is no cart any more, a failing notice for a delivery that
    went through meanwhile: not worth sending late."""
    if notice.order_id is None:
        return False
    if notice.kind in (Kind.CART_OPENED, Kind.CART_EXPIRING):
        return not Order.objects.filter(pk=notice.order_id, status=OrderStatus.CART).exists()
    if notice.kind == Kind.DELIVERY_FAILING:
        return not failing(Delivery.objects.filter(order_id=notice.order_id)).exists()
    return False


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _claim(pk: int) -> Mail | None:
    now = timezone.now()
    claimed = Mail.objects.filter(
        pk=pk, status=Mail.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return None
    return Mail.objects.select_related("notice").get(pk=pk)


def send_mails(ids: list[int], deadline: float | None = None) -> dict:
    """Send these mails (those still due: a mail another process claimed is left alone) over one
    SMTP connection; stops at ``deadline`` (``time.monotonic()``). Never raises."""
    done = {"sent": 0, "retry": 0, "failed": 0, "obsolete": 0}
    connection = None
    try:
        for pk in ids:
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                mail = _claim(pk)
                if mail is None:
                    continue
                if _obsolete(mail.notice):
                    Mail.objects.filter(pk=pk).update(status=Mail.Status.OBSOLETE)
                    done["obsolete"] += 1
                    continue
                subject, body = render(mail)
            except Exception:
                log.exception("notification mail %s not prepared", pk)
                continue
            try:
                if connection is None:
                    connection = get_connection(timeout=settings.NOTIFY_SMTP_TIMEOUT)
                    connection.open()
                EmailMessage(
                    subject,
                    body,
                    from_email=settings.NOTIFY_EMAIL_FROM,
                    to=[mail.email],
                    connection=connection,
                ).send()
            except Exception as exc:
                done[_failed(mail, exc)] += 1
                _close(connection)
                connection = None
                continue
            Mail.objects.filter(pk=pk).update(
                status=Mail.Status.SENT,
                sent_at=timezone.now(),
                attempts=F("attempts") + 1,
                last_error="",
            )
            done["sent"] += 1
    finally:
        _close(connection)
    return done


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:
            log.debug("closing the SMTP connection failed", exc_info=True)


def _failed(mail: Mail, exc: Exception) -> str:
    attempts = mail.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:500]
    log.warning(
        "notification mail %s to %s not sent (try %d): %s", mail.pk, mail.email, attempts, error
    )
    if attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        Mail.objects.filter(pk=mail.pk).update(
            status=Mail.Status.FAILED, attempts=attempts, last_error=error
        )
        return "failed"
    Mail.objects.filter(pk=mail.pk).update(
        attempts=attempts,
        last_error=error,
        next_attempt_at=timezone.now() + _retry_delay(attempts),
    )
    return "retry"


def send_due(deadline: float | None = None, limit: int = BATCH) -> dict:
    ids = list(
        Mail.objects.filter(status=Mail.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return send_mails(ids, deadline)


def run_periodic(now: datetime | None = None) -> dict:
    """The worker's periodic part: carts expiring within the hour, deliveries failing for long,
    then the mails that are due (new and retried), all within ``NOTIFY_PERIODIC_SECONDS``."""
    deadline = time.monotonic() + settings.NOTIFY_PERIODIC_SECONDS
    result = {
        "cart_expiring": notice_expiring_carts(now),
        "delivery_failing": notice_failing_deliveries(now),
    }
    sent = send_due(deadline)
    return {**result, **{k: v for k, v in sent.items() if v}}
