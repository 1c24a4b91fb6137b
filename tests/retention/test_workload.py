"""What retention asks of the DPO now (their home page's counts), per controller."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from safehold.retention import planner, selectors, services
from safehold.retention.models import RetentionUnit
from safehold.retention.rules import GAPS
from tests.retention.conftest import Place, due_case, make_place


def test_workload_counts_each_kind_of_work_for_one_controller(yos: Place) -> None:
    today = timezone.localdate()
    cases = [due_case(yos) for _ in range(4)]
    yos.case(yos.person(born=None), closed_on=date(2020, 1, 1))  # a gap: no date of birth
    soon = yos.person(born=date(today.year - 25, today.month, 1) + timedelta(days=95))
    yos.case(soon, closed_on=date(2020, 1, 1))  # falls due within 24 months
    services.place_hold(by=yos.dpo, reason="Claim", review_on=today, case=cases[0])
    lifted = services.place_hold(by=yos.dpo, reason="Old", review_on=today, case=cases[1])
    services.lift_hold(lifted, by=yos.dpo, reason="Settled")
    services.place_hold(
        by=yos.dpo, reason="Later", review_on=today + timedelta(days=9), case=cases[1]
    )
    make_place("luton-yps").case(closed_on=date(2020, 1, 1))  # another controller's
    planner.plan()
    due = RetentionUnit.objects.of_controller(yos.controller.pk).due()
    services.approve(due.filter(key=cases[2].pk).values_list("pk", flat=True), yos.dpo)

    work = selectors.workload(yos.controller.pk, today=today)
    assert work == selectors.Workload(
        due=due.count(),
        approved=1,
        gaps=RetentionUnit.objects.of_controller(yos.controller.pk)
        .filter(basis__in=[b.value for b in GAPS])
        .count(),
        upcoming=sum(m.units for m in selectors.due_by_month(yos.controller.pk, today=today)),
        holds=2,
        holds_to_review=1,
    )
    assert work.due and work.gaps and work.upcoming  # each count is exercised
