"""API operations for consents and shares, each through the gate (as the pages are)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from safehold.access.gate import Refused
from safehold.access.gate.sharing import RefusedShare, ShareOrder
from safehold.access.policy import Decision
from safehold.api import problems
from safehold.api.api import gate
from safehold.api.schemas import Day, Id, Text
from safehold.sharing.decide import ShareDecision
from safehold.sharing.models import ConsentRecord, Disclosure
from safehold.sharing.services import ConsentInput, ConsentProblem

router = Router(tags=["sharing"])

RecordKind = Literal[
    "person", "case", "contact", "assessment", "plan", "offence", "outcome", "report"
]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]


class ConsentIn(Schema):
    preference: Code = Field(max_length=64, description="A consent or preference the pack offers.")
    state: Literal["given", "refused"]
    given_by: Code = Field(max_length=64, description="The pack subject who decided.")
    given_by_name: Text = Field("", max_length=200)
    how: Literal["written", "verbal", "electronic"]
    evidence: Text = Field("", max_length=2000)
    on: Day
    until: Day | None = None
    capacity: Literal["competent", "not-competent", "not-assessed", "adult"] = "not-assessed"
    capacity_reason: Text = Field("", max_length=2000)


class WithdrawIn(Schema):
    on: Day
    how: Literal["written", "verbal", "electronic"]
    given_by: Annotated[
        str, StringConstraints(pattern=r"^([a-z0-9][a-z0-9-]*)?$", max_length=64)
    ] = ""
    evidence: Text = Field("", max_length=2000)


class ConsentOut(Schema):
    id: int
    person_id: int
    preference: str
    kind: str
    state: str
    given_by: str
    how: str
    on: date
    until: date | None
    capacity: str
    withdraws_id: int | None
    recorded_by: str


class ShareIn(Schema):
    recipient: Code = Field(max_length=64)
    purpose: Code = Field(max_length=64)
    gateway: Code = Field(max_length=64)
    records: list[RecordKind] = Field(["person"], min_length=1, max_length=8)
    reason: Text = Field("", max_length=2000)
    reference: Text = Field("", max_length=200)
    approver_id: Id | None = None
    channel: Literal["secure-email", "portal", "post", "in-person", "phone"] = "secure-email"
    recipient_contact: Text = Field("", max_length=300)


class DecisionOut(Schema):
    allowed: bool
    rule: str
    reasons: list[str]
    consent_status: str
    fields: dict[str, list[str]]
    derived: list[str]
    not_sent: dict[str, str]
    needs_reason: bool
    needs_reference: bool
    needs_approval: bool


class DisclosureOut(Schema):
    id: int
    person_id: int | None
    case_id: int | None
    recipient: str
    recipient_name: str
    purpose: str
    gateway: str
    outcome: str
    consent_status: str
    reason: str
    reference: str
    approved_by_id: int | None
    categories: list[str]
    channel: str
    extract: str
    people_count: int
    at: Any
    by: str
    rule: str
    package: dict[str, Any] | None = Field(
        None, description="What went, as the caller may see it (withheld values marked)."
    )


def _consent_out(r: ConsentRecord) -> ConsentOut:
    return ConsentOut(
        id=r.pk,
        person_id=r.person_id,
        preference=r.preference,
        kind=r.kind,
        state=r.state,
        given_by=r.given_by,
        how=r.how,
        on=r.on,
        until=r.until,
        capacity=r.capacity,
        withdraws_id=r.withdraws_id,
        recorded_by=r.recorded_by.get_username(),
    )


def _disclosure_out(d: Disclosure, package: dict[str, Any] | None = None) -> DisclosureOut:
    return DisclosureOut(
        id=d.pk,
        person_id=d.person_id,
        case_id=d.case_id,
        recipient=d.recipient,
        recipient_name=d.recipient_name,
        purpose=d.purpose,
        gateway=d.gateway,
        outcome=d.outcome,
        consent_status=d.consent_status,
        reason=d.reason,
        reference=d.reference,
        approved_by_id=d.approved_by_id,
        categories=list(d.categories),
        channel=d.channel,
        extract=d.extract,
        people_count=d.people_count,
        at=d.at,
        by=d.by_label,
        rule=d.rule,
        package=package,
    )


def _decision_out(d: ShareDecision) -> DecisionOut:
    return DecisionOut(
        allowed=d.allowed,
        rule=d.rule,
        reasons=d.reasons,
        consent_status=d.consent_status,
        fields={k: list(v) for k, v in d.fields.items()},
        derived=list(d.derived),
        not_sent=d.not_sent,
        needs_reason=d.needs_reason,
        needs_reference=d.needs_reference,
        needs_approval=d.needs_approval,
    )


def _order(payload: ShareIn) -> ShareOrder:
    return ShareOrder(
        recipient=payload.recipient,
        purpose=payload.purpose,
        gateway=payload.gateway,
        records=tuple(payload.records),
        reason=payload.reason,
        reference=payload.reference,
        approver_id=payload.approver_id,
        channel=payload.channel,
        recipient_contact=payload.recipient_contact,
    )


@router.get(
    "/people/{person_id}/consents",
    response=list[ConsentOut],
    summary="A person's consents, objections and preferences, newest first",
)
def list_consents(request: HttpRequest, person_id: Id) -> list[ConsentOut]:
    return [_consent_out(r) for r in gate(request).consents(person_id)]


@router.post(
    "/people/{person_id}/consents",
    response={201: ConsentOut},
    summary="Record a consent, refusal, objection or preference",
)
def record_consent(request: HttpRequest, person_id: Id, payload: ConsentIn) -> Status[ConsentOut]:
    """Checked against the pack (who may decide it) and the child's capacity (Gillick): a
    child under 16 decides only when assessed as able to; a parent only for one who cannot."""
    try:
        record = gate(request).record_consent(person_id, ConsentInput(**payload.dict()))
    except ConsentProblem as problem:
        raise problems.FieldErrors({problem.field: [str(problem)]}) from None
    return Status(201, _consent_out(record))


@router.post(
    "/people/{person_id}/consents/{consent_id}/withdraw",
    response={201: ConsentOut},
    summary="Withdraw a consent from a date (a new record; the given one is kept)",
)
def withdraw_consent(
    request: HttpRequest, person_id: Id, consent_id: Id, payload: WithdrawIn
) -> Status[ConsentOut]:
    g = gate(request)
    if not any(r.pk == consent_id for r in g.consents(person_id)):
        decision = Decision(False, f"{g.policy.label}: no such consent of this person")
        g._refuse(decision, person_id=person_id, record="consentrecord")
        raise Refused(decision)
    try:
        record = g.withdraw_consent(
            consent_id,
            on=payload.on,
            how=payload.how,
            given_by=payload.given_by,
            evidence=payload.evidence,
        )
    except ConsentProblem as problem:
        raise problems.FieldErrors({problem.field: [str(problem)]}) from None
    return Status(201, _consent_out(record))


@router.get(
    "/people/{person_id}/disclosures",
    response=list[DisclosureOut],
    summary="Whom a person's information was shared with (or refused to), newest first",
)
def list_disclosures(request: HttpRequest, person_id: Id) -> list[DisclosureOut]:
    return [_disclosure_out(d) for d in gate(request).shared_with(person_id)]


@router.post(
    "/cases/{case_id}/shares/explain",
    response=DecisionOut,
    summary="What sharing would do, and why, without sharing",
)
def explain_share(request: HttpRequest, case_id: Id, payload: ShareIn) -> DecisionOut:
    return _decision_out(gate(request).explain_share(case_id, _order(payload)))


@router.post(
    "/cases/{case_id}/shares",
    response={201: DisclosureOut},
    summary="Share records of a case with a recipient the pack declares",
)
def share(request: HttpRequest, case_id: Id, payload: ShareIn) -> Status[DisclosureOut]:
    """Decided by the gate from the pack; a refusal is a 403 problem whose detail is the rule,
    and is in the disclosure log and the audit log all the same."""
    g = gate(request)
    try:
        disclosure = g.share(case_id, _order(payload))
    except RefusedShare as refused:
        raise Refused(Decision(False, refused.decision.rule)) from None
    return Status(201, _disclosure_out(disclosure, g.disclosure_package(disclosure)))


@router.get(
    "/disclosures/{disclosure_id}",
    response=DisclosureOut,
    summary="One entry of the disclosure log, with what went",
)
def get_disclosure(request: HttpRequest, disclosure_id: Id) -> DisclosureOut:
    g = gate(request)
    found = g.disclosure(disclosure_id)
    return _disclosure_out(found, g.disclosure_package(found))
