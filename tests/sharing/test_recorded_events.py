"""Events a pack declares for a person or a case have recorded dates: recorded through the
gate (audited, a change checked against its version, the old date kept in the history), on
the case's events page, and read by the share decision, so a share conditioned on one is
allowed once it has happened (and refused, saying so, before)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from safehold.access.gate import Gate
from safehold.access.gate.sharing import ShareOrder
from safehold.sharing.models import RecordedEvent
from tests.access.conftest import World
from tests.sharing.conftest import allocated, variant

pytestmark = pytest.mark.django_db

COURTS = ("courts", "statutory-youth-justice", "court-order")


def with_events(data: dict[str, Any]) -> None:
    """The pack declares an event of a person and one of a case, a category holds their
    dates, and the courts' share waits for the person's event."""
    data.setdefault("events", []).extend(
        [
            {"code": "moved-school", "name": "Moved to another school", "of": "person"},
            {"code": "panel-met", "name": "The referral panel met", "of": "case"},
        ]
    )
    held = {f for c in data["categories"] for f in c.get("holds", [])}
    if "recordedevent.on" not in held:  # the shipped packs hold them already
        holder = next(c for c in data["categories"] if "personflag.flag" in c.get("holds", []))
        holder["holds"] += ["recordedevent.event", "recordedevent.on"]
    courts = next(r for r in data["recipients"] if r["code"] == "courts")
    courts["shares"][0]["when"] = {"after": "moved-school", "within": "90 days"}


@pytest.fixture
def world(cambridgeshire: World) -> World:
    return variant(cambridgeshire, with_events)


def explain(user: Any, case_id: int) -> Any:
    return Gate(user).explain_share(case_id, ShareOrder(*COURTS, reference="Order 12/2025"))


def test_a_share_waits_for_a_recorded_event_of_the_person(world: World) -> None:
    user, case = allocated(world)
    assert "after Moved to another school, which has not happened" in explain(user, case.pk).rule
    gate = Gate(user)
    row = RecordedEvent(person_id=case.person_id)
    gate.write(row, {"event": "moved-school", "on": date.today() - timedelta(days=5)}, case=case)
    assert explain(user, case.pk).allowed
    # The person's event holds for every case of theirs.
    other = world.case(allocated_to=user, person=case.person)
    assert explain(user, other.pk).allowed
    # Long past: outside the window the pack states.
    gate.write(row, {"on": date.today() - timedelta(days=200)}, case=case, version=row.version)
    assert "within 90 days of Moved to another school" in explain(user, case.pk).rule


def test_the_decision_reads_a_case_event_only_on_its_case(world: World) -> None:
    def after_panel(data: dict[str, Any]) -> None:
        courts = next(r for r in data["recipients"] if r["code"] == "courts")
        courts["shares"][0]["when"] = {"after": "panel-met"}

    panel = variant(world, after_panel)
    user, case = allocated(panel)
    other = panel.case(allocated_to=user, person=case.person)
    Gate(user).write(
        RecordedEvent(person_id=case.person_id, case=case),
        {"event": "panel-met", "on": date.today()},
        case=case,
    )
    assert explain(user, case.pk).allowed
    assert "which has not happened" in explain(user, other.pk).rule
