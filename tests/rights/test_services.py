"""Rights requests, as retention needs them so far: open ones suspend disposal."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from safehold.retention import planner
from safehold.retention.models import UnitKind
from safehold.rights import selectors, services
from safehold.rights.models import RequestStatus, RightsRequest
from tests.retention.conftest import Place, case_file, unit


def test_a_request_is_under_a_right_in_law(yos: Place):
    person = yos.person()
    with pytest.raises(ValueError, match="not a right"):
        services.receive(person, "refund", received_on=date(2026, 1, 5))
    request = services.receive(person, "erasure", received_on=date(2026, 1, 5), by=yos.dpo)
    assert (request.status, request.kind, request.controller_id) == (
        RequestStatus.OPEN,
        "erasure",
        yos.controller.pk,
    )
    assert request.get_kind_display() == "Right to erasure"


def test_open_requests_by_person(yos: Place):
    first, second = yos.person(), yos.person()
    a = services.receive(first, "access", received_on=date(2026, 1, 5))
    services.receive(first, "rectification", received_on=date(2026, 1, 6))
    closed = services.receive(second, "access", received_on=date(2026, 1, 7))
    services.close(closed, closed_on=date(2026, 2, 1))
    assert selectors.open_requests_by_person() == {first.pk: a.pk}
    assert selectors.open_requests_by_person([second.pk]) == {}


def test_open_and_closed_agree_with_closed_on(yos: Place):
    person = yos.person()
    with pytest.raises(IntegrityError), transaction.atomic():
        RightsRequest.objects.create(
            person=person,
            controller=yos.controller,
            kind="access",
            received_on=date(2026, 1, 5),
            status="closed",
        )


def test_receiving_and_closing_recompute_the_persons_units(yos: Place):
    """Open, the request suspends disposal of everything about the person; closed, it does
    not (the sweep's own tests show it stops a disposal)."""
    person = yos.person(born=date(1990, 1, 1))
    case = yos.case(person, closed_on=date(2014, 3, 31))
    planner.plan()
    assert case_file(case).status == "due"
    request = services.receive(person, "access", received_on=date(2026, 1, 5))
    assert case_file(case).held_by == f"open rights request {request.pk}"
    assert unit(UnitKind.PERSON, person.pk).held_by == f"open rights request {request.pk}"
    services.close(request, closed_on=date(2026, 1, 30))
    assert (case_file(case).held_by, case_file(case).status) == ("", "due")


# --- the request record and its clock ---------------------------------------------------------


def test_a_request_records_who_asked_how_and_for_what_with_its_due_date(yos: Place) -> None:
    from safehold.audit.models import AuditEvent

    person = yos.person()
    request = services.receive(
        person,
        "access",
        received_on=date(2026, 1, 31),
        by=yos.dpo,
        requester="representative",
        requester_name="A. Solicitor, Smith & Co",
        authority="Signed form of authority from the young person, dated 28 January 2026",
        channel="email",
        asked="Everything the service holds since 2023",
    )
    request.refresh_from_db()
    assert request.due_on == date(2026, 3, 2)  # 28 February 2026 is a Saturday
    assert request.nation == "england"
    assert request.get_requester_display() == "A solicitor or advocate with authority"
    step = request.steps.get()
    assert step.what.startswith(
        "Received on 31 January 2026 by email, from a solicitor or advocate"
    )
    event = AuditEvent.objects.get(record_type="rightsrequest", record_id=request.pk)
    assert (event.action, event.person_id, event.actor_id) == ("create", person.pk, yos.dpo.pk)


def test_someone_acting_for_the_person_must_show_their_authority(yos: Place) -> None:
    with pytest.raises(services.RequestProblem, match="authority") as raised:
        services.receive(yos.person(), "access", received_on=date(2026, 1, 5), requester="parent")
    assert raised.value.field == "authority"
    assert not RightsRequest.objects.exists()


def test_pausing_resuming_and_extending_move_the_due_date(yos: Place) -> None:
    request = services.receive(yos.person(), "access", received_on=date(2026, 3, 10))
    assert request.due_on == date(2026, 4, 10)
    services.pause(request, on=date(2026, 3, 12), reason="identity", by=yos.dpo)
    request.refresh_from_db()
    assert request.due_on is None
    with pytest.raises(services.RequestProblem, match="already paused"):
        services.pause(request, on=date(2026, 3, 13), reason="identity", by=yos.dpo)
    with pytest.raises(services.RequestProblem, match="before it starts"):
        services.resume(request, on=date(2026, 3, 11), by=yos.dpo)
    services.resume(request, on=date(2026, 3, 20), by=yos.dpo)
    request.refresh_from_db()
    assert request.due_on == date(2026, 4, 20)
    services.extend(request, told_on=date(2026, 4, 1), reason="Four services' files", by=yos.dpo)
    request.refresh_from_db()
    assert request.due_on == date(2026, 6, 18)  # 10 June + 8 days
    assert [s.what.split(" ")[0] for s in request.steps.all()] == [
        "Received",
        "Clock",
        "Clock",
        "Extended",
    ]


def test_an_extension_told_too_late_is_refused_and_nothing_changes(yos: Place) -> None:
    request = services.receive(yos.person(), "access", received_on=date(2026, 1, 31))
    with pytest.raises(services.RequestProblem, match="within the first month") as raised:
        services.extend(request, told_on=date(2026, 3, 3), reason="Complex", by=yos.dpo)
    assert raised.value.field == "told_on"
    request.refresh_from_db()
    assert (request.extension_told_on, request.due_on) == (None, date(2026, 3, 2))


def test_a_childs_understanding_records_who_decided_and_why(yos: Place) -> None:
    request = services.receive(
        yos.person(born=date(2013, 6, 1)),
        "access",
        received_on=date(2026, 3, 10),
        requester="parent",
        authority="Mother, parental responsibility",
    )
    with pytest.raises(services.RequestProblem) as raised:
        services.decide_understanding(
            request, understands="yes", authorised="", reason="Spoke with her", by=yos.dpo
        )
    assert raised.value.field == "authorised"
    services.decide_understanding(
        request,
        understands="yes",
        authorised="no",
        reason="Aged 12, met with her case manager; she understands and does not agree",
        by=yos.dpo,
    )
    request.refresh_from_db()
    assert (request.child_understands, request.child_authorised, request.understanding_by) == (
        "yes",
        "no",
        yos.dpo,
    )
    assert "did not authorise" in request.steps.last().what  # type: ignore[union-attr]


def test_closing_says_whether_it_was_on_time(yos: Place) -> None:
    request = services.receive(yos.person(), "access", received_on=date(2026, 3, 10))
    with pytest.raises(services.RequestProblem, match="ground"):
        services.close(request, closed_on=date(2026, 4, 1), outcome="refused")
    services.close(request, closed_on=date(2026, 4, 13), by=yos.dpo)
    request.refresh_from_db()
    assert (request.on_time, request.outcome) == (False, "answered")
    assert request.steps.last().what.startswith("Closed on 13 April 2026 late")  # type: ignore[union-attr]


# --- rectification, erasure, restriction, objection ------------------------------------------


def test_an_erasure_refused_records_its_ground_and_closes(yos: Place) -> None:
    request = services.receive(yos.person(), "erasure", received_on=date(2026, 3, 2))
    with pytest.raises(services.RequestProblem, match="ground"):
        services.decide(request, accept=False, reason="We must keep it", by=yos.dpo)
    services.decide(
        request,
        accept=False,
        ground="legal-obligation",
        reason="Youth justice records are kept under the Crime and Disorder Act 1998.",
        by=yos.dpo,
    )
    request.refresh_from_db()
    assert (request.status, request.outcome, request.refusal_ground) == (
        "closed",
        "refused",
        "legal-obligation",
    )
    assert "Refused: Erasure does not apply" in request.steps.order_by("pk")[1].what


def test_a_refused_correction_keeps_the_persons_statement(yos: Place) -> None:
    person = yos.person()
    request = services.receive(person, "rectification", received_on=date(2026, 3, 2))
    services.restrict_while_deciding(request, by=yos.dpo)
    person.refresh_from_db()
    assert person.restricted  # while accuracy is checked (Article 18(1)(a))
    services.decide(
        request,
        accept=False,
        ground="accurate",
        reason="The assessment records what the assessor found.",
        statement="I was not at the party on 3 May.",
        by=yos.dpo,
    )
    request.refresh_from_db()
    person.refresh_from_db()
    assert request.statement == "I was not at the party on 3 May."
    assert request.status == "closed" and not person.restricted and not request.restriction_set


def test_a_restriction_is_set_from_the_request_and_lifted_when_it_ends(yos: Place) -> None:
    from safehold.access.gate import Gate, Refused

    person = yos.person()
    case = yos.case(person)
    officer = yos.staff("youth-justice-officer")
    case.allocated_to = officer
    case.save()
    request = services.receive(person, "restriction", received_on=date(2026, 3, 2))
    services.decide(request, accept=True, reason="Accuracy disputed", by=yos.dpo)
    request.refresh_from_db()
    assert request.status == "open" and request.restriction_set
    with pytest.raises(Refused):
        Gate(officer).person(person.pk)  # the gate's Article 18 restriction holds
    Gate(yos.dpo).person(person.pk)  # the DPO may still read it
    with pytest.raises(services.RequestProblem, match="why the restriction ends"):
        services.lift_restriction(request, by=yos.dpo, reason="")
    services.lift_restriction(request, by=yos.dpo, reason="Checked: accurate; the person told")
    request.refresh_from_db()
    assert request.status == "closed"
    Gate(officer).person(person.pk)


def test_a_restriction_set_elsewhere_is_not_lifted_by_a_request(yos: Place) -> None:
    person = yos.person(restricted=True)
    request = services.receive(person, "objection", received_on=date(2026, 3, 2))
    services.decide(request, accept=True, reason="Objection upheld", by=yos.dpo)
    request.refresh_from_db()
    assert not request.restriction_set and request.status == "closed"
    person.refresh_from_db()
    assert person.restricted


def test_an_accepted_erasure_disposes_through_the_retention_sweep(yos: Place) -> None:
    from safehold.records.models import Contact, Person
    from safehold.retention.models import DisposalRecord
    from safehold.retention.sweep import sweep

    person = yos.person(born=date(2007, 1, 1))
    case = yos.full_case(person, closed_on=date(2025, 6, 30))
    other = yos.full_case(yos.person(), closed_on=date(2025, 6, 30))
    planner.plan()
    assert case_file(case).status == "active"  # years from being due under the pack
    request = services.receive(person, "erasure", received_on=date(2026, 3, 2))
    services.decide(
        request, accept=True, reason="Consent-based early help; no longer needed", by=yos.dpo
    )
    unit = case_file(case)
    assert (unit.status, unit.rule, unit.approved_action) == (
        "approved",
        "erasure-request",
        "destroy",
    )
    sweep()
    assert not Contact.objects.filter(case_id=case.pk).exists()
    assert Contact.objects.filter(case_id=other.pk).exists()  # nobody else's
    record = DisposalRecord.objects.get(kind="case-file", key=case.pk)
    assert (record.rule, record.action) == ("erasure-request", "destroy")
    # The person's own record was held by the case file; now it is due under the same rule.
    planner.plan()
    own = unit_of_person(person.pk)
    assert (own.status, own.rule) == ("due", "erasure-request")
    assert Person.objects.filter(pk=person.pk).exists()  # until the DPO approves it too


def unit_of_person(person_id: int):
    from safehold.retention.models import RetentionUnit

    return RetentionUnit.objects.get(kind="person", key=person_id)
