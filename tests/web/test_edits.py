"""Seeing and correcting the whole record: every field the role may read on the young person's
page, flags with their history, changing a person or a record through the gate with the old
value in the audit trail, two people editing at once, closing a case, and recording a report."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from safehold.access.models import User
from safehold.audit.models import AuditEvent
from safehold.records.models import Case, Change, Contact, Person, PersonFlag, Report
from tests.access.conftest import World


@pytest.fixture
def officer(cambridgeshire: World) -> User:
    return cambridgeshire.staff("youth-justice-officer", username="casey")


@pytest.fixture
def case(cambridgeshire: World, officer: User) -> Case:
    person = cambridgeshire.person(
        given_name="Jordan", family_name="Whitlock", phone="01632 960123"
    )
    return cambridgeshire.case(allocated_to=officer, person=person)


def get(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def post(client: Client, url: str, data: dict[str, str], status: int = 302) -> str:
    response = client.post(url, data)
    assert response.status_code == status, response.content.decode()[:3000]
    return response.content.decode()


PERSON_FORM = {
    "given_name": "Jordan",
    "family_name": "Whitlock",
    "date_of_birth-day": "1",
    "date_of_birth-month": "5",
    "date_of_birth-year": "2009",
    "ethnicity": "White British",
    "address": "1 High Street",
    "postcode": "CB1 1AA",
    "phone": "01632 960123",
    "school": "Hill School",
    "health_needs": "Asthma",
}


def test_the_page_shows_every_field_and_every_flag_with_its_dates(
    cambridgeshire: World, officer: User, case: Case, verified_client
) -> None:
    PersonFlag.objects.create(
        person=case.person,
        flag="looked-after",
        started_on=date(2020, 1, 6),
        ended_on=date(2022, 3, 1),
    )
    PersonFlag.objects.create(
        person=case.person, flag="child-protection-plan", started_on=date(2024, 9, 2)
    )
    html = get(verified_client(officer), f"/people/{case.person_id}/")
    for text in ("1 High Street", "CB1 1AA", "01632 960123", "Hill School", "Asthma"):
        assert text in html, text
    # The flag held before, with when it began and ended, and the one held now.
    assert "6 January 2020" in html and "1 March 2022" in html
    assert "2 September 2024" in html and "Current" in html
    assert f'href="/people/{case.person_id}/edit/#id_address"' in html
    assert f'href="/cases/{case.pk}/close/"' in html


def test_a_colleague_sees_what_they_may_not_read_as_withheld_and_cannot_change_it(
    cambridgeshire: World, case: Case, verified_client
) -> None:
    colleague = cambridgeshire.staff("youth-justice-officer")
    client = verified_client(colleague)
    html = get(client, f"/people/{case.person_id}/")
    assert "Asthma" not in html and "Withheld" in html
    assert "/edit/" not in html and "/close/" not in html
    get(client, f"/people/{case.person_id}/edit/", 403)
    post(client, f"/cases/{case.pk}/close/", {}, 403)
    assert AuditEvent.objects.filter(actor=colleague, action="refuse").exists()


def test_change_a_persons_details_with_the_old_value_in_the_audit_trail(
    cambridgeshire: World, officer: User, case: Case, verified_client
) -> None:
    client = verified_client(officer)
    html = get(client, f"/people/{case.person_id}/edit/")
    assert 'name="version" value="1"' in html and "1 High Street" in html
    post(
        client,
        f"/people/{case.person_id}/edit/",
        {**PERSON_FORM, "address": "9 New Road", "version": "1"},
    )
    person = Person.objects.get(pk=case.person_id)
    assert (person.address, person.version) == ("9 New Road", 2)
    assert list(Change.objects.values_list("field", "old", "new")) == [
        ("address", "1 High Street", "9 New Road")
    ]
    # Who has seen this record: the change, with what it was and what it became.
    manager = cambridgeshire.staff("team-manager")
    trail = get(verified_client(manager), f"/people/{case.person_id}/audit/")
    assert "1 High Street" in trail and "9 New Road" in trail


def test_a_second_editor_is_told_and_shown_what_changed(
    cambridgeshire: World, officer: User, case: Case, verified_client
) -> None:
    manager = cambridgeshire.staff("team-manager")
    first, second = verified_client(officer), verified_client(manager)
    url = f"/people/{case.person_id}/edit/"
    assert 'name="version" value="1"' in get(first, url)
    assert 'name="version" value="1"' in get(second, url)
    post(first, url, {**PERSON_FORM, "phone": "01632 960999", "version": "1"})
    html = post(second, url, {**PERSON_FORM, "address": "5 Other Way", "version": "1"}, 409)
    assert "Someone else changed this while you were editing it" in html
    assert "01632 960123" in html and "01632 960999" in html  # what it was, what it is now
    assert "5 Other Way" in html  # what they typed is kept
    assert 'name="version" value="2"' in html
    assert Person.objects.get(pk=case.person_id).address == "1 High Street"  # not saved
    # Having seen it, they save again: theirs is written, the first's phone is not undone
    # because the manager's form, from before, still said the old phone.
    post(
        second,
        url,
        {**PERSON_FORM, "phone": "01632 960999", "address": "5 Other Way", "version": "2"},
    )
    person = Person.objects.get(pk=case.person_id)
    assert (person.address, person.phone, person.version) == ("5 Other Way", "01632 960999", 3)


def test_a_form_error_keeps_the_version_it_was_opened_at(
    officer: User, case: Case, verified_client
) -> None:
    client = verified_client(officer)
    html = post(
        client,
        f"/people/{case.person_id}/edit/",
        {**PERSON_FORM, "given_name": "", "version": "1"},
        400,
    )
    assert "Enter their first name" in html and 'name="version" value="1"' in html


def test_change_a_contact(officer: User, case: Case, verified_client) -> None:
    contact = Contact.objects.create(
        case=case,
        kind="phone",
        occurred_at=timezone.make_aware(timezone.datetime(2025, 2, 3, 14, 30)),
        notes="Called",
        pack_version_id=case.pack_version_id,
    )
    client = verified_client(officer)
    url = f"/cases/{case.pk}/contacts/{contact.pk}/edit/"
    html = get(client, url)
    assert "Called" in html and 'value="14:30"' in html
    post(
        client,
        url,
        {
            "kind": "phone",
            "occurred_on-day": "3",
            "occurred_on-month": "2",
            "occurred_on-year": "2025",
            "occurred_time": "14:30",
            "notes": "Called about school",
            "version": "1",
        },
    )
    contact.refresh_from_db()
    assert contact.notes == "Called about school" and contact.version == 2
    assert list(Change.objects.values_list("field", flat=True)) == ["notes"]
    get(client, f"/cases/{case.pk}/contacts/999999/edit/", 404)


def test_close_a_case_with_its_date_and_reason(officer: User, case: Case, verified_client) -> None:
    client = verified_client(officer)
    url = f"/cases/{case.pk}/close/"
    html = get(client, url)
    assert "Why did the case close?" in html and "Opened in error" in html
    html = post(
        client,
        url,
        {"closed_on-day": "1", "closed_on-month": "1", "closed_on-year": "2024", "version": "1"},
        400,
    )
    assert "Select why the case closed" in html
    assert "must be the same as or after the date it opened (6 January 2025)" in html
    post(
        client,
        url,
        {
            "closed_on-day": "30",
            "closed_on-month": "6",
            "closed_on-year": "2025",
            "closed_reason": "completed",
            "version": "1",
        },
    )
    case.refresh_from_db()
    assert (case.closed_on, case.closed_reason) == (date(2025, 6, 30), "completed")


def test_record_a_report(officer: User, case: Case, verified_client) -> None:
    client = verified_client(officer)
    html = get(client, f"/people/{case.person_id}/")
    assert f'href="/cases/{case.pk}/reports/new/"' in html and "Record a report" in html
    get(client, f"/cases/{case.pk}/reports/new/")
    post(
        client,
        f"/cases/{case.pk}/reports/new/",
        {
            "kind": "psr",
            "due_on-day": "1",
            "due_on-month": "3",
            "due_on-year": "2026",
            "body": "Pre-sentence report",
        },
    )
    report = Report.objects.get(case=case)
    assert (report.kind, report.due_on, report.body) == (
        "psr",
        date(2026, 3, 1),
        "Pre-sentence report",
    )
    assert AuditEvent.objects.filter(action="create", record_type="report").exists()
