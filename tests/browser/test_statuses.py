"""In a browser: a case worker records a child's accommodation with its date, then a change,
and corrects an entry; a manager reads the accommodation indicator and a DPO the case-level
returns page. Each page passes axe-core (WCAG 2.2 AA); SAFEHOLD_SCREENSHOTS=<dir> keeps a
picture of each (docs/adr/0027)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from safehold.records.models import CaseStatus, Outcome
from tests.browser.test_statistics import check

pytestmark = pytest.mark.browser


def fill_date(page: Page, group: str, day: date) -> None:
    found = page.get_by_role("group", name=group)
    found.get_by_label("Day").fill(str(day.day))
    found.get_by_label("Month").fill(str(day.month))
    found.get_by_label("Year").fill(str(day.year))


def test_record_change_and_count_a_status(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    world = browser_world
    officer = staff("youth-justice-officer", username="casey")
    person = world.person(given_name="Jordan", family_name="Whitlock")
    case = world.case(allocated_to=officer, person=person, opened_on=date(2026, 1, 5))
    Outcome.objects.create(
        case=case,
        kind="yro",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 8, 31),
        pack_version_id=world.version_id,
    )

    signed_in(page, officer, next_url=f"/people/{person.pk}/")
    page.get_by_role("link", name=f"Statuses on case C{case.pk}").click()
    expect(page.get_by_role("heading", name="Statuses", exact=True)).to_be_visible()
    check(page, axe, "statuses-empty")
    page.get_by_role("button", name="Record accommodation").click()
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_role("alert")).to_contain_text("Select the accommodation")
    check(page, axe, "status-record-errors")
    page.get_by_label("Unsuitable accommodation").check()
    fill_date(page, "Date it began", date(2026, 1, 5))
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("Recorded: Accommodation")).to_be_visible()
    page.get_by_role("button", name="Record accommodation").click()
    page.get_by_label("Suitable accommodation", exact=True).check()
    fill_date(page, "Date it began", date(2026, 6, 1))
    page.get_by_role("button", name="Record it").click()
    history = page.get_by_role("table", name="Accommodation: history")
    expect(history).to_contain_text("31 May 2026")
    expect(page.get_by_text("Now: Suitable accommodation")).to_be_visible()
    check(page, axe, "statuses-history")
    page.get_by_role("link", name="Change or end Unsuitable accommodation").click()
    expect(page.get_by_role("heading", name="Change or end accommodation")).to_be_visible()
    check(page, axe, "status-change")
    fill_date(page, "Date it began", date(2026, 1, 12))
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("Changed: Accommodation")).to_be_visible()
    assert CaseStatus.objects.filter(case=case, started_on=date(2026, 1, 12)).exists()

    manager = staff("team-manager")
    page.context.clear_cookies()
    signed_in(page, manager)
    page.goto("/statistics/accommodation/?period=2026Q3")
    expect(page.get_by_role("heading", name="Suitable accommodation")).to_be_visible()
    check(page, axe, "statistics-accommodation")

    dpo = staff("data-protection-officer")
    page.context.clear_cookies()
    signed_in(page, dpo)
    page.goto("/statistics/returns/")
    expect(page.get_by_role("heading", name="Case-level returns")).to_be_visible()
    check(page, axe, "statistics-returns")
