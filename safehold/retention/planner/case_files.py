"""Case-file units: the facts of a chunk of cases (orders, contacts, the records' last change,
the young person's birthday and flags), reckoned by the controller's rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate

from safehold.records.models import (
    Case,
    Contact,
    Outcome,
    Person,
    PersonFlag,
)
from safehold.retention import rules
from safehold.retention.models import (
    FINISHED,
    UnitKind,
)
from safehold.retention.planner.holds import Holds
from safehold.retention.planner.packs import PackRules, Packs
from safehold.retention.planner.proposals import (
    FlagSplitter,
    Proposal,
    anchors_text,
    digest_of,
    existing_units,
    finished_but_changed,
    propose,
    recorded_items,
    split_flags,
)
from safehold.retention.planner.rows import (
    Scope,
    by_ids,
    has_field,
    person_events,
    rows_of,
)
from safehold.retention.rules import (
    NEVER,
    TO_COME,
    EventValue,
)
from safehold.retention.units import case_file_parts
from safehold.sharing.models import RecordedEvent

# The latest date of birth of the young people a person's relationships name.
YOUNG_PERSON_BORN = rules.birth_event("young-person")


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


def _case_extras(
    scope: Scope, needs: rules.Needs, recorded: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The facts beyond the case's own columns, one grouped query per kind of fact
    (`recorded`: the pack's events of a case whose dates staff record)."""
    extras: dict[str, Any] = {}
    if recorded:
        extras["case_recorded"] = {
            (case_id, event): on
            for case_id, event, on in RecordedEvent.objects.filter(
                scope.q("case_id"), event__in=sorted(recorded)
            ).values_list("case_id", "event", "on")
        }
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
            if part.model is Case or not has_field(part.model, "updated_at"):
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


def _people_of(
    rows: Sequence[tuple[Any, ...]], needs: rules.Needs, recorded: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The facts about the people of a chunk of cases: date of birth, last contact, flags,
    and the dates of their own events (`recorded`, the pack's events of a person)."""
    people = sorted({row[1] for row in rows})
    found: dict[str, Any] = {}
    if recorded:
        found["person_recorded"] = person_events(people, recorded)
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
        # As sorted tuples: a few shapes for all, remembered by `FlagSplitter`.
        found["flags"] = {pk: recorded_items(f) for pk, f in flags.items()}
        found["facts"] = {pk: recorded_items(f) for pk, f in facts.items()}
    return found


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
        elif pack.pack_events.get(code) == "case":
            # Recorded by staff on the case; until it is, still to come.
            value = extras.get("case_recorded", {}).get((pk, code)) or TO_COME
        elif pack.pack_events.get(code) == "person":
            value = extras.get("person_recorded", {}).get((person_id, code)) or TO_COME
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


@dataclass
class CaseFacts:
    """What a chunk of case files is reckoned from, as read from the database: the cases'
    rows, their stored units, those finished but written to since, and the other facts."""

    rows: list[tuple[Any, ...]]
    existing: dict[tuple[str, int], dict[str, Any]]
    reopened: set[int]
    extras: dict[str, Any]


def read_case_files(
    scope: Scope, read: rules.Needs, recorded: dict[str, frozenset[str]] | None = None
) -> CaseFacts | None:
    """The facts of the cases in `scope` (None: there are none); `recorded`: the events
    staff record, by what they are of (`Packs.recorded`). Only reads: the plan reads the next
    chunk while it reckons this one (`run._plan_range`)."""
    rows = rows_of(Case, scope, read, CASE_COLUMNS)
    if not rows:
        return None
    existing = existing_units([UnitKind.CASE_FILE], scope)
    reopened = finished_but_changed(Case, existing, UnitKind.CASE_FILE)
    recorded = recorded or {}
    extras = {
        **_case_extras(scope, read, recorded.get("case", frozenset())),
        **_people_of(rows, read, recorded.get("person", frozenset())),
    }
    return CaseFacts(rows, existing, reopened, extras)


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
    found = read_case_files(scope, read, packs.recorded(read))
    return reckon_case_files(found, packs, holds, today, now, every=every) if found else []


def reckon_case_files(
    found: CaseFacts,
    packs: Packs,
    holds: Holds,
    today: date,
    now: datetime,
    *,
    every: bool = False,
) -> list[Proposal]:
    """`propose_case_files` from facts already read: no query but the packs'."""
    rows, existing, reopened, extras = found.rows, found.existing, found.reopened, found.extras
    flags_of: dict[int, tuple[tuple[str, bool], ...]] | None = extras.get("flags")
    facts_of: dict[int, tuple[tuple[str, bool], ...]] = extras.get("facts", {})
    split = FlagSplitter()
    # Most chunks hold no hold at all: then only whether the case is open is asked.
    any_hold = bool(holds.cases or holds.people or holds.services or holds.victim_cases)
    erased = holds.erased
    proposals: list[Proposal] = []
    kind = UnitKind.CASE_FILE
    # A first plan has no stored unit; a chunk's cases are mostly one controller's.
    stored = existing.get if existing else None
    last: tuple[int, PackRules | None] | None = None
    for row in rows:
        pk, person_id, controller_id, service = row[0], row[1], row[2], row[3]
        old = stored((kind, pk)) if stored is not None else None
        if old is not None and old["status"] in FINISHED and pk not in reopened:
            continue
        if last is None or last[0] != controller_id:
            last = (controller_id, packs(controller_id))
        pack = last[1]
        if pack is None:
            continue
        needs = pack.case_needs
        events = _case_events(row, extras, pack)
        if flags_of is not None and needs.flags:
            # Recorded on the person or on this case: it holds if either record says so.
            flags, unknown = split(needs.flags, flags_of.get(person_id), facts_of.get(pk))
        else:
            flags, unknown = split_flags(None, needs.flags)
        held = (
            _case_held(row, holds) if any_hold else ("the case is open" if row[5] is None else "")
        )
        anchors = anchors_text(pack.case_events, events, flags, unknown)
        retain = old["retain_until"] if old else None
        reckoning = pack.case_file(service).values(events, flags or frozenset(), unknown)
        mark = ""
        if erased:
            reckoning, mark = holds.erasure(person_id, reckoning)
        digest = digest_of(
            f"{pack.version_id}|{person_id}|{service}|{anchors}|{held}|{retain}{mark}"
        )
        if not every and old is not None and old["digest"] == digest and pk not in reopened:
            continue
        proposals.append(
            propose(
                kind,
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
