"""Correcting the record in a browser: change a young person's address and find the old value
on who has seen the record; two people editing at once; close a case; record a report. axe-core
finds no WCAG 2.2 AA violation on any of these pages."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from safehold.records.models import Case, Person, Report
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_casework import check

pytestmark = pytest.mark.browser


def test_change_an_address_and_see_the_old_one_in_the_audit_trail(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    person = browser_world.person(given_name="Jordan", family_name="Whitlock")
    browser_world.case(allocated_to=officer, person=person)

    signed_in(page, officer, next_url=f"/people/{person.pk}/")
    details = page.locator("#details-list")
    expect(details).to_contain_text("1 High Street")
    expect(details).to_contain_text("Hill School")
    check(page, axe, "person-details")
    page.get_by_role("link", name="Change address").click()
    expect(page.get_by_role("heading", name="Change their details")).to_be_visible()
    check(page, axe, "person-edit")
    page.get_by_label("Address (optional)", exact=True).fill("9 New Road")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Details changed")).to_be_visible()
    expect(page.locator("#details-list")).to_contain_text("9 New Road")
    assert Person.objects.get(pk=person.pk).address == "9 New Road"

    manager = staff("team-manager", username="morgan")
    page.context.clear_cookies()
    signed_in(page, manager, next_url=f"/people/{person.pk}/audit/")
    expect(page.get_by_role("heading", name="Who has seen this record")).to_be_visible()
    change = page.get_by_role("listitem").filter(has_text="changed to")
    expect(change).to_contain_text("1 High Street")
    expect(change).to_contain_text("9 New Road")
    check(page, axe, "audit-trail-with-change")


def test_two_people_change_the_same_record_and_nothing_is_lost(
    browser: Browser, browser_page: Page, live_server: Any, browser_world, staff, signed_in, axe
) -> None:
    officer = staff("youth-justice-officer", username="casey")
    manager = staff("team-manager", username="morgan")
    person = browser_world.person(given_name="Jordan", family_name="Whitlock")
    browser_world.case(allocated_to=officer, person=person)
    url = f"/people/{person.pk}/edit/"

    first = signed_in(browser_page, officer, next_url=url)
    other = browser.new_context(base_url=live_server.url, locale="en-GB")
    other.set_default_timeout(TIMEOUT_MS)
    try:
        second = signed_in(other.new_page(), manager, next_url=url)
        # Both have the form open; the officer saves first.
        first.get_by_label("Phone number (optional)").fill("01632 960999")
        first.get_by_role("button", name="Save changes").click()
        expect(first.get_by_text("Details changed")).to_be_visible()

        second.get_by_label("Address (optional)", exact=True).fill("5 Other Way")
        second.get_by_role("button", name="Save changes").click()
        summary = second.get_by_role("alert")
        expect(summary).to_contain_text("Someone else changed this while you were editing it")
        table = second.get_by_role("table")
        expect(table).to_contain_text("Phone number")
        expect(table).to_contain_text("01632 960999")
        expect(second.get_by_label("Address (optional)", exact=True)).to_have_value("5 Other Way")
        check(second, axe, "edit-conflict")
        assert Person.objects.get(pk=person.pk).address == "1 High Street"

        # Knowing, they keep the officer's phone number and save their address.
        second.get_by_label("Phone number (optional)").fill("01632 960999")
        second.get_by_role("button", name="Save changes").click()
        expect(second.get_by_text("Details changed")).to_be_visible()
    finally:
        other.close()
    saved = Person.objects.get(pk=person.pk)
    assert (saved.address, saved.phone) == ("5 Other Way", "01632 960999")


def test_close_a_case(browser_page: Page, browser_world, staff, signed_in, axe) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    person = browser_world.person(given_name="Jordan", family_name="Whitlock")
    case = browser_world.case(allocated_to=officer, person=person)

    signed_in(page, officer, next_url=f"/people/{person.pk}/")
    page.get_by_role("link", name=f"Close case C{case.pk}").click()
    expect(page.get_by_role("heading", name="Close the case")).to_be_visible()
    check(page, axe, "close-case")
    page.get_by_role("button", name="Close the case").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter the date the case closed")
    expect(summary).to_contain_text("Select why the case closed")
    check(page, axe, "close-case-errors")
    page.get_by_label("Day").fill("30")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("The order or intervention was completed").check()
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text(f"Case C{case.pk} closed")).to_be_visible()
    expect(page.get_by_role("link", name=f"Change closure case C{case.pk}")).to_be_visible()
    closed = Case.objects.get(pk=case.pk)
    assert (str(closed.closed_on), closed.closed_reason) == ("2025-06-30", "completed")


def test_record_a_report(browser_page: Page, browser_world, staff, signed_in, axe) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    person = browser_world.person(given_name="Jordan", family_name="Whitlock")
    case = browser_world.case(allocated_to=officer, person=person)

    signed_in(page, officer, next_url=f"/people/{person.pk}/")
    page.get_by_role("link", name="Record a report").click()
    expect(page.get_by_role("heading", name="Record a report")).to_be_visible()
    check(page, axe, "report-form")
    page.get_by_label("Pre-sentence report").check()
    page.get_by_label("Report (optional)").fill("Jordan has engaged well with the service.")
    page.get_by_role("button", name="Save report").click()
    expect(page.get_by_text("Report recorded")).to_be_visible()
    expect(page.locator("#timeline")).to_be_visible()
    assert Report.objects.get(case=case).kind == "psr"
    # And it can be corrected from the timeline.
    page.get_by_role("link", name="Change this report").click()
    expect(page.get_by_role("heading", name="Change a report")).to_be_visible()
    check(page, axe, "report-edit")
