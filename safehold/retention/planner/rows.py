"""Which rows a chunk covers (an id range or a list of ids), and reading them: keyset
pagination, ids as one array parameter on PostgreSQL, the days records were written."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, models
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import TruncDate

from safehold.records.models import (
    Case,
)
from safehold.retention import rules
from safehold.retention.lookups import among
from safehold.retention.models import (
    FINISHED,
    RetentionUnit,
    UnitKind,
)
from safehold.retention.units import column_of
from safehold.sharing.models import RecordedEvent

CHUNK = 5_000


@dataclass(frozen=True)
class Scope:
    """The ids a chunk covers: (low, high] for the planner, or an explicit list."""

    low: int = 0
    high: int = 0
    ids: tuple[int, ...] | None = None

    def q(self, column: str) -> Q:
        if self.ids is not None:
            return among(column, self.ids)
        return Q(**{f"{column}__gt": self.low, f"{column}__lte": self.high})


def chunks(model: type[models.Model], where: Q, size: int) -> Iterator[tuple[Scope, list[int]]]:
    """Keyset pagination over a table's ids: each chunk's ids, and the id range from its first
    to its last (which holds other rows too unless `where` is itself an id range)."""
    last = 0
    while True:
        ids = list(
            model._default_manager.filter(where, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return
        yield Scope(ids[0] - 1, ids[-1]), ids
        last = ids[-1]


def by_ids(
    model: type[models.Model], column: str, ids: Sequence[int], *fields: str
) -> list[tuple[Any, ...]]:
    """Rows whose `column` is one of `ids`. On PostgreSQL the ids go as one array parameter
    (`= ANY(%s)`): a chunk's people are scattered through the table, and with thousands of
    ids the planner may otherwise join by scanning the whole of it."""
    if not ids:
        return []
    if connection.vendor != "postgresql":
        return [
            row
            for start in range(0, len(ids), CHUNK)
            for row in model._default_manager.filter(
                **{f"{column}__in": ids[start : start + CHUNK]}
            ).values_list(*fields)
        ]
    meta = model._meta
    names = ", ".join(connection.ops.quote_name(column_of(model, f)) for f in fields)
    where = connection.ops.quote_name(column_of(model, column))
    with connection.cursor() as cursor:
        # The ids as an array literal: far cheaper to send than a list psycopg adapts. The
        # range they lie in as well (the same rows): without it PostgreSQL guesses thousands
        # of ids match many rows and scans the whole table (72 ms for a chunk's flags,
        # against 7 ms by the index).
        cursor.execute(
            f"SELECT {names} FROM {connection.ops.quote_name(meta.db_table)} "  # noqa: S608 - names from the model
            f"WHERE {where} = ANY(%s::bigint[]) AND {where} BETWEEN %s AND %s",
            ["{" + ",".join(map(str, ids)) + "}", min(ids), max(ids)],
        )
        return cursor.fetchall()


def live_cases() -> models.QuerySet[Case]:
    """Cases whose case file has not been disposed of (an anonymised case stays as a row)."""
    disposed = RetentionUnit.objects.filter(
        kind=UnitKind.CASE_FILE, key=OuterRef("pk"), status__in=FINISHED
    )
    return Case.objects.exclude(Exists(disposed))


def rows_of(
    model: type[models.Model], scope: Scope, read: rules.Needs, columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """The rows of `scope`, with the days they were recorded and changed where a rule needs
    them, in key order."""
    return list(
        model._default_manager.filter(scope.q("pk"))
        .annotate(
            created_on=day_of("created_at", "record-created" in read.events),
            updated_on=day_of("updated_at", "record-updated" in read.events),
        )
        .order_by("pk")
        .values_list(*columns)
    )


def day_of(field: str, needed: bool) -> Any:
    """A timestamp as the day it fell on in the service's time zone, computed by the database
    (far cheaper than loading timestamps), or nothing when no rule reads it."""
    return TruncDate(field) if needed else Value(None, output_field=models.DateField())


def has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def person_events(people: Sequence[int], codes: frozenset[str]) -> dict[tuple[int, str], date]:
    """The dates of the people's own events among `codes` (`of: person`), by (person, event)."""
    return {
        (person_id, event): on
        for person_id, case_id, event, on in by_ids(
            RecordedEvent, "person", people, "person_id", "case_id", "event", "on"
        )
        if case_id is None and event in codes
    }
