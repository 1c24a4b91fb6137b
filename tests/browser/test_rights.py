"""Rights requests, in a browser: the DPO records a subject access request made by a parent for
a child, finds it by due date, pauses the clock for identity, resumes it, records the child's
understanding, and closes it; then reads requests over time. Every page passes axe."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safehold.rights.models import RightsRequest

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SAFEHOLD_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"rights-{name}.png"), full_page=True)


def fill_date(page: Page, group: str, day: date) -> None:
    fieldset = page.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))


def test_dpo_records_and_answers_a_request_on_its_clock(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    world = browser_world
    today = timezone.localdate()
    child = world.person(
        given_name="Tamsin", family_name="Oakhurst", date_of_birth=today - timedelta(days=13 * 366)
    )
    world.case(person=child)
    dpo = staff("data-protection-officer", username="dana")

    signed_in(page, dpo)
    page.goto("/data-protection/")
    expect(page.get_by_role("heading", name="Rights requests")).to_be_visible()
    page.get_by_role("link", name="Record a request").first.click()
    expect(page.get_by_role("heading", name="Record a request")).to_be_visible()
    axe(page)
    # Sent empty: every problem named, nothing recorded.
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reference of the person")
    axe(page)
    received = today - timedelta(days=3)
    page.get_by_label("Reference of the person").fill(f"P{child.pk}")
    page.get_by_label("Right of access").check()
    fill_date(page, "Date received", received)
    page.get_by_label("A parent or carer").check()
    page.get_by_label("Name of the person who made it").fill("Mrs Oakhurst")
    page.get_by_label("Their authority to act for the person").fill(
        "Mother, parental responsibility; birth certificate seen"
    )
    page.get_by_label("Email").check()
    page.get_by_label("What is asked").fill("Everything the service holds about my daughter")
    page.get_by_label("Asked for, awaited").check()
    page.get_by_role("button", name="Record the request").click()
    made = RightsRequest.objects.get()
    expect(page.get_by_role("heading", name="Right of access: Tamsin Oakhurst")).to_be_visible()
    expect(page.get_by_text(f"Request {made.reference} recorded")).to_be_visible()
    shot(page, "request")
    axe(page)

    page.get_by_role("button", name="Pause the clock").click()
    fill_date(page, "Date the clock stopped", received + timedelta(days=1))
    page.get_by_label("Awaiting proof of identity").check()
    page.get_by_role("button", name="Pause the clock").click()
    expect(page.get_by_text("Clock paused", exact=True)).to_be_visible()
    expect(page.get_by_text("days left when it resumes")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Open requests").click()
    page.get_by_role("link", name="Paused: 1").click()
    expect(page.get_by_role("table")).to_contain_text("Tamsin Oakhurst")
    shot(page, "list")
    axe(page)
    page.get_by_role("link", name=made.reference).click()

    page.get_by_role("button", name="Resume the clock").click()
    fill_date(page, "Date what was asked for arrived", today)
    page.get_by_role("button", name="Resume the clock").click()
    expect(page.get_by_text("Clock resumed: due")).to_be_visible()

    page.get_by_role("button", name="Record the child's understanding").click()
    page.get_by_role("group", name="Can the child understand their rights?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Did the child authorise").get_by_label("Yes").check()
    page.get_by_label("Why: what the decision rests on").fill(
        "Aged 12; met with her case manager and agreed her mother may ask"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The child's understanding is recorded")).to_be_visible()

    page.get_by_role("button", name="Close the request").click()
    axe(page)
    fill_date(page, "Date answered or closed", today)
    page.get_by_label("Answered in full").check()
    page.get_by_role("button", name="Close the request").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Request {made.reference} closed on time")
    history = page.get_by_role("table", name="What was done on this request")
    expect(history).to_contain_text("Clock paused")
    expect(history).to_contain_text("authorised the requester")
    shot(page, "closed")
    axe(page)

    page.get_by_role("link", name="Requests over time").click()
    expect(page.get_by_text("1 of 1 requests closed were answered on time")).to_be_visible()
    expect(page.get_by_role("img", name="Requests received and closed each month")).to_be_visible()
    shot(page, "chart")
    axe(page)
