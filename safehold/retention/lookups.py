"""`InArray(F("case_id"), ids)`: a filter on many ids that costs one parameter.

Django's `__in` sends one parameter per id, and with client-side binding psycopg parses and
quotes every one: for the thousands of ids a sweep batch or a recompute names, that costs
more than the query. On PostgreSQL this sends them as one array literal (`= ANY(%s::bigint[])`);
elsewhere it is `IN (...)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, Q
from django.db.models.sql.compiler import SQLCompiler


class InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def __init__(self, lhs: Any, rhs: Sequence[int]) -> None:
        super().__init__(lhs, [int(i) for i in rhs])

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        ids: list[int] = self.rhs
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", (*params, "{" + ",".join(map(str, ids)) + "}")
        if not ids:
            return "1 = 0", tuple(params)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*params, *ids)


def among(column: str, ids: Sequence[int]) -> Q:
    """`Q(column__in=ids)`, sent as one parameter."""
    return Q(InArray(F(column), ids))
