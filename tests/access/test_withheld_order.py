"""No order or grouping tells a value the role may not read (issue 14, point 3): a young
person's cases, the people around them and a plan's actions are ordered or grouped by a field
only where it is shown."""

from __future__ import annotations

from datetime import date

from safehold.access.gate import Gate
from safehold.records.models import Plan, PlanAction, Relationship
from safehold.web import selectors
from tests.access.conftest import World, make_world
from tests.builders import PACK_FILES


def test_cases_are_not_ordered_by_withheld_dates(cambridgeshire: World) -> None:
    # A case manager reads a team case's names, not its dates (support).
    officer = cambridgeshire.staff("youth-justice-officer")
    person = cambridgeshire.person()
    still_open = cambridgeshire.case(person=person, opened_on=date(2020, 1, 1))
    closed = cambridgeshire.case(
        person=person, opened_on=date(2024, 1, 1), closed_on=date(2024, 6, 1)
    )
    shown = Gate(officer).young_person(person.pk)
    assert [c.case_id for c in shown.cases] == [closed.pk, still_open.pk]  # newest first


def test_cases_are_ordered_by_dates_where_they_are_shown(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    person = cambridgeshire.person()
    still_open = cambridgeshire.case(person=person, allocated_to=officer)
    closed = cambridgeshire.case(person=person, allocated_to=officer, closed_on=date(2025, 6, 1))
    shown = Gate(officer).young_person(person.pk)
    assert [c.case_id for c in shown.cases] == [still_open.pk, closed.pk]  # open first


def test_plan_actions_are_not_ordered_by_a_withheld_due_date(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case()  # same team: plan actions (support) are withheld
    plan = Plan.objects.create(
        case=case,
        kind="intervention",
        starts_on=date(2025, 1, 1),
        pack_version_id=case.pack_version_id,
    )
    later = PlanAction.objects.create(plan=plan, description="later", due_on=date(2025, 9, 1))
    sooner = PlanAction.objects.create(plan=plan, description="sooner", due_on=date(2025, 2, 1))
    gate = Gate(officer)
    [entry] = [
        e for e in selectors.timeline(gate, [gate.case(case.pk)]) if e.record.record == "plan"
    ]
    assert [a.pk for a in entry.actions] == [later.pk, sooner.pk]
    # Allocated, the due dates are shown and order the actions.
    case.allocated_to = officer
    case.save()
    gate = Gate(officer)
    [entry] = [
        e for e in selectors.timeline(gate, [gate.case(case.pk)]) if e.record.record == "plan"
    ]
    assert [a.pk for a in entry.actions] == [sooner.pk, later.pk]


def test_people_around_are_not_grouped_by_a_withheld_relationship(db: None) -> None:
    # Luton's case manager reads a team case's identity, not the family's details.
    luton = make_world(next(p for p in PACK_FILES if p.stem == "luton-yps"))
    officer = luton.staff("youth-justice-officer")
    case = luton.case()
    Relationship.objects.create(person=case.person, other=luton.person(), kind="social-worker")
    Relationship.objects.create(person=case.person, other=luton.person(), kind="parent")
    gate = Gate(officer)
    related = gate.related_people(gate.case(case.pk))
    assert [r.kind for r in related] == ["related", "related"]
    case.allocated_to = officer
    case.save()
    gate = Gate(officer)
    related = gate.related_people(gate.case(case.pk))
    assert [r.kind for r in related] == ["professional", "family"]
