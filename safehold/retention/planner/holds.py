"""What suspends disposal right now: legal holds and open rights requests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from safehold.records.models import (
    VictimLink,
)
from safehold.retention.lookups import among
from safehold.retention.models import (
    LegalHold,
)
from safehold.rights.models import RightsRequest


@dataclass
class Holds:
    """What suspends disposal right now: legal holds and open rights requests."""

    cases: dict[int, str] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)
    services: dict[tuple[int, str], str] = field(default_factory=dict)
    victim_cases: dict[int, str] = field(default_factory=dict)

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
        if holds.people:
            # A person's hold covers the case files they are a victim in, too.
            for case_id, victim_id in VictimLink.objects.filter(
                among("victim_id", list(holds.people))
            ).values_list("offence__case_id", "victim_id"):
                holds.victim_cases.setdefault(case_id, f"{holds.people[victim_id]} (a victim)")
        return holds
