"""The JSON API, version 1: people, cases and their records, read and written through the gate.

Every operation builds a `Gate` for the caller and goes through it; the gate decides, redacts
and writes the audit event. Errors are problem details (RFC 9457) naming the field.
"""

import re
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, NinjaAPI, Query, Router, Schema, Status
from ninja.errors import HttpError

from safehold.access.gate import Fact, Gate, Refused, Shown, Withheld
from safehold.access.models import Team, User
from safehold.access.policy import Decision
from safehold.api import problems
from safehold.api.auth import StaffSession, TokenAuth, via_token
from safehold.api.schemas import (
    AssessmentIn,
    CaseClose,
    CaseIn,
    CaseOut,
    CasePage,
    ContactIn,
    ExportOut,
    FactIn,
    FactOut,
    FactsOut,
    FlagIn,
    Id,
    OffenceIn,
    OutcomeIn,
    PeopleFound,
    PersonIn,
    PersonOut,
    PlanIn,
    RecordOut,
    RecordPage,
    ReportIn,
    Text,
    TokenOut,
    case_out,
    patch_of,
    record_out,
)
from safehold.records import models as m
from safehold.records import validation
from safehold.records.models import Case, CaseRecord, Person, PersonFlag
from safehold.web import selectors
from safehold.web.selectors import CaseQuery


class SafeholdAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return problems.document(links(super().get_openapi_schema(**kwargs)))


def links(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI links: what a client (or schemathesis's stateful tests) can do next with what it
    was just given, e.g. a case just opened is read, written to and exported by its id."""
    paths = schema.get("paths", {})

    def add(path: str, method: str, found: dict[str, dict[str, Any]]) -> None:
        # Ninja keys responses by int until the schema is rendered as JSON.
        operation = paths.get(path, {}).get(method)
        if operation is not None and 201 in operation["responses"]:
            operation["responses"][201]["links"] = found

    prefix = next((p.removesuffix("/cases") for p in paths if p.endswith("/cases")), "")
    ids = {op["operationId"]: op for item in paths.values() for op in item.values()}
    get_case, get_person, export = (
        next(i for i in ids if i.endswith(name))
        for name in ("get_case", "get_person", "export_case")
    )
    case_id = {"case_id": "$response.body#/id"}
    opened: dict[str, dict[str, Any]] = {
        "case": {"operationId": get_case, "parameters": case_id},
        "export": {"operationId": export, "parameters": case_id},
        "person": {
            "operationId": get_person,
            "parameters": {"person_id": "$response.body#/person_id"},
        },
    }
    for name in RECORD_TYPES:
        opened[f"list_{name}"] = {"operationId": f"list_{name}", "parameters": case_id}
        opened[f"create_{name}"] = {"operationId": f"create_{name}", "parameters": case_id}
        add(
            f"{prefix}/cases/{{case_id}}/{name}",
            "post",
            {
                "change": {
                    "operationId": f"update_{name}",
                    "parameters": {
                        "case_id": "$request.path.case_id",
                        "record_id": "$response.body#/id",
                    },
                }
            },
        )
    add(f"{prefix}/cases", "post", opened)
    return schema


api = SafeholdAPI(
    title="Safehold",
    version="1",
    description=(
        "Case records for youth justice and early-help services. Every read and write passes "
        "the policy pack's access gate and is written to the audit log; fields the pack "
        "withholds from the caller are listed under `withheld` with the rule that withholds "
        "them. Errors are problem details (RFC 9457)."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), StaffSession()],
    docs_url=None,
)
problems.install(api)

# The record types of a case, by their name in the URL, with what a client may send.
RECORD_TYPES: dict[str, tuple[type[CaseRecord], type[Schema]]] = {
    "contacts": (m.Contact, ContactIn),
    "assessments": (m.Assessment, AssessmentIn),
    "plans": (m.Plan, PlanIn),
    "offences": (m.Offence, OffenceIn),
    "outcomes": (m.Outcome, OutcomeIn),
    "reports": (m.Report, ReportIn),
}
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000  # far past any list, and well inside SQL's integers


def gate(request: HttpRequest) -> Gate:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    # Break-glass is for the person who typed the reason, never for a token acting for them.
    return Gate(user, emergency=not via_token(request))


def clean(obj: models.Model, values: dict[str, Any], *, at: str = "") -> None:
    """The record's rules (`records.validation`: Django's field checks, date ranges, text a
    database can hold, dates in order) for the fields being written, as a 422 naming each.
    `Gate.write` checks the same again; checking here first reports a new person's fields and
    their case's together, at their place in the body (`at`)."""
    for name, value in values.items():
        setattr(obj, name, value)
    try:
        validation.check(obj, values)
    except DjangoValidationError as exc:
        raise problems.FieldErrors(
            {f"{at}{name}": messages for name, messages in exc.message_dict.items()}
        ) from exc


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    # Choices arrive as enum members; the database wants their values.
    return {k: (v.value if isinstance(v, models.Choices) else v) for k, v in values.items()}


# --- versions: ETag and If-Match (docs/adr/0007) ------------------------------------------------

IF_MATCH = (
    "The ETag of the record as you read it (GET). Honoured, not required: when sent, the change "
    "is made only if the record is still at that version; otherwise 412 Precondition Failed, "
    "with the current ETag, and nothing is written. Without it the change is made, and the "
    "values it replaces are kept in the record's history."
)
# A PATCH changes a record that exists, so it must say from which version (docs/adr/0036).
IF_MATCH_REQUIRED = (
    "The ETag of the record as you read it (GET). Required: without it, 428 Precondition "
    "Required and nothing is read or written. The change is made only if the record is still "
    "at that version; otherwise 412 Precondition Failed, with the current ETag, and nothing is "
    'written. "*" changes whatever version is current; what it replaces is kept in the '
    "record's history."
)
STALE = {412: problems.ProblemOut}
CONDITIONAL = {**STALE, 428: problems.ProblemOut}
_TAG = re.compile(r'"([a-z]+)-(\d+)-v(\d+)"')


def etag(record: str, pk: int, version: int | None) -> str:
    """A strong validator: the record, its id and its version (every change raises it)."""
    return f'"{record}-{pk}-v{version or 0}"'


def tag(response: HttpResponse, shown: Shown) -> None:
    response["ETag"] = etag(shown.record, shown.pk, shown.version)


def precondition(if_match: str | None, obj: models.Model) -> int | None:
    """The version If-Match allows a change to be made from: None without the header (or
    with "*": any current version); PreconditionFailed if it names no current version."""
    if if_match is None or if_match.strip() == "*":
        return None
    record = str(obj._meta.model_name)
    current = getattr(obj, "version", None)
    # Weak validators never match in If-Match (RFC 9110 13.1.1: strong comparison).
    named = {
        int(found[3])
        for t in if_match.split(",")
        if (found := _TAG.fullmatch(t.strip())) and found[1] == record and int(found[2]) == obj.pk
    }
    if current in named:
        return current
    raise problems.PreconditionFailed(
        f"{record} {obj.pk} is now at version {current}; If-Match names "
        f"{', '.join(sorted(map(str, named))) or 'no version of it'}. GET it again, check what "
        "changed, and send If-Match with its new ETag.",
        etag(record, obj.pk, current),
    )


def require_if_match(if_match: str | None) -> None:
    """A change must say which version it was made from (RFC 6585 428); the first thing a
    PATCH asks, before anything is read, so that an unconditional one reads and writes
    nothing."""
    if if_match is None or not if_match.strip():
        raise problems.PreconditionRequired(
            "Send If-Match with the ETag of the record as you read it (GET it first), or "
            '"*" to change whatever version is current. Nothing was written.'
        )


# --- who am I ------------------------------------------------------------------------------------

me = Router(tags=["me"])


@me.get("/me", response=TokenOut, summary="The member of staff the credentials act for")
def whoami(request: HttpRequest) -> TokenOut:
    user = request.auth  # type: ignore[attr-defined]
    return TokenOut(
        username=user.get_username(),
        role=user.role,
        controller=user.controller.code if user.controller else "",
    )


# --- cases ---------------------------------------------------------------------------------------

cases = Router(tags=["cases"])


CaseSort = Literal[
    "name", "-name", "date_of_birth", "-date_of_birth", "service", "-service", "opened", "-opened"
]


class CaseFilter(Schema):
    mine: bool = True
    open: bool = True
    person_id: Id | None = None
    service: Text | None = None
    sort: CaseSort = Field("name", description="A sort key; a leading '-' for descending.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@cases.get("/cases", response=CasePage, summary="Cases the caller may see")
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> CasePage:
    """By default the caller's own open caseload; `mine=false` widens to every case the
    caller's role may see (a team, a service, the controller), still filtered in SQL. As on
    the caseload pages, a filter or sort on a field the caller may not read on every case it
    would reach is not applied (`dropped` says which, and the rule): the cases listed and
    their count never depend on a value withheld from the caller."""
    g = gate(request)
    # The same selector as the caseload pages: the gate reads, shows and audits.
    result = selectors.case_page(
        g,
        CaseQuery(
            service=filters.service or "",
            status="open" if filters.open else "all",
            sort=filters.sort.lstrip("-"),
            descending=filters.sort.startswith("-"),
            per_page=filters.limit,
            offset=filters.offset,
        ),
        everything=not filters.mine,
        person_id=filters.person_id,
        most=MAX_LIMIT,
    )
    return CasePage(
        count=result.total,
        limit=filters.limit,
        offset=filters.offset,
        items=[case_out(s) for s in result.cases],
        dropped=result.dropped,
    )


@cases.get("/cases/{case_id}", response=CaseOut, summary="One case and its young person")
def get_case(request: HttpRequest, case_id: Id, response: HttpResponse) -> CaseOut:
    """The ETag is the case's own version (its service, dates and closure)."""
    shown = gate(request).case(case_id)
    tag(response, shown.case)
    return case_out(shown)


@cases.patch(
    "/cases/{case_id}",
    response={200: CaseOut, **CONDITIONAL},
    summary="Close a case, with the date and the reason",
)
def close_case(
    request: HttpRequest,
    case_id: Id,
    payload: CaseClose,
    response: HttpResponse,
    if_match: str | None = Header(None, alias="If-Match", description=IF_MATCH_REQUIRED),
) -> CaseOut:
    """Retention rules that count from the end of the service are recomputed at once."""
    require_if_match(if_match)
    g = gate(request)
    case = g.case_to_write(g.case(case_id))
    values = _plain(payload.dict())
    clean(case, values)  # in range, and not before the case opened (records/validation.py)
    version = precondition(if_match, case)
    g.write(case, values, case=case, version=version)
    shown = g.case(case_id)
    tag(response, shown.case)
    return case_out(shown)


@cases.post("/cases", response={201: CaseOut}, summary="Open a case, for a person or someone new")
def open_case(request: HttpRequest, payload: CaseIn) -> Status[CaseOut]:
    """Nobody is reached except through a case, so a new person is added with their first
    case (`person`), and an existing one (`person_id`) only by staff who may already read them."""
    g = gate(request)
    controller = g.user.controller
    assert controller is not None
    errors: dict[str, list[str]] = {}
    if (payload.person_id is None) == (payload.person is None):
        errors["person_id"] = ["give either person_id (someone already recorded) or person"]
    team = Team.objects.filter(pk=payload.team_id, controller=controller).first()
    if team is None:
        errors["team_id"] = ["no such team for this controller"]
    codes = [s.code for s in g.policy.pack.services]
    if payload.service not in codes:
        errors["service"] = [
            f"'{payload.service}' is not a service of the pack ({', '.join(codes)})"
        ]
    elif team is not None and team.services and payload.service not in team.services:
        errors["service"] = [f"team '{team.name}' does not deliver '{payload.service}'"]
    if errors:
        raise problems.FieldErrors(errors)
    case = Case(team=team, allocated_to_id=payload.allocated_to_id)
    values = {"service": payload.service, "opened_on": payload.opened_on}
    clean(case, values)
    person_values = payload.person.dict() if payload.person is not None else None
    if person_values is not None:
        clean(Person(), person_values, at="person/")
    g.open_case(case, values, person_id=payload.person_id, person_values=person_values)
    return Status(201, case_out(g.case(case.pk)))


@cases.get("/cases/{case_id}/export", response=ExportOut, summary="Export a case")
def export_case(request: HttpRequest, case_id: Id) -> ExportOut:
    """The case and all its records as the pack's export grants allow; audited as an export."""
    shown = gate(request).export(case_id, [model for model, _ in RECORD_TYPES.values()])
    base = case_out(shown)
    return ExportOut(
        **base.dict(),
        records={name: [record_out(r) for r in items] for name, items in shown.records.items()},
    )


def _record_routes(name: str, model: type[CaseRecord], schema: type[Schema]) -> None:
    label = str(model._meta.verbose_name)
    change = patch_of(schema)

    @cases.get(
        f"/cases/{{case_id}}/{name}",
        response=RecordPage,
        summary=f"The {label} records of a case",
        operation_id=f"list_{name}",
    )
    def list_records(request: HttpRequest, case_id: Id) -> RecordPage:
        g = gate(request)
        shown_case = g.case(case_id)
        items = [record_out(s) for s in g.records(shown_case, model, limit=MAX_LIMIT)]
        return RecordPage(count=len(items), items=items)

    @cases.post(
        f"/cases/{{case_id}}/{name}",
        response={201: RecordOut},
        summary=f"Record a {label} on a case",
        operation_id=f"create_{name}",
    )
    def create_record(request: HttpRequest, case_id: Id, payload: schema) -> Status[RecordOut]:  # type: ignore[valid-type]
        g = gate(request)
        case = g.case_to_write(g.case(case_id))
        values = _plain(payload.dict())  # type: ignore[attr-defined]
        obj = model(case=case, created_by=g.user)
        clean(obj, values)
        g.write(obj, values, case=case)
        return Status(201, _shown_record(g, case, obj))

    @cases.get(
        f"/cases/{{case_id}}/{name}/{{record_id}}",
        response=RecordOut,
        summary=f"One {label} record of a case",
        operation_id=f"get_{name}",
    )
    def get_record(
        request: HttpRequest, case_id: Id, record_id: Id, response: HttpResponse
    ) -> RecordOut:
        """With its ETag, to send back in If-Match when changing it."""
        g = gate(request)
        shown = g.record(g.case(case_id), model, record_id)
        if shown is None:
            raise HttpError(404, f"case {case_id} has no {label} record {record_id}")
        tag(response, shown)
        return record_out(shown)

    @cases.patch(
        f"/cases/{{case_id}}/{name}/{{record_id}}",
        response={200: RecordOut, **CONDITIONAL},
        summary=f"Change a {label} record",
        operation_id=f"update_{name}",
    )
    def update_record(
        request: HttpRequest,
        case_id: Id,
        record_id: Id,
        payload: change,  # type: ignore[valid-type]
        response: HttpResponse,
        if_match: str | None = Header(None, alias="If-Match", description=IF_MATCH_REQUIRED),
    ) -> RecordOut:
        require_if_match(if_match)
        g = gate(request)
        case = g.case_to_write(g.case(case_id))
        obj = model._default_manager.filter(case=case, pk=record_id).first()
        if obj is None:
            raise HttpError(404, f"case {case_id} has no {label} record {record_id}")
        version = precondition(if_match, obj)
        values = _plain(payload.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
        if not values:
            raise problems.FieldErrors({"": ["send at least one field to change"]})
        clean(obj, values)
        g.write(obj, values, case=case, version=version)
        shown = _shown_record(g, case, obj)
        response["ETag"] = etag(str(model._meta.model_name), obj.pk, shown.version)
        return shown


def _shown_record(g: Gate, case: Case, obj: CaseRecord) -> RecordOut:
    # What was just written, shown back as the caller may read it; the write is the audit event.
    return record_out(g.show(str(obj._meta.model_name), obj, g.distance_to(case.pk)))


for _name, (_model, _schema) in RECORD_TYPES.items():
    _record_routes(_name, _model, _schema)


# --- people ---------------------------------------------------------------------------------------

PersonChange = patch_of(PersonIn)

people = Router(tags=["people"])


class FindFilter(Schema):
    q: str = Field(
        min_length=1,
        max_length=200,
        description="A name (any order, small spelling mistakes forgiven), a date of birth "
        "(27/3/2010 or 2010-03-27) or a reference (P127 for a person, C73 for a case).",
    )
    limit: int = Field(20, ge=1, le=50)


@people.get(
    "/people", response=PeopleFound, summary="Find people by name, date of birth or reference"
)
def find_people(request: HttpRequest, filters: Query[FindFilter]) -> PeopleFound:
    """Across every case of the controller the caller may read, closest match first; each
    person through the nearest of their cases, audited as a list. A term the caller's role may
    not read is not used, and `dropped` names the rule."""
    found = gate(request).find_people(filters.q, limit=filters.limit)
    if found.terms.bad_date:
        raise problems.FieldErrors({"q": ["the date of birth is not a real date"]})
    return PeopleFound(
        count=len(found.people),
        items=[case_out(s) for s in found.people],
        dropped=found.dropped,
    )


@people.get("/people/{person_id}", response=PersonOut, summary="A person, through their cases")
def get_person(request: HttpRequest, person_id: Id, response: HttpResponse) -> PersonOut:
    """With the ETag of their own record, to send back in If-Match when changing it."""
    shown = gate(request).young_person(person_id)
    tag(response, shown.person)
    return PersonOut(
        **record_out(shown.person).dict(),
        case_ids=[c.case_id for c in shown.cases],
        flags=[record_out(f) for f in shown.flags],
    )


@people.patch(
    "/people/{person_id}",
    response={200: PersonOut, **CONDITIONAL},
    summary="Change a person's details",
)
def update_person(
    request: HttpRequest,
    person_id: Id,
    payload: PersonChange,  # type: ignore[valid-type]
    response: HttpResponse,
    if_match: str | None = Header(None, alias="If-Match", description=IF_MATCH_REQUIRED),
) -> PersonOut:
    require_if_match(if_match)
    g = gate(request)
    # Written through the nearest of their cases; break-glass never writes.
    case = g.case_to_write(g.person(person_id))
    person = case.person
    version = precondition(if_match, person)
    values = payload.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    if not values:
        raise problems.FieldErrors({"": ["send at least one field to change"]})
    clean(person, values)
    g.write(person, values, case=case, version=version)
    return get_person(request, person_id, response)


# --- a person's flags, a case's facts ------------------------------------------------------------

FlagChange = patch_of(FlagIn)


@people.get(
    "/people/{person_id}/flags/{flag_id}",
    response=RecordOut,
    summary="One flag of a person, with its ETag",
)
def get_flag(request: HttpRequest, person_id: Id, flag_id: Id, response: HttpResponse) -> RecordOut:
    g = gate(request)
    shown = g.part(g.person(person_id), "personflag", flag_id)
    if shown is None:
        raise HttpError(404, "this person has no such flag")
    tag(response, shown)
    return record_out(shown)


@people.patch(
    "/people/{person_id}/flags/{flag_id}",
    response={200: RecordOut, **CONDITIONAL},
    summary="Correct a flag of a person, or end it (ended_on)",
)
def update_flag(
    request: HttpRequest,
    person_id: Id,
    flag_id: Id,
    payload: FlagChange,  # type: ignore[valid-type]
    response: HttpResponse,
    if_match: str | None = Header(None, alias="If-Match", description=IF_MATCH_REQUIRED),
) -> RecordOut:
    """Never deleted: ending a flag keeps its history (from-to); the old values are kept in
    the record's history."""
    require_if_match(if_match)
    g = gate(request)
    reached = g.person(person_id)
    case = g.case_to_write(reached)
    if g.part(reached, "personflag", flag_id) is None:
        raise HttpError(404, "this person has no such flag")
    flag = g.part_to_write("personflag", reached, flag_id)
    version = precondition(if_match, flag)
    values = payload.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    if not values:
        raise problems.FieldErrors({"": ["send at least one field to change"]})
    clean(flag, values)
    g.write(flag, values, case=case, version=version)
    shown = g.show("personflag", flag, g.distance_to(case.pk))
    tag(response, shown)
    return record_out(shown)


def _facts_out(case_id: int, facts: list[Fact]) -> FactsOut:
    states = {True: "holds", False: "does-not-hold", None: "unknown"}
    return FactsOut(
        case_id=case_id,
        items=[
            FactOut(
                flag=f.code,
                name=f.name,
                of=f.of,
                state=states[f.holds],
                id=f.pk,
                version=f.version,
            )
            for f in facts
        ],
    )


def _facts(g: Gate, case_id: int) -> tuple[Any, list[Fact]]:
    shown = g.case(case_id)
    facts = g.case_facts(shown)
    if isinstance(facts, Withheld):
        raise Refused(Decision(False, facts.reason))
    return shown, facts


@cases.get(
    "/cases/{case_id}/facts",
    response=FactsOut,
    summary="The facts of a case that decide how long its file is kept",
)
def list_facts(request: HttpRequest, case_id: Id) -> FactsOut:
    """Each of the pack's flags for this case: holds, does not hold, or unknown."""
    _shown, facts = _facts(gate(request), case_id)
    return _facts_out(case_id, facts)


@cases.post(
    "/cases/{case_id}/facts",
    response={200: FactsOut, **STALE},
    summary="Record a fact about a case (holds, or known not to)",
)
def record_fact(
    request: HttpRequest,
    case_id: Id,
    payload: FactIn,
    if_match: str | None = Header(None, alias="If-Match", description=IF_MATCH),
) -> FactsOut:
    """Recorded through the gate and audited; a change of one already recorded keeps the old
    value in its history (If-Match: the fact's ETag, `"personflag-{id}-v{version}"`). The
    case file's retention is planned again at once. A fact cannot be made unknown again."""
    g = gate(request)
    shown, facts = _facts(g, case_id)
    fact = next((f for f in facts if f.code == payload.flag), None)
    if fact is None:
        known = ", ".join(f.code for f in facts) or "none"
        raise problems.FieldErrors({"flag": [f"not a flag of this pack (its flags: {known})"]})
    case = g.case_to_write(shown)
    if fact.pk is None:
        row = PersonFlag(person_id=case.person_id, case=case)
        g.write(row, {"flag": fact.code, "holds": payload.holds}, case=case)
    else:
        row = PersonFlag.objects.get(pk=fact.pk, case=case)
        version = precondition(if_match, row)
        g.write(row, {"holds": payload.holds}, case=case, version=version)
    return _facts_out(case_id, g.case_facts(g.case(case_id)))  # type: ignore[arg-type]


api.add_router("", me)
api.add_router("", cases)
api.add_router("", people)

from safehold.api.sharing import router as sharing  # noqa: E402 - needs `gate` above

api.add_router("", sharing)
