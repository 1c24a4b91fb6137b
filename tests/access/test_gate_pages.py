"""The gate's methods for the staff pages: pages of cases, allocation, a young person with the
people around them and their timeline, opening cases and writing records together."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safehold.access.gate import Gate, Refused, RefusedCase, Withheld
from safehold.access.policy import Distance
from safehold.audit.models import Action, AuditEvent, Decision
from safehold.policy.schema import Grant
from safehold.policy.schema import Relationship as GrantRelationship
from safehold.records.models import Case, Person, PersonFlag, Plan, PlanAction, Relationship
from safehold.web import selectors
from safehold.web.selectors import CaseQuery, case_page, list_controls
from tests.access.conftest import World
from tests.audit.reading import each_subject
from tests.web.casework import add_records, count_queries, luton_world, make_case


def names(page) -> list[str]:
    return [s.person.values["family_name"] for s in page.cases]


# --- pages of cases -------------------------------------------------------------------------


def test_case_page_filters_sorts_and_pages_in_sql(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    services = [s.code for s in cambridgeshire.pack.services]
    for i, family in enumerate(["Cole", "Adams", "Brown", "Evans", "Drake"]):
        person = cambridgeshire.person(family_name=family, date_of_birth=date(2008, 1, 1 + i))
        make_case(
            cambridgeshire,
            allocated_to=officer,
            person=person,
            service=services[i % 2],
            opened_on=date(2025, 1, 1 + i),
        )
    closed = cambridgeshire.case(
        allocated_to=officer,
        person=cambridgeshire.person(family_name="Fox"),
        closed_on=date(2025, 6, 1),
    )
    cambridgeshire.case(person=cambridgeshire.person(family_name="Nobody"))  # not mine
    PersonFlag.objects.create(person=closed.person, flag="looked-after")
    gate = Gate(officer)

    page = case_page(gate, CaseQuery(per_page=2))
    assert (names(page), page.total, page.pages) == (["Adams", "Brown"], 5, 3)
    page = case_page(gate, CaseQuery(per_page=2, page=3))
    assert names(page) == ["Evans"]
    page = case_page(gate, CaseQuery(per_page=2, page=99))  # clamped to the last page
    assert (page.query.page, names(page)) == (3, ["Evans"])
    assert names(case_page(gate, CaseQuery(sort="name", descending=True))) == [
        "Evans",
        "Drake",
        "Cole",
        "Brown",
        "Adams",
    ]
    assert names(case_page(gate, CaseQuery(sort="date_of_birth"))) == [
        "Cole",
        "Adams",
        "Brown",
        "Evans",
        "Drake",
    ]
    assert names(case_page(gate, CaseQuery(service=services[1]))) == ["Adams", "Evans"]
    assert names(case_page(gate, CaseQuery(name="ad"))) == ["Adams"]
    assert names(case_page(gate, CaseQuery(name="Sam dr"))) == ["Drake"]  # every word matches
    assert names(case_page(gate, CaseQuery(status="closed"))) == ["Fox"]
    assert len(case_page(gate, CaseQuery(status="all")).cases) == 6
    assert names(case_page(gate, CaseQuery(status="all", flag="looked-after"))) == ["Fox"]
    # A value that is not the pack's is ignored, not an error.
    assert case_page(gate, CaseQuery(service="no-such-service")).total == 5


def test_case_page_audits_each_case_shown_in_one_batch(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    for _ in range(3):
        cambridgeshire.case(allocated_to=officer)
    case_page(Gate(officer), CaseQuery(per_page=2))
    listed = AuditEvent.objects.filter(actor=officer, action=Action.LIST)
    assert len(each_subject(listed)) == 2
    assert len({e.at for e in listed}) == 1  # one append


def test_case_page_costs_the_same_queries_whatever_the_list(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    cambridgeshire.case(allocated_to=officer)
    count_queries(lambda: case_page(Gate(officer), CaseQuery()))  # the chain head's first append
    query = CaseQuery(name="Sam", sort="date_of_birth", status="all", per_page=100)
    for _ in range(2):
        cambridgeshire.case(allocated_to=officer)
    gate = Gate(officer)
    few = count_queries(lambda: case_page(gate, query))
    for _ in range(15):
        cambridgeshire.case(allocated_to=officer)
    gate = Gate(officer)
    assert count_queries(lambda: case_page(gate, query)) == few
    assert len(case_page(gate, query).cases) == 18


def test_team_page_holds_the_teams_cases(cambridgeshire: World) -> None:
    manager = cambridgeshire.staff("team-manager")
    worker = cambridgeshire.staff("youth-justice-officer")
    ours = [cambridgeshire.case(allocated_to=worker), cambridgeshire.case()]
    cambridgeshire.case(team=cambridgeshire.other_team)
    page = case_page(Gate(manager), CaseQuery(), team=True)
    assert {s.case_id for s in page.cases} == {c.pk for c in ours}
    assert page.workers[ours[0].pk] == worker.username
    assert page.workers[ours[1].pk] == ""
    assert set(page.teams.values()) == {"North"}
    assert case_page(Gate(manager), CaseQuery()).total == 0  # none allocated to the manager


def test_filters_a_role_may_not_read_are_dropped_with_the_rule(db: None) -> None:
    luton = luton_world()
    # Luton's youth worker reads no care status: filtering by a flag would reveal it.
    worker = luton.staff("youth-worker")
    case = luton.case(allocated_to=worker)
    PersonFlag.objects.create(person=case.person, flag="looked-after")
    gate = Gate(worker)
    assert not list_controls(gate)["flag"]
    assert list_controls(gate)["name"] and list_controls(gate)["sort:date_of_birth"]
    page = case_page(gate, CaseQuery(flag="looked-after"))
    assert page.query.flag == ""
    assert "care-status" in page.dropped["flag"]
    assert page.total == 1


# --- allocation -----------------------------------------------------------------------------


def test_a_manager_allocates_a_case_of_their_team(cambridgeshire: World) -> None:
    manager = cambridgeshire.staff("team-manager")
    worker = cambridgeshire.staff("youth-justice-officer")
    cambridgeshire.staff("data-protection-officer")  # in the team, but holds no cases
    busy = cambridgeshire.staff("youth-justice-officer")
    for _ in range(3):
        cambridgeshire.case(allocated_to=busy)
    cambridgeshire.case(allocated_to=busy, closed_on=date(2025, 2, 1))  # closed: not counted
    cambridgeshire.case(allocated_to=busy, team=cambridgeshire.other_team)  # counted
    case = cambridgeshire.case()
    allocation = selectors.allocation(Gate(manager), case.pk)
    assert (allocation.team_name, allocation.allocated_to_id) == ("North", None)
    # Only the roles that hold cases (the pack's holds_cases), each with their open caseload.
    assert {pk for pk, _ in allocation.workers} == {worker.pk, busy.pk}
    assert allocation.caseloads == {worker.pk: 0, busy.pk: 4}
    Gate(manager).allocate(case.pk, worker.pk)
    case.refresh_from_db()
    assert case.allocated_to == worker
    event = AuditEvent.objects.get(action=Action.UPDATE)
    assert (event.record_type, event.record_id, event.person_id) == (
        "case",
        case.pk,
        case.person_id,
    )
    assert "allocates the cases of its teams" in event.rule and worker.username in event.rule


def test_allocation_is_refused_and_audited_otherwise(cambridgeshire: World) -> None:
    manager = cambridgeshire.staff("team-manager")
    officer = cambridgeshire.staff("youth-justice-officer")
    elsewhere = cambridgeshire.staff("youth-justice-officer", team=cambridgeshire.other_team)
    ours = cambridgeshire.case()
    theirs = cambridgeshire.case(team=cambridgeshire.other_team)
    dpo = cambridgeshire.staff("data-protection-officer")
    attempts = [
        (officer, ours.pk, officer.pk, "does not allocate cases"),
        (manager, ours.pk, manager.pk, "role 'team-manager' does not hold cases"),
        (manager, ours.pk, dpo.pk, "role 'data-protection-officer' does not hold cases"),
        (manager, theirs.pk, elsewhere.pk, "team that is not yours"),
        (manager, ours.pk, elsewhere.pk, "not a worker of the team"),
        (manager, 999_999, officer.pk, "no such case"),
    ]
    for user, case_id, worker_id, why in attempts:
        with pytest.raises(RefusedCase, match=why):
            Gate(user).allocate(case_id, worker_id)
    assert not Case.objects.exclude(allocated_to=None).exists()
    refusals = AuditEvent.objects.filter(action=Action.REFUSE, decision=Decision.REFUSED)
    assert refusals.count() == len(attempts)
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


# --- a young person -------------------------------------------------------------------------


def test_young_person_through_the_cases_one_may_read(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    person = cambridgeshire.person()
    mine = cambridgeshire.case(allocated_to=officer, person=person)
    older = cambridgeshire.case(person=person, closed_on=date(2024, 1, 1))  # team's, closed
    cambridgeshire.case(person=person, team=cambridgeshire.other_team)  # out of reach
    PersonFlag.objects.create(person=person, flag="looked-after")
    shown = Gate(officer).young_person(person.pk)
    assert [c.case_id for c in shown.cases] == [mine.pk, older.pk]
    assert shown.current is not None and shown.current.case_id == mine.pk
    assert shown.person.values["health_needs"] == "Asthma"  # through the allocated case
    assert [f.values["flag"] for f in shown.flags] == ["looked-after"]
    reads = AuditEvent.objects.filter(actor=officer, action=Action.READ)
    assert sorted(reads.values_list("record_type", flat=True)) == ["case", "case", "personflag"]


def test_young_person_out_of_reach_is_refused_with_break_glass_if_it_would_help(
    cambridgeshire: World,
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    elsewhere = cambridgeshire.case(team=cambridgeshire.other_team)
    with pytest.raises(RefusedCase) as refused:
        Gate(officer).young_person(elsewhere.person_id)
    assert (refused.value.case_id, refused.value.break_glass) == (elsewhere.pk, True)
    assert "break glass" in refused.value.decision.rule
    restricted = cambridgeshire.case(
        team=cambridgeshire.other_team, person=cambridgeshire.person(restricted=True)
    )
    with pytest.raises(RefusedCase) as refused:
        Gate(officer).young_person(restricted.person_id)
    assert not refused.value.break_glass  # breaking glass would not open a restricted record
    assert AuditEvent.objects.filter(actor=officer, action=Action.REFUSE).count() == 2


def test_people_around_them_are_redacted_and_audited_under_their_own_ids(db: None) -> None:
    luton = luton_world()
    # Luton's victim support worker reads identity and offending, not family.
    worker = luton.staff("victim-support-worker")
    case = luton.case(allocated_to=worker)
    add_records(luton, case, 1)
    gate = Gate(worker)
    shown = gate.young_person(case.person_id)
    related = {r.kind: r for r in gate.related_people(shown.cases)}
    # The kind of relationship is withheld, so not told by grouping either.
    family, victim = related["related"], related["victim"]
    assert family.person.values["given_name"] == "Parent0"
    assert isinstance(family.person.values["phone"], Withheld)
    assert isinstance(family.link.values["kind"], Withheld)
    assert "family" in family.link.values["kind"].reason
    assert victim.person.values["given_name"] == "Victim0"
    assert victim.link.values["contact_consent"] == "given"
    events = AuditEvent.objects.filter(record_type__in=["relationship", "victimlink"])
    assert {e.person_id for e in events} == {family.person.pk, victim.person.pk}
    assert {e.case_id for e in events} == {case.pk}


def test_a_restricted_relative_is_withheld_from_all_but_the_dpo(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    parent = cambridgeshire.person(given_name="Hidden", restricted=True)
    Relationship.objects.create(person=case.person, other=parent, kind="parent")
    gate = Gate(officer)
    (related,) = gate.related_people(gate.case(case.pk))
    assert isinstance(related.person.values["given_name"], Withheld)
    assert "Article 18" in related.person.values["given_name"].reason


def test_timeline_redacts_by_each_cases_distance_in_constant_queries(
    cambridgeshire: World,
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    person = cambridgeshire.person()
    mine = cambridgeshire.case(allocated_to=officer, person=person)
    teams = cambridgeshire.case(person=person)
    add_records(cambridgeshire, mine, 1, by=officer)
    add_records(cambridgeshire, teams, 1)

    def timeline() -> list:
        gate = Gate(officer)
        return selectors.timeline(gate, gate.young_person(person.pk).cases)

    entries = timeline()
    by_case = {(e.case_id, e.record.record): e for e in entries}
    assert by_case[(mine.pk, "contact")].record.values["notes"] == "Visit 0"
    assert by_case[(mine.pk, "contact")].recorded_by == officer.username
    # The team's case: the officer reads identity, contact and offending there, no more.
    assert isinstance(by_case[(teams.pk, "contact")].record.values["notes"], Withheld)
    assert by_case[(teams.pk, "offence")].record.values["description"] == "Offence 0"
    plan = by_case[(mine.pk, "plan")]
    assert [a.values["description"] for a in plan.actions] == ["Action 0"]
    # Newest first, by the record's own date where it may be read.
    assert entries == sorted(entries, key=lambda e: (e.when, e.recorded_at), reverse=True)
    reads = AuditEvent.objects.filter(actor=officer, action=Action.READ)
    assert reads.filter(record_type="planaction").count() == 2

    few = count_queries(timeline)
    add_records(cambridgeshire, mine, 4)
    cambridgeshire.case(allocated_to=officer, person=person)  # one more case
    assert count_queries(timeline) == few


# --- writes ---------------------------------------------------------------------------------


def test_open_case_creates_person_and_case_at_the_new_cases_distance(
    cambridgeshire: World,
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    service = cambridgeshire.pack.services[0].code
    case = Gate(officer).open_case(
        Case(team=cambridgeshire.team, allocated_to=officer),
        {"service": service, "opened_on": date(2025, 5, 1)},
        person_values={"given_name": "Ada", "family_name": "Lovelace", "health_needs": "None"},
    )
    person = Person.objects.get()
    assert (person.given_name, person.created_by, person.pack_version_id) == (
        "Ada",
        officer,
        cambridgeshire.version_id,
    )
    assert (case.person, case.allocated_to, case.created_by) == (person, officer, officer)
    created = AuditEvent.objects.filter(action=Action.CREATE).order_by("seq")
    assert [e.record_type for e in created] == ["person", "case"]
    assert created[1].case_id == case.pk and created[0].person_id == person.pk
    # The new case is the officer's: the person can be read through it straight away.
    assert Gate(officer).young_person(person.pk).cases[0].distance == Distance.ALLOCATED


def test_open_case_is_refused_before_anything_is_written(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    other = cambridgeshire.staff("youth-justice-officer")
    manager = cambridgeshire.staff("team-manager")
    service = cambridgeshire.pack.services[0].code
    stranger = cambridgeshire.case(team=cambridgeshire.other_team)
    values = {"service": service, "opened_on": date(2025, 5, 1)}
    new_person = {"given_name": "Ada", "family_name": "Lovelace"}
    attempts = [
        (officer, Case(team=cambridgeshire.other_team, allocated_to=officer), new_person, None),
        (officer, Case(team=cambridgeshire.team, allocated_to=other), new_person, None),
        (officer, Case(team=cambridgeshire.team, allocated_to=officer), {}, stranger.person_id),
        # A manager may write identity but not the case's own fields (support).
        (manager, Case(team=cambridgeshire.team, allocated_to=manager), new_person, None),
    ]
    people, cases = Person.objects.count(), Case.objects.count()
    for user, case, person_values, person_id in attempts:
        with pytest.raises(Refused):
            Gate(user).open_case(case, values, person_values=person_values, person_id=person_id)
    assert (Person.objects.count(), Case.objects.count()) == (people, cases)
    assert AuditEvent.objects.filter(action=Action.REFUSE).count() == len(attempts)


def test_a_new_case_goes_only_to_a_role_that_holds_cases(cambridgeshire: World) -> None:
    manager = cambridgeshire.staff("team-manager")
    officer = cambridgeshire.staff("youth-justice-officer")
    dpo = cambridgeshire.staff("data-protection-officer")
    gate = Gate(manager)
    # Give the manager a case worker's writes, so that only the allocation is in question.
    pack = gate.policy.pack
    writes = Grant(categories=["*"], actions=["write"], relationship=GrantRelationship.TEAM)
    roles = [
        r.model_copy(update={"grants": [*r.grants, writes]}) if r.code == "team-manager" else r
        for r in pack.roles
    ]
    gate.policy = replace(gate.policy, pack=pack.model_copy(update={"roles": roles}))
    values = {"service": pack.services[0].code, "opened_on": date(2025, 5, 1)}
    with pytest.raises(Refused, match="the worker's role does not hold cases"):
        gate.open_case(
            Case(team=cambridgeshire.team, allocated_to=dpo),
            values,
            person_values={"given_name": "Ada"},
        )
    assert not Case.objects.exists()
    case = gate.open_case(
        Case(team=cambridgeshire.team, allocated_to=officer),
        values,
        person_values={"given_name": "Ada"},
    )
    assert case.allocated_to == officer


def test_a_plan_and_its_actions_cost_one_distance_check(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    plan = Plan(case=case)
    gate = Gate(officer)
    with CaptureQueriesContext(connection) as captured:
        gate.write_all(
            [
                (plan, {"kind": "intervention", "starts_on": date(2025, 5, 1)}),
                *((PlanAction(plan=plan), {"description": f"Step {n}"}) for n in range(1, 4)),
            ],
            case=case,
        )
    assert PlanAction.objects.filter(plan=plan).count() == 3
    # The distance expression (allocated to me? my team's? my services'?) on the case.
    checks = [
        q["sql"]
        for q in captured.captured_queries
        if "CASE WHEN" in q["sql"] and '"records_case"."allocated_to_id" =' in q["sql"]
    ]
    assert len(checks) == 1, checks


def test_write_all_writes_a_plan_and_its_actions_or_nothing(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    plan = Plan(case=case)
    Gate(officer).write_all(
        [
            (plan, {"kind": "intervention", "starts_on": date(2025, 5, 1)}),
            (PlanAction(plan=plan), {"description": "Attend school"}),
        ],
        case=case,
    )
    assert PlanAction.objects.get().plan == plan
    manager = cambridgeshire.staff("team-manager")  # reads the team's cases, writes no plans
    another = Plan(case=case)
    with pytest.raises(Refused):
        Gate(manager).write_all(
            [(another, {"kind": "safety", "starts_on": date(2025, 5, 1)})], case=case
        )
    assert Plan.objects.count() == 1
    assert AuditEvent.objects.filter(actor=manager, action=Action.REFUSE).exists()
