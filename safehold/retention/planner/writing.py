"""Writing what changed: new units by COPY (PostgreSQL), changed ones by an upsert guarded by
the revision read, so a plan never overwrites an approval, hold or disposal made meanwhile."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from django.db import IntegrityError, connection, transaction

from safehold.retention.models import (
    RetentionUnit,
)
from safehold.retention.planner.proposals import (
    COLUMNS,
    Proposal,
)
from safehold.retention.units import column_of

ROWS_PER_STATEMENT = 1_000


def write(proposals: Iterable[Proposal]) -> tuple[int, int]:
    """Write the changed proposals; (written, skipped because the unit changed meanwhile)."""
    changed = [p for p in proposals if p.changed]
    if not changed:
        return 0, 0
    written, rest = 0, changed
    if connection.vendor == "postgresql":
        new = [p for p in changed if p.existing is None]
        if len(new) >= COPY_FROM and _insert_copy(new):
            written += len(new)
            rest = [p for p in changed if p.existing is not None]
        if len(rest) >= COPY_FROM:
            written += _upsert_copy(rest)
            rest = []
    for start in range(0, len(rest), ROWS_PER_STATEMENT):
        written += _upsert_values(rest[start : start + ROWS_PER_STATEMENT])
    return written, len(changed) - written


COPY_FROM = 500
_DATETIME = RetentionUnit._meta.get_field("computed_at")
_COLUMNS = [column_of(RetentionUnit, c) for c in COLUMNS]


def _on_conflict(table: str) -> str:
    """Overwrite a unit only at the revision the planner read: one changed since (approved,
    disposed, held) is left alone."""
    quote = connection.ops.quote_name
    updated = [c for c in _COLUMNS if c not in ("kind", "key", "revision")]
    return (
        f"ON CONFLICT ({quote('kind')}, {quote('key')}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in updated)
        + f", {quote('revision')} = {quote(table)}.{quote('revision')} + 1"
        f" WHERE {quote(table)}.{quote('revision')} = excluded.{quote('revision')}"
    )


def _upsert_values(proposals: Sequence[Proposal]) -> int:
    """One INSERT ... VALUES ... ON CONFLICT DO UPDATE for a batch (SQLite; small batches)."""
    table = RetentionUnit._meta.db_table
    quote = connection.ops.quote_name
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ["%s"] * len(_COLUMNS)
    marks[COLUMNS.index("anchors")] = f"%s{json_cast}"
    row = "(" + ", ".join(marks) + ")"
    params: list[Any] = []
    stamp: dict[datetime, Any] = {}
    for proposal in proposals:
        for value in proposal.written():
            if isinstance(value, datetime):
                if value not in stamp:
                    stamp[value] = _DATETIME.get_db_prep_save(value, connection)
                value = stamp[value]
            params.append(value)
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in _COLUMNS)}) "  # noqa: S608 - names from the model, values bound
        f"VALUES {', '.join([row] * len(proposals))} {_on_conflict(table)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _insert_copy(proposals: Sequence[Proposal]) -> bool:
    """PostgreSQL, new units (the first plan): COPY straight into the table. If one was
    created meanwhile (a write hook), nothing is kept and the caller upserts instead."""
    table = RetentionUnit._meta.db_table
    try:
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy,
        ):
            copy.write(_copy_text(proposals))
    except (IntegrityError, psycopg.IntegrityError):
        return False
    return True


# COPY's text format: these four characters are written as escapes, NULL as \N.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _copy_text(proposals: Sequence[Proposal]) -> str:
    """The rows in COPY's text format, written here in one string: psycopg's `write_row`
    adapts each of a million rows' twenty-one values one by one, which cost more than the
    rest of the plan's writing. Column by column, in the order of `COLUMNS`."""
    stamps: dict[Any, str] = {}  # timestamps and days repeat: each is formatted once

    def when(value: Any) -> str:
        if value is None:
            return _NULL
        found = stamps.get(value)
        if found is None:
            found = stamps[value] = value.isoformat()
        return found

    escaped: dict[str, str] = {}  # services, notes and holds repeat: each looked at once

    def esc(text: str) -> str:
        found = escaped.get(text)
        if found is None:
            # Almost no text holds one of the four: looking costs less than translating.
            found = escaped[text] = text.translate(_ESCAPES) if _SPECIAL(text) else text
        return found

    lines = []
    # Codes (kind, rule, action, basis, status) and the hex digest hold none of the escaped
    # characters (pack codes are `[a-z0-9-]`): only texts from records or packs are escaped.
    for proposal in proposals:
        (
            kind, key, controller_id, case_id, person_id, service, pack_version_id, rule,
            action, basis, keep_until, anchors, note, held_by, status, approver, approved_at,
            approved_action, computed_at, revision, digest,
        ) = proposal.written()  # fmt: skip
        lines.append(
            f"{kind}\t{key}\t{controller_id}\t"
            f"{_NULL if case_id is None else case_id}\t"
            f"{_NULL if person_id is None else person_id}\t"
            f"{esc(service)}\t{pack_version_id}\t"
            f"{rule}\t{action}\t{basis}\t{when(keep_until)}\t"
            f"{anchors.translate(_ESCAPES) if _SPECIAL(anchors) else anchors}\t{esc(note)}\t"
            f"{esc(held_by)}\t{status}\t"
            f"{_NULL if approver is None else approver}\t{when(approved_at)}\t"
            f"{approved_action}\t{when(computed_at)}\t"
            f"{revision}\t{digest}\n"
        )
    return "".join(lines)


_SPECIAL = re.compile(r"[\\\t\n\r]").search


# `_copy_text` writes the columns in this order.
assert COLUMNS == (
    "kind", "key", "controller_id", "case_id", "person_id", "service", "pack_version_id",
    "rule", "action", "basis", "keep_until", "anchors", "note", "held_by", "status",
    "approved_by_id", "approved_at", "approved_action", "computed_at", "revision", "digest",
)  # fmt: skip


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s",
            [RetentionUnit._meta.db_table],
        )
        return {name for (name,) in cursor.fetchall()}


def restore_indexes() -> None:
    """Build the unit table's secondary indexes that are missing (a first plan that was
    stopped before it built them again, below). Built as the model states them."""
    if connection.vendor != "postgresql":
        return
    have = _index_names()
    missing = [i for i in RetentionUnit._meta.indexes if i.name not in have]
    if not missing:
        return
    with connection.schema_editor() as editor:  # one transaction
        # Sorted in memory rather than on disk; for this transaction only.
        editor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for index in missing:
            editor.add_index(RetentionUnit, index)


# The indexes a first plan builds after its rows: those over every unit. The partial ones
# (units kept or disposed of, units approved) hold no new unit, so cost a first plan nothing,
# and the people's plan asks one of them, per case, whether a case file is still kept.
_BUILT_AFTER = [i for i in RetentionUnit._meta.indexes if i.condition is None]


@contextmanager
def indexes_built_after() -> Iterator[bool]:
    """The first plan (PostgreSQL, no unit at all yet, outside a transaction): the unit
    table's indexes over every unit (the queue's, the due dates') are dropped while the plan
    COPYs its million rows in, and built once at the end — sorting every row once costs far
    less than placing each in every index as it arrives. The unique `(key, kind)` index stays
    (write hooks meanwhile upsert by it), and so do the partial ones (`_BUILT_AFTER`). A plan
    stopped half way leaves two missing; the next plan builds them first (`restore_indexes`).
    Yields whether it dropped them."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    restore_indexes()
    if RetentionUnit.objects.exists():
        yield False
        return
    with connection.schema_editor() as editor:
        for index in _BUILT_AFTER:
            editor.remove_index(RetentionUnit, index)
    try:
        yield True
    finally:
        restore_indexes()


def _upsert_copy(proposals: Sequence[Proposal]) -> int:
    """PostgreSQL, many rows: COPY them into a temporary table, then one INSERT ... SELECT ...
    ON CONFLICT. COPY sends rows without building a statement of a million parameters."""
    table = RetentionUnit._meta.db_table
    columns = ", ".join(_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE retention_plan ON COMMIT DROP AS "  # noqa: S608 - names from the model
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY retention_plan ({columns}) FROM STDIN") as copy:
            copy.write(_copy_text(proposals))
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM retention_plan "  # noqa: S608
            f"{_on_conflict(table)}"
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE retention_plan")
    return written
