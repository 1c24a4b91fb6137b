"""The one gate: every read and write of personal data passes here, and is audited.

The gate decides from the policy pack (the role's grants), the member of staff's distance to
the case (allocated, same team, same service, same controller), restriction of processing
and break-glass. Lists are filtered in SQL; fields are redacted by the data category the pack
puts them in; every decision names the rule that made it and is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import models, transaction
from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least, NullIf
from django.utils import timezone

from safehold.access import consents as consent_verbs
from safehold.access import share as share_verbs
from safehold.access.models import BreakGlass, User
from safehold.access.policy import AccessPolicy, Decision, Distance
from safehold.access.share import ShareOrder
from safehold.audit import selectors as audit_selectors
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import AuditEntry, append
from safehold.policy import selectors
from safehold.records import search, validation
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import (
    Assessment,
    Case,
    CaseRecord,
    Change,
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
from safehold.retention import services as retention
from safehold.sharing.decide import ShareDecision
from safehold.sharing.models import ConsentRecord, Disclosure
from safehold.sharing.selectors import LogFilter
from safehold.sharing.services import ConsentInput

BREAK_GLASS_MINUTES = 60


@dataclass(frozen=True)
class Withheld:
    """A value the gate did not show, and why: never a silent gap."""

    category: str | None
    reason: str

    def __str__(self) -> str:
        return "Withheld"


@dataclass(frozen=True)
class Redaction:
    """How one kind of record is shown at one distance: each field, with the Withheld that
    replaces it (None where it is shown), and the categories shown."""

    fields: tuple[tuple[str, Withheld | None], ...]
    categories: frozenset[str]


@dataclass
class Shown:
    """A record as this member of staff may see it."""

    record: str
    pk: int
    values: dict[str, Any]
    categories: frozenset[str]
    # The record's version (docs/adr/0007): an edit names it, and the API's ETag is made of
    # it. Not personal data; None for records that have none.
    version: int | None = None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def withheld(self) -> dict[str, Withheld]:
        return {k: v for k, v in self.values.items() if isinstance(v, Withheld)}


@dataclass
class ShownCase:
    case: Shown
    person: Shown
    distance: Distance
    break_glass: bool
    case_id: int
    person_id: int
    service: str
    records: dict[str, list[Shown]] = field(default_factory=dict)


@dataclass(frozen=True)
class ShownChange:
    """One field of a record changed: its value before and after, or Withheld for both."""

    record: str
    record_id: int
    field: str
    old: Any
    new: Any
    version: int
    at: datetime
    by: str
    audit_seq: int
    case_id: int | None
    category: str | None  # the category shown, None where withheld


class Stale(Exception):
    """An edit made from an older version of a record: someone saved it since, so it is not
    written (nothing is silently lost). `current` is None when the record is gone."""

    def __init__(self, record: str, pk: int, expected: int | None, current: int | None) -> None:
        super().__init__(f"{record} {pk} is at version {current}, not {expected}")
        self.record = record
        self.pk = pk
        self.expected = expected
        self.current = current


class Refused(PermissionDenied):
    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.rule)
        self.decision = decision


class RefusedCase(Refused):
    """A refusal about a case (or a person, through their latest case), saying whether this
    member of staff could break glass into it."""

    def __init__(self, decision: Decision, case_id: int | None, *, break_glass: bool) -> None:
        super().__init__(decision)
        self.case_id = case_id
        self.break_glass = break_glass


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
DUE_SOON_DAYS = 14
# What falls due on a case: the annotation, the field it comes from, what a page calls it.
DUE_PARTS: dict[str, tuple[str, str]] = {
    "due_action": ("planaction.due_on", "Plan action"),
    "due_review": ("plan.review_on", "Plan review"),
    "due_order_end": ("outcome.ends_on", "Order ends"),
}
FAR_FUTURE = date(9999, 12, 31)
CASE_STATUSES = ("open", "closed", "all")
NAME_FIELDS = ("given_name", "family_name", "preferred_name")
MAX_PER_PAGE = 100


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


@dataclass(frozen=True)
class Due:
    """The first thing due on an open case: when, and what (a key of DUE_PARTS)."""

    on: date
    part: str

    def overdue(self, today: date) -> bool:
        return self.on < today

    def soon(self, today: date) -> bool:
        return today <= self.on <= today + timedelta(days=DUE_SOON_DAYS)


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
class ShownPerson:
    """A young person as this member of staff may see them: through the cases they may read."""

    person_id: int
    person: Shown  # redacted at the nearest of the cases below
    cases: list[ShownCase]  # open before closed, newest first
    flags: list[Shown]
    workers: dict[int, str]
    teams: dict[int, str]

    @property
    def current(self) -> ShownCase | None:
        return self.cases[0] if self.cases else None


@dataclass
class RelatedPerson:
    """Someone around a young person: family, a professional, or the victim of an offence."""

    kind: str  # family | professional | victim | related (the kind of relationship is withheld)
    person: Shown  # their name and contact details, as far as the role may see them
    link: Shown  # the relationship, or the victim's link to the offence
    case_id: int | None = None  # for victims: the case the offence is on


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


@dataclass
class Allocation:
    """A case a manager may allocate, and the workers of its team who may take it."""

    case: ShownCase
    team_id: int
    team_name: str
    allocated_to_id: int | None
    workers: list[tuple[int, str]]  # staff of the team whose role holds cases
    caseloads: dict[int, int] = field(default_factory=dict)  # worker id -> open cases held


@dataclass
class FoundPeople:
    """People a search found, as far as this member of staff may find them: each through the
    nearest of their cases they may read, closest match first."""

    terms: search.Terms
    people: list[ShownCase]
    workers: dict[int, str]  # case id -> the allocated worker
    teams: dict[int, str]  # case id -> the team holding it
    dropped: dict[str, str]  # a term the role may not search by -> the rule


@dataclass
class Duplicates:
    """Young people already held who may be the one being added: those this member of staff
    may read, and whether there are others they may not (never who they are)."""

    shown: list[ShownCase]
    hidden: bool


# The records on a young person's timeline, each with the field that dates it.
TIMELINE_DATES: dict[type[CaseRecord], str] = {
    Contact: "occurred_at",
    Assessment: "completed_on",
    Plan: "starts_on",
    Offence: "committed_on",
    Outcome: "starts_on",
    Report: "due_on",
}
# What the people-around-them list shows of each person: who they are and how to reach them.
RELATED_FIELDS = {
    "family": (*NAME_FIELDS, "phone", "email"),
    # Family or professional: the role may not read which, so it is not told by grouping.
    "related": (*NAME_FIELDS, "phone", "email"),
    "professional": (*NAME_FIELDS, "phone", "email"),
    "victim": NAME_FIELDS,
}
# Records that belong to the person, not a case: their history goes with the person.
PERSON_RECORDS = frozenset({"person", "personflag", "relationship"})
PROFESSIONAL_KINDS = frozenset({Relationship.Kind.SOCIAL_WORKER, Relationship.Kind.PROFESSIONAL})


@dataclass
class GlassRead:
    """What was done under a break-glass access, by kind: from the audit log."""

    record: str  # the record type ("case", "contact", ...)
    action: str  # an audit Action
    decision: str  # allowed or refused
    count: int
    categories: tuple[str, ...]


@dataclass
class GlassUse:
    """A break-glass access, for the DPO to review: who, which child, why, when, what was read."""

    pk: int
    staff: str
    person: Shown  # the child's names and date of birth, as the DPO may see them
    case: Shown  # the case's service and dates
    case_id: int
    person_id: int
    reason: str
    started_at: datetime
    expires_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str
    note: str
    reads: list[GlassRead] = field(default_factory=list)

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None


def _typed(record: str, name: str, stored: Any) -> Any:
    """A value from the history (stored as JSON: dates as ISO text) as the field's own type."""
    if stored is None:
        return None
    field = apps.get_model("records", record)._meta.get_field(name)
    return field.to_python(stored)


def staff_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class Gate:
    """The gate for one member of staff, for one request or job."""

    def __init__(self, user: User, *, purpose: str = "", emergency: bool = True) -> None:
        """`emergency`: whether this member of staff's break-glass grants count. They are for
        the person at the browser who typed the reason; an API token acting for them (an
        integration) never inherits them."""
        if not user.is_authenticated or user.controller_id is None:
            raise Refused(Decision(False, "only staff of a controller can reach personal data"))
        self.user = user
        version = selectors.controller_version(user.controller_id)
        pack = selectors.pack_of(version)
        self.policy = AccessPolicy(pack, version.pk, f"{pack.code} v{version.version}")
        self.role = user.role
        role = self.policy.role(user.role)
        self.is_dpo = bool(role and role.manages_policy)
        self.may_break_glass = bool(role and role.break_glass)
        self.purpose_override = purpose
        teams = list(user.teams.values_list("pk", "services"))
        self.team_ids = [pk for pk, _ in teams]
        self.services = sorted({s for _, services in teams for s in services})
        # How each kind of record is redacted at each distance, worked out once per gate.
        self._redactions: dict[tuple[str, Distance, str], Redaction] = {}
        # Break-glass in force per case, with its reason, in one query (newest wins).
        self.glass_reasons: dict[int, str] = (
            dict(
                BreakGlass.objects.in_force()
                .filter(user=user)
                .order_by("started_at")
                .values_list("case_id", "reason")
            )
            if emergency
            else {}
        )
        # The cases this gate has shown under break-glass: every audit entry about them then
        # carries the reason, whatever record of the case was read.
        self._under_glass: set[int] = set()
        self._purposes = {
            service.code: next(
                (p.code for p in pack.purposes if not p.services or service.code in p.services), ""
            )
            for service in pack.services
        }

    # --- where am I, relative to a case -----------------------------------------------------

    def distance_expression(self, prefix: str = "") -> SqlCase:
        whens = [When(Q(**{f"{prefix}allocated_to_id": self.user.pk}), then=Value(0))]
        if self.team_ids:
            whens.append(When(Q(**{f"{prefix}team_id__in": self.team_ids}), then=Value(1)))
        same_controller = Q(**{f"{prefix}controller_id": self.user.controller_id})
        if self.services:
            whens.append(
                When(same_controller & Q(**{f"{prefix}service__in": self.services}), then=Value(2))
            )
        whens.append(When(same_controller, then=Value(3)))
        return SqlCase(
            *whens, default=Value(int(Distance.NONE)), output_field=models.IntegerField()
        )

    def distance_to(self, case_id: int) -> Distance:
        found = (
            Case.objects.filter(pk=case_id)
            .annotate(gate_distance=self.distance_expression())
            .values_list("gate_distance", flat=True)
            .first()
        )
        return Distance(found) if found is not None else Distance.NONE

    def _distance_of_new(self, case: Case) -> Distance:
        if case.allocated_to_id == self.user.pk:
            return Distance.ALLOCATED
        if case.team_id in self.team_ids:
            return Distance.TEAM
        if case.controller_id != self.user.controller_id:
            return Distance.NONE
        return Distance.SERVICE if case.service in self.services else Distance.CONTROLLER

    def purpose_for(self, service: str) -> str:
        # Without a service (a refusal before the case is known), the pack's first purpose:
        # the log must always say why, and that is why staff use the system at all.
        return (
            self.purpose_override
            or self._purposes.get(service, "")
            or self.policy.pack.purposes[0].code
        )

    # --- lists ------------------------------------------------------------------------------

    def cases(self, *, allocated_only: bool = False) -> models.QuerySet[Case]:
        """The cases this member of staff may see at all, with their distance, in SQL.

        `allocated_only`: just those allocated to them. Their distance is 0 by definition, so
        it is not worked out case by case: the CASE expression costs more to build and compile
        than a caseload's query takes to run."""
        widest = self.policy.widest(self.role, "read")
        visible = Q(gate_distance__lte=int(widest)) if widest != Distance.NONE else Q(pk__in=[])
        if self.glass_reasons:
            visible |= Q(pk__in=list(self.glass_reasons))
        if allocated_only:
            distance: SqlCase | Value = Value(int(Distance.ALLOCATED))
            qs = Case.objects.filter(allocated_to=self.user)
        else:
            distance, qs = self.distance_expression(), Case.objects.all()
        qs = qs.annotate(gate_distance=distance).filter(visible)
        if not self.is_dpo:
            qs = qs.filter(restricted=False, person__restricted=False)
        return qs

    def caseload(self, *, limit: int = 50, open_only: bool = True) -> list[ShownCase]:
        """My allocated cases, shown and audited in one batch."""
        qs = self.cases(allocated_only=True)
        if open_only:
            qs = qs.filter(closed_on__isnull=True)
        return self.show_cases(
            qs.select_related("person").order_by("person__family_name", "pk")[:limit]
        )

    def show_cases(self, rows: Iterable[Case], *, action: str = Action.LIST) -> list[ShownCase]:
        """Show and audit, in one batch, cases already selected from `cases()`."""
        shown = [self._show_case(case) for case in rows]
        self._audit(action, [(s, s.case.categories | s.person.categories) for s in shown])
        return shown

    # --- one case ---------------------------------------------------------------------------

    def case(self, case_id: int) -> ShownCase:
        """One case with its person, or RefusedCase, audited, saying whether breaking glass
        would open it."""
        case = self.cases().select_related("person").filter(pk=case_id).first()
        if case is None:
            decision = self._why_not(case_id)
            self._refuse(decision, case_id=case_id)
            raise RefusedCase(decision, case_id, break_glass=self.may_break_glass_into(case_id))
        shown = self._show_case(case)
        self._audit(Action.READ, [(shown, shown.case.categories | shown.person.categories)])
        return shown

    def person(self, person_id: int) -> ShownCase:
        """A person through the nearest of their cases this member of staff may see: one
        query, for a heading or a write. `young_person()` is the whole picture."""
        case = (
            self.cases()
            .select_related("person")
            .filter(person_id=person_id)
            # Newest by id, not by opening date: the date may be withheld at that distance.
            .order_by("gate_distance", "-pk")  # type: ignore[misc]
            .first()
        )
        if case is None:
            raise self._refuse_person(person_id)
        shown = self._show_case(case)
        self._audit(Action.READ, [(shown, shown.person.categories)])
        return shown

    def _why_not(self, case_id: int) -> Decision:
        """Why this member of staff may not read a case, saying no more than they may know.

        Another controller's case is refused exactly as a case that does not exist, so that
        no answer tells one council what another holds; a restriction (Article 18) is named
        only to someone who could otherwise see the case, and a statistics-only role is told
        only that it reaches no case."""
        if self.policy.statistics_only(self.role):
            return self.policy.statistics_refusal(self.role)
        row = (
            Case.objects.filter(pk=case_id, controller_id=self._controller_id)
            .annotate(gate_distance=self.distance_expression())
            .values("gate_distance", "restricted", "person__restricted")
            .first()
        )
        where = self.policy.label
        if row is None:
            return Decision(False, f"{where}: no such case for this controller")
        distance = Distance(row["gate_distance"])
        restricted = row["restricted"] or row["person__restricted"]
        if restricted and not self.is_dpo and self._could_see(case_id, distance):
            return Decision(
                False,
                f"{where}: processing is restricted (UK GDPR Article 18); only the DPO may read it",
            )
        return Decision(
            False,
            f"{where}: role '{self.role}' may not read cases at {distance.name.lower()} distance"
            + ("; break glass with a reason if it is urgent" if self.may_break_glass else ""),
        )

    def _could_see(self, case_id: int, distance: Distance) -> bool:
        """Whether this member of staff could see a case of their controller were it not
        restricted: at a distance their role reads, or by breaking glass."""
        return (
            distance <= self.policy.widest(self.role, "read")
            or self.may_break_glass
            or case_id in self.glass_reasons
        )

    def _show_case(self, case: Case) -> ShownCase:
        glass = case.pk in self.glass_reasons
        true_distance = Distance(getattr(case, "gate_distance", Distance.NONE))
        # Break-glass reads as if allocated; it never grants writes.
        distance = Distance.ALLOCATED if glass else true_distance
        if glass and true_distance > Distance.ALLOCATED:
            self._under_glass.add(case.pk)
        return ShownCase(
            case=self.show("case", case, distance),
            person=self.show("person", case.person, distance),
            distance=true_distance,
            break_glass=glass and true_distance > Distance.ALLOCATED,
            case_id=case.pk,
            person_id=case.person_id,
            service=case.service,
        )

    def show(
        self, record: str, obj: models.Model, distance: Distance, *, action: str = "read"
    ) -> Shown:
        """Redact a record's fields by category for this role at this distance."""
        redaction = self._redaction(record, distance, action)
        values = {
            name: getattr(obj, name) if withheld is None else withheld
            for name, withheld in redaction.fields
        }
        return Shown(record, obj.pk, values, redaction.categories, getattr(obj, "version", None))

    def _redaction(self, record: str, distance: Distance, action: str) -> Redaction:
        # The same for every record of a kind at one distance: decided once, not per field of
        # every row (a caseload shows 50 cases and 50 people).
        key = (record, distance, action)
        found = self._redactions.get(key)
        if found is not None:
            return found
        readable = self.policy.categories(self.role, action, distance)
        fields: list[tuple[str, Withheld | None]] = []
        shown_categories: set[str] = set()
        for name in RECORD_FIELDS[record]:
            category = self.policy.category(record, name)
            if category is None:
                fields.append(
                    (name, Withheld(None, "the pack puts this field in no data category"))
                )
            elif category in readable:
                fields.append((name, None))
                shown_categories.add(category)
            else:
                rule = self.policy.decide(self.role, action, category, distance).rule
                fields.append((name, Withheld(category, rule)))
        found = self._redactions[key] = Redaction(tuple(fields), frozenset(shown_categories))
        return found

    def records(
        self, shown_case: ShownCase, model: type[models.Model], *, limit: int = 200
    ) -> list[Shown]:
        """The records of one model on a case already passed by the gate."""
        # Only records that hang off a case can be reached through one.
        assert issubclass(model, CaseRecord), f"{model.__name__} is not a record of a case"
        record = str(model._meta.model_name)
        distance = self._reading_distance(shown_case)
        objects = list(
            model._default_manager.filter(case_id=shown_case.case_id).order_by("-pk")[:limit]
        )
        shown = [self.show(record, obj, distance) for obj in objects]
        self._audit(
            Action.READ,
            [(s, s.categories) for s in shown],
            case_id=shown_case.case_id,
            person_id=shown_case.person_id,
            record=record,
        )
        return shown

    def record(self, shown_case: ShownCase, model: type[CaseRecord], pk: int) -> Shown | None:
        """One record of a case already passed by the gate, shown and audited; None if the
        case has no such record."""
        record = str(model._meta.model_name)
        obj = model._default_manager.filter(case_id=shown_case.case_id, pk=pk).first()
        if obj is None:
            return None
        shown = self.show(record, obj, self._reading_distance(shown_case))
        self._audit(
            Action.READ,
            [(shown, shown.categories)],
            case_id=shown_case.case_id,
            person_id=shown_case.person_id,
            record=record,
        )
        return shown

    # --- exports ----------------------------------------------------------------------------

    def export(self, case_id: int, models_: Sequence[type[CaseRecord]]) -> ShownCase:
        """A case and its records as the role may export them (the pack's `export` grants).

        Refused (and audited) when the role may export nothing at its distance; otherwise every
        exported record is audited as an export with the categories that left.
        """
        case = self.cases().select_related("person").filter(pk=case_id).first()
        if case is None:
            decision = self._why_not(case_id)
            self._refuse(decision, case_id=case_id, action=Action.REFUSE)
            raise Refused(decision)
        distance = Distance(case.gate_distance)  # type: ignore[attr-defined]
        # Break-glass is for reading in an emergency; it never lets data leave.
        if not self.policy.categories(self.role, "export", distance):
            decision = Decision(
                False,
                f"{self.policy.label}: no grant of role '{self.role}' allows export at "
                f"{distance.name.lower()} distance",
            )
            self._refuse(decision, case_id=case_id, person_id=case.person_id)
            raise Refused(decision)
        shown = ShownCase(
            case=self.show("case", case, distance, action="export"),
            person=self.show("person", case.person, distance, action="export"),
            distance=distance,
            break_glass=False,
            case_id=case.pk,
            person_id=case.person_id,
            service=case.service,
        )
        entries = [self._case_entry(Action.EXPORT, shown)]
        for model in models_:
            record = str(model._meta.model_name)
            objects = model._default_manager.filter(case_id=case.pk).order_by("pk")
            items = [self.show(record, obj, distance, action="export") for obj in objects]
            shown.records[record] = items
            entries += self._entries(
                Action.EXPORT,
                [(s, s.categories) for s in items],
                case_id=case.pk,
                person_id=case.person_id,
                record=record,
            )
        append(entries)  # what left, in one batch
        return shown

    # --- sharing (the verbs are in access/share.py and access/consents.py) --------------------

    def share(self, case_id: int, order: ShareOrder) -> Disclosure:
        """Disclose chosen records of a case to a recipient the pack declares; refused
        (RefusedShare) otherwise. Either way the decision is in the disclosure log, audited."""
        return share_verbs.share(self, case_id, order)

    def explain_share(self, case_id: int, order: ShareOrder) -> ShareDecision:
        """What sharing would do, and why, without sharing (audited as a read)."""
        return share_verbs.explain_share(self, case_id, order)

    def record_consent(self, person_id: int, data: ConsentInput) -> ConsentRecord:
        return consent_verbs.record_consent(self, person_id, data)

    def withdraw_consent(self, record_id: int, **how: Any) -> ConsentRecord:
        return consent_verbs.withdraw_consent(self, record_id, **how)

    def consents(self, person_id: int) -> list[ConsentRecord]:
        return consent_verbs.consents(self, person_id)

    def shared_with(self, person_id: int, *, limit: int = 100) -> list[Disclosure]:
        return share_verbs.shared_with(self, person_id, limit=limit)

    def disclosure(self, disclosure_id: int) -> Disclosure:
        return share_verbs.disclosure(self, disclosure_id)

    def disclosure_package(self, found: Disclosure) -> dict[str, Any] | None:
        return share_verbs.shown_package(self, found)

    def disclosure_log(self, f: LogFilter, page: int) -> tuple[Any, dict[int, Any]]:
        return share_verbs.disclosure_log(self, f, page)

    # --- writes -----------------------------------------------------------------------------

    def check_write(self, record: str, fields: Iterable[str], case: Case | None) -> Decision:
        distance = Distance.NONE
        if case is not None and case.pk is None:
            # A case being opened: the same rules as the SQL expression, on the unsaved row.
            distance = self._distance_of_new(case)
        elif case is not None:
            distance = self.distance_to(case.pk)
        if case is not None and (case.restricted or case.person.restricted) and not self.is_dpo:
            return Decision(False, f"{self.policy.label}: processing is restricted (Article 18)")
        if case is None:
            distance = Distance.CONTROLLER
        return self._decide_write(record, fields, distance)

    def write(
        self,
        obj: models.Model,
        values: dict[str, Any],
        *,
        case: Case | None,
        version: int | None = None,
    ) -> models.Model:
        """Set and save fields through the gate, or refuse; either way it is audited.

        A change to a saved record writes only the fields whose value changes, keeps each
        one's old and new value in the record's history (`Change`, docs/adr/0007) and raises
        the record's version; with `version` (the one the editor started from) it is refused
        with `Stale` if someone has saved the record since, and nothing is written."""
        record = obj._meta.model_name
        assert record in RECORD_FIELDS
        decision = self.check_write(record, values, case)
        person_id = case.person_id if case else (obj.pk if isinstance(obj, Person) else None)
        if not decision:
            self._refuse(
                decision, case_id=case.pk if case else None, person_id=person_id, record=record
            )
            raise Refused(decision)
        # Whoever sends it (API, form, command), nothing is saved that the record cannot hold
        # or that makes no sense for it: ValidationError, by field. (A change is checked
        # against the record as loaded; _update compares with the row as it is now.)
        for name, value in values.items():
            setattr(obj, name, value)
        validation.check(obj, values)
        if obj.pk is not None:
            return self._update(obj, values, case=case, rule=decision.rule, version=version)
        categories = {self.policy.category(record, n) or "" for n in values}
        with transaction.atomic():
            creating = obj.pk is None
            for name, value in values.items():
                setattr(obj, name, value)
            if hasattr(obj, "pack_version_id"):
                # Every record remembers the pack version it was written under.
                obj.pack_version_id = self.policy.pack_version_id
            obj.save()
            append(
                [
                    self._entry(
                        Action.CREATE if creating else Action.UPDATE,
                        decision.rule,
                        categories,
                        case_id=case.pk if case else None,
                        # A new person has its id only now, after the save.
                        person_id=obj.pk if isinstance(obj, Person) else person_id,
                        record=record,
                        record_id=obj.pk,
                        service=case.service if case else "",
                    )
                ]
            )
            # Retention: a date of birth, closing date, order end or flag may have moved a
            # unit's keep-until date; recomputed in this same transaction.
            retention.after_write(obj)
        return obj

    def _update(
        self,
        obj: models.Model,
        values: dict[str, Any],
        *,
        case: Case | None,
        rule: str,
        version: int | None,
    ) -> models.Model:
        """A saved record changed: compare with the row as it is now (locked), write the fields
        that differ in one conditional UPDATE, and chain the audit event and the history rows
        in the same transaction. The values on `obj` are never trusted as the old ones: a
        caller may have set them already."""
        model = type(obj)
        record = str(model._meta.model_name)
        versioned = any(f.name == "version" for f in model._meta.concrete_fields)
        names = list(values)
        with transaction.atomic():
            rows = model._default_manager.filter(pk=obj.pk)
            current = (
                rows.select_for_update().values(*names, *(["version"] if versioned else [])).first()
            )
            if current is None:
                raise Stale(record, obj.pk, version, None)
            if versioned and version is not None and current["version"] != version:
                raise Stale(record, obj.pk, version, current["version"])
            changed = {n: v for n, v in values.items() if current[n] != v}
            for name, value in values.items():
                setattr(obj, name, value)
            if not changed:
                return obj  # nothing to write, so nothing processed and nothing to log
            update: dict[str, Any] = dict(changed)
            now = timezone.now()
            if hasattr(obj, "pack_version_id"):
                update["pack_version_id"] = self.policy.pack_version_id
                obj.pack_version_id = self.policy.pack_version_id
            if any(f.name == "updated_at" for f in model._meta.concrete_fields):
                update["updated_at"] = now
            made = None
            if versioned:
                made = current["version"] + 1
                update["version"] = made
                # Conditional on the version read: where the database took no row lock
                # (SQLite), a save that slipped in between is still caught here.
                rows = rows.filter(version=current["version"])
            if rows.update(**update) != 1:
                raise Stale(record, obj.pk, version, None)
            if made is not None:
                obj.version = made  # type: ignore[attr-defined]
            person_id = case.person_id if case else getattr(obj, "person_id", obj.pk)
            event = append(
                [
                    self._entry(
                        Action.UPDATE,
                        rule,
                        {self.policy.category(record, n) or "" for n in changed},
                        case_id=case.pk if case else None,
                        person_id=person_id,
                        record=record,
                        record_id=obj.pk,
                        service=case.service if case else "",
                    )
                ]
            )[0]
            own = record in PERSON_RECORDS
            Change.objects.bulk_create(
                Change(
                    case_id=None if own or case is None else case.pk,
                    person_id=(obj.pk if record == "person" else person_id) if own else None,
                    record_type=record,
                    record_id=obj.pk,
                    field=name,
                    old=current[name],
                    new=value,
                    version=made or 0,
                    changed_at=now,
                    changed_by=self.user,
                    audit_seq=event.seq,
                )
                for name, value in changed.items()
            )
            retention.after_write(obj)
        return obj

    # --- the history of a record ------------------------------------------------------------

    def changes_since(
        self, shown: ShownCase, record: str, pk: int, version: int
    ) -> list[ShownChange]:
        """What others changed in a record after `version` (the one an editor started from),
        oldest first, redacted at the distance of the case it was reached through and audited
        as a read of that record: what the second editor is shown before saving again."""
        rows = list(
            Change.objects.filter(record_type=record, record_id=pk, version__gt=version)
            .select_related("changed_by")
            .order_by("version", "pk")[:200]
        )
        changes = self._show_changes(rows, {None: self._reading_distance(shown)})
        self._audit_changes(changes, case_id=shown.case_id, person_id=shown.person_id)
        return changes

    def changes_of(self, person_id: int, seqs: Iterable[int]) -> dict[int, list[ShownChange]]:
        """The old and new values behind some audit events (by `seq`) about a person, for the
        audit trail: each redacted at this member of staff's distance to the case the change
        was made on (a person's own record: their nearest case), and audited as a read."""
        rows = list(
            Change.objects.filter(audit_seq__in=list(seqs))
            .filter(Q(person_id=person_id) | Q(case__person_id=person_id))
            .select_related("changed_by")
            .order_by("audit_seq", "pk")
        )
        if not rows:
            return {}
        visible = self.cases().filter(person_id=person_id)
        by_case: dict[int | None, Distance] = {}
        for case_id, distance in visible.values_list("pk", "gate_distance"):  # type: ignore[misc]
            glass = case_id in self.glass_reasons
            by_case[case_id] = Distance.ALLOCATED if glass else Distance(distance)
        nearest = min(by_case.values(), default=Distance.CONTROLLER if self.is_dpo else None)
        if nearest is not None:
            by_case[None] = nearest
        changes = self._show_changes(rows, by_case)
        self._audit_changes(changes, case_id=None, person_id=person_id)
        found: dict[int, list[ShownChange]] = {}
        for change in changes:
            found.setdefault(change.audit_seq, []).append(change)
        return found

    def _show_changes(
        self, rows: list[Change], distances: dict[int | None, Distance]
    ) -> list[ShownChange]:
        shown = []
        for row in rows:
            distance = distances.get(row.case_id)
            category = self.policy.category(row.record_type, row.field)
            withheld: Withheld | None
            if distance is None:
                withheld = Withheld(category, f"{self.policy.label}: the case is out of reach")
            else:
                redaction = dict(self._redaction(row.record_type, distance, "read").fields)
                withheld = redaction.get(row.field)
            shown.append(
                ShownChange(
                    record=row.record_type,
                    record_id=row.record_id,
                    field=row.field,
                    old=withheld or _typed(row.record_type, row.field, row.old),
                    new=withheld or _typed(row.record_type, row.field, row.new),
                    version=row.version,
                    at=row.changed_at,
                    by=staff_name(row.changed_by),
                    audit_seq=row.audit_seq,
                    case_id=row.case_id,
                    category=category if withheld is None else None,
                )
            )
        return shown

    def _audit_changes(
        self, changes: list[ShownChange], *, case_id: int | None, person_id: int
    ) -> None:
        shown: dict[tuple[str, int, int | None], set[str]] = {}
        for change in changes:
            if change.category:
                key = (change.record, change.record_id, change.case_id or case_id)
                shown.setdefault(key, set()).add(change.category)
        append(
            [
                self._entry(
                    Action.READ,
                    f"{self.policy.label}: read the record's history through the case",
                    categories,
                    case_id=via,
                    person_id=person_id,
                    record=record,
                    record_id=pk,
                )
                for (record, pk, via), categories in shown.items()
            ]
        )

    def write_all(
        self, writes: Sequence[tuple[models.Model, dict[str, Any]]], *, case: Case
    ) -> list[models.Model]:
        """Records written together or not at all (a plan and its actions), each through
        write(). Every one is checked first, so a refusal (audited) comes before anything is
        saved, and no refusal's audit entry is lost with a rolled-back transaction."""
        for obj, values in writes:
            record = str(obj._meta.model_name)
            decision = self.check_write(record, values, case)
            if not decision:
                self._refuse(decision, case_id=case.pk, person_id=case.person_id, record=record)
                raise Refused(decision)
        with transaction.atomic():
            return [self.write(obj, values, case=case) for obj, values in writes]

    # --- pages of cases ---------------------------------------------------------------------

    def case_page(
        self,
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
        as caseload() does. A filter or sort the role may not use (see list_controls) is
        dropped, and `dropped` says by which rule: neither the cases listed nor their count
        may depend on a value the role may not read."""
        distance = self._list_distance(team=team, everything=everything)
        controls = self.list_controls(team=team, everything=everything)
        dropped: dict[str, str] = {}

        def usable(name: str) -> bool:
            if not controls[name]:
                dropped[name] = controls[name].rule
            return bool(controls[name])

        qs = self.cases()
        if team:
            qs = qs.filter(team_id__in=self.team_ids)
        elif not everything:
            qs = qs.filter(allocated_to=self.user)
        if person_id is not None:
            qs = qs.filter(person_id=person_id)
        pack = self.policy.pack
        service = query.service
        if service and (service not in {s.code for s in pack.services} or not usable("service")):
            service = ""
        if service:
            qs = qs.filter(service=service)
        status = query.status if query.status in CASE_STATUSES else "open"
        if status != "all" and not usable("status"):
            status = "all"
        if status != "all":
            qs = qs.filter(closed_on__isnull=status == "open")
        flag = query.flag
        if flag and (flag not in {f.code for f in pack.flags} or not usable("flag")):
            flag = ""
        if flag:
            held_now = PersonFlag.objects.filter(
                person_id=OuterRef("person_id"), flag=flag, holds=True
            ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=timezone.localdate()))
            qs = qs.filter(Exists(held_now))
        due_parts, due_categories = self.due_annotations(distance)
        if due_parts:
            qs = qs.annotate(**due_parts)
        due = query.due if query.due in DUE_FILTERS else ""
        if due and (not due_parts or not usable("due")):
            due = ""
        today = timezone.localdate()
        if due == "overdue":
            qs = qs.filter(Q(next_due__lt=today))
        elif due == "soon":
            soon = today + timedelta(DUE_SOON_DAYS)
            qs = qs.filter(Q(next_due__gte=today) & Q(next_due__lte=soon))
        words = query.name.split()[:5]
        names = [n for n in NAME_FIELDS if self._read_decision(f"person.{n}", distance)]
        if words and usable("name"):
            for word in words:
                match = Q()
                for name in names:
                    match |= Q(**{f"person__{name}__icontains": word})
                qs = qs.filter(match)
        else:
            words = []
        sort = query.sort if query.sort in CASE_SORTS else "name"
        order = CASE_SORTS[sort][1]
        if not usable(f"sort:{sort}") or (sort == "due" and not due_parts):
            sort, order = "", ()
        ordering = [
            F(name).desc(nulls_last=True) if query.descending else F(name).asc(nulls_last=True)
            for name in order
        ]
        per_page = min(max(1, query.per_page), most)
        # On the team caseload, cases waiting for allocation come first (a manager's first
        # job), and may be shown alone; both counts come from one query.
        allocation = query.allocation if team and query.allocation in ALLOCATIONS else ""
        unallocated = 0
        if team:
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
        else:
            total = qs.count()
        page = min(max(1, query.page), max(1, -(-total // per_page)))
        start = (page - 1) * per_page if query.offset is None else max(0, query.offset)
        rows = list(
            qs.select_related("person", "allocated_to", "team").order_by(*ordering, "pk")[
                start : start + per_page
            ]
        )
        dues = {case.pk: found for case in rows if (found := self._due_of(case)) is not None}
        shown = [self._show_case(case) for case in rows]
        # The dates due are read too: their categories are in each case's list entry.
        self._audit(
            Action.LIST,
            [
                (
                    s,
                    s.case.categories
                    | s.person.categories
                    | (due_categories if s.case_id in dues else frozenset()),
                )
                for s in shown
            ],
        )
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

    def list_controls(self, *, team: bool = False, everything: bool = False) -> dict[str, Decision]:
        """The filters (service, status, flag, name) and sorts (sort:<key>) a list of cases
        may offer this member of staff. Each works on fields, which must all be readable at
        the farthest case on the list (allocated for my caseload, team for my teams' cases,
        the widest reach of the role for everything): to filter or sort by a field one may
        not read would give it away."""
        distance = self._list_distance(team=team, everything=everything)
        controls = {name: self._read_all(fields, distance) for name, fields in CASE_FILTERS.items()}
        names = [self._read_decision(f"person.{n}", distance) for n in NAME_FIELDS]
        controls["name"] = next((d for d in names if d), names[0])
        for key, (fields, _) in CASE_SORTS.items():
            controls[f"sort:{key}"] = self._read_all(fields, distance)
        dues = [self._read_decision(dotted, distance) for dotted, _ in DUE_PARTS.values()]
        controls["due"] = controls["sort:due"] = next((d for d in dues if d), dues[0])
        return controls

    # --- what falls due ---------------------------------------------------------------------

    def due_annotations(self, distance: Distance) -> tuple[dict[str, Any], frozenset[str]]:
        """SQL for what falls due on each open case, made only of the dates this role may
        read at `distance`: the first plan action not done, the review of the latest plan,
        and the end of an order not yet ended; `next_due` the first of them. With the
        categories those dates are in, for the audit."""
        today = timezone.localdate()
        parts: dict[str, Any] = {}
        categories: set[str] = set()
        queries = {
            "due_action": PlanAction.objects.filter(
                plan__case_id=OuterRef("pk"), done_on__isnull=True, due_on__isnull=False
            )
            .order_by("due_on")
            .values("due_on"),
            "due_review": Plan.objects.filter(case_id=OuterRef("pk"))
            .order_by("-starts_on", "-pk")
            .values("review_on"),
            "due_order_end": Outcome.objects.filter(case_id=OuterRef("pk"), ends_on__gte=today)
            .order_by("ends_on")
            .values("ends_on"),
        }
        for name, (dotted, _) in DUE_PARTS.items():
            if not self._read_decision(dotted, distance):
                continue
            if name == "due_action" and not self._read_decision("planaction.done_on", distance):
                continue  # "not done" is read too
            parts[name] = SqlCase(
                When(closed_on__isnull=True, then=Subquery(queries[name][:1])),
                default=None,
                output_field=models.DateField(),
            )
            categories.add(self.policy.category(*dotted.split(".")) or "")
        if not parts:
            return {}, frozenset()
        far = Value(FAR_FUTURE, output_field=models.DateField())
        dates = [Coalesce(F(name), far) for name in parts]
        first = Least(*dates) if len(dates) > 1 else dates[0]
        return {**parts, "next_due": NullIf(first, far)}, frozenset(categories - {""})

    @staticmethod
    def _due_of(case: Case) -> Due | None:
        on = getattr(case, "next_due", None)
        if on is None:
            return None
        if isinstance(on, str):  # SQLite's CASE/MIN returns the date as text
            on = date.fromisoformat(on)
        part = next(
            (n for n in DUE_PARTS if str(getattr(case, n, None) or "") == on.isoformat()),
            "due_action",
        )
        return Due(on, part)

    # --- safeguarding alerts ----------------------------------------------------------------

    def alerts(
        self, shown: Sequence[ShownCase], *, action: str = Action.READ
    ) -> dict[int, list[Shown]]:
        """The safeguarding alerts (pack flags marked `alert`) each person of these cases
        holds now, as far as the role may read flags through the nearest of their cases; one
        query, audited in one batch. A person whose flags are withheld has none here: an
        alert is never shown, nor its absence implied, without the category."""
        codes = [f.code for f in self.policy.pack.flags if f.alert and f.of == "person"]
        nearest: dict[int, ShownCase] = {}
        for case in sorted(shown, key=self._reading_distance, reverse=True):
            if self._read_decision("personflag.flag", self._reading_distance(case)):
                nearest[case.person_id] = case
        if not codes or not nearest:
            return {}
        today = timezone.localdate()
        flags = (
            # Recorded as not holding (docs/adr/0016) is no alert.
            PersonFlag.objects.filter(person_id__in=list(nearest), flag__in=codes, holds=True)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
            .filter(Q(started_on__isnull=True) | Q(started_on__lte=today))
            .order_by("person_id", "flag", "-pk")
        )
        found: dict[int, list[Shown]] = {}
        entries = []
        for flag in flags:
            via = nearest[flag.person_id]
            item = self.show("personflag", flag, self._reading_distance(via))
            found.setdefault(flag.person_id, []).append(item)
            entries.append(
                self._entry(
                    action,
                    f"{self.policy.label}: read through the case",
                    item.categories,
                    case_id=via.case_id,
                    person_id=flag.person_id,
                    record="personflag",
                    record_id=flag.pk,
                    service=via.service,
                )
            )
        if entries:
            append(entries)
        return found

    def _list_distance(self, *, team: bool, everything: bool) -> Distance:
        """The farthest a case on a list can stand, as it is read (break-glass as allocated)."""
        if everything:
            widest = self.policy.widest(self.role, "read")
            return Distance.ALLOCATED if widest == Distance.NONE else widest
        return Distance.TEAM if team else Distance.ALLOCATED

    def _read_all(self, fields: Iterable[str], distance: Distance) -> Decision:
        decisions = [self._read_decision(dotted, distance) for dotted in fields]
        return next((d for d in decisions if not d), decisions[0])

    def _read_decision(self, dotted: str, distance: Distance) -> Decision:
        record, name = dotted.split(".")
        category = self.policy.category(record, name)
        if category is None:
            return Decision(False, f"{self.policy.label}: {dotted} is in no data category")
        return self.policy.decide(self.role, "read", category, distance)

    @property
    def _controller_id(self) -> int:
        assert self.user.controller_id is not None  # __init__ refuses staff without one
        return self.user.controller_id

    @property
    def _pack_version_id(self) -> int:
        assert self.policy.pack_version_id is not None  # __init__ reads it from the controller
        return self.policy.pack_version_id

    # --- a young person ---------------------------------------------------------------------

    def young_person(self, person_id: int, *, limit: int = 50) -> ShownPerson:
        """A young person through those of their cases this member of staff may read, with
        their flags, all audited in one batch; RefusedCase (audited) if there is none."""
        rows = list(
            self.cases()
            .filter(person_id=person_id)
            .select_related("person", "allocated_to", "team")
            .order_by("-pk")[:limit]
        )
        if not rows:
            raise self._refuse_person(person_id)
        # Open before closed, newest first, by dates only where the role may read them: a
        # case whose dates are withheld comes after, newest first, so the order tells nothing.
        cases = sorted((self._show_case(case) for case in rows), key=self._case_order)
        # The person's own fields and flags are read through the nearest of their cases.
        nearest = min(cases, key=self._reading_distance)
        distance = self._reading_distance(nearest)
        flags = [
            self.show("personflag", flag, distance)
            for flag in PersonFlag.objects.filter(person_id=person_id).order_by("-pk")[:limit]
        ]
        append(
            [self._case_entry(Action.READ, shown) for shown in cases]
            + [
                self._entry(
                    Action.READ,
                    f"{self.policy.label}: read through the case",
                    flag.categories,
                    case_id=nearest.case_id,
                    person_id=person_id,
                    record="personflag",
                    record_id=flag.pk,
                    service=nearest.service,
                )
                for flag in flags
            ]
        )
        return ShownPerson(
            person_id=person_id,
            person=nearest.person,
            cases=cases,
            flags=flags,
            workers={case.pk: staff_name(case.allocated_to) for case in rows},
            teams={case.pk: case.team.name for case in rows},
        )

    @staticmethod
    def _case_order(shown: ShownCase) -> tuple[int, int, int]:
        closed, opened = shown.case.values["closed_on"], shown.case.values["opened_on"]
        if isinstance(closed, Withheld) or isinstance(opened, Withheld):
            return (2, 0, 0)
        return (
            0 if closed is None else 1,
            -closed.toordinal() if closed else 0,
            -opened.toordinal() if opened else 0,
        )

    def may_break_glass_into(self, case_id: int) -> bool:
        """Whether breaking glass would open this case: the role may, and the case is this
        controller's and not restricted (restriction holds even against break-glass)."""
        if not self.may_break_glass:
            return False
        return Case.objects.filter(
            pk=case_id,
            controller_id=self._controller_id,
            restricted=False,
            person__restricted=False,
        ).exists()

    def _refuse_person(self, person_id: int) -> RefusedCase:
        """Refuse (and audit) a person out of reach, through their latest case of this
        controller: someone another controller holds is refused as someone nobody holds. A
        statistics-only role is told only that it reaches no one, whoever is asked for."""
        statistics = self.policy.statistics_only(self.role)
        latest = (
            None
            if statistics
            else Case.objects.filter(person_id=person_id, controller_id=self._controller_id)
            .order_by(F("closed_on").desc(nulls_first=True), "-opened_on", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if statistics:
            decision = self.policy.statistics_refusal(self.role)
        elif latest is not None:
            decision = self._why_not(latest)
        else:
            decision = Decision(
                False,
                f"{self.policy.label}: staff reach a person only through one of their cases, "
                "and there is none",
            )
        self._refuse(decision, case_id=latest, person_id=person_id, record="person")
        return RefusedCase(
            decision, latest, break_glass=latest is not None and self.may_break_glass_into(latest)
        )

    def related_people(
        self, shown: ShownCase | Sequence[ShownCase], *, limit: int = 100
    ) -> list[RelatedPerson]:
        """The people around a young person: family and professionals (a Relationship whose
        `other` is the person's `kind`), and the victims of the offences on these cases
        (VictimLink). Each is redacted by category at the distance of the case read through,
        and audited in one batch under the related person's own id, so that their record of
        who has seen them is whole too."""
        cases = [shown] if isinstance(shown, ShownCase) else list(shown)
        if not cases:
            return []
        by_case = {c.case_id: c for c in cases}
        nearest: dict[int, ShownCase] = {}
        for case in sorted(cases, key=self._reading_distance, reverse=True):
            nearest[case.person_id] = case
        related: list[RelatedPerson] = []
        # In the order they were recorded: ordering by kind would tell a withheld kind.
        relationships = (
            Relationship.objects.filter(person_id__in=list(nearest))
            .select_related("other")
            .order_by("pk")[:limit]
        )
        for link in relationships:
            via = nearest[link.person_id]
            distance = self._reading_distance(via)
            shown_link = self.show("relationship", link, distance)
            kind_value = shown_link.values["kind"]
            if isinstance(kind_value, Withheld):
                kind = "related"
            else:
                kind = "professional" if kind_value in PROFESSIONAL_KINDS else "family"
            related.append(
                RelatedPerson(
                    kind, self._show_related(link.other, kind, distance), shown_link, via.case_id
                )
            )
        victims = (
            VictimLink.objects.filter(offence__case_id__in=list(by_case))
            .annotate(via_case=F("offence__case_id"))
            .select_related("victim")
            .order_by("via_case", "offence_id", "pk")[:limit]
        )
        for victim in victims:
            via = by_case[victim.via_case]
            distance = self._reading_distance(via)
            related.append(
                RelatedPerson(
                    "victim",
                    self._show_related(victim.victim, "victim", distance),
                    self.show("victimlink", victim, distance),
                    via.case_id,
                )
            )
        if related:
            append(
                [
                    self._entry(
                        Action.READ,
                        f"{self.policy.label}: read through the case",
                        r.person.categories | r.link.categories,
                        case_id=r.case_id,
                        person_id=r.person.pk,
                        record=r.link.record,
                        record_id=r.link.pk,
                        service=by_case[r.case_id].service if r.case_id in by_case else "",
                    )
                    for r in related
                ]
            )
        return related

    def _show_related(self, person: Person, kind: str, distance: Distance) -> Shown:
        names = RELATED_FIELDS[kind]
        if person.restricted and not self.is_dpo:
            rule = (
                f"{self.policy.label}: processing is restricted (UK GDPR Article 18); "
                "only the DPO may read it"
            )
            return Shown(
                "person",
                person.pk,
                {n: Withheld(self.policy.category("person", n), rule) for n in names},
                frozenset(),
            )
        shown = self.show("person", person, distance)
        values = {n: shown.values[n] for n in names}
        categories = {
            self.policy.category("person", n) or ""
            for n, v in values.items()
            if not isinstance(v, Withheld)
        }
        return Shown("person", person.pk, values, frozenset(categories - {""}))

    def timeline(self, shown: Sequence[ShownCase], *, limit: int = 100) -> list[TimelineEntry]:
        """Contacts, assessments, plans (with their actions), offences, outcomes and reports
        on these cases, newest first: one query per kind of record whatever the number of
        cases or records (the newest `limit` of each kind), each record redacted at the
        distance of its case, all audited in one batch."""
        by_case = {c.case_id: c for c in shown}
        if not by_case:
            return []
        entries: list[TimelineEntry] = []
        for model, dated_by in TIMELINE_DATES.items():
            record = str(model._meta.model_name)
            objects = (
                model._default_manager.filter(case_id__in=list(by_case))
                .select_related("created_by")
                .order_by("-created_at", "-pk")[:limit]
            )
            for obj in objects:
                via = by_case[obj.case_id]
                item = self.show(record, obj, self._reading_distance(via))
                entries.append(
                    TimelineEntry(
                        record=item,
                        case_id=via.case_id,
                        recorded_at=obj.created_at,
                        recorded_by=staff_name(obj.created_by),
                        when=self._when(item.values[dated_by], obj.created_at),
                    )
                )
        plans = {e.record.pk: e for e in entries if e.record.record == "plan"}
        actions: list[tuple[TimelineEntry, Shown]] = []
        if plans:
            for action in PlanAction.objects.filter(plan_id__in=list(plans)).order_by("pk"):
                entry = plans[action.plan_id]
                shown_action = self.show(
                    "planaction", action, self._reading_distance(by_case[entry.case_id])
                )
                entry.actions.append(shown_action)
                actions.append((entry, shown_action))
            # By due date where the role may read it (the same for every action of a plan),
            # otherwise in the order they were recorded.
            for entry in plans.values():
                if entry.actions and not isinstance(entry.actions[0].values["due_on"], Withheld):
                    entry.actions.sort(
                        key=lambda a: (a.values["due_on"] is None, a.values["due_on"] or date.min)
                    )
        audited = [(e, e.record) for e in entries] + actions
        if audited:
            append(
                [
                    self._entry(
                        Action.READ,
                        f"{self.policy.label}: read through the case",
                        item.categories,
                        case_id=entry.case_id,
                        person_id=by_case[entry.case_id].person_id,
                        record=item.record,
                        record_id=item.pk,
                        service=by_case[entry.case_id].service,
                    )
                    for entry, item in audited
                ]
            )
        entries.sort(key=lambda e: (e.when, e.recorded_at), reverse=True)
        return entries

    @staticmethod
    def _when(value: Any, recorded: datetime) -> datetime:
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime.combine(value, time.min, tzinfo=timezone.get_current_timezone())
        return recorded

    @staticmethod
    def _reading_distance(shown: ShownCase) -> Distance:
        # Break-glass reads as if allocated (as records() does).
        return Distance.ALLOCATED if shown.break_glass else shown.distance

    def _case_entry(
        self, action: str, item: ShownCase, categories: frozenset[str] | None = None
    ) -> AuditEntry:
        """A shown case's audit entry: by default for all it showed of the case and person."""
        return self._entry(
            action,
            self._read_rule(item.distance, item.break_glass),
            item.case.categories | item.person.categories if categories is None else categories,
            case_id=item.case_id,
            person_id=item.person_id,
            record="case",
            record_id=item.case_id,
            reason=self.glass_reasons[item.case_id] if item.break_glass else "",
            service=item.service,
        )

    # --- what a form may offer --------------------------------------------------------------

    def writable(self, record: str, shown: ShownCase | None = None) -> frozenset[str]:
        """The fields of a record this member of staff may write on this case or, with no
        case, on a new case allocated to them: forms offer only these. Break-glass never
        writes, so the true distance counts."""
        distance = shown.distance if shown is not None else Distance.ALLOCATED
        categories = self.policy.categories(self.role, "write", distance)
        return frozenset(
            n for n in RECORD_FIELDS[record] if self.policy.category(record, n) in categories
        )

    def may_write(
        self,
        record: str,
        fields: Iterable[str],
        shown: ShownCase | None = None,
        *,
        audit: bool = False,
    ) -> Decision:
        """Whether these fields may be written (on this case or, with none, on a new case
        allocated to oneself), and by which rule. A form asks before offering itself; the
        write is checked and audited again. With `audit` (a form posted all the same), a
        refusal is audited here, since write() will never be reached to audit it."""
        distance = shown.distance if shown is not None else Distance.ALLOCATED
        decision = self._decide_write(record, fields, distance)
        if audit and not decision:
            self._refuse(
                decision,
                case_id=shown.case_id if shown else None,
                person_id=shown.person_id if shown else None,
                record=record,
            )
        return decision

    def case_to_write(self, shown: ShownCase) -> Case:
        """The case behind a case already passed by the gate, as the target of `write()`;
        never for display (what is shown comes from `case()`)."""
        return self.cases().select_related("person").get(pk=shown.case_id)

    def _decide_write(self, record: str, fields: Iterable[str], distance: Distance) -> Decision:
        rules = []
        for name in fields:
            category = self.policy.category(record, name)
            if category is None:
                return Decision(
                    False, f"{self.policy.label}: {record}.{name} is in no data category"
                )
            decision = self.policy.decide(self.role, "write", category, distance)
            if not decision:
                return decision
            rules.append(decision.rule)
        return Decision(True, rules[0] if rules else f"{self.policy.label}: nothing to write")

    # --- opening a case ---------------------------------------------------------------------

    def open_case(
        self,
        case: Case,
        values: dict[str, Any],
        *,
        person_id: int | None = None,
        person_values: dict[str, Any] | None = None,
    ) -> Case:
        """Open a case (its team and worker set on `case`, its fields in `values`) for the
        person `person_id`, or for someone new described by `person_values`. Nobody reaches a
        person except through a case, so a new person comes with their first case, and both
        are checked at the distance the new case will stand from this member of staff; so are
        the things write() cannot know: one's own team, a service of the pack, allocation to
        someone else only by a role that allocates, and an existing person only if one may
        read them. One transaction; refused, and the refusal audited, before anything is
        written."""
        person_values = person_values or {}
        case.controller_id = self._controller_id
        for name, value in values.items():
            setattr(case, name, value)
        person = (
            Person.objects.filter(pk=person_id).first()
            if person_id is not None
            else Person(controller_id=self._controller_id, created_by=self.user)
        )
        decision = self._check_open(case, person, person_id, values, person_values)
        if person is None or not decision:
            self._refuse(decision, person_id=person_id, record="case")
            raise Refused(decision)
        with transaction.atomic():
            # Both through write(), which checks an unsaved case at its would-be distance as
            # _check_open() did, and audits each as a CREATE.
            case.person = person
            case.created_by = self.user
            if person_id is None:
                self.write(person, person_values, case=case)
                case.person = person
            self.write(case, values, case=case)
        return case

    def _check_open(
        self,
        case: Case,
        person: Person | None,
        person_id: int | None,
        values: dict[str, Any],
        person_values: dict[str, Any],
    ) -> Decision:
        where = self.policy.label
        if case.team_id not in self.team_ids:
            return Decision(False, f"{where}: cases are opened only in one's own teams")
        if case.service not in {s.code for s in self.policy.pack.services}:
            return Decision(False, f"{where}: '{case.service}' is not a service of this pack")
        if case.allocated_to_id not in (None, self.user.pk):
            if not self.allocates:
                return Decision(False, f"{where}: role '{self.role}' does not allocate cases")
            if not User.objects.filter(
                pk=case.allocated_to_id, teams=case.team_id, is_active=True
            ).exists():
                return Decision(False, f"{where}: the worker is not a member of the case's team")
            if not self.case_holders([case.team_id]).filter(pk=case.allocated_to_id).exists():
                return Decision(False, f"{where}: the worker's role does not hold cases")
        if person_id is not None:
            # The same refusal whether the person does not exist or is out of reach.
            if (
                person is None
                or person.controller_id != self._controller_id
                or not self.cases().filter(person_id=person_id).exists()
            ):
                return Decision(
                    False, f"{where}: a case is opened only for someone whose record one may read"
                )
        elif not person_values:
            return Decision(False, f"{where}: a new person needs their details")
        distance = self._distance_of_new(case)
        decision = self._decide_write("case", values, distance)
        if decision and person_values:
            for_person = self._decide_write("person", person_values, distance)
            if not for_person:
                return for_person
        return decision

    # --- allocation -------------------------------------------------------------------------

    @property
    def allocates(self) -> bool:
        role = self.policy.role(self.role)
        return bool(role and role.allocates_cases)

    def allocation(self, case_id: int) -> Allocation:
        """A case this manager may allocate (read and audited), with the workers of its team;
        RefusedCase (audited) otherwise."""
        case = self._allocatable(case_id)
        shown = self._show_case(case)
        self._audit(Action.READ, [(shown, shown.case.categories | shown.person.categories)])
        workers = self.caseloads([case.team_id])
        return Allocation(
            case=shown,
            team_id=case.team_id,
            team_name=case.team.name,
            allocated_to_id=case.allocated_to_id,
            workers=[(pk, name) for pk, name, _ in workers],
            caseloads={pk: count for pk, _, count in workers},
        )

    def caseloads(self, team_ids: Sequence[int] | None = None) -> list[tuple[int, str, int]]:
        """The staff of these teams (by default, mine) whose role holds cases, each with the
        open cases allocated to them in any team, in one query; for a role that allocates.
        Staff names and counts only: nothing about the people we serve."""
        if not self.allocates:
            return []
        workers = (
            self.case_holders(self.team_ids if team_ids is None else team_ids)
            .annotate(
                open_cases=Count(
                    "allocated_cases", filter=Q(allocated_cases__closed_on__isnull=True)
                )
            )
            .order_by("last_name", "first_name", "username")
        )
        return [(worker.pk, staff_name(worker), worker.open_cases) for worker in workers]

    def case_holders(self, team_ids: Sequence[int]) -> models.QuerySet[User]:
        """The active staff of these teams whose role holds cases (the pack's `holds_cases`):
        the only people a case may be allocated to."""
        return User.objects.filter(
            pk__in=User.objects.filter(teams__in=team_ids).values("pk"),
            controller_id=self._controller_id,
            is_active=True,
            role__in=[role.code for role in self.policy.pack.roles if role.holds_cases],
        )

    def allocate(self, case_id: int, user_id: int) -> Case:
        """Allocate a case to a worker of its team. Only a role that allocates cases, only for
        a case held by one of its teams; audited as an UPDATE of the case with the rule, or
        refused and audited."""
        case = self._allocatable(case_id)
        where = self.policy.label
        worker = User.objects.filter(
            pk=user_id,
            teams=case.team_id,
            controller_id=self._controller_id,
            is_active=True,
        ).first()
        role = self.policy.role(worker.role) if worker is not None else None
        if worker is None or role is None or not role.holds_cases:
            # The form offers only those who may hold the case; the gate holds to it too.
            decision = Decision(
                False,
                f"{where}: user {user_id} is not a worker of the team holding the case"
                if worker is None
                else f"{where}: role '{worker.role}' does not hold cases, so "
                f"{worker.get_username()} cannot be allocated one",
            )
            self._refuse(decision, case_id=case.pk, person_id=case.person_id, record="case")
            raise RefusedCase(decision, case.pk, break_glass=False)
        with transaction.atomic():
            case.allocated_to = worker
            case.pack_version_id = self._pack_version_id
            case.save(update_fields=["allocated_to", "pack_version", "updated_at"])
            append(
                [
                    self._entry(
                        Action.UPDATE,
                        f"{where}: role '{self.role}' allocates the cases of its teams; "
                        f"allocated to {worker.get_username()}",
                        (),
                        case_id=case.pk,
                        person_id=case.person_id,
                        record="case",
                        record_id=case.pk,
                        service=case.service,
                    )
                ]
            )
        return case

    def _allocatable(self, case_id: int) -> Case:
        where = self.policy.label
        if self.allocates:
            case = (
                self.cases()
                .select_related("person", "team")
                .filter(pk=case_id, team_id__in=self.team_ids)
                .first()
            )
            if case is not None:
                return case
            row = Case.objects.filter(pk=case_id).values("team_id", "controller_id").first()
            if row is None or row["controller_id"] != self.user.controller_id:
                decision = Decision(False, f"{where}: no such case for this controller")
            elif row["team_id"] not in self.team_ids:
                decision = Decision(False, f"{where}: the case is held by a team that is not yours")
            else:
                decision = self._why_not(case_id)
        else:
            decision = Decision(False, f"{where}: role '{self.role}' does not allocate cases")
        self._refuse(decision, case_id=case_id, record="case")
        raise RefusedCase(decision, case_id, break_glass=False)

    # --- break glass ------------------------------------------------------------------------

    def break_glass(
        self, case_id: int, reason: str, *, minutes: int = BREAK_GLASS_MINUTES
    ) -> BreakGlass:
        """Open a case outside one's reach for `minutes`, with a typed reason, flagged for the
        DPO; or Refused, audited with what was typed: a role without break-glass (checked
        first, so even an attempt without a reason is logged), or a case that is not there,
        another controller's, or restricted (Article 18 holds against break-glass). Those three
        are refused alike, so a refusal reveals neither existence nor restriction."""
        reason = reason.strip()
        if not self.may_break_glass:
            decision = Decision(
                False, f"{self.policy.label}: role '{self.role}' may not break glass"
            )
            self._refuse(decision, case_id=case_id, action=Action.BREAK_GLASS, reason=reason)
            raise Refused(decision)
        if len(reason) < 10:
            raise ValueError("Give the reason for breaking glass in at least 10 characters.")
        case = Case.objects.filter(
            pk=case_id,
            controller_id=self._controller_id,
            restricted=False,
            person__restricted=False,
        ).first()
        if case is None:
            decision = Decision(
                False, f"{self.policy.label}: no case of this controller that break-glass opens"
            )
            self._refuse(decision, case_id=case_id, action=Action.BREAK_GLASS, reason=reason)
            raise Refused(decision)
        now = timezone.now()
        with transaction.atomic():
            glass = BreakGlass.objects.create(
                user=self.user,
                case=case,
                reason=reason,
                started_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
            append(
                [
                    self._entry(
                        Action.BREAK_GLASS,
                        f"{self.policy.label}: role '{self.role}' may break glass; flagged for the DPO",
                        set(),
                        case_id=case.pk,
                        person_id=case.person_id,
                        reason=reason,
                        service=case.service,
                    )
                ]
            )
        self.glass_reasons[case.pk] = reason
        return glass

    # --- the DPO's review of break-glass ---------------------------------------------------

    def break_glass_review(
        self, page: int | str | None, *, per_page: int = 25
    ) -> tuple[Page, list[GlassUse]]:
        """Every break-glass access into this controller's cases, those still to review
        first, newest first, a page at a time: the DPO only (refused and audited otherwise).
        The child's name is read at the DPO's distance and audited as a list; what was done
        during each access comes from the audit log, in one query for the page."""
        self._require_reviewer()
        rows = (
            BreakGlass.objects.filter(case__controller_id=self._controller_id)
            .select_related("user", "reviewed_by", "case", "case__person")
            .annotate(gate_distance=self.distance_expression("case__"))
            .order_by(F("reviewed_at").asc(nulls_first=True), "-started_at", "-pk")
        )
        found = Paginator(rows, per_page).get_page(page)
        return found, self._glass_uses(list(found.object_list), Action.LIST)

    def break_glass_use(self, glass_id: int) -> GlassUse:
        """One break-glass access, for the DPO to review: read and audited."""
        return self._glass_uses([self._reviewable(glass_id)], Action.READ)[0]

    def review_break_glass(self, glass_id: int, note: str) -> GlassUse:
        """Mark a break-glass access reviewed, with the DPO's note; audited as an update of
        the access, the note kept in the log in the DPO's words. Reviewed once."""
        note = note.strip()
        glass = self._reviewable(glass_id)
        if glass.reviewed_at is not None:
            raise ValueError("This break-glass access has already been reviewed.")
        if not note:
            raise ValueError("Say what you found.")
        with transaction.atomic():
            glass.reviewed_at = timezone.now()
            glass.reviewed_by = self.user
            glass.review_note = note
            glass.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
            append(
                [
                    self._entry(
                        Action.UPDATE,
                        f"{self.policy.label}: role '{self.role}' manages the policy; reviewed "
                        f"the break-glass access of {glass.user.get_username()}",
                        (),
                        case_id=glass.case_id,
                        person_id=glass.case.person_id,
                        record="breakglass",
                        record_id=glass.pk,
                        reason=note,
                        service=glass.case.service,
                    )
                ]
            )
        return self._glass_uses([glass], None)[0]

    def _require_reviewer(self) -> None:
        if not self.is_dpo:
            decision = Decision(
                False,
                f"{self.policy.label}: role '{self.role}' may not review break-glass access; "
                "only the role that manages the policy may",
            )
            self._refuse(decision, record="breakglass")
            raise Refused(decision)

    def _reviewable(self, glass_id: int) -> BreakGlass:
        self._require_reviewer()
        glass = (
            BreakGlass.objects.filter(pk=glass_id, case__controller_id=self._controller_id)
            .select_related("user", "reviewed_by", "case", "case__person")
            .annotate(gate_distance=self.distance_expression("case__"))
            .first()
        )
        if glass is None:
            decision = Decision(False, f"{self.policy.label}: no such break-glass access")
            self._refuse(decision, record="breakglass")
            raise Refused(decision)
        return glass

    def _glass_uses(self, rows: list[BreakGlass], action: str | None) -> list[GlassUse]:
        done: dict[int, dict[tuple[str, str, str], tuple[int, set[str]]]] = {r.pk: {} for r in rows}
        windows = [(r.user_id, r.case_id, r.started_at, r.expires_at) for r in rows]
        events = (
            audit_selectors.during(windows)
            .exclude(action=Action.BREAK_GLASS)
            .only("actor_id", "case_id", "at", "action", "decision", "record_type", "categories")
        )
        for event in events:
            for r in rows:
                if (event.actor_id, event.case_id) == (r.user_id, r.case_id) and (
                    r.started_at <= event.at < r.expires_at
                ):
                    key = (event.record_type or "case", event.action, event.decision)
                    count, categories = done[r.pk].get(key, (0, set()))
                    done[r.pk][key] = (count + 1, categories | set(event.category_codes))
        uses = []
        for r in rows:
            distance = Distance(r.gate_distance)  # type: ignore[attr-defined]
            person = self.show("person", r.case.person, distance)
            names = ("given_name", "family_name", "preferred_name", "date_of_birth")
            shown_person = Shown(
                "person",
                person.pk,
                {n: person.values[n] for n in names},
                frozenset(
                    c
                    for n in names
                    if not isinstance(person.values[n], Withheld)
                    and (c := self.policy.category("person", n))
                ),
            )
            uses.append(
                GlassUse(
                    pk=r.pk,
                    staff=staff_name(r.user),
                    person=shown_person,
                    case=self.show("case", r.case, distance),
                    case_id=r.case_id,
                    person_id=r.case.person_id,
                    reason=r.reason,
                    started_at=r.started_at,
                    expires_at=r.expires_at,
                    reviewed_at=r.reviewed_at,
                    reviewed_by=staff_name(r.reviewed_by),
                    note=r.review_note,
                    reads=[
                        GlassRead(record, act, decision, count, tuple(sorted(categories)))
                        for (record, act, decision), (count, categories) in sorted(
                            done[r.pk].items()
                        )
                    ],
                )
            )
        if action is not None:
            append(
                [
                    self._entry(
                        action,
                        f"{self.policy.label}: role '{self.role}' manages the policy; reviews "
                        "break-glass access",
                        use.person.categories | use.case.categories,
                        case_id=use.case_id,
                        person_id=use.person_id,
                        record="breakglass",
                        record_id=use.pk,
                        service=r.case.service,
                    )
                    for use, r in zip(uses, rows, strict=True)
                ]
            )
        return uses

    # --- who has seen this record ------------------------------------------------------------

    def audit_trail(self, person_id: int) -> Shown:
        """May this member of staff read who has seen a person's record? Managers (roles that
        allocate cases) for people on a case they may read; the DPO (manages policy) for anyone
        of the controller. Reading the trail is itself a read, so it is audited, and so is a
        refusal. Returns the person's name as the role may see it, for the page's heading."""
        if not (self.is_dpo or self.allocates):
            decision = Decision(
                False,
                f"{self.policy.label}: role '{self.role}' may not read who has seen a record; "
                "only roles that allocate cases or manage the policy may",
            )
            self._refuse(decision, person_id=person_id, record="audit")
            raise Refused(decision)
        case = (
            self.cases()
            .select_related("person")
            .filter(person_id=person_id)
            .order_by("gate_distance", "pk")  # type: ignore[misc]
            .first()
        )
        person = case.person if case is not None else None
        glass = case is not None and case.pk in self.glass_reasons
        distance = Distance(getattr(case, "gate_distance", Distance.NONE))
        if glass:
            distance = Distance.ALLOCATED
        if person is None and self.is_dpo:
            # The DPO answers for everyone the controller holds, with a case or without.
            person = Person.objects.filter(pk=person_id, controller=self.user.controller).first()
            distance = Distance.CONTROLLER
        if person is None:
            decision = Decision(
                False, f"{self.policy.label}: no record of this person is open to '{self.role}'"
            )
            self._refuse(decision, person_id=person_id, record="audit")
            raise Refused(decision)
        full = self.show("person", person, distance)
        names: dict[str, Any] = {
            n: full.values[n] for n in ("given_name", "family_name") if n in full.values
        }
        categories = frozenset(
            self.policy.category("person", n) or ""
            for n, v in names.items()
            if not isinstance(v, Withheld)
        )
        why = "manages the policy" if self.is_dpo else "allocates cases"
        append(
            [
                self._entry(
                    Action.READ,
                    f"{self.policy.label}: role '{self.role}' {why}; may read who has seen "
                    "the record",
                    categories,
                    case_id=case.pk if glass and case is not None else None,
                    person_id=person_id,
                    record="audit",
                    reason=self.glass_reasons[case.pk] if glass and case is not None else "",
                    service=case.service if case is not None else "",
                )
            ]
        )
        return Shown("person", person.pk, names, categories - {""})

    # --- finding people ---------------------------------------------------------------------

    def find_people(self, text: str, *, limit: int = 20) -> FoundPeople:
        """People of this controller found by name (any order, small typos), date of birth or
        reference (a person's or a case's number), across every case this member of staff may
        read. A term counts only through the cases at whose distance the role may read the
        field it matches, so a search never finds someone by a field withheld from the role.
        Matching is the database's index (`records.search`); what is shown is audited as a
        list, in one batch, as a caseload is."""
        self._refuse_statistics_role()
        terms = search.parse(text)
        dropped: dict[str, str] = {}
        people = Person.objects.filter(controller_id=self._controller_id)
        if terms.words:
            reach = self._reach("person.given_name", "person.family_name")
            if isinstance(reach, Decision):
                dropped["name"] = reach.rule
                terms = replace(terms, words=())
            else:
                people = people.filter(self._reachable(reach))
        if terms.born:
            reach = self._reach("person.date_of_birth")
            if isinstance(reach, Decision):
                dropped["date_of_birth"] = reach.rule
                terms = replace(terms, born=None)
            else:
                people = people.filter(self._reachable(reach), date_of_birth=terms.born)
        if terms.people or terms.cases:
            people = people.filter(
                Q(pk__in=list(terms.people))
                | Exists(self.cases().filter(pk__in=list(terms.cases), person_id=OuterRef("pk")))
            )
        if terms.empty:
            return FoundPeople(terms, [], {}, {}, dropped)
        if not (terms.words or terms.born):
            people = people.filter(self._reachable(Q()))  # the others reach through a field
        if terms.words:
            found = search.closest(people, terms.name, limit)
        else:
            found = list(
                people.order_by("family_name", "given_name", "pk").values_list("pk", flat=True)[
                    :limit
                ]
            )
        rows = self._nearest_cases(found)
        return FoundPeople(
            terms,
            self.show_cases(rows),
            {case.pk: staff_name(case.allocated_to) for case in rows},
            {case.pk: case.team.name for case in rows},
            dropped,
        )

    def possible_duplicates(
        self, given_name: str, family_name: str, born: date | None, *, limit: int = 10
    ) -> Duplicates:
        """Before a young person is added: those of this controller with a close name (and the
        same date of birth, or none recorded) who already have a case. Those this member of
        staff may read are shown and audited as a list; the others are never named, but each
        is audited as a refused read, so the DPO can see who asked about whom."""
        self._refuse_statistics_role()
        name = f"{given_name} {family_name}".strip()
        if not search.trigrams(name):
            return Duplicates([], False)
        candidates = Person.objects.filter(
            Exists(Case.objects.filter(person_id=OuterRef("pk"))),
            controller_id=self._controller_id,
        )
        if not self.is_dpo:
            # Restricted processing (Article 18) is not processed to answer this.
            candidates = candidates.filter(restricted=False)
        if born is not None:
            candidates = candidates.filter(Q(date_of_birth=born) | Q(date_of_birth__isnull=True))
        ids = search.closest(candidates, name, limit)
        reach = self._reach("person.given_name", "person.family_name")
        visible: set[int] = set()
        if ids and not isinstance(reach, Decision):
            visible = set(
                self.cases()
                .filter(reach, person_id__in=ids)
                .values_list("person_id", flat=True)
                .distinct()
            )
        hidden = [pk for pk in ids if pk not in visible]
        if hidden:
            rule = (
                f"{self.policy.label}: a possible duplicate of a young person being added, "
                f"on a case role '{self.role}' may not read; not shown"
            )
            append(
                [
                    self._entry(
                        Action.REFUSE,
                        rule,
                        (),
                        decision=AuditDecision.REFUSED,
                        person_id=pk,
                        record="person",
                    )
                    for pk in hidden
                ]
            )
        rows = self._nearest_cases([pk for pk in ids if pk in visible])
        return Duplicates(self.show_cases(rows), bool(hidden))

    def _reach(self, *fields: str) -> Q | Decision:
        """The cases through which all these fields may be read: those at a distance where
        the role reads them (and any it has broken glass into, read as if allocated); or the
        refusal, where the role reads them nowhere."""
        decision = Decision(False, "")
        for distance in (
            Distance.CONTROLLER,
            Distance.SERVICE,
            Distance.TEAM,
            Distance.ALLOCATED,
        ):
            decisions = [self._read_decision(f, distance) for f in fields]
            decision = next((d for d in decisions if not d), decisions[0])
            if decision:
                reach = Q(gate_distance__lte=int(distance))
                if self.glass_reasons:
                    reach |= Q(pk__in=list(self.glass_reasons))
                return reach
        return decision

    def _reachable(self, reach: Q) -> Exists:
        return Exists(self.cases().filter(reach, person_id=OuterRef("pk")))

    def _nearest_cases(self, person_ids: list[int]) -> list[Case]:
        """For each person, in the order given, the nearest of their cases this member of
        staff may read (open before closed, newest first): one query."""
        if not person_ids:
            return []
        nearest: dict[int, Case] = {}
        for case in (
            self.cases()
            .filter(person_id__in=person_ids)
            .select_related("person", "allocated_to", "team")
            .order_by(
                "person_id",
                "gate_distance",  # type: ignore[misc]
                F("closed_on").desc(nulls_first=True),
                "-opened_on",
                "-pk",
            )
        ):
            nearest.setdefault(case.person_id, case)
        return [nearest[pk] for pk in person_ids if pk in nearest]

    # --- audit ------------------------------------------------------------------------------

    def _entry(
        self,
        action: str,
        rule: str,
        categories: Iterable[str],
        *,
        decision: str = AuditDecision.ALLOWED,
        case_id: int | None = None,
        person_id: int | None = None,
        record: str = "",
        record_id: int | None = None,
        reason: str = "",
        service: str = "",
    ) -> AuditEntry:
        if not reason and case_id in self._under_glass:
            reason = self.glass_reasons[case_id]
        return AuditEntry(
            actor_label=self.user.get_username(),
            actor_id=self.user.pk,
            action=action,  # type: ignore[arg-type]
            decision=decision,  # type: ignore[arg-type]
            rule=rule,
            person_id=person_id,
            case_id=case_id,
            record_type=record,
            record_id=record_id,
            categories=sorted(c for c in categories if c),
            purpose=self.purpose_for(service),
            reason=reason,
            pack_version_id=self.policy.pack_version_id,
        )

    def _audit(
        self,
        action: str,
        shown: Sequence[tuple[ShownCase | Shown, frozenset[str]]],
        *,
        case_id: int | None = None,
        person_id: int | None = None,
        record: str = "",
    ) -> None:
        append(self._entries(action, shown, case_id=case_id, person_id=person_id, record=record))

    def _entries(
        self,
        action: str,
        shown: Sequence[tuple[ShownCase | Shown, frozenset[str]]],
        *,
        case_id: int | None = None,
        person_id: int | None = None,
        record: str = "",
    ) -> list[AuditEntry]:
        return [
            self._case_entry(action, item, categories)
            if isinstance(item, ShownCase)
            else self._entry(
                action,
                f"{self.policy.label}: read through the case",
                categories,
                case_id=case_id,
                person_id=person_id,
                record=record,
                record_id=item.pk,
            )
            for item, categories in shown
        ]

    def _read_rule(self, distance: Distance, glass: bool) -> str:
        if glass:
            return f"{self.policy.label}: break-glass access by role '{self.role}'"
        return f"{self.policy.label}: role '{self.role}' reads at {distance.name.lower()} distance"

    def _refuse_statistics_role(self) -> None:
        """A statistics-only role finds no one: refused, audited, before any person is asked
        about (a search is a way to a single person, whatever it would have matched)."""
        if self.policy.statistics_only(self.role):
            decision = self.policy.statistics_refusal(self.role)
            self._refuse(decision)
            raise Refused(decision)

    def _refuse(
        self,
        decision: Decision,
        *,
        case_id: int | None = None,
        person_id: int | None = None,
        record: str = "",
        action: str = Action.REFUSE,
        reason: str = "",
    ) -> None:
        append(
            [
                self._entry(
                    action,
                    decision.rule,
                    (),
                    decision=AuditDecision.REFUSED,
                    case_id=case_id,
                    person_id=person_id,
                    record=record,
                    reason=reason,
                )
            ]
        )
