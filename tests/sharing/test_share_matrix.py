"""The share matrix: every pack x role x recipient x purpose x gateway x consent state (none,
given, refused, withdrawn, overridden) x relationship, the expected outcome worked out here
from the pack's own statements (independently of `safehold.sharing.decide`), then the same
outcome asked of the gate itself, with the database, for a sample of each pack."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import pytest

from safehold.access.gate import Gate, Refused
from safehold.access.gate.sharing import ShareOrder
from safehold.access.policy import DISTANCE_OF, AccessPolicy, Distance
from safehold.policy.loader import load_file
from safehold.policy.schema import Pack, Share
from safehold.records.fields import RECORD_FIELDS
from safehold.sharing.decide import Facts, PersonState, Request, SharePolicy
from safehold.sharing.models import Capacity
from safehold.sharing.services import ConsentInput
from tests.access.conftest import make_world
from tests.builders import PACK_FILES

STATES = ("none", "given", "refused", "withdrawn", "overridden")
DISTANCES = (Distance.ALLOCATED, Distance.TEAM, Distance.SERVICE)
REASON = "Risk of serious harm reported by school today"
TODAY = date(2026, 1, 15)


@cache
def pack(path_name: str) -> Pack:
    result = load_file(next(p for p in PACK_FILES if p.name == path_name))
    assert result.pack is not None
    return result.pack


@dataclass(frozen=True)
class Case_:
    role: str
    recipient: str
    purpose: str
    gateway: str
    state: str
    distance: Distance


def cases(p: Pack) -> Iterator[Case_]:
    for role in p.roles:
        for recipient in p.recipients:
            for share in recipient.shares:
                purposes = share.purposes or [p.purposes[0].code]
                for purpose in purposes:
                    for gateway in share.gateways or ["none-stated"]:
                        for state in STATES:
                            for distance in DISTANCES:
                                yield Case_(
                                    role.code, recipient.code, purpose, gateway, state, distance
                                )


# --- the expectation, from the pack ------------------------------------------------------------


def expected(p: Pack, c: Case_) -> bool:
    """Whether sharing the person's details should go, reading the pack directly."""
    role = next(r for r in p.roles if r.code == c.role)
    if role.statistics_only:
        return False
    every = {cat.code for cat in p.categories}
    shareable = {
        cat
        for g in role.grants
        if "share" in g.actions and DISTANCE_OF[g.relationship] >= c.distance
        for cat in (every if "*" in g.categories else g.categories)
    }
    if not shareable:
        return False
    recipient = next(r for r in p.recipients if r.code == c.recipient)
    gateways = {g.code: g for g in p.gateways}
    if c.gateway not in gateways:
        return False
    category_of = {f: cat.code for cat in p.categories for f in cat.holds}
    outcomes = []
    for share in recipient.shares:
        if share.purposes and c.purpose not in share.purposes:
            continue
        if c.gateway not in share.gateways:
            continue
        outcomes.append(_one_share(p, share, gateways, shareable, category_of, every, c))
    return any(outcomes) if outcomes else False


def _one_share(
    p: Pack,
    share: Share,
    gateways: dict[str, Any],
    shareable: set[str],
    category_of: dict[str, str],
    every: set[str],
    c: Case_,
) -> bool:
    allowed = (every if "*" in share.categories else set(share.categories)) & shareable
    going = {
        f"person.{n}"
        for n in RECORD_FIELDS["person"]
        if category_of.get(f"person.{n}") in allowed
        and f"person.{n}" not in share.never
        and (not share.items or f"person.{n}" in share.items)
    }
    derived = [
        i
        for i in share.items
        if "." not in i and all(category_of.get(f) in allowed for f in _sources(i))
    ]
    if not going and not derived:
        return False
    if share.if_ is not None or share.when is not None:
        return False  # no flags and no events recorded in this matrix
    gateway = gateways[c.gateway]
    kinds = {gateways[g].kind for g in share.gateways if g in gateways}
    dependence = share.consent or (
        "not-needed" if "consent" not in kinds else "required" if kinds == {"consent"} else "sought"
    )
    cats = {category_of[f] for f in going} | {category_of[f] for i in derived for f in _sources(i)}
    covering = [
        pref
        for pref in p.preferences
        if pref.kind == "consent"
        and pref.allows is not None
        and (not pref.allows.recipients or c.recipient in pref.allows.recipients)
        and (not pref.allows.purposes or c.purpose in pref.allows.purposes)
        and ("*" in pref.allows.categories or cats & set(pref.allows.categories))
    ]
    # Preferences withholding things are all "given" in the 'given' state: they stop the
    # share unless the law decides, or unless what they withhold leaves something to send.
    if c.state == "given":
        for pref in p.preferences:
            w = pref.withholds
            if pref.kind == "consent" or w is None:
                continue
            if w.recipients and c.recipient not in w.recipients:
                continue
            if w.purposes and c.purpose not in w.purposes:
                continue
            if pref.direct_marketing:
                return False
            if gateway.kind in ("law", "court-order"):
                continue
            held = every if "*" in w.categories else set(w.categories)
            going = {f for f in going if category_of[f] not in held}
            derived = [i for i in derived if not any(category_of[f] in held for f in _sources(i))]
            if not going and not derived:
                return False
        cats = {category_of[f] for f in going} | {
            category_of[f] for i in derived for f in _sources(i)
        }
    needs_consent = gateway.kind == "consent" or (
        dependence == "required" and gateway.kind not in ("law", "court-order")
    )
    if needs_consent:
        if not covering or c.state != "given":
            return False
        allows = covering[0].allows
        held = every if "*" in allows.categories else set(allows.categories)
        if not ({category_of[f] for f in going} & held):
            return False
    # A reason is given only in the 'overridden' state (with an approver); without it,
    # safeguarding never goes, nor a share whose reasons are to be explained to the person.
    needs_reason = gateway.kind == "safeguarding" or share.explained_to_subject
    return not (needs_reason and c.state != "overridden")


def _sources(item: str) -> tuple[str, ...]:
    from safehold.policy.schema import DERIVED_ITEMS

    return DERIVED_ITEMS[item][1]


def request(p: Pack, c: Case_) -> tuple[Request, PersonState]:
    consents = [pref.code for pref in p.preferences]
    state = c.state if c.state in ("given", "refused", "withdrawn") else "none"
    approver = next((r.code for r in p.roles if r.approves_disclosures), None)
    overridden = c.state == "overridden"
    return (
        Request(
            c.recipient,
            c.purpose,
            c.gateway,
            ("person",),
            reason=REASON if overridden else "",
            reference="Order 12/2025",
            approver_role=approver if overridden else None,
        ),
        PersonState({code: state for code in consents} if state != "none" else {}),
    )


@pytest.mark.parametrize("path_name", [p.name for p in PACK_FILES])
def test_share_matrix(path_name: str) -> None:
    p = pack(path_name)
    policy = SharePolicy(AccessPolicy(p, None, p.code))
    checked = allowed = 0
    wrong = []
    for c in cases(p):
        req, person = request(p, c)
        decision = policy.decide(c.role, c.distance, req, person, Facts(), TODAY)
        want = expected(p, c)
        checked += 1
        allowed += want
        if bool(decision) != want:
            wrong.append((c, decision.rule))
        if not decision:
            assert decision.rule, "every refusal says why"
    assert not wrong, wrong[:5]
    assert checked > 100 and 0 < allowed < checked, (checked, allowed)


# --- the same through the gate, with the database -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", PACK_FILES, ids=[p.stem for p in PACK_FILES])
def test_the_gate_decides_as_the_matrix(path: Any) -> None:
    world = make_world(path)
    p = world.pack
    sample = [
        c
        for c in cases(p)
        if c.distance in (Distance.ALLOCATED, Distance.TEAM) and c.state in STATES
    ][::37][:60]
    assert sample
    approver_role = next((r.code for r in p.roles if r.approves_disclosures), None)
    approver = world.staff(approver_role) if approver_role else None
    shared = 0
    for c in sample:
        user = world.staff(c.role)
        person = world.person(date_of_birth=date(2000, 1, 1))
        case = world.case(
            allocated_to=user if c.distance == Distance.ALLOCATED else None,
            team=world.team,
            person=person,
        )
        if c.state in ("given", "refused", "withdrawn"):
            for pref in p.preferences:
                state = "refused" if c.state == "refused" else "given"
                data = ConsentInput(
                    pref.code,
                    state,
                    pref.given_by[0],
                    "written",
                    date(2025, 1, 1),
                    capacity=Capacity.ADULT,
                )
                _consent(world, person.pk, data, c.state == "withdrawn")
        overridden = c.state == "overridden"
        order = ShareOrder(
            c.recipient,
            c.purpose,
            c.gateway,
            ("person",),
            reason=REASON if overridden else "",
            reference="Order 12/2025",
            approver_id=approver.pk if overridden and approver else None,
        )
        try:
            decision = Gate(user).explain_share(case.pk, order)
        except Refused:
            # The role does not see the case at this distance at all: nothing to share.
            assert not expected(p, c), c
            continue
        assert bool(decision) == expected(p, c), (c, decision.rule)
        shared += bool(decision)
    assert 0 < shared < len(sample), (shared, len(sample))


def _consent(world: Any, person_id: int, data: ConsentInput, withdraw: bool) -> None:
    """Straight into the table (the gate's own consent rules are tested elsewhere)."""
    from safehold.sharing import services

    clerk = world.staff(world.pack.roles[0].code)
    record = services.create(
        controller_id=world.controller.pk,
        person_id=person_id,
        kind="consent",
        data=data,
        by=clerk,
        pack_version_id=world.version_id,
        capacity_by=None,
    )
    if withdraw:
        services.create(
            controller_id=world.controller.pk,
            person_id=person_id,
            kind="consent",
            data=ConsentInput(
                data.preference, "withdrawn", data.given_by, "verbal", date(2025, 2, 1)
            ),
            by=clerk,
            pack_version_id=world.version_id,
            capacity_by=None,
            withdraws=record,
        )
