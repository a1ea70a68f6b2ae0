"""Background work of the catalog area (django.tasks)."""

from __future__ import annotations

from django_tasks import task

from orderhub.catalog.models import CatalogImport


@task(queue_name="imports")
def run_catalog_import(import_id: int) -> str:
    from orderhub.catalog.services import run_import

    job = CatalogImport.objects.select_related("partner").get(pk=import_id)
    if job.status != CatalogImport.Status.QUEUED:
        return job.status
    return run_import(job, job.stored_path).status
