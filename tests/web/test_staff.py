"""The staff layout: navigation by role, the break-glass banner's grants, the pack role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from safehold.access.models import BreakGlass, User
from safehold.web.staff import StaffLayout, role_of
from tests.access.conftest import World

REASON = "Police report he is missing from home tonight"


@pytest.fixture
def officer(cambridgeshire: World) -> User:
    return cambridgeshire.staff("youth-justice-officer", username="casey")


def test_navigation_by_role(cambridgeshire: World, officer: User, verified_client) -> None:
    manager = cambridgeshire.staff("team-manager")
    dpo = cambridgeshire.staff("data-protection-officer")
    officer_html, manager_html, dpo_html = (
        verified_client(user).get("/sign-out/").content.decode() for user in (officer, manager, dpo)
    )
    for html in (officer_html, manager_html, dpo_html):
        assert 'href="/sign-out/"' in html
        assert html.count('href="/privacy/"') == 1  # in the footer only
    # Each role its own work: a manager and the DPO hold no cases, so have no caseload.
    assert "My caseload" in officer_html and "Team caseload" not in officer_html
    assert 'href="/team/"' in manager_html and "Team caseload" in manager_html
    assert "My caseload" not in manager_html and "My caseload" not in dpo_html
    assert "Data protection" in dpo_html and "Data protection" not in manager_html
    assert "Team caseload" not in dpo_html


def test_visitors_get_the_public_navigation(db: None, client) -> None:
    html = client.get("/sign-in/").content.decode()
    assert "My caseload" not in html and 'href="/sign-out/"' not in html
    assert html.count('href="/privacy/"') == 2  # the navigation and the footer


def test_half_signed_in_staff_see_only_sign_out(officer: User, unverified_client) -> None:
    html = unverified_client(officer).get("/sign-in/two-factor/set-up/").content.decode()
    assert 'href="/sign-out/"' in html
    assert "My caseload" not in html


def test_banner_grants_and_names_in_the_same_queries_however_many(
    cambridgeshire: World, officer: User, django_assert_max_num_queries
) -> None:
    """The banner names each case by reference and the child's name, read through the gate
    and audited (one batch): the queries do not grow with the number of grants."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safehold.audit.models import AuditEvent

    now = timezone.now()

    def grant() -> None:
        BreakGlass.objects.create(
            user=officer,
            case=cambridgeshire.case(team=cambridgeshire.other_team),
            reason=REASON,
            expires_at=now + timedelta(minutes=30),
        )

    grant()
    with CaptureQueriesContext(connection) as one:
        assert len(StaffLayout(officer, verified=True).break_glass) == 1
    grant()
    grant()
    layout = StaffLayout(officer, verified=True)
    with django_assert_max_num_queries(len(one)):
        grants = layout.break_glass
        assert [g.person_url for g in grants]  # no further query per grant
    assert len(grants) == 3
    case = BreakGlass.objects.latest("pk").case
    label = next(g.label for g in grants if g.case_id == case.pk)
    assert label == f"case C{case.pk} ({case.person.given_name} {case.person.family_name})"
    named = AuditEvent.objects.filter(actor_id=officer.pk, record_type="person", action="read")
    assert named.filter(reason=REASON).about_case(case.pk).exists()


def test_no_banner_or_caseload_before_the_second_factor(officer: User) -> None:
    layout = StaffLayout(officer, verified=False)
    assert layout.break_glass == []
    assert layout.caseload_url is None and layout.team_caseload_url is None


def test_role_of_reads_the_pack(cambridgeshire: World, officer: User) -> None:
    manager = cambridgeshire.staff("team-manager")
    officer_role, manager_role = role_of(officer), role_of(manager)
    assert officer_role is not None and not officer_role.allocates_cases
    assert manager_role is not None and manager_role.allocates_cases
    assert role_of(User(username="nobody")) is None
