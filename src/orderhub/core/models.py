"""Abstract models shared by the domain apps."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.core import tokens


class HashedTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def find(self, plain: str):
        """The active token matching ``plain``, or None."""
        return self.active().filter(digest=tokens.digest(plain)).first()


class HashedToken(models.Model):
    """A named, revocable bearer token of which only the SHA-256 digest is stored."""

    PREFIX = "oh"

    name = models.CharField(_("Name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="last characters, to tell tokens apart")
    created_at = models.DateTimeField(_("angelegt"), default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("widerrufen"), null=True, blank=True)

    objects = HashedTokenQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    @classmethod
    def issue(cls, *, name: str, created_by: str = "", **owner):
        """Create a token for ``owner`` (e.g. ``company=...``); returns (row, plain text once)."""
        plain = tokens.new_token(cls.PREFIX)
        row = cls.objects.create(
            name=name, digest=tokens.digest(plain), hint=plain[-4:], created_by=created_by, **owner
        )
        return row, plain

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
