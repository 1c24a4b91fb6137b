"""The retention sentences the packs could not say (issue 12), each with a worked date.

The pack is Cambridgeshire's with the example of docs/adr/0016 added: a fact about a case
read the longer way while unknown (the order was a licence), a date of the contract for a
service set by the DPO, family members kept until the young person's 25th birthday, and a
person's own record that goes with their last case file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from safehold.access.gate import Gate
from safehold.audit.models import AuditEvent
from safehold.records.models import Case, Person, PersonFlag
from safehold.retention import planner, services
from safehold.retention.models import RetentionUnit, ServiceDate, UnitKind, UnitStatus
from safehold.retention.rules import Basis
from safehold.retention.sweep import sweep
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


# --- a fact about a case, and its unknown state --------------------------------------------------


def licence_case(place: Place) -> Case:
    """Born 1 May 2008, court order ended 31 March 2024; looked after and CP plan recorded
    as not holding, the licence not recorded at all."""
    case = place.case(place.person(born=BORN), service="court-orders", closed_on=ENDED)
    PersonFlag.objects.filter(case=case, flag="licence").delete()
    return case


def test_an_unrecorded_case_fact_read_the_longer_way(example: Place):
    """Nobody recorded whether the order was a licence: 25th birthday (1 May 2033) or, on a
    licence, 10 years after it ended (31 March 2034). `unknown: longer`: 31 March 2034, and
    the unit says why."""
    case = licence_case(example)
    plan()
    u = case_file(case)
    assert (u.basis, u.keep_until, u.rule) == (Basis.DATED, date(2034, 3, 31), "licence")
    assert u.note == "not recorded: licence; the longer reading applies"
    assert u.anchors["not-recorded"] == ["licence"]


def test_a_case_fact_recorded_through_the_gate(example: Place):
    """Recorded as not a licence, through the gate (audited, recomputed in the same
    transaction): the 25th birthday, 1 May 2033. Recorded as a licence: 31 March 2034."""
    officer = example.staff("youth-justice-officer")
    case = licence_case(example)
    Case.objects.filter(pk=case.pk).update(allocated_to=officer)
    case.refresh_from_db()
    plan()
    fact = Gate(officer).write(
        PersonFlag(person=case.person, case=case), {"flag": "licence", "holds": False}, case=case
    )
    assert (case_file(case).keep_until, case_file(case).note) == (date(2033, 5, 1), "")
    assert AuditEvent.objects.filter(record_type="personflag", record_id=fact.pk).exists()
    Gate(officer).write(fact, {"holds": True}, case=case)
    assert (case_file(case).keep_until, case_file(case).rule) == (date(2034, 3, 31), "licence")


def test_a_fact_of_one_case_is_not_a_fact_of_another(example: Place):
    person = example.person(born=BORN)
    licence = example.case(person, service="court-orders", closed_on=ENDED)
    other = example.case(person, service="court-orders", closed_on=ENDED)
    PersonFlag.objects.filter(case=licence, flag="licence").update(holds=True)
    plan()
    assert case_file(licence).keep_until == date(2034, 3, 31)
    assert case_file(other).keep_until == date(2033, 5, 1)


def test_an_unrecorded_flag_the_pack_reviews_is_a_gap(example: Place):
    """Cambridgeshire: 25 years, or 75 if looked after or on a CP plan. Nobody recorded
    either (`unknown: review`): never destroyed at 25, a gap the DPO sees instead."""
    case = example.case(
        example.person(born=BORN), service="pre-court", closed_on=ENDED, recorded=False
    )
    plan()
    u = case_file(case)
    assert (u.basis, u.keep_until) == (Basis.MISSING, None)
    assert u.note == "not recorded: child-protection-plan, looked-after"
    assert RetentionUnit.objects.gaps().filter(pk=u.pk).exists()


# --- dates of the service or its contract ----------------------------------------------------------


def test_units_wait_for_the_end_of_the_contract_until_the_dpo_sets_it(example: Place):
    """'3 years after the end of the contract for the service': until the DPO sets the date,
    the unit waits and says for what; set to 31 March 2028, it is dated 31 March 2031 (later
    than the 6 years after the service ended, 31 March 2030). The history keeps who set what
    date when, and the setting is audited."""
    case = example.case(
        example.person(born=date(1990, 1, 1)), service="volunteering", closed_on=ENDED
    )
    plan()
    u = case_file(case)
    assert (u.basis, u.note) == (
        Basis.PENDING,
        "waiting for the end date of the contract for Volunteers who help deliver the service",
    )
    services.set_service_date(
        by=example.dpo, service="volunteering", event="contract-ended", on=date(2028, 3, 31)
    )
    u = case_file(case)
    assert (u.basis, u.keep_until, u.rule) == (
        Basis.DATED,
        date(2031, 3, 31),
        "volunteering-contract",
    )
    services.set_service_date(
        by=example.dpo, service="volunteering", event="contract-ended", on=date(2029, 3, 31)
    )
    assert case_file(case).keep_until == date(2032, 3, 31)
    history = list(ServiceDate.objects.order_by("pk").values_list("on", "set_by_id"))
    assert history == [(date(2028, 3, 31), example.dpo.pk), (date(2029, 3, 31), example.dpo.pk)]
    assert AuditEvent.objects.filter(record_type="servicedate").count() == 2


def test_only_the_dpo_sets_a_service_date(example: Place):
    officer = example.staff("youth-justice-officer")
    with pytest.raises(services.NotAllowed):
        services.set_service_date(
            by=officer, service="volunteering", event="contract-ended", on=date(2027, 3, 31)
        )
    with pytest.raises(ValueError, match="not an event of a service"):
        services.set_service_date(
            by=example.dpo, service="volunteering", event="case-closed", on=date(2027, 3, 31)
        )
    assert not ServiceDate.objects.exists()


# --- an anchor on another person --------------------------------------------------------------------


def test_family_members_kept_until_the_young_persons_25th_birthday(example: Place):
    """A parent (born 1980) of a young person born 1 May 2008, and of a younger one born
    2 February 2011: kept until the younger's 25th birthday, 2 February 2036, not the
    parent's own, nor 6 years after the record last changed (2032)."""
    parent = example.person(born=date(1980, 1, 1))
    older, younger = example.person(born=BORN), example.person(born=date(2011, 2, 2))
    for child in (older, younger):
        example.case(child, closed_on=ENDED)
        example.relate(parent, child)
    last_changed(parent, date(2026, 1, 1))
    plan()
    u = unit(UnitKind.NON_CASE_FILE, parent.pk)
    assert (u.basis, u.keep_until, u.rule) == (Basis.DATED, date(2036, 2, 2), "family")


def test_a_young_person_without_a_date_of_birth_leaves_a_gap(example: Place):
    parent = example.person(born=date(1980, 1, 1))
    child = example.person(born=None)
    example.case(child, closed_on=ENDED)
    example.relate(parent, child)
    plan()
    u = unit(UnitKind.NON_CASE_FILE, parent.pk)
    assert (u.basis, u.note) == (Basis.MISSING, "not recorded: young-person:date-of-birth")


# --- a record that goes with its last case file ---------------------------------------------------


def test_a_persons_record_goes_with_their_last_case_file(example: Place):
    """Born 1 May 1990 (25th birthday long past), closed 31 March 2014: the case file is
    destroyed; the person's own record, last changed in 2010 (6 years: 2016), goes with it:
    due the day the case file went, not six years before."""
    person = example.person(born=date(1990, 5, 1))
    case = example.case(person, service="court-orders", closed_on=date(2014, 3, 31))
    last_changed(person, date(2010, 1, 1))
    planner.plan()
    own = unit(UnitKind.PERSON, person.pk)
    assert (own.basis, own.held_by) == (Basis.PENDING, "held by 1 case file")
    assert own.note == "waiting for: case-files-disposed"
    services.approve([case_file(case)], example.dpo)
    sweep()
    assert case_file(case).status == UnitStatus.DISPOSED
    planner.plan()
    own = unit(UnitKind.PERSON, person.pk)
    gone = case_file(case).disposed_at
    assert gone is not None
    assert (own.basis, own.rule, own.keep_until) == (
        Basis.DATED,
        "goes-with",
        gone.astimezone(UTC).date(),
    )
    assert own.status == UnitStatus.DUE


def test_goes_with_counts_a_persons_own_case_file_when_others_name_them(example: Place):
    """A parent with a case file of their own (destroyed), whom their child's relationship
    names: their record goes with their own last case file all the same."""
    parent = example.person(born=date(1990, 5, 1))
    case = example.case(parent, service="court-orders", closed_on=date(2014, 3, 31))
    child = example.person(born=BORN)
    example.relate(child, parent)
    last_changed(parent, date(2010, 1, 1))
    planner.plan()
    services.approve([case_file(case)], example.dpo)
    sweep()
    planner.plan()
    gone = case_file(case).disposed_at
    assert gone is not None
    own = unit(UnitKind.PERSON, parent.pk)
    assert (own.rule, own.keep_until) == ("goes-with", gone.astimezone(UTC).date())
