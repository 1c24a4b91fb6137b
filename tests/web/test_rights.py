"""The DPO's rights request pages: open requests by due date, recording and progressing a
request on its clock, and requests over time with the on-time rate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safehold.access.models import User
from safehold.audit.models import AuditEvent
from safehold.rights import services
from safehold.rights.models import RightsRequest
from tests.retention.conftest import Place, make_place
from tests.web.casework import count_queries

GIVEN, FAMILY = "Wilhelmina", "Ashcombe"


@pytest.fixture
def yos(db: None) -> Place:
    return make_place("cambridgeshire-yos")


def html(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def requests_in_every_state(yos: Place) -> dict[str, RightsRequest]:
    today = timezone.localdate()
    person = yos.person(given_name=GIVEN, family_name=FAMILY)
    yos.case(person)
    made = {
        "overdue": services.receive(person, "access", received_on=today - timedelta(days=40)),
        "soon": services.receive(yos.person(), "erasure", received_on=today - timedelta(days=27)),
        "paused": services.receive(yos.person(), "access", received_on=today - timedelta(days=5)),
        "extended": services.receive(
            yos.person(), "access", received_on=today - timedelta(days=20)
        ),
        "later": services.receive(yos.person(), "rectification", received_on=today),
    }
    services.pause(made["paused"], on=today - timedelta(days=3), reason="identity", by=yos.dpo)
    services.extend(
        made["extended"], told_on=today - timedelta(days=2), reason="Many files", by=yos.dpo
    )
    for r in made.values():
        r.refresh_from_db()
    return made


def test_open_requests_by_due_date_with_each_view(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    made = requests_in_every_state(yos)
    client = verified_client(yos.dpo)
    body = html(client, "/data-protection/requests/")
    # Soonest due first, the paused one last; the person named through the gate.
    order = [body.index(f">{made[k].reference}<") for k in ("overdue", "soon", "later", "paused")]
    assert order == sorted(order)
    assert f"{GIVEN} {FAMILY}" in body
    assert "Overdue by" in body and "Paused since" in body and "(extended)" in body
    assert "Overdue: 1" in body and "Paused: 1" in body and "Extended: 1" in body
    assert AuditEvent.objects.filter(
        actor_id=yos.dpo.pk, person_id=made["overdue"].person_id, action="list"
    ).exists()
    overdue = html(client, "/data-protection/requests/?show=overdue")
    assert made["overdue"].reference in overdue and made["soon"].reference not in overdue
    week = html(client, "/data-protection/requests/?show=week")
    assert made["soon"].reference in week and made["later"].reference not in week
    paused = html(client, "/data-protection/requests/?show=paused")
    assert f">{made['paused'].reference}<" in paused
    assert f">{made['later'].reference}<" not in paused
    # An unknown view is the whole list.
    assert made["later"].reference in html(client, "/data-protection/requests/?show=nonsense")


def test_the_list_takes_a_few_queries_however_many(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    client = verified_client(yos.dpo)
    requests_in_every_state(yos)
    few = count_queries(lambda: html(client, "/data-protection/requests/"))
    requests_in_every_state(yos)
    requests_in_every_state(yos)
    assert count_queries(lambda: html(client, "/data-protection/requests/")) == few


def test_only_the_dpo_sees_the_rights_pages(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    request = services.receive(yos.person(), "access", received_on=date(2026, 3, 2))
    officer = verified_client(yos.staff("youth-justice-officer"))
    for path in (
        "/data-protection/requests/",
        "/data-protection/requests/new/",
        "/data-protection/requests/chart/",
        f"/data-protection/requests/{request.pk}/",
        f"/data-protection/requests/{request.pk}/close/",
    ):
        assert officer.get(path).status_code == 403, path


def test_recording_a_request_starts_its_clock(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    person = yos.person(given_name=GIVEN, family_name=FAMILY, born=date(2013, 6, 1))
    yos.case(person)
    client = verified_client(yos.dpo)
    form = {
        "person": f"P{person.pk}",
        "kind": "access",
        "received_on-day": "31",
        "received_on-month": "1",
        "received_on-year": "2026",
        "requester": "parent",
        "requester_name": "Mrs Ashcombe",
        "channel": "email",
        "asked": "Her whole file",
        "identity": "awaited",
    }
    # A parent must show their authority; nothing is recorded until they do.
    response = client.post("/data-protection/requests/new/", form)
    assert response.status_code == 200
    assert "Enter what shows the requester may act for the person" in response.content.decode()
    assert not RightsRequest.objects.exists()
    # Another person's reference that does not exist reads as one the service does not hold.
    missing = client.post(
        "/data-protection/requests/new/", {**form, "person": "P99999999", "authority": "PR"}
    )
    assert "Enter the reference of a person your service holds" in missing.content.decode()
    response = client.post(
        "/data-protection/requests/new/", {**form, "authority": "Mother, parental responsibility"}
    )
    made = RightsRequest.objects.get()
    assert response["Location"] == f"/data-protection/requests/{made.pk}/"
    assert made.due_on == date(2026, 3, 2)
    page = html(client, response["Location"])
    assert "2 March 2026" in page and "28 February 2026 is a weekend" in page
    assert f"{GIVEN} {FAMILY}" in page and "aged 12 when the request was received" in page
    assert "Record the child&#39;s understanding" in page
    assert "Mother, parental responsibility" in page


def test_progressing_a_request_through_its_steps(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    person = yos.person(born=date(2011, 1, 1))
    yos.case(person)
    received = today - timedelta(days=10)
    request = services.receive(
        person, "access", received_on=received, requester="representative", authority="Signed"
    )
    client = verified_client(yos.dpo)
    base = f"/data-protection/requests/{request.pk}"

    def day(name: str, d: date) -> dict[str, str]:
        return {
            f"{name}-day": str(d.day),
            f"{name}-month": str(d.month),
            f"{name}-year": str(d.year),
        }

    assert (
        client.post(
            f"{base}/pause/", {**day("on", today - timedelta(days=8)), "reason": "identity"}
        ).status_code
        == 302
    )
    request.refresh_from_db()
    assert request.due_on is None
    # Resuming before the pause began is refused, with the rule, as a form error.
    bad = client.post(f"{base}/resume/", day("on", today - timedelta(days=9)))
    assert bad.status_code == 200 and "before it starts" in bad.content.decode()
    assert client.post(f"{base}/resume/", day("on", today - timedelta(days=1))).status_code == 302
    request.refresh_from_db()
    assert request.due_on is not None
    client.post(
        f"{base}/understanding/",
        {"understands": "yes", "authorised": "yes", "reason": "Spoke to him with his worker"},
    )
    client.post(f"{base}/identity/", {"identity": "confirmed", "note": "Passport seen"})
    client.post(f"{base}/extend/", {**day("told_on", today), "reason": "Three services' files"})
    request.refresh_from_db()
    assert request.extension_told_on == today and request.child_understands == "yes"
    # Refusing without a ground is not allowed.
    refused = client.post(f"{base}/close/", {**day("closed_on", today), "outcome": "refused"})
    assert "Say on what ground" in refused.content.decode()
    client.post(f"{base}/close/", {**day("closed_on", today), "outcome": "answered"})
    request.refresh_from_db()
    assert (request.status, request.on_time) == ("closed", True)
    page = html(client, f"{base}/")
    for words in (
        "Clock paused",
        "Clock resumed",
        "Passport seen",
        "Extended by two months",
        "Closed on",
    ):
        assert words in page, words
    # A closed request changes no more.
    assert client.get(f"{base}/pause/")["Location"] == f"{base}/"
    assert AuditEvent.objects.filter(record_type="rightsrequest", record_id=request.pk).count() == 7


def test_requests_over_time_with_the_on_time_rate(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    start = today.replace(day=1) - timedelta(days=60)
    early = services.receive(yos.person(), "access", received_on=start)
    services.close(early, closed_on=start + timedelta(days=10))
    late = services.receive(yos.person(), "access", received_on=start)
    services.close(late, closed_on=start + timedelta(days=45))
    services.receive(yos.person(), "access", received_on=today)
    body = html(verified_client(yos.dpo), "/data-protection/requests/chart/")
    assert "1 of 2 requests closed were answered on time: <strong>50%</strong>" in body
    assert "<svg" in body and 'id="months"' in body
    assert f"{start:%B %Y}" in body


def test_deciding_an_erasure_shows_how_the_right_applies_under_the_pack(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    request = services.receive(yos.person(), "erasure", received_on=timezone.localdate())
    body = html(verified_client(yos.dpo), f"/data-protection/requests/{request.pk}/decide/")
    assert 'id="lawful-basis"' in body and "Right to erasure: applies in some cases" in body
