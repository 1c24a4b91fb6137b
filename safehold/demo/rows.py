"""Writing a chunk of rows in bulk: each table's ids reserved in one query, its rows written
in one statement (COPY on PostgreSQL, one prepared INSERT on SQLite), parents before children.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

from safehold.records.models import (
    Assessment,
    Case,
    CaseStatus,
    Contact,
    Offence,
    Outcome,
    Person,
    PersonFlag,
    Plan,
    PlanAction,
    Relationship,
    Report,
    VictimLink,
)

# Parents before children: the order tables are written in. A column in REFS holds the
# chunk-local id of a row of that model until it is written.
RECORD_MODELS: tuple[type[models.Model], ...] = (
    Person,
    PersonFlag,
    Relationship,
    Case,
    Contact,
    Assessment,
    Plan,
    PlanAction,
    Offence,
    VictimLink,
    Outcome,
    Report,
    CaseStatus,
)
REFS: dict[type[models.Model], dict[str, type[models.Model]]] = {
    PersonFlag: {"person_id": Person},
    Relationship: {"person_id": Person, "other_id": Person},
    Case: {"person_id": Person},
    Contact: {"case_id": Case},
    Assessment: {"case_id": Case},
    Plan: {"case_id": Case},
    PlanAction: {"plan_id": Plan},
    Offence: {"case_id": Case},
    VictimLink: {"offence_id": Offence, "victim_id": Person},
    Outcome: {"case_id": Case},
    Report: {"case_id": Case},
    CaseStatus: {"case_id": Case},
}
CASE_RECORDS = (
    "case",
    "contact",
    "assessment",
    "plan",
    "planaction",
    "offence",
    "victimlink",
    "outcome",
    "report",
)  # the casework records; dated statuses are counted on their own ("casestatus")


class Rows:
    """The rows of one table in a chunk, as dicts by attribute name, with chunk-local ids."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.rows: list[dict[str, Any]] = []

    def add(self, values: dict[str, Any]) -> int:
        local = len(self.rows)
        values["id"] = local
        self.rows.append(values)
        return local


def reserve_ids(model: type[models.Model], count: int) -> Sequence[int]:
    """`count` primary keys no other writer will use, in one query."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Taken from the table's own sequence: safe beside concurrent writers, and the
            # sequence stays ahead of every id written.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the database's write lock (IMMEDIATE), so the ids past
        # the largest ever used (AUTOINCREMENT's sqlite_sequence) are ours.
        quoted = connection.ops.quote_name(table)
        sql = f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), coalesce((SELECT max(id) FROM {quoted}), 0))"  # noqa: S608 - a model's table
        cursor.execute(sql, [table])
        (largest,) = cursor.fetchone()
        return range(largest + 1, largest + 1 + count)


def write_rows(
    rows: Rows, constants: dict[str, Any], ids_of: dict[type[models.Model], Sequence[int]]
) -> Sequence[int]:
    """Write a table's rows with real ids (and real ids for the parents they point to)."""
    model = rows.model
    fields = list(model._meta.concrete_fields)
    ids = reserve_ids(model, len(rows.rows))
    refs = [(name, ids_of[parent]) for name, parent in REFS.get(model, {}).items()]
    # A column the generator leaves out gets the model's default ('' for text), as save() would.
    base = {f.attname: f.get_default() for f in fields} | constants
    adapt: list[tuple[str, Callable[[Any], Any]]] = []
    if connection.vendor == "sqlite":
        ops = connection.ops
        for f in fields:
            if isinstance(f, models.DateTimeField):
                adapt.append((f.attname, _memo(ops.adapt_datetimefield_value)))
            elif isinstance(f, models.DateField):
                adapt.append((f.attname, ops.adapt_datefield_value))
    values = operator.itemgetter(*(f.attname for f in fields))
    out = []
    for row in rows.rows:
        row["id"] = ids[row["id"]]
        for name, parent_ids in refs:
            if row[name] is not None:
                row[name] = parent_ids[row[name]]
        full = base | row
        for name, convert in adapt:
            if full[name] is not None:
                full[name] = convert(full[name])
        out.append(values(full))
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row_values in out:
                    copy.write_row(row_values)
        else:
            marks = ", ".join(["%s"] * len(fields))
            insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - a model's table
            cursor.executemany(insert, out)
    return ids


def _memo(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # created_at and updated_at are the same object in every row of a chunk: adapt it once.
    last: list[Any] = [object(), None]

    def adapt(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return adapt


class Chunk:
    """One chunk's rows, table by table."""

    def __init__(self) -> None:
        self.tables = {model: Rows(model) for model in RECORD_MODELS}

    def add(self, model: type[models.Model], **values: Any) -> int:
        return self.tables[model].add(values)
