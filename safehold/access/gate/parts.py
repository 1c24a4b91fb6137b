"""Records that belong to a person or a plan rather than directly to a case: a person's flag,
a relationship, a plan's action, a victim's link to an offence of the case, and the facts recorded about one case. Read one at a time
for its edit page, through the case it is reached by, redacted at that case's distance and
audited as a read, as `Gate.record` does for the records of a case.

A fact about a case (`PersonFlag` with `case`) is recorded as holding, as known not to hold,
or not at all (unknown, docs/adr/0016); `case_facts` shows each of the pack's flags in one of
those three states for one case, and is audited as a list. `case_events` does the same for
the dates of the events the pack declares for a person or a case (`sharing.RecordedEvent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from safehold.access.gate.reading import Reading
from safehold.access.gate.values import Shown, ShownCase, Withheld
from safehold.audit.models import Action
from safehold.records.models import PersonFlag, PlanAction, Relationship, VictimLink
from safehold.sharing.models import RecordedEvent

MODELS = {
    "personflag": PersonFlag,
    "relationship": Relationship,
    "planaction": PlanAction,
    "victimlink": VictimLink,
}


def _rows(record: str, shown: ShownCase, *, plan_id: int | None = None) -> Q:
    """Which rows of a record this case reaches: the person's own flags (not another case's
    facts), the relationships they are part of, the actions of a plan of this case."""
    if record == "personflag":
        return Q(person_id=shown.person_id, case__isnull=True)
    if record == "relationship":
        return Q(person_id=shown.person_id) | Q(other_id=shown.person_id)
    if record == "victimlink":
        return Q(offence__case_id=shown.case_id)  # the victims of this case's offences
    return Q(plan__case_id=shown.case_id, plan_id=plan_id)


@dataclass(frozen=True)
class Fact:
    """One of the pack's flags for one case: recorded as holding (True), as not holding
    (False), or not recorded (None: unknown); `person` if the person's own flag holds."""

    code: str
    name: str
    of: str
    holds: bool | None
    pk: int | None
    version: int | None
    person: bool | None  # the person's own flag, recorded as holding (True) or not (False)


@dataclass(frozen=True)
class EventDate:
    """One of the pack's events of a person or a case, for one case: the date recorded (None:
    not recorded), with the row's id and version for a checked change."""

    code: str
    name: str
    of: str  # person or case
    on: date | None
    pk: int | None
    version: int | None


class Parts(Reading):
    """A person's flags and relationships, a plan's actions, and the facts of a case."""

    def part(
        self, shown: ShownCase, record: str, pk: int, *, plan_id: int | None = None
    ) -> Shown | None:
        """One record reached through a case already passed by the gate, shown and audited; None
        if the case reaches no such record."""
        model = MODELS[record]
        obj = model._default_manager.filter(_rows(record, shown, plan_id=plan_id), pk=pk).first()
        if obj is None:
            return None
        found = self.show(record, obj, self._reading_distance(shown))
        self._audit(
            Action.READ,
            [(found, found.categories)],
            case_id=shown.case_id,
            person_id=shown.person_id,
            record=record,
        )
        return found

    def part_to_write(
        self, record: str, shown: ShownCase, pk: int
    ) -> PersonFlag | Relationship | PlanAction | VictimLink:
        """The row to write, as reached through the case (the caller has the case to write)."""
        model = MODELS[record]
        plan_id = None
        if record == "planaction":
            plan_id = model._default_manager.filter(pk=pk).values_list("plan_id", flat=True).first()
        found = model._default_manager.get(_rows(record, shown, plan_id=plan_id), pk=pk)
        assert isinstance(found, PersonFlag | Relationship | PlanAction | VictimLink)
        return found

    def case_facts(self, shown: ShownCase) -> list[Fact] | Withheld:
        """Each flag of the pack as recorded for this case (one query), or Withheld with the
        rule where the role may not read flags at this case's distance; audited as a list."""
        distance = self._reading_distance(shown)
        redaction = dict(self._redaction("personflag", distance, "read").fields)
        withheld = redaction.get("flag") or redaction.get("holds")
        if withheld is not None:
            return withheld
        rows = list(
            PersonFlag.objects.filter(
                Q(case_id=shown.case_id) | Q(case__isnull=True), person_id=shown.person_id
            ).order_by("pk")
        )
        on_case = {r.flag: r for r in rows if r.case_id is not None}
        own = {r.flag: r.holds for r in rows if r.case_id is None}
        facts = []
        for flag in self.policy.pack.flags:
            row = on_case.get(flag.code)
            facts.append(
                Fact(
                    flag.code,
                    flag.name,
                    flag.of,
                    None if row is None else row.holds,
                    None if row is None else row.pk,
                    None if row is None else row.version,
                    own.get(flag.code),
                )
            )
        shown_rows = [self.show("personflag", r, distance) for r in rows]
        self._audit(
            Action.LIST,
            [(s, s.categories) for s in shown_rows],
            case_id=shown.case_id,
            person_id=shown.person_id,
            record="personflag",
        )
        return facts

    def case_events(self, shown: ShownCase) -> list[EventDate] | Withheld:
        """Each event the pack declares of a person or a case, with its date as recorded for
        this case and its person (one query), or Withheld with the rule where the role may not
        read them at this case's distance; audited as a list."""
        declared = [e for e in self.policy.pack.events if e.of in ("person", "case")]
        if not declared:
            return []  # nothing to record, nothing read
        distance = self._reading_distance(shown)
        redaction = dict(self._redaction("recordedevent", distance, "read").fields)
        withheld = redaction.get("event") or redaction.get("on")
        if withheld is not None:
            return withheld
        rows = list(
            RecordedEvent.objects.for_case(shown.person_id, shown.case_id)
            .filter(event__in=[e.code for e in declared])
            .order_by("pk")
        )
        # A person's event is one row for all their cases; a case's, one row on the case.
        found = {(r.case_id is None, r.event): r for r in rows}
        events = []
        for event in declared:
            row = found.get((event.of == "person", event.code))
            events.append(
                EventDate(
                    event.code,
                    event.name,
                    event.of,
                    None if row is None else row.on,
                    None if row is None else row.pk,
                    None if row is None else row.version,
                )
            )
        if rows:
            shown_rows = [self.show("recordedevent", r, distance) for r in rows]
            self._audit(
                Action.LIST,
                [(s, s.categories) for s in shown_rows],
                case_id=shown.case_id,
                person_id=shown.person_id,
                record="recordedevent",
            )
        return events
