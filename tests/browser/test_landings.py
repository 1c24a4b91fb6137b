"""Each role lands where its work is, in a browser: a manager on the team caseload (waiting
cases first) and allocates to a case worker, never to the DPO; the DPO on their home, with
counts that lead to the pages where the work is done. Every page passes axe-core."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safehold.access.models import BreakGlass
from safehold.records.models import Case, PersonFlag
from safehold.retention import planner
from safehold.retention import services as retention
from safehold.rights import services as rights
from safehold.web.staff import optional_url

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SAFEHOLD_SCREENSHOTS")


def check(page: Page, axe, name: str) -> None:
    axe(page)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_a_manager_lands_on_the_team_caseload_and_allocates_to_a_case_worker(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    world = browser_world
    manager = staff("team-manager", username="morgan")
    officer = staff("youth-justice-officer", username="casey")
    staff("data-protection-officer", username="dana")  # in the team, holds no cases
    world.case(allocated_to=officer, person=world.person(family_name="Adams"))
    waiting = world.case(person=world.person(family_name="Zeller"))

    signed_in(page, manager)
    expect(page.get_by_role("heading", name="Team caseload")).to_be_visible()  # no click
    rows = page.locator("#cases").get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Sam Zeller")  # waiting first, though Z
    expect(rows.nth(1)).to_contain_text("Not allocated")
    expect(rows.nth(2)).to_contain_text("Sam Adams")
    caseloads = page.get_by_role("table", name="Open cases each worker holds")
    expect(caseloads.get_by_role("row", name="casey 1")).to_be_visible()
    expect(caseloads).not_to_contain_text("dana")
    check(page, axe, "team-caseload-landing")

    page.get_by_role("link", name="1 case is waiting for allocation").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_text("Selected filters")).to_be_visible()
    expect(page.get_by_role("radio", name="Not allocated")).to_be_checked()
    check(page, axe, "team-caseload-unallocated")

    page.get_by_role("link", name=re.compile("^Allocate")).click()
    expect(page.get_by_role("heading", name=f"Allocate case {waiting.pk}")).to_be_visible()
    workers = page.get_by_role("group", name="Who should hold this case?")
    expect(workers.get_by_role("radio")).to_have_count(1)  # not the DPO, not the manager
    expect(workers.get_by_text("dana")).to_have_count(0)
    expect(workers.get_by_text("Holds 1 open case")).to_be_visible()
    check(page, axe, "allocate-with-caseloads")
    page.get_by_label("casey").check()
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text(f"Case {waiting.pk} (Sam Zeller) is now held by casey")).to_be_visible()
    assert Case.objects.get(pk=waiting.pk).allocated_to == officer


def test_the_dpo_lands_on_their_home_with_what_waits(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    world = browser_world
    dpo = staff("data-protection-officer", username="dana")
    officer = staff("youth-justice-officer", username="casey")
    for _ in range(2):
        world.case(person=world.person(date_of_birth=date(1990, 5, 1)), closed_on=date(2014, 3, 31))
    held = world.case(
        person=world.person(date_of_birth=date(1990, 5, 1)), closed_on=date(2014, 3, 31)
    )
    # Recorded as neither looked after nor on a CP plan, so their 25 years apply (ADR 0016).
    PersonFlag.objects.bulk_create(
        PersonFlag(person_id=case.person_id, case=case, flag=code, holds=False)
        for case in Case.objects.all()
        for code in ("looked-after", "child-protection-plan")
    )
    world.case(person=world.person(date_of_birth=None), closed_on=date(2020, 1, 1))  # a gap
    today = timezone.localdate()
    retention.place_hold(
        by=dpo, case=held, reason="Claim pending", review_on=today + timedelta(days=30)
    )
    BreakGlass.objects.create(
        user=officer, case=held, reason="Urgent welfare", expires_at=timezone.now()
    )
    rights.receive(held.person, "access", received_on=today - timedelta(days=12), by=dpo)
    planner.plan()

    signed_in(page, dpo)
    expect(page.get_by_role("heading", name="Data protection", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^2 items due for review"))).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile("^1 item with no retention period"))
    ).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^1 hold in force"))).to_be_visible()
    if optional_url("web:break-glass-review"):  # a link once the review list is routed
        expect(page.get_by_role("link", name=re.compile("^1 use of break-glass"))).to_be_visible()
    else:
        expect(page.get_by_text("1 use", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^1 request all open"))).to_be_visible()
    requests = page.get_by_role("table", name="Soonest due")
    expect(requests).to_contain_text("Right of access")
    # Received 12 days ago: due a month after (a working day), so 16 to 21 days left.
    expect(requests).to_contain_text(re.compile(r"\b(1[6-9]|2[01])\b"))
    check(page, axe, "dpo-home")

    page.get_by_role("link", name=re.compile("^2 items due for review")).click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    page.get_by_role("link", name="Data protection").click()
    expect(page.get_by_role("heading", name="Data protection", level=1)).to_be_visible()
