"""The lean write path of the catalog import: plain SQL instead of model instances.

Hand-written SQL is kept only where a measurement shows it pays for itself, and the figure is
written where it lives. The other bulk writes go through ``core/fastsql.py`` (intake's inserts,
``delivery/queue.save_attempts``, ``masterdata/services._insert_memberships``, each with its
figure); reads of their own: ``catalog/identification.py``, intake's ``_IntakeReads``. This one is
measured (issue 13, ``bench/catalog_import.py``): writing 20,000 rows takes 0.27 s here against
1.3–2.2 s through ``bulk_create(update_conflicts=True)``, and the 100,000-product import meets its
target (≤ 20 s) at 7.5 s / 7.9 s (SQLite / PostgreSQL, docs/performance.md). It skips what
``bulk_create`` handles (``db_default``, generated fields, ``pre_save``): a new field of
``Article`` with any of those must be added here by hand.

A catalog import writes up to a few hundred thousand rows into ``catalog_article`` inside one
transaction. Building a model instance per row and letting ``bulk_create(update_conflicts=True)``
compose the SQL cost more than reading the file, so rows are written here as plain tuples:

* SQLite (and any other backend): ``executemany`` of one prepared
  ``INSERT … ON CONFLICT (partner_id, partner_article_key) DO UPDATE`` statement;
* PostgreSQL with psycopg 3: ``COPY`` into a temporary table (dropped at commit), then one
  ``INSERT … SELECT … ON CONFLICT DO UPDATE`` per batch.

Both run on the caller's connection and inside the caller's transaction, so the import stays
all-or-nothing. Column names come from the model's ``_meta``; the values are exactly what the
ORM would have stored (``attributes`` serialised with ``json.dumps`` like ``JSONField``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from orderhub.catalog.models import Article

#: The columns of one upserted row, in the order of :func:`row` (partner and import last).
FIELDS = (
    "partner_article_number",
    "partner_article_key",
    "gtin",
    "hmv_number",
    "manufacturer_article_number",
    "manufacturer_article_key",
    "manufacturer_name",
    "short_description",
    "long_description",
    "order_unit",
    "price",
    "price_amount",
    "price_quantity",
    "price_type",
    "currency",
    "attributes",
    "status",
)
#: The price columns a T_UPDATE_PRICES import sets, in the order of its value tuples.
PRICE_FIELDS = ("price", "price_amount", "price_quantity", "price_type")
#: Columns changed when an article already exists (everything but the key and the partner).
UPDATED_FIELDS = tuple(f for f in FIELDS if f != "partner_article_key") + ("catalog_import",)

# PostgreSQL types of the temporary table's columns (the casts into the real table are implicit).
_PG_TYPES = {
    "price": "numeric",
    "price_amount": "numeric",
    "price_quantity": "numeric",
    "attributes": "jsonb",
}
_TEMP_TABLE = "orderhub_catalog_rows"


def _column(name: str) -> str:
    return connection.ops.quote_name(Article._meta.get_field(name).column)  # type: ignore[union-attr,arg-type]


# SQLite limits the host parameters of one statement (999 before 3.32); keep well below.
_IN_CHUNK = 900


def count_existing(partner_id: int, keys: Sequence[str]) -> int:
    """How many of ``keys`` (normalised partner article keys) the partner already has."""
    if not keys:
        return 0
    table = connection.ops.quote_name(Article._meta.db_table)
    where = f"SELECT count(*) FROM {table} WHERE {_column('partner')} = %s AND {_column('partner_article_key')}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{where} = ANY(%s)", [partner_id, list(keys)])
            return cursor.fetchone()[0]
        total = 0
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = keys[start : start + _IN_CHUNK]
            cursor.execute(f"{where} IN ({', '.join(['%s'] * len(chunk))})", [partner_id, *chunk])
            total += cursor.fetchone()[0]
        return total


class ArticleWriter:
    """Upserts and price updates of one import; ``partner_id`` and ``import_id`` are fixed."""

    def __init__(self, partner_id: int, import_id: int):
        self.partner_id, self.import_id = partner_id, import_id
        self.table = connection.ops.quote_name(Article._meta.db_table)
        self.postgres = connection.vendor == "postgresql"
        self.copy = False
        if self.postgres:
            with connection.cursor() as cursor:
                self.copy = hasattr(
                    cursor.cursor, "copy"
                )  # psycopg 3 (psycopg2 has no Cursor.copy)
        self._temp_ready = False

    # -- upserts ---------------------------------------------------------------------------------

    def upsert(self, rows: list[tuple]) -> int:
        """Insert or update ``rows`` (tuples in :data:`FIELDS` order, unique keys); returns how many existed."""
        if not rows:
            return 0
        if self.copy:
            return self._upsert_copy(rows)
        key_index = FIELDS.index("partner_article_key")
        existed = count_existing(self.partner_id, [r[key_index] for r in rows])
        self._upsert_executemany(rows)
        return existed

    def _conflict_sql(self) -> str:
        targets = f"{_column('partner')}, {_column('partner_article_key')}"
        sets = ", ".join(f"{_column(f)} = EXCLUDED.{_column(f)}" for f in UPDATED_FIELDS)
        return f"ON CONFLICT ({targets}) DO UPDATE SET {sets}"

    def _insert_columns(self) -> str:
        return ", ".join(_column(f) for f in (*FIELDS, "partner", "catalog_import"))

    def _upsert_executemany(self, rows: list[tuple]) -> None:
        marks = ", ".join(
            "%s::jsonb" if (self.postgres and f == "attributes") else "%s"
            for f in (*FIELDS, "partner", "catalog_import")
        )
        sql = f"INSERT INTO {self.table} ({self._insert_columns()}) VALUES ({marks}) {self._conflict_sql()}"
        tail = (self.partner_id, self.import_id)
        with connection.cursor() as cursor:
            cursor.executemany(sql, [row + tail for row in rows])

    # -- PostgreSQL: COPY into a temporary table, then one INSERT … SELECT ------------------------

    def _ensure_temp_table(self, cursor) -> None:
        if self._temp_ready:
            cursor.execute(f"TRUNCATE {_TEMP_TABLE}")
            return
        columns = ", ".join(f"{_column(f)} {_PG_TYPES.get(f, 'text')}" for f in FIELDS)
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_TEMP_TABLE} ({columns}) ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {_TEMP_TABLE}")
        self._temp_ready = True

    def _upsert_copy(self, rows: list[tuple]) -> int:
        columns = ", ".join(_column(f) for f in FIELDS)
        with connection.cursor() as cursor:
            self._ensure_temp_table(cursor)
            with cursor.cursor.copy(f"COPY {_TEMP_TABLE} ({columns}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
            # A row the upsert inserted has no xmax yet; an updated row carries this transaction's
            # id there. So one statement both writes the batch and tells how many rows existed.
            cursor.execute(
                f"WITH upserted AS (INSERT INTO {self.table} ({self._insert_columns()}) "
                f"SELECT {columns}, %s, %s FROM {_TEMP_TABLE} {self._conflict_sql()} "
                f"RETURNING (xmax = 0) AS inserted) "
                f"SELECT count(*) FILTER (WHERE NOT inserted) FROM upserted",
                [self.partner_id, self.import_id],
            )
            return cursor.fetchone()[0]

    # -- price updates ---------------------------------------------------------------------------

    def update_prices(self, prices: dict[str, tuple]) -> int:
        """Set the prices of existing articles (key → values in :data:`PRICE_FIELDS` order);
        returns how many articles existed."""
        if not prices:
            return 0
        existed = count_existing(self.partner_id, list(prices))
        sets = ", ".join(f"{_column(f)} = %s" for f in PRICE_FIELDS)
        sql = (
            f"UPDATE {self.table} SET {sets}, {_column('catalog_import')} = %s "
            f"WHERE {_column('partner')} = %s AND {_column('partner_article_key')} = %s"
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [(*values, self.import_id, self.partner_id, key) for key, values in prices.items()],
            )
        return existed
