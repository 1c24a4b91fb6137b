"""Case work in a browser: find a young person from the caseload, record a contact (an error
first, nothing typed lost), see a field withheld as another role, allocate as a manager, add a
young person; axe-core finds no WCAG 2.2 AA violation on any of these pages."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safehold.records.models import Case, Contact, Person
from tests.web.casework import add_records

pytestmark = pytest.mark.browser

# SAFEHOLD_SCREENSHOTS=<dir> keeps a picture of every page checked, to look at by eye.
SHOTS = os.environ.get("SAFEHOLD_SCREENSHOTS")


def check(page: Page, axe, name: str) -> None:
    axe(page)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_find_a_young_person_and_record_a_contact(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    jordan = browser_world.person(given_name="Jordan", family_name="Whitlock")
    case = browser_world.case(allocated_to=officer, person=jordan)
    add_records(browser_world, case, 1, by=officer)
    for family in ("Adams", "Brown"):
        browser_world.case(allocated_to=officer, person=browser_world.person(family_name=family))

    signed_in(page, officer)
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(4)
    check(page, axe, "caseload")

    page.get_by_role("button", name="Date of birth").click()  # sorted in SQL, by the server
    expect(page.get_by_role("columnheader", name="Date of birth")).to_have_attribute(
        "aria-sort", "ascending"
    )
    page.get_by_label("Name").fill("whit")
    page.get_by_role("button", name="Apply filters").click()
    expect(table.get_by_role("row")).to_have_count(2)
    expect(page.get_by_text("Selected filters")).to_be_visible()
    check(page, axe, "caseload-filtered")

    page.get_by_role("link", name="Jordan Whitlock").click()
    expect(page.get_by_role("heading", name="Jordan Whitlock", level=1)).to_be_visible()
    expect(page.get_by_text("Parent0 Example", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    check(page, axe, "person")

    page.get_by_role("link", name="Record a contact").click()
    expect(page.get_by_role("heading", name="Record a contact")).to_be_visible()
    check(page, axe, "contact-form")
    page.get_by_label("Notes (optional)").fill("Seen at home with his mother")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Save contact").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Select the type of contact")
    expect(summary).to_contain_text("Date of the contact must be a real date")
    expect(page.get_by_label("Notes (optional)")).to_have_value("Seen at home with his mother")
    expect(page.get_by_label("Day")).to_have_value("31")
    check(page, axe, "contact-form-errors")
    summary.get_by_role("link", name="Date of the contact must be a real date").click()
    expect(page.get_by_label("Day")).to_be_focused()

    day = timezone.localdate() - timedelta(days=1)
    page.get_by_label("Home visit").check()
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_role("button", name="Save contact").click()
    expect(page).to_have_url(re.compile(rf"/people/{jordan.pk}/$"))
    # After saving, the success banner is what the user sees and hears first.
    banner = page.get_by_role("alert").filter(has_text="Contact recorded")
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport()
    expect(page.get_by_text("Seen at home with his mother")).to_be_visible()
    check(page, axe, "person-after-contact")
    assert Contact.objects.filter(notes="Seen at home with his mother", created_by=officer).exists()


def test_another_role_sees_it_withheld(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    colleague = staff("youth-justice-officer", username="kim")  # same team, not allocated
    case = browser_world.case(allocated_to=officer)
    add_records(browser_world, case, 1, by=officer)

    signed_in(page, colleague)
    page.goto(f"/people/{case.person_id}/")
    expect(page.get_by_role("heading", name="Sam Example", level=1)).to_be_visible()
    expect(page.get_by_text("Offence 0")).to_be_visible()
    expect(page.get_by_text("Visit 0")).to_have_count(0)
    expect(page.get_by_text("Withheld", exact=True).first).to_be_visible()
    page.get_by_text("Why some information is withheld").click()
    # The rule in words, and the rule itself one click further.
    expect(
        page.get_by_text(
            "A Youth offending case manager may not read records of the contact we have"
        ).first
    ).to_be_visible()
    page.get_by_text("The rules in the privacy policy").click()
    expect(
        page.get_by_text("allows read of 'contact-records' at team distance").first
    ).to_be_visible()
    check(page, axe, "person-withheld")

    page.goto(f"/cases/{case.pk}/contacts/new/")
    expect(
        page.get_by_role("heading", name="You cannot record a contact on this case")
    ).to_be_visible()
    check(page, axe, "refused")


def test_a_manager_allocates_from_the_team_caseload(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    manager = staff("team-manager", username="morgan")
    officer = staff("youth-justice-officer", username="casey")
    case = browser_world.case(person=browser_world.person(given_name="Waiting"))

    signed_in(page, manager)  # lands on the team caseload
    expect(page.get_by_role("heading", name="Team caseload")).to_be_visible()
    expect(page.get_by_role("table").get_by_text("Not allocated")).to_be_visible()
    check(page, axe, "team-caseload")
    page.get_by_role("link", name=re.compile("^Allocate")).click()
    expect(page.get_by_role("heading", name=f"Allocate case C{case.pk}")).to_be_visible()
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_role("alert")).to_contain_text("Select who should hold this case")
    check(page, axe, "allocate-errors")
    page.get_by_label("casey").check()
    page.get_by_role("button", name="Allocate").click()
    expect(
        page.get_by_text(f"Case C{case.pk} (Waiting Example) is now held by casey")
    ).to_be_visible()
    assert Case.objects.get(pk=case.pk).allocated_to == officer


def test_add_a_young_person_and_the_other_forms(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    officer = staff("youth-justice-officer", username="casey")
    case = browser_world.case(allocated_to=officer)
    signed_in(page, officer)

    page.get_by_role("button", name="Add a young person").click()
    expect(page.get_by_role("heading", name="Add a young person")).to_be_visible()
    check(page, axe, "person-form")
    page.get_by_label("First name").fill("Ada")
    page.get_by_role("group", name="Date of birth").get_by_label("Day").fill("10")
    page.get_by_role("button", name="Add young person").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter their last name")
    expect(page.get_by_role("alert")).to_contain_text("Date of birth must include a month and year")
    expect(page.get_by_label("First name")).to_have_value("Ada")
    check(page, axe, "person-form-errors")
    page.get_by_label("Last name").fill("Lovelace")
    group = page.get_by_role("group", name="Date of birth")
    group.get_by_label("Month").fill("12")
    group.get_by_label("Year").fill("2010")
    page.get_by_label("Supervision of court orders").check()
    page.get_by_role("button", name="Add young person").click()
    expect(page.get_by_role("heading", name="Ada Lovelace", level=1)).to_be_visible()
    assert Person.objects.filter(family_name="Lovelace").exists()

    for kind, heading in [
        ("assessment", "Record an assessment"),
        ("plan", "Record a plan"),
        ("offence", "Record an offence"),
        ("outcome", "Record an outcome"),
    ]:
        page.goto(f"/cases/{case.pk}/{kind}s/new/")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        check(page, axe, f"{kind}-form")
    page.goto(f"/people/{case.person_id}/cases/new/")
    expect(page.get_by_role("heading", name="Open a case")).to_be_visible()
    check(page, axe, "case-form")
