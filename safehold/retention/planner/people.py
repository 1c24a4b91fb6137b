"""Person and not-part-of-a-case-file units: what still holds each person (cases, victim
links, relationships, flags), and the facts their rules read."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models
from django.db.models import Count, Exists, Max, OuterRef, Q

from safehold.records.models import (
    Case,
    Person,
    PersonFlag,
    Relationship,
    VictimLink,
)
from safehold.retention import rules
from safehold.retention.lookups import among
from safehold.retention.models import (
    FINISHED,
    RetentionUnit,
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
)
from safehold.retention.planner.rows import (
    Scope,
    live_cases,
    person_events,
    rows_of,
)
from safehold.retention.rules import (
    CASE_FILES_DISPOSED,
    NEVER,
    TO_COME,
    EventValue,
)
from safehold.retention.units import local_date

# The latest date of birth of the young people a person's relationships name.
YOUNG_PERSON_BORN = rules.birth_event("young-person")


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
        "flags": {pk: recorded_items(f) for pk, f in flags.items()},
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
    found = read_people(scope, read, packs.recorded(read)["person"])
    return reckon_people(found, packs, holds, today, now, every=every) if found else []


@dataclass
class PeopleFacts:
    """What a chunk of people is reckoned from, as read from the database."""

    rows: list[tuple[Any, ...]]
    existing: dict[tuple[str, int], dict[str, Any]]
    reopened: set[int]
    extras: dict[str, Any]
    # The pack's events of a person whose dates staff record, and those recorded.
    own_events: frozenset[str]
    recorded: dict[tuple[int, str], date]


def read_people(
    scope: Scope, read: rules.Needs, recorded: frozenset[str] | None = None
) -> PeopleFacts | None:
    """The facts of the people in `scope` (None: there are none); `recorded`: the pack's
    events of a person whose dates staff record (`Packs.recorded`). Only reads: the plan
    reads the next chunk while it reckons this one (`run._plan_range`)."""
    rows = rows_of(Person, scope, read, PERSON_COLUMNS)
    if not rows:
        return None
    existing = existing_units([UnitKind.PERSON, UnitKind.NON_CASE_FILE], scope)
    reopened = finished_but_changed(Person, existing, UnitKind.PERSON)
    own_events = recorded or frozenset()
    dates = person_events([row[0] for row in rows], own_events) if own_events else {}
    return PeopleFacts(rows, existing, reopened, _person_extras(scope, read), own_events, dates)


def reckon_people(
    found: PeopleFacts,
    packs: Packs,
    holds: Holds,
    today: date,
    now: datetime,
    *,
    every: bool = False,
) -> list[Proposal]:
    """`propose_people` from facts already read: no query but the packs'."""
    rows, existing, reopened, extras = found.rows, found.existing, found.reopened, found.extras
    own_events, recorded = found.own_events, found.recorded
    flags_of: dict[int, tuple[tuple[str, bool], ...]] = extras["flags"]
    # Each fact's table once, not looked up in `extras` per person.
    cases_of, family_of = extras["cases"], extras["family"]
    flag_rows, relationships = extras["flag_rows"], extras["relationships"]
    victim_of, named_of = extras["victim"], extras["named"]
    young_born: dict[int, EventValue] | None = extras.get("young_born")
    case_files: dict[int, tuple[int, int, date | None]] | None = extras.get("case_files")
    split = FlagSplitter()
    erased = holds.erased
    held_people = holds.people
    proposals: list[Proposal] = []
    last: tuple[int, PackRules | None] | None = None  # a chunk is mostly one controller's
    stored = existing.get if existing else None  # a first plan has no stored unit
    for pk, controller_id, born, last_contact, created_on, updated_on in rows:
        if last is None or last[0] != controller_id:
            last = (controller_id, packs(controller_id))
        pack = last[1]
        if pack is None:
            continue
        needs = pack.person_needs
        cases = cases_of.get(pk, 0)
        # No case or service event once no case holds them: those are missing.
        events: list[EventValue] = []
        for code in pack.person_events:
            value: EventValue = None
            if code in own_events:
                # Their own events, recorded by staff; until one is, still to come.
                value = recorded.get((pk, code)) or TO_COME
            elif code == "record-updated":
                value = updated_on
            elif code == rules.DATE_OF_BIRTH:
                value = born
            elif code == "last-contact":
                value = last_contact
            elif code == "record-created":
                value = created_on
            elif code == YOUNG_PERSON_BORN and young_born is not None:
                # No young person among their relationships: the rule is not about them.
                value = young_born.get(pk, NEVER)
            elif code == CASE_FILES_DISPOSED and case_files is not None:
                live = cases + family_of.get(pk, 0)
                value = _disposed_value(case_files.get(pk), live)
            events.append(value)
        flags, unknown = split(needs.flags, flags_of.get(pk))
        anchors = anchors_text(pack.person_events, events, flags, unknown)
        unit_flags = flags or frozenset()
        own = flag_rows.get(pk, 0) + relationships.get(pk, 0)
        hold = held_people.get(pk, "")

        # Information not part of a case file: their flags and relationships, while there
        # are any (a finished unit whose rows are back is open again).
        if own:
            family = family_of.get(pk, 0)
            held_nc = (
                hold
                or (f"read by {_plural(cases, 'case file')}" if cases else "")
                or (f"linked to {_plural(family, 'person')} with case files" if family else "")
            )
            old_nc = stored((UnitKind.NON_CASE_FILE, pk)) if stored is not None else None
            retain = old_nc["retain_until"] if old_nc else None
            reckoning_nc, mark = pack.non_case_file.values(events, unit_flags, unknown), ""
            if erased:
                reckoning_nc, mark = holds.erasure(pk, reckoning_nc)
            digest = digest_of(f"{pack.version_id}|{anchors}|{held_nc}|{retain}{mark}")
            # A finished unit whose rows are back is open again: its digest is rewritten.
            if (
                every
                or old_nc is None
                or old_nc["digest"] != digest
                or (old_nc["status"] in FINISHED)
            ):
                proposals.append(
                    propose(
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
        old = stored((UnitKind.PERSON, pk)) if stored is not None else None
        if old is not None and old["status"] in FINISHED and pk not in reopened:
            continue
        victim = victim_of.get(pk, 0)
        named = named_of.get(pk, 0)
        held = (
            hold
            or (f"held by {_plural(cases, 'case file')}" if cases else "")
            or (f"a victim in {_plural(victim, 'case file')}" if victim else "")
            or ("their flags and relationships are kept" if own else "")
            or (f"named in {_plural(named, 'relationship')} of other people" if named else "")
        )
        retain = old["retain_until"] if old else None
        reckoning, mark = pack.person.values(events, unit_flags, unknown), ""
        if erased:
            reckoning, mark = holds.erasure(pk, reckoning)
        digest = digest_of(f"{pack.version_id}|{anchors}|{held}|{retain}{mark}")
        if not every and old is not None and old["digest"] == digest and pk not in reopened:
            continue
        proposals.append(
            propose(
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
