"""Several kinds of record on some cases read in one query: the newest of each kind, and the
actions of the plans among them.

A young person's timeline shows six kinds of record and the plans' actions; read a kind at a
time, that was seven queries a page. Here each kind is one part of a `UNION ALL` and every
part is shaped alike: the same leading columns (kind, id, case, plan, when and by whom it was
recorded, version), then the record's own fields laid into slots by type (text, date, date and
time, number), NULL in the slots another kind uses. The database answers one statement; each
row becomes an instance of its own model again, with the same values a query of that model
alone would have given (the slots of a type share that type's conversion).

The newest `limit` of each kind is chosen inside its part (`id IN (SELECT ... ORDER BY ...
LIMIT n)`), because SQLite does not allow ORDER BY or LIMIT on the parts of a compound query.
No decision is made here: the gate (`Gate.case_records`) shows, withholds and audits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Cast

from safehold.access.models import User
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import CaseRecord, Plan, PlanAction

# The leading columns of every part: which kind, the row's id, its case, the plan of an action,
# when it was recorded and by whom (staff, not the subject's data), and its version.
LEADING = (
    "tl_kind",
    "tl_id",
    "tl_case",
    "tl_plan",
    "tl_at",
    "tl_version",
    "tl_by",
    "tl_by_username",
    "tl_by_first_name",
    "tl_by_last_name",
)
# What each leading column is on a record of a case; a plan's action has the first four and
# its version (its case through its plan), NULL for the rest.
RECORD_LEADING = ("pk", "case_id", None, "created_at", "version", "created_by_id")
ACTION_LEADING = ("pk", "plan__case_id", "plan_id", None, "version", None)
LEADING_FIELDS: tuple[models.Field[Any, Any], ...] = (
    models.IntegerField(),
    models.BigIntegerField(),
    models.BigIntegerField(),
    models.BigIntegerField(),
    models.DateTimeField(),
    models.IntegerField(),
    models.BigIntegerField(),
    models.TextField(),
    models.TextField(),
    models.TextField(),
)
# The attribute each leading column gives back to an instance (None: not an attribute).
LEADING_ATTNAMES = ("id", "case_id", "plan_id", "created_at", "version", "created_by_id")
STAFF_COLUMNS = ("username", "first_name", "last_name")


def _slot_type(field: models.Field[Any, Any]) -> str:
    """Fields that share a slot type share its conversion from the database's value."""
    kind = field.get_internal_type()
    if kind in ("CharField", "TextField"):
        return "text"
    if kind in ("DateField", "DateTimeField"):
        return kind
    if kind.endswith("IntegerField"):
        return "integer"
    raise TypeError(f"{field} has no slot in a query of records together ({kind})")


SLOT_FIELDS: dict[str, models.Field[Any, Any]] = {
    "text": models.TextField(),
    "DateField": models.DateField(),
    "DateTimeField": models.DateTimeField(),
    "integer": models.BigIntegerField(),
}


@dataclass(frozen=True)
class Layout:
    """The columns of one query of these kinds: each kind's fields by slot."""

    kinds: tuple[type[models.Model], ...]
    slots: tuple[str, ...]  # the type of each slot, in column order after LEADING
    placed: dict[type[models.Model], dict[str, int]]  # a kind's field name -> its slot

    def columns(self, model: type[models.Model]) -> dict[str, Any]:
        """The annotations that shape one kind's part: its own columns, NULL of the slot's
        type elsewhere (typed, so PostgreSQL matches the parts' columns however they are
        ordered)."""
        leading = ACTION_LEADING if model is PlanAction else RECORD_LEADING
        columns: dict[str, Any] = {"tl_kind": Value(self.kinds.index(model))}
        for name, source, field in zip(LEADING[1:7], leading, LEADING_FIELDS[1:7], strict=True):
            columns[name] = F(source) if source is not None else _null(field)
        for column in STAFF_COLUMNS:
            name = f"tl_by_{column}"
            columns[name] = (
                F(f"created_by__{column}") if model is not PlanAction else _null(models.TextField())
            )
        own = {slot: name for name, slot in self.placed[model].items()}
        for slot, kind in enumerate(self.slots):
            columns[f"tl_{slot}"] = F(own[slot]) if slot in own else _null(SLOT_FIELDS[kind])
        return columns

    @property
    def names(self) -> tuple[str, ...]:
        return (*LEADING, *(f"tl_{slot}" for slot in range(len(self.slots))))


def _null(field: models.Field[Any, Any]) -> Cast:
    return Cast(Value(None), output_field=field)


@cache
def layout_of(kinds: tuple[type[models.Model], ...]) -> Layout:
    """Slots enough for the kind with the most fields of each type, each kind's fields in
    the slots of their type in field order."""
    needed: dict[str, int] = {}
    placed: dict[type[models.Model], dict[str, int]] = {}
    by_kind: dict[type[models.Model], list[tuple[str, str]]] = {}
    for model in kinds:
        fields = [
            (name, _slot_type(model._meta.get_field(name)))  # type: ignore[arg-type]
            for name in RECORD_FIELDS[str(model._meta.model_name)]
        ]
        by_kind[model] = fields
        for kind in {k for _, k in fields}:
            needed[kind] = max(needed.get(kind, 0), sum(1 for _, k in fields if k == kind))
    slots = tuple(kind for kind in sorted(needed) for _ in range(needed[kind]))
    for model, fields in by_kind.items():
        used: dict[str, int] = {}
        placed[model] = {}
        for name, kind in fields:
            nth = used.get(kind, 0)
            used[kind] = nth + 1
            placed[model][name] = [i for i, k in enumerate(slots) if k == kind][nth]
    return Layout(kinds, slots, placed)


def newest(
    kinds: Sequence[type[CaseRecord]], case_ids: Sequence[int], *, limit: int
) -> tuple[list[CaseRecord], list[PlanAction]]:
    """The newest `limit` records of each kind on these cases (by when they were recorded),
    kind by kind in the order given, each newest first, with `created_by` loaded; and, when
    plans are among the kinds, every action of the plans read, in the order recorded. One
    query."""
    if not kinds or not case_ids:
        return [], []
    ids = list(case_ids)
    every: tuple[type[models.Model], ...] = (*kinds, PlanAction) if Plan in kinds else tuple(kinds)
    layout = layout_of(every)
    parts = []
    for model in every:
        rows: models.QuerySet[Any]
        if model is PlanAction:
            plans = Plan.objects.filter(case_id__in=ids).order_by("-created_at", "-pk")
            rows = PlanAction.objects.filter(plan_id__in=plans.values("pk")[:limit])
        else:
            manager = model._default_manager
            chosen = manager.filter(case_id__in=ids).order_by("-created_at", "-pk")
            rows = manager.filter(pk__in=chosen.values("pk")[:limit])
        parts.append(rows.order_by().annotate(**layout.columns(model)).values_list(*layout.names))
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    db = query.db
    staff: dict[int, User] = {}
    found: dict[type[models.Model], list[Any]] = {model: [] for model in every}
    width = len(LEADING)
    for row in query:
        model = every[row[0]]
        values = dict(zip(LEADING_ATTNAMES, row[1:7], strict=True))
        placed = layout.placed[model]
        values.update((name, row[width + slot]) for name, slot in placed.items())
        obj = _instance(model, db, values)
        by = values["created_by_id"]
        if by is not None:
            if by not in staff:
                staff[by] = _instance(
                    User, db, {"id": by, **dict(zip(STAFF_COLUMNS, row[7:10], strict=True))}
                )
            obj.created_by = staff[by]
        found[model].append(obj)
    for model in kinds:
        found[model].sort(key=lambda r: (r.created_at, r.pk), reverse=True)
    actions = sorted(found.get(PlanAction, []), key=lambda a: a.pk) if Plan in kinds else []
    return [r for model in kinds for r in found[model]], actions


def _instance(model: type[models.Model], db: str, values: dict[str, Any]) -> Any:
    """A model instance from the columns read (the rest deferred), as a query of the model
    would make it: `from_db` takes the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, names, [values[n] for n in names])
