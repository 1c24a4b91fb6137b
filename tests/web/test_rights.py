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
    # The DPO finds the person by searching (a typo forgiven), never by typing a number: they
    # are offered by name and reference, found and shown through the gate as a list, audited.
    body = html(client, "/data-protection/requests/new/?q=Wilhelmina+Ashcomb")
    assert f'value="person:{person.pk}"' in body
    assert f"{GIVEN} {FAMILY} (P{person.pk})" in body and "Born 1 June 2013" in body
    assert AuditEvent.objects.filter(
        actor_id=yos.dpo.pk, person_id=person.pk, action="list"
    ).exists()
    form = {
        "q": "Wilhelmina Ashcomb",
        "person": f"person:{person.pk}",
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
    response = client.post(
        "/data-protection/requests/new/", {**form, "authority": "Mother, parental responsibility"}
    )
    made = RightsRequest.objects.get()
    assert made.person_id == person.pk
    assert response["Location"] == f"/data-protection/requests/{made.pk}/"
    assert made.due_on == date(2026, 3, 2)
    page = html(client, response["Location"])
    assert "2 March 2026" in page and "28 February 2026 is a weekend" in page
    assert f"{GIVEN} {FAMILY}" in page and "aged 12 when the request was received" in page
    assert "Record the child&#39;s understanding" in page
    assert "Mother, parental responsibility" in page


def test_only_a_person_the_search_found_can_be_chosen(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    found = yos.person(given_name=GIVEN, family_name=FAMILY)
    yos.case(found)
    elsewhere = yos.person(given_name="Ottoline", family_name="Brack")
    yos.case(elsewhere)
    client = verified_client(yos.dpo)
    form = {
        "kind": "access",
        "received_on-day": "2",
        "received_on-month": "3",
        "received_on-year": "2026",
        "requester": "self",
        "channel": "letter",
        "asked": "Everything",
        "identity": "confirmed",
    }
    # Nothing searched for: the search box carries the error, and nothing is recorded.
    empty = client.post("/data-protection/requests/new/", form).content.decode()
    assert "Select the person the request is about" in empty
    assert 'href="#id_person"' in empty and 'id="id_person" name="q"' in empty
    # A person the search did not find (one of ours, or one that exists nowhere) cannot be
    # chosen by sending their id: the answer is the same, and nothing is recorded.
    answers = [
        client.post(
            "/data-protection/requests/new/", {**form, "q": GIVEN, "person": f"person:{pk}"}
        ).content.decode()
        for pk in (elsewhere.pk, 99999999)
    ]
    for body in answers:
        assert "Select the person the request is about" in body
        assert f'value="person:{found.pk}"' in body and "Ottoline" not in body
    # A search that finds no one says so.
    none = html(client, "/data-protection/requests/new/?q=Zebedee")
    assert "No one found for &ldquo;Zebedee&rdquo;" in none
    assert not RightsRequest.objects.exists()


def test_from_a_persons_page_they_are_already_chosen(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    person = yos.person(given_name=GIVEN, family_name=FAMILY)
    yos.case(person)
    client = verified_client(yos.dpo)
    body = html(client, f"/data-protection/requests/new/?person={person.pk}")
    assert f'value="P{person.pk}"' in body  # the search that found them
    radio = body[body.index(f'value="person:{person.pk}"') :][:40]
    assert "checked" in radio
    assert AuditEvent.objects.filter(
        actor_id=yos.dpo.pk, person_id=person.pk, action="list"
    ).exists()
    # Someone the service does not hold is not offered at all.
    missing = html(client, "/data-protection/requests/new/?person=99999999")
    assert 'value="person:' not in missing and "No one found" in missing


def test_a_request_about_someone_unnamed_shows_their_reference(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    """A person the gate shows no case of is called by their reference (P316), as staff
    quote it, on the list and on the request's page."""
    person = yos.person(given_name=GIVEN, family_name=FAMILY)  # no case: nothing to read
    made = services.receive(person, "access", received_on=timezone.localdate())
    client = verified_client(yos.dpo)
    for path in ("/data-protection/requests/", f"/data-protection/requests/{made.pk}/"):
        body = html(client, path)
        assert f"P{person.pk}" in body and GIVEN not in body, path
        assert f"person {person.pk}" not in body, path


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


def test_an_objection_recorded_names_what_it_objects_to(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    from safehold.rights.models import Objection

    person = yos.person(given_name=GIVEN, family_name=FAMILY, born=date(2005, 6, 1))
    yos.case(person)
    client = verified_client(yos.dpo)
    body = html(client, "/data-protection/requests/new/?q=Wilhelmina+Ashcombe")
    # The pack's objectable processing is offered, nothing else.
    assert 'name="objected" type="checkbox" value="planning-research"' in body
    assert 'value="statutory-youth-justice"' not in body.split('name="objected"', 1)[1]
    response = client.post(
        "/data-protection/requests/new/",
        {
            "q": "Wilhelmina Ashcombe",
            "person": f"person:{person.pk}",
            "kind": "objection",
            "received_on-day": "2",
            "received_on-month": "3",
            "received_on-year": "2026",
            "requester": "self",
            "channel": "email",
            "asked": "Do not use my information for research",
            "identity": "confirmed",
            "objected": ["planning-research"],
        },
    )
    made = RightsRequest.objects.get()
    assert response["Location"] == f"/data-protection/requests/{made.pk}/"
    row = Objection.objects.get(request=made)
    assert (row.purpose, row.state) == ("planning-research", "pending")
    page = html(client, response["Location"])
    assert "Objects to" in page and "Business planning and research: objected, not yet" in page
