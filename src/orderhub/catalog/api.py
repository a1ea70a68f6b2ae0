"""Catalog upload (partner token) and article search (company token)."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from orderhub.authentication import company_auth, partner_auth
from orderhub.catalog import identification, import_messages, uploads
from orderhub.catalog import search as catalog_search
from orderhub.catalog.issues import in_language
from orderhub.catalog.models import CatalogImport
from orderhub.catalog.tasks import run_catalog_import
from orderhub.core.problems import InvalidInput, Problem
from orderhub.partners.models import Partner

partner_router = Router(tags=["partner"], auth=partner_auth)
company_router = Router(tags=["catalog"], auth=company_auth)

CHUNK = 1024 * 1024


class ImportIssueOut(Schema):
    """One product or row the import skipped or corrected: ``code`` and ``params`` for software
    (docs/catalog-formats.md lists the codes), ``message`` (German) and ``message_en`` for
    people."""

    line: int | None = None
    article: str | None = None
    code: str = ""
    params: dict = {}
    message: str
    message_en: str


class ImportOut(Schema):
    import_id: int
    status: str
    mode: str
    url: str
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    issues: list[ImportIssueOut] = []
    error: str = ""
    error_en: str = ""
    error_code: str = ""
    error_params: dict = {}


def _import_out(job: CatalogImport) -> dict:
    error = (job.error_code, job.error_params, job.error)
    return {
        "import_id": job.pk,
        "status": job.status,
        "mode": job.mode,
        "url": f"/api/v1/partner/catalogs/{job.pk}",
        "created": job.created,
        "updated": job.updated,
        "deleted": job.deleted,
        "skipped": job.skipped,
        "issues": [import_messages.issue_for_api(i) for i in job.issues[:100]],
        "error": in_language("de", import_messages.error_message, *error),
        "error_en": in_language("en", import_messages.error_message, *error),
        "error_code": job.error_code,
        "error_params": job.error_params,
    }


@partner_router.post(
    "/catalogs", response={202: ImportOut}, summary="Upload a catalog (BMEcat or CSV, raw body)"
)
def upload_catalog(request, mode: str = "full", strict: bool = False):
    if mode not in CatalogImport.Mode.values:
        raise InvalidInput("mode", "must be 'full' or 'update'")
    size = 0
    with tempfile.TemporaryFile() as spool:
        while chunk := request.read(CHUNK):
            size += len(chunk)
            if size > settings.CATALOG_UPLOAD_MAX_BYTES:
                raise Problem(
                    f"catalog exceeds {settings.CATALOG_UPLOAD_MAX_BYTES} bytes",
                    kind="payload-too-large",
                )
            spool.write(chunk)
        if size == 0:
            raise InvalidInput("body", "empty upload; send the catalog file as the request body")
        spool.seek(0)
        # Django's storage (settings.STORAGES): the worker that imports may be another machine.
        name = uploads.save(request.partner.slug, File(spool))
    with transaction.atomic():
        job = CatalogImport.objects.create(
            partner=request.partner,
            file_name=name.rsplit("/", 1)[-1],
            stored_path=name,
            mode=mode,
            strict=strict,
            created_by=f"Partner-Token {request.auth.name}",
        )
        transaction.on_commit(lambda: run_catalog_import.enqueue(job.pk))
    return Status(202, _import_out(job))


@partner_router.get(
    "/catalogs/{import_id}", response=ImportOut, summary="State of a catalog import"
)
def get_import(request, import_id: int):
    return _import_out(get_object_or_404(CatalogImport, pk=import_id, partner=request.partner))


class SearchHit(Schema):
    article_id: int
    partner_article_number: str
    description: str
    gtin: str | None
    hmv_number: str | None
    status: str
    order_unit: str
    price: str | None
    currency: str
    score: float
    reason: str
    reason_en: str


class SearchOut(Schema):
    items: list[SearchHit]
    next_cursor: str | None = None


@company_router.get("/search", response=SearchOut, summary="Search a partner's catalog")
def search(request, partner: str, q: str, cursor: str | None = None, limit: int = 10):
    p = Partner.objects.filter(slug=partner, is_active=True).first()
    if p is None:
        raise InvalidInput("partner", f"unknown partner {partner!r}")
    q = q.strip()[:200]
    if not q:
        raise InvalidInput("q", "empty search")
    if not 1 <= limit <= catalog_search.PAGE_MAX:
        raise InvalidInput("limit", f"between 1 and {catalog_search.PAGE_MAX}")
    try:
        hits, next_cursor = search_articles(p, q, limit=limit, cursor=cursor)
    except catalog_search.InvalidCursor as exc:
        raise InvalidInput("cursor", str(exc)) from None
    return {"items": [c.as_dict() for c in hits], "next_cursor": next_cursor}


_NUMBER_SEPARATORS = str.maketrans("", "", " .-/")


def search_articles(partner: Partner, q: str, limit: int = 10, cursor: str | None = None):
    """What a person typed (cart, API): exact identifiers of any kind first, then the ranked search.

    Returns (candidates, next_cursor).
    """
    hits: list[identification.Candidate] = []
    if cursor is None:
        digits = q.translate(_NUMBER_SEPARATORS)  # a GTIN or HMV number, written any way
        number = digits if digits.isdigit() else None
        query = identification.LineQuery(
            partner_article_number=q, gtin=number, hmv_number=number, manufacturer_article_number=q
        )
        exact = identification.identify(partner, query, candidates=False)
        if exact.article is not None:
            hits.append(identification.Candidate(exact.article, 100.0, exact.why))
    page = catalog_search.search(partner, q, limit=limit, cursor=cursor)
    seen = {c.article.pk for c in hits}
    for h in page.hits:
        if h.article.pk not in seen:
            hits.append(identification.Candidate(h.article, h.score, h.why))
            seen.add(h.article.pk)
    return hits[:limit] if cursor is None else hits, page.next_cursor
