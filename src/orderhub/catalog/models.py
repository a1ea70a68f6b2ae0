"""Partner catalogs (SPEC §3.10): articles and the imports that made them.

Identifier columns ``*_key`` hold the normalised form used for exact identification; the
as-given values are kept for display and for the documents sent back to the partner.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.core import actors
from orderhub.partners.models import Partner


class CatalogImport(models.Model):
    """One catalog file applied to one partner: a catalog version."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("wartet")
        RUNNING = "running", _("läuft")
        SUCCEEDED = "succeeded", _("erfolgreich")
        FAILED = "failed", _("fehlgeschlagen")

    class Mode(models.TextChoices):
        FULL = "full", _("Vollständiger Katalog (ersetzt)")
        UPDATE = "update", _("Aktualisierung (ändert)")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="catalog_imports")
    file_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.FULL)
    strict = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    transaction = models.CharField(max_length=30, blank=True)
    format_version = models.CharField(max_length=10, blank=True)
    catalog_version = models.CharField(max_length=50, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    issues = models.JSONField(default=list, blank=True)
    #: the failed import's error: its English (logs, technical detail) and what it is as data,
    #: which the CLI and the API say in the reader's language (``catalog.import_messages``)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Article(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("lieferbar")
        DISCONTINUED = "discontinued", _("ausgelaufen")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="articles")
    partner_article_number = models.CharField(_("Artikelnummer"), max_length=100)
    partner_article_key = models.CharField(max_length=100)
    gtin = models.CharField(_("GTIN"), max_length=14, null=True, blank=True)
    hmv_number = models.CharField(_("HMV-Nummer"), max_length=10, null=True, blank=True)
    manufacturer_article_number = models.CharField(
        _("Herstellerartikelnummer"), max_length=100, blank=True
    )
    manufacturer_article_key = models.CharField(max_length=100, blank=True)
    manufacturer_name = models.CharField(max_length=100, blank=True)
    short_description = models.CharField(_("Bezeichnung"), max_length=300)
    long_description = models.TextField(blank=True)
    order_unit = models.CharField(max_length=10, default="C62")
    #: Price of ONE order unit (amount × factor ÷ price quantity), kept to 6 decimal places.
    price = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    #: The amount as the catalog states it, for ``price_quantity`` order units.
    price_amount = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    price_quantity = models.DecimalField(max_digits=12, decimal_places=4, default=1)
    #: BMEcat price type the price was chosen from (net_customer, net_list, nrp, gros_list, …).
    price_type = models.CharField(max_length=20, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    attributes = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.ACTIVE)
    catalog_import = models.ForeignKey(
        CatalogImport, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["partner_article_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "partner_article_key"], name="article_unique_key"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "gtin"], name="article_gtin"),
            models.Index(fields=["partner", "hmv_number"], name="article_hmv"),
            models.Index(fields=["partner", "manufacturer_article_key"], name="article_mpn"),
            models.Index(fields=["partner", "catalog_import"], name="article_import"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_article_number} {self.short_description}"

    @property
    def is_discontinued(self) -> bool:
        return self.status == self.Status.DISCONTINUED

    @property
    def price_text(self) -> str | None:
        """The unit price as people read it: at least 2 decimals, no trailing zeros beyond ("17.779")."""
        return price_text(self.price)


def price_text(value) -> str | None:
    if value is None:
        return None

    d = Decimal(value).normalize()
    if int(d.as_tuple().exponent) > -2:  # a finite price: never 'n'/'N'/'F'
        d = d.quantize(Decimal("0.01"))
    return f"{d:f}"


class CatalogChange(models.Model):
    """What the search index of a partner must catch up with, in order (see ``catalog.search``).

    ``article`` set: that article was created, edited or deleted one by one (admin, API). Empty: a
    catalog import replaced the partner's articles and every machine rebuilds its index. Each
    machine's index remembers the last change it applied, so several machines keep their own
    copies without talking to each other.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    article_id = models.BigIntegerField(null=True, blank=True)  # no FK: the article may be gone
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["partner", "id"], name="catalog_change_partner")]


class TradeTerm(models.Model):
    """One entry of the trade lexicon: terms that mean the same thing (seeded from lexicon.py)."""

    terms = models.TextField(
        _("Begriffe"),
        help_text=_(
            "Gleichbedeutende Begriffe, durch Komma getrennt, z. B. „Dome, Schirmchen, Tip“."
        ),
    )
    note = models.CharField(_("Bedeutung"), max_length=200, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Fachbegriff")
        verbose_name_plural = _("Fachwortschatz")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.terms

    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.split(",") if t.strip()]


class ArticleMapping(models.Model):
    """A person's choice in a cart, remembered ("Artikelzuordnung"): this practice line is that article.

    ``line_key`` is the practice side's identifiers and description of the line in comparable
    form (``catalog.mappings.line_key``); the next order of the company for the partner with the
    same line is identified by the mapping without a cart.
    """

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="article_mappings"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    line_key = models.CharField(max_length=64)
    line_label = models.CharField(max_length=400)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    #: Who saved it: German text with kind and parameters (``core/actors.py``).
    created_by = models.CharField(max_length=200)
    created_by_kind = models.CharField(max_length=30, blank=True)
    created_by_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def created_by_label(self) -> str:
        """Who saved it, in the current language (``core/actors.py``)."""
        return actors.label(self.created_by_kind, self.created_by_params, self.created_by)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "partner", "line_key"], name="article_mapping_unique_line"
            )
        ]
