"""Reads that see one moment of the database, for pages and answers assembled from several queries.

An order's detail reads the order, its lines, shipments, changes and events in separate queries.
Under PostgreSQL's default READ COMMITTED every query sees what has committed by its own start, so
a partner's answer committing in between showed lines already confirmed beside an order still
``sent``. Inside :func:`one_moment` all queries share one snapshot: on PostgreSQL the transaction
is REPEATABLE READ (for reads alone it never has to retry); SQLite's transaction reads one snapshot
already (WAL). Inside an enclosing transaction (tests, a caller's ``atomic``) nothing changes: that
transaction decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def one_moment(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
