"""The sweep disposes of approved units, each whole or not at all, and records it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from safehold.access.models import BreakGlass
from safehold.audit.models import Action, AuditEvent
from safehold.records.models import (
    Assessment,
    Case,
    Contact,
    Offence,
    Person,
    PersonFlag,
    PlanAction,
    Relationship,
    VictimLink,
)
from safehold.retention import planner, services
from safehold.retention import sweep as sweep_module
from safehold.retention.models import DisposalRecord, RetentionUnit, UnitKind, UnitStatus
from safehold.retention.sweep import SweepError, sweep
from safehold.rights import services as rights
from tests.retention.conftest import Place, approve_all, case_file, due_case, rows_of, unit

# Cambridgeshire: born 1 May 1990, the 25th birthday (1 May 2015) long past; case closed.
BORN = date(1990, 5, 1)
CLOSED = date(2014, 3, 31)
CASE_FILE_RECORDS = {
    "case": 1,
    "contact": 1,
    "assessment": 1,
    "plan": 1,
    "planaction": 1,
    "offence": 1,
    "victimlink": 1,
    "outcome": 1,
    "report": 1,
    "personflag": 2,  # the case's facts: not looked after, no child protection plan
}


# --- destroying a case file ---------------------------------------------------------------------


def test_destroys_a_case_file_whole_and_records_it(yos: Place):
    case = due_case(yos)
    kept = yos.case(yos.person(born=date(2010, 1, 1)), closed_on=CLOSED)  # not yet due
    assert approve_all(yos) == 1
    report = sweep()

    assert rows_of(case.pk) == dict.fromkeys(rows_of(case.pk), 0)
    assert Case.objects.filter(pk=kept.pk).exists()
    (disposed,) = report.disposed
    assert (disposed.kind, disposed.key, disposed.rule, disposed.action) == (
        "case-file",
        case.pk,
        "case-file",
        "destroy",
    )
    record = DisposalRecord.objects.get()
    assert record.counts == CASE_FILE_RECORDS
    assert (record.rule, record.action, record.due_on) == ("case-file", "destroy", date(2015, 5, 1))
    assert record.approved_by == yos.dpo
    assert record.pack_version_id == yos.version_id
    tombstone = case_file(case)
    assert (tombstone.status, tombstone.anchors, tombstone.service) == ("disposed", {}, "")

    event = AuditEvent.objects.get(action=Action.RETENTION_DISPOSE)
    assert (event.case_id, event.person_id, event.actor_id) == (case.pk, case.person_id, None)
    assert "retention rule 'case-file' (destroy), due 2015-05-01" in event.rule
    assert "offending" in event.category_codes and "health" in event.category_codes


def test_the_destruction_record_and_audit_hold_no_personal_data(yos: Place):
    person = yos.person(born=BORN, given_name="Zephyrine", family_name="Quillfeather")
    due_case(yos, person=person)
    approve_all(yos)
    sweep()
    for text in (
        str(list(DisposalRecord.objects.values())),
        str(list(AuditEvent.objects.filter(action=Action.RETENTION_DISPOSE).values())),
        str(list(RetentionUnit.objects.filter(status="disposed").values())),
    ):
        assert "Zephyrine" not in text and "Quillfeather" not in text
        assert "1990-05-01" not in text  # the date of birth went with the anchors


def test_break_glass_into_the_case_goes_with_it(yos: Place):
    case = due_case(yos)
    officer = yos.staff("youth-justice-officer")
    BreakGlass.objects.create(
        user=officer, case=case, reason="Urgent safeguarding call", expires_at=case.created_at
    )
    approve_all(yos)
    sweep()
    assert not BreakGlass.objects.filter(case_id=case.pk).exists()
    assert DisposalRecord.objects.get().counts["breakglass"] == 1


def test_then_the_person_once_nothing_holds_them(yos: Place):
    person = yos.person(born=BORN)
    yos.flag(person, "looked-after")
    parent = yos.person(born=date(1960, 1, 1))
    yos.relate(person, parent)
    # Looked after: 75 years. Make it due by ageing the person: born 1 June 1939, the 75th
    # birthday (1 June 2014) is after the service ended (31 March 2014), so no floor applies.
    Person.objects.filter(pk=person.pk).update(date_of_birth=date(1939, 6, 1))
    case = due_case(yos, person=person)
    Person.objects.update(updated_at=datetime(2010, 1, 1, tzinfo=UTC))

    approve_all(yos)
    sweep()
    assert not Case.objects.filter(pk=case.pk).exists()
    # Now the flags and relationships are free (no case file reads them); the person waits
    # for them, the parent for the relationship naming them.
    assert approve_all(yos) == 2  # the flags and relationships; the victim's own record
    sweep()
    assert not PersonFlag.objects.filter(person=person).exists()
    assert not Relationship.objects.exists()
    assert approve_all(yos) == 2  # the person, and the parent
    sweep()
    assert not Person.objects.filter(pk__in=[person.pk, parent.pk]).exists()
    kinds = sorted(DisposalRecord.objects.values_list("kind", flat=True))
    assert kinds == ["case-file", "non-case-file", "person", "person", "person"]


def test_a_person_a_kept_case_still_points_at_is_anonymised_not_deleted(yps: Place):
    """An anonymised case file keeps its rows, which point at the person: the person's own
    record is then anonymised whole instead of deleted."""
    person = yps.person(born=BORN, given_name="Zephyrine")
    case = yps.case(person, service="court-sentenced", closed_on=CLOSED)
    approve_all(yps, action="anonymise")
    sweep()
    assert case_file(case).status == UnitStatus.DISPOSED
    planner.plan()
    own = unit(UnitKind.PERSON, person.pk)
    assert own.held_by == ""  # an anonymised case holds no one
    assert own.basis == "no-rule"  # Luton states no period for it: the DPO must decide


# --- anonymising and archiving --------------------------------------------------------------------


def test_review_needs_a_decision(yps: Place):
    due_case(yps, service="court-sentenced")
    planner.plan()
    with pytest.raises(ValueError, match="needs a decision"):
        services.approve(RetentionUnit.objects.due(), yps.dpo)


def test_anonymise_overwrites_every_field_and_keeps_the_shape(yps: Place):
    case = due_case(yps, service="court-sentenced")
    approve_all(yps, action="anonymise")
    report = sweep()
    assert report.disposed[0].action == "anonymise"
    assert rows_of(case.pk) == {k: 1 for k in rows_of(case.pk)}  # the shape stays
    kept = Case.objects.get(pk=case.pk)
    assert (kept.service, kept.opened_on, kept.closed_on) == ("", date(2023, 1, 1), None)
    assert Contact.objects.get(case=case).notes == ""
    assert Offence.objects.get(case=case).description == ""
    assert Assessment.objects.get(case=case).health_findings == ""
    assert PlanAction.objects.get(plan__case=case).description == ""
    assert case_file(case).status == UnitStatus.DISPOSED
    record = DisposalRecord.objects.get()
    assert (record.action, record.counts["contact"]) == ("anonymise", 1)


def test_anonymise_only_the_rules_categories(yps: Place):
    """A rule that names categories anonymises the fields those categories hold, no more."""
    case = due_case(yps, service="court-sentenced")
    planner.plan()
    u = case_file(case)
    # As if the rule were written `categories: [health, chat]`.
    health = frozenset(
        name for c in yps.pack.categories if c.code in ("health", "chat") for name in c.holds
    )
    monkey = pytest.MonkeyPatch()
    monkey.setattr(sweep_module, "_fields_to_anonymise", lambda unit, packs: health)
    try:
        services.approve([u], yps.dpo, action="anonymise")
        sweep()
    finally:
        monkey.undo()
    assessment = Assessment.objects.get(case=case)
    assert (assessment.health_findings, assessment.summary) == ("", "Low risk")
    assert Contact.objects.get(case=case).notes == "Seen at the office"


def test_archive_restricts_the_case(yps: Place):
    case = due_case(yps, service="court-sentenced")
    approve_all(yps, action="archive")
    sweep()
    assert Case.objects.get(pk=case.pk).restricted is True
    assert case_file(case).status == UnitStatus.ARCHIVED
    assert DisposalRecord.objects.get().action == "archive"


# --- what suspends disposal -------------------------------------------------------------------------


@pytest.mark.parametrize("on", ["case", "person", "service", "victim"])
def test_a_legal_hold_suspends_disposal(yos: Place, on: str):
    case = due_case(yos)
    approve_all(yos)
    victim = VictimLink.objects.get(offence__case=case).victim
    target = {
        "case": {"case": case},
        "person": {"person": case.person},
        "service": {"service": case.service},
        "victim": {"person": victim},
    }[on]
    hold = services.place_hold(
        by=yos.dpo, reason="Civil claim", review_on=date(2027, 1, 1), **target
    )
    u = case_file(case)
    assert u.status == UnitStatus.ACTIVE and f"legal hold {hold.pk}" in u.held_by
    assert sweep().disposed == []
    assert Case.objects.filter(pk=case.pk).exists()

    services.lift_hold(hold, yos.dpo, reason="Claim settled")
    assert case_file(case).status == UnitStatus.DUE  # approval does not come back by itself
    assert approve_all(yos) == 1
    assert len(sweep().disposed) == 1


def test_a_hold_placed_after_the_plan_is_seen_by_the_sweep(yos: Place):
    """The sweep checks holds itself, in its transaction: a hold that no plan has seen yet
    (written around the service functions, say) still stops it."""
    from django.utils import timezone

    from safehold.retention.models import LegalHold

    case = due_case(yos)
    approve_all(yos)
    LegalHold.objects.create(
        scope="case",
        controller=yos.controller,
        case=case,
        reason="Inquiry",
        placed_by=yos.dpo,
        placed_at=timezone.now(),
        review_on=date(2027, 1, 1),
    )
    report = sweep()
    assert report.disposed == []
    assert "legal hold" in report.skipped[case_file(case).pk]
    assert case_file(case).status == UnitStatus.ACTIVE  # the approval lapsed


def test_an_open_rights_request_suspends_disposal(yos: Place):
    case = due_case(yos)
    approve_all(yos)
    request = rights.receive(case.person, "access", received_on=date(2026, 1, 5))
    assert "open rights request" in case_file(case).held_by
    assert sweep().disposed == []
    rights.close(request, closed_on=date(2026, 1, 20))
    assert case_file(case).status == UnitStatus.DUE
    assert approve_all(yos) == 1
    assert len(sweep().disposed) == 1


def test_a_changed_anchor_stops_an_approved_disposal(yos: Place):
    """Approved on a date of birth that was wrong: corrected (even around the gate), the
    unit is no longer due, and the sweep sees it."""
    case = due_case(yos)
    approve_all(yos)
    Person.objects.filter(pk=case.person_id).update(date_of_birth=date(2009, 5, 1))
    report = sweep()
    assert report.disposed == []
    assert "no longer due" in report.skipped[case_file(case).pk]
    u = case_file(case)
    assert (u.status, u.keep_until) == (UnitStatus.ACTIVE, date(2034, 5, 1))


# --- dry run ------------------------------------------------------------------------------------


def test_dry_run_reports_exactly_what_the_sweep_then_does(yos: Place):
    cases = [due_case(yos) for _ in range(5)]
    approve_all(yos)
    # One held, one no longer due after approval: neither goes.
    services.place_hold(by=yos.dpo, reason="Claim", review_on=date(2027, 1, 1), case=cases[0])
    Person.objects.filter(pk=cases[1].person_id).update(date_of_birth=date(2009, 1, 1))

    dry = sweep(dry_run=True, batch=2)
    assert Case.objects.count() == 5 and DisposalRecord.objects.count() == 0
    assert RetentionUnit.objects.approved().count() == 4  # the dry run lapses nothing
    real = sweep(batch=2)
    assert dry.unit_ids == real.unit_ids == {case_file(c).pk for c in cases[2:]}
    assert [(d.kind, d.key, d.action, d.counts) for d in dry.disposed] == [
        (d.kind, d.key, d.action, d.counts) for d in real.disposed
    ]


# --- failures stay inside their unit ----------------------------------------------------------


def test_a_failing_unit_stops_only_itself(yos: Place, monkeypatch: pytest.MonkeyPatch):
    cases = [due_case(yos) for _ in range(3)]
    approve_all(yos)
    bad = cases[1].pk
    real_destroy = sweep_module._destroy_case_files

    def destroy(parts, keys):  # type: ignore[no-untyped-def]
        counts = real_destroy(parts, keys)  # deleted, then refused: all must come back
        if bad in keys:
            raise SweepError("refused halfway")
        return counts

    monkeypatch.setattr(sweep_module, "_destroy_case_files", destroy)
    report = sweep(batch=10)
    assert {d.key for d in report.disposed} == {cases[0].pk, cases[2].pk}
    assert "refused halfway" in report.failed[case_file(cases[1]).pk]
    # The bad unit is whole: its deletes were rolled back with it.
    assert rows_of(bad) == {k: 1 for k in rows_of(bad)}
    assert case_file(cases[1]).status == UnitStatus.APPROVED
    assert DisposalRecord.objects.count() == 2
    assert AuditEvent.objects.filter(action=Action.RETENTION_DISPOSE).count() == 2


def test_sweeping_twice_disposes_once(yos: Place):
    due_case(yos)
    approve_all(yos)
    assert len(sweep().disposed) == 1
    assert sweep().disposed == []
    assert DisposalRecord.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: two sweeps in parallel threads need real row locks (SKIP LOCKED); "
    "SQLite serialises whole transactions and its in-memory test database is not shared "
    "between connections",
)
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_never_dispose_a_unit_twice(erased_log: None):
    import threading

    from tests.retention.conftest import make_place

    yos = make_place("cambridgeshire-yos")
    for _ in range(40):
        due_case(yos)
    approve_all(yos)
    reports = []

    def run() -> None:
        try:
            reports.append(sweep(batch=3))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    disposed = [d.unit_id for r in reports for d in r.disposed]
    assert len(disposed) == len(set(disposed)) == 40
    assert all(len(r.disposed) > 0 for r in reports), "both sweeps should have worked"
    assert DisposalRecord.objects.count() == 40
    assert Case.objects.count() == 0
