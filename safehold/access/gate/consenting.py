"""The gate's consent verbs: recording a consent, refusal, objection or preference about a
person, and withdrawing one. Each is a write about the person: allowed to staff who may read
the person and write at their distance (or the DPO), checked against the pack's preference
(who may give it, whether it may be withdrawn), a child's capacity recorded, and audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from safehold.access.gate.values import Refused
from safehold.access.policy import Decision, Distance
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import append
from safehold.retention.rules import age_on
from safehold.sharing import services
from safehold.sharing.models import Capacity, ConsentRecord, ConsentState
from safehold.sharing.services import ConsentInput, ConsentProblem

if TYPE_CHECKING:
    from safehold.access.gate import Gate

# Under this age a child's own decision needs their capacity assessed (Gillick competence);
# a parent or carer decides for a child only where the child cannot.
CAPACITY_AGE = 16
ADULT_AGE = 18


def _may_record(gate: Gate, person_id: int) -> tuple[int, Distance]:
    """The person's controller and this member of staff's distance, or Refused (audited)."""
    case = (
        gate.cases()
        .filter(person_id=person_id)
        .order_by("gate_distance", "-pk")  # type: ignore[misc]
        .values("gate_distance", "controller_id")
        .first()
    )
    if case is None:
        raise gate._refuse_person(person_id)
    distance = Distance(case["gate_distance"])
    if not (gate.is_dpo or gate.policy.categories(gate.role, "write", distance)):
        decision = Decision(
            False,
            f"{gate.policy.label}: role '{gate.role}' may not record consents at "
            f"{distance.name.lower()} distance (it may write nothing there)",
        )
        gate._refuse(decision, person_id=person_id, record="consentrecord")
        raise Refused(decision)
    return case["controller_id"], distance


def record_consent(gate: Gate, person_id: int, data: ConsentInput) -> ConsentRecord:
    controller_id, _distance = _may_record(gate, person_id)
    preference = next((p for p in gate.policy.pack.preferences if p.code == data.preference), None)
    if preference is None:
        raise ConsentProblem("preference", "Choose a consent or preference the notice offers")
    if data.state not in (ConsentState.GIVEN, ConsentState.REFUSED):
        raise ConsentProblem("state", "Choose whether it was given or refused")
    if data.given_by not in preference.given_by:
        raise ConsentProblem("given_by", f"Only {', '.join(preference.given_by)} may decide this")
    if data.until is not None and data.until < data.on:
        raise ConsentProblem("until", "The end date must be on or after the date it was given")
    if data.on > timezone.localdate():
        raise ConsentProblem("on", "The date must be today or in the past")
    from safehold.records.models import Person

    born = Person.objects.filter(pk=person_id).values_list("date_of_birth", flat=True).first()
    age = age_on(born, data.on) if born else None
    young_person = data.given_by in gate.policy.pack.notice.young_person_subjects
    assessed = len(data.capacity_reason.strip()) >= 10
    if young_person and age is not None and age < CAPACITY_AGE:  # noqa: SIM102
        if data.capacity != Capacity.COMPETENT or not assessed:
            raise ConsentProblem(
                "capacity",
                f"A child under {CAPACITY_AGE} decides for themselves only when assessed as "
                "able to (Gillick): record the assessment and why",
            )
    if not young_person and age is not None and age < ADULT_AGE:  # noqa: SIM102
        if data.capacity != Capacity.NOT_COMPETENT or not assessed:
            raise ConsentProblem(
                "capacity",
                "A parent or carer decides for a child only where the child cannot: record "
                "the assessment that the child is not able to decide, and why",
            )
    with transaction.atomic():
        record = services.create(
            controller_id=controller_id,
            person_id=person_id,
            kind=preference.kind,
            data=data,
            by=gate.user,
            pack_version_id=gate._pack_version_id,
            capacity_by=gate.user
            if data.capacity in (Capacity.COMPETENT, Capacity.NOT_COMPETENT)
            else None,
        )
        _audit(gate, Action.CREATE, record, f"{preference.kind} '{preference.code}' {data.state}")
        if preference.kind == "objection" and data.state == ConsentState.GIVEN:
            # An objection to processing the pack marks objectable stops it (Article 21).
            from safehold.rights import objections

            objections.from_consent(record, gate.policy.pack)
    return record


def withdraw_consent(
    gate: Gate, record_id: int, *, on: object, how: str, given_by: str, evidence: str = ""
) -> ConsentRecord:
    """A new record withdrawing a given one, from `on`; the given record stays as it was."""
    from datetime import date

    original = ConsentRecord.objects.filter(pk=record_id, controller_id=gate._controller_id).first()
    if original is None:
        decision = Decision(False, f"{gate.policy.label}: no such consent for this controller")
        gate._refuse(decision, record="consentrecord")
        raise Refused(decision)
    _may_record(gate, original.person_id)
    latest = (
        ConsentRecord.objects.filter(person_id=original.person_id, preference=original.preference)
        .order_by("-pk")
        .first()
    )
    if latest is None or latest.pk != original.pk or original.state != ConsentState.GIVEN:
        raise ConsentProblem("state", "Only the consent currently given can be withdrawn")
    preference = next(
        (p for p in gate.policy.pack.preferences if p.code == original.preference), None
    )
    if preference is not None and not preference.withdrawable:
        raise ConsentProblem("state", "The notice says this cannot be withdrawn")
    assert isinstance(on, date)
    if on < original.on or on > timezone.localdate():
        raise ConsentProblem("on", "The date must be between when it was given and today")
    data = ConsentInput(
        preference=original.preference,
        state=ConsentState.WITHDRAWN,
        given_by=given_by or original.given_by,
        how=how,
        on=on,
        evidence=evidence,
        capacity=original.capacity,
        capacity_reason=original.capacity_reason,
    )
    with transaction.atomic():
        record = services.create(
            controller_id=original.controller_id,
            person_id=original.person_id,
            kind=original.kind,
            data=data,
            by=gate.user,
            pack_version_id=gate._pack_version_id,
            capacity_by=original.capacity_by,
            withdraws=original,
        )
        _audit(gate, Action.CREATE, record, f"{original.kind} '{original.preference}' withdrawn")
        if original.kind == "objection":
            from safehold.rights import objections

            objections.withdrawn(original)
    return record


def consents(gate: Gate, person_id: int) -> list[ConsentRecord]:
    """The person's consent records, read through the gate (a read of the person) and audited."""
    from safehold.sharing import selectors

    gate.person(person_id)  # refused and audited if out of reach
    found = selectors.consents_of(person_id)
    if found:
        append(
            [
                gate._entry(
                    Action.READ,
                    f"{gate.policy.label}: consents of a person role '{gate.role}' may read",
                    (),
                    person_id=person_id,
                    record="consentrecord",
                )
            ]
        )
    return found


def _audit(gate: Gate, action: str, record: ConsentRecord, what: str) -> None:
    append(
        [
            gate._entry(
                action,
                f"{gate.policy.label}: {what}, recorded by role '{gate.role}'",
                (),
                decision=AuditDecision.ALLOWED,
                person_id=record.person_id,
                record="consentrecord",
                record_id=record.pk,
            )
        ]
    )
