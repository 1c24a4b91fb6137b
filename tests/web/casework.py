"""Helpers for the case pages' tests: records on a case, as many as a test asks for, and a
query counter. The worlds (`cambridgeshire`, `world`) come from tests/conftest.py and signed-in
clients (`verified_client`) from tests/web/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safehold.access.models import User
from safehold.records.models import (
    Assessment,
    Case,
    Contact,
    Offence,
    Outcome,
    PersonFlag,
    Plan,
    PlanAction,
    Relationship,
    Report,
    VictimLink,
)
from safehold.sharing.models import Disclosure
from tests.access.conftest import World, make_world
from tests.builders import PACK_FILES


def luton_world() -> World:
    return make_world(next(p for p in PACK_FILES if p.stem == "luton-yps"))


def add_records(world: World, case: Case, n: int, *, by: User | None = None) -> None:
    """n of each kind of record on the timeline (each plan with an action, each offence with
    a victim), and n parents and flags for the young person."""
    version = world.version_id
    now = timezone.now()
    for i in range(n):
        Contact.objects.create(
            case=case,
            pack_version_id=version,
            kind="home-visit",
            occurred_at=now - timedelta(days=i + 1),
            notes=f"Visit {i}",
            created_by=by,
        )
        Assessment.objects.create(
            case=case,
            pack_version_id=version,
            kind="chat",
            completed_on=date(2025, 2, 1),
            summary=f"Summary {i}",
            health_findings=f"Findings {i}",
        )
        plan = Plan.objects.create(
            case=case, pack_version_id=version, kind="intervention", starts_on=date(2025, 2, 3)
        )
        PlanAction.objects.create(plan=plan, description=f"Action {i}")
        offence = Offence.objects.create(
            case=case, pack_version_id=version, description=f"Offence {i}", offence_type="theft"
        )
        victim = world.person(given_name=f"Victim{i}", family_name="Person")
        VictimLink.objects.create(offence=offence, victim=victim, contact_consent="given")
        Outcome.objects.create(
            case=case, pack_version_id=version, kind="referral-order", starts_on=date(2025, 3, 1)
        )
        parent = world.person(given_name=f"Parent{i}", family_name="Example", phone="0123")
        Relationship.objects.create(person=case.person, other=parent, kind="parent")
        PersonFlag.objects.create(person=case.person, flag="looked-after")


def add_reports_and_disclosures(world: World, case: Case, n: int, *, by: User) -> None:
    """n reports on the case (the timeline's sixth kind, which `add_records` leaves out) and
    n entries of the disclosure log about its young person ("Shared with")."""
    recipient = world.pack.recipients[0]
    for i in range(n):
        Report.objects.create(
            case=case,
            pack_version_id=world.version_id,
            kind=Report.Kind.choices[0][0],
            due_on=date(2025, 4, 1),
            body=f"Report {i}",
            created_by=by,
        )
        Disclosure.objects.create(
            controller=world.controller,
            person_id=case.person_id,
            case=case,
            recipient=recipient.code,
            recipient_name=recipient.name,
            purpose=world.pack.purposes[0].code,
            rule="shared",
            outcome="shared",
            consent_status="not-needed",
            package={"records": {}},
            by=by,
            by_label=by.username,
            at=timezone.now(),
            pack_version_id=world.version_id,
        )


def count_queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def make_case(world: World, **values: object) -> Case:
    """A case of the world, with any of its fields (service, opened_on, ...) set."""
    keys = ("team", "allocated_to", "person", "closed_on", "restricted")
    case = world.case(**{k: v for k, v in values.items() if k in keys})  # type: ignore[arg-type]
    rest = {k: v for k, v in values.items() if k not in keys}
    if rest:
        Case.objects.filter(pk=case.pk).update(**rest)
        case.refresh_from_db()
    return case
