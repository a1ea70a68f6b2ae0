"""``id__any=[…]``: membership in a list of ids as one array parameter on PostgreSQL.

``id__in=[…]`` writes one literal per id, which PostgreSQL plans anew for every length and every
set of values (≈ 1 ms for 80 ids on a table with eight indexes); ``id = ANY(%s)`` is one
parameter. Other databases get the ``IN`` list. Measured in bench/search.py's candidate read
(80 ids of 1,000,000 articles: 2.5 → 2.1 ms).
"""

from __future__ import annotations

from django.db import models


class AnyOf(models.Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [self.lhs.output_field.get_db_prep_value(v, connection) for v in value])

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]


for field in (models.BigAutoField, models.AutoField, models.BigIntegerField, models.IntegerField):
    field.register_lookup(AnyOf)
