"""Files (and tracking numbers) a practice sends with an order: ear scans, audiograms, photos.

An :class:`Attachment` belongs to a company, not to one order: a stored scan is attached again to
a remake or to the other ear's line (:class:`OrderAttachment`, one row per order or line it goes
with). The file lives in Django's storage (``storage_name``) so web processes and workers on
different machines see the same bytes; ``sha256`` is what partners check. After the retention
time (``ATTACHMENT_RETENTION_DAYS`` since it was last attached) the file is deleted and the row
kept, with ``purged_at``, so an order still says what it carried.

Who uploaded an attachment (``created_by``) and who attached it to an order (``added_by``) are
stored like every actor column (``core/actors.py``): the German text, which is what has always
been stored, with ``*_kind`` and ``*_params``, from which :meth:`OrderAttachment.added_by_label`
renders it in the reader's language. Migration 0002 gave the rows from before the kind the kind
their text has, where it matches a known pattern; a text that matches none (from a script, a
test) keeps no kind and is shown as stored.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.accounts.models import Company
from orderhub.core import actors
from orderhub.ordering.models import Order, OrderLine


class Attachment(models.Model):
    class Kind(models.TextChoices):
        SCAN = "scan", _("Ohrscan")
        AUDIOGRAM = "audiogram", _("Audiogramm")
        PHOTO = "photo", _("Foto")
        TRACKING_NUMBER = "tracking_number", _("Sendungsnummer der Abformung")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    #: The name it was uploaded with (shown, and used in mails); never trusted for the type.
    filename = models.CharField(_("Dateiname"), max_length=200, blank=True)
    #: ``content.FORMATS`` code read from the bytes (empty for a tracking number).
    file_format = models.CharField(max_length=10, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    storage_name = models.CharField(max_length=300, blank=True)
    #: A tracking number of an impression sent by post (kind ``tracking_number``).
    text = models.CharField(_("Sendungsnummer"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("hochgeladen"), default=timezone.now)
    #: Who uploaded it: German text with kind and parameters (``core/actors.py``).
    created_by = models.CharField(max_length=200, blank=True)
    created_by_kind = models.CharField(max_length=30, blank=True)
    created_by_params = models.JSONField(default=dict, blank=True)
    #: Attached to an order for the last time; the retention time counts from here.
    last_used_at = models.DateTimeField(default=timezone.now)
    purged_at = models.DateTimeField(_("gelöscht"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("Anhang")
        verbose_name_plural = _("Anhänge")
        indexes = [models.Index(fields=["purged_at", "last_used_at"], name="attachment_retention")]

    def __str__(self) -> str:
        return self.text if self.is_text else self.filename

    @property
    def is_text(self) -> bool:
        return self.kind == self.Kind.TRACKING_NUMBER

    @property
    def available(self) -> bool:
        """A file that can still be downloaded (or a tracking number)."""
        return self.is_text or (self.purged_at is None and bool(self.storage_name))


class OrderAttachment(models.Model):
    """An attachment going with an order, or with one line of it (``line``)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="attachment_links")
    line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.CASCADE, related_name="attachment_links"
    )
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="links")
    added_at = models.DateTimeField(default=timezone.now)
    #: Who attached it: German text with kind and parameters (``core/actors.py``).
    added_by = models.CharField(max_length=200, blank=True)
    added_by_kind = models.CharField(max_length=30, blank=True)
    added_by_params = models.JSONField(default=dict, blank=True)

    def added_by_label(self) -> str:
        """Who attached it, in the current language (``core/actors.py``)."""
        return actors.label(self.added_by_kind, self.added_by_params, self.added_by)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "attachment"],
                condition=Q(line__isnull=True),
                name="attachment_once_per_order",
            ),
            models.UniqueConstraint(
                fields=["line", "attachment"],
                condition=Q(line__isnull=False),
                name="attachment_once_per_line",
            ),
        ]
