"""A value the pack withholds appears nowhere (issue 14, point 3): not in a top-level copy, not
through a filter, a sort or a count, on the API or on the pages.

For every role of every shipped pack, four cases stand at the matrix's four places (allocated,
same team, another team, break-glass) and every field of every record on them holds a value
found nowhere else: text markers, dates, a service of its own. Every response the role can get
about them (each API read and list, with and without its filters; each page) is searched for
the raw values of the fields the role may not read at that place, as they would be written
(JSON, or as GOV.UK writes dates and the pack names services). Then each filter is tried with
each of its values: a case whose filtered field is withheld must be in all the answers or in
none, so no count can depend on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.test import Client

from safehold.access.gate import Gate
from safehold.access.models import User
from safehold.api.api import RECORD_TYPES
from safehold.policy.schema import Pack, Role
from safehold.records import models as m
from safehold.records.fields import RECORD_FIELDS
from safehold.web.govuk import day
from tests.access.conftest import World
from tests.access.test_gate import category_of, may
from tests.api.conftest import Api, session_api, token_api
from tests.api.test_matrix import WHERE, reach
from tests.web.conftest import make_verified_client

# Fields whose values are a handful of codes, booleans or small numbers: they cannot be told
# apart by searching a page, so the matrix proves them by field name (test_matrix.py).
CASE_FILTER = re.compile(r'<form method="get" id="case-filter".*?</form>', re.DOTALL)
PURPOSE = re.compile(r"Purpose: [^<]*")
UNSEARCHABLE = {
    "sex",
    "kind",
    "flag",
    "holds",
    "gravity",
    "lives_with",
    "contact_consent",
    "restorative_justice",
}


@dataclass
class Furnished:
    """A case with a record of every kind, each field holding a value of its own."""

    case: m.Case
    values: list[tuple[str, str, Any]] = field(default_factory=list)  # (record, field, value)
    records: dict[str, int] = field(default_factory=dict)  # record type -> its id


class Furnisher:
    def __init__(self, world: World) -> None:
        self.world = world
        self.day = date(2001, 3, 5)
        self.n = 0

    def date(self) -> date:
        self.day += timedelta(days=13)
        return self.day

    def values(self, record: str, tag: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in RECORD_FIELDS[record]:
            if name in UNSEARCHABLE:
                continue
            if name.endswith(("_on", "_of_birth")):
                out[name] = self.date()
            elif name == "occurred_at":
                out[name] = datetime.combine(self.date(), time(12), tzinfo=UTC)
            elif name == "postcode":
                self.n += 1
                out[name] = f"Z{self.n:03d} 9PQ"
            elif name == "email":
                out[name] = f"zq{tag}@example.org"
            elif name == "service":
                continue
            else:
                out[name] = f"zq{tag}{record[:4]}{name.replace('_', '')}"
        return out

    def case(self, tag: str, service: str, **where: Any) -> Furnished:
        w = self.world
        made = Furnished(m.Case(), [])

        def note(record: str, obj: models.Model, values: dict[str, Any]) -> None:
            made.values += [(record, name, value) for name, value in values.items()]

        person_values = self.values("person", tag)
        person = w.person(**person_values)
        note("person", person, person_values)
        case_values = {"opened_on": self.date(), "closed_on": self.date()}
        case = w.case(person=person, service=service, **case_values, **where)
        made.case = case
        note("case", case, {"service": service, **case_values})
        v = w.version_id
        flag_values = self.values("personflag", tag)
        if w.pack.flags:
            m.PersonFlag.objects.create(person=person, flag=w.pack.flags[0].code, **flag_values)
            note("personflag", person, flag_values)
        for i, kind in enumerate(("parent", "social-worker")):
            other_values = self.values("person", f"{tag}r{i}")
            other = w.person(**other_values)
            m.Relationship.objects.create(person=person, other=other, kind=kind)
            note("person", other, other_values)
        records = {
            m.Contact: {"kind": "phone"},
            m.Assessment: {"kind": "assetplus"},
            m.Plan: {"kind": "intervention"},
            m.Offence: {},
            m.Outcome: {"kind": "referral-order"},
            m.Report: {"kind": "psr"},
        }
        for model, fixed in records.items():
            record = str(model._meta.model_name)
            values = self.values(record, tag)
            obj = model._default_manager.create(case=case, pack_version_id=v, **fixed, **values)
            note(record, obj, values)
            made.records[record] = obj.pk
            if model is m.Plan:
                action_values = self.values("planaction", tag)
                m.PlanAction.objects.create(plan=obj, **action_values)
                note("planaction", obj, action_values)
            if model is m.Offence:
                victim_values = self.values("person", f"{tag}v")
                victim = w.person(**victim_values)
                link_values = self.values("victimlink", tag)
                m.VictimLink.objects.create(offence=obj, victim=victim, **link_values)
                note("victimlink", obj, link_values)
                note("person", victim, victim_values)
        return made


def spellings(pack: Pack, record: str, name: str, value: Any) -> list[str]:
    """How a raw value would be written in a response: in JSON, or on a page."""
    if isinstance(value, datetime):
        return [value.date().isoformat(), day(value)]
    if isinstance(value, date):
        return [value.isoformat(), day(value)]
    if (record, name) == ("case", "service"):
        # A JSON string on the API (a form's options may hold the same code for another
        # thing, such as an outcome's kind); the pack's name for it on a page.
        names = {s.code: s.name for s in pack.services}
        return [f'JSON:"{value}"', f"HTML:{names[value]}"]
    return [str(value)]


def withheld_values(pack: Pack, role: Role, where: str, caller: str, made: Furnished) -> set[str]:
    found = set()
    for record, name, value in made.values:
        readable = may(
            pack, role, "read", category_of(pack, record, name), reach(role, where, "read", caller)
        )
        if not readable:
            found.update(spellings(pack, record, name, value))
    return found


@dataclass
class Caller:
    kind: str  # token | session
    api: Api
    web: Client | None

    def bodies(self, user: User, cases: dict[str, Furnished]) -> dict[str, str]:
        """Every answer about the world this caller can get, by what was asked."""
        out: dict[str, str] = {}

        def api_get(path: str, **params: Any) -> None:
            response = self.api.get(path, **params)
            assert response.status_code < 500, (path, params)
            out[f"GET /api/v1{path} {params}"] = response.content.decode()

        api_get("/cases")
        api_get("/cases", mine="false", limit=200)
        api_get("/cases", mine="false", limit=200, open="false")
        # The session's API answers differ from a token's only at break-glass, which a token
        # never inherits: the token reads every case, the session that one (and every page).
        read = cases if self.kind == "token" else {"break-glass": cases["break-glass"]}
        for made in read.values():
            case = made.case
            api_get(f"/cases/{case.pk}")
            api_get(f"/cases/{case.pk}/export")
            api_get(f"/people/{case.person_id}")
            for name in RECORD_TYPES:
                api_get(f"/cases/{case.pk}/{name}")
        if self.web is not None:
            paths = ["/", "/caseload/", "/caseload/?status=all", "/team/", "/team/?status=all"]
            for made in cases.values():
                case = made.case
                paths += [
                    f"/people/{case.person_id}/",
                    f"/people/{case.person_id}/audit/",
                    f"/team/cases/{case.pk}/allocate/",
                    *(f"/cases/{case.pk}/{kind}s/new/" for kind in ("contact", "plan")),
                    # The correction forms open on the values they change (not an outcome's:
                    # its kinds share words with services' names).
                    f"/people/{case.person_id}/edit/",
                    f"/cases/{case.pk}/close/",
                    *(
                        f"/cases/{case.pk}/{kind}s/{made.records[kind]}/edit/"
                        for kind in ("contact", "plan", "offence", "report")
                    ),
                ]
            for path in paths:
                response = self.web.get(path)
                assert response.status_code < 500, path
                # The list's filter offers every service of the pack (as the public notice
                # names them), whoever's cases are listed: that is not a case's service.
                # Likewise the pack's purposes, named on the audit trail, whose names quote
                # services ("a Diversion, Caution or Conditional Caution").
                body = CASE_FILTER.sub("", response.content.decode())
                out[f"GET {path}"] = PURPOSE.sub("", body)
        return out


def callers(user: User) -> list[Caller]:
    return [
        Caller("token", token_api(user), None),
        Caller("session", session_api(user), make_verified_client(user)),
    ]


def world_for(world: World, role: Role, furnish: Furnisher) -> tuple[User, dict[str, Furnished]]:
    user = world.staff(role.code)
    # Services whose names no other service's name contains, so a page naming one is found.
    all_services = world.pack.services
    services = [
        s.code
        for s in all_services
        if not any(s.name in other.name for other in all_services if other is not s)
    ]
    assert len(services) >= len(WHERE), "a service of its own for each case"
    places = {
        "allocated": {"allocated_to": user},
        "same-team": {"allocated_to": None},
        "other-team": {"team": world.other_team},
        "break-glass": {"team": world.other_team},
    }
    cases = {
        where: furnish.case(f"{i}{role.code[:3]}", services[i], **places[where])
        for i, where in enumerate(WHERE)
    }
    if role.break_glass:
        Gate(user).break_glass(cases["break-glass"].case.pk, "Urgent safeguarding call from police")
    return user, cases


def test_withheld_values_appear_in_no_response(world: World) -> None:
    pack = world.pack
    furnish = Furnisher(world)
    for role in pack.roles:
        user, cases = world_for(world, role, furnish)
        for caller in callers(user):
            bodies = caller.bodies(user, cases)
            for where, made in cases.items():
                for value in withheld_values(pack, role, where, caller.kind, made):
                    leaks = [asked for asked, body in bodies.items() if found(value, asked, body)]
                    assert not leaks, (role.code, caller.kind, where, value, leaks[:3])


def found(value: str, asked: str, body: str) -> bool:
    api = asked.startswith("GET /api/")
    if value.startswith("JSON:"):
        return api and value[5:] in body
    if value.startswith("HTML:"):
        return not api and value[5:] in body
    return value in body


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_no_filter_or_count_depends_on_a_withheld_value(world: World) -> None:
    pack = world.pack
    furnish = Furnisher(world)
    for role in pack.roles:
        user, cases = world_for(world, role, furnish)
        # Half the cases open, so that the open filter has something to tell apart.
        for where in ("allocated", "other-team"):
            m.Case.objects.filter(pk=cases[where].case.pk).update(closed_on=None)
        for caller in callers(user):
            filters: dict[str, list[dict[str, str]]] = {
                "service": [{}] + [{"service": s.code} for s in pack.services],
                "closed_on": [{"open": "true"}, {"open": "false"}],
            }
            for field_name, variants in filters.items():
                answers = []
                for variant in variants:
                    response = caller.api.get("/cases", mine="false", limit=200, **variant)
                    answers.append((_ids(response), response.json()["count"]))
                for where, made in cases.items():
                    readable = may(
                        pack,
                        role,
                        "read",
                        category_of(pack, "case", field_name),
                        reach(role, where, "read", caller.kind),
                    )
                    if readable:
                        continue
                    inside = {made.case.pk in ids for ids, _count in answers}
                    assert len(inside) == 1, (role.code, caller.kind, where, field_name, answers)
