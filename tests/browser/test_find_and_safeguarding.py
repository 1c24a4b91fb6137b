"""Daily journeys in a browser: find a person from the search box on any page (a misspelt
name, in the wrong order), see their safeguarding alerts first, be warned of a possible
duplicate before adding a young person, and see what is overdue on the caseload; axe-core finds
no WCAG 2.2 AA violation on any of these pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safehold.records.models import Person, PersonFlag, Plan, PlanAction
from tests.browser.test_casework import check

pytestmark = pytest.mark.browser


def test_find_a_person_and_see_their_safeguarding_alerts_first(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    person = browser_world.person(
        given_name="Jordan", family_name="Whitlock", date_of_birth=date(2010, 3, 27)
    )
    browser_world.case(allocated_to=officer, person=person)
    PersonFlag.objects.create(
        person=person, flag="child-protection-plan", started_on=date(2025, 4, 2)
    )
    browser_world.case(person=browser_world.person(given_name="Morgan", family_name="Adams"))

    signed_in(page, officer)
    search = page.get_by_role("search", name="Find a person")
    search.get_by_role("searchbox", name="Find a person").fill("whitlok jordan")
    search.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="Find a person", level=1)).to_be_visible()
    results = page.get_by_role("table")
    expect(results).to_contain_text("1 person found")
    expect(results).to_contain_text("27 March 2010")
    expect(results).to_contain_text(f"P{person.pk}")
    check(page, axe, "find-results")

    # By date of birth, from the box on the results page itself.
    page.get_by_label("Name, date of birth or reference").fill("27/3/2010")
    page.get_by_role("button", name="Find").first.click()
    expect(page.get_by_role("table")).to_contain_text("Jordan Whitlock")

    page.get_by_role("link", name="Jordan Whitlock").click()
    expect(page.get_by_role("heading", name="Jordan Whitlock", level=1)).to_be_visible()
    alert = page.get_by_role("region", name="warning: Safeguarding")
    expect(alert).to_contain_text("Subject of a Child Protection Plan")
    expect(alert).to_contain_text("Since 2 April 2025")
    # Before the summary of who they are.
    assert alert.bounding_box()["y"] < page.locator("#summary").bounding_box()["y"]
    check(page, axe, "person-safeguarding")

    page.get_by_role("searchbox", name="Find a person").fill("31/2/2010")
    page.get_by_role("search", name="Find a person").get_by_role("button", name="Find").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a real date of birth")
    check(page, axe, "find-error")
    page.get_by_label("Name, date of birth or reference").fill("Nobody Atall")
    page.get_by_role("button", name="Find").first.click()
    expect(page.get_by_role("heading", name="No one found")).to_be_visible()
    check(page, axe, "find-none")


def test_adding_a_young_person_first_shows_possible_duplicates(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    known = browser_world.person(
        given_name="Ada", family_name="Lovelace", date_of_birth=date(2010, 12, 10)
    )
    browser_world.case(person=known)  # on the officer's team: they may read it
    browser_world.case(
        team=browser_world.other_team,
        person=browser_world.person(
            given_name="Ada", family_name="Lovelace", date_of_birth=date(2010, 12, 10)
        ),
    )

    signed_in(page, officer)
    page.get_by_role("button", name="Add a young person").click()
    page.get_by_label("First name").fill("Adah")
    page.get_by_label("Last name").fill("Lovelace")
    group = page.get_by_role("group", name="Date of birth")
    group.get_by_label("Day").fill("10")
    group.get_by_label("Month").fill("12")
    group.get_by_label("Year").fill("2010")
    page.get_by_label("Health needs").fill("Asthma")
    page.get_by_label("Supervision of court orders").check()
    page.get_by_role("button", name="Add young person").click()

    alert = page.get_by_role("region", name="warning: They may already be known to the service")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("a case your role cannot see")
    matches = page.get_by_role("table", name="Possible matches you can see")
    expect(matches.get_by_role("row")).to_have_count(2)
    expect(matches).to_contain_text(f"P{known.pk}")
    expect(page.get_by_label("Health needs")).to_have_value("Asthma")  # nothing typed is lost
    check(page, axe, "possible-duplicates")
    assert Person.objects.filter(family_name="Lovelace").count() == 2

    page.get_by_role("button", name="Add as a new young person").click()
    expect(page.get_by_role("heading", name="Adah Lovelace", level=1)).to_be_visible()
    assert Person.objects.filter(family_name="Lovelace").count() == 3


def test_the_caseload_shows_safeguarding_and_what_is_overdue(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    today = timezone.localdate()
    late = browser_world.case(
        allocated_to=officer, person=browser_world.person(given_name="Lee", family_name="Late")
    )
    plan = Plan.objects.create(
        case=late,
        pack_version_id=browser_world.version_id,
        kind="intervention",
        starts_on=today - timedelta(days=40),
        review_on=today + timedelta(days=60),
    )
    PlanAction.objects.create(
        plan=plan, description="Call school", due_on=today - timedelta(days=3)
    )
    soon = browser_world.case(
        allocated_to=officer, person=browser_world.person(given_name="Sam", family_name="Soon")
    )
    Plan.objects.create(
        case=soon,
        pack_version_id=browser_world.version_id,
        kind="safety",
        starts_on=today - timedelta(days=20),
        review_on=today + timedelta(days=5),
    )
    PersonFlag.objects.create(person=soon.person, flag="looked-after")
    browser_world.case(
        allocated_to=officer, person=browser_world.person(given_name="Nat", family_name="Nothing")
    )

    signed_in(page, officer)
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Safeguarding")).to_be_visible()
    soon_row = table.get_by_role("row").filter(has_text="Sam Soon")
    expect(soon_row).to_contain_text("Looked after by the Local Authority")
    expect(soon_row).to_contain_text("Due soon")
    late_row = table.get_by_role("row").filter(has_text="Lee Late")
    expect(late_row).to_contain_text("Overdue")
    expect(late_row).to_contain_text("Plan action")
    check(page, axe, "caseload-due")

    page.get_by_role("button", name="Due").click()  # sorted in SQL
    expect(page.get_by_role("columnheader", name="Due")).to_have_attribute("aria-sort", "ascending")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Lee Late")
    expect(rows.nth(3)).to_contain_text("Nat Nothing")

    page.get_by_role("radio", name="Overdue").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("table")).to_contain_text("Lee Late")
    check(page, axe, "caseload-overdue")
