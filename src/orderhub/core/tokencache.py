"""A short per-process memory of company API tokens already checked, so that not every API request
pays a database round trip for its token.

How long a revocation takes to be obeyed:

* in the process that revokes the token (or saves/deactivates the company): at once;
* in every other process on the same machine (same ``ORDERHUB_DATA_DIR``): at once — revoking or
  saving bumps a stamp file (``$ORDERHUB_DATA_DIR/auth-stamp``) that every lookup ``stat``s
  (a few microseconds), and a changed stamp empties the memory;
* everywhere else (processes on other machines, changes made with ``QuerySet.update()`` that
  bypass the model signals): within ``TTL_SECONDS`` (2 s), after which the token is read again.

Only tokens that were found valid are remembered; an unknown token always asks the database.
"""

from __future__ import annotations

import os
import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from orderhub.core.fastsql import clone

#: A checked token is trusted this long without asking the database again (documented bound for
#: revocations the stamp file cannot announce).
TTL_SECONDS = 2.0
#: At most this many tokens are remembered per process.
MAX_ENTRIES = 1000

_lock = threading.Lock()
_entries: dict[str, tuple[float, object, object]] = {}
_seen_stamp: tuple | None = None


def _stamp_path() -> str:
    return os.path.join(str(settings.DATA_DIR), "auth-stamp")


def _stamp() -> tuple | None:
    try:
        st = os.stat(_stamp_path())
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def get(digest: str):
    """(token row, company) copies when remembered and still fresh, else None."""
    global _seen_stamp
    entry = _entries.get(digest)
    stamp = _stamp()
    if stamp != _seen_stamp:
        with _lock:
            _entries.clear()
            _seen_stamp = stamp
        return None
    if entry is None or entry[0] < time.monotonic():
        return None
    # Copies: a request may change its own request.company / request.auth without touching others.
    return clone(entry[1]), clone(entry[2])


def put(digest: str, token, company) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[digest] = (time.monotonic() + TTL_SECONDS, clone(token), clone(company))


def forget_all() -> None:
    with _lock:
        _entries.clear()


def bump() -> None:
    """A token was revoked or a company changed: forget here, and tell the other local processes."""
    forget_all()
    path = _stamp_path()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        size = os.path.getsize(path) if os.path.exists(path) else 0
        with open(path, "wb" if size >= 4096 else "ab") as f:  # the size changes on every bump
            f.write(b".")
    except OSError:
        pass  # read-only data directory: the TTL still bounds the delay


def _bump_now_and_after_commit() -> None:
    # Now, and again once the change is committed: a process that read the token between the two
    # (it was still valid in the database then) would otherwise trust it for another TTL.
    bump()
    transaction.on_commit(bump)


def _on_token_saved(sender, instance, **kwargs) -> None:
    if instance.revoked_at is not None:
        _bump_now_and_after_commit()


def _on_changed(sender, instance=None, **kwargs) -> None:
    _bump_now_and_after_commit()


def connect_signals() -> None:
    post_save.connect(
        _on_token_saved, sender="accounts.ApiToken", dispatch_uid="tokencache-token-saved"
    )
    post_delete.connect(
        _on_changed, sender="accounts.ApiToken", dispatch_uid="tokencache-token-deleted"
    )
    post_save.connect(
        _on_changed, sender="accounts.Company", dispatch_uid="tokencache-company-saved"
    )
    post_delete.connect(
        _on_changed, sender="accounts.Company", dispatch_uid="tokencache-company-deleted"
    )
