"""The search index of each partner's catalog: tantivy, on disk, shared by the processes of a machine.

Layout under ``settings.SEARCH_INDEX_DIR`` (default ``$ORDERHUB_DATA_DIR/search``)::

    partner-<id>/current        name of the generation in force (replaced atomically)
    partner-<id>/lock           flock: one writer per partner and machine
    partner-<id>/<generation>/  a tantivy index and ``applied`` (the last CatalogChange it holds)

The database is the truth; an index is a copy that knows how far it got. ``CatalogChange`` rows
say what happened since: an import (rebuild) or single article edits (applied in place). Every
machine catches up on its own — after an import a worker rebuilds as a job of its own
(``catalog.tasks.rebuild_search_index``, so the import's memory stays bounded), and any
process that searches and finds its copy behind applies edits at once (milliseconds) or starts a
rebuild in a background thread and answers from the copy it has. No index is built while a person
waits, and no process keeps the catalog in its own memory: tantivy maps the files, which the
kernel shares between processes.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import tantivy
from django.conf import settings
from django.db import connections

from orderhub.catalog.models import Article, CatalogChange
from orderhub.catalog.search import terms as T

log = logging.getLogger(__name__)

INCREMENTAL_LIMIT = 2000  # more pending edits than this: rebuild instead
#: A rebuild writes the whole catalog into one segment: its writer's memory is sized to the catalog
#: (≈ 350 bytes per article, 50 MB to ORDERHUB_SEARCH_WRITER_MB = 1,000 MB). At 1,000,000
#: articles one segment instead of six halved the search's p95 (14 → 9.5 ms) and touched 5 MB fewer
#: index pages (bench/search.py; docs/performance.md); the worker holds ≈ 360 MB while it rebuilds.
WRITER_BYTES_PER_ARTICLE = 350
WRITER_HEAP_MIN = 50_000_000
WRITER_HEAP_MAX = int(float(os.environ.get("ORDERHUB_SEARCH_WRITER_MB", "1000")) * 1_000_000)


def writer_heap(articles: int) -> int:
    return max(WRITER_HEAP_MIN, min(WRITER_HEAP_MAX, articles * WRITER_BYTES_PER_ARTICLE))


ARTICLE_COLUMNS = (
    "pk",
    "short_description",
    "attributes",
    "partner_article_key",
    "manufacturer_article_key",
)


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_unsigned_field("id", stored=False, indexed=True, fast=True)
    b.add_text_field("terms", stored=False, tokenizer_name="ws", index_option="freq")
    b.add_text_field("keys", stored=False, tokenizer_name="ws", index_option="basic")
    b.add_text_field("keygrams", stored=False, tokenizer_name="ws", index_option="freq")
    return b.build()


SCHEMA = _schema()
_WS = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def root() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def partner_dir(partner_id: int) -> Path:
    return root() / f"partner-{partner_id}"


def document(
    pk: int,
    description: str,
    attributes,
    partner_key: str,
    manufacturer_key: str,
    known: frozenset[str],
) -> tantivy.Document:
    keys = tuple(k.lower() for k in (partner_key, manufacturer_key) if k)
    forms = T.article_forms(description, attributes, keys, known)
    doc = tantivy.Document()
    doc.add_unsigned("id", pk)
    doc.add_text("terms", forms.index_terms())
    doc.add_text("keys", " ".join(keys))
    doc.add_text("keygrams", " ".join(g for k in keys for g in T.key_grams(k)))
    return doc


class OpenIndex:
    """One generation of a partner's index as this process has it open."""

    def __init__(self, partner_id: int, generation: str):
        self.partner_id, self.generation = partner_id, generation
        self.path = partner_dir(partner_id) / generation
        self.index = tantivy.Index(SCHEMA, path=str(self.path), reuse=True)
        self.index.register_tokenizer("ws", _WS)
        self._applied_stat: tuple[int, int] | None = None
        self.applied = 0
        self.refresh_view()

    def refresh_view(self) -> None:
        """See what another process of this machine committed (a cheap stat when nothing did)."""
        marker = self.path / "applied"
        try:
            st = marker.stat()
        except FileNotFoundError:
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._applied_stat:
            self.index.reload()
            self.applied = int(marker.read_text() or 0)
            self._applied_stat = stamp

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()


_open: dict[int, OpenIndex] = {}
_open_lock = threading.Lock()
_rebuilding: set[int] = set()


def forget() -> None:
    """Close every index this process holds (tests point SEARCH_INDEX_DIR elsewhere)."""
    with _open_lock:
        _open.clear()
        _checked.clear()


def current_generation(partner_id: int) -> str | None:
    try:
        return (partner_dir(partner_id) / "current").read_text().strip() or None
    except FileNotFoundError:
        return None


def opened(partner_id: int) -> OpenIndex | None:
    generation = current_generation(partner_id)
    if generation is None:
        return None
    with _open_lock:
        idx = _open.get(partner_id)
        if idx is None or idx.generation != generation:
            try:
                idx = OpenIndex(partner_id, generation)
            except (ValueError, OSError):  # a generation removed under us: the next call reopens
                log.warning(
                    "search index of partner %s: generation %s not readable", partner_id, generation
                )
                return None
            _open[partner_id] = idx
        else:
            idx.refresh_view()
    return idx


def latest_change(partner_id: int) -> int:
    """Id of the partner's newest change (0 when none): one indexed look-up."""
    return (
        CatalogChange.objects.filter(partner_id=partner_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    ) or 0


@contextmanager
def _writer_lock(partner_id: int, blocking: bool):
    directory = partner_dir(partner_id)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_atomic(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(content)
    os.replace(tmp, path)


def rebuild(partner_id: int) -> bool:
    """Build a new generation from the database and put it in force. False when another process is at it."""
    with _writer_lock(partner_id, blocking=False) as got:
        if not got:
            return False
        started = time.monotonic()
        upto = latest_change(partner_id)  # read before the articles: later edits are applied later
        generation = f"g{int(time.time())}-{uuid.uuid4().hex[:8]}"
        path = partner_dir(partner_id) / generation
        path.mkdir(parents=True)
        index = tantivy.Index(SCHEMA, path=str(path))
        index.register_tokenizer("ws", _WS)
        articles = Article.objects.filter(partner_id=partner_id)
        writer = index.writer(writer_heap(articles.count()), 1)
        known = T.static_lexicon().known
        count = 0
        rows = articles.values_list(*ARTICLE_COLUMNS)
        for pk, desc, attrs, pkey, mkey in rows.iterator(chunk_size=5000):
            writer.add_document(document(pk, desc, attrs, pkey, mkey, known))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        _write_atomic(path / "applied", str(upto))
        _write_atomic(partner_dir(partner_id) / "current", generation)
        for old in partner_dir(partner_id).iterdir():
            if old.is_dir() and old.name != generation:
                shutil.rmtree(old, ignore_errors=True)  # readers that still map it keep their pages
        log.info(
            "search index of partner %s rebuilt: %s articles in %.1f s",
            partner_id,
            count,
            time.monotonic() - started,
        )
    opened(partner_id)
    return True


def apply_changes(idx: OpenIndex, changes: list[tuple[int, int | None]]) -> None:
    """Apply single-article changes in place (a writer for a moment, under the machine's lock)."""
    with _writer_lock(idx.partner_id, blocking=True):
        idx.refresh_view()
        pending = [(cid, aid) for cid, aid in changes if cid > idx.applied]
        if not pending:
            return
        ids = sorted({aid for _, aid in pending if aid is not None})
        known = T.static_lexicon().known
        rows = {
            r[0]: r
            for r in Article.objects.filter(partner_id=idx.partner_id, pk__in=ids).values_list(
                *ARTICLE_COLUMNS
            )
        }
        writer = idx.index.writer(15_000_000, 1)
        for aid in ids:
            writer.delete_documents_by_term("id", aid)
            if aid in rows:
                pk, desc, attrs, pkey, mkey = rows[aid]
                writer.add_document(document(pk, desc, attrs, pkey, mkey, known))
        writer.commit()
        writer.wait_merging_threads()
        _write_atomic(idx.path / "applied", str(max(cid for cid, _ in pending)))
        idx.refresh_view()


def _rebuild_in_background(partner_id: int, current: OpenIndex | None) -> OpenIndex | None:
    """Start a rebuild; the index to answer from meanwhile (the new one when rebuilt inline)."""
    if settings.SEARCH_REFRESH_INLINE:
        rebuild(partner_id)
        return opened(partner_id)
    with _open_lock:
        if partner_id in _rebuilding:
            return current
        _rebuilding.add(partner_id)

    def run():
        try:
            rebuild(partner_id)
        except Exception:
            log.exception("search index of partner %s: rebuild failed", partner_id)
        finally:
            connections.close_all()  # this thread's own connection
            with _open_lock:
                _rebuilding.discard(partner_id)

    threading.Thread(target=run, name=f"search-rebuild-{partner_id}", daemon=True).start()
    return current


def fresh(partner_id: int) -> OpenIndex | None:
    """The partner's index, caught up with the database as far as it can be without waiting.

    One indexed query (the newest change) and a stat when nothing changed; that query at most
    once per ``settings.SEARCH_FRESHNESS_SECONDS`` per partner and process (a person typing sends
    a search per key: an edit is found within that time, not only after it).
    """
    window = settings.SEARCH_FRESHNESS_SECONDS
    if window > 0:
        checked = _checked.get(partner_id)
        if checked is not None and time.monotonic() - checked[0] < window:
            idx = opened(partner_id)
            if idx is checked[1]:
                return idx
    idx = _caught_up(partner_id)
    if window > 0 and idx is not None:
        _checked[partner_id] = (time.monotonic(), idx)
    return idx


_checked: dict[int, tuple[float, OpenIndex]] = {}


def _caught_up(partner_id: int) -> OpenIndex | None:
    newest = latest_change(partner_id)
    idx = opened(partner_id)
    if idx is not None and idx.applied == newest:
        return idx
    if idx is None or idx.applied > newest:  # none here yet, or a copy of another database state
        return _rebuild_in_background(partner_id, idx)
    changes = list(
        CatalogChange.objects.filter(partner_id=partner_id, pk__gt=idx.applied)
        .order_by("pk")
        .values_list("pk", "article_id")[: INCREMENTAL_LIMIT + 1]
    )
    if len(changes) > INCREMENTAL_LIMIT or any(aid is None for _, aid in changes):
        return _rebuild_in_background(partner_id, idx)
    apply_changes(idx, changes)
    return idx


def record_article_change(partner_id: int, article_id: int) -> None:
    CatalogChange.objects.create(partner_id=partner_id, article_id=article_id)


def record_rebuild(partner_id: int) -> None:
    CatalogChange.objects.create(partner_id=partner_id, article_id=None)
