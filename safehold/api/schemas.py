"""What goes in and out of the API. Output mirrors the gate: shown values, and withheld ones
with the reason, never a silent gap."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from safehold.access.gate import Shown, ShownCase, Withheld
from safehold.records import models as m


class WithheldOut(Schema):
    category: str | None = Field(description="The pack's data category, if the field has one.")
    reason: str = Field(description="The pack rule that withholds it.")


class RecordOut(Schema):
    type: str = Field(description="The record type, e.g. person, case, contact.")
    id: int
    values: dict[str, Any] = Field(description="The fields this member of staff may see.")
    withheld: dict[str, WithheldOut] = Field(
        description="The fields withheld from this member of staff, each with the reason."
    )
    version: int | None = Field(
        None,
        description="Raised by one on every change; the record's ETag is made of it "
        "(send it back in If-Match to change the record).",
    )


class PersonOut(RecordOut):
    case_ids: list[int] = Field(description="Their cases this member of staff may read.")
    flags: list[RecordOut] = Field(description="Flags such as looked after, as far as shown.")


class CaseOut(Schema):
    # The service is in `case.values` (or `case.withheld`), never copied here: a top-level
    # copy would show what the pack withholds.
    id: int
    person_id: int
    distance: str = Field(description="allocated, team, service or controller")
    break_glass: bool
    case: RecordOut
    person: RecordOut


class CasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseOut]
    dropped: dict[str, str] = Field(
        description="Filters and sorts not applied, each with the rule: the caller may not "
        "read the field they work on for every case the list reaches."
    )


class PeopleFound(Schema):
    count: int
    items: list[CaseOut] = Field(
        description="Each person found, through the nearest of their cases the caller may read."
    )
    dropped: dict[str, str] = Field(
        description="Search terms the caller's role may not search by, each with the rule."
    )


class RecordPage(Schema):
    count: int
    items: list[RecordOut]


class ExportOut(CaseOut):
    records: dict[str, list[RecordOut]]


class TokenOut(Schema):
    username: str
    role: str
    controller: str


def record_out(shown: Shown) -> RecordOut:
    values = {k: v for k, v in shown.values.items() if not isinstance(v, Withheld)}
    withheld = {
        k: WithheldOut(category=v.category, reason=v.reason)
        for k, v in shown.values.items()
        if isinstance(v, Withheld)
    }
    return RecordOut(
        type=shown.record, id=shown.pk, values=values, withheld=withheld, version=shown.version
    )


def case_out(shown: ShownCase) -> CaseOut:
    return CaseOut(
        id=shown.case_id,
        person_id=shown.person_id,
        distance=shown.distance.name.lower(),
        break_glass=shown.break_glass,
        case=record_out(shown.case),
        person=record_out(shown.person),
    )


# --- input ---------------------------------------------------------------------------------------


class PersonIn(Schema):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    preferred_name: str = Field("", max_length=100)
    date_of_birth: date | None = None
    sex: str = Field("", max_length=20)
    ethnicity: str = Field("", max_length=100)
    address: str = ""
    postcode: str = Field("", max_length=10)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    school: str = Field("", max_length=200)
    health_needs: str = ""
    last_contact_on: date | None = None


class CaseIn(Schema):
    person_id: int | None = Field(None, description="Someone already recorded, or:")
    person: PersonIn | None = Field(None, description="someone new, recorded with this case.")
    service: str = Field(min_length=1, max_length=64, description="A service code of the pack.")
    team_id: int
    allocated_to_id: int | None = None
    opened_on: date


class ContactIn(Schema):
    kind: m.Contact.Kind
    occurred_at: datetime
    notes: str = ""


class AssessmentIn(Schema):
    kind: m.Assessment.Kind
    completed_on: date | None = None
    summary: str = ""
    health_findings: str = ""


class PlanIn(Schema):
    kind: m.Plan.Kind
    starts_on: date
    review_on: date | None = None
    summary: str = ""


class OffenceIn(Schema):
    committed_on: date | None = None
    description: str = Field(min_length=1)
    offence_type: str = Field("", max_length=100)
    gravity: int | None = Field(None, ge=1, le=8, description="The YJB gravity score, 1 to 8.")


class OutcomeIn(Schema):
    kind: m.Outcome.Kind
    starts_on: date
    ends_on: date | None = None
    requirements: str = ""


class ReportIn(Schema):
    kind: m.Report.Kind
    due_on: date | None = None
    body: str = ""
    copy_given_on: date | None = Field(
        None, description="When the young person was given a copy, before court."
    )


class CaseClose(Schema):
    closed_on: date = Field(description="When the service ended.")
    closed_reason: m.Case.ClosedReason = Field(description="Why the case closed.")
