"""The events of a case in a browser (a case manager records when the young person moved
school, makes a mistake, corrects it), and the young person's notice with who we tell and
under what rule. axe-core finds no WCAG 2.2 AA violation on any page."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from safehold.sharing.models import RecordedEvent
from tests.browser.test_sharing import check
from tests.sharing.conftest import variant
from tests.sharing.test_recorded_events import with_events

pytestmark = pytest.mark.browser


def test_recording_when_an_event_happened(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    world = variant(browser_world, with_events)
    jordan = world.person(given_name="Jordan", family_name="Whitlock")
    case = world.case(allocated_to=officer, person=jordan)

    signed_in(page, officer)
    page.goto(f"/people/{case.person_id}/")
    page.get_by_role("link", name="Events").first.click()
    expect(page.get_by_role("heading", name="Events of the case")).to_be_visible()
    check(page, axe, "events-01-empty")

    # A date in the future is refused, with the GOV.UK error.
    group = page.get_by_role("group", name="Moved to another school")
    group.get_by_label("Day").fill("1")
    group.get_by_label("Month").fill("1")
    group.get_by_label("Year").fill(str(date.today().year + 1))
    page.get_by_role("button", name="Save the dates").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, axe, "events-02-error")

    group = page.get_by_role("group", name="Moved to another school")
    group.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Save the dates").click()
    expect(page.get_by_text("Recorded: Moved to another school")).to_be_visible()
    check(page, axe, "events-03-recorded")
    row = RecordedEvent.objects.get()
    assert (row.event, row.on, row.case_id) == ("moved-school", date(2025, 1, 1), None)


def test_the_young_persons_notice_says_who_we_tell(browser_page: Page, browser_world, axe) -> None:
    page = browser_page
    page.goto("/privacy/cambridgeshire-yos/young-people/")
    expect(page.get_by_role("heading", name="Who we tell")).to_be_visible()
    expect(page.get_by_text("Why we are allowed to").first).to_be_visible()
    expect(page.get_by_text("Do you have to agree?").first).to_be_visible()
    check(page, axe, "notice-young-people-who-we-tell")
