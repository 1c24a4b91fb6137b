"""A refusal tells nobody what another controller holds, nor that a record is restricted.

For every id-taking page (from the URL patterns) and API operation (from the OpenAPI schema:
path parameters, and `*_id` query parameters and body fields), a member of staff of one council
asks for a record of another council and for an id that exists nowhere: the two answers must
be the same, status, headers that matter and body byte for byte, once the id itself (and the
per-response CSRF token and nonce) are set aside. Then, inside the caller's own controller, a
restricted record and an ordinary one at the same distance must look the same to a role that
could not see either: the restriction is named only to someone who could otherwise see it.

A new page or operation that takes an id is covered without touching this file; one whose id
names a kind of record not in ID_KINDS fails until it is added.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from safehold.access.models import BreakGlass, Team, User
from safehold.api.api import RECORD_TYPES
from safehold.policy.schema import Role
from safehold.records.models import (
    Case,
    CaseStatus,
    Offence,
    Person,
    PersonFlag,
    Plan,
    PlanAction,
    Relationship,
    VictimLink,
)
from safehold.retention.models import HoldScope, LegalHold
from safehold.rights.models import RightsRequest
from safehold.sharing.models import ConsentRecord, Disclosure
from safehold.web.converters import IdConverter
from tests.access.conftest import World, make_world
from tests.access.test_gate import sees_case
from tests.api.conftest import Api, session_api, token_api
from tests.builders import PACK_FILES
from tests.test_every_url import RECORD_BODIES

# Ids far from anything the tests create, so that replacing them in a body cannot touch
# another number on the page: another controller's records, and ids that exist nowhere.
OTHER, MISSING, OWN = 7_100_000, 7_300_000, 7_500_000
# Each kind of id a URL or a body may take, and its offset from the bases above.
ID_KINDS = {
    "case": 1,
    "person": 2,
    "record": 3,
    "team": 4,
    "user": 5,
    "hold": 6,
    "glass": 7,
    "disclosure": 8,
    "consent": 9,
    "request": 10,
}
# What each parameter or body field names.
ID_NAMES = {
    "case_id": "case",
    "person_id": "person",
    "record_id": "record",
    "team_id": "team",
    "allocated_to_id": "user",
    "hold_id": "hold",
    "glass_id": "glass",
    # A person's flag and relationship, a plan and its action: records, each with the id
    # `other("record")` in its own table (made below), so each is asked for as it exists.
    "flag_id": "record",
    "relationship_id": "record",
    "plan_id": "record",
    "action_id": "record",
    "status_id": "record",  # a dated status on a case (docs/adr/0027)
    "link_id": "record",  # a victim of an offence on a case
    "disclosure_id": "disclosure",
    "consent_id": "consent",
    "approver_id": "user",
    "request_id": "request",
}
# Forms whose fields take an id (picked from a search, never typed, but a request can send
# any), with the rest of a valid submission: (page, field, kind, data, how the id is sent).
FORM_IDS: list[tuple[str, str, str, dict[str, str], str]] = [
    ("web:retention-holds", "target", "person", {"q": "Otherwhere"}, "person:{}"),
    ("web:retention-holds", "target", "case", {"q": "Otherwhere"}, "case:{}"),
    (
        "web:rights-request-new",
        "person",
        "person",
        {
            "q": "Otherwhere",
            "kind": "access",
            "received_on-day": "2",
            "received_on-month": "3",
            "received_on-year": "2026",
            "requester": "self",
            "channel": "letter",
            "asked": "Everything you hold",
            "identity": "confirmed",
        },
        "person:{}",
    ),
]
REVIEW = date.today() + timedelta(days=90)
HOLD_DATA = {
    "reason": "Litigation pending",
    "review_on-day": str(REVIEW.day),
    "review_on-month": str(REVIEW.month),
    "review_on-year": str(REVIEW.year),
}
POST_DATA = {"reason": "Police report the young person missing tonight", "worker": "1"}


def other(kind: str) -> int:
    return OTHER + ID_KINDS[kind]


def missing(kind: str) -> int:
    return MISSING + ID_KINDS[kind]


# --- the two councils -------------------------------------------------------------------------


@dataclass
class Own:
    """What the caller's own controller holds, for the parameters not under test."""

    world: World
    case: Case
    record: int
    restricted: Case  # at the distance of another team, its person restricted
    plain: Case  # at the same distance, not restricted
    flag: int  # a flag of the case's person


def other_council(caller: World) -> None:
    """Another council's records, with the ids `other(kind)`: a case (restricted, which must
    not show either), its young person, a record, a team, a member of staff, a legal hold
    and a use of break-glass; and nothing at `missing(kind)`."""
    path = next(p for p in PACK_FILES if p.stem != caller.pack.code)
    them = make_world(path)
    team = Team.objects.create(pk=other("team"), controller=them.controller, name="Elsewhere")
    worker = User.objects.create(
        pk=other("user"), username="elsewhere", role=them.pack.roles[0].code
    )
    worker.controller = them.controller
    worker.save()
    worker.teams.add(team)
    person = them.person(pk=other("person"), given_name="Otherwhere")
    case = them.case(
        pk=other("case"), person=person, team=team, allocated_to=worker, restricted=True
    )
    model, _schema = RECORD_TYPES["contacts"]
    model._default_manager.create(
        pk=other("record"),
        case=case,
        pack_version_id=them.version_id,
        kind="home-visit",
        occurred_at=timezone.now(),
        notes="Seen",
    )
    PersonFlag.objects.create(pk=other("record"), person=person, flag="looked-after")
    PersonFlag.objects.create(person=person, case=case, flag="looked-after", holds=False)
    parent = them.person(given_name="Otherparent")
    Relationship.objects.create(pk=other("record"), person=person, other=parent, kind="parent")
    plan = Plan.objects.create(
        pk=other("record"),
        case=case,
        pack_version_id=them.version_id,
        kind="intervention",
        starts_on=date(2025, 2, 1),
    )
    PlanAction.objects.create(pk=other("record"), plan=plan, description="Attend school")
    offence = Offence.objects.create(
        pk=other("record"), case=case, pack_version_id=them.version_id, description="Theft"
    )
    victim = them.person(given_name="Othervictim")
    VictimLink.objects.create(pk=other("record"), offence=offence, victim=victim)
    CaseStatus.objects.create(
        pk=other("record"),
        case=case,
        kind=SLUGS["kind"],
        value="identified",
        started_on=date(2025, 2, 1),
        pack_version_id=them.version_id,
    )
    LegalHold.objects.create(
        pk=other("hold"),
        scope=HoldScope.CASE,
        controller=them.controller,
        case=case,
        reason="Litigation",
        placed_by=worker,
        placed_at=timezone.now(),
        review_on=REVIEW,
    )
    BreakGlass.objects.create(
        pk=other("glass"),
        user=worker,
        case=case,
        reason="A safeguarding emergency",
        started_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    Disclosure.objects.create(
        pk=other("disclosure"),
        controller=them.controller,
        person=person,
        case=case,
        recipient="courts",
        recipient_name="Courts",
        purpose=them.pack.purposes[0].code,
        rule="shared",
        outcome="shared",
        consent_status="not-needed",
        package={"records": {}},
        by=worker,
        by_label="elsewhere",
        at=timezone.now(),
        pack_version_id=them.version_id,
    )
    ConsentRecord.objects.create(
        pk=other("consent"),
        controller=them.controller,
        person=person,
        preference="a-consent",
        kind="consent",
        state="given",
        given_by="young-person",
        how="written",
        on=date(2025, 6, 1),
        capacity="not-assessed",
        recorded_by=worker,
        recorded_at=timezone.now(),
        pack_version_id=them.version_id,
    )
    RightsRequest.objects.create(
        pk=other("request"),
        person=person,
        controller=them.controller,
        kind="access",
        received_on=REVIEW - timedelta(days=120),
        due_on=REVIEW - timedelta(days=90),
    )
    for kind in ID_KINDS:
        assert not _exists(kind, missing(kind))


def _exists(kind: str, pk: int) -> bool:
    models: dict[str, Any] = {
        "case": Case,
        "person": Person,
        "record": RECORD_TYPES["contacts"][0],
        "team": Team,
        "user": User,
        "hold": LegalHold,
        "glass": BreakGlass,
        "disclosure": Disclosure,
        "consent": ConsentRecord,
        "request": RightsRequest,
    }
    return bool(models[kind]._default_manager.filter(pk=pk).exists())


def own_council(world: World, caller: User) -> Own:
    case = world.case(allocated_to=caller)
    model, _schema = RECORD_TYPES["contacts"]
    record = model._default_manager.create(
        case=case,
        pack_version_id=world.version_id,
        kind="home-visit",
        occurred_at=timezone.now(),
        notes="Seen",
    )
    # Large ids of their own too, for the same reason as OTHER and MISSING.
    base = OWN + 10 * Case.objects.filter(pk__gte=OWN).count()
    restricted = world.case(
        pk=base + 1,
        team=world.other_team,
        person=world.person(pk=base + 2, restricted=True),
    )
    plain = world.case(pk=base + 3, team=world.other_team, person=world.person(pk=base + 4))
    flag = PersonFlag.objects.create(person=case.person, flag="looked-after")
    return Own(world, case, record.pk, restricted, plain, flag.pk)


def callers(world: World, *, by_reach: bool = False) -> list[Role]:
    """One role of each kind the pack has: the powers it holds and (`by_reach`) how far from
    a case its grants read. Another controller is out of every role's reach, so only the
    powers (break glass, allocate, manage the policy, statistics only) lead the gate down
    different paths there."""
    kinds: dict[tuple[Any, ...], Role] = {}
    for role in world.pack.roles:
        kind: tuple[Any, ...] = (
            role.break_glass,
            role.allocates_cases,
            role.manages_policy,
            role.statistics_only,
        )
        if by_reach:
            kind += tuple(sees_case(world.pack, role, w) for w in ("same-team", "other-team"))
        kinds.setdefault(kind, role)
    return list(kinds.values())


# --- what is asked for ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    label: str
    method: str
    path: str
    body: Any = None  # JSON for the API, form data for pages
    json: bool = False


def api_asks(own: Own, values: dict[str, int]) -> Iterator[tuple[Ask, str, str]]:
    """Every API operation that takes an id (in its path, its query or its body), once per id
    it takes: (ask with `values` for that id, the id's name, its kind). The other ids are the
    caller's own."""
    schema = openapi()
    for template, item in schema["paths"].items():
        if _kind_of(template) not in ("", FIRST_KIND):
            continue  # one route factory makes every kind of record's operations
        for method, operation in item.items():
            parameters = operation.get("parameters", [])
            in_path = [p["name"] for p in parameters if p["in"] == "path"]
            in_query = [p["name"] for p in parameters if p["in"] == "query"]
            in_body = _body_fields(schema, operation)
            body = _body(template, method, own)
            for name in in_path + in_query + in_body:
                if name not in in_path and not name.endswith("_id"):
                    continue
                assert name in ID_NAMES, f"{method} {template} takes '{name}': add it to ID_NAMES"
                kind = ID_NAMES[name]
                path = _path(template, own, {name: values[kind]} if name in in_path else {})
                if name in in_query:
                    path += f"?{name}={values[kind]}&mine=false"
                sent = dict(body) if isinstance(body, dict) else body
                if name in in_body:
                    sent = {**(sent or {}), name: values[kind]}
                ask = Ask(f"{method.upper()} {template} {name}", method, path, sent, json=True)
                yield ask, name, kind


@cache
def _schema_text() -> str:
    return Client().get("/api/v1/openapi.json").content.decode()


def openapi() -> dict[str, Any]:
    """The API's schema (generated once: every test here reads the same)."""
    return json.loads(_schema_text())


def _path(template: str, own: Own, ids: dict[str, int]) -> str:
    mine = {
        "case_id": own.case.pk,
        "person_id": own.case.person_id,
        "record_id": own.record,
        "flag_id": own.flag,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m[1], mine.get(m[1], 0))), template)


FIRST_KIND = next(iter(RECORD_TYPES))


def _kind_of(template: str) -> str:
    """The kind of record an operation's path names (`contacts`, `plans`, …), if any."""
    parts = template.split("/")
    return parts[5] if len(parts) > 5 and parts[5] in RECORD_TYPES else ""


def _body(template: str, method: str, own: Own) -> Any:
    kind = _kind_of(template)
    if method == "post" and kind in RECORD_BODIES:
        return RECORD_BODIES[kind]
    if method == "patch" and kind in RECORD_BODIES:
        return dict([list(RECORD_BODIES[kind].items())[-1]])
    if method == "post" and template == "/api/v1/cases":
        return {
            "person_id": own.case.person_id,
            "service": own.case.service,
            "team_id": own.case.team_id,
            "opened_on": "2025-03-01",
        }
    if method == "patch" and template.endswith("/flags/{flag_id}"):
        return {"ended_on": "2025-03-01"}
    if method == "patch" and template.startswith("/api/v1/people/"):
        return {"phone": "01234 567890"}
    if method == "post" and template.endswith("/facts"):
        return {"flag": "looked-after", "holds": False}
    if method == "post" and template.startswith("/api/v1/cases/{case_id}/shares"):
        # A share under safeguarding with no reason: the approver named is looked up, and
        # the share is refused all the same (a reason is missing), so no new disclosure's
        # number or time is in the answer to tell two asks apart.
        nhs = any(r.code == "nhs" for r in own.world.pack.recipients)
        return {
            "recipient": "nhs" if nhs else "courts",
            "purpose": own.world.pack.purposes[0].code,
            "gateway": "safeguarding" if nhs else "no-such-gateway",
        }
    return None


def _body_fields(schema: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    found = content.get("application/json", {}).get("schema", {})
    while "$ref" in found:
        found = schema["components"]["schemas"][found["$ref"].rsplit("/", 1)[1]]
    return list(found.get("properties", {}))


# Parameters that are not ids, and the value asked with: a status kind every pack declares.
SLUGS = {"kind": "mental-health"}


def id_patterns() -> Iterator[tuple[str, list[str]]]:
    """Every named page whose URL takes an id: (name, the names of its ids). One per view and
    ids: the pages of each kind of record (`contact-new`, `plan-new`, …) are one view."""
    seen: set[tuple[Any, ...]] = set()

    def walk(patterns: list[Any], namespace: str) -> Iterator[tuple[str, list[str]]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else "")
            elif isinstance(p, URLPattern) and p.name:
                converters = getattr(p.pattern, "converters", {})
                ids = [
                    n for n, c in converters.items() if isinstance(c, IntConverter | IdConverter)
                ]
                if ids and (p.callback, *ids) not in seen:
                    seen.add((p.callback, *ids))
                    yield f"{namespace}{p.name}", ids

    yield from walk(get_resolver().url_patterns, "")


def _route(name: str) -> str:
    """A named page's route as written (`cases/<id:case_id>/statuses/<slug:kind>/`)."""
    namespace, _, short = name.rpartition(":")
    for p in get_resolver().url_patterns:
        if isinstance(p, URLResolver) and p.namespace == namespace:
            for q in p.url_patterns:
                if isinstance(q, URLPattern) and q.name == short:
                    return str(q.pattern)
    return ""


def page_asks(own: Own, values: dict[str, int]) -> Iterator[tuple[Ask, str, str]]:
    for name, params in id_patterns():
        if name.startswith("api-v1:"):
            continue  # the API's operations come from its schema, above
        for param in params:
            assert param in ID_NAMES, f"{name} takes '{param}': add it to ID_NAMES"
            kind = ID_NAMES[param]
            mine = {"case_id": own.case.pk, "person_id": own.case.person_id}
            slugs = {k: v for k, v in SLUGS.items() if f"<slug:{k}>" in _route(name)}
            kwargs = {p: mine.get(p, 0) for p in params} | {param: values[kind]} | slugs
            path = reverse(name, kwargs=kwargs)
            yield Ask(f"GET {name} {param}", "get", path), param, kind
            yield Ask(f"POST {name} {param}", "post", path, POST_DATA), param, kind
    for name, field, kind, data, sent in FORM_IDS:
        body = {**HOLD_DATA, **data, field: sent.format(values[kind])}
        yield Ask(f"POST {name} {field}", "post", reverse(name), body), field, kind


# --- the answers ----------------------------------------------------------------------------------

VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]


def answer(api: Api, ask: Ask, ids: tuple[int, ...]) -> tuple[int, str, str, str]:
    """Status, content type, Location and body, with the asked-for ids set aside."""
    call = getattr(api.client, ask.method)
    kwargs: dict[str, Any] = {"headers": api.headers}
    if ask.json and ask.body is not None:
        kwargs |= {"data": json.dumps(ask.body, default=str), "content_type": "application/json"}
    elif ask.body is not None:
        kwargs["data"] = ask.body
    response = call(ask.path, **kwargs)
    assert response.status_code < 500, (ask.label, response.status_code)
    body = response.content.decode()
    location = response.get("Location", "")
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    for pk in ids:
        body, location = body.replace(str(pk), "{id}"), location.replace(str(pk), "{id}")
    return response.status_code, response.get("Content-Type", ""), location, body


def compare(caller: User, asks: list[tuple[Ask, Ask]], ids: tuple[int, ...]) -> list[str]:
    """The differences between the answers to each pair of asks: the API's by bearer token,
    the pages' in a signed-in, two-factor verified session."""
    by_token, in_session = token_api(caller), session_api(caller)
    differences = []
    for first, second in asks:
        api = by_token if first.json else in_session
        one, two = answer(api, first, ids), answer(api, second, ids)
        if one != two:
            differences.append(f"{first.label}: {one[:3]} vs {two[:3]}\n{_diff(one[3], two[3])}")
    return differences


def _diff(one: str, two: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(one, two, strict=False)) if a != b), 0)
    return f"  {one[max(0, at - 80) : at + 120]!r}\n  {two[max(0, at - 80) : at + 120]!r}"


def pairs(own: Own, first: dict[str, int], second: dict[str, int]) -> list[tuple[Ask, Ask]]:
    found = []
    for make in (lambda v: api_asks(own, v), lambda v: page_asks(own, v)):
        found += [(a, b) for (a, _, _), (b, _, _) in zip(make(first), make(second), strict=True)]
    return found


# --- the tests ------------------------------------------------------------------------------------


def test_another_councils_records_are_refused_as_if_they_did_not_exist(world: World) -> None:
    # The caller's own records first: SQLite numbers new rows after the largest id there is.
    staff = [(role, world.staff(role.code)) for role in callers(world)]
    own = {caller.pk: own_council(world, caller) for _, caller in staff}
    other_council(world)
    there = {kind: other(kind) for kind in ID_KINDS}
    nowhere = {kind: missing(kind) for kind in ID_KINDS}
    ids = (*there.values(), *nowhere.values())
    differences = []
    for role, caller in staff:
        asks = pairs(own[caller.pk], there, nowhere)
        assert len(asks) >= 25, "every id-taking page and operation, each way it takes an id"
        differences += [f"{role.code}: {d}" for d in compare(caller, asks, ids)]
    assert not differences, "\n".join(differences)


def could_see(world: World, role: Role) -> bool:
    """Whether the role could see a case of another team of its controller, were it not
    restricted: by its grants, by breaking glass, or as the DPO."""
    return sees_case(world.pack, role, "other-team") or role.break_glass or role.manages_policy


def test_a_restriction_is_named_only_to_those_who_could_otherwise_see_the_record(
    world: World,
) -> None:
    differences = []
    roles = callers(world, by_reach=True)
    blind = [role for role in roles if not could_see(world, role)]
    for role in roles:
        caller = world.staff(role.code)
        own = own_council(world, caller)
        restricted = {"case": own.restricted.pk, "person": own.restricted.person_id}
        plain = {"case": own.plain.pk, "person": own.plain.person_id}
        api = token_api(caller)
        if role not in blind:
            if not role.manages_policy:
                # Someone who could see the case is told why they may not.
                response = api.get(f"/cases/{own.restricted.pk}")
                assert response.status_code == 403
                assert "restricted" in response.json()["detail"], role.code
            continue
        asks = [
            (a, b)
            for (a, name_a, _), (b, _, _) in zip(
                _case_and_person_asks(own, restricted),
                _case_and_person_asks(own, plain),
                strict=True,
            )
            if name_a in {"case_id", "person_id"}
        ]
        ids = (*restricted.values(), *plain.values())
        differences += [f"{role.code}: {d}" for d in compare(caller, asks, ids)]
    assert not differences, "\n".join(differences)


def _case_and_person_asks(own: Own, values: dict[str, int]) -> Iterator[tuple[Ask, str, str]]:
    full = {**{kind: own.case.pk for kind in ID_KINDS}, **values}
    yield from api_asks(own, full)
    for ask, name, kind in page_asks(own, full):
        if name in {"case_id", "person_id"}:
            yield ask, name, kind
