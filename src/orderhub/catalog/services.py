"""Applying a catalog file to a partner's articles: all or nothing, streamed in batches.

The file is parsed as it is read; articles are upserted in batches of a few thousand. The whole
import is one transaction, so a file that turns out broken halfway leaves the previous catalog
exactly as it was. A full import (T_NEW_CATALOG, CSV) removes articles the new file lacks; an
update import (T_UPDATE_PRODUCTS, T_UPDATE_PRICES, ``--update``) only changes what it names.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from orderhub.catalog.models import Article, CatalogImport
from orderhub.catalog.writer import ArticleWriter
from orderhub.formats import FormatError
from orderhub.formats.catalog import CatalogArticle, ImportIssue
from orderhub.formats.catalog_reader import read_catalog
from orderhub.formats.identifiers import normalize_article_number
from orderhub.partners.models import Partner

logger = logging.getLogger(__name__)

#: Articles collected before they are written (one COPY / executemany per batch).
BATCH = 5000
MAX_STORED_ISSUES = 500
UPDATE_TRANSACTIONS = {"T_UPDATE_PRODUCTS", "T_UPDATE_PRICES"}
_STATUSES = frozenset(Article.Status.values)
_dumps = json.JSONEncoder().encode  # what JSONField stores: json.dumps with default settings


def _row(item: CatalogArticle, key: str) -> tuple:
    """The column values of one article, in :data:`orderhub.catalog.writer.FIELDS` order."""
    number = item.partner_article_number
    mpn = item.manufacturer_article_number
    return (
        number[:100],
        key,
        item.gtin,
        item.hmv_number,
        (mpn or "")[:100],
        normalize_article_number(mpn)[:100],
        (item.manufacturer_name or "")[:100],
        (item.short_description or number)[:300],
        item.long_description or "",
        (item.order_unit or "C62")[:10],
        item.price,
        item.price_amount,
        item.price_quantity if item.price_quantity is not None else Decimal(1),
        (item.price_type or "")[:20],
        (item.currency or "EUR")[:3],
        _dumps(item.attributes or {}),
        item.status if item.status in _STATUSES else Article.Status.ACTIVE.value,
    )


class _Applier:
    """Collects the items of one import and writes them in batches (file order wins per article)."""

    def __init__(self, partner: Partner, job: CatalogImport, update: bool):
        self.partner, self.job, self.update = partner, job, update
        self.writer = ArticleWriter(partner.pk, job.pk)
        self.upserts: dict[str, tuple] = {}
        self.deletes: set[str] = set()
        self.prices: dict[str, tuple] = {}

    def add(self, item: CatalogArticle, transaction_name: str) -> None:
        key = normalize_article_number(item.partner_article_number)[:100]  # as stored
        if not key:
            self.job.skipped += 1
            return
        if item.mode == "delete":
            self.deletes.add(key)
            self.upserts.pop(key, None)
            self.prices.pop(key, None)
        elif transaction_name == "T_UPDATE_PRICES":
            if item.price is not None:
                self.prices[key] = (
                    item.price,
                    item.price_amount,
                    item.price_quantity or Decimal(1),
                    (item.price_type or "")[:20],
                )
                self.deletes.discard(key)
        else:
            self.upserts[key] = _row(item, key)
            self.deletes.discard(key)
        if len(self.upserts) + len(self.deletes) + len(self.prices) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.upserts:
            existed = self.writer.upsert(list(self.upserts.values()))
            self.job.updated += existed
            self.job.created += len(self.upserts) - existed
            self.upserts.clear()
        if self.deletes:
            n, _ = Article.objects.filter(
                partner=self.partner, partner_article_key__in=list(self.deletes)
            ).delete()
            self.job.deleted += n
            self.deletes.clear()
        if self.prices:
            existed = self.writer.update_prices(self.prices)
            self.job.updated += existed
            self.job.skipped += len(self.prices) - existed
            self.prices.clear()


def _duplicate(seen: dict[str, int | None], item: CatalogArticle) -> dict | None:
    """The issue when the catalog names this article number a second time, else None."""
    key = normalize_article_number(item.partner_article_number)[:100]
    if not key:
        return None
    if key not in seen:
        seen[key] = item.line
        return None
    first = seen[key]
    number = item.partner_article_number
    if first:
        return {"code": "duplicate_article", "params": {"number": number, "first_line": first}}
    return {"code": "duplicate_article.no_line", "params": {"number": number}}


def _without_nul(value):
    """``value`` (JSON data) with NUL characters spelled ``\\0``: PostgreSQL refuses them."""
    if isinstance(value, str):
        return value.replace("\x00", "\\0")
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def run_import(
    job: CatalogImport, source, *, progress: Callable[[int, int | None], None] | None = None
) -> CatalogImport:
    """Apply ``source`` (path or binary file) as ``job``; returns the finished job (never raises FormatError)."""
    partner = job.partner
    job.status, job.started_at = CatalogImport.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    issues: list[dict] = []
    try:
        with transaction.atomic():
            job.created = job.updated = job.deleted = job.skipped = 0
            update = job.mode == CatalogImport.Mode.UPDATE
            with read_catalog(
                source,
                strict=job.strict,
                max_bytes=settings.CATALOG_UPLOAD_MAX_BYTES,
                progress=progress,
            ) as reader:
                reader.read_header()
                header = reader.header
                transaction_name = header.transaction if header else ""
                if transaction_name in UPDATE_TRANSACTIONS:
                    update = True
                applier = _Applier(partner, job, update)
                seen: dict[str, int | None] = {}  # article key → line of its first entry
                for item in reader:
                    if isinstance(item, ImportIssue):
                        if len(issues) < MAX_STORED_ISSUES:
                            issues.append(
                                {
                                    "line": item.line,
                                    "code": item.code,
                                    "params": item.params,
                                    "article": item.partner_article_number,
                                }
                            )
                        continue
                    duplicate = _duplicate(seen, item)
                    if duplicate and len(issues) < MAX_STORED_ISSUES:
                        issues.append(
                            {"line": item.line, **duplicate, "article": item.partner_article_number}
                        )
                    applier.add(item, transaction_name)
                applier.flush()
            if not update:
                removed, _ = (
                    Article.objects.filter(partner=partner).exclude(catalog_import=job).delete()
                )
                job.deleted += removed
            job.transaction = transaction_name
            job.format_version = header.format_version if header else ""
            job.catalog_version = (header.catalog_version if header else "")[:50]
            job.mode = CatalogImport.Mode.UPDATE if update else CatalogImport.Mode.FULL
            job.status = CatalogImport.Status.SUCCEEDED
            job.issues = issues
            job.finished_at = timezone.now()
            job.save()
    except (
        Exception
    ) as exc:  # a broken file, or data the database refuses: the job must end, never hang
        if not isinstance(exc, FormatError):
            logger.warning("catalog import %s failed: %s", job.pk, exc)
        error = str(exc).replace("\x00", "\\0")[:2000]
        if isinstance(exc, FormatError):
            code, params = exc.code, exc.params
            if exc.line and code:
                params = {**params, "line": exc.line}
        else:
            code, params = "not_stored", {"detail": f"{type(exc).__name__}: {error}"}
            error = f"the catalog could not be stored: {type(exc).__name__}: {error}"
        issues = [_without_nul(i) for i in issues]
        CatalogImport.objects.filter(pk=job.pk).update(
            status=CatalogImport.Status.FAILED,
            error=error,
            error_code=code,
            error_params=_without_nul(params),
            issues=issues,
            finished_at=timezone.now(),
            created=0,
            updated=0,
            deleted=0,
        )
        job.refresh_from_db()
    return job


def import_file(
    partner: Partner,
    path: str | Path,
    *,
    update: bool = False,
    strict: bool = False,
    created_by: str = "",
    progress=None,
) -> CatalogImport:
    job = CatalogImport.objects.create(
        partner=partner,
        file_name=Path(path).name,
        stored_path=str(path),
        strict=strict,
        created_by=created_by,
        mode=CatalogImport.Mode.UPDATE if update else CatalogImport.Mode.FULL,
    )
    return run_import(job, path, progress=progress)


def stats() -> list[dict]:
    rows = []
    for p in Partner.objects.annotate(
        articles_total=Count("articles"),
        discontinued=Count("articles", filter=Q(articles__status=Article.Status.DISCONTINUED)),
    ):
        last = p.catalog_imports.filter(status=CatalogImport.Status.SUCCEEDED).first()
        rows.append(
            {
                "partner": p.slug,
                "articles": p.articles_total,
                "discontinued": p.discontinued,
                "last_import": last.finished_at.isoformat() if last and last.finished_at else None,
                "catalog_version": last.catalog_version if last else "",
            }
        )
    return rows
