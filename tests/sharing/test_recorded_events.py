"""Events a pack declares for a person or a case have recorded dates: recorded through the
gate (audited, a change checked against its version, the old date kept in the history), on
the case's events page, and read by the share decision, so a share conditioned on one is
allowed once it has happened (and refused, saying so, before); and by retention, whose rules
anchored on one wait until its date is recorded."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from safehold.access.gate import Gate
from safehold.access.gate.sharing import ShareOrder
from safehold.records.models import PersonFlag
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


def test_retention_waits_for_a_recorded_event_and_reads_its_date(world: World) -> None:
    # A case file kept for a time after an event of its case and after one of the person:
    # until staff record the dates it waits (never destroyed early), then it is dated by them.
    from safehold.retention.models import RetentionUnit, UnitKind
    from safehold.retention.rules import Basis

    def anchored(data: dict[str, Any]) -> None:
        for code, event in (("after-panel", "panel-met"), ("after-move", "moved-school")):
            data["retention"].append(
                {
                    "code": code,
                    "name": f"Case files, after {event}",
                    "statement": f"Case files are kept for 2 years after {event}.",
                    "unit": "case-file",
                    "keep": {"for": "2 years", "after": event},
                    "action": "destroy",
                }
            )
        data["retention"].append(
            {
                "code": "flags-after-move",
                "name": "Flags, after a move",
                "statement": "A person's flags are kept for a year after they move school.",
                "unit": "non-case-file",
                "keep": {"for": "1 year", "after": "moved-school"},
                "action": "destroy",
            }
        )

    place = variant(world, anchored)
    user, case = allocated(place, closed_on=date(2024, 1, 10))
    other = place.case(allocated_to=user, person=case.person, closed_on=date(2024, 1, 10))
    for flag in ("looked-after", "child-protection-plan"):  # known not to: the rules can date
        PersonFlag.objects.create(
            person=case.person, flag=flag, holds=False, started_on=date(2015, 1, 1)
        )

    def unit(of: Any) -> RetentionUnit:
        return RetentionUnit.objects.get(kind=UnitKind.CASE_FILE, key=of.pk)

    from safehold.retention import planner

    planner.plan()
    waiting = unit(case)
    assert (waiting.anchors["panel-met"], waiting.anchors["moved-school"]) == ("to-come", "to-come")
    assert waiting.basis == Basis.PENDING and waiting.keep_until is None
    gate = Gate(user)
    # Recorded through the gate: the write hook plans the case file again at once.
    gate.write(
        RecordedEvent(person_id=case.person_id, case=case),
        {"event": "panel-met", "on": date(2024, 2, 1)},
        case=case,
    )
    gate.write(
        RecordedEvent(person_id=case.person_id),
        {"event": "moved-school", "on": date(2024, 3, 1)},
        case=case,
    )
    dated = unit(case)
    assert (dated.anchors["panel-met"], dated.anchors["moved-school"]) == (
        "2024-02-01",
        "2024-03-01",
    )
    # The person's event holds for each of their cases; the case's only for its own.
    beside = unit(other)
    assert (beside.anchors["panel-met"], beside.anchors["moved-school"]) == (
        "to-come",
        "2024-03-01",
    )
    # Dated by the latest of its rules: the 25th birthday (1 May 2034) is later than both.
    assert (dated.basis, dated.keep_until) == (Basis.DATED, date(2034, 5, 1))
    assert (beside.basis, beside.note) == (Basis.PENDING, "waiting for: panel-met")
    # The person's own event dates their information outside case files (their flags) too.
    flags = RetentionUnit.objects.get(kind=UnitKind.NON_CASE_FILE, key=case.person_id)
    assert flags.anchors["moved-school"] == "2024-03-01"
    # A whole plan from nothing reads the same.
    RetentionUnit.objects.all().delete()
    planner.plan()
    assert unit(case).anchors == dated.anchors and unit(other).anchors == beside.anchors
