"""Correcting a person's flags (and ending one), a relationship, and a plan's action, and
recording the facts of a case: each through the gate, audited, with the old value in the
history, checked against the version the page was opened at; a case's facts plan its file's
retention again, and a fact nobody recorded never shortens it (docs/adr/0016)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from safehold.access.gate import Gate
from safehold.access.models import User
from safehold.audit.models import AuditEvent
from safehold.policy.wording import event_words
from safehold.records.models import (
    Case,
    Change,
    Offence,
    PersonFlag,
    Plan,
    PlanAction,
    Relationship,
    VictimLink,
)
from safehold.retention import services as retention
from safehold.retention.models import RetentionUnit
from tests.access.conftest import World


@pytest.fixture
def officer(cambridgeshire: World) -> User:
    return cambridgeshire.staff("youth-justice-officer", username="casey")


@pytest.fixture
def case(cambridgeshire: World, officer: User) -> Case:
    person = cambridgeshire.person(given_name="Jordan", family_name="Whitlock")
    return cambridgeshire.case(allocated_to=officer, person=person)


def test_a_flag_is_ended_with_its_end_date_and_its_history_kept(
    officer: User, case: Case, verified_client
) -> None:
    flag = PersonFlag.objects.create(
        person=case.person, flag="child-protection-plan", started_on=date(2024, 9, 2)
    )
    client: Client = verified_client(officer)
    page = client.get(f"/people/{case.person_id}/").content.decode()
    url = f"/people/{case.person_id}/flags/{flag.pk}/edit/"
    assert f'href="{url}"' in page  # the change link on the flag's row
    form = client.get(url).content.decode()
    assert "Change the flag: Subject of a Child Protection Plan" in form
    assert 'value="2024"' in form  # opens on what is recorded
    response = client.post(
        url,
        {
            "holds": "True",
            "started_on-day": "2",
            "started_on-month": "9",
            "started_on-year": "2024",
            "ended_on-day": "3",
            "ended_on-month": "3",
            "ended_on-year": "2025",
            "version": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    flag.refresh_from_db()
    assert (flag.ended_on, flag.version) == (date(2025, 3, 3), 2)
    change = Change.objects.get(record_type="personflag", record_id=flag.pk)
    assert (change.field, change.old, change.new) == ("ended_on", None, "2025-03-03")
    update = AuditEvent.objects.get(seq=change.audit_seq)
    assert (update.action, update.record_type, update.actor_id) == (
        "update",
        "personflag",
        officer.pk,
    )
    # Nothing deleted: the page shows it from-to, no longer current.
    page = client.get(f"/people/{case.person_id}/").content.decode()
    assert "3 March 2025" in page


def test_an_end_before_the_start_is_an_error_and_a_stale_save_is_told(
    officer: User, case: Case, verified_client
) -> None:
    flag = PersonFlag.objects.create(
        person=case.person, flag="looked-after", started_on=date(2024, 9, 2)
    )
    client: Client = verified_client(officer)
    url = f"/people/{case.person_id}/flags/{flag.pk}/edit/"
    body = {
        "holds": "True",
        "started_on-day": "2",
        "started_on-month": "9",
        "started_on-year": "2024",
        "ended_on-day": "1",
        "ended_on-month": "1",
        "ended_on-year": "2024",
        "version": "1",
    }
    response = client.post(url, body)
    assert response.status_code == 400
    assert "must be on or after the start date" in response.content.decode()
    # Someone (this officer, in another tab) ends it first: this save is told, with what they changed, and not written.
    Gate(officer).write(flag, {"ended_on": date(2025, 1, 1)}, case=case, version=1)
    response = client.post(url, body | {"ended_on-year": "2026"})
    assert response.status_code == 409
    body_409 = response.content.decode()
    assert "Someone else changed this while you were editing it" in body_409
    assert "1 January 2025" in body_409  # what they changed
    flag.refresh_from_db()
    assert flag.ended_on == date(2025, 1, 1)


def test_a_relationship_is_corrected(
    cambridgeshire: World, officer: User, case: Case, verified_client
) -> None:
    parent = cambridgeshire.person(given_name="Morgan", family_name="Whitlock")
    link = Relationship.objects.create(person=case.person, other=parent, kind="carer")
    client: Client = verified_client(officer)
    page = client.get(f"/people/{case.person_id}/").content.decode()
    url = f"/people/{case.person_id}/relationships/{link.pk}/edit/"
    assert f'href="{url}"' in page
    response = client.post(url, {"kind": "parent", "lives_with": "True", "version": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    link.refresh_from_db()
    assert (link.kind, link.lives_with, link.version) == ("parent", True, 2)
    assert set(
        Change.objects.filter(record_type="relationship", record_id=link.pk).values_list(
            "field", flat=True
        )
    ) == {"kind", "lives_with"}


def test_a_plan_action_is_changed_and_marked_done(
    cambridgeshire: World, officer: User, case: Case, verified_client
) -> None:
    plan = Plan.objects.create(
        case=case,
        pack_version_id=cambridgeshire.version_id,
        kind="intervention",
        starts_on=date(2025, 2, 1),
    )
    action = PlanAction.objects.create(
        plan=plan, description="Attend school", due_on=date(2025, 6, 1)
    )
    client: Client = verified_client(officer)
    page = client.get(f"/people/{case.person_id}/").content.decode()
    url = f"/cases/{case.pk}/plans/{plan.pk}/actions/{action.pk}/edit/"
    assert f'href="{url}"' in page
    response = client.post(
        url,
        {
            "description": "Attend school every day",
            "due_on-day": "1",
            "due_on-month": "6",
            "due_on-year": "2025",
            "done_on-day": "20",
            "done_on-month": "5",
            "done_on-year": "2025",
            "version": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    action.refresh_from_db()
    assert (action.description, action.done_on) == ("Attend school every day", date(2025, 5, 20))
    assert AuditEvent.objects.filter(
        action="update", record_type="planaction", record_id=action.pk, case_id=case.pk
    ).exists()
    # An action of another plan, or of another case, is not reached through this one.
    other = cambridgeshire.case(allocated_to=officer)
    assert (
        client.get(f"/cases/{other.pk}/plans/{plan.pk}/actions/{action.pk}/edit/").status_code
        == 404
    )


def test_a_victims_answer_to_restorative_justice_is_recorded_with_its_history(
    cambridgeshire: World, officer: User, case: Case, verified_client
) -> None:
    offence = Offence.objects.create(
        case=case, description="Theft", pack_version_id=cambridgeshire.version_id
    )
    victim = cambridgeshire.person(given_name="Robin", family_name="Ashdown")
    link = VictimLink.objects.create(
        offence=offence,
        victim=victim,
        contact_consent="given",
        consent_recorded_on=date(2025, 3, 1),
    )
    client: Client = verified_client(officer)
    page = client.get(f"/people/{case.person_id}/").content.decode()
    assert "Not offered yet" in page  # the victims table says where restorative justice stands
    url = f"/cases/{case.pk}/victims/{link.pk}/edit/"
    assert f'href="{url}"' in page
    form = client.get(url).content.decode()
    assert "Change what a victim agreed to" in form
    assert "Engaged in restorative justice" in form
    body = {
        "contact_consent": "given",
        "consent_recorded_on-day": "1",
        "consent_recorded_on-month": "3",
        "consent_recorded_on-year": "2025",
        "restorative_justice": "engaged",
        "rj_recorded_on-day": "14",
        "rj_recorded_on-month": "4",
        "rj_recorded_on-year": "2025",
        "version": "1",
    }
    response = client.post(url, body)
    assert response.status_code == 302, response.content.decode()[:2000]
    link.refresh_from_db()
    assert (link.restorative_justice, link.rj_recorded_on, link.version) == (
        "engaged",
        date(2025, 4, 14),
        2,
    )
    changes = Change.objects.filter(record_type="victimlink", record_id=link.pk)
    assert {(c.field, c.old, c.new) for c in changes} == {
        ("restorative_justice", "not-offered", "engaged"),
        ("rj_recorded_on", None, "2025-04-14"),
    }
    update = AuditEvent.objects.get(seq=changes[0].audit_seq)
    assert (update.action, update.record_type, update.case_id, update.actor_id) == (
        "update",
        "victimlink",
        case.pk,
        officer.pk,
    )
    assert (
        "Engaged in restorative justice"
        in client.get(f"/people/{case.person_id}/").content.decode()
    )
    # A save from a form opened before this one is told, and not written.
    response = client.post(url, body | {"restorative_justice": "declined"})
    assert response.status_code == 409
    link.refresh_from_db()
    assert link.restorative_justice == "engaged"
    # Not reached through another case, nor by someone outside this one.
    other = cambridgeshire.case(allocated_to=officer)
    assert client.get(f"/cases/{other.pk}/victims/{link.pk}/edit/").status_code == 404
    stranger = cambridgeshire.staff("youth-justice-officer", team=cambridgeshire.other_team)
    response = verified_client(stranger).post(url, body | {"version": "2"})
    assert response.status_code == 403
    link.refresh_from_db()
    assert link.restorative_justice == "engaged"


def test_someone_outside_the_case_cannot_change_its_records(
    cambridgeshire: World, case: Case, verified_client
) -> None:
    flag = PersonFlag.objects.create(person=case.person, flag="looked-after")
    stranger = cambridgeshire.staff("youth-justice-officer", team=cambridgeshire.other_team)
    response = verified_client(stranger).post(
        f"/people/{case.person_id}/flags/{flag.pk}/edit/", {"holds": "False", "version": "1"}
    )
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.holds is True


# --- facts about a case ------------------------------------------------------------------------


def test_facts_of_a_case_recorded_through_the_gate_and_retention_planned_again(
    cambridgeshire: World, officer: User, verified_client
) -> None:
    """Cambridgeshire's 25 years apply only once the case is known not to have been looked
    after nor on a child protection plan: until then the file is a gap, never due."""
    person = cambridgeshire.person(
        given_name="Riley", family_name="Ashdown", date_of_birth=date(1990, 5, 1)
    )
    case = cambridgeshire.case(
        allocated_to=officer, person=person, closed_on=date(2014, 3, 31), service="court-orders"
    )
    retention.recompute_for_case(case.pk)
    client: Client = verified_client(officer)
    url = f"/cases/{case.pk}/facts/"
    page = client.get(url).content.decode()
    assert "Facts about the case" in page and "Riley Ashdown" in page
    assert "Not known yet" in page  # unknown is a state of its own
    assert f'href="{url}"' in client.get(f"/people/{person.pk}/").content.decode()
    unit = RetentionUnit.objects.get(kind="case-file", key=case.pk)
    assert unit.status != "due" and "not recorded" in unit.note

    # One recorded as not holding, the other still unknown: still not due.
    response = client.post(url, {"looked-after": "no", "child-protection-plan": "unknown"})
    assert response.status_code == 302, response.content.decode()[:3000]
    fact = PersonFlag.objects.get(case=case, flag="looked-after")
    assert fact.holds is False
    assert AuditEvent.objects.filter(
        action="create", record_type="personflag", record_id=fact.pk, case_id=case.pk
    ).exists()
    unit.refresh_from_db()
    assert unit.status != "due" and "not recorded: child-protection-plan" in unit.note
    # The page says so in words, not the pack's codes.
    page = client.get(url).content.decode()
    assert "not recorded: subject of a child protection plan" in page
    assert "child-protection-plan," not in page

    # Both known not to hold: the 25 years apply, and the file is due (born 1990).
    client.post(
        url, {"looked-after": "no", "child-protection-plan": "no", "version-looked-after": "1"}
    )
    unit.refresh_from_db()
    assert unit.status == "due" and unit.keep_until == date(2015, 5, 1)

    # Corrected: it was looked after after all. The change keeps the old value; 75 years.
    client.post(
        url, {"looked-after": "yes", "child-protection-plan": "no", "version-looked-after": "1"}
    )
    fact.refresh_from_db()
    assert (fact.holds, fact.version) == (True, 2)
    change = Change.objects.get(record_type="personflag", record_id=fact.pk)
    assert (change.field, change.old, change.new) == ("holds", False, True)
    unit.refresh_from_db()
    assert unit.status != "due" and unit.keep_until is not None and unit.keep_until.year == 2065

    # A stale answer (the page opened at version 1) is told, not saved.
    response = client.post(
        url, {"looked-after": "no", "child-protection-plan": "no", "version-looked-after": "1"}
    )
    assert response.status_code == 409
    fact.refresh_from_db()
    assert fact.holds is True


def test_a_case_file_waiting_for_an_event_names_it_in_words(
    cambridgeshire: World, officer: User, verified_client
) -> None:
    """An open case's file waits for the case to close: the facts page says so in words (the
    planner keeps the event's code)."""
    case = cambridgeshire.case(allocated_to=officer, service="court-orders")
    client: Client = verified_client(officer)
    url = f"/cases/{case.pk}/facts/"
    response = client.post(url, {"looked-after": "no", "child-protection-plan": "no"})
    assert response.status_code == 302, response.content.decode()[:3000]
    unit = RetentionUnit.objects.get(kind="case-file", key=case.pk)
    assert unit.note.startswith("waiting for: ") and "case-closed" in unit.note
    page = client.get(url).content.decode()
    assert f"not yet dated: waiting for {event_words('case-closed')}." in page
    assert "case-closed" not in page and "waiting for:" not in page
