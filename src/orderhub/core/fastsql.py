"""Lean SQL for hot paths, in one place: multi-row INSERTs of model instances (:func:`insert`) and
of plain rows (:func:`insert_values`), batched UPDATEs by primary key (:func:`update_by_pk`), and
model instances from raw rows (:func:`from_row`). The catalog import's upsert is the one other
write path of its own (``catalog/writer.py``: COPY on PostgreSQL).

The ORM's insert compiler builds the SQL and prepares every value of every field anew for each
statement (about a third of an order intake's CPU went there). Here the statement text is built
once per model, row count and database vendor, and only values that need converting for the
database (dates, decimals, UUIDs, JSON, …) go through the field's ``get_db_prep_save``; plain
strings, integers and booleans are passed as they are. Semantics are those of
``bulk_create`` without returned ids: no signals, primary keys of auto fields stay unset.
On PostgreSQL the rows of a table travel as one JSON parameter, and several INSERTs go to the
server in one round trip.

Why not ``bulk_create``: measured for issue 13 (CPU of the request in one process, SQLite), an
order intake through ``bulk_create`` and ORM reads cost 9.7 ms instead of 3.5 ms — the intake
target (≥ 300 orders/s on two cores) would be missed. The statement caches below are bounded:
one entry per model (and per row count up to the driver's batch size).
"""

from __future__ import annotations

import json

from django.db import connections, router
from django.db import models as m

#: Field classes whose Python values the drivers take unchanged (SQLite and psycopg alike).
_PLAIN = (
    m.CharField,
    m.TextField,
    m.SlugField,
    m.BooleanField,
    m.IntegerField,
    m.BigIntegerField,
    m.PositiveIntegerField,
    m.PositiveSmallIntegerField,
    m.SmallIntegerField,
)
_AUTO = (m.AutoField, m.BigAutoField, m.SmallAutoField)

_insert_plans: dict[tuple, tuple] = {}
_sql: dict[tuple, str] = {}
_converters: dict[tuple, list] = {}


def _is_plain(field) -> bool:
    if field.is_relation:
        return type(field.target_field) in _AUTO or type(field.target_field) in _PLAIN
    return type(field) in _PLAIN


def _plan(model, connection):
    key = (model, connection.alias)
    plan = _insert_plans.get(key)
    if plan is None:
        fields = [
            f for f in model._meta.concrete_fields if not (f.primary_key and type(f) in _AUTO)
        ]
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                raise TypeError(
                    f"{model.__name__}.{f.name}: auto_now fields are not supported here"
                )
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        preps = [(f.attname, None if _is_plain(f) else f) for f in fields]
        plan = _insert_plans[key] = (
            f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ",
            preps,
            "(" + ", ".join(["%s"] * len(fields)) + ")",
            fields,
        )
    return plan


# PostgreSQL: the rows travel as one JSON document (json_populate_recordset) instead of one bound
# parameter per value — client-side binding quotes every parameter in Python, which cost more than
# the rest of the statement. Values are given as PostgreSQL parses them from JSON text.
_JSON_AS_IS, _JSON_STR, _JSON_ISO = 0, 1, 2
_json_plans: dict[tuple, tuple | None] = {}


def _json_kind(field):
    target = field.target_field if field.is_relation else field
    if type(target) in _PLAIN or type(target) in _AUTO:
        return _JSON_AS_IS
    if isinstance(target, m.JSONField) and target.encoder is None:
        return _JSON_AS_IS
    if isinstance(target, (m.UUIDField, m.DecimalField)):
        return _JSON_STR
    if isinstance(target, (m.DateTimeField, m.DateField, m.TimeField)):
        return _JSON_ISO
    return None


def _json_plan(model, connection):
    key = (model, connection.alias)
    if key not in _json_plans:
        _, _, _, fields = _plan(model, connection)
        kinds = [_json_kind(f) for f in fields]
        if None in kinds:
            _json_plans[key] = None
        else:
            qn = connection.ops.quote_name
            table = qn(model._meta.db_table)
            columns = ", ".join(qn(f.column) for f in fields)
            sql = (
                f"INSERT INTO {table} ({columns}) SELECT {columns} "
                f"FROM json_populate_recordset(NULL::{table}, %s::json)"
            )
            _json_plans[key] = (
                sql,
                [(f.column, f.attname, kind, f) for f, kind in zip(fields, kinds)],
            )
    return _json_plans[key]


def _json_statement(objs: list, connection, plan):
    sql, columns = plan
    rows = []
    for obj in objs:
        d = obj.__dict__
        row = {}
        for column, attname, kind, field in columns:
            value = d[attname]
            if value is not None and kind:
                if kind == _JSON_STR:
                    value = str(value)
                else:
                    value = field.get_db_prep_save(value, connection).isoformat()
            row[column] = value
        rows.append(row)
    return sql, [json.dumps(rows, ensure_ascii=False, separators=(",", ":"))]


def _statements(objs: list, connection):
    """(sql, params) for INSERTing ``objs`` (one model): one statement, or a few when the driver's
    limit on parameters per statement requires batches (as ``bulk_create`` does)."""
    model = type(objs[0])
    if connection.vendor == "postgresql":
        plan = _json_plan(model, connection)
        if plan is not None:
            yield _json_statement(objs, connection, plan)
            return
    head, preps, row, fields = _plan(model, connection)
    size = max(1, connection.ops.bulk_batch_size(fields, objs)) if len(objs) > 1 else 1
    for start in range(0, len(objs), size):
        batch = objs[start : start + size]
        sql_key = (model, connection.alias, len(batch))
        sql = _sql.get(sql_key)
        if sql is None:
            sql = _sql[sql_key] = head + ", ".join([row] * len(batch))
        params: list = []
        append = params.append
        for obj in batch:
            d = obj.__dict__
            for attname, field in preps:
                value = d[attname]
                if field is not None and value is not None:
                    value = field.get_db_prep_save(value, connection)
                append(value)
        yield sql, params


def _one_round_trip(connection) -> bool:
    """PostgreSQL with client-side binding (Django's default) runs several statements in one call."""
    return connection.vendor == "postgresql" and not connection.settings_dict.get(
        "OPTIONS", {}
    ).get("server_side_binding")


def insert(*groups: list, using: str | None = None) -> None:
    """INSERT each group of model instances (a list of one model each), in this order.

    One statement per group and table; on PostgreSQL all of them are sent in one round trip. Use
    inside a transaction when the groups belong together.
    """
    groups = tuple(g for g in groups if g)
    if not groups:
        return
    connection = connections[using or router.db_for_write(type(groups[0][0]))]
    statements = [st for g in groups for st in _statements(g, connection)]
    with connection.cursor() as cursor:
        if len(statements) > 1 and _one_round_trip(connection):
            cursor.execute(
                "; ".join(sql for sql, _ in statements),
                [p for _, params in statements for p in params],
            )
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
    for g in groups:
        for obj in g:
            obj._state.adding = False
            obj._state.db = connection.alias


def insert_values(model, field_names: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT plain rows (values in ``field_names`` order, already what the driver takes: ids,
    strings, numbers) into ``model``'s table, as many rows per statement as the driver allows.

    For link tables written by the thousand, where a model instance per row costs more than the
    SQL (``masterdata.services._insert_memberships`` carries the figure)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    meta, qn = model._meta, connection.ops.quote_name
    columns = ", ".join(qn(meta.get_field(name).column) for name in field_names)
    width = len(field_names)
    placeholder = "(" + ", ".join(["%s"] * width) + ")"
    per_statement = max(1, min(1000, (connection.features.max_query_params or 2000) // width))
    with connection.cursor() as cursor:
        for i in range(0, len(rows), per_statement):
            chunk = rows[i : i + per_statement]
            cursor.execute(
                f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES "
                + ", ".join([placeholder] * len(chunk)),
                [value for row in chunk for value in row],
            )


def update_by_pk(objs: list, field_names: list[str]) -> None:
    """UPDATE ``field_names`` of saved instances of one model, one statement by primary key each,
    sent as one ``executemany`` batch; values prepared by each field as ``save()`` would.

    ``bulk_update`` builds a CASE expression per row and column instead (``delivery.queue.
    save_attempts`` carries the figure). No signals, no ``auto_now``."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    fields = [meta.get_field(name) for name in field_names]
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(meta.db_table)} SET "
        + ", ".join(f"{qn(f.column)} = %s" for f in fields)
        + f" WHERE {qn(meta.pk.column)} = %s"
    )
    rows = [
        [f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] + [o.pk]
        for o in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def select_columns(model, alias: str, connection) -> str:
    """``alias.col1, alias.col2, …`` for every concrete field, in the order :func:`from_row` expects."""
    qn = connection.ops.quote_name
    return ", ".join(f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields)


def from_row(model, values, connection):
    """A model instance from raw column values (``concrete_fields`` order), converted as the ORM does."""
    key = (model, connection.alias)
    converters = _converters.get(key)
    if converters is None:
        converters = []
        for f in model._meta.concrete_fields:
            col = f.get_col(model._meta.db_table)
            converters.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
        _converters[key] = converters
    converted = []
    for value, (col, conv) in zip(values, converters):
        if value is not None or conv:
            for c in conv:
                value = c(value, col, connection)
        converted.append(value)
    return model.from_db(
        connection.alias, [f.attname for f in model._meta.concrete_fields], converted
    )
