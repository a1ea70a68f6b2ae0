"""Background work of the catalog area (django.tasks)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from orderhub.catalog import uploads
from orderhub.catalog.models import CatalogImport
from orderhub.catalog.search import index
from orderhub.catalog.services import run_import


@task(queue_name="imports")
def run_catalog_import(import_id: int) -> str:
    job = CatalogImport.objects.select_related("partner").get(pk=import_id)
    if job.status != CatalogImport.Status.QUEUED:
        return job.status
    try:
        with uploads.opened(job.stored_path) as source:
            status = run_import(job, source).status
    except FileNotFoundError:
        CatalogImport.objects.filter(pk=job.pk).update(
            status=CatalogImport.Status.FAILED,
            error="the uploaded file is no longer stored",
            finished_at=timezone.now(),
        )
        return CatalogImport.Status.FAILED
    uploads.discard(job.stored_path)  # the import has ended; the job keeps what came of it
    return status


@task(queue_name="imports")
def rebuild_search_index(partner_id: int) -> bool:
    """Rebuild this machine's search index of a partner after an import, as a job of its own.

    Not inside the import: the import streams the file in bounded memory (bench/catalog_import.py,
    peak RSS 100,000 ÷ 10,000 products ≤ 1.2), while an index writer is sized to the catalog
    (search/index.py: ≈ 350 bytes per article). False when another process of this machine is
    already rebuilding; a search that finds the index behind catches up then.
    """
    return index.rebuild(partner_id)
