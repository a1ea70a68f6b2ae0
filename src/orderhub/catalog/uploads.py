"""Catalog files uploaded through the partner API, kept in Django's storage until imported.

The web process that receives an upload and the worker that imports it may run on different
machines: the file goes to ``default_storage`` (``settings.STORAGES``; a directory under
``ORDERHUB_DATA_DIR`` by default, shared storage or an object store at scale — see
docs/deployment.md), and the import job holds its storage name. Once the import has ended —
applied or failed — the file is deleted: the job keeps the counts, issues and error, the partner
has the file.

A job made by ``orderhub catalog import FILE`` holds the operator's own absolute path instead;
that file is read where it is and never deleted.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

from django.core.files import File
from django.core.files.storage import default_storage

PREFIX = "catalog-uploads"


def save(partner_slug: str, content: File) -> str:
    """Store an upload; returns its storage name."""
    return default_storage.save(f"{PREFIX}/{partner_slug}-{uuid.uuid4().hex}.upload", content)


def is_upload(stored_path: str) -> bool:
    return bool(stored_path) and not os.path.isabs(stored_path)


@contextmanager
def opened(stored_path: str):
    """The job's file for reading: an upload from the storage, or the operator's own file."""
    if not is_upload(stored_path):
        yield stored_path  # read_catalog opens a path itself (and reports a missing file)
        return
    with default_storage.open(stored_path, "rb") as fh:
        yield fh


def discard(stored_path: str) -> None:
    if is_upload(stored_path):
        default_storage.delete(stored_path)
