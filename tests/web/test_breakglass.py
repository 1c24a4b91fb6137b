"""The break-glass page: the reason, the gate's decision, and the banner while it runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from safehold.access.models import BreakGlass, User
from safehold.audit.models import Action, AuditEvent, Decision
from safehold.records.models import Case
from tests.access.conftest import World

REASON = "Police report he is missing from home tonight"


@pytest.fixture
def officer(cambridgeshire: World) -> User:
    return cambridgeshire.staff("youth-justice-officer", username="casey")


@pytest.fixture
def far_case(cambridgeshire: World) -> Case:
    """A case of another team, which the officer may not read without breaking glass."""
    return cambridgeshire.case(
        team=cambridgeshire.other_team, person=cambridgeshire.person(family_name="Faraway")
    )


def url(case: Case | int) -> str:
    return f"/cases/{case if isinstance(case, int) else case.pk}/break-glass/"


def test_form_shows_nothing_of_the_case(officer: User, far_case: Case, verified_client) -> None:
    before = AuditEvent.objects.count()
    response = verified_client(officer).get(url(far_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Case C{far_case.pk}" in html
    assert "Faraway" not in html and "Sam" not in html
    assert AuditEvent.objects.count() == before  # nothing read, nothing to record


def test_roles_that_may_not_break_glass_are_told_so(
    cambridgeshire: World, far_case: Case, verified_client
) -> None:
    dpo = cambridgeshire.staff("data-protection-officer")
    client = verified_client(dpo)
    assert client.get(url(far_case)).status_code == 403
    response = client.post(url(far_case), {"reason": REASON})
    assert response.status_code == 403
    assert "You cannot break glass" in response.content.decode()
    assert not BreakGlass.objects.exists()


def test_reason_of_ten_characters_or_more(officer: User, far_case: Case, verified_client) -> None:
    client = verified_client(officer)
    response = client.post(url(far_case), {"reason": "  urgent   "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Break glass" in html
    assert 'href="#id_reason">Reason must be 10 characters or more' in html
    assert "urgent   </textarea>" in html  # what was typed is kept, as typed
    response = client.post(url(far_case), {"reason": ""})
    assert "Enter why you need to see this case" in response.content.decode()
    assert not BreakGlass.objects.exists()


def test_breaking_glass_opens_the_case_and_is_audited(
    officer: User, far_case: Case, verified_client
) -> None:
    client = verified_client(officer)
    response = client.post(url(far_case), {"reason": REASON})
    assert response.status_code == 302
    glass = BreakGlass.objects.get()
    assert (glass.user, glass.case, glass.reason) == (officer, far_case, REASON)
    assert glass.expires_at > timezone.now()
    event = AuditEvent.objects.get(action=Action.BREAK_GLASS)
    assert (event.actor_id, event.case_id, event.person_id, event.reason) == (
        officer.pk,
        far_case.pk,
        far_case.person_id,
        REASON,
    )
    assert event.decision == Decision.ALLOWED


def test_refusal_is_shown_and_audited(
    officer: User, far_case: Case, verified_client, cambridgeshire: World
) -> None:
    client = verified_client(officer)
    missing = far_case.pk + 1000
    response = client.post(url(missing), {"reason": REASON})
    assert response.status_code == 403
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "You cannot break glass into this case" in html
    assert REASON in html  # kept
    refused = AuditEvent.objects.get(decision=Decision.REFUSED)
    assert (refused.action, refused.case_id, refused.reason) == (
        Action.BREAK_GLASS,
        missing,
        REASON,
    )
    assert not BreakGlass.objects.exists()


def test_banner_on_every_page_while_the_grant_runs(
    officer: User, far_case: Case, verified_client
) -> None:
    client = verified_client(officer)
    assert "Break-glass access" not in client.get("/sign-out/").content.decode()
    client.post(url(far_case), {"reason": REASON})
    for path in ["/sign-out/", "/privacy/", url(far_case)]:
        html = client.get(path).content.decode()
        assert "Break-glass access" in html, path
        person = far_case.person
        # The case's reference and the child's name, read through the gate (audited).
        assert f"case C{far_case.pk} ({person.given_name} {person.family_name})</a>" in html, path
    named = AuditEvent.objects.filter(
        actor_id=officer.pk, action=Action.READ, record_type="person", case_id=far_case.pk
    )
    assert named.count() >= 3 and all(e.reason == REASON for e in named)
    # Over: the banner goes.
    BreakGlass.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "Break-glass access" not in client.get("/sign-out/").content.decode()
