"""Breaking glass in a browser: the reason form, its errors, and the banner on every page
while the grant runs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from safehold.access.models import BreakGlass

pytestmark = pytest.mark.browser


def test_break_glass_then_banner_on_every_page(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    case = browser_world.case(team=browser_world.other_team)  # not this officer's team
    signed_in(page, officer)
    expect(page.get_by_role("region", name="Break-glass access")).to_have_count(0)

    page.goto(f"/cases/{case.pk}/break-glass/")
    expect(page.get_by_role("heading", name="Break glass into this case")).to_be_visible()
    expect(page.get_by_text("Sam")).to_have_count(0)  # nothing of the case before the gate
    axe(page)
    field = page.get_by_label("Why do you need to see this case now?")
    field.fill("urgent")
    page.get_by_role("button", name="Break glass and see the case").click()
    expect(page.get_by_role("alert")).to_contain_text("Reason must be 10 characters or more")
    expect(field).to_have_value("urgent")  # what was typed is kept
    axe(page)
    assert not BreakGlass.objects.exists()

    field.fill("Police report he is missing from home tonight")
    page.get_by_role("button", name="Break glass and see the case").click()
    expect(page).not_to_have_url(re.compile(r"/break-glass/"))
    banner = page.get_by_role("region", name="Break-glass access")
    expect(banner).to_contain_text(
        f"case C{case.pk} ({case.person.given_name} {case.person.family_name})"
    )
    axe(page)
    glass = BreakGlass.objects.get()
    assert (glass.user, glass.case, glass.reason) == (
        officer,
        case,
        "Police report he is missing from home tonight",
    )

    page.goto("/privacy/")  # another page: the banner is still there
    expect(page.get_by_role("region", name="Break-glass access")).to_contain_text(
        f"case C{case.pk} ({case.person.given_name} {case.person.family_name})"
    )
    axe(page)
