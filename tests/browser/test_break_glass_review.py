"""The DPO's break-glass review, in a browser: an officer breaks glass and reads a case; the
DPO finds the access on the list (who, the young person by name, the reason, what was read),
opens it, is told when the note is missing, and marks it reviewed with a note."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from safehold.access.models import BreakGlass

pytestmark = pytest.mark.browser

REASON = "Police report he is missing from home tonight"


def test_dpo_reviews_a_break_glass_access(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    dpo = staff("data-protection-officer", username="dana")
    case = browser_world.case(
        team=browser_world.other_team, person=browser_world.person(family_name="Faraway")
    )

    # The officer breaks glass and reads the young person's page.
    signed_in(page, officer)
    page.goto(f"/cases/{case.pk}/break-glass/")
    page.get_by_label("Why do you need to see this case now?").fill(REASON)
    page.get_by_role("button", name="Break glass and see the case").click()
    expect(page.get_by_role("heading", name="Sam Faraway")).to_be_visible()
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()

    # The DPO finds it on the list, from the service navigation.
    signed_in(page, dpo)
    page.get_by_role("link", name="Break-glass reviews").click()
    expect(page.get_by_role("heading", name="Break-glass access", exact=True)).to_be_visible()
    row = page.get_by_role("table").get_by_role("row").nth(1)
    expect(row).to_contain_text("casey")
    expect(row).to_contain_text("Sam Faraway")
    expect(row).to_contain_text(REASON)
    expect(row).to_contain_text("Read the case")
    expect(row).to_contain_text("To review")
    axe(page)

    row.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review break-glass access")).to_be_visible()
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter what you found")
    axe(page)
    page.get_by_label("What did you find?").fill("Justified: police called the duty line.")
    page.get_by_role("button", name="Mark as reviewed").click()

    expect(page.get_by_role("heading", name="Break-glass access", exact=True)).to_be_visible()
    expect(page.get_by_text("Break-glass access by casey to Sam Faraway reviewed")).to_be_visible()
    row = page.get_by_role("table").get_by_role("row").nth(1)
    expect(row).to_contain_text("Reviewed")
    axe(page)
    row.get_by_role("link", name="View").click()
    expect(page.get_by_text("Justified: police called the duty line.")).to_be_visible()
    axe(page)
    glass = BreakGlass.objects.get()
    assert (glass.reviewed_by, glass.review_note) == (
        dpo,
        "Justified: police called the duty line.",
    )
