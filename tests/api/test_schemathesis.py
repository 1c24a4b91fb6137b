"""Schemathesis over the whole OpenAPI schema, against Django's own WSGI application, as a real
member of staff with cases and records (issue 14, point 6).

Every operation gets bounded examples, valid and not valid (schemathesis's positive and negative
modes), with ids drawn as often from the caller's real cases and records as at random, so the
operations are exercised past the gate's refusal. Every check schemathesis has runs: no 5xx,
only documented status codes and content types, responses that match the schema, invalid input
refused. A stateful run then follows the schema's links (a case opened, then read, written to
and listed). Runs on SQLite and on PostgreSQL like the rest of the suite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from safehold.records import models as m
from safehold.records.validation import MAX_ID
from tests.access.conftest import World
from tests.api.conftest import token_api

STATEFUL_RUNS = 8  # scenarios of up to 8 linked calls
EXAMPLES = 10  # per operation and mode: the whole schema in a minute or two per database
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure is one a rerun will show
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def wsgi(settings: Any) -> Iterator[None]:
    """Inside a test's transaction, Django's WSGI application must not close the connection at
    the end of each request (Django's test client does the same)."""
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis's WSGI client sends
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def records_for(world: World, case: m.Case, user: Any) -> list[int]:
    now = timezone.now()
    common = {"case": case, "created_by": user, "pack_version_id": world.version_id}
    made = [
        m.Contact.objects.create(kind="phone", occurred_at=now - timedelta(days=1), **common),
        m.Assessment.objects.create(kind="assetplus", **common),
        m.Plan.objects.create(kind="intervention", starts_on=now.date(), **common),
        m.Offence.objects.create(description="Theft", gravity=3, **common),
        m.Outcome.objects.create(kind="yro", starts_on=now.date(), **common),
        m.Report.objects.create(kind="psr", **common),
    ]
    return [r.pk for r in made]


# Django's WSGI application, as gunicorn serves it; its schema, as a client would fetch it.
with override_settings(ALLOWED_HOSTS=["localhost"]):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES
)
# Examples from the schema and bounded fuzzing. The coverage phase (every boundary of every
# parameter) made ten times the calls, most of them refused before anything was read, and
# cost the suite minutes; test_bad_input.py holds the boundaries that once broke.
schema.config.phases.update(phases=["examples", "fuzzing", "stateful"])
# The record of each path /cases/{case_id}/<kind>/{record_id}, for the stateful hook below.
RECORD_PATHS: dict[str, Any] = {
    "contacts": m.Contact,
    "assessments": m.Assessment,
    "plans": m.Plan,
    "offences": m.Offence,
    "outcomes": m.Outcome,
    "reports": m.Report,
}
# The caller's real ids, set for each test by `caller`, for the hook below.
REAL: dict[str, list[Any]] = {}
TOKEN: list[str] = []


@schema.auth(refresh_interval=None)
class Token:
    """The caller's bearer token, fresh for each test; schemathesis knows it as the schema's
    authentication, so its own checks (a request without it, with a wrong one) are meaningful."""

    def get(self, case: Any, context: Any) -> str:
        return TOKEN[0] if TOKEN else "not-yet"  # at collection, before any test

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.hook
def flatmap_path_parameters(context: Any, path: dict[str, Any] | None) -> Any:
    # As often a real id as a random one: random ids only ever meet the gate's refusal.
    if not path:
        return st.just(path)
    real = {name: st.sampled_from(REAL[name]) for name in path if REAL.get(name)}
    if not real:
        return st.just(path)
    return st.one_of(st.just(path), st.fixed_dictionaries(real).map(lambda r: path | r))


# Every call made, by operation and status: what the figures in the report count.
CALLS: Counter[tuple[str, int]] = Counter()


@schema.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    CALLS[(case.operation.label.replace("/api/v1", "", 1), response.status_code)] += 1


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    """Printed at the end (pytest -s): operations, calls, and answers by status."""
    CALLS.clear()
    yield
    statuses = Counter[int]()
    for (_operation, status), n in CALLS.items():
        statuses[status] += n
    operations = {operation for operation, _status in CALLS}
    print(
        f"\nschemathesis: {len(operations)} operations, {sum(CALLS.values())} calls; "
        + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    )


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    # Opening a case: as often in the caller's own team, for a service of the pack, for
    # someone they can read or someone new, as with whatever was generated.
    if not (isinstance(body, dict) and "team_id" in body and REAL.get("team_id")):
        return st.just(body)
    own = {
        "team_id": REAL["team_id"][0],
        "service": REAL["service"][0],
        "opened_on": "2026-01-05",
        "allocated_to_id": None,
    }
    known = {**body, **own, "person_id": REAL["person_id"][0], "person": None}
    new = {**body, **own, "person_id": None, "person": {"given_name": "Al", "family_name": "New"}}
    return st.sampled_from([body, known, new])


@pytest.fixture
def caller(cambridgeshire: World, wsgi: None) -> Iterator[None]:
    """A youth justice officer with two cases and a record of every kind on each, and a case
    of another team out of reach; the bearer token that acts for them."""
    user = cambridgeshire.staff("youth-justice-officer")
    mine = [cambridgeshire.case(allocated_to=user) for _ in range(2)]
    theirs = cambridgeshire.case(team=cambridgeshire.other_team)
    records: list[int] = []
    for case in mine:
        records += records_for(cambridgeshire, case, user)
    # A flag of each person, to be read and corrected (or ended) by its id.
    flags = [
        m.PersonFlag.objects.create(person_id=c.person_id, flag="child-protection-plan").pk
        for c in [*mine, theirs]
    ]
    REAL.update(
        case_id=[c.pk for c in [*mine, theirs]],
        person_id=[c.person_id for c in [*mine, theirs]],
        flag_id=flags,
        record_id=records,
        team_id=[cambridgeshire.team.pk],
        service=[mine[0].service],
    )
    TOKEN[:] = [token_api(user).headers["Authorization"].removeprefix("Bearer ")]
    yield
    REAL.clear()
    TOKEN.clear()


@schema.parametrize()
@SETTINGS
def test_every_operation(case: Any, caller: None) -> None:
    # Every check but one: "a schema-valid request is accepted" cannot hold where the record's
    # rules say more than a schema can (a date of birth in range, a review after the start, a
    # service of the pack). Those rules have their own tests (test_bad_input.py).
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def test_stateful_links(caller: None) -> None:
    """Schemathesis follows the schema's links (and those it infers): a record written on a
    case, then changed; a case listed, then read."""
    workflow = schema.as_state_machine()

    class Calls(workflow):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            # Each scenario from the same database: what one makes, the next never meets.
            self.scenario = transaction.atomic()
            self.scenario.__enter__()

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.scenario.__exit__(None, None, None)

        def before_call(self, case: Any) -> None:
            # A scenario starts from a generated id; one that names no case starts from one of
            # the caller's instead (random ids are test_every_operation's), so that its links
            # lead somewhere on either database, whatever ids the sequences give.
            params = case.path_parameters or {}
            for name, model in (("case_id", m.Case), ("person_id", m.Person)):
                value = params.get(name)
                if type(value) is int and not (
                    0 < value <= MAX_ID and model.objects.filter(pk=value).exists()
                ):
                    params[name] = REAL[name][0]
            # A record is reached through its case: one of that kind on it, when the id the
            # scenario carries (a link from a 201 that did not happen) names none there.
            # /api/v1/cases/{case_id}/<kind>/{record_id}
            parts = case.operation.path.removeprefix("/api/v1").split("/")
            kind = RECORD_PATHS.get(parts[3]) if len(parts) > 4 else None
            if kind is not None and "record_id" in params and "case_id" in params:
                mine = kind.objects.filter(case_id=params["case_id"])
                if not mine.filter(pk=params["record_id"]).exists() and (own := mine.first()):
                    params["record_id"] = own.pk
            # A flag is reached through its person: one of theirs, not a random number.
            if "flag_id" in params and "person_id" in params:
                own = m.PersonFlag.objects.filter(person_id=params["person_id"]).first()
                if own is not None:
                    params["flag_id"] = own.pk

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(
                response, excluded_checks=[positive_data_acceptance], transport_kwargs=kwargs
            )

    before = Counter(CALLS)
    Calls.run(
        settings=settings(
            max_examples=STATEFUL_RUNS,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # It followed the links: records written on a case, then changed through the link from
    # their 201. (POST /cases is no starting point for it: it finds no operation that makes
    # teams. test_every_operation opens cases with real teams.)
    # Whether a generated body passes the record's rules (a date after the case opened, say)
    # depends on which real case a scenario lands on, which differs between databases; so
    # this asks that records were written or judged on real cases, and that some scenario
    # went on to change what it reached.
    made = CALLS - before
    assert any(op.startswith("POST /cases/") and status in (201, 422) for op, status in made), made
    assert any(op.startswith("PATCH") and status in (200, 412, 422) for op, status in made), made
