"""A small world for the gate: one controller from a shipped pack, two teams, staff and cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from safehold.access.models import Team, User
from safehold.policy import selectors
from safehold.policy.models import Controller
from safehold.policy.schema import Pack
from safehold.policy.services import load_pack
from safehold.records.models import Case, Person
from tests.builders import PACK_FILES


@dataclass
class World:
    pack: Pack
    controller: Controller
    team: Team
    other_team: Team
    version_id: int

    def person(self, **values: object) -> Person:
        defaults: dict[str, object] = {
            "given_name": "Sam",
            "family_name": "Example",
            "date_of_birth": date(2009, 5, 1),
            "ethnicity": "White British",
            "health_needs": "Asthma",
            "school": "Hill School",
            "address": "1 High Street",
            "postcode": "CB1 1AA",
        }
        defaults.update(values)
        return Person.objects.create(
            controller=self.controller, pack_version_id=self.version_id, **defaults
        )

    def case(
        self, *, team: Team | None = None, allocated_to: User | None = None, **values: object
    ) -> Case:
        person = values.pop("person", None) or self.person()
        return Case.objects.create(
            person=person,
            controller=self.controller,
            team=team or self.team,
            allocated_to=allocated_to,
            **{"service": self.pack.services[0].code, "opened_on": date(2025, 1, 6), **values},
            pack_version_id=self.version_id,
        )

    def staff(self, role: str, *, username: str | None = None, team: Team | None = None) -> User:
        user = User.objects.create(
            username=username or f"{role}-{User.objects.count()}",
            role=role,
            controller=self.controller,
        )
        user.teams.add(team or self.team)
        return user


def make_world(path: Path) -> World:
    loaded = load_pack(path)
    pack = selectors.pack_of(loaded.version)
    controller = Controller.objects.get(code=pack.services[0].controller)
    return World(
        pack=pack,
        controller=controller,
        team=Team.objects.create(controller=controller, name="North"),
        other_team=Team.objects.create(controller=controller, name="South"),
        version_id=loaded.version.pk,
    )


@pytest.fixture(params=PACK_FILES, ids=[p.stem for p in PACK_FILES])
def world(request: pytest.FixtureRequest, db: None) -> World:
    return make_world(request.param)


@pytest.fixture
def cambridgeshire(db: None) -> World:
    return make_world(next(p for p in PACK_FILES if p.stem == "cambridgeshire-yos"))
