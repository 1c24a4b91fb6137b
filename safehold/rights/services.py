"""Writes to rights requests. Opening or closing one changes what retention may dispose of,
so each recomputes the person's retention units in the same transaction."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from safehold.access.models import User
from safehold.policy.law import RIGHTS
from safehold.records.models import Person
from safehold.rights.models import RequestStatus, RightsRequest


def receive(
    person: Person, kind: str, *, received_on: date, by: User | None = None
) -> RightsRequest:
    """Record a request under one of the rights (policy/law.py RIGHTS); it is open at once."""
    if kind not in RIGHTS:
        raise ValueError(f"'{kind}' is not a right; use one of: {', '.join(RIGHTS)}")
    from safehold.retention.services import recompute_for_person

    with transaction.atomic():
        request = RightsRequest.objects.create(
            person=person,
            controller_id=person.controller_id,
            kind=kind,
            received_on=received_on,
            created_by=by,
        )
        recompute_for_person(person.pk)
    return request


def close(request: RightsRequest, *, closed_on: date) -> RightsRequest:
    from safehold.retention.services import recompute_for_person

    with transaction.atomic():
        request.status = RequestStatus.CLOSED
        request.closed_on = closed_on
        request.save(update_fields=["status", "closed_on"])
        recompute_for_person(request.person_id)
    return request
