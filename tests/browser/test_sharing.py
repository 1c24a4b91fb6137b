"""Sharing and consent in a browser: a case manager records a consent for a young person,
checks a share (the decision explained before anything is sent), shares with a manager's
approval, opens the disclosure and sees it under "Shared with"; withdraws the consent; the
DPO filters the disclosure log. axe-core finds no WCAG 2.2 AA violation on any page."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from safehold.sharing.models import Disclosure
from tests.sharing.conftest import consent_sought, variant

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SAFEHOLD_SCREENSHOTS")


def check(page: Page, axe, name: str) -> None:
    axe(page)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_consent_share_and_the_disclosure_log(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    staff("team-manager", username="morgan")
    dpo = staff("data-protection-officer", username="dana")
    # A consent asked before sharing with the NHS (a variant of Cambridgeshire's pack).
    world = variant(browser_world, consent_sought)
    jordan = world.person(given_name="Jordan", family_name="Whitlock")
    case = world.case(allocated_to=officer, person=jordan)

    signed_in(page, officer)
    page.goto(f"/people/{case.person_id}/")
    page.get_by_role("link", name="Consents and sharing").first.click()
    expect(page.get_by_role("heading", name="Consents and sharing")).to_be_visible()
    check(page, axe, "sharing-01-person-empty")

    # Record a consent: an error first (nothing chosen), then the whole form.
    page.get_by_role("button", name="Record a consent, refusal or objection").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose what the consent")
    check(page, axe, "sharing-02-consent-errors")
    page.get_by_label(
        "Agreeing to share information with other services, such as the NHS (consent)"
    ).check()
    page.get_by_label("They agreed, or asked for it").check()
    page.get_by_role("group", name="Who decided?").get_by_label("The young person").check()
    page.get_by_label("In writing").check()
    today = date.today()
    group = page.get_by_role("group", name="Date they decided")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Not assessed").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("table", name="What holds now")).to_contain_text("Given")
    check(page, axe, "sharing-03-consent-given")

    # Share with the NHS: check first, then share.
    page.get_by_role("button", name="Share information from their case").click()
    page.get_by_label("Who are you sharing with?").select_option(
        label="Other services such as the NHS"
    )
    page.get_by_label("What is it for?").select_option(label="Youth justice services")
    page.get_by_label("Under which legal gateway?").select_option(label="Your agreement")
    page.get_by_label("Their details").check()
    page.get_by_label("Secure email").check()
    page.get_by_role("button", name="Check what can be shared").click()
    expect(page.get_by_role("heading", name="This can be shared")).to_be_visible()
    expect(page.locator("#decision")).to_contain_text("Consent given")
    assert not Disclosure.objects.exists()
    check(page, axe, "sharing-04-share-checked")
    page.get_by_role("button", name="Share now").click()
    expect(
        page.get_by_role("heading", name="Shared with Other services such as the NHS")
    ).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Whitlock")
    check(page, axe, "sharing-05-disclosure")
    page.get_by_role("link", name="Back to Jordan Whitlock").click()
    expect(page.locator("#shared-with + ul")).to_contain_text("Other services such as the NHS")
    check(page, axe, "sharing-06-person-shared-with")

    # Withdraw: the next check says so.
    page.goto(f"/people/{case.person_id}/sharing/")
    page.get_by_role("link", name="Withdraw").click()
    group = page.get_by_role("group", name="Date they withdrew it")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_role("group", name="Who withdrew it?").get_by_label("The young person").check()
    page.get_by_label("Verbally").check()
    check(page, axe, "sharing-07-withdraw")
    page.get_by_role("button", name="Record the withdrawal").click()
    expect(page.get_by_role("table", name="What holds now")).to_contain_text("Withdrawn")
    check(page, axe, "sharing-08-withdrawn")

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()
    signed_in(page, dpo)
    page.goto("/data-protection/disclosures/")
    expect(page.get_by_role("table")).to_contain_text("Jordan Whitlock")
    check(page, axe, "sharing-09-log")
    page.get_by_text("Filter the log").click()
    page.get_by_label("Outcome").select_option(label="Not shared")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No decisions match.")).to_be_visible()
    check(page, axe, "sharing-10-log-filtered")
