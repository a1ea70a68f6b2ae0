"""The baseline: the same catalog ranked by PostgreSQL ``pg_trgm`` similarity.

The catalog is copied into a scratch table ``relevance_baseline_<pid>`` (database ``test`` at
127.0.0.1:5432 unless ``DATABASE_URL`` or ``url`` points elsewhere) with one text per article —
lowercased description + attribute values + partner article number, as the issue describes — and
every query is answered by::

    SELECT partner_article_number FROM relevance_baseline_<pid>
    ORDER BY greatest(similarity(text, q), word_similarity(q, text)) DESC, partner_article_number
    LIMIT 10

(a full scan: no index can serve that ORDER BY). The table is dropped on ``close()`` / leaving the
``with`` block, also after an error.

    with PgTrgmBaseline(catalog()) as base:
        hits = base.search("batterie 312")
"""

from __future__ import annotations

import os

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def database_url(url: str | None = None) -> str:
    url = url or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = DEFAULT_PG
    return url.replace("postgres://", "postgresql://", 1)


class PgTrgmUnavailable(RuntimeError):
    pass


def article_text(article: dict, *, identifiers: bool = False) -> str:
    parts = [article["short_description"]]
    parts.extend(str(v) for _, v in sorted(article["attributes"].items()) if v)
    parts.append(article["partner_article_number"])
    if identifiers:  # not the baseline: GTIN, HMV and manufacturer number in the text too
        parts.extend(
            x
            for x in (
                article.get("gtin"),
                article.get("hmv_number"),
                article.get("manufacturer_article_number"),
            )
            if x
        )
    return " ".join(parts).lower()


class PgTrgmBaseline:
    """A scratch table with the catalog; ``search(q)`` returns the 10 best article numbers."""

    def __init__(
        self, articles, *, url: str | None = None, identifiers: bool = False, limit: int = 10
    ):
        import psycopg

        self.url = database_url(url)
        self.table = f"relevance_baseline_{os.getpid()}"
        self.limit = limit
        try:
            self.conn = psycopg.connect(self.url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise PgTrgmUnavailable(f"cannot connect to PostgreSQL at {self.url}: {exc}") from exc
        try:
            self._ensure_extension()
            self.rows = self._load(articles, identifiers)
            self.sql = (
                f"SELECT partner_article_number FROM {self.table} "
                f"ORDER BY greatest(similarity(text, %(q)s), word_similarity(%(q)s, text)) DESC, "
                f"partner_article_number LIMIT {int(limit)}"
            )
        except BaseException:
            self.close()
            raise

    def _ensure_extension(self) -> None:
        import psycopg

        if self.conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone():
            return
        if not self.conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
        ).fetchone():
            raise PgTrgmUnavailable(
                f"the PostgreSQL server at {self.url} does not have the pg_trgm extension installed "
                "(package postgresql-contrib); the baseline cannot run"
            )
        try:
            self.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg.errors.UniqueViolation:  # created concurrently by someone else: fine
            pass
        except psycopg.Error as exc:
            raise PgTrgmUnavailable(
                f"CREATE EXTENSION pg_trgm failed on {self.url}: {exc}"
            ) from exc

    def _load(self, articles, identifiers: bool) -> int:
        self.conn.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.conn.execute(
            f"CREATE UNLOGGED TABLE {self.table} (partner_article_number text PRIMARY KEY, text text NOT NULL)"
        )
        n = 0
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {self.table} (partner_article_number, text) FROM STDIN") as copy:
                for a in articles:
                    copy.write_row(
                        (a["partner_article_number"], article_text(a, identifiers=identifiers))
                    )
                    n += 1
        self.conn.execute(f"ANALYZE {self.table}")
        return n

    def search(self, query: str) -> list[str]:
        return [r[0] for r in self.conn.execute(self.sql, {"q": query.lower()}).fetchall()]

    __call__ = search

    def close(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is None or conn.closed:
            return
        try:
            conn.execute(f"DROP TABLE IF EXISTS {self.table}")
        finally:
            conn.close()

    def __enter__(self) -> PgTrgmBaseline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def search_fn_factory(articles, **kw):
    """The baseline as a search-function factory (see ``bench.relevance.run``); close() drops the table."""
    return PgTrgmBaseline(articles, **kw)
