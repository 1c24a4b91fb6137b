"""Who has seen this record: team managers and the DPO only; the reading is itself audited."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safehold.access.gate import Gate
from safehold.access.models import User
from safehold.audit.models import Action, AuditEvent, Decision
from safehold.audit.services import AuditEntry, append
from safehold.records.models import Case
from safehold.web.audit import PER_PAGE
from tests.access.conftest import World


@pytest.fixture
def officer(cambridgeshire: World) -> User:
    return cambridgeshire.staff("youth-justice-officer", username="casey")


@pytest.fixture
def manager(cambridgeshire: World) -> User:
    return cambridgeshire.staff("team-manager", username="morgan")


@pytest.fixture
def case(cambridgeshire: World, officer: User) -> Case:
    person = cambridgeshire.person(given_name="Jordan", family_name="Whitlock")
    return cambridgeshire.case(allocated_to=officer, person=person)


def url(case: Case) -> str:
    return f"/people/{case.person_id}/audit/"


def test_manager_sees_who_has_seen_the_record(
    officer: User, manager: User, case: Case, verified_client
) -> None:
    Gate(officer).case(case.pk)
    response = verified_client(manager).get(url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jordan Whitlock" in html
    assert "casey" in html and "role &#39;youth-justice-officer&#39; reads" in html
    # Newest first: this visit, then the officer's read.
    assert html.index(">morgan<") < html.index(">casey<")
    assert "Showing 1 to 2 of 2 entries" in html


def test_reading_the_trail_is_audited(manager: User, case: Case, verified_client) -> None:
    verified_client(manager).get(url(case))
    event = AuditEvent.objects.get(actor=manager)
    assert (event.action, event.decision, event.record_type, event.person_id) == (
        Action.READ,
        Decision.ALLOWED,
        "audit",
        case.person_id,
    )
    assert "may read who has seen the record" in event.rule
    assert event.category_codes == ("identity",)  # the name in the heading


def test_dpo_sees_anyone_of_the_controller(cambridgeshire: World, verified_client) -> None:
    dpo = cambridgeshire.staff("data-protection-officer")
    no_case = cambridgeshire.person(family_name="Caseless")
    response = verified_client(dpo).get(f"/people/{no_case.pk}/audit/")
    assert response.status_code == 200
    assert "Caseless" in response.content.decode()


@pytest.mark.parametrize("role", ["youth-justice-officer"])
def test_other_roles_are_refused_and_the_attempt_audited(
    cambridgeshire: World, role: str, case: Case, verified_client
) -> None:
    user = cambridgeshire.staff(role)
    response = verified_client(user).get(url(case))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Whitlock" not in html and "Jordan" not in html
    event = AuditEvent.objects.get(actor=user)
    assert (event.action, event.decision, event.record_type, event.person_id) == (
        Action.REFUSE,
        Decision.REFUSED,
        "audit",
        case.person_id,
    )


def test_managers_only_for_people_their_teams_can_see(
    cambridgeshire: World, case: Case, verified_client
) -> None:
    elsewhere = cambridgeshire.staff("team-manager", team=cambridgeshire.other_team)
    response = verified_client(elsewhere).get(url(case))
    assert response.status_code == 403
    assert "Whitlock" not in response.content.decode()
    assert AuditEvent.objects.get(actor=elsewhere).decision == Decision.REFUSED


def test_paginated_without_a_query_per_entry(
    manager: User, case: Case, verified_client, cambridgeshire: World
) -> None:
    client = verified_client(manager)

    def queries(page: int = 1) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{url(case)}?page={page}").status_code == 200
        return len(captured)

    queries()  # the first append to an empty log also creates the chain head
    few = queries()
    entry = AuditEntry(
        actor_label="casey",
        actor_id=None,
        action=Action.READ,
        decision=Decision.ALLOWED,
        rule="a read",
        person_id=case.person_id,
        case_id=case.pk,
        record_type="case",
        categories=["identity"],
        purpose="statutory-youth-justice",
        pack_version_id=cambridgeshire.version_id,
    )
    append([entry] * (PER_PAGE + 5))
    assert queries() == few
    total = AuditEvent.objects.filter(person_id=case.person_id).count() + 1  # and this visit
    html = client.get(f"{url(case)}?page=2").content.decode()
    assert f"Showing {PER_PAGE + 1} to {total} of {total} entries" in html
    assert "govuk-pagination" in html and 'href="?page=1"' in html
    last = client.get(f"{url(case)}?page=99").content.decode()  # past the end: the last page
    assert f"Showing {PER_PAGE + 1} to {total + 1} of {total + 1} entries" in last


def test_purpose_is_named_from_the_pack(manager: User, case: Case, verified_client) -> None:
    html = verified_client(manager).get(url(case)).content.decode()
    assert "Purpose: Youth justice services" in html  # statutory-youth-justice, by its name


def test_what_was_touched_is_named_from_the_pack(
    manager: User, case: Case, verified_client, cambridgeshire: World
) -> None:
    # The record type and categories in words, as the pack names them, not as the log keeps
    # them ("a legal hold: Names", not "legalhold: identity").
    names = {c.code: c.name for c in cambridgeshire.pack.categories}
    append(
        [
            AuditEntry(
                actor_label="dpo",
                actor_id=None,
                action=Action.CREATE,
                decision=Decision.ALLOWED,
                rule="a hold",
                reason="hold placed",
                person_id=case.person_id,
                case_id=case.pk,
                record_type="legalhold",
                categories=["identity", "ethnicity"],
                pack_version_id=cambridgeshire.version_id,
            )
        ]
    )
    html = verified_client(manager).get(url(case)).content.decode()
    assert f"a legal hold: {names['ethnicity']}, {names['identity']}" in html
    assert "legalhold" not in html and "ethnicity, identity" not in html
    # When and who keep their words whole in a squeezed table (not "Victo ria").
    assert (
        html.count('class="govuk-table__cell app-words-whole"')
        == 2 * AuditEvent.objects.filter(person_id=case.person_id).count()
    )
