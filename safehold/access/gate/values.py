"""What the gate hands back (shown values, withheld ones and why, pages of cases, people
around a young person) and how it refuses; plain values, no decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import attrgetter, itemgetter
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied

from safehold.access.models import User
from safehold.access.policy import Decision, Distance
from safehold.records import search
from safehold.records.models import (
    Relationship,
)

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
    # Worked out once per kind and distance, so that showing a row is two C calls (read the
    # shown fields, lay them over the withheld ones in field order), not a Python step per
    # field of every row.
    _template: dict[str, Withheld | None] = field(init=False, repr=False, compare=False)
    _readable: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _read: Callable[[Any], Any] = field(init=False, repr=False, compare=False)
    # The same for plain rows (`values_of_row`), by where the record's fields start in them.
    _row_reads: dict[int, Callable[[Any], Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        readable = tuple(name for name, withheld in self.fields if withheld is None)
        read: Callable[[Any], Any]
        if len(readable) == 1:  # attrgetter of one name gives the value, not a tuple
            read = _one_getter(readable[0])
        else:
            read = attrgetter(*readable) if readable else _no_values
        object.__setattr__(self, "_template", dict(self.fields))
        object.__setattr__(self, "_readable", readable)
        object.__setattr__(self, "_read", read)
        object.__setattr__(self, "_row_reads", {})

    def values_of(self, obj: object) -> dict[str, Any]:
        """The row's fields as shown: its value where shown, the Withheld otherwise."""
        values: dict[str, Any] = self._template.copy()
        values.update(zip(self._readable, self._read(obj), strict=True))
        return values

    def values_of_row(self, row: Sequence[Any], start: int) -> dict[str, Any]:
        """As `values_of`, for a row of plain values (`values_list`) holding the record's
        fields in RECORD_FIELDS order from position `start`: no model instance is made."""
        read = self._row_reads.get(start)
        if read is None:
            positions = [
                start + i for i, (_, withheld) in enumerate(self.fields) if withheld is None
            ]
            if len(positions) == 1:
                at = positions[0]
                read = self._row_reads[start] = lambda row: (row[at],)
            else:
                read = self._row_reads[start] = itemgetter(*positions) if positions else _no_values
        values: dict[str, Any] = self._template.copy()
        values.update(zip(self._readable, read(row), strict=True))
        return values


def _one_getter(name: str) -> Callable[[Any], tuple[Any]]:
    return lambda obj: (getattr(obj, name),)


def _no_values(obj: object) -> tuple[()]:
    return ()


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


DUE_SOON_DAYS = 14
# What falls due on a case: the annotation, the field it comes from, what a page calls it.
DUE_PARTS: dict[str, tuple[str, str]] = {
    "due_action": ("planaction.due_on", "Plan action"),
    "due_review": ("plan.review_on", "Plan review"),
    "due_order_end": ("outcome.ends_on", "Order ends"),
}
FAR_FUTURE = date(9999, 12, 31)
NAME_FIELDS = ("given_name", "family_name", "preferred_name")


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
class ShownPerson:
    """A young person as this member of staff may see them: through the cases they may read."""

    person_id: int
    person: Shown  # redacted at the nearest of the cases below
    cases: list[ShownCase]  # open before closed, newest first
    flags: list[Shown]
    workers: dict[int, str]
    teams: dict[int, str]
    # Which of `flags` are a case's facts rather than the person's own (ids, not personal
    # data): they are changed on the case's facts page, not from the person's.
    facts: frozenset[int] = frozenset()

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
class ShownRecord:
    """A record of a case as shown, with who recorded it and when (staff, not the subject's
    data); a plan with its actions."""

    record: Shown
    case_id: int
    recorded_at: datetime
    recorded_by: str
    actions: list[Shown] = field(default_factory=list)


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
