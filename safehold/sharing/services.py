"""Writes of consents, objections and preferences (the gate decides and audits first:
`safehold.access.gate.consenting`). A record is never changed: a withdrawal is a new row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from safehold.access.models import User
from safehold.sharing.models import Capacity, ConsentRecord, ConsentState


class ConsentProblem(ValueError):
    """What is wrong with a consent as asked for, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ConsentInput:
    preference: str
    state: str  # given or refused (a withdrawal is withdraw())
    given_by: str
    how: str
    on: date
    given_by_name: str = ""
    evidence: str = ""
    until: date | None = None
    capacity: str = Capacity.NOT_ASSESSED
    capacity_reason: str = ""


def create(
    *,
    controller_id: int,
    person_id: int,
    kind: str,
    data: ConsentInput,
    by: User,
    pack_version_id: int,
    capacity_by: User | None,
    withdraws: ConsentRecord | None = None,
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        controller_id=controller_id,
        person_id=person_id,
        preference=data.preference,
        kind=kind,
        state=data.state,
        given_by=data.given_by,
        given_by_name=data.given_by_name,
        how=data.how,
        evidence=data.evidence,
        on=data.on,
        until=data.until,
        capacity=data.capacity,
        capacity_by=capacity_by,
        capacity_reason=data.capacity_reason,
        withdraws=withdraws,
        recorded_by=by,
        recorded_at=timezone.now(),
        pack_version_id=pack_version_id,
    )


WITHDRAWABLE = {ConsentState.GIVEN}
