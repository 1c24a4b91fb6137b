"""Planning: every unit's keep-until date, computed in chunks and written in bulk.

For each chunk of cases (or people) the planner reads the facts the controller's rules need
with a handful of `values()` queries (the case and person columns, then one grouped query per
kind of fact: court orders, contacts, flags, holds), reckons each unit in memory with the pure
functions of `rules.py`, and writes only the units whose answer changed, in one guarded upsert
per chunk. No query is made per unit.

The same chunk functions serve three callers: `plan` (everything, by id range), the write
hooks (`services.recompute_for_case/person`: a few ids, inside the writer's transaction) and
the sweep (the units it is about to dispose of, re-checked inside its own transaction).

Concurrency: a unit's `revision` is bumped by every write to it. The upsert overwrites a unit
only at the revision it read, so a plan never undoes an approval, a disposal or a hold that
landed while it was computing; those units are counted as `skipped` and the next plan takes
them up.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import psycopg
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from safehold.policy import selectors as policy_selectors
from safehold.policy.models import Controller
from safehold.policy.schema import Action, Pack, RetentionRule, Unit
from safehold.policy.wording import event_words
from safehold.records.models import (
    Case,
    Contact,
    Outcome,
    Person,
    PersonFlag,
    Relationship,
    VictimLink,
)
from safehold.retention import rules
from safehold.retention.lookups import among
from safehold.retention.models import (
    FINISHED,
    LegalHold,
    RetentionUnit,
    ServiceDate,
    UnitKind,
    UnitStatus,
)
from safehold.retention.rules import (
    CASE_FILES_DISPOSED,
    NEVER,
    TO_COME,
    Basis,
    EventValue,
    Reckoning,
)
from safehold.retention.units import case_file_parts, column_of, local_date
from safehold.rights.models import RightsRequest

# The latest date of birth of the young people a person's relationships name.
YOUNG_PERSON_BORN = rules.birth_event("young-person")

CHUNK = 5_000
ROWS_PER_STATEMENT = 1_000

# --- what the rules of one controller need ------------------------------------------------------


@dataclass
class PackRules:
    """A controller's current pack, its rules by kind of unit, and what they read."""

    version_id: int
    version_label: str
    pack: Pack
    # Dates of services' events the DPO has set (`ServiceDate`), by service and event.
    dates_set: dict[str, dict[str, date | None]] = field(default_factory=dict)

    @cached_property
    def longer(self) -> frozenset[str]:
        """Flags read the longer way while nobody has recorded them."""
        return frozenset(f.code for f in self.pack.flags if f.unknown == "longer")

    @cached_property
    def _by_service(self) -> dict[str, rules.Reckoner]:
        return {s.code: self._case_reckoner(s.code) for s in self.pack.services}

    def _case_reckoner(self, service: str) -> rules.Reckoner:
        return rules.Reckoner(
            rules.rules_for(self.pack, Unit.CASE_FILE, service), self.case_events, self.longer
        )

    def case_file(self, service: str) -> rules.Reckoner:
        found = self._by_service.get(service)
        if found is None:  # a service the pack no longer states: the rules for every service
            found = self._by_service[service] = self._case_reckoner(service)
        return found

    @cached_property
    def person(self) -> rules.Reckoner:
        # A person's own record, once no case file holds them, is information that is not
        # part of a case file: both kinds of rule apply to it, and the longest wins.
        return rules.Reckoner(
            rules.rules_for(self.pack, Unit.PERSON) + rules.rules_for(self.pack, Unit.NON_CASE),
            self.person_events,
            self.longer,
        )

    @cached_property
    def non_case_file(self) -> rules.Reckoner:
        return rules.Reckoner(
            rules.rules_for(self.pack, Unit.NON_CASE), self.person_events, self.longer
        )

    @cached_property
    def case_needs(self) -> rules.Needs:
        return rules.needs(r for r in self.pack.retention if r.unit == Unit.CASE_FILE)

    @cached_property
    def person_needs(self) -> rules.Needs:
        return rules.needs(r for r in self.pack.retention if r.unit != Unit.CASE_FILE)

    @cached_property
    def case_events(self) -> tuple[str, ...]:
        return tuple(sorted(self.case_needs.events))

    @cached_property
    def person_events(self) -> tuple[str, ...]:
        return tuple(sorted(self.person_needs.events))

    @cached_property
    def pack_events(self) -> dict[str, str]:
        return {event.code: event.of for event in self.pack.events}

    @cached_property
    def service_dates(self) -> dict[str, dict[str, date | None]]:
        """A service's event dates: those the DPO set on the service dates page, over any
        the pack itself states."""
        found: dict[str, dict[str, date | None]] = {
            s.code: dict(s.dates) for s in self.pack.services
        }
        for service, dates in self.dates_set.items():
            found.setdefault(service, {}).update(dates)
        return found

    def note(self, reckoning: Reckoning, service: str) -> str:
        """Why a unit has no date, in words; a service's event is named with the service
        ("waiting for the end date of the contract for Prevention")."""
        waiting = [e for e in reckoning.events if self.pack_events.get(e) == "service"]
        if reckoning.basis != Basis.PENDING or not waiting:
            return reckoning.note
        service_name = next((s.name for s in self.pack.services if s.code == service), service)
        said = [f"{event_words(e, self.pack)} for {service_name}" for e in waiting]
        rest = [e for e in reckoning.events if e not in waiting]
        return "waiting for " + ", ".join(said + rest)


class Packs:
    """Each controller's current pack, loaded once per run."""

    def __init__(self) -> None:
        self._by_controller: dict[int, PackRules | None] = {}
        self._dates: dict[tuple[int, str, str], date | None] | None = None

    def _dates_set(self, controller_id: int) -> dict[str, dict[str, date | None]]:
        if self._dates is None:
            self._dates = ServiceDate.objects.current()
        found: dict[str, dict[str, date | None]] = defaultdict(dict)
        for (controller, service, event), on in self._dates.items():
            if controller == controller_id:
                found[service][event] = on
        return dict(found)

    def __call__(self, controller_id: int) -> PackRules | None:
        if controller_id not in self._by_controller:
            controller = (
                Controller.objects.select_related("pack_version").filter(pk=controller_id).first()
            )
            found = None
            if controller is not None:
                version = controller.pack_version
                found = PackRules(
                    version.pk,
                    f"{version.pack_code} v{version.version}",
                    policy_selectors.pack_of(version),
                    self._dates_set(controller_id),
                )
            self._by_controller[controller_id] = found
        return self._by_controller[controller_id]

    def needs(self, kind: str) -> rules.Needs:
        """What any controller's rules read, for units of a kind: the columns to fetch."""
        found = rules.Needs()
        for controller_id in Controller.objects.values_list("pk", flat=True):
            pack = self(controller_id)
            if pack is not None:
                read = pack.case_needs if kind == UnitKind.CASE_FILE else pack.person_needs
                found.events |= read.events
                found.flags |= read.flags
        return found


# --- which rows: an id range or a list of ids -------------------------------------------------------


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


# An accepted erasure request (UK GDPR Article 17), as a rule the units it makes due carry: the
# destruction record and the audit name it. Not a pack rule: the law's, decided by the DPO.
ERASURE_RULE = RetentionRule.model_construct(  # type: ignore[call-arg] # no period: decided
    code="erasure-request",
    name="An accepted erasure request (UK GDPR Article 17)",
    statement="Erased at the person's request, as the data protection officer decided.",
    action=Action.DESTROY,
    services=[],
    categories=[],
)


# --- holds ------------------------------------------------------------------------------------


@dataclass
class Holds:
    """What suspends disposal right now: legal holds and open rights requests."""

    cases: dict[int, str] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)
    services: dict[tuple[int, str], str] = field(default_factory=dict)
    victim_cases: dict[int, str] = field(default_factory=dict)
    # Accepted erasure requests: person id -> (request id, the day it was decided). What the
    # person's own units hold becomes due that day, to be destroyed (docs/adr/0021).
    erased: dict[int, tuple[int, date]] = field(default_factory=dict)

    def erasure(self, person_id: int, reckoning: Reckoning) -> tuple[Reckoning, str]:
        """The reckoning an accepted erasure gives, and a mark for the unit's digest."""
        found = self.erased.get(person_id)
        if found is None:
            return reckoning, ""
        request_id, decided = found
        return (
            rules.Reckoning(Basis.DATED, decided, ERASURE_RULE, reason=f"request {request_id}"),
            f"erased:{request_id}:{decided.isoformat()}",
        )

    @classmethod
    def load(cls, people: Iterable[int] | None = None, cases: Iterable[int] | None = None) -> Holds:
        """Every active hold, or those that touch these people and cases. Holds and open
        requests are few (hundreds), so they are read whole into memory."""
        holds = cls()
        active = LegalHold.objects.active().order_by("-pk")
        requests = RightsRequest.objects.open().order_by("-pk")
        if people is not None:
            person_ids = list(people)
            case_ids = list(cases or ())
            active = active.filter(
                among("person_id", person_ids) | among("case_id", case_ids) | Q(scope="service")
            )
            requests = requests.filter(among("person_id", person_ids))
        for pk, scope, controller_id, person_id, case_id, service in active.values_list(
            "pk", "scope", "controller_id", "person_id", "case_id", "service"
        ):
            if scope == "case":
                holds.cases[case_id] = f"legal hold {pk} on the case"
            elif scope == "person":
                holds.people[person_id] = f"legal hold {pk} on the person"
            else:
                holds.services[(controller_id, service)] = f"legal hold {pk} on the service"
        for pk, person_id in requests.values_list("pk", "person_id"):
            holds.people.setdefault(person_id, f"open rights request {pk}")
        erasures = RightsRequest.objects.filter(
            kind="erasure", decision="accepted", status="closed"
        ).order_by("pk")
        if people is not None:
            erasures = erasures.filter(among("person_id", person_ids))
        for pk, person_id, closed_on in erasures.values_list("pk", "person_id", "closed_on"):
            if closed_on is not None:  # a closed request has its date (a constraint says so)
                holds.erased[person_id] = (pk, closed_on)
        if holds.people:
            # A person's hold covers the case files they are a victim in, too.
            for case_id, victim_id in VictimLink.objects.filter(
                among("victim_id", list(holds.people))
            ).values_list("offence__case_id", "victim_id"):
                holds.victim_cases.setdefault(case_id, f"{holds.people[victim_id]} (a victim)")
        return holds


# --- proposals: a unit as it should now be --------------------------------------------------------

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


@dataclass
class Proposal:
    values: dict[str, Any]
    reckoning: Reckoning
    existing: dict[str, Any] | None

    @property
    def unit_id(self) -> int | None:
        return self.existing["pk"] if self.existing else None

    @property
    def changed(self) -> bool:
        old = self.existing
        return (
            old is None
            or old["digest"] != self.values["digest"]
            or old["status"] != self.values["status"]
            or old["approved_by_id"] != self.values["approved_by_id"]
        )


def _anchors(
    codes: Sequence[str],
    values: Sequence[EventValue],
    flags: frozenset[str] | None,
    unknown: frozenset[str] = frozenset(),
) -> str:
    """The facts a unit was computed from, as JSON text: stored as they are, and hashed to
    tell whether anything changed (written by hand: a million json.dumps cost seconds)."""
    parts = []
    for code, value in zip(codes, values, strict=True):
        if isinstance(value, date):
            parts.append(f'"{code}":"{value.isoformat()}"')
        elif value is None:
            parts.append(f'"{code}":null')
        else:
            parts.append(f'"{code}":"{value}"')
    if flags is not None:
        parts.append('"flags":[' + ",".join(f'"{f}"' for f in sorted(flags)) + "]")
    if unknown:
        parts.append('"not-recorded":[' + ",".join(f'"{f}"' for f in sorted(unknown)) + "]")
    return "{" + ",".join(parts) + "}"


def _flags(
    recorded: dict[str, bool] | None, needs: frozenset[str] | set[str]
) -> tuple[frozenset[str] | None, frozenset[str]]:
    """From the flags recorded for a unit (True: holds, False: known not to), those the rules
    read that hold, and those nobody recorded either way."""
    if not needs:
        return None, frozenset()
    recorded = recorded or {}
    holding = frozenset(f for f in needs if recorded.get(f))
    return holding, frozenset(f for f in needs if f not in recorded)


def _digest(text: str) -> str:
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


def _propose(
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
    note = pack.note(reckoning, service)
    values = {
        "kind": str(kind),
        "key": key,
        "controller_id": controller_id,
        "case_id": case_id,
        "person_id": person_id,
        "service": service,
        "pack_version_id": pack.version_id,
        "rule": reckoning.rule_code,
        "action": str(reckoning.action or ""),
        "basis": str(reckoning.basis),
        "keep_until": reckoning.keep_until,
        "anchors": anchors,
        "note": note[:300],
        "held_by": held_by[:300],
        "status": str(status),
        "approved_by_id": existing["approved_by_id"] if approved and existing else None,
        "approved_at": existing["approved_at"] if approved and existing else None,
        "approved_action": existing["approved_action"] if approved and existing else "",
        "computed_at": now,
        "revision": existing["revision"] if existing else 0,
        "digest": digest,
    }
    return Proposal(values, reckoning, existing)


def _existing(kinds: Sequence[str], scope: Scope) -> dict[tuple[str, int], dict[str, Any]]:
    rows = RetentionUnit.objects.filter(scope.q("key"), kind__in=list(kinds)).values(*EXISTING)
    return {(row["kind"], row["key"]): row for row in rows}


def _finished_but_changed(
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


# --- case files ---------------------------------------------------------------------------------

CASE_COLUMNS = (
    "pk",
    "person_id",
    "controller_id",
    "service",
    "opened_on",
    "closed_on",
    "created_on",
    "updated_on",
)


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
        # The ids as an array literal: far cheaper to send than a list psycopg adapts.
        cursor.execute(
            f"SELECT {names} FROM {connection.ops.quote_name(meta.db_table)} "  # noqa: S608 - names from the model
            f"WHERE {where} = ANY(%s::bigint[])",
            ["{" + ",".join(map(str, ids)) + "}"],
        )
        return cursor.fetchall()


def live_cases() -> models.QuerySet[Case]:
    """Cases whose case file has not been disposed of (an anonymised case stays as a row)."""
    disposed = RetentionUnit.objects.filter(
        kind=UnitKind.CASE_FILE, key=OuterRef("pk"), status__in=FINISHED
    )
    return Case.objects.exclude(Exists(disposed))


def _rows(
    model: type[models.Model], scope: Scope, read: rules.Needs, columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """The rows of `scope`, with the days they were recorded and changed where a rule needs
    them, in key order."""
    return list(
        model._default_manager.filter(scope.q("pk"))
        .annotate(
            created_on=_day("created_at", "record-created" in read.events),
            updated_on=_day("updated_at", "record-updated" in read.events),
        )
        .order_by("pk")
        .values_list(*columns)
    )


def _day(field: str, needed: bool) -> Any:
    """A timestamp as the day it fell on in the service's time zone, computed by the database
    (far cheaper than loading timestamps), or nothing when no rule reads it."""
    return TruncDate(field) if needed else Value(None, output_field=models.DateField())


def _case_extras(scope: Scope, needs: rules.Needs) -> dict[str, Any]:
    """The facts beyond the case's own columns, one grouped query per kind of fact."""
    extras: dict[str, Any] = {}
    if "order-ended" in needs.events:
        extras["orders"] = {
            row["case_id"]: (row["end"], row["running"])
            for row in Outcome.objects.filter(
                scope.q("case_id"), kind__in=sorted(Outcome.COURT_ORDERS)
            )
            .values("case_id")
            .annotate(end=Max("ends_on"), running=Count("pk", filter=Q(ends_on__isnull=True)))
        }
    if "case-last-contact" in needs.events:
        extras["contacts"] = dict(
            Contact.objects.filter(scope.q("case_id"))
            .values("case_id")
            .annotate(last=Max(TruncDate("occurred_at")))
            .values_list("case_id", "last")
        )
    if "record-updated" in needs.events:
        updated: dict[int, date] = {}
        for part in case_file_parts():
            if part.model is Case or not _has_field(part.model, "updated_at"):
                continue
            for key, last in (
                part.model._default_manager.filter(scope.q(part.to_key))
                .values(part.to_key)
                .annotate(last=Max(TruncDate("updated_at")))
                .values_list(part.to_key, "last")
            ):
                if key not in updated or last > updated[key]:
                    updated[key] = last
        extras["updated"] = updated
    return extras


def _people_of(rows: Sequence[tuple[Any, ...]], needs: rules.Needs) -> dict[str, Any]:
    """The facts about the people of a chunk of cases: date of birth, last contact, flags."""
    people = sorted({row[1] for row in rows})
    found: dict[str, Any] = {}
    if needs.events & {rules.DATE_OF_BIRTH, "last-contact"}:
        found["people"] = {
            pk: (born, last)
            for pk, born, last in by_ids(
                Person, "id", people, "id", "date_of_birth", "last_contact_on"
            )
        }
    if needs.flags:
        # A person's flags (no case) and each case's own facts.
        flags: dict[int, dict[str, bool]] = defaultdict(dict)
        facts: dict[int, dict[str, bool]] = defaultdict(dict)
        cases = [row[0] for row in rows]
        for person_id, case_id, flag, holds in by_ids(
            PersonFlag, "person", people, "person_id", "case_id", "flag", "holds"
        ):
            if case_id is None:
                flags[person_id][flag] = flags[person_id].get(flag, False) or holds
        for case_id, flag, holds in by_ids(PersonFlag, "case", cases, "case_id", "flag", "holds"):
            facts[case_id][flag] = facts[case_id].get(flag, False) or holds
        found["flags"] = flags
        found["facts"] = facts
    return found


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _case_events(row: tuple[Any, ...], extras: dict[str, Any], pack: PackRules) -> list[EventValue]:
    pk, person_id, _, service, opened_on, closed_on, created_on, updated_on = row
    born, last_contact = (
        extras["people"].get(person_id, (None, None)) if "people" in extras else (None, None)
    )
    events: list[EventValue] = []
    for code in pack.case_events:
        value: EventValue
        if code in (rules.DATE_OF_BIRTH, YOUNG_PERSON_BORN):
            # A case is about the young person: their birthday is the case's own.
            value = born
        elif code == "last-contact":
            value = last_contact
        elif code == "case-opened":
            value = opened_on
        elif code == "case-closed":
            value = closed_on or TO_COME
        elif code == "order-ended":
            # A running order, or an open case without one yet: to come. Closed without a
            # court order: it never ends, because it never was.
            end, running = extras["orders"].get(pk, (None, 0))
            value = TO_COME if running or (end is None and closed_on is None) else end or NEVER
        elif code == "case-last-contact":
            value = extras["contacts"].get(pk) if closed_on else TO_COME
        elif code == "record-created":
            value = created_on
        elif code == "record-updated":
            found = extras["updated"].get(pk)
            value = max(found, updated_on) if found else updated_on
        elif pack.pack_events.get(code) == "service":
            # Dated by the DPO (or the pack); until it is, the event is still to come.
            value = pack.service_dates.get(service, {}).get(code) or TO_COME
        else:
            value = None  # an event Safehold records no date for: missing
        events.append(value)
    return events


def _case_held(row: tuple[Any, ...], holds: Holds) -> str:
    pk, person_id, controller_id, service, closed_on = row[0], row[1], row[2], row[3], row[5]
    return (
        holds.cases.get(pk)
        or holds.people.get(person_id)
        or holds.services.get((controller_id, service))
        or holds.victim_cases.get(pk)
        or ("the case is open" if closed_on is None else "")
    )


def propose_case_files(
    scope: Scope,
    packs: Packs,
    holds: Holds,
    today: date,
    now: datetime,
    *,
    every: bool = False,
) -> list[Proposal]:
    """The case-file units of the cases in `scope` whose answer may have changed (`every`:
    all of them, as they now are)."""
    read = packs.needs(UnitKind.CASE_FILE)
    rows = _rows(Case, scope, read, CASE_COLUMNS)
    if not rows:
        return []
    existing = _existing([UnitKind.CASE_FILE], scope)
    reopened = _finished_but_changed(Case, existing, UnitKind.CASE_FILE)
    extras = {**_case_extras(scope, read), **_people_of(rows, read)}
    flags_of: dict[int, dict[str, bool]] | None = extras.get("flags")
    facts_of: dict[int, dict[str, bool]] = extras.get("facts", {})
    proposals: list[Proposal] = []
    for row in rows:
        pk, person_id, controller_id, service = row[0], row[1], row[2], row[3]
        old = existing.get((UnitKind.CASE_FILE, pk))
        if old is not None and old["status"] in FINISHED and pk not in reopened:
            continue
        pack = packs(controller_id)
        if pack is None:
            continue
        needs = pack.case_needs
        events = _case_events(row, extras, pack)
        recorded = None
        if flags_of is not None and needs.flags:
            # Recorded on the person or on this case: it holds if either record says so.
            recorded = dict(flags_of.get(person_id, {}))
            for flag, holding in facts_of.get(pk, {}).items():
                recorded[flag] = recorded.get(flag, False) or holding
        flags, unknown = _flags(recorded, needs.flags)
        held = _case_held(row, holds)
        anchors = _anchors(pack.case_events, events, flags, unknown)
        retain = old["retain_until"] if old else None
        reckoning, erased = holds.erasure(
            person_id, pack.case_file(service).values(events, flags or frozenset(), unknown)
        )
        digest = _digest(
            f"{pack.version_id}|{person_id}|{service}|{anchors}|{held}|{retain}{erased}"
        )
        if not every and old is not None and old["digest"] == digest and pk not in reopened:
            continue
        proposals.append(
            _propose(
                UnitKind.CASE_FILE,
                pk,
                controller_id=controller_id,
                case_id=pk,
                person_id=person_id,
                service=service,
                pack=pack,
                reckoning=reckoning,
                anchors=anchors,
                digest=digest,
                held_by=held,
                existing=old,
                today=today,
                now=now,
            )
        )
    return proposals


# --- people: their own record, and what is not part of a case file ------------------------------

PERSON_COLUMNS = (
    "pk",
    "controller_id",
    "date_of_birth",
    "last_contact_on",
    "created_on",
    "updated_on",
)


def _counts(qs: models.QuerySet[Any], column: str) -> dict[int, int]:
    return dict(qs.values(column).annotate(n=Count("pk")).values_list(column, "n"))


def _person_extras(scope: Scope, read: rules.Needs) -> dict[str, Any]:
    """What holds each person in `scope`, and their flags, in one grouped query each."""
    live = live_cases()
    live_other = live.filter(person_id=OuterRef("other_id"))
    flags: dict[int, dict[str, bool]] = defaultdict(dict)
    count: dict[int, int] = defaultdict(int)
    for person_id, flag, holds in PersonFlag.objects.filter(
        scope.q("person_id"), case__isnull=True
    ).values_list("person_id", "flag", "holds"):
        flags[person_id][flag] = flags[person_id].get(flag, False) or holds
        count[person_id] += 1
    return {
        "flags": flags,
        "flag_rows": count,
        **(_young_people_born(scope) if YOUNG_PERSON_BORN in read.events else {}),
        **(_case_files_disposed(scope) if CASE_FILES_DISPOSED in read.events else {}),
        "cases": _counts(live.filter(scope.q("person_id")), "person_id"),
        "victim": _counts(
            VictimLink.objects.filter(scope.q("victim_id"), offence__case__in=live), "victim_id"
        ),
        "named": _counts(Relationship.objects.filter(scope.q("other_id")), "other_id"),
        "relationships": _counts(Relationship.objects.filter(scope.q("person_id")), "person_id"),
        "family": _counts(
            Relationship.objects.filter(scope.q("person_id")).filter(Exists(live_other)),
            "person_id",
        ),
    }


def _young_people_born(scope: Scope) -> dict[str, Any]:
    """For each person, the latest date of birth of the young people (the people cases are
    about) their relationships name; missing where one of them has none recorded, so an
    unknown birthday never shortens the period."""
    young = Case.objects.filter(person_id=OuterRef("other_id"))
    found: dict[int, EventValue] = {}
    for person_id, born, unknown in (
        Relationship.objects.filter(scope.q("person_id"))
        .filter(Exists(young))
        .values("person_id")
        .annotate(
            born=Max("other__date_of_birth"),
            unknown=Count("pk", filter=Q(other__date_of_birth__isnull=True)),
        )
        .values_list("person_id", "born", "unknown")
    ):
        found[person_id] = None if unknown else born
    return {"young_born": found}


def _case_files_disposed(scope: Scope) -> dict[str, Any]:
    """For each person, the day the last case file their information belongs to (their own,
    and those of the people their relationships name) was disposed of. Two grouped queries:
    the relationships of the chunk, then the case-file units of everyone involved."""
    pairs = list(
        Relationship.objects.filter(scope.q("person_id")).values_list("person_id", "other_id")
    )
    own = RetentionUnit.objects.filter(scope.q("person_id"), kind=UnitKind.CASE_FILE)
    others = sorted({other for _, other in pairs})
    units = list(
        own.values("person_id")
        .annotate(
            n=Count("pk"),
            done=Count("pk", filter=Q(status__in=FINISHED)),
            last=Max("disposed_at"),
        )
        .values_list("person_id", "n", "done", "last")
    )
    with_units = {pk for pk, *_ in units}
    if others:
        units += list(
            RetentionUnit.objects.filter(among("person_id", others), kind=UnitKind.CASE_FILE)
            .values("person_id")
            .annotate(
                n=Count("pk"),
                done=Count("pk", filter=Q(status__in=FINISHED)),
                last=Max("disposed_at"),
            )
            .values_list("person_id", "n", "done", "last")
        )
    by_person = {pk: (n, done, local_date(last)) for pk, n, done, last in units}
    linked: dict[int, set[int]] = defaultdict(set)
    for person_id, other in pairs:
        linked[person_id].add(other)
    found: dict[int, tuple[int, int, date | None]] = {}
    for person_id in with_units | set(linked):
        total, done, last = 0, 0, None
        for pk in {person_id, *linked.get(person_id, ())}:
            n, d, day = by_person.get(pk, (0, 0, None))
            total, done = total + n, done + d
            if day is not None and (last is None or day > last):
                last = day
        found[person_id] = (total, done, last)
    return {"case_files": found}


def _disposed_value(found: tuple[int, int, date | None] | None, live: int) -> EventValue:
    """`case-files-disposed` for one person: to come while a case file it belongs to is
    kept (planned or not yet), the day the last went once all have; never if none."""
    if live:
        return TO_COME
    if found is None or not found[0]:
        return NEVER
    total, done, last = found
    return last if done == total and last is not None else TO_COME


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def propose_people(
    scope: Scope,
    packs: Packs,
    holds: Holds,
    today: date,
    now: datetime,
    *,
    every: bool = False,
) -> list[Proposal]:
    """The person and non-case-file units of the people in `scope` whose answer may have
    changed (`every`: all of them)."""
    read = packs.needs(UnitKind.PERSON)
    rows = _rows(Person, scope, read, PERSON_COLUMNS)
    if not rows:
        return []
    existing = _existing([UnitKind.PERSON, UnitKind.NON_CASE_FILE], scope)
    reopened = _finished_but_changed(Person, existing, UnitKind.PERSON)
    extras = _person_extras(scope, read)
    flags_of: dict[int, dict[str, bool]] = extras["flags"]
    proposals: list[Proposal] = []
    for pk, controller_id, born, last_contact, created_on, updated_on in rows:
        pack = packs(controller_id)
        if pack is None:
            continue
        needs = pack.person_needs
        cases = extras["cases"].get(pk, 0)
        known: dict[str, EventValue] = {
            rules.DATE_OF_BIRTH: born,
            "last-contact": last_contact,
            "record-created": created_on,
            "record-updated": updated_on,
        }
        if "young_born" in extras:
            # No young person among their relationships: the rule is not about them.
            known[YOUNG_PERSON_BORN] = extras["young_born"].get(pk, NEVER)
        if "case_files" in extras:
            live = cases + extras["family"].get(pk, 0)
            known[CASE_FILES_DISPOSED] = _disposed_value(extras["case_files"].get(pk), live)
        # No case or service event once no case holds them: those are missing.
        events = [known.get(code) for code in pack.person_events]
        flags, unknown = _flags(flags_of.get(pk), needs.flags)
        anchors = _anchors(pack.person_events, events, flags, unknown)
        unit_flags = flags or frozenset()
        own = extras["flag_rows"].get(pk, 0) + extras["relationships"].get(pk, 0)
        hold = holds.people.get(pk, "")

        # Information not part of a case file: their flags and relationships, while there
        # are any (a finished unit whose rows are back is open again).
        if own:
            family = extras["family"].get(pk, 0)
            held_nc = (
                hold
                or (f"read by {_plural(cases, 'case file')}" if cases else "")
                or (f"linked to {_plural(family, 'person')} with case files" if family else "")
            )
            old_nc = existing.get((UnitKind.NON_CASE_FILE, pk))
            retain = old_nc["retain_until"] if old_nc else None
            reckoning_nc, erased = holds.erasure(
                pk, pack.non_case_file.values(events, unit_flags, unknown)
            )
            digest = _digest(f"{pack.version_id}|{anchors}|{held_nc}|{retain}{erased}")
            # A finished unit whose rows are back is open again: its digest is rewritten.
            if (
                every
                or old_nc is None
                or old_nc["digest"] != digest
                or (old_nc["status"] in FINISHED)
            ):
                proposals.append(
                    _propose(
                        UnitKind.NON_CASE_FILE,
                        pk,
                        controller_id=controller_id,
                        case_id=None,
                        person_id=pk,
                        service="",
                        pack=pack,
                        reckoning=reckoning_nc,
                        anchors=anchors,
                        digest=digest,
                        held_by=held_nc,
                        existing=old_nc,
                        today=today,
                        now=now,
                    )
                )

        # The person's own record, held by anything that still needs them.
        old = existing.get((UnitKind.PERSON, pk))
        if old is not None and old["status"] in FINISHED and pk not in reopened:
            continue
        victim = extras["victim"].get(pk, 0)
        named = extras["named"].get(pk, 0)
        held = (
            hold
            or (f"held by {_plural(cases, 'case file')}" if cases else "")
            or (f"a victim in {_plural(victim, 'case file')}" if victim else "")
            or ("their flags and relationships are kept" if own else "")
            or (f"named in {_plural(named, 'relationship')} of other people" if named else "")
        )
        retain = old["retain_until"] if old else None
        reckoning, erased = holds.erasure(pk, pack.person.values(events, unit_flags, unknown))
        digest = _digest(f"{pack.version_id}|{anchors}|{held}|{retain}{erased}")
        if not every and old is not None and old["digest"] == digest and pk not in reopened:
            continue
        proposals.append(
            _propose(
                UnitKind.PERSON,
                pk,
                controller_id=controller_id,
                case_id=None,
                person_id=pk,
                service="",
                pack=pack,
                reckoning=reckoning,
                anchors=anchors,
                digest=digest,
                held_by=held,
                existing=old,
                today=today,
                now=now,
            )
        )
    return proposals


# --- writing ------------------------------------------------------------------------------------


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
        values = proposal.values
        for name in COLUMNS:
            value = values[name]
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
            for proposal in proposals:
                values = proposal.values
                copy.write_row([values[name] for name in COLUMNS])
    except (IntegrityError, psycopg.IntegrityError):
        return False
    return True


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
            for proposal in proposals:
                values = proposal.values
                copy.write_row([values[name] for name in COLUMNS])
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM retention_plan "  # noqa: S608
            f"{_on_conflict(table)}"
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE retention_plan")
    return written


# --- the whole plan -----------------------------------------------------------------------------


@dataclass
class PlanReport:
    case_files: int = 0
    people: int = 0
    written: int = 0
    skipped: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)


Progress = Callable[[str, int, int], None]
TABLES = (("case files", Case), ("people", Person))


def plan(
    *,
    chunk: int = CHUNK,
    progress: Progress | None = None,
    today: date | None = None,
    workers: int = 1,
) -> PlanReport:
    """Compute every unit: case files by case id range, then people by person id range; each
    chunk in its own short transaction, so a plan of a million units holds no lock for long.

    With `workers` > 1 (PostgreSQL only) the id ranges are shared among that many processes,
    each with its own connection; progress is then reported as each range finishes."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    report = PlanReport()
    if workers > 1 and connection.vendor == "postgresql":
        _plan_in_parallel(report, chunk, progress, today, workers)
    else:
        packs, holds = Packs(), Holds.load()
        for what, model in TABLES:
            total = model._default_manager.count()
            if progress:
                progress(what, 0, total)

            def tick(done: int, what: str = what, total: int = total) -> None:
                if progress:
                    progress(what, done, total)

            _plan_range(report, what, model, Q(), chunk, packs, holds, today, tick)
    report.written += fall_due(today)
    report.by_status = dict(
        RetentionUnit.objects.values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    report.seconds = time.perf_counter() - started
    return report


def _plan_range(
    report: PlanReport,
    what: str,
    model: type[models.Model],
    where: Q,
    chunk: int,
    packs: Packs,
    holds: Holds,
    today: date,
    tick: Callable[[int], None] | None = None,
) -> None:
    propose = propose_case_files if model is Case else propose_people
    done = 0
    for scope, ids in chunks(model, where, chunk):
        now = timezone.now()
        with transaction.atomic():
            written, skipped = write(propose(scope, packs, holds, today, now))
        report.written += written
        report.skipped += skipped
        done += len(ids)
        if model is Case:
            report.case_files += len(ids)
        else:
            report.people += len(ids)
        if tick:
            tick(done)


def _ranges(model: type[models.Model], parts: int) -> list[Q]:
    """Contiguous id ranges with about the same number of rows each."""
    total = model._default_manager.count()
    ordered = model._default_manager.order_by("pk").values_list("pk", flat=True)
    bounds = sorted({ordered[total * i // parts] for i in range(1, parts) if total * i // parts})
    lows, highs = [0, *bounds], [*bounds, None]
    return (
        [
            Q(pk__gt=low) & (Q(pk__lte=high) if high is not None else Q())
            for low, high in zip(lows, highs, strict=True)
        ]
        if total
        else []
    )


def _plan_task(what: str, where: Q, chunk: int, today: date) -> PlanReport:
    """One range, in a worker process: its own connection, packs and holds."""
    report = PlanReport()
    model = Case if what == "case files" else Person
    _plan_range(report, what, model, where, chunk, Packs(), Holds.load(), today)
    connection.close()
    return report


def _plan_in_parallel(
    report: PlanReport, chunk: int, progress: Progress | None, today: date, workers: int
) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from django.db import connections

    tasks = [
        (what, where, model._default_manager.filter(where).count())
        for what, model in TABLES
        for where in _ranges(model, workers * 4)
    ]
    totals = {what: sum(n for w, _, n in tasks if w == what) for what, _ in TABLES}
    done = dict.fromkeys(totals, 0)
    if progress:
        for what, total in totals.items():
            progress(what, 0, total)
    connections.close_all()  # each worker opens its own
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            pool.submit(_plan_task, what, where, chunk, today): (what, n)
            for what, where, n in tasks
        }
        for future in as_completed(futures):
            part = future.result()
            what, n = futures[future]
            for name in ("case_files", "people", "written", "skipped"):
                setattr(report, name, getattr(report, name) + getattr(part, name))
            done[what] += n
            if progress:
                progress(what, done[what], totals[what])


def fall_due(today: date) -> int:
    """Units whose date has come since they were computed (nothing else about them changed,
    so the plan skipped them): due now, unless held or kept longer. One UPDATE."""
    return (
        RetentionUnit.objects.filter(
            status=UnitStatus.ACTIVE, basis=Basis.DATED, keep_until__lte=today, held_by=""
        )
        .filter(Q(retain_until__isnull=True) | Q(retain_until__lte=today))
        .update(status=UnitStatus.DUE, revision=F("revision") + 1)
    )


def recompute(case_ids: Iterable[int] = (), person_ids: Iterable[int] = ()) -> int:
    """Recompute the units of these cases and people now (the write hooks); units written."""
    cases = tuple(sorted(set(case_ids)))
    people = set(person_ids)
    if cases:
        people.update(Case.objects.filter(among("id", cases)).values_list("person_id", flat=True))
        people.update(
            VictimLink.objects.filter(among("offence__case_id", cases)).values_list(
                "victim_id", flat=True
            )
        )
    today, now = timezone.localdate(), timezone.now()
    packs = Packs()
    holds = Holds.load(people=people, cases=cases)
    proposals: list[Proposal] = []
    if cases:
        proposals += propose_case_files(Scope(ids=cases), packs, holds, today, now, every=True)
    if people:
        scope = Scope(ids=tuple(sorted(people)))
        proposals += propose_people(scope, packs, holds, today, now, every=True)
    return write(proposals)[0]
