"""A small world for the gate: one controller from a shipped pack, two teams, staff and cases."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from safehold.access.models import Team, User
from safehold.policy import selectors
from safehold.policy.models import Controller, PackVersion
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


def has_statistics_role(path: Path) -> bool:
    roles = yaml.safe_load(path.read_text()).get("roles") or []
    return any(role.get("statistics_only") for role in roles)


STATISTICS_PACKS = [p for p in PACK_FILES if has_statistics_role(p)]
# Every grant there is: what a pack author might give a statistics-only role by mistake.
EVERY_GRANT = {
    "categories": ["*"],
    "actions": ["read", "write", "export"],
    "relationship": "controller",
}


def grant_statistics_roles(world: World) -> World:
    """The world's pack loaded again as its next version, with every statistics-only role
    given every grant there is (the pack check warns of it, and loads it): the gate must
    still show such a role no one."""
    source = PackVersion.objects.get(pk=world.version_id).source_text
    data = yaml.safe_load(source)
    for role in data["roles"]:
        if role.get("statistics_only"):
            role["grants"] = [dict(EVERY_GRANT)]
    loaded = load_pack(yaml.safe_dump(data, sort_keys=False).encode())
    assert loaded.created, "the pack with granted statistics roles is a new version"
    return replace(world, pack=selectors.pack_of(loaded.version), version_id=loaded.version.pk)


@pytest.fixture(params=STATISTICS_PACKS, ids=[p.stem for p in STATISTICS_PACKS])
def statistics_world(request: pytest.FixtureRequest, db: None) -> World:
    """A pack with a statistics-only role, that role given every grant."""
    return grant_statistics_roles(make_world(request.param))
