"""Who has seen this record, in a browser: a team manager reads a young person's audit
trail, including their own visit; a case manager is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from safehold.access.gate import Gate

pytestmark = pytest.mark.browser


def test_manager_sees_the_trail_officer_is_refused(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    manager = staff("team-manager", username="morgan")
    case = browser_world.case(allocated_to=officer)
    Gate(officer).case(case.pk)  # one read to find in the trail

    signed_in(page, manager)
    page.goto(f"/people/{case.person_id}/audit/")
    expect(page.get_by_role("heading", name="Who has seen this record")).to_be_visible()
    expect(page.get_by_text("Sam Example").first).to_be_visible()
    table = page.get_by_role("table")
    # Heading; the manager reading the trail, and listing the case on the team caseload
    # they landed on; the officer.
    expect(table.get_by_role("row")).to_have_count(4)
    expect(table.get_by_role("row").nth(1)).to_contain_text("morgan")
    expect(table.get_by_role("row").nth(2)).to_contain_text("morgan")
    expect(table.get_by_role("row").nth(3)).to_contain_text("casey")
    expect(table.get_by_role("row").nth(3)).to_contain_text("Allowed")
    axe(page)

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()
    signed_in(page, officer)
    response = page.goto(f"/people/{case.person_id}/audit/")
    assert response is not None and response.status == 403
    expect(
        page.get_by_role("heading", name="You cannot see who has seen this record")
    ).to_be_visible()
    axe(page)


def test_dpo_sees_the_trail_but_may_not_break_glass(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    dpo = staff("data-protection-officer", username="dana")
    case = browser_world.case()
    signed_in(page, dpo)
    page.goto(f"/people/{case.person_id}/audit/")
    expect(page.get_by_role("table").get_by_role("row").nth(1)).to_contain_text("dana")
    axe(page)
    response = page.goto(f"/cases/{case.pk}/break-glass/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="You cannot break glass")).to_be_visible()
    axe(page)
    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    axe(page)
