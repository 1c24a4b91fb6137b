"""Every retention sentence of the three notices, as a worked example with real dates.

Each test builds the records the sentence is about on the shipped pack, runs the plan, and
reads the date (or the gap) the unit was given, the rule that gave it and what happens then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from safehold.records.models import Person
from safehold.retention import planner
from safehold.retention.models import RetentionUnit, UnitKind, UnitStatus
from safehold.retention.rules import Basis
from tests.retention.conftest import Place, case_file, unit

TODAY = date(2026, 6, 1)
BORN = date(2008, 5, 1)
ENDED = date(2024, 3, 31)


def plan() -> None:
    planner.plan(today=TODAY)


def last_changed(person: Person, on: date) -> None:
    Person.objects.filter(pk=person.pk).update(
        updated_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC)
    )


def dated(u: RetentionUnit) -> tuple[str, date | None, str]:
    assert u.basis == Basis.DATED, (u.basis, u.note)
    return u.rule, u.keep_until, u.action


# --- Cambridgeshire Youth Offending Service --------------------------------------------------------


def test_cambridgeshire_case_files_kept_for_25_years(yos: Place):
    """'Young Offenders case files are kept for 25years' - born 1 May 2008, supervised on a
    court order that ended 31 March 2024: destroyed on the 25th birthday, 1 May 2033."""
    case = yos.case(yos.person(born=BORN), service="court-orders", closed_on=ENDED)
    plan()
    assert dated(case_file(case)) == ("case-file", date(2033, 5, 1), "destroy")


@pytest.mark.parametrize("flag", ["looked-after", "child-protection-plan"])
def test_cambridgeshire_looked_after_or_cp_plan_75_years(yos: Place, flag: str):
    """'if a young person is looked after by the Local Authority or has been subject of a
    Child Protection Plan then records will be kept for 75 years' - the longer rule wins."""
    person = yos.person(born=BORN)
    yos.flag(person, flag)
    case = yos.case(person, service="pre-court", closed_on=ENDED)
    plan()
    assert dated(case_file(case)) == ("case-file-looked-after-or-cp", date(2083, 5, 1), "destroy")
    assert case_file(case).anchors["flags"] == [flag]


def test_cambridgeshire_leap_day_birthday(yos: Place):
    """Born 29 February 2008: the 25th birthday, in 2033 (a common year), is 1 March."""
    case = yos.case(yos.person(born=date(2008, 2, 29)), closed_on=ENDED)
    plan()
    assert case_file(case).keep_until == date(2033, 3, 1)


def test_cambridgeshire_information_not_part_of_case_files_6_years(yos: Place):
    """'We keep information which is not part of case files for up to 6 years' - a person's
    flags and relationships, last changed 30 June 2024: until 30 June 2030, but never while
    a case file still reads them (the 75 years turn on the flags)."""
    young = yos.person(born=BORN)
    parent = yos.person(born=date(1980, 1, 1))
    yos.flag(young, "looked-after")
    yos.relate(young, parent)
    case = yos.case(young, closed_on=ENDED)
    last_changed(young, date(2024, 6, 30))
    plan()
    flags = unit(UnitKind.NON_CASE_FILE, young.pk)
    assert dated(flags) == ("non-case-file", date(2030, 6, 30), "destroy")
    assert flags.held_by == "read by 1 case file"
    assert case_file(case).keep_until == date(2083, 5, 1)
    # The parent has no case; their record is held while the young person's relationships
    # name them.
    assert unit(UnitKind.PERSON, parent.pk).held_by == "named in 1 relationship of other people"


def test_cambridgeshire_a_person_once_no_case_holds_them_6_years(yos: Place):
    """The same sentence covers a person's own record once no case file holds them: last
    changed 30 June 2024, due 30 June 2030."""
    person = yos.person(born=date(1990, 1, 1))
    last_changed(person, date(2024, 6, 30))
    plan()
    own = unit(UnitKind.PERSON, person.pk)
    assert dated(own) == ("non-case-file", date(2030, 6, 30), "destroy")
    assert own.held_by == ""


@pytest.mark.parametrize("service", ["victim-support", "volunteering"])
def test_cambridgeshire_victims_and_volunteers_are_not_young_offenders_case_files(
    yos: Place, service: str
):
    """An adult victim's support (born 1970) is not a young offender's case file: not the
    25th birthday (long past), but 6 years after the service ended, 31 March 2030."""
    case = yos.case(yos.person(born=date(1970, 1, 1)), service=service, closed_on=ENDED)
    plan()
    assert dated(case_file(case)) == ("victim-volunteer-records", date(2030, 3, 31), "destroy")


# --- Luton Youth Partnership Service ------------------------------------------------------------


def test_luton_sentenced_5_years_or_18th_birthday_whichever_first(yps: Place):
    """'1) ... sentenced by the courts: ... up to 5 years after you have stopped receiving a
    service from us or until your 18th birthday (whichever happens first), but in some cases
    this may be longer' - born 1 May 2008, service ended 31 March 2024: 5 years would be 31
    March 2029, the 18th birthday is 1 May 2026, first. Reviewed, not destroyed unseen."""
    case = yps.case(yps.person(born=BORN), service="court-sentenced", closed_on=ENDED)
    plan()
    assert dated(case_file(case)) == ("sentenced", date(2026, 5, 1), "review")
    assert case_file(case).status == UnitStatus.DUE  # 1 June 2026: due for review


def test_luton_sentenced_after_18_the_floor_holds_it_until_the_service_ended(yps: Place):
    """Born 1 May 2000, sentenced at 22: read literally, the 18th birthday (1 May 2018) came
    first, years before the service ended (31 March 2024). The floor (`not_before:
    case-closed`) dates it on the day the service ended, and flags it for review with the
    reason, instead of a date six years before the file was closed that nobody sees."""
    case = yps.case(yps.person(born=date(2000, 5, 1)), service="court-sentenced", closed_on=ENDED)
    plan()
    u = case_file(case)
    assert dated(u) == ("sentenced", ENDED, "review")
    assert u.note == (
        "for review: the rule gives 2018-05-01, before case-closed; nothing is due before it"
    )


def test_luton_sentenced_the_floor_leaves_an_earlier_birthday_within_the_service_alone(
    yps: Place,
):
    """Born 1 May 2008, service ended 31 March 2024: the 18th birthday (1 May 2026) is after
    the service ended, so the floor changes nothing and says nothing."""
    case = yps.case(yps.person(born=BORN), service="court-sentenced", closed_on=ENDED)
    plan()
    assert (dated(case_file(case)), case_file(case).note) == (
        ("sentenced", date(2026, 5, 1), "review"),
        "",
    )


@pytest.mark.parametrize("service", ["diversion", "youth-caution", "youth-conditional-caution"])
def test_luton_diversion_caution_3_years_or_18th_birthday(yps: Place, service: str):
    """'2) ... Diversion, Caution or Conditional Caution: ... up to 3 years after you have
    stopped receiving a service from us or until your 18th birthday (whichever happens
    first)' - born 15 September 2010, ended 31 March 2024: 31 March 2027 comes first."""
    case = yps.case(yps.person(born=date(2010, 9, 15)), service=service, closed_on=ENDED)
    plan()
    assert dated(case_file(case)) == ("diversion-caution", date(2027, 3, 31), "review")


def test_luton_magpan_12_months(yps: Place):
    """'3) ... MAGPan ... prevention intervention: ... up to 12 months after you have stopped
    receiving a service from us' - ended 31 March 2024: 31 March 2025."""
    case = yps.case(yps.person(born=BORN), service="magpan-prevention", closed_on=ENDED)
    plan()
    assert dated(case_file(case)) == ("magpan-prevention", date(2025, 3, 31), "review")


def test_luton_looked_after_children_act_no_period_stated(yps: Place):
    """'If you have been Looked After by a Local Authority ... We retain original written
    records ... in line with the Children Act 2004' - no period: a gap, shown to the DPO,
    never disposed of on the other rule's date."""
    person = yps.person(born=BORN)
    yps.flag(person, "looked-after")
    case = yps.case(person, service="court-sentenced", closed_on=ENDED)
    plan()
    u = case_file(case)
    assert (u.basis, u.keep_until, u.rule) == (Basis.NO_PERIOD, None, "looked-after")
    assert "Children Act 2004" in u.note
    assert u.status == UnitStatus.ACTIVE
    assert RetentionUnit.objects.gaps().filter(pk=u.pk).exists()


def test_luton_while_the_service_goes_on_nothing_is_due(yps: Place):
    """'after you have stopped receiving a service from us': an open case waits."""
    case = yps.case(yps.person(born=date(2000, 1, 1)), service="court-sentenced")
    plan()
    u = case_file(case)
    assert (u.basis, u.held_by, u.status) == (Basis.PENDING, "the case is open", "active")
    assert u.note == "waiting for: case-closed"


def test_luton_states_nothing_for_a_person_without_a_case(yps: Place):
    """The booklet gives periods for children's case records only: a person's own record,
    once no case file holds them, has no rule - a gap, not kept silently for ever."""
    person = yps.person(born=date(1975, 1, 1))
    plan()
    own = unit(UnitKind.PERSON, person.pk)
    assert (own.basis, own.keep_until) == (Basis.NO_RULE, None)


# --- Leicestershire Children and Family Wellbeing Service ----------------------------------------


@pytest.mark.parametrize("service", ["family-wellbeing", "youth-justice", "victim-support"])
def test_leicestershire_retention_schedule_no_period_stated(cfws: Place, service: str):
    """'For the Children and Family Wellbeing Service the retention period will depend on the
    service that is accessed by you. Retention periods have been set out in our Retention
    Schedule' - which the notice does not publish: every case file is a gap for the DPO."""
    case = cfws.case(cfws.person(born=BORN), service=service, closed_on=ENDED)
    plan()
    u = case_file(case)
    assert (u.basis, u.rule, u.action) == (Basis.NO_PERIOD, "retention-schedule", "review")
    assert "Retention Schedule" in u.note


# --- every notice: as long as needed, never silently for ever ----------------------------------


def test_no_unit_is_kept_forever_without_saying_why(yos: Place, yps: Place, cfws: Place):
    """'We only keep information for as long as it is needed': every unit has a date, waits
    for a named event, or is a gap the DPO sees."""
    for place in (yos, yps, cfws):
        person = place.person(born=BORN)
        place.full_case(person, closed_on=ENDED)
        place.case(person)
    plan()
    for u in RetentionUnit.objects.all():
        assert u.keep_until is not None or u.basis in {
            Basis.PENDING,
            Basis.NO_PERIOD,
            Basis.NO_RULE,
            Basis.MISSING,
        }
        assert u.keep_until is not None or u.note, u
