"""A small world per shipped pack for retention: its controller, a team, the DPO, and
builders for people, cases and their records with the dates the worked examples need."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path

import pytest
import yaml

from safehold.access.models import Team, User
from safehold.policy import selectors
from safehold.policy.models import Controller, PackVersion
from safehold.policy.schema import Pack
from safehold.policy.services import load_pack
from safehold.records.models import (
    Assessment,
    Case,
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
from safehold.retention import planner, services
from safehold.retention.models import RetentionUnit, UnitKind
from tests.audit.dba import erase_log
from tests.builders import PACKS

_names = count(1)


@dataclass
class Place:
    pack: Pack
    version_id: int
    controller: Controller
    team: Team
    dpo: User

    def person(self, born: date | None = date(2008, 5, 1), **values: object) -> Person:
        fields: dict[str, object] = {
            "given_name": "Sam",
            "family_name": f"Example{next(_names)}",
            "date_of_birth": born,
            "address": "1 High Street",
            "postcode": "CB1 1AA",
            "health_needs": "Asthma",
        }
        fields.update(values)
        return Person.objects.create(
            controller=self.controller, pack_version_id=self.version_id, **fields
        )

    def case(
        self,
        person: Person | None = None,
        *,
        service: str | None = None,
        opened_on: date = date(2023, 1, 9),
        closed_on: date | None = None,
        recorded: bool = True,
        **values: object,
    ) -> Case:
        """A case; with `recorded`, every flag of the pack is recorded on the case as not
        holding (as its assessment would), so no fact is unknown unless a test says so. A
        flag recorded on the person holds for every case (`flag`)."""
        person = person or self.person()
        case = Case.objects.create(
            person=person,
            controller=self.controller,
            service=service or self.pack.services[0].code,
            team=self.team,
            opened_on=opened_on,
            closed_on=closed_on,
            pack_version_id=self.version_id,
            **values,
        )
        if recorded:
            PersonFlag.objects.bulk_create(
                PersonFlag(person=person, case=case, flag=flag.code, holds=False)
                for flag in self.pack.flags
            )
        return case

    def flag(self, person: Person, code: str, *, holds: bool = True) -> PersonFlag:
        found, _ = PersonFlag.objects.update_or_create(
            person=person,
            case=None,
            flag=code,
            defaults={"holds": holds, "started_on": date(2015, 1, 1)},
        )
        return found

    def outcome(self, case: Case, kind: str, starts_on: date, ends_on: date | None) -> Outcome:
        return Outcome.objects.create(
            case=case,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            pack_version_id=self.version_id,
        )

    def full_case(self, person: Person | None = None, **values: object) -> Case:
        """A case with one record of every type, a victim and a plan action."""
        case = self.case(person, **values)
        v = self.version_id
        Contact.objects.create(
            case=case,
            kind="office",
            occurred_at=datetime(2023, 2, 1, 10, tzinfo=UTC),
            notes="Seen at the office",
            pack_version_id=v,
        )
        Assessment.objects.create(
            case=case,
            kind="assetplus",
            summary="Low risk",
            health_findings="None",
            pack_version_id=v,
        )
        plan = Plan.objects.create(
            case=case,
            kind="intervention",
            starts_on=date(2023, 2, 1),
            summary="Agreed",
            pack_version_id=v,
        )
        PlanAction.objects.create(plan=plan, description="Attend sessions")
        offence = Offence.objects.create(
            case=case, description="Theft from a shop", pack_version_id=v
        )
        VictimLink.objects.create(offence=offence, victim=self.person(born=date(1970, 1, 1)))
        self.outcome(case, "referral-order", date(2023, 3, 1), date(2023, 12, 1))
        Report.objects.create(case=case, kind="psr", body="Report", pack_version_id=v)
        return case

    def relate(self, person: Person, other: Person, kind: str = "parent") -> Relationship:
        return Relationship.objects.create(person=person, other=other, kind=kind)

    def staff(self, role: str) -> User:
        user = User.objects.create(
            username=f"{role}-{next(_names)}", role=role, controller=self.controller
        )
        user.teams.add(self.team)
        return user


LONG_AGO_BORN = date(1990, 5, 1)
LONG_AGO_CLOSED = date(2014, 3, 31)


def due_case(place: Place, **values: object) -> Case:
    """A full case file, long due: born 1 May 1990 (the 25th birthday is past), closed."""
    person = values.pop("person", None) or place.person(born=LONG_AGO_BORN)
    return place.full_case(person, closed_on=LONG_AGO_CLOSED, **values)  # type: ignore[arg-type]


def approve_all(place: Place, action: str = "") -> int:
    planner.plan()
    return services.approve(
        RetentionUnit.objects.due().values_list("pk", flat=True), place.dpo, action=action
    )


def rows_of(case_id: int) -> dict[str, int]:
    return {
        "case": Case.objects.filter(pk=case_id).count(),
        "contact": Contact.objects.filter(case_id=case_id).count(),
        "assessment": Assessment.objects.filter(case_id=case_id).count(),
        "plan": Plan.objects.filter(case_id=case_id).count(),
        "planaction": PlanAction.objects.filter(plan__case_id=case_id).count(),
        "offence": Offence.objects.filter(case_id=case_id).count(),
        "victimlink": VictimLink.objects.filter(offence__case_id=case_id).count(),
        "report": Report.objects.filter(case_id=case_id).count(),
    }


def unit(kind: UnitKind, key: int) -> RetentionUnit:
    return RetentionUnit.objects.get(kind=kind, key=key)


def case_file(case: Case) -> RetentionUnit:
    return unit(UnitKind.CASE_FILE, case.pk)


def make_place(name: str) -> Place:
    return place_of(load_pack(PACKS / f"{name}.yaml").version)


def place_of(version: PackVersion) -> Place:
    """A place for a stored pack version; its DPO holds the pack's policy-managing role (or,
    for a pack without roles, a role named 'dpo')."""
    pack = selectors.pack_of(version)
    controller = Controller.objects.get(code=pack.services[0].controller)
    team = Team.objects.create(
        controller=controller, name="North", services=[s.code for s in pack.services]
    )
    dpo_role = next((r.code for r in pack.roles if r.manages_policy), "dpo")
    dpo = User.objects.create(
        username=f"dpo-{pack.code}-{next(_names)}", role=dpo_role, controller=controller
    )
    return Place(pack, version.pk, controller, team, dpo)


@pytest.fixture
def yos(db: None) -> Place:
    """Cambridgeshire Youth Offending Service."""
    return make_place("cambridgeshire-yos")


@pytest.fixture
def yps(db: None) -> Place:
    """Luton Youth Partnership Service."""
    return make_place("luton-yps")


@pytest.fixture
def cfws(db: None) -> Place:
    """Leicestershire Children and Family Wellbeing Service."""
    return make_place("leicestershire-cfws")


# The example of docs/adr/0016: what the packs could not say before issue 12.
EXAMPLE = yaml.safe_load(
    """
flags:
  - code: licence
    name: The order was a licence
    of: case
    unknown: longer
events:
  - {code: contract-ended, name: End date of the contract, of: service}
retention:
  - code: licence
    name: Case files of licences
    statement: Where the order was a licence, the case file is kept for 10 years after it ended.
    unit: case-file
    services: [court-orders]
    keep: {if: {flag: licence}, then: {for: 10 years, after: case-closed}}
    action: destroy
  - code: volunteering-contract
    name: Records of volunteering
    statement: Volunteers' records are kept for 3 years after the end of the contract.
    unit: case-file
    services: [volunteering]
    keep: {for: 3 years, after: contract-ended}
    action: destroy
  - code: family
    name: Family members' records
    statement: Information about family members is kept until the young person is 25.
    unit: non-case-file
    keep: {birthday: 25, of: young-person}
    action: destroy
  - code: goes-with
    name: A person's own record
    statement: A person's record is kept as long as the last case file about them.
    unit: person
    keep: {goes_with: case-file}
    action: destroy
"""
)


def example_pack(tmp_path: Path) -> Path:
    """Cambridgeshire's pack with the example of docs/adr/0016 added, as a file."""
    data = yaml.safe_load((PACKS / "cambridgeshire-yos.yaml").read_text())
    for section, items in EXAMPLE.items():
        data[section] = [*data.get(section, []), *items]
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def example_place(tmp_path: Path) -> Place:
    """A place on the example pack (tests/retention/test_vocabulary.py)."""
    return place_of(load_pack(example_pack(tmp_path)).version)


@pytest.fixture
def example(db: None, tmp_path: Path) -> Place:
    return example_place(tmp_path)


@pytest.fixture
def erased_log(transactional_db: None) -> Iterator[None]:
    """For tests whose writes commit: the audit log refuses the flush that ends them, so it is
    emptied first, as a DBA would (see tests/audit/conftest.py)."""
    yield
    erase_log()
