"""Partner firms (manufacturers and suppliers), their delivery channel and their tokens."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orderhub.core import crypto
from orderhub.core.models import HashedToken


class Partner(models.Model):
    """A manufacturer or supplier reachable through OrderHub (Partnerfirma)."""

    class Channel(models.TextChoices):
        OPENTRANS_HTTP = "opentrans_http", _("openTRANS 2.1 über HTTPS")
        EDIFACT = "edifact", _("EDIFACT ORDERS D.96A (Dateiablage)")
        EMAIL = "email", _("E-Mail mit PDF und openTRANS")
        WEBHOOK = "webhook", _("JSON-Webhook (HMAC-signiert)")
        SFTP = "sftp", _("EDIFACT oder openTRANS per SFTP")

    slug = models.SlugField(_("Kürzel"), unique=True, max_length=50)
    name = models.CharField(_("Name"), max_length=200)
    requires_customer_number = models.BooleanField(_("Kundennummer erforderlich"), default=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    gln = models.CharField(_("GLN"), max_length=13, blank=True)
    edi_id = models.CharField(_("EDI-Kennung"), max_length=35, blank=True)
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, default="DE")
    website = models.URLField(blank=True)

    channel = models.CharField(
        _("Kanal"), max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    #: Non-secret channel settings: endpoint URL, e-mail address, drop directory, SFTP host and
    #: pinned host key fingerprint, timeouts.
    channel_config = models.JSONField(default=dict, blank=True)
    #: Secrets (passwords, tokens, webhook secrets, SSH private keys) encrypted at rest; see
    #: orderhub.core.crypto.
    credentials_encrypted = models.TextField(blank=True, editable=False)

    # Delivery retry policy (SPEC §3.8); defaults from the issue, configurable per partner.
    retry_first_seconds = models.PositiveIntegerField(_("erste Wiederholung nach (s)"), default=30)
    retry_max_seconds = models.PositiveIntegerField(_("längste Wartezeit (s)"), default=3600)
    dead_letter_after_hours = models.PositiveIntegerField(_("aufgeben nach (h)"), default=48)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Partnerfirma")
        verbose_name_plural = _("Partnerfirmen")

    def __str__(self) -> str:
        return self.name

    @property
    def credentials(self) -> dict:
        return crypto.decrypt_json(self.credentials_encrypted)

    @credentials.setter
    def credentials(self, value: dict) -> None:
        self.credentials_encrypted = crypto.encrypt_json(value)


class PartnerToken(HashedToken):
    """A partner's API token: posts answers and catalogs for that partner only."""

    PREFIX = "ohp"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tokens")

    class Meta(HashedToken.Meta):
        verbose_name = _("Partner-Token")
