"""Master data transferred from the practice software (SPEC §3.3): branches, users, customer numbers.

Records are keyed by the practice software's own ids. Fields hold the value *in force*.
A field a person edited in the dashboard is listed in ``overrides``; the next sync does not
overwrite it and records a :class:`Conflict` when the practice software sends something else.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.accounts.models import Company
from orderhub.partners.models import Partner


class SyncedRecord(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    is_active = models.BooleanField(_("aktiv"), default=True)
    #: {field: {"source": last value seen from the practice software}} for dashboard-edited fields.
    overrides = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    #: Records created in the dashboard are not deactivated by a sync that doesn't know them.
    created_in_dashboard = models.BooleanField(default=False)

    #: Fields the practice software sends (in snapshot order); the sync compares exactly these.
    SYNCED_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True


class Branch(SyncedRecord):
    """A shop of the company (Filiale)."""

    external_id = models.CharField(_("ID in der Branchensoftware"), max_length=64)
    name = models.CharField(_("Name"), max_length=200)
    street = models.CharField(_("Straße"), max_length=200, blank=True)
    postal_code = models.CharField(_("PLZ"), max_length=20, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    country = models.CharField(_("Land"), max_length=2, default="DE")

    SYNCED_FIELDS = ("name", "street", "postal_code", "city", "country")

    class Meta:
        ordering = ["name"]
        verbose_name = _("Filiale")
        verbose_name_plural = _("Filialen")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "external_id"], name="branch_unique_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Employee(SyncedRecord):
    """A user as the practice software knows them (Benutzer/Mitarbeiter) — not a login account."""

    external_id = models.CharField(_("ID in der Branchensoftware"), max_length=64)
    name = models.CharField(_("Name"), max_length=200)
    email = models.EmailField(_("E-Mail"), max_length=254, blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    is_admin = models.BooleanField(_("Administrator"), default=False)
    branches = models.ManyToManyField(
        Branch, through="EmployeeBranch", related_name="employees", blank=True
    )

    SYNCED_FIELDS = ("name", "email", "phone", "is_admin")

    class Meta:
        ordering = ["name"]
        verbose_name = _("Benutzer")
        verbose_name_plural = _("Benutzer")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "external_id"], name="employee_unique_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class EmployeeBranch(models.Model):
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE)
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "branch"], name="employee_branch_unique")
        ]


class CustomerNumber(SyncedRecord):
    """The company's (or one branch's) account number at a partner (Kundennummer)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="customer_numbers")
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="customer_numbers"
    )
    number = models.CharField(_("Kundennummer"), max_length=64)

    SYNCED_FIELDS = ("number",)

    class Meta:
        ordering = ["partner__name", "branch__name"]
        verbose_name = _("Kundennummer")
        verbose_name_plural = _("Kundennummern")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "partner", "branch"],
                name="customer_number_unique_branch",
                condition=Q(branch__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["company", "partner"],
                name="customer_number_unique_company",
                condition=Q(branch__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Conflict(models.Model):
    """The practice software sent a value for a field that a person changed in the dashboard."""

    class Resolution(models.TextChoices):
        KEEP_DASHBOARD = "keep_dashboard", _("Wert aus dem Dashboard behalten")
        TAKE_SOURCE = "take_source", _("Wert aus der Branchensoftware übernehmen")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="conflicts")
    record_type = models.CharField(max_length=20)  # "branch" | "user" | "customer_number"
    record_key = models.CharField(
        max_length=200
    )  # the practice software's id (or partner[/branch])
    record_id = models.BigIntegerField()
    field = models.CharField(max_length=50)
    dashboard_value = models.JSONField(null=True)
    source_value = models.JSONField(null=True)
    detected_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "field"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_conflict_per_field",
            )
        ]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
