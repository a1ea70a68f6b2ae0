"""The transactional outbox (SPEC §3.8): one Delivery per order, every attempt, every document.

The outbox tables are the delivery queue: a worker claims due rows directly (``SELECT … FOR UPDATE
SKIP LOCKED`` on PostgreSQL) under a lease, with backoff and a dead letter. Four kinds of row share
those fields (:class:`OutboxRow`): an order's :class:`Delivery` to its partner, a
:class:`WebhookDelivery`, one per (order event, company webhook), a :class:`ChangeDelivery` per
order change and a :class:`ReceiptDelivery` per acknowledged goods receipt.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from orderhub.accounts.models import Company
from orderhub.core.actors import Actor
from orderhub.ordering.models import GoodsReceipt, Order, OrderChange, OrderEvent
from orderhub.partners.models import Partner

#: Attempts of one company-webhook event before it is dead-lettered (again after each manual retry).
WEBHOOK_MAX_TRIES = 5


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("wartet")
    IN_PROGRESS = "in_progress", _("wird zugestellt")
    RETRYING = "retrying", _("neuer Versuch geplant")
    DELIVERED = "delivered", _("zugestellt")
    DEAD = "dead", _("aufgegeben")
    CANCELLED = "cancelled", _("storniert")


class AttemptOutcome(models.TextChoices):
    RUNNING = "running", _("läuft")
    SUCCESS = "success", _("erfolgreich")
    RETRY = "retry", _("vorübergehender Fehler")
    FAILED = "failed", _("dauerhafter Fehler")
    ABANDONED = "abandoned", _("Worker abgebrochen")


class OutboxRow(models.Model):
    """The queue fields every outbox row has: due time, lease, attempt count, dead letter."""

    Status = OutboxStatus

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    #: While a worker holds the row; a lease in the past means the worker died.
    lease_until = models.DateTimeField(null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True


class AttemptRow(models.Model):
    """One try of an outbox row: a partner delivery, a company webhook, an order change, a
    receipt acknowledgement (the subclass names its ``delivery``)."""

    Outcome = AttemptOutcome

    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    status_code = models.IntegerField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)
    worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True
        ordering = ["number"]


class Delivery(OutboxRow):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="delivery")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("Zustellung")
        verbose_name_plural = _("Zustellungen")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]


class DeliveryAttempt(AttemptRow):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    channel = models.CharField(max_length=20)

    class Meta(AttemptRow.Meta):
        pass


class Document(models.Model):
    """Exact bytes sent to or received from a partner for an order."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("gesendet")
        INBOUND = "inbound", _("empfangen")

    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="documents")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    kind = models.CharField(
        max_length=30
    )  # order | order_pdf | order_response | dispatch_notification
    format = models.CharField(max_length=20)  # opentrans | edifact | json | pdf | portal
    content_type = models.CharField(max_length=100)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    partner_document_id = models.CharField(max_length=100, blank=True)
    applied = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind", "partner_document_id"],
                condition=Q(direction="inbound") & ~Q(partner_document_id=""),
                name="inbound_document_once",
            ),
        ]


def document_response(document: Document):
    """The exact stored bytes as a download (dashboard and API share it)."""
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(True, document.filename)
    return response


class CompanyWebhook(models.Model):
    """A URL the company wants order events pushed to (signed like partner webhooks)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"))
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(OutboxRow):
    """One order event for one company webhook: claimed, retried and dead-lettered like a Delivery.

    ``body`` is the payload as it was when the event happened, stored once, so every attempt posts
    the same bytes (signed per attempt with the hook's secret).
    """

    hook = models.ForeignKey(CompanyWebhook, on_delete=models.CASCADE, related_name="deliveries")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="webhook_deliveries")
    event = models.ForeignKey(OrderEvent, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    #: Dead-lettered when ``attempts`` reaches this (a manual retry raises it by WEBHOOK_MAX_TRIES).
    max_attempts = models.PositiveIntegerField(default=WEBHOOK_MAX_TRIES)

    class Meta:
        verbose_name = _("Webhook-Zustellung")
        verbose_name_plural = _("Webhook-Zustellungen")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        constraints = [
            models.UniqueConstraint(fields=["event", "hook"], name="webhook_delivery_once"),
        ]


class WebhookAttempt(AttemptRow):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )

    class Meta(AttemptRow.Meta):
        pass


class ChangeDelivery(OutboxRow):
    """One order change (or cancellation) for the partner's channel (issue 16): claimed, retried
    and dead-lettered like a Delivery. Its bytes are stored as outbound documents of the order
    (kind ``order_change`` / ``order_change_pdf``) before the first send."""

    change = models.OneToOneField(OrderChange, on_delete=models.CASCADE, related_name="delivery")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="change_deliveries")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("Zustellung einer Änderung")
        verbose_name_plural = _("Zustellungen von Änderungen")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="change_delivery_due")]


class ChangeAttempt(AttemptRow):
    delivery = models.ForeignKey(
        ChangeDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )

    class Meta(AttemptRow.Meta):
        pass


class ReceiptDelivery(OutboxRow):
    """The RECEIPTACKNOWLEDGEMENT of one goods receipt for the partner's channel (issue 16):
    claimed, retried and dead-lettered like a Delivery. Its bytes are stored as an outbound
    document of the order (kind ``receipt_acknowledgement``) when the receipt is booked."""

    receipt = models.OneToOneField(
        GoodsReceipt, on_delete=models.CASCADE, related_name="acknowledgement"
    )
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="receipt_deliveries")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("Zustellung einer Wareneingangsbestätigung")
        verbose_name_plural = _("Zustellungen von Wareneingangsbestätigungen")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="receipt_delivery_due")]


class ReceiptAttempt(AttemptRow):
    delivery = models.ForeignKey(
        ReceiptDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )

    class Meta(AttemptRow.Meta):
        pass


class PartnerAccount(models.Model):
    """A personal login for the supplier portal (/lieferant/), bound to one partner (issue 15).

    A partner has any number of them; the operator invites a clerk by e-mail (the login's username
    is the address, without a password until the clerk follows the link) and blocks a login by
    deactivating its user (``delivery.partner_logins``)."""

    user = models.OneToOneField(
        get_user_model(), on_delete=models.CASCADE, related_name="partner_account"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="accounts")
    name = models.CharField(_("Name"), max_length=200, blank=True)
    invited_by = models.CharField(_("eingeladen von"), max_length=200, blank=True)
    invited_at = models.DateTimeField(_("eingeladen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Zugang zum Lieferantenportal")
        verbose_name_plural = _("Zugänge zum Lieferantenportal")

    def __str__(self) -> str:
        return f"{self.person_name} @ {self.partner}"

    @property
    def person_name(self) -> str:
        """The clerk's name when known, otherwise the login."""
        return self.name or self.user.get_full_name() or self.user.get_username()

    @property
    def actor(self) -> Actor:
        """What order events, timelines and documents name: ``Lieferant <partner> (<person>)``."""
        return Actor.supplier(self.partner.name, self.person_name, self.user.get_username())

    @property
    def has_password(self) -> bool:
        """False while the invitation has not been accepted."""
        return self.user.has_usable_password()
