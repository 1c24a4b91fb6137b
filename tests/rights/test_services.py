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
