"""The service as `make run` serves it (DEBUG), in a real browser, for a youth justice officer,
a team manager and the data protection officer: no template debris or markup shown as text
anywhere, empty forms open empty, a contact of this morning with no time is saved, the success
banner is what the user sees after saving, a long word wraps, and no Crown. axe-core on each.

SAFEHOLD_SCREENSHOTS=<dir> keeps a picture of every page, to look at by eye.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safehold.records.models import Contact
from safehold.retention import planner
from safehold.retention import services as retention
from tests.retention.conftest import Place, due_case
from tests.web.casework import add_records
from tests.web.crawl import DEBRIS
from tests.web.test_broken_today import mode

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SAFEHOLD_SCREENSHOTS")
LONG_WORD = "https://example.org/" + "a-very-long-reference-with-no-spaces" * 6


@pytest.fixture(autouse=True)
def debug() -> Iterator[None]:
    with mode(True):  # as `make run` serves it
        yield


def looks_right(page: Page, axe, name: str) -> None:
    """What a person sees: no debris, no markup as text, nothing wider than the window, no
    crown; and WCAG 2.2 AA."""
    text = page.locator("body").inner_text()
    for debris in (*DEBRIS, "<p", "</"):
        assert debris not in text, f"{name}: {debris!r} on the page"
    width = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert width <= 0, f"{name}: the page is {width}px wider than the window"
    expect(page.locator(".govuk-footer__crown, .govuk-footer__copyright-logo")).to_have_count(0)
    axe(page)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_a_youth_justice_officer_records_a_contact_this_morning(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 768})
    officer = staff("youth-justice-officer", username="casey")
    officer.first_name, officer.last_name = "Casey", "Jones"
    officer.save()
    jordan = browser_world.person(given_name="Jordan", family_name="Whitlock")
    case = browser_world.case(allocated_to=officer, person=jordan)
    add_records(browser_world, case, 6, by=officer)  # more than a page of timeline

    signed_in(page, officer)
    looks_right(page, axe, "officer-caseload")
    page.get_by_role("link", name="Jordan Whitlock").click()
    expect(page.get_by_role("link", name="Older entries")).to_be_visible()
    looks_right(page, axe, "officer-person")

    page.get_by_role("link", name="Record a contact").click()
    for box in page.locator("form textarea, form input[type=text]").all():
        expect(box).to_have_value("")  # opens empty, in DEBUG too
    looks_right(page, axe, "officer-contact-form")

    today = timezone.localdate()
    page.get_by_label("Phone call").check()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Notes (optional)").fill(f"Rang mum. See {LONG_WORD}")
    page.get_by_role("button", name="Save contact").click()

    banner = page.get_by_role("alert").filter(has_text="Contact recorded")
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport()
    looks_right(page, axe, "officer-contact-saved")
    contact = Contact.objects.get(notes__startswith="Rang mum")
    assert timezone.localdate(contact.occurred_at) == today
    assert contact.occurred_at <= timezone.now()


def test_a_team_manager_and_the_dpo(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    manager = staff("team-manager", username="morgan")
    manager.first_name, manager.last_name = "Reece", "Morgan"
    manager.save()
    officer = staff("youth-justice-officer", username="casey")
    browser_world.case(allocated_to=officer)
    browser_world.case()  # not allocated yet

    signed_in(page, manager)
    page.get_by_role("link", name="Team caseload").click()
    looks_right(page, axe, "manager-team-caseload")
    page.get_by_role("link", name="Allocate").first.click()
    looks_right(page, axe, "manager-allocate")
    page.context.clear_cookies()  # the next person, on the same computer

    dpo = staff("data-protection-officer", username="bell")
    dpo.first_name, dpo.last_name = "Victoria", "Bell"
    dpo.save()
    place = Place(
        pack=browser_world.pack,
        version_id=browser_world.version_id,
        controller=browser_world.controller,
        team=browser_world.team,
        dpo=dpo,
    )
    held = due_case(place)
    planner.plan()
    retention.place_hold(
        by=dpo,
        reason="Civil claim against the council",
        review_on=timezone.localdate() + timedelta(days=30),
        case=held,
    )
    signed_in(page, dpo)
    for path, name in (
        ("/retention/", "dpo-retention"),
        ("/retention/queue/", "dpo-queue"),
        ("/retention/holds/", "dpo-holds"),
    ):
        page.goto(path)
        looks_right(page, axe, name)
    expect(page.get_by_text("Victoria Bell")).to_be_visible()  # who placed the hold, by name
