"""Statistics in a browser: an analyst lands on real outputs, opens one, changes its filters,
downloads it, and still reaches no young person; a manager sees hidden small numbers."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.access.conftest import make_world
from tests.browser import support
from tests.builders import PACK_FILES

pytestmark = pytest.mark.browser

# SAFEHOLD_SCREENSHOTS=<dir> keeps a picture of every page checked, to look at by eye.
SHOTS = os.environ.get("SAFEHOLD_SCREENSHOTS")


def check(page: Page, axe, name: str) -> None:
    axe(page)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_an_analyst_uses_statistics_and_reaches_no_one(
    browser_page: Page, live_server, _committed, signed_in, axe
) -> None:
    page = browser_page
    world = make_world(next(p for p in PACK_FILES if p.stem == "leicestershire-cfws"))
    analyst = support.make_staff(world, "performance-analyst", username="avery")
    case = world.case(allocated_to=analyst)
    for i in range(40):
        person = world.person(
            given_name="Sam",
            sex="Female" if i % 3 else "Male",
            date_of_birth=date(2011, 1, 1 + i % 28),
        )
        world.case(
            person=person,
            service=world.pack.services[i % 2].code,
            opened_on=date(2026, 7 + i % 3, 1 + i % 28),
            closed_on=date(2026, 9, 20) if i % 4 == 0 else None,
            closed_reason="completed" if i % 4 == 0 else "",
        )

    signed_in(page, analyst)
    expect(page).to_have_url(f"{live_server.url}/statistics/")
    expect(page.get_by_role("heading", name="Statistics", exact=True)).to_be_visible()
    expect(page.get_by_text("is for statistics only")).to_be_visible()
    navigation = page.get_by_role("navigation")
    expect(navigation.get_by_role("link", name="Statistics")).to_be_visible()
    expect(navigation.get_by_role("link", name="My caseload")).to_have_count(0)
    check(page, axe, "statistics-index")

    page.get_by_role("link", name="Referrals").click()
    page.get_by_label("Quarter", exact=True).select_option("2026Q3")
    page.get_by_label("Rows", exact=True).select_option("age-band")
    page.get_by_label("Columns", exact=True).select_option("sex")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals: July to September 2026")
    expect(page.locator("svg[role=img]")).to_be_visible()
    table = page.locator("table").nth(1)
    expect(table.locator("thead th").first).to_have_text("Age at the end of the quarter")
    expect(table.locator("tbody tr").last).to_contain_text("40")  # every referral, shown
    check(page, axe, "statistics-referrals")

    with page.expect_download() as download:
        page.get_by_role("link", name="(Excel spreadsheet)").click()
    assert download.value.suggested_filename == "referrals-2026Q3.xlsx"

    response = page.goto(f"/people/{case.person_id}/")
    assert response is not None and response.status == 403
    expect(page.get_by_text("is for statistics only").first).to_be_visible()
    axe(page)


def test_a_manager_sees_small_numbers_hidden(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    manager = staff("team-manager")
    for i in range(14):
        browser_world.case(
            person=browser_world.person(sex="Female" if i < 3 else "Male"),
            opened_on=date(2026, 1, 5),
        )
    signed_in(page, manager)
    page.goto("/statistics/open-cases/?period=2026Q3&by=service&split=sex")
    table = page.locator("table").nth(1)
    first = table.locator("tbody tr").first
    # 3 girls: hidden, and so is the 11 beside it (the overall total 14 is always shown).
    expect(first.locator("td").nth(0)).to_have_text("c")
    expect(first.locator("td").nth(1)).to_have_text("c")
    expect(table.locator("tbody tr").last.locator("td").nth(2)).to_have_text("14")
    expect(page.get_by_text("Numbers from 1 to 9 are shown as 'c'")).to_be_visible()
    check(page, axe, "statistics-manager")
