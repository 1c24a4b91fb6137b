"""The JSON API: authentication, the gate on every operation, and problem documents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from safehold.access.models import ApiToken
from safehold.access.services import revoke_token
from safehold.audit.models import AuditEvent
from safehold.records.models import Contact, Person
from tests.access.conftest import World
from tests.api.conftest import Api, session_api, token_api
from tests.audit.reading import cases as audited_cases

PROBLEM = "application/problem+json"


def events(**filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("seq"))


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:safehold:problem:")
    assert body["title"] and body["detail"]
    return body


# --- the schema --------------------------------------------------------------------------------


def test_openapi_schema_describes_every_operation(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "StaffSession"}
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert ("get", "/api/v1/cases") in operations
    assert ("post", "/api/v1/cases/{case_id}/contacts") in operations
    assert ("patch", "/api/v1/people/{person_id}") in operations
    assert ("get", "/api/v1/cases/{case_id}/export") in operations
    for path, item in schema["paths"].items():
        for method, op in item.items():
            assert op.get("security"), f"{method} {path} has no authentication"


# --- authentication ------------------------------------------------------------------------------


def test_no_credentials_is_a_401_problem(client: Any, db: None) -> None:
    response = client.get("/api/v1/cases")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_revoked_and_expired_tokens_are_refused(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    api = token_api(user)
    assert api.get("/me").json()["username"] == user.username
    token = ApiToken.objects.get(user=user)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_problem(api.get("/me"), 401)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=1))
    revoke_token(token)
    assert_problem(api.get("/me"), 401)
    bogus = Api(api.client, {"Authorization": "Bearer sht_not-a-real-token"})
    assert_problem(bogus.get("/me"), 401)


def test_token_stores_only_a_digest(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    api = token_api(user)
    raw = api.headers["Authorization"].removeprefix("Bearer ")
    token = ApiToken.objects.get(user=user)
    assert raw not in {token.digest, token.prefix} and raw.startswith(token.prefix)


def test_session_must_have_passed_two_factor(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    assert_problem(session_api(user, verified=False).get("/me"), 401)
    assert session_api(user).get("/me").status_code == 200


def test_session_writes_need_the_csrf_token(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    api = session_api(user, csrf=True)
    response = api.post(
        f"/cases/{case.pk}/contacts", {"kind": "phone", "occurred_at": timezone.now()}
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()


# --- reads through the gate ----------------------------------------------------------------------


def test_caseload_is_shown_redacted_and_audited(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    mine = [cambridgeshire.case(allocated_to=user) for _ in range(3)]
    cambridgeshire.case(allocated_to=cambridgeshire.staff("youth-justice-officer"))
    response = token_api(user).get("/cases")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert {item["id"] for item in body["items"]} == {c.pk for c in mine}
    listed = events(actor_id=user.pk, action="list")
    assert set(audited_cases(listed)) == {c.pk for c in mine}


def test_team_case_withholds_fields_with_the_reason(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=None)  # same team, not allocated
    body = token_api(user).get(f"/cases/{case.pk}").json()
    person = body["person"]
    assert person["values"]["family_name"] == "Example"
    assert "health_needs" not in person["values"]
    withheld = person["withheld"]["health_needs"]
    assert withheld["category"] and "youth-justice-officer" in withheld["reason"]
    assert events(actor_id=user.pk, action="read", case_id=case.pk)


def test_a_case_out_of_reach_is_a_403_with_the_rule_and_audited(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(team=cambridgeshire.other_team)
    body = assert_problem(token_api(user).get(f"/cases/{case.pk}"), 403)
    assert "cambridgeshire" in body["detail"]
    refused = events(actor_id=user.pk, decision="refused")
    assert [e.case_id for e in refused] == [case.pk]


def test_records_of_a_case(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    Contact.objects.create(
        case=case,
        kind="phone",
        occurred_at=timezone.now(),
        notes="Spoke to Sam",
        pack_version_id=cambridgeshire.version_id,
    )
    body = token_api(user).get(f"/cases/{case.pk}/contacts").json()
    assert body["count"] == 1
    assert body["items"][0]["values"]["notes"] == "Spoke to Sam"
    assert events(actor_id=user.pk, record_type="contact", action="read")


def test_person_is_reached_through_a_case(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    stranger = cambridgeshire.person(given_name="Alex")
    api = token_api(user)
    assert api.get(f"/people/{case.person_id}").json()["values"]["given_name"] == "Sam"
    assert_problem(api.get(f"/people/{stranger.pk}"), 403)


# --- writes through the gate ---------------------------------------------------------------------


def test_record_a_contact_then_change_it(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    api = token_api(user)
    when = timezone.now().replace(microsecond=0)
    response = api.post(
        f"/cases/{case.pk}/contacts", {"kind": "home-visit", "occurred_at": when, "notes": "Seen"}
    )
    assert response.status_code == 201, response.content
    contact = Contact.objects.get()
    assert contact.pack_version_id == cambridgeshire.version_id
    assert contact.created_by == user
    assert response.json()["values"]["notes"] == "Seen"
    response = api.patch(f"/cases/{case.pk}/contacts/{contact.pk}", {"notes": "Seen at home"})
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.notes == "Seen at home" and contact.kind == "home-visit"
    actions = [e.action for e in events(actor_id=user.pk, record_type="contact")]
    assert actions == ["create", "update"]


def test_a_refused_write_saves_nothing_and_is_audited(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=None)  # same team: read some, write none
    body = assert_problem(
        token_api(user).post(
            f"/cases/{case.pk}/contacts", {"kind": "phone", "occurred_at": timezone.now()}
        ),
        403,
    )
    assert "write" in body["detail"]
    assert not Contact.objects.exists()
    assert events(actor_id=user.pk, decision="refused", record_type="contact")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"kind": "carrier-pigeon", "occurred_at": "2025-01-01T10:00:00Z"}, "/kind"),
        ({"kind": "phone"}, "/occurred_at"),
        ({"kind": "phone", "occurred_at": "yesterday-ish"}, "/occurred_at"),
    ],
)
def test_bad_input_names_the_field(cambridgeshire: World, body: Any, pointer: str) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    problem = assert_problem(token_api(user).post(f"/cases/{case.pk}/contacts", body), 422)
    assert pointer in [e["pointer"] for e in problem["errors"]]
    assert pointer in problem["detail"]
    assert not Contact.objects.exists()


def test_malformed_json_is_a_400_problem(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    assert_problem(token_api(user).post(f"/cases/{case.pk}/contacts", "{not json"), 400)


def test_model_validation_errors_name_the_field(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("team-manager")
    case = cambridgeshire.case(allocated_to=None)
    problem = assert_problem(
        token_api(user).patch(f"/people/{case.person_id}", {"email": "not-an-email"}), 422
    )
    assert [e["pointer"] for e in problem["errors"]] == ["/email"]
    case.person.refresh_from_db()
    assert case.person.email == ""


def test_open_a_case_for_someone_new(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    api = token_api(user)
    body: dict[str, Any] = {
        "person": {"given_name": "Robin", "family_name": "Newcombe"},
        "service": "knitting",
        "team_id": cambridgeshire.team.pk,
        "allocated_to_id": user.pk,
        "opened_on": "2025-02-01",
    }
    problem = assert_problem(api.post("/cases", body), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/service"]
    response = api.post("/cases", {**body, "service": cambridgeshire.pack.services[0].code})
    assert response.status_code == 201, response.content
    assert response.json()["distance"] == "allocated"
    assert response.json()["person"]["values"]["family_name"] == "Newcombe"
    created = {e.record_type for e in events(actor_id=user.pk, action="create")}
    assert created == {"case", "person"}


def test_a_case_for_someone_out_of_reach_is_refused(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    stranger = cambridgeshire.case(team=cambridgeshire.other_team).person
    body = {
        "person_id": stranger.pk,
        "service": cambridgeshire.pack.services[0].code,
        "team_id": cambridgeshire.team.pk,
        "allocated_to_id": user.pk,
        "opened_on": "2025-02-01",
    }
    assert_problem(token_api(user).post("/cases", body), 403)
    problem = assert_problem(token_api(user).post("/cases", {**body, "person_id": None}), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/person_id"]


def test_change_a_person_through_their_case(cambridgeshire: World) -> None:
    manager = cambridgeshire.staff("team-manager")
    case = cambridgeshire.case(allocated_to=None)
    response = token_api(manager).patch(f"/people/{case.person_id}", {"phone": "01234 567890"})
    assert response.status_code == 200, response.content
    assert Person.objects.get(pk=case.person_id).phone == "01234 567890"
    assert events(actor_id=manager.pk, action="update", record_type="person")


# --- exports -------------------------------------------------------------------------------------


def test_export_by_a_role_with_an_export_grant(cambridgeshire: World) -> None:
    dpo = cambridgeshire.staff("data-protection-officer")
    case = cambridgeshire.case(team=cambridgeshire.other_team)
    Contact.objects.create(
        case=case,
        kind="phone",
        occurred_at=timezone.now(),
        pack_version_id=cambridgeshire.version_id,
    )
    response = token_api(dpo).get(f"/cases/{case.pk}/export")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["records"]["contact"]) == 1
    exported = events(actor_id=dpo.pk, action="export")
    assert {e.record_type for e in exported} == {"case", "contact"}


def test_export_without_an_export_grant_is_refused(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    body = assert_problem(token_api(user).get(f"/cases/{case.pk}/export"), 403)
    assert "export" in body["detail"]
    assert events(actor_id=user.pk, decision="refused")
    assert not events(actor_id=user.pk, action="export")


# --- finding people ------------------------------------------------------------------------------


def test_find_people_through_the_gate(cambridgeshire: World) -> None:
    from datetime import date as day

    from safehold.audit.models import Action

    officer = cambridgeshire.staff("youth-justice-officer")
    person = cambridgeshire.person(
        given_name="Tobias", family_name="Fairweather", date_of_birth=day(2011, 2, 14)
    )
    case = cambridgeshire.case(allocated_to=officer, person=person)
    cambridgeshire.case(
        team=cambridgeshire.other_team,
        person=cambridgeshire.person(given_name="Tobias", family_name="Fairweather"),
    )
    api = token_api(officer)
    response = api.client.get("/api/v1/people?q=fairwether+tobias", headers=api.headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1 and body["dropped"] == {}
    item = body["items"][0]
    assert (item["person_id"], item["id"]) == (person.pk, case.pk)
    assert item["person"]["values"]["family_name"] == "Fairweather"
    assert AuditEvent.objects.filter(
        actor=officer, action=Action.LIST, person_id=person.pk
    ).exists()
    response = api.client.get("/api/v1/people?q=14/2/2011", headers=api.headers)
    assert response.json()["count"] == 1
    response = api.client.get("/api/v1/people?q=31/2/2011", headers=api.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/q"
    response = api.client.get("/api/v1/people", headers=api.headers)
    assert response.status_code == 422
    schema = api.client.get("/api/v1/openapi.json").json()
    assert "get" in schema["paths"]["/api/v1/people"]


def test_list_filters_and_sorts_only_by_what_every_listed_case_shows(
    cambridgeshire: World,
) -> None:
    # A case manager reads a team case's names but not its service or dates (support).
    officer = cambridgeshire.staff("youth-justice-officer")
    services = [s.code for s in cambridgeshire.pack.services]
    b = cambridgeshire.case(person=cambridgeshire.person(family_name="Bell"), service=services[1])
    a = cambridgeshire.case(person=cambridgeshire.person(family_name="Ash"), service=services[0])
    api = token_api(officer)
    mine = api.get("/cases", service=services[0], sort="service").json()
    assert mine["dropped"] == {}  # one's own caseload: every field is readable
    wide = api.get("/cases", mine="false", service=services[0], sort="service").json()
    assert set(wide["dropped"]) == {"service", "status", "sort:service"}
    assert "support" in wide["dropped"]["service"]  # the rule, naming the category
    # By id, not by service (which would put a first) nor only the service asked for.
    assert [item["id"] for item in wide["items"]] == [b.pk, a.pk]
    by_name = api.get("/cases", mine="false", sort="name").json()
    assert [item["id"] for item in by_name["items"]] == [a.pk, b.pk]  # names are readable
    assert "sort:name" not in by_name["dropped"]
    bad = api.get("/cases", sort="nonsense")
    assert bad.status_code in {400, 422}
