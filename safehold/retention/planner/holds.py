"""What suspends disposal right now: legal holds and open rights requests; and what an
accepted erasure request makes due (docs/adr/0021)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from safehold.policy.schema import Action, RetentionRule
from safehold.records.models import (
    VictimLink,
)
from safehold.retention.lookups import among
from safehold.retention.models import (
    LegalHold,
)
from safehold.retention.rules import Basis, Reckoning
from safehold.rights.models import RightsRequest

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


@dataclass
class Holds:
    """What suspends disposal right now: legal holds and open rights requests; and what an
    accepted erasure request makes due (docs/adr/0021)."""

    cases: dict[int, str] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)
    services: dict[tuple[int, str], str] = field(default_factory=dict)
    victim_cases: dict[int, str] = field(default_factory=dict)
    # Accepted erasure requests: person id -> (request id, the day it was decided). What the
    # person's own units hold becomes due that day, to be destroyed.
    erased: dict[int, tuple[int, date]] = field(default_factory=dict)

    def erasure(self, person_id: int, reckoning: Reckoning) -> tuple[Reckoning, str]:
        """The reckoning an accepted erasure gives, and a mark for the unit's digest."""
        found = self.erased.get(person_id)
        if found is None:
            return reckoning, ""
        request_id, decided = found
        return (
            Reckoning(Basis.DATED, decided, ERASURE_RULE, reason=f"request {request_id}"),
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
