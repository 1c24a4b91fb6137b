"""Input that once answered 500, or stored what could not be read back (issue 14, points 4-5).

Every answer under /api/ is a problem document for every 4xx and 5xx; nothing here is stored;
each refusal is in the audit log with the caller.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safehold.access.models import User
from safehold.audit.models import AuditEvent
from safehold.records.models import Case, Contact, Outcome, Person
from tests.access.conftest import World
from tests.api.conftest import Api, token_api
from tests.api.test_api import assert_problem

BIG = 2**63  # one past PostgreSQL's bigint
NOW = "2026-01-05T10:00:00Z"


@pytest.fixture
def caller(cambridgeshire: World) -> tuple[World, User, Case, Api]:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    return cambridgeshire, user, case, token_api(user)


def refusals(user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor_id=user.pk, decision="refused").order_by("seq"))


def raw_post(api: Api, path: str, body: str | bytes, method: str = "post") -> Any:
    send = getattr(api.client, method)
    return send(f"/api/v1{path}", body, content_type="application/json", headers=api.headers)


# --- point 4: dates and times a record can hold ---------------------------------------------------


@pytest.mark.parametrize(
    "occurred_at",
    [
        "9999-12-31T23:59:59-14:00",  # past year 9999 in UTC: PostgreSQL stores it, psycopg can't read it
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "1899-12-31T12:00:00Z",
        "2999-01-01T00:00:00Z",
    ],
)
def test_a_contact_time_out_of_range_is_a_422_and_the_case_still_reads(
    caller: tuple[World, User, Case, Api], occurred_at: str
) -> None:
    _world, user, case, api = caller
    body = assert_problem(
        api.post(f"/cases/{case.pk}/contacts", {"kind": "phone", "occurred_at": occurred_at}), 422
    )
    assert [e["pointer"] for e in body["errors"]] == ["/occurred_at"]
    assert not Contact.objects.exists()
    assert api.get(f"/cases/{case.pk}/contacts").status_code == 200
    assert refusals(user), "the refusal is audited"


def test_a_contact_tomorrow_is_accepted_the_day_after_is_not(
    caller: tuple[World, User, Case, Api],
) -> None:
    _world, _user, case, api = caller
    soon = timezone.now() + timedelta(hours=20)
    later = timezone.now() + timedelta(days=3)
    ok = api.post(f"/cases/{case.pk}/contacts", {"kind": "phone", "occurred_at": soon})
    assert ok.status_code == 201, ok.content
    contact = Contact.objects.get()
    assert_problem(
        api.patch(f"/cases/{case.pk}/contacts/{contact.pk}", {"occurred_at": later}), 422
    )
    contact.refresh_from_db()
    assert abs(contact.occurred_at - soon) < timedelta(seconds=1)


@pytest.mark.parametrize("born", ["9999-01-01", "1850-06-01", (date.today() + timedelta(days=2))])
def test_a_date_of_birth_no_one_could_have_is_a_422(
    caller: tuple[World, User, Case, Api], born: Any
) -> None:
    world, _user, case, api = caller
    body = assert_problem(api.patch(f"/people/{case.person_id}", {"date_of_birth": born}), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/date_of_birth"]
    assert Person.objects.get(pk=case.person_id).date_of_birth == date(2009, 5, 1)
    new = {
        "person": {"given_name": "Ali", "family_name": "New", "date_of_birth": born},
        "service": case.service,
        "team_id": world.team.pk,
        "opened_on": "2026-01-05",
    }
    assert_problem(api.post("/cases", new), 422)
    assert Person.objects.count() == 1


def test_an_outcome_does_not_end_before_it_starts(caller: tuple[World, User, Case, Api]) -> None:
    _world, _user, case, api = caller
    backwards = {"kind": "yro", "starts_on": "2026-01-05", "ends_on": "2025-12-01"}
    body = assert_problem(api.post(f"/cases/{case.pk}/outcomes", backwards), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/ends_on"]
    ok = api.post(f"/cases/{case.pk}/outcomes", {"kind": "yro", "starts_on": "2026-01-05"})
    assert ok.status_code == 201, ok.content
    outcome = Outcome.objects.get()
    # A change to one end is checked against the other end already held.
    assert_problem(
        api.patch(f"/cases/{case.pk}/outcomes/{outcome.pk}", {"ends_on": "2025-12-01"}), 422
    )
    outcome.refresh_from_db()
    assert outcome.ends_on is None


def test_a_plan_is_reviewed_after_it_starts(caller: tuple[World, User, Case, Api]) -> None:
    _world, _user, case, api = caller
    plan = {"kind": "intervention", "starts_on": "2026-01-05", "review_on": "2026-01-01"}
    body = assert_problem(api.post(f"/cases/{case.pk}/plans", plan), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/review_on"]


# --- point 5: other input that answered 500 -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/cases/{BIG}",
        f"/cases/{BIG}/contacts",
        f"/cases/{BIG}/export",
        f"/people/{BIG}",
        f"/cases?person_id={BIG}",
        f"/cases?offset={BIG}",
        f"/cases?offset={BIG - 1}",
    ],
)
def test_ids_past_bigint_in_the_path_or_query_are_refused(
    caller: tuple[World, User, Case, Api], path: str
) -> None:
    _world, user, _case, api = caller
    response = api.client.get(f"/api/v1{path}", headers=api.headers)
    assert 400 <= response.status_code < 500, response.content
    assert_problem(response, response.status_code)
    assert refusals(user)


def test_ids_past_bigint_in_the_body_are_a_422(caller: tuple[World, User, Case, Api]) -> None:
    world, _user, case, api = caller
    new = {"person_id": BIG, "service": case.service, "team_id": BIG, "opened_on": "2026-01-05"}
    body = assert_problem(api.post("/cases", new), 422)
    assert {"/person_id", "/team_id"} <= {e["pointer"] for e in body["errors"]}
    new.update(person_id=case.person_id, team_id=world.team.pk, allocated_to_id=BIG)
    assert_problem(api.post("/cases", new), 422)
    assert Case.objects.count() == 1
    contact = api.post(f"/cases/{case.pk}/contacts", {"kind": "phone", "occurred_at": NOW})
    assert contact.status_code == 201
    assert_problem(api.patch(f"/cases/{case.pk}/contacts/{BIG}", {"notes": "x"}), 422)


@pytest.mark.parametrize(
    "body",
    [
        '{"kind": "phone", "occurred_at": "NOW", "notes": "a\\u0000b"}',
        '{"kind": "phone", "occurred_at": "NOW", "notes": "a\\ud800b"}',
        '{"kind": "phone", "occurred_at": "NOW", "notes": "\\udfff"}',
    ],
    ids=["nul", "lone-high-surrogate", "lone-low-surrogate"],
)
def test_text_that_no_database_can_hold_is_a_422(
    caller: tuple[World, User, Case, Api], body: str
) -> None:
    _world, user, case, api = caller
    body = body.replace("NOW", NOW)
    problem = assert_problem(raw_post(api, f"/cases/{case.pk}/contacts", body), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/notes"]
    assert not Contact.objects.exists()
    assert refusals(user)


def test_nul_in_a_person_or_a_query_is_refused(caller: tuple[World, User, Case, Api]) -> None:
    _world, _user, case, api = caller
    assert_problem(api.patch(f"/people/{case.person_id}", {"given_name": "Sam\x00"}), 422)
    assert Person.objects.get().given_name == "Sam"
    response = api.get("/cases", service="youth\x00justice")
    assert_problem(response, 422)


def test_null_for_a_text_field_on_patch_is_a_422(caller: tuple[World, User, Case, Api]) -> None:
    _world, _user, case, api = caller
    created = api.post(
        f"/cases/{case.pk}/contacts", {"kind": "phone", "occurred_at": NOW, "notes": "Seen"}
    )
    contact_id = created.json()["id"]
    for field in ("notes", "kind", "occurred_at"):
        body = assert_problem(
            api.patch(f"/cases/{case.pk}/contacts/{contact_id}", {field: None}), 422
        )
        assert [e["pointer"] for e in body["errors"]] == [f"/{field}"]
    assert Contact.objects.get().notes == "Seen"
    assert_problem(api.patch(f"/people/{case.person_id}", {"family_name": None}), 422)
    assert_problem(api.patch(f"/people/{case.person_id}", {"address": None}), 422)
    assert Person.objects.get().family_name == "Example"


def test_malformed_json_is_a_400_problem(caller: tuple[World, User, Case, Api]) -> None:
    _world, user, case, api = caller
    assert_problem(raw_post(api, f"/cases/{case.pk}/contacts", '{"kind": "phone",'), 400)
    assert_problem(raw_post(api, f"/cases/{case.pk}/contacts", b"\xff\xfe"), 400)
    assert_problem(raw_post(api, f"/cases/{case.pk}/contacts", "[1, 2]"), 422)
    assert refusals(user)


def test_unknown_paths_and_methods_are_problems(caller: tuple[World, User, Case, Api]) -> None:
    _world, user, case, api = caller
    assert_problem(api.get("/no-such-thing"), 404)
    assert_problem(api.client.get("/api/no-such-version", headers=api.headers), 404)
    response = api.client.delete(f"/api/v1/cases/{case.pk}", headers=api.headers)
    assert_problem(response, 405)
    assert "GET" in response["Allow"]
    assert len(refusals(user)) == 3


def test_a_body_too_large_is_a_413_problem(
    caller: tuple[World, User, Case, Api], settings: Any
) -> None:
    _world, user, case, api = caller
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    notes = "x" * 2000
    response = api.post(
        f"/cases/{case.pk}/contacts", {"kind": "phone", "occurred_at": NOW, "notes": notes}
    )
    assert_problem(response, 413)
    assert not Contact.objects.exists()
    assert refusals(user)


def test_an_unexpected_error_is_a_500_problem(
    caller: tuple[World, User, Case, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    _world, _user, case, api = caller

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("something no one foresaw")

    monkeypatch.setattr("safehold.access.gate.Gate.case", broken)
    client = Client(raise_request_exception=False)
    response = client.get(f"/api/v1/cases/{case.pk}", headers=api.headers)
    body = assert_problem(response, 500)
    assert "no one foresaw" not in json.dumps(body), "the cause stays in the server's log"
