"""A statistics-only role's landing page: it says plainly that statistics will appear there,
and shows no one; every other page of people and cases refuses the role."""

from __future__ import annotations

from safehold.access.models import User
from tests.access.conftest import World


def test_a_statistics_role_lands_on_statistics_not_a_refusal(
    statistics_world: World, verified_client
) -> None:
    role = next(r for r in statistics_world.pack.roles if r.statistics_only)
    analyst = statistics_world.staff(role.code)
    statistics_world.case(allocated_to=analyst)  # even a case allocated to them stays unseen
    client = verified_client(analyst)

    landing = client.get("/")
    assert landing.status_code == 302 and landing["Location"] == "/statistics/"
    response = client.get("/statistics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">Statistics</h1>' in html
    assert "Statistics will appear here" in html
    assert f"Your role, {role.name}, is for statistics only" in html
    # Their navigation leads to statistics, not to a caseload they cannot have.
    assert 'href="/statistics/"' in html and "My caseload" not in html
    assert "Team caseload" not in html and "Retention" not in html


def test_other_staff_keep_their_caseload_and_are_not_told_they_are_analysts(
    cambridgeshire: World, verified_client
) -> None:
    officer: User = cambridgeshire.staff("youth-justice-officer")
    client = verified_client(officer)
    assert client.get("/").status_code == 200
    html = client.get("/statistics/").content.decode()
    assert "Statistics will appear here" in html and "for statistics only" not in html
