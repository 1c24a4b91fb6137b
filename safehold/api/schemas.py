"""What goes in and out of the API. Output mirrors the gate: shown values, and withheld ones
with the reason, never a silent gap."""

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, Strict, create_model
from pydantic.fields import FieldInfo

from safehold.access.gate import Shown, ShownCase, Withheld
from safehold.records import models as m
from safehold.records import validation


def _storable(value: str) -> str:
    problem = validation.text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _iso(value: Any) -> Any:
    # JSON has no dates: one is text, as the schema says (pydantic would take 0 as 1970).
    if not isinstance(value, str | date):
        raise ValueError("must be text in ISO 8601 form, like 2026-01-05 or 2026-01-05T10:00:00Z")
    return value


# Every id a client sends, in a path, a query or a body: a bigint, so never an overflow.
Id = Annotated[int, Field(ge=1, le=validation.MAX_ID)]
# In a body, a number, not text that looks like one.
BodyId = Annotated[int, Strict(), Field(ge=1, le=validation.MAX_ID)]
# Every text a client sends: what both databases can store (no NUL, no lone surrogate).
Text = Annotated[str, Strict(), AfterValidator(_storable)]
Day = Annotated[date, BeforeValidator(_iso)]
Moment = Annotated[datetime, BeforeValidator(_iso)]


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
    given_name: Text = Field(min_length=1, max_length=100)
    family_name: Text = Field(min_length=1, max_length=100)
    preferred_name: Text = Field("", max_length=100)
    date_of_birth: Day | None = None
    sex: Text = Field("", max_length=20)
    ethnicity: Text = Field("", max_length=100)
    address: Text = ""
    postcode: Text = Field("", max_length=10)
    phone: Text = Field("", max_length=40)
    email: Text = Field("", max_length=254)
    school: Text = Field("", max_length=200)
    health_needs: Text = ""
    last_contact_on: Day | None = None


class CaseIn(Schema):
    person_id: BodyId | None = Field(None, description="Someone already recorded, or:")
    person: PersonIn | None = Field(None, description="someone new, recorded with this case.")
    service: Text = Field(min_length=1, max_length=64, description="A service code of the pack.")
    team_id: BodyId
    allocated_to_id: BodyId | None = None
    opened_on: Day


class ContactIn(Schema):
    kind: m.ContactKind
    occurred_at: Moment
    notes: Text = ""


class AssessmentIn(Schema):
    kind: m.AssessmentKind
    completed_on: Day | None = None
    summary: Text = ""
    health_findings: Text = ""


class PlanIn(Schema):
    kind: m.PlanKind
    starts_on: Day
    review_on: Day | None = None
    summary: Text = ""


class OffenceIn(Schema):
    committed_on: Day | None = None
    description: Text = Field(min_length=1)
    offence_type: Text = Field("", max_length=100)
    gravity: Annotated[int, Strict()] | None = Field(
        None, ge=1, le=8, description="The YJB gravity score, 1 to 8."
    )


class OutcomeIn(Schema):
    kind: m.OutcomeKind
    starts_on: Day
    ends_on: Day | None = None
    requirements: Text = ""


class ReportIn(Schema):
    kind: m.ReportKind
    due_on: Day | None = None
    body: Text = ""
    copy_given_on: Day | None = Field(
        None, description="When the young person was given a copy, before court."
    )


def patch_of(schema: type[Schema]) -> type[Schema]:
    """The schema of a change (PATCH): every field may be left out, but `null` only where the
    field itself may be empty; a text field sent as null is a 422, not a 500 from the database.
    (django-ninja's PatchDict makes every field nullable.) The view reads only the fields sent,
    `payload.model_dump(exclude_unset=True)`."""
    fields: dict[str, Any] = {
        name: (info.annotation, FieldInfo.merge_field_infos(info, default=None))
        for name, info in schema.model_fields.items()
    }
    return create_model(f"{schema.__name__.removesuffix('In')}Change", __base__=Schema, **fields)


class CaseClose(Schema):
    closed_on: Day = Field(description="When the service ended.")
    closed_reason: m.Case.ClosedReason = Field(description="Why the case closed.")


class FlagIn(Schema):
    """A flag of a person: whether it holds, and from when to when (ended with `ended_on`)."""

    holds: bool = Field(description="True: it applies; false: it is known not to apply.")
    started_on: Day | None = Field(None, description="When it began to apply.")
    ended_on: Day | None = Field(None, description="When it stopped applying.")


class FactIn(Schema):
    """A fact about a case (one of the pack's flags): whether it holds for this case."""

    flag: str = Field(min_length=1, max_length=64, description="The pack's code for the flag.")
    holds: bool = Field(description="True: it holds for this case; false: known not to.")


class FactOut(Schema):
    flag: str
    name: str
    of: str = Field(description="'case' for a fact of a case, 'person' for a person's flag.")
    state: str = Field(description="'holds', 'does-not-hold' or 'unknown' (never recorded).")
    id: int | None = Field(None, description="The record, once recorded.")
    version: int | None = None


class FactsOut(Schema):
    """Each of the pack's flags as recorded for one case. Unknown never shortens a period:
    the case file is held for review, or the longer reading applies (docs/adr/0016)."""

    case_id: int
    items: list[FactOut]
