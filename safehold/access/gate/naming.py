"""Naming: names and references for pages that list people by their records: the DPO's retention
queue and legal holds, the break-glass banner. A page used to print "person 316" or "case 173"
there; a person would rather read "Amelia Hughes (P316)".

The name is personal data, so it is read through the gate like any other field: at the
nearest distance of a case of that person the member of staff may read (a case under
break-glass as if allocated), or, for the data protection officer, at the controller's
distance for anyone the controller holds (as `Gate.audit_trail` does). What is shown is
redacted by category and audited as a list, one entry per person in one batch; the whole
list costs three queries, whatever its length. Where the name may not be read, or the
person is no longer held (disposed of), only the reference is shown: `P316`, `C173`, the
references staff quote and the search box takes (`records.search`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from safehold.access.gate.batching import append
from safehold.access.gate.reading import Reading
from safehold.access.gate.values import Withheld
from safehold.access.policy import Distance
from safehold.audit.models import Action
from safehold.records.models import Person
from safehold.records.search import case_reference, person_reference

NAME_FIELDS = ("preferred_name", "given_name", "family_name")


@dataclass(frozen=True)
class Named:
    """What to call a person (or a case, by its person) on a list."""

    reference: str
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.reference})" if self.name else self.reference

    def __str__(self) -> str:
        return self.label


@dataclass
class Names:
    people: dict[int, str] = field(default_factory=dict)  # person id -> name as shown
    case_people: dict[int, int] = field(default_factory=dict)  # case id -> person id

    def person(self, person_id: int | None) -> Named:
        if person_id is None:
            return Named("")
        return Named(person_reference(person_id), self.people.get(person_id, ""))

    def case(self, case_id: int | None) -> Named:
        """A case by its reference, with its person's name."""
        if case_id is None:
            return Named("")
        person_id = self.case_people.get(case_id)
        name = self.people.get(person_id, "") if person_id is not None else ""
        return Named(case_reference(case_id), name)


def name_of(values: dict[str, object]) -> str:
    """Preferred (or given) name and family name, as far as they were shown."""
    given = values.get("preferred_name") or values.get("given_name")
    if not given or isinstance(given, Withheld):
        given = values.get("given_name")
    family = values.get("family_name")
    return " ".join(str(v) for v in (given, family) if v and not isinstance(v, Withheld))


class Naming(Reading):
    """What to call people on lists that name them, read through the gate as a list."""

    def read_names(
        self,
        *,
        people: Iterable[int | None] = (),
        cases: Iterable[int | None] = (),
        action: str = Action.LIST,
    ) -> Names:
        """The names of these people and of the people of these cases, as this member of staff
        may read them, audited as a list (one entry per person named, one batch)."""
        person_ids = {pk for pk in people if pk is not None}
        case_ids = {pk for pk in cases if pk is not None}
        names = Names()
        if not person_ids and not case_ids:
            return names
        glass = set(self.glass_reasons)
        # The case's person, through the cases this member of staff may see (a case of another
        # controller, or out of reach, is named by its reference only).
        nearest: dict[int, tuple[Distance, int | None, str]] = {}
        rows = []
        if case_ids:
            rows += list(
                self.cases()
                .filter(pk__in=case_ids)
                .values_list("pk", "person_id", "gate_distance", "service")  # type: ignore[misc]
            )
        if person_ids:
            rows += list(
                self.cases()
                .filter(person_id__in=person_ids)
                .values_list("pk", "person_id", "gate_distance", "service")  # type: ignore[misc]
            )
        for case_id, person_id, distance, service in rows:
            if case_id in case_ids:
                names.case_people[case_id] = person_id
            seen = Distance.ALLOCATED if case_id in glass else Distance(distance)
            if person_id not in nearest or seen < nearest[person_id][0]:
                nearest[person_id] = (seen, case_id, service)
        if self.is_dpo:
            # The DPO answers for everyone the controller holds, with a case or without.
            for pk in person_ids - set(nearest):
                nearest[pk] = (Distance.CONTROLLER, None, "")
        readable = {pk: where for pk, where in nearest.items() if where[0] != Distance.NONE}
        if not readable:
            return names
        entries = []
        controller_id = self.user.controller_id
        assert controller_id is not None  # a gate is only ever for staff of a controller
        for person in Person.objects.filter(pk__in=readable, controller_id=controller_id):
            distance, case_id, service = readable[person.pk]
            shown = self.show("person", person, distance)
            values = {n: shown.values[n] for n in NAME_FIELDS if n in shown.values}
            name = name_of(values)
            if not name:
                continue
            names.people[person.pk] = name
            categories = {
                c
                for n, v in values.items()
                if v and not isinstance(v, Withheld) and (c := self.policy.category("person", n))
            }
            under_glass = case_id in glass and distance == Distance.ALLOCATED
            rule = (
                f"{self.policy.label}: role '{self.role}' manages the policy; reads names at "
                "controller distance"
                if case_id is None
                else f"{self.policy.label}: break-glass access by role '{self.role}'"
                if under_glass
                else f"{self.policy.label}: role '{self.role}' reads at "
                f"{distance.name.lower()} distance"
            )
            entries.append(
                self._entry(
                    action,
                    rule,
                    categories,
                    case_id=case_id,
                    person_id=person.pk,
                    record="person",
                    record_id=person.pk,
                    reason=self.glass_reasons.get(case_id, "") if under_glass and case_id else "",
                    service=service,
                )
            )
        append(entries)
        return names
