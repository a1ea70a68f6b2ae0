"""The tenant (company), its login accounts, API tokens, registrations and audit trail."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.core import actors
from orderhub.core.models import HashedToken


class Company(models.Model):
    """A registered acoustics business: every other record belongs to exactly one company."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("Name"), max_length=200)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("angelegt"), default=timezone.now)
    software_name = models.CharField(max_length=100, blank=True)
    software_version = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name = _("Unternehmen")
        verbose_name_plural = _("Unternehmen")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a person's login may do (SPEC §3.11); ``orderhub.accounts.access`` applies it."""

    ADMIN = "admin", _("Administrator")
    BRANCH_STAFF = "branch_staff", _("Filialmitarbeiter")
    READ_ONLY = "read_only", _("Nur lesen")


class Account(models.Model):
    """Links a Django login to the one company it may act for, with the person's role.

    The login that registered the company is an administrator without an employee; an invited login
    belongs to one employee synced from the practice software, whose branches (kept by the sync)
    are the branches a branch-staff login may work for. ``employee`` is named by string: the
    accounts layer never imports masterdata, it only follows the relation.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="accounts")
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.ADMIN)
    employee = models.OneToOneField(
        "masterdata.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
        verbose_name=_("Mitarbeiter"),
    )
    invited_by = models.CharField(_("eingeladen von"), max_length=200, blank=True)
    invited_at = models.DateTimeField(_("eingeladen am"), null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def person_name(self) -> str:
        """The name the timeline and the audit trail show for this login."""
        if self.employee is not None:
            return self.employee.name
        return self.user.get_full_name() or self.user.get_username()

    @property
    def has_password(self) -> bool:
        """False while an invitation has not been accepted."""
        return self.user.has_usable_password()


class ApiToken(HashedToken):
    """A company's API token (used by the connector)."""

    PREFIX = "ohc"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="api_tokens")

    class Meta(HashedToken.Meta):
        verbose_name = _("API-Token")


class Registration(models.Model):
    """A registration started by the connector and finished by a person in the browser.

    The poll token is stored as a digest. The API token is created at the first successful poll
    and never stored in plain text, which is what makes "exactly once" hold.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("offen")
        COMPLETED = "completed", _("abgeschlossen")
        COLLECTED = "collected", _("Token abgeholt")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll_digest = models.CharField(max_length=64)
    snapshot = models.JSONField()
    software = models.JSONField(default=dict, blank=True)
    workstation = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE)
    #: Keyed digest of the client address (rate limit per address; never the address itself).
    client_digest = models.CharField(max_length=64, blank=True, db_index=True)
    #: When the personal data (snapshot, workstation, client digest) was removed (see purge).
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="registration_created_idx")]

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.PENDING and timezone.now() >= self.expires_at


class AuditEvent(models.Model):
    """Who changed what, when: one row per change a person or the practice software made."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="audit_events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(_("wer"), max_length=200)
    actor_kind = models.CharField(max_length=30, blank=True)
    actor_params = models.JSONField(default=dict, blank=True)
    action = models.CharField(_("was"), max_length=100)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    def actor_label(self) -> str:
        """Who acted, in the current language (``core/actors.py``)."""
        return actors.label(self.actor_kind, self.actor_params, self.actor)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "-at"])]
