"""Several kinds of record on some cases read in one query: the newest of each kind, and the
actions of the plans among them.

A young person's timeline shows six kinds of record and the plans' actions; read a kind at a
time, that was seven queries a page. Here each kind is one part of a `UNION ALL` and every
part is shaped alike: the same leading columns (kind, id, case, plan, pack version, when and
by whom it was recorded, version), then the record's own fields laid into slots by type (text,
date, date and time, number), a typed NULL in the slots another kind uses. The database
answers one statement; each row becomes an instance of its own model again, with the same
values a query of that model alone would have given (the slots of a type share that type's
conversion from the database's value).

The newest `limit` of each kind is chosen inside its part (`id IN (SELECT ... ORDER BY ...
LIMIT n)`), because SQLite does not allow ORDER BY or LIMIT on the parts of a compound query.
The statement is built and compiled by Django once per process for each set of kinds, number
of cases and limit, and run again with other cases: building and compiling seven parts cost
more than running them (docs/adr/0030). No decision is made here: the gate
(`Gate.case_records`) shows, withholds and audits.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.models import F, Value
from django.db.models.functions import Cast

from safehold.access.models import User
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import CaseRecord, Plan, PlanAction


@dataclass(frozen=True)
class Lead:
    """A leading column: what it is on a record of a case and on a plan's action (None: a
    typed NULL), and the attribute it gives back to an instance."""

    name: str
    on_record: str | None
    on_action: str | None
    field: models.Field[Any, Any]
    attname: str | None


LEADING = (
    Lead("tl_kind", None, None, models.IntegerField(), None),  # which kind: its part's tag
    Lead("tl_id", "pk", "pk", models.BigIntegerField(), "id"),
    Lead("tl_case", "case_id", "plan__case_id", models.BigIntegerField(), "case_id"),
    Lead("tl_plan", None, "plan_id", models.BigIntegerField(), "plan_id"),
    Lead("tl_pack", "pack_version_id", None, models.BigIntegerField(), "pack_version_id"),
    Lead("tl_at", "created_at", None, models.DateTimeField(), "created_at"),
    Lead("tl_updated", "updated_at", None, models.DateTimeField(), "updated_at"),
    Lead("tl_version", "version", "version", models.BigIntegerField(), "version"),
    # Who recorded it (staff, not the subject's data): what `staff_name` reads.
    Lead("tl_by", "created_by_id", None, models.BigIntegerField(), "created_by_id"),
    Lead("tl_by_username", "created_by__username", None, models.TextField(), None),
    Lead("tl_by_first_name", "created_by__first_name", None, models.TextField(), None),
    Lead("tl_by_last_name", "created_by__last_name", None, models.TextField(), None),
)
BY = next(i for i, lead in enumerate(LEADING) if lead.name == "tl_by")
STAFF_COLUMNS = ("username", "first_name", "last_name")  # after BY, in this order

SLOT_FIELDS: dict[str, models.Field[Any, Any]] = {
    "text": models.TextField(),
    "DateField": models.DateField(),
    "DateTimeField": models.DateTimeField(),
    "integer": models.BigIntegerField(),
}


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


def _null(field: models.Field[Any, Any]) -> Cast:
    # Typed, so PostgreSQL matches the parts' columns whatever the order of the parts: it
    # resolves a compound query's column types pair by pair, and NULL UNION NULL is text.
    return Cast(Value(None), output_field=field)


@dataclass(frozen=True, eq=False)  # one per set of kinds (layout_of), known by identity
class Layout:
    """The columns of one query of these kinds: each kind's fields by slot, and where each
    attribute of an instance is in a row."""

    kinds: tuple[type[models.Model], ...]
    slots: tuple[str, ...]  # the type of each slot, in column order after LEADING
    placed: dict[type[models.Model], dict[str, int]]  # a kind's field name -> its slot

    @property
    def names(self) -> tuple[str, ...]:
        return (*(lead.name for lead in LEADING), *(f"tl_{n}" for n in range(len(self.slots))))

    def columns(self, model: type[models.Model]) -> dict[str, Any]:
        """The annotations that shape one kind's part: its own columns, NULL elsewhere."""
        columns: dict[str, Any] = {"tl_kind": Value(self.kinds.index(model))}
        for lead in LEADING[1:]:
            source = lead.on_action if model is PlanAction else lead.on_record
            columns[lead.name] = F(source) if source is not None else _null(lead.field)
        own = {slot: name for name, slot in self.placed[model].items()}
        for slot, kind in enumerate(self.slots):
            columns[f"tl_{slot}"] = F(own[slot]) if slot in own else _null(SLOT_FIELDS[kind])
        return columns

    @functools.cached_property
    def positions(self) -> dict[type[models.Model], tuple[list[str], list[int]]]:
        """For each kind, the attributes an instance is made of, in the model's field order
        (what `from_db` takes), and the position of each in a row."""
        found = {}
        for model in self.kinds:
            where = {lead.attname: i for i, lead in enumerate(LEADING) if lead.attname}
            where.update((name, len(LEADING) + slot) for name, slot in self.placed[model].items())
            attnames = [f.attname for f in model._meta.concrete_fields if f.attname in where]
            found[model] = (attnames, [where[name] for name in attnames])
        return found


@functools.cache
def layout_of(kinds: tuple[type[models.Model], ...]) -> Layout:
    """Slots enough for the kind with the most fields of each type, each kind's fields in
    the slots of their type in field order."""
    needed: dict[str, int] = {}
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
    placed: dict[type[models.Model], dict[str, int]] = {}
    for model, fields in by_kind.items():
        used: dict[str, int] = {}
        placed[model] = {}
        for name, kind in fields:
            nth = used.get(kind, 0)
            used[kind] = nth + 1
            placed[model][name] = [i for i, k in enumerate(slots) if k == kind][nth]
    return Layout(kinds, slots, placed)


def _union(layout: Layout, case_ids: list[int], limit: int) -> models.QuerySet[Any]:
    parts = []
    for model in layout.kinds:
        rows: models.QuerySet[Any]
        if model is PlanAction:
            plans = Plan.objects.filter(case_id__in=case_ids).order_by("-created_at", "-pk")
            rows = PlanAction.objects.filter(plan_id__in=plans.values("pk")[:limit])
        else:
            manager = model._default_manager
            chosen = manager.filter(case_id__in=case_ids).order_by("-created_at", "-pk")
            rows = manager.filter(pk__in=chosen.values("pk")[:limit])
        parts.append(rows.order_by().annotate(**layout.columns(model)).values_list(*layout.names))
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


# Stand-ins for the case ids while compiling: no case has a negative id.
_STAND_IN = -7_340_000_000_000_000


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple[Any, ...]
    cases_at: tuple[tuple[int, int], ...]  # (which parameter, which case id)
    expressions: tuple[Any, ...]  # each column's, for its conversions


@functools.lru_cache(maxsize=256)
def _compiled(alias: str, layout: Layout, count: int, limit: int) -> Compiled:
    stand_ins = {_STAND_IN - n: n for n in range(count)}
    compiler = _union(layout, list(stand_ins), limit).query.get_compiler(alias)
    sql, params = compiler.as_sql()
    cases_at = tuple(
        (n, stand_ins[p]) for n, p in enumerate(params) if type(p) is int and p in stand_ins
    )
    names = tuple(name for _, _, name in compiler.select)
    if len(cases_at) != count * len(layout.kinds) or names != layout.names:
        raise RuntimeError(f"the records' query is not as built: {names} {params}")
    return Compiled(sql, tuple(params), cases_at, tuple(e for e, _, _ in compiler.select))


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
    alias = router.db_for_read(every[0])
    compiled = _compiled(alias, layout, len(ids), limit)
    params = list(compiled.params)
    for n, which in compiled.cases_at:
        params[n] = ids[which]
    connection = connections[alias]
    with connection.cursor() as cursor:  # logged like any query (the query-count tests)
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    converters = [
        (n, chain, expression)
        for n, expression in enumerate(compiled.expressions)
        if (
            chain := connection.ops.get_db_converters(expression)
            + expression.get_db_converters(connection)
        )
    ]
    positions = layout.positions
    staff: dict[int, User] = {}
    found: dict[type[models.Model], list[Any]] = {model: [] for model in every}
    for raw in rows:
        row = list(raw)
        for n, convert, expression in converters:
            value = row[n]
            for converter in convert:
                value = converter(value, expression, connection)
            row[n] = value
        model = every[row[0]]
        attnames, at = positions[model]
        obj = model.from_db(alias, attnames, [row[n] for n in at])
        by = row[BY]
        if by is not None:
            if by not in staff:
                names = dict(zip(STAFF_COLUMNS, row[BY + 1 : BY + 4], strict=True))
                staff[by] = User.from_db(alias, ["id", *names], [by, *names.values()])
            obj.created_by = staff[by]
        found[model].append(obj)
    for model in kinds:
        found[model].sort(key=lambda r: (r.created_at, r.pk), reverse=True)
    actions = sorted(found[PlanAction], key=lambda a: a.pk) if Plan in kinds else []
    return [r for model in kinds for r in found[model]], actions
