"""A unit as it should now be (a proposal), the facts it was computed from (its anchors and
their digest), and its status: whether an approval still stands."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import models

from safehold.retention.lookups import among
from safehold.retention.models import (
    FINISHED,
    RetentionUnit,
    UnitStatus,
)
from safehold.retention.planner.packs import PackRules
from safehold.retention.planner.rows import (
    Scope,
)
from safehold.retention.rules import (
    Basis,
    EventValue,
    Reckoning,
)

COLUMNS = (
    "kind",
    "key",
    "controller_id",
    "case_id",
    "person_id",
    "service",
    "pack_version_id",
    "rule",
    "action",
    "basis",
    "keep_until",
    "anchors",
    "note",
    "held_by",
    "status",
    "approved_by_id",
    "approved_at",
    "approved_action",
    "computed_at",
    "revision",
    "digest",
)
# What is read of a stored unit (no anchors, no timestamps but where set: cheap to load).
EXISTING = (
    "pk",
    "kind",
    "key",
    "status",
    "revision",
    "digest",
    "rule",
    "action",
    "keep_until",
    "retain_until",
    "approved_by_id",
    "approved_at",
    "approved_action",
    "disposed_at",
)


class Proposal:
    """A unit as it should now be: `row`, its columns in the order of `COLUMNS` (what the
    plan writes, a million times: a tuple costs less to build and to write than a dict), and
    `values`, the same as a dict for callers that read a column by name or change one
    (which the writers then write)."""

    __slots__ = ("_values", "existing", "reckoning", "row")

    def __init__(
        self, row: tuple[Any, ...], reckoning: Reckoning, existing: dict[str, Any] | None
    ) -> None:
        self.row = row
        self.reckoning = reckoning
        self.existing = existing
        self._values: dict[str, Any] | None = None

    @property
    def values(self) -> dict[str, Any]:
        if self._values is None:
            self._values = dict(zip(COLUMNS, self.row, strict=True))
        return self._values

    def written(self) -> tuple[Any, ...]:
        """The row to write: `values` as a caller may have changed it, or `row`."""
        if self._values is None:
            return self.row
        return tuple(self._values[name] for name in COLUMNS)

    @property
    def unit_id(self) -> int | None:
        return self.existing["pk"] if self.existing else None

    @property
    def changed(self) -> bool:
        old = self.existing
        if old is None:
            return True
        row = self.written()
        return (
            old["digest"] != row[_DIGEST]
            or old["status"] != row[_STATUS]
            or old["approved_by_id"] != row[_APPROVED_BY]
        )


_DIGEST, _STATUS, _APPROVED_BY = (COLUMNS.index(c) for c in ("digest", "status", "approved_by_id"))


def anchors_text(
    codes: tuple[str, ...],
    values: Sequence[EventValue],
    flags: frozenset[str] | None,
    unknown: frozenset[str] = frozenset(),
) -> str:
    """The facts a unit was computed from, as JSON text: stored as they are, and hashed to
    tell whether anything changed (written by hand: a million json.dumps cost seconds). The
    pieces that repeat (a code with its day, the flags) are remembered."""
    pieces = _PIECES.get(codes)
    if pieces is None:
        if len(_PIECES) > 64:
            _PIECES.clear()
        pieces = _PIECES[codes] = [{} for _ in codes]
    parts = []
    for piece, code, value in zip(pieces, codes, values, strict=True):
        found = piece.get(value)
        if found is None:
            if len(piece) > 100_000:
                piece.clear()
            if isinstance(value, date):
                found = f'"{code}":"{value.isoformat()}"'
            elif value is None:
                found = f'"{code}":null'
            else:
                found = f'"{code}":"{value}"'
            piece[value] = found
        parts.append(found)
    if flags is not None or unknown:
        tail = _FLAGS.get((flags, unknown))
        if tail is None:
            said = []
            if flags is not None:
                said.append('"flags":[' + ",".join(f'"{f}"' for f in sorted(flags)) + "]")
            if unknown:
                said.append('"not-recorded":[' + ",".join(f'"{f}"' for f in sorted(unknown)) + "]")
            tail = _FLAGS[(flags, unknown)] = ",".join(said)
        parts.append(tail)
    return "{" + ",".join(parts) + "}"


# A code with its value, as JSON, by the codes' order and value; the flags' part of the
# anchors. A few thousand days recur across a million units.
_PIECES: dict[tuple[str, ...], list[dict[EventValue, str]]] = {}
_FLAGS: dict[tuple[frozenset[str] | None, frozenset[str]], str] = {}


def split_flags(
    recorded: dict[str, bool] | None, needs: frozenset[str] | set[str]
) -> tuple[frozenset[str] | None, frozenset[str]]:
    """From the flags recorded for a unit (True: holds, False: known not to), those the rules
    read that hold, and those nobody recorded either way."""
    if not needs:
        return None, frozenset()
    recorded = recorded or {}
    holding = frozenset(f for f in needs if recorded.get(f))
    return holding, frozenset(f for f in needs if f not in recorded)


class FlagSplitter:
    """`split_flags` for many units whose flags were recorded the same way: remembered by
    the recorded flags as a sorted tuple of (flag, holds) (a few shapes for a million units)."""

    def __init__(self) -> None:
        self._found: dict[tuple[object, ...], tuple[frozenset[str] | None, frozenset[str]]] = {}
        self._kept: list[object] = []  # the needs remembered by id, kept alive

    def __call__(
        self,
        needs: frozenset[str] | set[str],
        *recorded: tuple[tuple[str, bool], ...] | None,
    ) -> tuple[frozenset[str] | None, frozenset[str]]:
        """`recorded`: one or more records of flags (a person's, a case's); a flag holds if
        any says it does."""
        key = (id(needs), *recorded)
        found = self._found.get(key)
        if found is None:
            merged: dict[str, bool] = {}
            for items in recorded:
                for flag, holding in items or ():
                    merged[flag] = merged.get(flag, False) or holding
            found = self._found[key] = split_flags(merged, needs)
            self._kept.append(needs)
        return found


def recorded_items(flags: dict[str, bool]) -> tuple[tuple[str, bool], ...]:
    return tuple(sorted(flags.items()))


def digest_of(text: str) -> str:
    """Of everything a unit's answer depends on but the day (`text`): when it is the one
    stored, the unit is not computed again (the passing of days is one UPDATE at the end of
    the plan)."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _status(
    reckoning: Reckoning, held_by: str, existing: dict[str, Any] | None, today: date
) -> tuple[str, bool]:
    """The unit's status now, and whether an approval stands. An approval stands only while
    the unit is still due, not held, under the same rule, date and action."""
    retain = existing["retain_until"] if existing else None
    due = (
        reckoning.basis == Basis.DATED
        and reckoning.keep_until is not None
        and reckoning.keep_until <= today
        and (retain is None or retain <= today)
    )
    if due and not held_by:
        if (
            existing is not None
            and existing["status"] == UnitStatus.APPROVED
            and existing["rule"] == reckoning.rule_code
            and existing["keep_until"] == reckoning.keep_until
            and existing["action"] == (reckoning.action or "")
        ):
            return UnitStatus.APPROVED, True
        return UnitStatus.DUE, False
    return UnitStatus.ACTIVE, False


def propose(
    kind: str,
    key: int,
    *,
    controller_id: int,
    case_id: int | None,
    person_id: int | None,
    service: str,
    pack: PackRules,
    reckoning: Reckoning,
    anchors: str,
    digest: str,
    held_by: str,
    existing: dict[str, Any] | None,
    today: date,
    now: datetime,
) -> Proposal:
    status, approved = _status(reckoning, held_by, existing, today)
    rule, action, basis, note = pack.described(reckoning, service)
    approved_by, approved_at, approved_action = (
        (existing["approved_by_id"], existing["approved_at"], existing["approved_action"])
        if approved and existing
        else (None, None, "")
    )
    row = (  # in the order of COLUMNS
        str(kind),
        key,
        controller_id,
        case_id,
        person_id,
        service,
        pack.version_id,
        rule,
        action,
        basis,
        reckoning.keep_until,
        anchors,
        note,
        held_by[:300],
        str(status),
        approved_by,
        approved_at,
        approved_action,
        now,
        existing["revision"] if existing else 0,
        digest,
    )
    return Proposal(row, reckoning, existing)


def existing_units(kinds: Sequence[str], scope: Scope) -> dict[tuple[str, int], dict[str, Any]]:
    rows = RetentionUnit.objects.filter(scope.q("key"), kind__in=list(kinds)).values(*EXISTING)
    return {(row["kind"], row["key"]): row for row in rows}


def finished_but_changed(
    model: type[models.Model], existing: dict[tuple[str, int], dict[str, Any]], kind: str
) -> set[int]:
    """A finished unit stays finished unless its records were written to again after it (an
    anonymised case someone writes to holds information again). Rare: read only for them."""
    finished = {
        key: row["disposed_at"]
        for (k, key), row in existing.items()
        if k == kind and row["status"] in FINISHED
    }
    if not finished:
        return set()
    return {
        pk
        for pk, updated_at in model._default_manager.filter(
            among("id", list(finished))
        ).values_list("pk", "updated_at")
        if finished[pk] is not None and updated_at > finished[pk]
    }
