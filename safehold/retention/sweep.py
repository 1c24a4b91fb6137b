"""The sweep: dispose of approved units, each whole or not at all, and prove it.

A batch of approved units is claimed with `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL; on
SQLite every transaction is IMMEDIATE, so sweeps take turns), checked again against fresh facts
inside the same transaction (still due, same rule, no hold, no open rights request, nothing
else holding a person), disposed of set-based, and recorded — a `DisposalRecord` per unit and
one batch of audit events — before the transaction commits. So every unit is whole or gone,
never half-disposed, wherever a sweep is killed; a second sweep running at the same time skips
the units the first has claimed; and the next sweep finishes what a killed one left.

Whole units share a transaction (`batch` of them) for speed; if a batch fails (a record some
other part of Safehold protects from deletion, say), it is rolled back and each of its units
is tried again in a transaction of its own, so one bad unit stops only itself.

`dry_run` runs the same selection and checks and counts, and changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models import Count, F
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from safehold.audit.models import Action as AuditAction
from safehold.audit.models import Decision
from safehold.audit.services import AuditEntry, append
from safehold.policy.schema import Action, Pack
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import Case, Change, Person, VictimLink
from safehold.retention import planner
from safehold.retention.lookups import among
from safehold.retention.models import DisposalRecord, RetentionUnit, UnitKind, UnitStatus
from safehold.retention.units import (
    NON_CASE_FILE_PARTS,
    Part,
    anonymise,
    anonymise_fields,
    column_of,
    field_of,
    parts_of,
)

ACTOR = "job:retention-sweep"  # a system job, as the audit log names them (ADR 0002)
BATCH = 1000
# Test hook: "<stage>:<batch number>" kills the sweep with SIGKILL at that point (stages:
# claimed, disposed, recorded, committed). Used by the crash-safety tests; unset in real use.
CRASH_ENV = "SAFEHOLD_SWEEP_CRASH"


class SweepError(Exception):
    """A unit could not be disposed of as recorded; its transaction is rolled back."""


@dataclass(frozen=True)
class Disposed:
    unit_id: int
    kind: str
    key: int
    rule: str
    action: str
    counts: dict[str, int]


@dataclass
class SweepReport:
    run: str
    dry_run: bool
    disposed: list[Disposed] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def unit_ids(self) -> set[int]:
        return {d.unit_id for d in self.disposed}

    def by_rule(self) -> dict[tuple[str, str, str], tuple[int, dict[str, int]]]:
        """(kind, rule, action) -> (units, records by type)."""
        found: dict[tuple[str, str, str], tuple[int, dict[str, int]]] = {}
        for d in self.disposed:
            units, counts = found.get((d.kind, d.rule, d.action), (0, {}))
            merged = dict(counts)
            for label, n in d.counts.items():
                merged[label] = merged.get(label, 0) + n
            found[(d.kind, d.rule, d.action)] = (units + 1, merged)
        return found


Progress = Callable[[int, int], None]


def _crash_point(stage: str, batch: int) -> None:
    if os.environ.get(CRASH_ENV) == f"{stage}:{batch}":
        os.kill(os.getpid(), signal.SIGKILL)


def sweep(
    *,
    dry_run: bool = False,
    batch: int = BATCH,
    limit: int | None = None,
    progress: Progress | None = None,
) -> SweepReport:
    """Dispose of every approved unit that is still due and not held (at most `limit`)."""
    started = time.perf_counter()
    report = SweepReport(run=uuid.uuid4().hex[:12], dry_run=dry_run)
    total = RetentionUnit.objects.approved().count()
    if limit is not None:
        total = min(total, limit)
    last, number, done = 0, 0, 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        number += 1
        ids: list[int] = []
        if dry_run:
            ids = _approved_after(last, size, lock=False)
            if not ids:
                break
            _process(ids, report, dry_run=True, batch_number=number)
        else:
            reported = len(report.disposed)
            try:
                with transaction.atomic():
                    ids = _approved_after(last, size, lock=True)
                    if ids:
                        _process(ids, report, dry_run=False, batch_number=number)
            except (DatabaseError, ProtectedError, RestrictedError, SweepError):
                # The whole batch was rolled back (even at commit): try each unit on its own.
                del report.disposed[reported:]
                _one_by_one(ids, report, batch_number=number)
            if not ids:
                break
            _crash_point("committed", number)
        last = ids[-1]
        done += len(ids)
        if progress:
            progress(min(done, total), total)
    report.seconds = time.perf_counter() - started
    return report


def _approved_after(last: int, size: int, *, lock: bool) -> list[int]:
    qs = RetentionUnit.objects.approved().filter(pk__gt=last).order_by("pk")
    if lock:
        # Skip what another sweep holds; SQLite ignores this and serialises the transactions.
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.values_list("pk", flat=True)[:size])


def _one_by_one(ids: Sequence[int], report: SweepReport, *, batch_number: int) -> None:
    for unit_id in ids:
        try:
            with transaction.atomic():
                claimed = (
                    RetentionUnit.objects.approved()
                    .filter(pk=unit_id)
                    .select_for_update(skip_locked=True, of=("self",))
                    .values_list("pk", flat=True)
                )
                if claimed:
                    _process(list(claimed), report, dry_run=False, batch_number=batch_number)
        except (DatabaseError, ProtectedError, RestrictedError, SweepError) as error:
            report.failed[unit_id] = f"{type(error).__name__}: {error}"[:500]


# --- one batch ----------------------------------------------------------------------------------

UNIT_FIELDS = (
    "pk",
    "kind",
    "key",
    "controller_id",
    "person_id",
    "pack_version_id",
    "rule",
    "action",
    "approved_action",
    "keep_until",
    "approved_by_id",
    "approved_by__username",
    "approved_at",
)


@dataclass
class Unit:
    pk: int
    kind: str
    key: int
    controller_id: int
    person_id: int | None
    pack_version_id: int
    rule: str
    action: str
    approved_action: str
    keep_until: date
    approved_by_id: int
    approver: str
    approved_at: datetime

    @property
    def final_action(self) -> str:
        return self.approved_action or self.action


def _process(ids: Sequence[int], report: SweepReport, *, dry_run: bool, batch_number: int) -> None:
    rows = RetentionUnit.objects.filter(among("id", ids)).order_by("pk").values_list(*UNIT_FIELDS)
    units = [Unit(*row) for row in rows]
    _crash_point("claimed", batch_number)
    packs = planner.Packs()
    eligible = _still_eligible(units, packs, report, dry_run=dry_run)
    if not eligible:
        return
    now = timezone.now()
    done: list[tuple[Unit, str, dict[str, int]]] = []
    groups: dict[tuple[str, str, frozenset[str] | None], list[Unit]] = defaultdict(list)
    for unit in eligible:
        groups[(unit.kind, unit.final_action, _fields_to_anonymise(unit, packs))].append(unit)
    for (kind, action, fields), group in groups.items():
        done += _dispose(kind, action, fields, group, dry_run=dry_run)
    _crash_point("disposed", batch_number)
    if not dry_run:
        _record(done, packs, report.run, now)
        _crash_point("recorded", batch_number)
    report.disposed += [
        Disposed(unit.pk, unit.kind, unit.key, unit.rule, action, counts)
        for unit, action, counts in done
    ]


def _still_eligible(
    units: list[Unit], packs: planner.Packs, report: SweepReport, *, dry_run: bool
) -> list[Unit]:
    """Recompute each unit from fresh facts, inside this transaction: only a unit still
    approved (still due, under the same rule, date and action, and held by nothing) goes. The
    others are written back as they now are (their approval lapses) and skipped."""
    cases = tuple(sorted(u.key for u in units if u.kind == UnitKind.CASE_FILE))
    people = tuple(sorted({u.key for u in units if u.kind != UnitKind.CASE_FILE}))
    today, now = timezone.localdate(), timezone.now()
    # Every active hold and open request, read now, inside this transaction: they are few.
    holds = planner.Holds.load()
    proposals = {}
    if cases:
        scope = planner.Scope(ids=cases)
        for p in planner.propose_case_files(scope, packs, holds, today, now, every=True):
            proposals[(UnitKind.CASE_FILE.value, p.values["key"])] = p
    if people:
        scope = planner.Scope(ids=people)
        for p in planner.propose_people(scope, packs, holds, today, now, every=True):
            proposals[(p.values["kind"], p.values["key"])] = p
    eligible, lapsed = [], []
    for unit in units:
        proposal = proposals.get((unit.kind, unit.key))
        if proposal is None:
            report.skipped[unit.pk] = "its records are no longer there"
            continue
        if proposal.values["status"] == UnitStatus.APPROVED:
            eligible.append(unit)
            continue
        lapsed.append(proposal)
        values = proposal.values
        report.skipped[unit.pk] = values["held_by"] or (
            f"no longer due under '{unit.rule}' as approved: now {values['basis']} "
            f"under '{values['rule']}' until {values['keep_until']}"
        )
    if lapsed and not dry_run:
        planner.write(lapsed)
    return eligible


def _fields_to_anonymise(unit: Unit, packs: planner.Packs) -> frozenset[str] | None:
    """For anonymising: the `record.field`s of the rule's categories (all, if it names none)."""
    if unit.final_action != Action.ANONYMISE:
        return None
    pack = packs(unit.controller_id)
    rule = next((r for r in pack.pack.retention if r.code == unit.rule), None) if pack else None
    if pack is None or rule is None or not rule.categories:
        return frozenset(f"{r}.{n}" for r, names in RECORD_FIELDS.items() for n in names)
    return frozenset(
        name for c in pack.pack.categories if c.code in rule.categories for name in c.holds
    )


def _column(part: Part) -> str:
    """The column path from a part to its unit's key ("pk" is the model's own id)."""
    return "id" if part.to_key == "pk" else part.to_key


def _counts(parts: Iterable[Part], keys: list[int]) -> dict[int, dict[str, int]]:
    """Rows of each part of each unit, by record type: what the destruction record states."""
    counts: dict[int, dict[str, int]] = {key: {} for key in keys}
    for part in parts:
        rows = (
            part.rows(keys)
            .values(part.to_key)
            .annotate(n=Count("pk"))
            .values_list(part.to_key, "n")
        )
        for key, n in rows:
            counts[key][part.label] = n
    return counts


def _dispose(
    kind: str, action: str, fields: frozenset[str] | None, units: list[Unit], *, dry_run: bool
) -> list[tuple[Unit, str, dict[str, int]]]:
    keys = [u.key for u in units]
    parts = parts_of(kind)
    if kind == UnitKind.PERSON and action == Action.DESTROY:
        # A person some kept (anonymised or archived) case still points at cannot be deleted:
        # their record is anonymised whole instead, which leaves nothing that identifies them.
        pinned = set(
            Case.objects.filter(among("person_id", keys)).values_list("person_id", flat=True)
        )
        pinned |= set(
            VictimLink.objects.filter(among("victim_id", keys)).values_list("victim_id", flat=True)
        )
        if pinned:
            everything = frozenset(f"person.{n}" for n in RECORD_FIELDS["person"])
            keep = [u for u in units if u.key in pinned]
            rest = [u for u in units if u.key not in pinned]
            return _dispose(kind, Action.ANONYMISE, everything, keep, dry_run=dry_run) + (
                _dispose(kind, action, fields, rest, dry_run=dry_run) if rest else []
            )
    if not dry_run and kind == UnitKind.CASE_FILE:
        # Lock the cases first: a record written to one of them meanwhile waits for this
        # transaction (and then finds its case gone), so what is counted is what goes.
        list(Case.objects.filter(among("id", keys)).select_for_update().values_list("id"))
    if not dry_run and kind == UnitKind.CASE_FILE and action == Action.DESTROY:
        counts = _destroy_case_files(parts, keys)
    else:
        counts = _counts(parts, keys)
        if not dry_run:
            _apply(kind, action, fields, parts, keys, counts)
    return [(unit, action, counts[unit.key]) for unit in units]


def _destroy_case_files(parts: Sequence[Part], keys: list[int]) -> dict[int, dict[str, int]]:
    """Delete case files and count what went, by case and record type. On PostgreSQL the
    tables that name the case themselves are counted by their own DELETE (RETURNING); those
    reached through a parent (plan actions, victim links) are counted first."""
    if connection.vendor != "postgresql":
        counts = _counts(parts, keys)
        _check(UnitKind.CASE_FILE, _delete_case_files(parts, keys), counts)
        return counts
    deeper = [p for p in parts if p.to_key.count("__") > 1]
    counts = _counts(deeper, keys)
    ids = "{" + ",".join(map(str, keys)) + "}"
    with connection.cursor() as cursor:
        for part in reversed(parts):
            if part in deeper:
                rows = part.rows(keys)
                deleted = rows._raw_delete(rows.db)
                expected = sum(c.get(part.label, 0) for c in counts.values())
                if deleted != expected:
                    raise SweepError(f"{part.label}: deleted {deleted}, counted {expected}")
                continue
            # Counted by the database as it deletes: a row per case, not per row deleted.
            cursor.execute(
                f"WITH gone (key) AS ({_delete_returning_key(part)}) "  # noqa: S608 - names from the model
                "SELECT key, count(*) FROM gone GROUP BY key",
                [ids],
            )
            for key, n in cursor.fetchall():
                by_type = counts[key]
                by_type[part.label] = by_type.get(part.label, 0) + n
    return counts


def _delete_returning_key(part: Part) -> str:
    """DELETE a part's rows of some case files, RETURNING each row's case id: straight for a
    table that names the case, through the parent for one that names a record of it."""
    meta = part.model._meta
    table = meta.db_table
    if part.to_key == "pk":
        column = meta.pk.column
        return f"DELETE FROM {table} WHERE {column} = ANY(%s::bigint[]) RETURNING {column}"  # noqa: S608 - names from the model
    if "__" not in part.to_key:
        column = column_of(part.model, part.to_key)
        return f"DELETE FROM {table} WHERE {column} = ANY(%s::bigint[]) RETURNING {column}"  # noqa: S608
    relation, parent_key = part.to_key.split("__")
    link = field_of(part.model, relation)
    parent_model = link.related_model
    assert isinstance(parent_model, type) and issubclass(parent_model, models.Model)
    parent = parent_model._meta
    parent_column = column_of(parent_model, parent_key)
    return (
        f"DELETE FROM {table} AS t USING {parent.db_table} AS p "  # noqa: S608
        f"WHERE t.{link.column} = p.{parent.pk.column} "
        f"AND p.{parent_column} = ANY(%s::bigint[]) RETURNING p.{parent_column}"
    )


def _apply(
    kind: str,
    action: str,
    fields: frozenset[str] | None,
    parts: Sequence[Part],
    keys: list[int],
    counts: dict[int, dict[str, int]],
) -> None:
    if action == Action.DESTROY:
        if kind == UnitKind.PERSON:
            _, deleted = Person.objects.filter(among("id", keys)).delete()
        else:
            deleted = _delete_non_case(keys)
        _check(kind, deleted, counts)
    elif action == Action.ANONYMISE:
        if kind == UnitKind.NON_CASE_FILE:
            # Flags and relationships mean nothing without the person: anonymising them is
            # deleting them.
            _check(kind, _delete_non_case(keys), counts)
            return
        for part in parts:
            if part.model is Change:
                # The history holds old values of what is being anonymised: it goes whole.
                part.rows(keys).delete()
                continue
            names = anonymise_fields(part.label, fields or ())
            if names:
                anonymise(part, keys, names)
    elif action == Action.ARCHIVE:
        # Out of everyday use: restricted, so only the DPO reads it (the gate enforces this).
        if kind == UnitKind.CASE_FILE:
            Case.objects.filter(among("id", keys)).update(restricted=True)
        else:
            Person.objects.filter(among("id", keys)).update(restricted=True)
    else:
        raise SweepError(f"no action to take for '{action}': a review needs a decision")


def _delete_case_files(parts: Sequence[Part], keys: list[int]) -> dict[str, int]:
    """One set-based DELETE per table, children first, the cases last. Django's collector is
    not needed: every relation that cascades from a case is a part (units.case_file_parts),
    and anything else that points at a case (a PROTECT, another app's row) is refused by its
    foreign key at commit, which rolls the batch back."""
    deleted: dict[str, int] = {}
    for part in reversed(parts):
        rows = part.rows(keys)
        # _raw_delete: Django's own fast delete (what QuerySet.delete() runs for a model
        # nothing depends on), without the collector's reads of every row.
        deleted[part.label] = rows._raw_delete(rows.db)
    return deleted


def _delete_non_case(keys: list[int]) -> dict[str, int]:
    deleted: dict[str, int] = {}
    for part in NON_CASE_FILE_PARTS:
        _, found = part.rows(keys).delete()
        deleted.update(found)
    return deleted


def _check(kind: str, deleted: dict[str, int], counts: dict[int, dict[str, int]]) -> None:
    """What was deleted must be exactly what was counted: anything else (a cascade into
    another unit) rolls the batch back."""
    expected: dict[str, int] = defaultdict(int)
    for by_type in counts.values():
        for label, n in by_type.items():
            expected[label] += n
    actual = {label.split(".")[-1].lower(): n for label, n in deleted.items() if n}
    if actual != {k: v for k, v in expected.items() if v}:
        raise SweepError(f"{kind}: deleted {actual}, expected {dict(expected)}")


# --- the record of it ---------------------------------------------------------------------------


def _record(
    done: list[tuple[Unit, str, dict[str, int]]], packs: planner.Packs, run: str, now: datetime
) -> None:
    if not done:
        return
    rows = [
        {
            "unit_id": unit.pk,
            "kind": unit.kind,
            "key": unit.key,
            "controller_id": unit.controller_id,
            "pack_version_id": unit.pack_version_id,
            "rule": unit.rule,
            "action": action,
            "due_on": unit.keep_until,
            "approved_by_id": unit.approved_by_id,
            "approved_at": unit.approved_at,
            "disposed_at": now,
            "counts": counts,
            "sweep": run,
        }
        for unit, action, counts in done
    ]
    if connection.vendor == "postgresql":
        # COPY: ten thousand records in one stream, not a statement of 130,000 parameters.
        fields = [f for f in DisposalRecord._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(str(f.column) for f in fields)
        names = [f.attname for f in fields]
        table = DisposalRecord._meta.db_table
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([json.dumps(row[n]) if n == "counts" else row[n] for n in names])
    else:
        DisposalRecord.objects.bulk_create(DisposalRecord(**row) for row in rows)
    by_status: dict[str, list[int]] = defaultdict(list)
    for unit, action, _ in done:
        finished = UnitStatus.ARCHIVED if action == Action.ARCHIVE else UnitStatus.DISPOSED
        by_status[finished].append(unit.pk)
    for status, ids in by_status.items():
        # The anchors (dates of birth among them) go with the data; the tombstone keeps ids.
        RetentionUnit.objects.filter(among("id", ids)).update(
            status=status,
            disposed_at=now,
            anchors={},
            service="",
            note="",
            held_by="",
            revision=F("revision") + 1,
        )
    memo: dict[Any, Any] = {}
    append([_audit_entry(unit, action, counts, packs, memo) for unit, action, counts in done])


def _audit_entry(
    unit: Unit,
    action: str,
    counts: dict[str, int],
    packs: planner.Packs,
    memo: dict[Any, Any] | None = None,
) -> AuditEntry:
    """The unit's audit event. `memo` remembers, for a batch, what its units share (the
    categories of the same record types, the day of the same approval)."""
    memo = {} if memo is None else memo
    pack = packs(unit.controller_id)
    label = pack.version_label if pack else f"pack version {unit.pack_version_id}"
    types = frozenset(record for record, n in counts.items() if n)
    categories = memo.get((unit.controller_id, types))
    if categories is None:
        categories = memo[(unit.controller_id, types)] = _categories(
            pack.pack if pack else None, counts
        )
    approved_on = memo.get(unit.approved_at)
    if approved_on is None:
        approved_on = memo[unit.approved_at] = timezone.localdate(unit.approved_at)
    return AuditEntry(
        actor_label=ACTOR,
        action=AuditAction.RETENTION_DISPOSE,
        decision=Decision.ALLOWED,
        rule=(
            f"{label}: retention rule '{unit.rule}' ({action}), due {unit.keep_until}; "
            f"approved by {unit.approver} on {approved_on}"
        ),
        person_id=unit.person_id,
        case_id=unit.key if unit.kind == UnitKind.CASE_FILE else None,
        record_type=unit.kind,
        record_id=unit.key,
        categories=categories,
        reason=f"disposal under the retention schedule: {action}",
        pack_version_id=unit.pack_version_id,
    )


def _categories(pack: Pack | None, counts: dict[str, int]) -> list[str]:
    """The pack's data categories that hold fields of the record types disposed of."""
    if pack is None:
        return []
    types = {label for label, n in counts.items() if n}
    return sorted(c.code for c in pack.categories if any(h.split(".")[0] in types for h in c.holds))


def vendor_locks() -> str:
    """How sweeps are kept apart on this database, for the command's report."""
    if connection.vendor == "postgresql":
        return "SELECT ... FOR UPDATE SKIP LOCKED"
    return "IMMEDIATE transactions (one writer at a time)"
