"""What falls due on a case (sorted and filtered in SQL, made only of dates the role may read)
and the safeguarding alerts a pack marks, shown only where the role reads flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from safehold.access.gate import Gate
from safehold.audit.models import Action, AuditEvent
from safehold.records.models import Outcome, PersonFlag, Plan, PlanAction
from safehold.web.selectors import CaseQuery, case_page
from tests.access.conftest import World
from tests.web.casework import count_queries, luton_world

TODAY = timezone.localdate()


def days(n: int):
    return TODAY + timedelta(days=n)


def plan(world: World, case, *, review: int | None = None, starts: int = -60) -> Plan:
    return Plan.objects.create(
        case=case,
        pack_version_id=world.version_id,
        kind="intervention",
        starts_on=days(starts),
        review_on=days(review) if review is not None else None,
    )


@pytest.fixture
def caseload(cambridgeshire: World) -> dict:
    w = cambridgeshire
    officer = w.staff("youth-justice-officer")

    def case(family: str):
        return w.case(allocated_to=officer, person=w.person(family_name=family))

    late, review, ending, nothing, closed = (
        case(f) for f in ("Late", "Review", "Ending", "Nothing", "Closed")
    )
    PlanAction.objects.create(plan=plan(w, late), description="Call school", due_on=days(-3))
    # Done, or with no date: nothing due.
    PlanAction.objects.create(
        plan=plan(w, nothing), description="Done", due_on=days(-9), done_on=days(-8)
    )
    PlanAction.objects.create(plan=plan(w, nothing), description="Some day")
    plan(w, review, review=-30, starts=-90)  # an older plan's review: superseded
    plan(w, review, review=5, starts=-10)
    Outcome.objects.create(
        case=ending,
        pack_version_id=w.version_id,
        kind="referral-order",
        starts_on=days(-300),
        ends_on=days(30),
    )
    Outcome.objects.create(  # ended: nothing due
        case=nothing,
        pack_version_id=w.version_id,
        kind="yro",
        starts_on=days(-300),
        ends_on=days(-1),
    )
    PlanAction.objects.create(plan=plan(w, closed), description="Late", due_on=days(-5))
    closed.closed_on = days(-1)
    closed.save()
    return {"officer": officer, "late": late, "review": review, "ending": ending}


def families(page) -> list[str]:
    return [s.person.values["family_name"] for s in page.cases]


def test_what_falls_due_first_on_each_open_case(caseload: dict) -> None:
    page = case_page(Gate(caseload["officer"]), CaseQuery(status="all"))
    due = {s.person.values["family_name"]: page.due.get(s.case_id) for s in page.cases}
    assert (due["Late"].on, due["Late"].part) == (days(-3), "due_action")
    assert due["Late"].overdue(TODAY)
    assert (due["Review"].on, due["Review"].part) == (days(5), "due_review")
    assert due["Review"].soon(TODAY) and not due["Review"].overdue(TODAY)
    assert (due["Ending"].on, due["Ending"].part) == (days(30), "due_order_end")
    assert due["Nothing"] is None and due["Closed"] is None


def test_the_first_date_due_is_the_same_found_from_its_parts_or_in_sql(
    caseload: dict, cambridgeshire: World
) -> None:
    # Listed by name, the first date due is found from the parts in Python; sorted by it,
    # in SQL (`next_due`): the same answer, the earliest part, on every case.
    both = cambridgeshire.case(
        allocated_to=caseload["officer"], person=cambridgeshire.person(family_name="Both")
    )
    PlanAction.objects.create(plan=plan(cambridgeshire, both), description="Visit", due_on=days(10))
    plan(cambridgeshire, both, review=4, starts=-5)
    gate = Gate(caseload["officer"])
    by_name = case_page(gate, CaseQuery(status="all"))
    by_due = case_page(gate, CaseQuery(status="all", sort="due"))
    assert by_name.due == by_due.due
    assert (by_name.due[both.pk].on, by_name.due[both.pk].part) == (days(4), "due_review")
    assert len(by_name.due) == 4  # Late, Review, Ending and Both; not Nothing or Closed


def test_due_sorts_and_filters_in_sql(caseload: dict) -> None:
    gate = Gate(caseload["officer"])
    assert families(case_page(gate, CaseQuery(sort="due"))) == [
        "Late",
        "Review",
        "Ending",
        "Nothing",
    ]
    assert families(case_page(gate, CaseQuery(sort="due", descending=True)))[:3] == [
        "Ending",
        "Review",
        "Late",
    ]
    assert families(case_page(gate, CaseQuery(due="overdue"))) == ["Late"]
    assert families(case_page(gate, CaseQuery(due="soon"))) == ["Review"]
    assert case_page(gate, CaseQuery(due="soon")).query.due == "soon"


def test_due_dates_are_audited_with_their_categories(caseload: dict) -> None:
    case_page(Gate(caseload["officer"]), CaseQuery(due="overdue"))
    listed = AuditEvent.objects.get(actor=caseload["officer"], action=Action.LIST)
    assert listed.case_id == caseload["late"].pk
    assert "support" in listed.categories or len(listed.categories) > 2


def test_due_is_made_only_of_dates_the_role_may_read(db: None) -> None:
    # Luton's health worker reads plans but not offending: an order's end never makes their
    # case due, nor may they sort or filter by it.
    luton = luton_world()
    worker = luton.staff("health-worker")
    case = luton.case(allocated_to=worker)
    Outcome.objects.create(
        case=case,
        pack_version_id=luton.version_id,
        kind="yro",
        starts_on=days(-100),
        ends_on=days(10),
    )
    page = case_page(Gate(worker), CaseQuery(due="soon"))
    assert page.total == 0
    Plan.objects.create(
        case=case,
        pack_version_id=luton.version_id,
        kind="intervention",
        starts_on=days(-10),
        review_on=days(12),
    )
    page = case_page(Gate(worker), CaseQuery(due="soon"))
    assert (page.due[case.pk].on, page.due[case.pk].part) == (days(12), "due_review")


def test_due_costs_no_query_per_case(caseload: dict, cambridgeshire: World) -> None:
    officer = caseload["officer"]
    query = CaseQuery(sort="due", due="")
    count_queries(lambda: case_page(Gate(officer), query))
    few = count_queries(lambda: case_page(Gate(officer), query))
    for i in range(8):
        case = cambridgeshire.case(allocated_to=officer)
        PlanAction.objects.create(plan=plan(cambridgeshire, case), description="x", due_on=days(i))
    assert count_queries(lambda: case_page(Gate(officer), query)) == few


# --- safeguarding alerts ----------------------------------------------------------------------


def test_alerts_are_the_packs_current_alert_flags(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    PersonFlag.objects.create(person=case.person, flag="child-protection-plan", started_on=days(-9))
    PersonFlag.objects.create(person=case.person, flag="looked-after", ended_on=days(-1))
    gate = Gate(officer)
    shown = case_page(gate, CaseQuery()).cases
    alerts = gate.alerts(shown, action=Action.LIST)
    assert [a.values["flag"] for a in alerts[case.person_id]] == ["child-protection-plan"]
    read = AuditEvent.objects.filter(actor=officer, record_type="personflag")
    assert read.count() == 1 and "care-status" in read.get().categories


def test_alerts_only_where_the_role_reads_flags(db: None) -> None:
    luton = luton_world()
    worker = luton.staff("youth-worker")  # reads no care status
    case = luton.case(allocated_to=worker)
    PersonFlag.objects.create(person=case.person, flag="looked-after")
    gate = Gate(worker)
    shown = case_page(gate, CaseQuery()).cases
    assert count_queries(lambda: gate.alerts(shown)) == 0
    assert gate.alerts(shown) == {}
    officer = luton.staff("youth-justice-officer")
    other = luton.case(allocated_to=officer, person=case.person)
    gate = Gate(officer)
    assert list(gate.alerts(case_page(gate, CaseQuery()).cases)) == [other.person_id]


def test_alerts_cost_one_query_however_many(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    for _ in range(6):
        case = cambridgeshire.case(allocated_to=officer)
        PersonFlag.objects.create(person=case.person, flag="looked-after")
    gate = Gate(officer)
    shown = case_page(gate, CaseQuery()).cases
    gate.alerts(shown)
    few = count_queries(lambda: gate.alerts(shown[:2]))
    assert count_queries(lambda: gate.alerts(shown)) == few
