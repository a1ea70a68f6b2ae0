"""Catalog upload (partner token) and article search (company token)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from orderhub.catalog import identification
from orderhub.catalog.models import CatalogImport
from orderhub.catalog.tasks import run_catalog_import
from orderhub.core.auth import company_auth, partner_auth
from orderhub.core.problems import InvalidInput, Problem
from orderhub.partners.models import Partner

partner_router = Router(tags=["partner"], auth=partner_auth)
company_router = Router(tags=["catalog"], auth=company_auth)

CHUNK = 1024 * 1024


class ImportOut(Schema):
    import_id: int
    status: str
    mode: str
    url: str
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    issues: list[dict] = []
    error: str = ""


def _import_out(job: CatalogImport) -> dict:
    return {"import_id": job.pk, "status": job.status, "mode": job.mode,
            "url": f"/api/v1/partner/catalogs/{job.pk}", "created": job.created, "updated": job.updated,
            "deleted": job.deleted, "skipped": job.skipped, "issues": job.issues[:100], "error": job.error}


@partner_router.post("/catalogs", response={202: ImportOut}, summary="Upload a catalog (BMEcat or CSV, raw body)")
def upload_catalog(request, mode: str = "full", strict: bool = False):
    if mode not in CatalogImport.Mode.values:
        raise InvalidInput("mode", "must be 'full' or 'update'")
    settings.CATALOG_DIR.mkdir(parents=True, exist_ok=True)
    path = settings.CATALOG_DIR / f"{request.partner.slug}-{uuid.uuid4().hex}.upload"
    size = 0
    with open(path, "wb") as out:
        while chunk := request.read(CHUNK):
            size += len(chunk)
            if size > settings.CATALOG_UPLOAD_MAX_BYTES:
                out.close()
                path.unlink(missing_ok=True)
                raise Problem(f"catalog exceeds {settings.CATALOG_UPLOAD_MAX_BYTES} bytes", status=413,
                              title="Payload too large")
            out.write(chunk)
    if size == 0:
        path.unlink(missing_ok=True)
        raise InvalidInput("body", "empty upload; send the catalog file as the request body")
    with transaction.atomic():
        job = CatalogImport.objects.create(partner=request.partner, file_name=path.name, stored_path=str(path),
                                           mode=mode, strict=strict, created_by=f"Partner-Token {request.auth.name}")
        transaction.on_commit(lambda: run_catalog_import.enqueue(job.pk))
    return Status(202, _import_out(job))


@partner_router.get("/catalogs/{import_id}", response=ImportOut, summary="State of a catalog import")
def get_import(request, import_id: int):
    return _import_out(get_object_or_404(CatalogImport, pk=import_id, partner=request.partner))


class SearchHit(Schema):
    article_id: int
    partner_article_number: str
    description: str
    gtin: str | None
    hmv_number: str | None
    status: str
    score: float
    reason: str


class SearchOut(Schema):
    items: list[SearchHit]
    next_cursor: str | None = None


@company_router.get("/search", response=SearchOut, summary="Search a partner's catalog")
def search(request, partner: str, q: str):
    p = Partner.objects.filter(slug=partner, is_active=True).first()
    if p is None:
        raise InvalidInput("partner", f"unknown partner {partner!r}")
    q = q.strip()[:200]
    if not q:
        raise InvalidInput("q", "empty search")
    return {"items": [c.as_dict() for c in search_articles(p, q)], "next_cursor": None}


def search_articles(partner: Partner, q: str, limit: int = 10):
    """Exact identifiers first (any kind), then fuzzy description matches."""
    query = identification.LineQuery(partner_article_number=q, gtin=q if q.replace(" ", "").isdigit() else None,
                                     hmv_number=q if q.replace(".", "").replace(" ", "").isdigit() else None,
                                     manufacturer_article_number=q, description=q)
    result = identification.identify(partner, query)
    hits = []
    if result.article is not None:
        hits.append(identification.Candidate(result.article, 100.0, result.message_de))
    seen = {c.article.pk for c in hits}
    for c in result.candidates + identification.fuzzy_candidates(partner, identification.LineQuery(description=q), limit):
        if c.article.pk not in seen:
            hits.append(c)
            seen.add(c.article.pk)
    return hits[:limit]
