"""Selectors of the staff pages: how a page arranges what the gate returned.

The gate (`safehold.access.gate`) does every read of personal data, every decision and every
audit; a selector builds a list from the gate's own SQL-filtered cases (`Gate.cases`), asks
the gate which fields the role may read (`Gate.read_decision`) before filtering or sorting by
them, and has the gate show and audit the rows it picked (`Gate.show_cases`). Nothing here
reads a value about a person or case that the gate has not shown (SQL filters and sorts only
by fields the gate says the role may read; workers' and teams' names are staff data), and
nothing here writes the audit log.

- `case_page`, `list_controls`: a caseload (mine, my teams', or for the API everything the
  role may see) filtered, sorted and paged in SQL (docs/adr/0010)
- `allocation`: a case a manager may allocate, with the workers of its team
- `timeline`: the records of a young person's cases, newest first, by the dates the role may
  read (`Gate.case_records` reads and audits them)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, F, OuterRef, Q, Value, When, Window
from django.utils import timezone

from safehold import compiled
from safehold.access.gate import (
    DUE_PARTS,
    DUE_SOON_DAYS,
    NAME_FIELDS,
    Due,
    Gate,
    Shown,
    ShownCase,
    Withheld,
    staff_name,
)
from safehold.access.gate.reading import SHOWN_CASE_COLUMNS
from safehold.access.policy import Decision
from safehold.records.models import (
    Assessment,
    Case,
    CaseRecord,
    Contact,
    Offence,
    Outcome,
    PersonFlag,
    Plan,
    Report,
)

# Lists of cases sort by these: sort key -> (every field the SQL order reads, which the role
# must be able to read to sort by it; the SQL order). Sorting by a field one may not read would
# reveal it.
CASE_SORTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "name": (
        ("person.family_name", "person.given_name"),
        ("person__family_name", "person__given_name"),
    ),
    "date_of_birth": (("person.date_of_birth",), ("person__date_of_birth",)),
    "service": (("case.service",), ("service",)),
    "opened": (("case.opened_on",), ("opened_on",)),
    # The first date due on the case (see Gate.due_annotations); usable where any of the dates
    # it is made of may be read, and made of only those.
    "due": (("planaction.due_on",), ("next_due",)),
}
# What each filter of a list of cases reads: a flag is "held now" by its end date.
CASE_FILTERS: dict[str, tuple[str, ...]] = {
    "service": ("case.service",),
    "status": ("case.closed_on",),
    "flag": ("personflag.flag", "personflag.ended_on"),
}
DUE_FILTERS = ("overdue", "soon")
CASE_STATUSES = ("open", "closed", "all")
MAX_PER_PAGE = 100
# What a list of cases reads of each row: what the gate shows of the case and person, and
# the worker's and team's names (staff data), not every column of four tables.
LISTED_COLUMNS = (
    *SHOWN_CASE_COLUMNS,
    "allocated_to",
    "allocated_to__username",
    "allocated_to__first_name",
    "allocated_to__last_name",
    "team",
    "team__name",
)


@dataclass(frozen=True)
class CaseQuery:
    """How a list of cases is filtered, sorted and paged; all of it is done in SQL."""

    service: str = ""
    status: str = "open"  # one of CASE_STATUSES
    flag: str = ""  # a pack flag the person holds now
    name: str = ""  # words found in the given, family or preferred name
    due: str = ""  # one of DUE_FILTERS: overdue, or due within DUE_SOON_DAYS
    sort: str = "name"  # a key of CASE_SORTS
    descending: bool = False
    page: int = 1
    per_page: int = 25
    offset: int | None = None  # for the API: where the slice starts, instead of a page
    # The team caseload only: "unallocated" or "allocated" ("" for both).
    allocation: str = ""


ALLOCATIONS = ("unallocated", "allocated")


@dataclass
class CasePage:
    """One page of a list of cases, shown and audited, with the total the filters match."""

    cases: list[ShownCase]
    total: int
    query: CaseQuery  # as applied: a filter or sort the role may not use is dropped
    dropped: dict[str, str]  # filter or sort -> the rule that dropped it
    workers: dict[int, str]  # case id -> the allocated worker (staff, not the subject's data)
    teams: dict[int, str]  # case id -> the team holding it
    # The team caseload: how many of the cases the other filters match wait for allocation.
    unallocated: int = 0
    due: dict[int, Due] = field(default_factory=dict)  # case id -> what falls due first

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


@dataclass
class Allocation:
    """A case a manager may allocate, and the workers of its team who may take it."""

    case: ShownCase
    team_id: int
    team_name: str
    allocated_to_id: int | None
    workers: list[tuple[int, str]]  # staff of the team whose role holds cases
    caseloads: dict[int, int] = field(default_factory=dict)  # worker id -> open cases held


def case_page(
    gate: Gate,
    query: CaseQuery,
    *,
    team: bool = False,
    everything: bool = False,
    person_id: int | None = None,
    most: int = MAX_PER_PAGE,
) -> CasePage:
    """My allocated cases (with `team`, the cases my teams hold; with `everything`, every
    case I may see; with `person_id`, only theirs), filtered, sorted and paged in SQL,
    with the total the filters match; the page's cases are shown and audited in one batch,
    as Gate.caseload does. A filter or sort the role may not use (see list_controls) is
    dropped, and `dropped` says by which rule: neither the cases listed nor their count
    may depend on a value the role may not read."""
    distance = gate.list_distance(team=team, everything=everything)
    controls = list_controls(gate, team=team, everything=everything)
    dropped: dict[str, str] = {}

    def usable(name: str) -> bool:
        if not controls[name]:
            dropped[name] = controls[name].rule
        return bool(controls[name])

    # What the list does, decided before any SQL is built (in this order: `dropped` keeps it).
    pack = gate.policy.pack
    service = query.service
    if service and (service not in {s.code for s in pack.services} or not usable("service")):
        service = ""
    status = query.status if query.status in CASE_STATUSES else "open"
    if status != "all" and not usable("status"):
        status = "all"
    flag = query.flag
    if flag and (flag not in {f.code for f in pack.flags} or not usable("flag")):
        flag = ""
    due_names, due_categories = gate.due_readable(distance)
    due = query.due if query.due in DUE_FILTERS else ""
    if due and (not due_names or not usable("due")):
        due = ""
    words = query.name.split()[:5]
    names = [n for n in NAME_FIELDS if gate.read_decision(f"person.{n}", distance)]
    if not (words and usable("name")):
        words = []
    sort = query.sort if query.sort in CASE_SORTS else "name"
    order = CASE_SORTS[sort][1]
    if not usable(f"sort:{sort}") or (sort == "due" and not due_names):
        sort, order = "", ()
    per_page = min(max(1, query.per_page), most)
    # On the team caseload, cases waiting for allocation come first (a manager's first
    # job), and may be shown alone; both counts come from one query.
    allocation = query.allocation if team and query.allocation in ALLOCATIONS else ""
    # The first date due in SQL only when the list is filtered or sorted by it.
    by_due = bool(due) or sort == "due"
    shape, gate_ids = gate.shape()
    mine = not (team or everything)

    def build(ids: Sequence[int], dates: Sequence[date]) -> models.QuerySet[Case]:
        """The cases the list holds, for the gate these ids name (Gate.with_ids) on this
        day: with the real ones for the counts, with stand-ins to compile the page's query
        once per shape (safehold.compiled)."""
        twin, today = gate.with_ids(ids[: len(gate_ids)]), dates[0]
        # My own caseload: every case on it is at the allocated distance, so the gate does
        # not work out each case's distance in SQL.
        qs = twin.cases(allocated_only=mine)
        if team:
            qs = qs.filter(team_id__in=twin.team_ids)
        if person_id is not None:
            qs = qs.filter(person_id=ids[-1])
        if service:
            qs = qs.filter(service=service)
        if status != "all":
            qs = qs.filter(closed_on__isnull=status == "open")
        if flag:
            held_now = PersonFlag.objects.filter(
                person_id=OuterRef("person_id"), flag=flag, holds=True
            ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
            qs = qs.filter(Exists(held_now))
        due_parts, _ = twin.due_annotations(distance, first=by_due, today=today)
        if due_parts:
            qs = qs.annotate(**due_parts)
        if due == "overdue":
            qs = qs.filter(Q(next_due__lt=today))
        elif due == "soon":
            qs = qs.filter(Q(next_due__gte=today) & Q(next_due__lte=dates[1]))
        for word in words:
            match = Q()
            for name in names:
                match |= Q(**{f"person__{name}__icontains": word})
            qs = qs.filter(match)
        return qs

    ids = [*gate_ids, *([] if person_id is None else [person_id])]
    today = timezone.localdate()
    dates = [today, today + timedelta(DUE_SOON_DAYS)]  # "due soon" ends on the second
    ordering = [
        F(name).desc(nulls_last=True) if query.descending else F(name).asc(nulls_last=True)
        for name in order
    ]
    unallocated = 0
    if team:
        qs = build(ids, dates)
        counts = qs.aggregate(
            all=Count("pk"), unallocated=Count("pk", filter=Q(allocated_to__isnull=True))
        )
        unallocated = counts["unallocated"]
        total = {
            "": counts["all"],
            "unallocated": unallocated,
            "allocated": counts["all"] - unallocated,
        }[allocation]
        if allocation:
            qs = qs.filter(allocated_to__isnull=allocation == "unallocated")
        waiting = SqlCase(
            When(allocated_to__isnull=True, then=Value(0)),
            default=Value(1),
            output_field=models.IntegerField(),
        )
        ordering.insert(0, waiting.asc())
        page, rows = _page_of(qs, ordering, query, per_page, total)
    else:
        # The total comes with the page (COUNT(*) OVER ()): one query, not two, unless the
        # page asked for is past the end and the last one must be found.
        page = max(1, query.page)
        start = (page - 1) * per_page if query.offset is None else max(0, query.offset)

        def listed(ids: Sequence[int], dates: Sequence[date]) -> models.QuerySet[Case]:
            return (
                build(ids, dates)
                .annotate(list_total=Window(Count("pk")))
                .select_related("person", "allocated_to", "team")
                .only(*LISTED_COLUMNS)
                .order_by(*ordering, "pk")[start : start + per_page]
            )

        key = (
            "case_page",
            shape,
            mine,
            everything,
            person_id is None,
            service,
            status,
            flag,
            due,
            by_due,
            int(distance),
            sort,
            query.descending,
            start,
            per_page,
        )
        # A name searched for is a value in the SQL, not an id or a date: built each time.
        rows = (
            list(listed(ids, dates))
            if words
            else compiled.rows(Case, key, listed, ids=ids, dates=dates)
        )
        if rows:
            total = rows[0].list_total
        elif start == 0:
            total = 0
        else:
            qs = build(ids, dates)
            total = qs.count()
            page, rows = _page_of(qs, ordering, query, per_page, total)
    dues = {case.pk: found for case in rows if (found := Gate.due_of(case)) is not None}
    # The dates due are read too: their categories are in each case's list entry.
    shown = gate.show_cases(rows, also_read=dict.fromkeys(dues, due_categories))
    applied = replace(
        query,
        service=service,
        status=status,
        flag=flag,
        due=due,
        name=query.name if words else "",
        sort=sort,
        page=page,
        per_page=per_page,
        allocation=allocation,
    )
    return CasePage(
        cases=shown,
        total=total,
        query=applied,
        dropped=dropped,
        workers={case.pk: staff_name(case.allocated_to) for case in rows},
        teams={case.pk: case.team.name for case in rows},
        unallocated=unallocated,
        due=dues,
    )


def _page_of(
    qs: models.QuerySet[Any], ordering: list[Any], query: CaseQuery, per_page: int, total: int
) -> tuple[int, list[Any]]:
    """The page asked for, or the last there is, of a list whose total is known."""
    page = min(max(1, query.page), max(1, -(-total // per_page)))
    start = (page - 1) * per_page if query.offset is None else max(0, query.offset)
    rows = list(
        qs.select_related("person", "allocated_to", "team")
        .only(*LISTED_COLUMNS)
        .order_by(*ordering, "pk")[start : start + per_page]
    )
    return page, rows


def list_controls(
    gate: Gate, *, team: bool = False, everything: bool = False
) -> dict[str, Decision]:
    """The filters (service, status, flag, name) and sorts (sort:<key>) a list of cases
    may offer this member of staff. Each works on fields, which must all be readable at
    the farthest case on the list (allocated for my caseload, team for my teams' cases,
    the widest reach of the role for everything): to filter or sort by a field one may
    not read would give it away."""
    distance = gate.list_distance(team=team, everything=everything)
    controls = {name: gate.read_all(fields, distance) for name, fields in CASE_FILTERS.items()}
    names = [gate.read_decision(f"person.{n}", distance) for n in NAME_FIELDS]
    controls["name"] = next((d for d in names if d), names[0])
    for key, (fields, _) in CASE_SORTS.items():
        controls[f"sort:{key}"] = gate.read_all(fields, distance)
    dues = [gate.read_decision(dotted, distance) for dotted, _ in DUE_PARTS.values()]
    controls["due"] = controls["sort:due"] = next((d for d in dues if d), dues[0])
    return controls


def allocation(gate: Gate, case_id: int) -> Allocation:
    """A case this manager may allocate (read and audited by the gate), with the workers of
    its team and the open cases each holds; RefusedCase (audited) otherwise."""
    shown, case = gate.case_to_allocate(case_id)
    workers = gate.caseloads([case.team_id])
    return Allocation(
        case=shown,
        team_id=case.team_id,
        team_name=case.team.name,
        allocated_to_id=case.allocated_to_id,
        workers=[(pk, name) for pk, name, _ in workers],
        caseloads={pk: count for pk, _, count in workers},
    )


@dataclass
class TimelineEntry:
    """A record of a case on a young person's timeline."""

    record: Shown
    case_id: int
    recorded_at: datetime
    recorded_by: str
    # The record's own date where the role may read it; otherwise when it was recorded, so the
    # order of the timeline never gives a withheld date away.
    when: datetime
    actions: list[Shown] = field(default_factory=list)


# The records on a young person's timeline, each with the field that dates it.
TIMELINE_DATES: dict[type[CaseRecord], str] = {
    Contact: "occurred_at",
    Assessment: "completed_on",
    Plan: "starts_on",
    Offence: "committed_on",
    Outcome: "starts_on",
    Report: "due_on",
}


def timeline(gate: Gate, shown: Sequence[ShownCase], *, limit: int = 100) -> list[TimelineEntry]:
    """Contacts, assessments, plans (with their actions), offences, outcomes and reports on
    these cases, newest first, as `Gate.case_records` read, redacted and audited them (the
    newest `limit` of each kind). Dated by the record's own date where the role may read
    it, otherwise by when it was recorded, so the order never gives a withheld date away."""
    dated_by = {str(model._meta.model_name): name for model, name in TIMELINE_DATES.items()}
    entries = [
        TimelineEntry(
            record=read.record,
            case_id=read.case_id,
            recorded_at=read.recorded_at,
            recorded_by=read.recorded_by,
            when=_when(read.record.values[dated_by[read.record.record]], read.recorded_at),
            actions=read.actions,
        )
        for read in gate.case_records(shown, list(TIMELINE_DATES), limit=limit)
    ]
    # A plan's actions by due date where the role may read it (the same for every action of
    # a plan), otherwise in the order they were recorded.
    for entry in entries:
        if entry.actions and not isinstance(entry.actions[0].values["due_on"], Withheld):
            entry.actions.sort(
                key=lambda a: (a.values["due_on"] is None, a.values["due_on"] or date.min)
            )
    entries.sort(key=lambda e: (e.when, e.recorded_at), reverse=True)
    return entries


def _when(value: Any, recorded: datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=timezone.get_current_timezone())
    return recorded
