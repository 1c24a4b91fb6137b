"""Retention, in a browser: the DPO reads the summary and its chart, approves a due case file
from the queue (named by reference and name, never "case 173"), places a hold on a person
found by searching (never a typed number), and reads the destruction record; every page
passes axe. SAFEHOLD_SCREENSHOTS=<dir> keeps a picture of each page checked."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safehold.records.models import Contact, PersonFlag
from safehold.retention import planner
from safehold.retention.sweep import sweep

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SAFEHOLD_SCREENSHOTS")


def check(page: Page, axe, name: str) -> None:
    axe(page)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_dpo_reviews_and_approves_then_reads_the_record(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    world = browser_world
    due = world.case(
        person=world.person(
            date_of_birth=date(1990, 5, 1), given_name="Amelia", family_name="Hughes"
        ),
        closed_on=date(2014, 3, 31),
    )
    Contact.objects.create(
        case=due, kind="office", occurred_at=timezone.now(), pack_version_id=world.version_id
    )
    # Recorded as neither looked after nor on a CP plan: the 25 years apply (docs/adr/0016).
    PersonFlag.objects.bulk_create(
        PersonFlag(person=due.person, case=due, flag=code, holds=False)
        for code in ("looked-after", "child-protection-plan")
    )
    soon = date(timezone.localdate().year - 25, 1, 1) + timedelta(days=400)
    later = world.case(
        person=world.person(date_of_birth=soon, given_name="Amelia", family_name="Hughson"),
        closed_on=date(2020, 1, 1),
    )
    planner.plan()
    dpo = staff("data-protection-officer", username="dana")

    signed_in(page, dpo)
    page.get_by_role("link", name="Retention", exact=True).click()
    expect(page.get_by_role("heading", name="Retention summary")).to_be_visible()
    expect(page.get_by_role("img", name="Items falling due each month")).to_be_visible()
    page.get_by_text("The chart's figures as a table").click()
    expect(
        page.get_by_role("table", name="Items falling due each month: every service")
    ).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="Young offenders' case files")).to_be_visible()
    check(page, axe, "retention-queue")
    page.get_by_label(f"Case C{due.pk} of Amelia Hughes").check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_text("1 approved for disposal under 'case-file'")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Legal holds").click()
    expect(page.get_by_role("heading", name="Place a hold")).to_be_visible()
    axe(page)
    # Whom to hold is found by searching, a letter wrong, never typed as a number.
    page.get_by_label("Find the person or case to hold").fill("amelia hughsno")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_label(f"Amelia Hughson (P{later.person_id})")).to_be_visible()
    check(page, axe, "retention-hold-found")
    page.get_by_label(f"Amelia Hughson (P{later.person_id})").check()
    page.get_by_label("Why is it held?").fill("Civil claim")
    review = timezone.localdate() + timedelta(days=90)
    page.get_by_label("Day").fill(str(review.day))
    page.get_by_label("Month").fill(str(review.month))
    page.get_by_label("Year").fill(str(review.year))
    page.get_by_role("button", name="Place the hold").click()
    expect(
        page.get_by_text(f"Legal hold placed on Amelia Hughson (P{later.person_id})")
    ).to_be_visible()
    held = page.get_by_role("table", name="Holds in place")
    expect(held).to_contain_text(f"Amelia Hughson (P{later.person_id})")
    check(page, axe, "retention-hold-placed")
    lifted = page.get_by_role("button", name="Lift the legal hold on Amelia Hughson")
    expect(lifted).to_be_visible()

    sweep()
    page.get_by_role("link", name="Destruction records").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("row").nth(1)).to_contain_text(f"Case file C{due.pk}")
    expect(table.get_by_role("row").nth(1)).to_contain_text("contact: 1")
    axe(page)


def test_others_are_refused(browser_page: Page, browser_world, staff, signed_in, axe) -> None:
    page = browser_page
    signed_in(page, staff("team-manager", username="morgan"))
    expect(page.get_by_role("link", name="Retention")).to_have_count(0)
    response = page.goto("/retention/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="You cannot see retention")).to_be_visible()
    axe(page)


def test_dpo_sets_the_end_of_a_contract(
    browser_page: Page, browser_world, staff, signed_in, axe, tmp_path
) -> None:
    """Service dates: a date that belongs to the service's contract, set on a page with its
    history; an impossible date is an error on the field."""
    from safehold.policy.services import load_pack
    from tests.retention.conftest import example_pack

    load_pack(example_pack(tmp_path))  # Cambridgeshire, with an end of contract to date
    page = browser_page
    signed_in(page, staff("data-protection-officer", username="dana"))
    page.goto("/retention/service-dates/")
    expect(page.get_by_role("heading", name="Service dates", level=1)).to_be_visible()
    axe(page)

    page.get_by_label("Volunteers who help deliver the service: End date of the contract").check()
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2028")
    page.get_by_role("button", name="Set the date").click()
    expect(page.get_by_role("link", name="Date must be a real date")).to_be_visible()
    axe(page)

    page.get_by_label("Month").fill("3")
    page.get_by_label("Why, or where it comes from (optional)").fill("Contract variation 4")
    page.get_by_role("button", name="Set the date").click()
    expect(page.get_by_text("Date set: 31 March 2028.")).to_be_visible()
    history = page.get_by_role("table", name="Who set which date, and when")
    expect(history).to_contain_text("Contract variation 4")
    expect(history).to_contain_text("dana")
    axe(page)
