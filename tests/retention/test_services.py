"""Review decisions and legal holds: only the DPO decides, and only about due units."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from safehold.audit.models import AuditEvent
from safehold.policy.models import Controller
from safehold.retention import planner, services
from safehold.retention.models import LegalHold, RetentionUnit, UnitStatus
from safehold.retention.services import NotAllowed
from tests.retention.conftest import Place, case_file, make_place

OLD = date(1990, 5, 1)
CLOSED = date(2014, 3, 31)


@pytest.fixture
def due(yos: Place) -> RetentionUnit:
    case = yos.case(yos.person(born=OLD), closed_on=CLOSED)
    planner.plan()
    return case_file(case)


def test_only_the_dpo_approves(yos: Place, due: RetentionUnit):
    officer = yos.staff("youth-justice-officer")
    with pytest.raises(NotAllowed):
        services.approve([due], officer)
    assert services.manages_policy(yos.dpo) and not services.manages_policy(officer)
    assert services.approve([due], yos.dpo) == 1
    due.refresh_from_db()
    assert (due.status, due.approved_by, due.approved_action) == ("approved", yos.dpo, "destroy")


def test_approving_what_is_not_due_changes_nothing(yos: Place):
    case = yos.case(yos.person(born=date(2010, 1, 1)), closed_on=CLOSED)
    planner.plan()
    assert services.approve([case_file(case)], yos.dpo) == 0
    assert case_file(case).status == UnitStatus.ACTIVE


def test_the_dpo_of_another_controller_cannot_approve(db: None, yos: Place, due: RetentionUnit):
    other = make_place("luton-yps")
    assert other.controller != yos.controller
    assert services.approve([due], other.dpo, action="destroy") == 0


def test_a_review_decision_is_one_of_three(yps: Place):
    case = yps.case(yps.person(born=OLD), service="magpan-prevention", closed_on=CLOSED)
    planner.plan()
    with pytest.raises(ValueError, match="not something a reviewer can decide"):
        services.approve([case_file(case)], yps.dpo, action="review")
    assert services.approve([case_file(case)], yps.dpo, action="archive") == 1
    assert case_file(case).final_action == "archive"


def test_withdraw_an_approval(yos: Place, due: RetentionUnit):
    services.approve([due], yos.dpo)
    assert services.withdraw([due], yos.dpo) == 1
    due.refresh_from_db()
    assert (due.status, due.approved_by) == (UnitStatus.DUE, None)


def test_keep_longer_then_due_again(yos: Place, due: RetentionUnit):
    """'in some cases this may be longer': kept, with a reason, until a new review date."""
    today = timezone.localdate()
    with pytest.raises(ValueError, match="say why"):
        services.retain([due], yos.dpo, until=today + timedelta(days=30), reason=" ")
    with pytest.raises(ValueError, match="future"):
        services.retain([due], yos.dpo, until=today, reason="Complaint pending")
    assert (
        services.retain([due], yos.dpo, until=today + timedelta(days=30), reason="Complaint") == 1
    )
    planner.plan()
    due.refresh_from_db()
    assert (due.status, due.retain_reason) == (UnitStatus.ACTIVE, "Complaint")
    planner.plan(today=today + timedelta(days=30))
    due.refresh_from_db()
    assert due.status == UnitStatus.DUE


def test_each_decision_about_a_unit_is_in_the_audit_log(yos: Place, due: RetentionUnit):
    # Approving disposal, withdrawing it and keeping longer are the DPO's decisions about a
    # child's records: each is logged under the person and the case, with its words.
    today = timezone.localdate()
    later = today + timedelta(days=30)
    officer = yos.staff("youth-justice-officer")
    with pytest.raises(NotAllowed):
        services.approve([due], officer)
    services.approve([due], yos.dpo)
    services.withdraw([due], yos.dpo)
    services.retain([due], yos.dpo, until=later, reason="Complaint")
    services.approve([due], yos.dpo)  # not due now: no decision, nothing logged
    name = next(r.name for r in yos.pack.retention if r.code == due.rule)  # its name, not code
    logged = AuditEvent.objects.filter(record_type="case-file", record_id=due.key).order_by("seq")
    assert [(e.action, e.actor_id, e.person_id, e.case_id, e.reason) for e in logged] == [
        (
            "update",
            yos.dpo.pk,
            due.person_id,
            due.key,
            f'disposal approved under the retention rule "{name}": destroy',
        ),
        (
            "update",
            yos.dpo.pk,
            due.person_id,
            due.key,
            f'disposal under the retention rule "{name}" withdrawn',
        ),
        (
            "update",
            yos.dpo.pk,
            due.person_id,
            due.key,
            f'kept longer than the retention rule "{name}" says, for review on '
            f"{later.day} {later:%B %Y}: Complaint",
        ),
    ]
    assert all(
        e.rule.endswith("the data protection officer decides what is disposed of") for e in logged
    )


def test_holds_name_one_target_of_the_controller(yos: Place):
    case = yos.case(yos.person())
    review = date(2027, 1, 1)
    with pytest.raises(ValueError, match="one person, one case or one service"):
        services.place_hold(by=yos.dpo, reason="x", review_on=review)
    with pytest.raises(ValueError, match="one person, one case or one service"):
        services.place_hold(
            by=yos.dpo, reason="x", review_on=review, case=case, service="court-orders"
        )
    with pytest.raises(ValueError, match="not a service"):
        services.place_hold(by=yos.dpo, reason="x", review_on=review, service="nope")
    with pytest.raises(ValueError, match="say why"):
        services.place_hold(by=yos.dpo, reason="", review_on=review, case=case)
    with pytest.raises(NotAllowed):
        services.place_hold(by=yos.staff("team-manager"), reason="x", review_on=review, case=case)
    other = make_place("luton-yps")
    with pytest.raises(NotAllowed):
        services.place_hold(by=other.dpo, reason="x", review_on=review, case=case)
    hold = services.place_hold(by=yos.dpo, reason="Claim", review_on=review, case=case)
    assert (hold.scope, hold.target) == ("case", f"case {case.pk}")
    assert LegalHold.objects.active().count() == 1
    # Lifting says why: with no reason (or only spaces) the hold stays, and nothing is logged.
    for reason in ("", "   "):
        with pytest.raises(ValueError, match="say why the hold is lifted"):
            services.lift_hold(hold, yos.dpo, reason=reason)
    # Placing it is logged: who, on what, until when and why.
    placed = AuditEvent.objects.get(record_type="legalhold", record_id=hold.pk)
    assert (placed.action, placed.actor_id, placed.case_id) == ("create", yos.dpo.pk, case.pk)
    assert placed.person_id == case.person_id  # in who has seen the young person
    assert placed.reason == f"hold placed on C{case.pk} until review on 1 January 2027: Claim"
    assert LegalHold.objects.active().count() == 1
    assert AuditEvent.objects.filter(record_type="legalhold").count() == 1
    services.lift_hold(hold, yos.dpo, reason=" Settled ")
    assert LegalHold.objects.active().count() == 0
    hold.refresh_from_db()
    assert (hold.lift_reason, hold.lifted_by_id) == ("Settled", yos.dpo.pk)
    logged = AuditEvent.objects.get(record_type="legalhold", record_id=hold.pk, action="update")
    assert (logged.action, logged.actor_id, logged.case_id) == ("update", yos.dpo.pk, case.pk)
    assert logged.reason == "hold lifted: Settled"
    assert Controller.objects.count() == 2


def test_a_decision_about_many_units_costs_what_one_does(yos: Place):
    # One lock, one update, one append whatever the number of units: no query a unit.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cases = [yos.case(yos.person(born=OLD), closed_on=CLOSED) for _ in range(7)]
    planner.plan()
    units = [case_file(c) for c in cases]

    def queries(decide) -> int:
        with CaptureQueriesContext(connection) as captured:
            decide()
        return len(captured)

    services.approve(units[:1], yos.dpo)  # the log's first append also makes its head
    one = queries(lambda: services.approve(units[1:2], yos.dpo))
    many = queries(lambda: services.approve(units[2:], yos.dpo))
    assert many == one
    assert queries(lambda: services.withdraw(units[2:], yos.dpo)) == queries(
        lambda: services.withdraw(units[1:2], yos.dpo)
    )
