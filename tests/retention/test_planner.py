"""The plan: every unit computed from the records, in chunks, written only when it changed;
and recomputed at once when the gate writes an anchor."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import yaml
from django.db import connection

from safehold.access.gate import Gate
from safehold.policy.services import load_pack
from safehold.records.models import Contact
from safehold.retention import planner, services
from safehold.retention.models import RetentionUnit, UnitKind, UnitStatus
from safehold.retention.rules import Basis
from tests.policy.test_retention_forms import pack_text
from tests.retention.conftest import Place, case_file, place_of, unit

BORN = date(2008, 5, 1)
ENDED = date(2024, 3, 31)


def test_every_case_and_person_gets_its_units(yos: Place):
    young = yos.person(born=BORN)
    yos.flag(young, "looked-after")
    yos.full_case(young, closed_on=ENDED)
    yos.case(young)
    report = planner.plan()
    # 2 case files; the young person, their flags, and the victim of the full case.
    assert (report.case_files, report.people) == (2, 2)
    assert sorted(RetentionUnit.objects.values_list("kind", flat=True)) == [
        "case-file",
        "case-file",
        "non-case-file",
        "person",
        "person",
    ]
    assert report.written == 5


def test_a_second_plan_writes_nothing(yos: Place):
    for _ in range(3):
        yos.full_case(yos.person(born=BORN), closed_on=ENDED)
    planner.plan()
    again = planner.plan()
    assert (again.written, again.skipped) == (0, 0)


def test_chunks_make_no_difference(yos: Place):
    for i in range(7):
        yos.full_case(yos.person(born=date(2000 + i, 1, 1)), closed_on=ENDED)
    planner.plan(chunk=2)
    small = set(RetentionUnit.objects.values_list("kind", "key", "keep_until", "held_by"))
    RetentionUnit.objects.all().delete()
    planner.plan(chunk=1000)
    assert set(RetentionUnit.objects.values_list("kind", "key", "keep_until", "held_by")) == small


def test_queries_do_not_grow_with_the_rows(yos: Place, django_assert_max_num_queries):
    def cases(n: int) -> None:
        for _ in range(n):
            person = yos.person(born=BORN)
            yos.flag(person, "child-protection-plan")
            yos.full_case(person, closed_on=ENDED)

    cases(3)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        planner.plan()
    RetentionUnit.objects.all().delete()
    cases(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        planner.plan()


def test_progress_is_reported(yos: Place):
    yos.case(yos.person())
    seen: list[tuple[str, int, int]] = []
    planner.plan(progress=lambda what, done, total: seen.append((what, done, total)))
    assert seen == [("case files", 0, 1), ("case files", 1, 1), ("people", 0, 1), ("people", 1, 1)]


def test_a_plan_never_overwrites_a_unit_changed_while_it_computed(yos: Place):
    """The planner read the unit, the DPO approved it, then the planner wrote: its write is
    refused by the revision guard, and the approval stands."""
    case = yos.case(yos.person(born=date(1990, 1, 1)), closed_on=ENDED)
    planner.plan()
    from django.utils import timezone

    scope = planner.Scope(ids=(case.pk,))
    stale = planner.propose_case_files(
        scope,
        planner.Packs(),
        planner.Holds.load(),
        timezone.localdate(),
        timezone.now(),
        every=True,
    )
    services.approve([case_file(case)], yos.dpo)
    # Make the stale proposal differ so that the planner would write it.
    stale[0].values["digest"] = "stale"
    assert planner.write(stale) == (0, 1)
    assert case_file(case).status == UnitStatus.APPROVED


# --- the anchors a rule can name, read from the records ------------------------------------------

EVERY_EVENT = [
    {
        "code": "born",
        "name": "Born",
        "unit": "case-file",
        "statement": "s",
        "keep": {"for": "1 day", "after": "date-of-birth"},
    },
    {
        "code": "order",
        "name": "Order",
        "unit": "case-file",
        "statement": "s",
        "keep": {"for": "2 days", "after": "order-ended"},
    },
    {
        "code": "contact",
        "name": "Contact",
        "unit": "case-file",
        "statement": "s",
        "keep": {"for": "3 days", "after": "case-last-contact"},
    },
    {
        "code": "updated",
        "name": "Updated",
        "unit": "case-file",
        "statement": "s",
        "keep": {"for": "4 days", "after": "record-updated"},
    },
    {
        "code": "contract",
        "name": "Contract",
        "unit": "case-file",
        "statement": "s",
        "keep": {"for": "3 years", "after": "contract-ended"},
    },
    {
        "code": "sen",
        "name": "SEN",
        "unit": "case-file",
        "statement": "s",
        "keep": {"if": {"flag": "sen"}, "then": {"birthday": 26}, "else": {"birthday": 22}},
    },
    {
        "code": "adult",
        "name": "Adult",
        "unit": "case-file",
        "statement": "s",
        "keep": {
            "if": {"age_at": {"event": "order-ended", "at_least": 18}},
            "then": {"for": "6 years", "after": "order-ended"},
        },
    },
]


@pytest.fixture
def every_event(db: None) -> Place:
    text = pack_text(*EVERY_EVENT)
    return place_of(load_pack(text.encode(), source_name="every-event").version)


def test_anchors_are_read_from_the_records(every_event: Place):
    place = every_event
    person = place.person(born=date(2005, 7, 1))
    place.flag(person, "sen")
    case = place.case(person, closed_on=ENDED)
    place.outcome(case, "yro", date(2023, 1, 1), date(2024, 1, 31))
    place.outcome(case, "youth-caution", date(2022, 1, 1), date(2030, 1, 1))  # not an order
    Contact.objects.create(
        case=case,
        kind="phone",
        occurred_at=datetime(2024, 3, 1, 23, 30, tzinfo=UTC),
        pack_version_id=place.version_id,
    )
    planner.plan()
    u = case_file(case)
    updated = u.anchors["record-updated"]
    assert u.anchors == {
        "date-of-birth": "2005-07-01",
        "order-ended": "2024-01-31",
        # The day in London: 23:30 UTC on 1 March is still 1 March (GMT).
        "case-last-contact": "2024-03-01",
        "record-updated": updated,
        "contract-ended": "2027-03-31",
        "flags": ["sen"],
    }
    # Every rule applies; the latest date wins: the 26th birthday (SEN), 1 July 2031, beats
    # 6 years after the order (31 January 2030) and 3 years after the contract (2030).
    assert (u.basis, u.rule, u.keep_until) == (Basis.DATED, "sen", date(2031, 7, 1))


def test_a_running_order_or_an_open_case_waits(every_event: Place):
    place = every_event
    case = place.case(place.person(born=date(2005, 7, 1)), closed_on=ENDED)
    place.outcome(case, "dto", date(2023, 1, 1), None)  # still running
    Contact.objects.create(
        case=case,
        kind="phone",
        occurred_at=datetime(2024, 3, 1, tzinfo=UTC),
        pack_version_id=place.version_id,
    )
    planner.plan()
    u = case_file(case)
    assert u.anchors["order-ended"] == "to-come"
    assert (u.basis, u.keep_until) == (Basis.PENDING, None)
    assert "order-ended" in u.note


def test_a_closed_case_without_an_order_never_has_an_order_end(every_event: Place):
    place = every_event
    case = place.case(place.person(born=date(2005, 7, 1)), closed_on=ENDED)
    planner.plan()
    assert case_file(case).anchors["order-ended"] == "never"


def test_a_service_event_the_pack_has_not_dated_waits(db: None):
    data = yaml.safe_load(pack_text(EVERY_EVENT[4]))
    data["services"][0]["dates"] = {}
    place = place_of(load_pack(yaml.safe_dump(data).encode()).version)
    case = place.case(place.person(), closed_on=ENDED)
    planner.plan()
    u = case_file(case)
    assert (u.basis, u.anchors["contract-ended"]) == (Basis.PENDING, "to-come")


# --- recomputed when the gate writes -------------------------------------------------------------


def test_the_gate_recomputes_a_case_file_when_a_date_of_birth_changes(yos: Place):
    officer = yos.staff("youth-justice-officer")
    case = yos.case(yos.person(born=BORN), closed_on=ENDED, allocated_to=officer)
    planner.plan()
    assert case_file(case).keep_until == date(2033, 5, 1)
    Gate(officer).write(case.person, {"date_of_birth": date(2009, 6, 2)}, case=case)
    assert case_file(case).keep_until == date(2034, 6, 2)


def test_the_gate_recomputes_when_a_case_closes(yps: Place):
    officer = yps.staff("youth-justice-officer")
    case = yps.case(yps.person(born=BORN), service="magpan-prevention", allocated_to=officer)
    planner.plan()
    assert case_file(case).basis == Basis.PENDING
    Gate(officer).write(case, {"closed_on": ENDED}, case=case)
    u = case_file(case)
    assert (u.basis, u.keep_until, u.held_by) == (Basis.DATED, date(2025, 3, 31), "")


def test_the_gate_recomputes_when_a_flag_is_written(yos: Place):
    officer = yos.staff("youth-justice-officer")
    case = yos.case(yos.person(born=BORN), closed_on=ENDED, allocated_to=officer)
    from safehold.records.models import PersonFlag

    Gate(officer).write(
        PersonFlag(person=case.person), {"flag": "looked-after", "started_on": None}, case=case
    )
    assert case_file(case).keep_until == date(2083, 5, 1)
    assert unit(UnitKind.NON_CASE_FILE, case.person_id).held_by == "read by 1 case file"


def test_a_disposed_unit_opens_again_when_written_to(yps: Place):
    from safehold.retention.sweep import sweep

    officer = yps.staff("youth-justice-officer")
    case = yps.case(
        yps.person(born=date(1990, 1, 1)),
        service="magpan-prevention",
        closed_on=ENDED,
        allocated_to=officer,
    )
    planner.plan()
    services.approve([case_file(case)], yps.dpo, action="anonymise")
    sweep()
    assert case_file(case).status == UnitStatus.DISPOSED
    assert planner.plan().written == 1  # the person: no case file holds them any more
    # Someone writes to the anonymised case: it holds information again.
    case.refresh_from_db()
    case.save()
    planner.plan()
    assert case_file(case).status != UnitStatus.DISPOSED


# --- workers -----------------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: workers are processes with connections of their own, which the "
    "in-memory SQLite test database cannot have (and SQLite writes one at a time anyway)",
)
@pytest.mark.django_db(transaction=True)
def test_workers_compute_what_one_process_does(erased_log: None):
    from tests.retention.conftest import make_place

    yos = make_place("cambridgeshire-yos")
    for i in range(30):
        person = yos.person(born=date(1995 + i % 10, 1 + i % 12, 1 + i % 28))
        if i % 4 == 0:
            yos.flag(person, "looked-after")
        yos.case(person, closed_on=ENDED if i % 5 else None)
    one = planner.plan(chunk=7)
    by_one = set(
        RetentionUnit.objects.values_list("kind", "key", "keep_until", "held_by", "status")
    )
    RetentionUnit.objects.all().delete()
    two = planner.plan(chunk=7, workers=2)
    by_two = set(
        RetentionUnit.objects.values_list("kind", "key", "keep_until", "held_by", "status")
    )
    assert by_two == by_one
    assert (two.case_files, two.people, two.written) == (one.case_files, one.people, one.written)


def test_a_date_of_birth_past_the_calendar_does_not_stop_the_plan(yos: Place):
    # Refused on input now (records/validation.py); a row held from before must not stop the
    # planner for everyone else.
    yos.full_case(yos.person(born=date(9999, 12, 31)), closed_on=ENDED)
    yos.case(yos.person(born=BORN))
    report = planner.plan()
    assert report.case_files == 2
