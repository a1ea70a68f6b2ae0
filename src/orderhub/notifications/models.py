"""Notifications by e-mail (issue 15): who wants which notice, the branches' addresses, and the
notices themselves, each recorded once.

A :class:`Notice` is one thing worth telling (a cart opened, an order rejected, a delivery failing
since …): unique per ``(kind, key)``, so however many workers or signals see it, it is decided once.
Each recipient gets one :class:`Mail` row (unique per notice and address), sent after the
transaction commits and retried later while the SMTP relay refuses.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.accounts.models import Account, Company
from orderhub.masterdata.models import Branch, Employee
from orderhub.ordering.models import Order


class Kind(models.TextChoices):
    CART_OPENED = "cart_opened", _("Warenkorb geöffnet")
    CART_EXPIRING = "cart_expiring", _("Warenkorb läuft in einer Stunde ab")
    ORDER_REJECTED = "order_rejected", _("Bestellung vom Partner abgelehnt")
    ORDER_CHANGED = "order_changed", _("Bestellung vom Partner geändert")
    DELIVERY_FAILING = "delivery_failing", _("Zustellung gestört")


class Language(models.TextChoices):
    #: The default: German, and English below it.
    BOTH = "", _("Deutsch mit Englisch darunter")
    DE = "de", _("Deutsch")
    EN = "en", _("Englisch")


class Preference(models.Model):
    """Which notices one login wants (every kind unless turned off) and in which language."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="notification_preference"
    )
    #: Empty: the company's language.
    language = models.CharField(_("Sprache"), max_length=2, blank=True)
    cart_opened = models.BooleanField(Kind.CART_OPENED.label, default=True)
    cart_expiring = models.BooleanField(Kind.CART_EXPIRING.label, default=True)
    order_rejected = models.BooleanField(Kind.ORDER_REJECTED.label, default=True)
    order_changed = models.BooleanField(Kind.ORDER_CHANGED.label, default=True)
    delivery_failing = models.BooleanField(Kind.DELIVERY_FAILING.label, default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))


class CompanySetting(models.Model):
    """The company's notification language (for the branches and for logins that chose none)."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="notification_setting"
    )
    language = models.CharField(_("Sprache"), max_length=2, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=200, blank=True)


class BranchAddress(models.Model):
    """The address a branch's notices go to (the practice software sends none)."""

    branch = models.OneToOneField(
        Branch, on_delete=models.CASCADE, related_name="notification_address"
    )
    email = models.EmailField(_("E-Mail-Adresse"), max_length=254)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=200, blank=True)


class EmployeeAllowance(models.Model):
    """An employee without a login whom the administrator allowed to be mailed about their orders."""

    employee = models.OneToOneField(
        Employee, on_delete=models.CASCADE, related_name="notification_allowance"
    )
    allowed_at = models.DateTimeField(default=timezone.now)
    allowed_by = models.CharField(max_length=200, blank=True)


class Notice(models.Model):
    """One notice, decided once: ``key`` names what it is about (the order, the partner's event,
    the delivery and since when it fails); ``params`` are what the mail says, as codes and values."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="notices")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="notice_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Mail(models.Model):
    """One recipient of a notice; sent once, retried with backoff while the relay refuses."""

    class Status(models.TextChoices):
        PENDING = "pending", _("wartet")
        SENT = "sent", _("gesendet")
        FAILED = "failed", _("aufgegeben")
        #: Not sent late: the cart was ordered, the delivery went through meanwhile.
        OBSOLETE = "obsolete", _("überholt")

    class Role(models.TextChoices):
        PERSON = "person", _("bestellende Person")
        BRANCH = "branch", _("Filiale")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="mails")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices)
    #: "de", "en", or empty: German with English below.
    language = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "email"], name="notice_mail_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notice_mail_due")]
