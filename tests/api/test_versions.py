"""Two clients changing the same record: ETag on GET, If-Match honoured on PATCH, and 412
Precondition Failed (a problem document, with the current ETag) when the version is stale."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.utils import timezone

from safehold.records.models import Case, Change, Contact, Person
from tests.access.conftest import World
from tests.api.conftest import Api, token_api


def patch(api: Api, path: str, body: dict[str, Any], if_match: str | None = None) -> Any:
    headers = dict(api.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return api.client.patch(
        f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=headers
    )


def test_a_stale_if_match_is_refused_with_412_and_nothing_is_written(cambridgeshire: World):
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    api = token_api(officer)
    read = api.get(f"/people/{case.person_id}")
    tag = read["ETag"]
    assert tag == f'"person-{case.person_id}-v1"' and read.json()["version"] == 1

    first = patch(api, f"/people/{case.person_id}", {"phone": "01632 960001"}, tag)
    assert first.status_code == 200 and first["ETag"] == f'"person-{case.person_id}-v2"'

    second = patch(api, f"/people/{case.person_id}", {"phone": "01632 960002"}, tag)
    assert second.status_code == 412
    assert second["Content-Type"] == "application/problem+json"
    assert second["ETag"] == f'"person-{case.person_id}-v2"'
    problem = second.json()
    assert problem["type"] == "urn:safehold:problem:stale" and problem["status"] == 412
    assert "version 2" in problem["detail"]
    assert Person.objects.get(pk=case.person_id).phone == "01632 960001"
    # A weak validator never matches (strong comparison); "*" matches any version.
    weak = patch(api, f"/people/{case.person_id}", {"phone": "x"}, f"W/{first['ETag']}")
    assert weak.status_code == 412
    assert (
        patch(api, f"/people/{case.person_id}", {"phone": "01632 960003"}, "*").status_code == 200
    )
    # Without If-Match the change is made, and what it replaced is kept.
    assert patch(api, f"/people/{case.person_id}", {"phone": "01632 960004"}).status_code == 200
    assert list(Change.objects.order_by("version").values_list("new", flat=True)) == [
        "01632 960001",
        "01632 960003",
        "01632 960004",
    ]


def test_a_record_has_an_etag_and_honours_if_match(cambridgeshire: World):
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    contact = Contact.objects.create(
        case=case, kind="phone", occurred_at=timezone.now(), pack_version_id=case.pack_version_id
    )
    api = token_api(officer)
    path = f"/cases/{case.pk}/contacts/{contact.pk}"
    read = api.get(path)
    assert read.status_code == 200 and read["ETag"] == f'"contact-{contact.pk}-v1"'
    assert patch(api, path, {"notes": "Called"}, read["ETag"]).status_code == 200
    stale = patch(api, path, {"notes": "Called again"}, read["ETag"])
    assert stale.status_code == 412 and stale["ETag"] == f'"contact-{contact.pk}-v2"'
    assert api.get(f"/cases/{case.pk}/contacts/999999").status_code == 404
    # A person's ETag is not a contact's.
    assert patch(api, path, {"notes": "x"}, f'"person-{contact.pk}-v2"').status_code == 412


def test_close_a_case_through_the_api(cambridgeshire: World):
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    api = token_api(officer)
    tag = api.get(f"/cases/{case.pk}")["ETag"]
    early = patch(
        api, f"/cases/{case.pk}", {"closed_on": "2024-01-01", "closed_reason": "moved"}, tag
    )
    assert early.status_code == 422 and early.json()["errors"][0]["pointer"] == "/closed_on"
    bad = patch(
        api, f"/cases/{case.pk}", {"closed_on": "2025-06-30", "closed_reason": "bored"}, tag
    )
    assert bad.status_code == 422
    done = patch(
        api, f"/cases/{case.pk}", {"closed_on": "2025-06-30", "closed_reason": "moved"}, tag
    )
    assert done.status_code == 200, done.content
    assert done.json()["case"]["values"]["closed_reason"] == "moved"
    case = Case.objects.get(pk=case.pk)
    assert (case.closed_on, case.closed_reason, case.version) == (date(2025, 6, 30), "moved", 2)


def test_the_openapi_schema_documents_if_match_and_412(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/people/{person_id}"]["patch"]
    header = next(p for p in operation["parameters"] if p["in"] == "header")
    assert header["name"] == "If-Match" and not header.get("required")
    assert "412" in operation["responses"]
    assert "/api/v1/cases/{case_id}/contacts/{record_id}" in schema["paths"]
    assert "get" in schema["paths"]["/api/v1/cases/{case_id}/contacts/{record_id}"]
