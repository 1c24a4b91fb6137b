"""Worlds for sharing: a shipped pack's world, its staff, and a variant of its pack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
import yaml

from safehold.access.models import User
from safehold.policy import selectors
from safehold.policy.models import PackVersion
from safehold.policy.services import load_pack
from safehold.sharing.models import Capacity
from safehold.sharing.services import ConsentInput
from tests.access.conftest import World, make_world
from tests.builders import PACK_FILES


def pack_world(stem: str) -> World:
    return make_world(next(p for p in PACK_FILES if p.stem == stem))


@pytest.fixture
def luton(db: None) -> World:
    return pack_world("luton-yps")


def variant(world: World, change: Callable[[dict[str, Any]], None]) -> World:
    """The world's pack loaded again as its next version, changed."""
    data = yaml.safe_load(PackVersion.objects.get(pk=world.version_id).source_text)
    change(data)
    loaded = load_pack(yaml.safe_dump(data, sort_keys=False).encode())
    return replace(world, pack=selectors.pack_of(loaded.version), version_id=loaded.version.pk)


def given(
    preference: str, *, by: str = "young-person", state: str = "given", **more: Any
) -> ConsentInput:
    values: dict[str, Any] = {
        "preference": preference,
        "state": state,
        "given_by": by,
        "how": "written",
        "on": date(2025, 6, 1),
        "evidence": "Signed form on file",
        "capacity": Capacity.NOT_ASSESSED,
    }
    values.update(more)
    return ConsentInput(**values)


def allocated(world: World, role: str = "youth-justice-officer", **case: Any) -> tuple[User, Any]:
    user = world.staff(role)
    return user, world.case(allocated_to=user, **case)


def consent_sought(data: dict[str, Any]) -> None:
    """A Cambridgeshire pack in which sharing with the NHS waits for the family's agreement,
    and going without it is an override a second person approves: the vocabulary the shipped
    pack no longer uses (its notice says the reasons are explained, not that agreement is
    asked), kept under test."""
    data["gateways"].append({"code": "your-agreement", "name": "Your agreement", "kind": "consent"})
    nhs = next(r for r in data["recipients"] if r["code"] == "nhs")
    nhs["shares"][0].update(
        gateways=["your-agreement", "safeguarding"],
        consent="sought",
        override={"approval": "second-person"},
        explained_to_subject=False,
    )
    data["preferences"].append(
        {
            "code": "sharing-with-other-services",
            "name": "Agreeing to share information with other services, such as the NHS",
            "kind": "consent",
            "statement": "We ask you before we share information with other services.",
            "given_by": ["young-person", "family-member"],
            "ask": "your case manager",
            "allows": {
                "categories": ["*"],
                "recipients": ["nhs"],
                "purposes": ["statutory-youth-justice"],
            },
        }
    )


@pytest.fixture
def sought(cambridgeshire: World) -> World:
    return variant(cambridgeshire, consent_sought)
