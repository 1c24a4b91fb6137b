"""The data protection officer's retention pages: summary and chart, review queue, holds,
destruction records. For the DPO only; units and holds named by reference and name, read
through the gate and audited as a list; a hold placed on whom a search found."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from safehold.access.models import User
from safehold.audit.models import AuditEvent
from safehold.retention import planner, selectors, services
from safehold.retention.models import LegalHold, RetentionUnit, ServiceDate, UnitStatus
from safehold.retention.sweep import sweep
from tests.audit.reading import cases as audited_cases
from tests.retention.conftest import Place, case_file, due_case, example_place, make_place

PAGES = [
    "/retention/",
    "/retention/queue/",
    "/retention/holds/",
    "/retention/destruction-records/",
    "/retention/service-dates/",
]
NAME = "Quillfeather"


@pytest.fixture
def yos(db: None) -> Place:
    return make_place("cambridgeshire-yos")


@pytest.fixture
def example(db: None, tmp_path: Path) -> Place:
    return example_place(tmp_path)


@pytest.fixture
def dpo(yos: Place, verified_client: Callable[[User], Client]) -> Client:
    return verified_client(yos.dpo)


@pytest.mark.parametrize("path", PAGES)
def test_only_the_dpo_sees_retention(
    yos: Place, verified_client: Callable[[User], Client], client: Client, path: str
):
    assert client.get(path).status_code == 302  # to sign in
    officer = verified_client(yos.staff("team-manager"))
    response = officer.get(path)
    assert response.status_code == 403
    assert "Only the data protection officer" in response.content.decode()
    assert verified_client(yos.dpo).get(path).status_code == 200


def test_summary_by_service_gaps_and_chart(yos: Place, dpo: Client):
    today = timezone.localdate()
    # Falls due in 3 months: the 25th birthday of someone born 24 years and 9 months ago.
    soon = yos.person(born=date(today.year - 25, today.month, 1) + timedelta(days=95))
    yos.case(soon, service="court-orders", closed_on=date(2020, 1, 1))
    due_case(yos, person=yos.person(born=date(1990, 5, 1), family_name=NAME))
    yos.case(yos.person(born=None), service="pre-court", closed_on=date(2020, 1, 1))  # no DOB
    planner.plan()

    response = dpo.get("/retention/")
    body = response.content.decode()
    assert NAME not in body
    assert "Supervision of court orders" in body
    assert "No period stated" in body and "not recorded: date-of-birth" in body
    assert '<svg role="img"' in body and "Items falling due each month" in body
    assert "1 items in all" in body
    months = selectors.due_by_month(yos.controller.pk)
    due_month = next(m for m in months if m.units)
    assert f"{due_month.label}: 1" in body  # the bar's own title, and the table's row
    # One service's chart.
    body = dpo.get("/retention/?service=pre-court").content.decode()
    assert "Due in the next 24 months: Pre-court disposals" in body
    assert "0 items in all" in body


def test_queue_groups_by_rule_and_approves_selected_or_all(yos: Place, dpo: Client):
    cases = [due_case(yos) for _ in range(3)]
    planner.plan()
    response = dpo.get("/retention/queue/")
    body = response.content.decode()
    assert "Young offenders&#39; case files" in body
    assert "Young Offenders case files are kept for 25years." in body
    # Named as a person would name them: the case's reference and the young person's name,
    # read through the gate as one list and audited.
    person = cases[0].person
    assert f"Case C{cases[0].pk} of {person.given_name} {person.family_name}" in body
    assert f"Case {cases[0].pk}" not in body
    listed = AuditEvent.objects.filter(actor_id=yos.dpo.pk, action="list", record_type="person")
    assert set(audited_cases(listed)) == {c.pk for c in cases}

    units = [case_file(c).pk for c in cases]
    response = dpo.post(
        "/retention/queue/",
        {"kind": "case-file", "rule": "case-file", "unit": [units[0]], "all": "no"},
        follow=True,
    )
    assert "1 approved for disposal under &#39;case-file&#39;" in response.content.decode()
    assert case_file(cases[0]).status == UnitStatus.APPROVED
    assert case_file(cases[1]).status == UnitStatus.DUE
    dpo.post("/retention/queue/", {"kind": "case-file", "rule": "case-file", "all": "yes"})
    assert {case_file(c).status for c in cases} == {UnitStatus.APPROVED}


def test_a_review_rule_needs_a_decision(db: None, verified_client: Callable[[User], Client]):
    yps = make_place("luton-yps")
    case = due_case(yps, service="magpan-prevention")
    planner.plan()
    client = verified_client(yps.dpo)
    unit = case_file(case).pk
    post = {"kind": "case-file", "rule": "magpan-prevention", "unit": [unit], "all": "no"}
    response = client.post("/retention/queue/", post, follow=True)
    assert "needs a decision" in response.content.decode()
    assert case_file(case).status == UnitStatus.DUE
    client.post("/retention/queue/", {**post, "decision": "anonymise"})
    assert (case_file(case).status, case_file(case).approved_action) == ("approved", "anonymise")


def test_nothing_selected(yos: Place, dpo: Client):
    due_case(yos)
    planner.plan()
    response = dpo.post(
        "/retention/queue/", {"kind": "case-file", "rule": "case-file", "all": "no"}, follow=True
    )
    assert "Select at least one item to approve" in response.content.decode()


def test_place_and_lift_a_hold(yos: Place, dpo: Client):
    case = due_case(yos, person=yos.person(born=date(1990, 5, 1), family_name=NAME))
    planner.plan()
    review = timezone.localdate() + timedelta(days=90)
    # The DPO finds whom to hold by searching (a typo forgiven), never by typing a number:
    # the person and each of their cases are offered, found and shown through the gate.
    body = dpo.get("/retention/holds/", {"q": "Sam Quilfeather"}).content.decode()
    assert f'value="person:{case.person_id}"' in body and f'value="case:{case.pk}"' in body
    assert f"Sam {NAME} (P{case.person_id})" in body
    listed = AuditEvent.objects.filter(actor_id=yos.dpo.pk, action="list")
    assert listed.about_case(case.pk).exists()
    response = dpo.post(
        "/retention/holds/",
        {
            "q": "Sam Quilfeather",
            "target": f"case:{case.pk}",
            "reason": "Civil claim",
            "review_on-day": review.day,
            "review_on-month": review.month,
            "review_on-year": review.year,
        },
        follow=True,
    )
    hold = LegalHold.objects.get()
    assert hold.case_id == case.pk
    assert f"Legal hold placed on Case C{case.pk} of Sam {NAME}" in response.content.decode()
    assert "Civil claim" in response.content.decode()
    assert "legal hold" in case_file(case).held_by

    # Lifting it needs a reason: without one, the page again with the field's error.
    lift = f"/retention/holds/{hold.pk}/lift/"
    response = dpo.post(lift, {f"lift-{hold.pk}-reason": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter why the hold is lifted" in body
    assert f'href="#id_lift-{hold.pk}-reason"' in body and f'id="id_lift-{hold.pk}-reason"' in body
    assert LegalHold.objects.active().count() == 1
    response = dpo.post(lift, {f"lift-{hold.pk}-reason": "Claim settled"}, follow=True)
    assert "lifted" in response.content.decode()
    hold.refresh_from_db()
    assert hold.lift_reason == "Claim settled" and hold.lifted_at is not None
    assert AuditEvent.objects.filter(
        record_type="legalhold", record_id=hold.pk, reason="hold lifted: Claim settled"
    ).exists()
    assert case_file(case).held_by == "" and case_file(case).status == UnitStatus.DUE


def test_hold_form_errors(yos: Place, dpo: Client):
    response = dpo.post(
        "/retention/holds/",
        {
            "target": "person:999999",
            "reason": "",
            "review_on-day": "1",
            "review_on-month": "1",
            "review_on-year": "2001",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Select what to hold" in body
    assert "Enter why it is held" in body
    assert "Review date must be in the future" in body
    assert not LegalHold.objects.exists()


def test_destruction_records(yos: Place, dpo: Client):
    person = yos.person(born=date(1990, 5, 1), family_name=NAME)
    case = due_case(yos, person=person)
    planner.plan()
    services.approve(RetentionUnit.objects.due().filter(kind="case-file"), yos.dpo)
    sweep()
    body = dpo.get("/retention/destruction-records/").content.decode()
    assert f"Case file C{case.pk}" in body
    assert "contact: 1" in body and "victimlink: 1" in body
    assert NAME not in body


def test_hold_form_refuses_numbers_and_dates_nothing_could_have(yos: Place, dpo: Client):
    response = dpo.post(
        "/retention/holds/",
        {
            "target": f"case:{2**63}",
            "reason": "Court order",
            "review_on-day": "1",
            "review_on-month": "1",
            "review_on-year": "9999",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Select what to hold" in body
    assert "Review date must be before" in body
    assert not LegalHold.objects.exists()


# --- dates of services -------------------------------------------------------------------------


def test_service_dates_set_with_history_and_errors(
    example: Place, verified_client: Callable[[User], Client]
):
    """The DPO sets the end of the volunteering contract on the page: the unit waiting for it
    is dated, and the history says who set what date when. A bad date is a field error and
    changes nothing."""
    dpo = verified_client(example.dpo)
    case = example.case(
        example.person(born=date(1990, 1, 1)), service="volunteering", closed_on=date(2024, 3, 31)
    )
    planner.plan()
    body = dpo.get("/retention/service-dates/").content.decode()
    assert "End date of the contract" in body and "Not set" in body

    response = dpo.post(
        "/retention/service-dates/",
        {
            "which": "volunteering|contract-ended",
            "on-day": "31",
            "on-month": "2",
            "on-year": "2028",
        },
    )
    assert response.status_code == 200
    assert "Date must be a real date" in response.content.decode()
    assert not ServiceDate.objects.exists()

    response = dpo.post(
        "/retention/service-dates/",
        {
            "which": "volunteering|contract-ended",
            "on-day": "31",
            "on-month": "3",
            "on-year": "2028",
            "note": "Contract variation 4",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Date set: 31 March 2028." in body
    assert "Contract variation 4" in body and example.dpo.get_username() in body
    assert case_file(case).keep_until == date(2031, 3, 31)


def test_service_dates_refuse_an_event_that_is_not_a_service_date(
    example: Place, verified_client: Callable[[User], Client]
):
    dpo = verified_client(example.dpo)
    response = dpo.post(
        "/retention/service-dates/",
        {"which": "volunteering|case-closed", "on-day": "1", "on-month": "1", "on-year": "2028"},
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not ServiceDate.objects.exists()


def test_approving_a_unit_number_nothing_could_have_approves_nothing(yos: Place, dpo: Client):
    response = dpo.post(
        "/retention/queue/",
        {"kind": "case-file", "rule": "case-file", "unit": [str(2**63), "9" * 5000], "all": "no"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Select at least one item to approve" in response.content.decode()


# --- names on the lists cost the same queries however many are listed -------------------------


def _queries(client: Client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_queue_and_holds_name_everyone_in_the_same_queries(
    yos: Place, dpo: Client, django_assert_max_num_queries
):
    """People's names on the queue and the holds are read through the gate as one list: the
    queries do not grow with the number of units or holds listed (no N+1)."""
    review = timezone.localdate() + timedelta(days=90)

    def add(n: int) -> None:
        for _ in range(n):
            case = due_case(yos)
            services.place_hold(by=yos.dpo, person=case.person, reason="Claim", review_on=review)
        # Due cases held are not due: a few more, due and not held.
        for _ in range(n):
            due_case(yos)
        planner.plan()

    add(1)
    queue, holds = _queries(dpo, "/retention/queue/"), _queries(dpo, "/retention/holds/")
    add(5)
    with django_assert_max_num_queries(queue):
        body = dpo.get("/retention/queue/").content.decode()
    assert body.count("Case C") >= 6
    with django_assert_max_num_queries(holds):
        body = dpo.get("/retention/holds/").content.decode()
    assert body.count(" (P") >= 6
