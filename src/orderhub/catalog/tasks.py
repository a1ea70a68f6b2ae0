"""Background work of the catalog area (django.tasks)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from orderhub.catalog import uploads
from orderhub.catalog.models import CatalogImport
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
