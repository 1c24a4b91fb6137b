"""In a browser: a case worker ends a child protection plan flag with its end date, marks a
plan's action done, corrects a relationship, and records the facts of a case that decide how
long its file is kept. Each page passes axe-core (WCAG 2.2 AA); SAFEHOLD_SCREENSHOTS=<dir>
keeps a picture of each, to look at."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from safehold.records.models import PersonFlag, Plan, PlanAction, Relationship
from safehold.retention import services as retention
from safehold.retention.models import RetentionUnit
from tests.browser.test_casework import check

pytestmark = pytest.mark.browser


def test_end_a_flag_mark_an_action_done_and_correct_a_relationship(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    world = browser_world
    officer = staff("youth-justice-officer", username="casey")
    person = world.person(given_name="Jordan", family_name="Whitlock")
    case = world.case(allocated_to=officer, person=person)
    PersonFlag.objects.create(
        person=person, flag="child-protection-plan", started_on=date(2024, 9, 2)
    )
    carer = world.person(given_name="Morgan", family_name="Whitlock")
    Relationship.objects.create(person=person, other=carer, kind="carer")
    plan = Plan.objects.create(
        case=case, pack_version_id=world.version_id, kind="intervention", starts_on=date(2025, 2, 1)
    )
    PlanAction.objects.create(plan=plan, description="Attend school", due_on=date(2025, 6, 1))

    signed_in(page, officer, next_url=f"/people/{person.pk}/")
    flags = page.get_by_role("table", name="Flags, now and before")
    expect(flags).to_contain_text("Current")
    page.get_by_role("link", name="Change Subject of a Child Protection Plan").click()
    expect(page.get_by_role("heading", name="Change the flag")).to_be_visible()
    check(page, axe, "flag-edit")
    end = page.get_by_role("group", name="End date (optional)")
    end.get_by_label("Day").fill("3")
    end.get_by_label("Month").fill("3")
    end.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Flag changed")).to_be_visible()
    expect(page.get_by_role("table", name="Flags, now and before")).to_contain_text("3 March 2025")
    check(page, axe, "flag-ended")

    page.get_by_role("link", name="Change action 1").click()
    expect(page.get_by_role("heading", name="Change the plan's action")).to_be_visible()
    done = page.get_by_role("group", name="Date done (optional)")
    done.get_by_label("Day").fill("20")
    done.get_by_label("Month").fill("5")
    done.get_by_label("Year").fill("2025")
    check(page, axe, "plan-action-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Action changed")).to_be_visible()
    assert PlanAction.objects.get(plan=plan).done_on == date(2025, 5, 20)

    page.get_by_role("link", name="Change the relationship with Morgan Whitlock").click()
    expect(page.get_by_role("heading", name="Change the relationship")).to_be_visible()
    page.get_by_label("Parent").check()
    page.get_by_role("group", name="Do they live together?").get_by_label("Yes").check()
    check(page, axe, "relationship-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Relationship changed")).to_be_visible()
    link = Relationship.objects.get(person=person)
    assert (link.kind, link.lives_with) == ("parent", True)


def test_record_the_facts_of_a_case(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    world = browser_world
    officer = staff("youth-justice-officer", username="casey")
    person = world.person(given_name="Riley", family_name="Ashdown", date_of_birth=date(1990, 5, 1))
    case = world.case(
        allocated_to=officer, person=person, closed_on=date(2014, 3, 31), service="court-orders"
    )
    retention.recompute_for_case(case.pk)

    signed_in(page, officer, next_url=f"/people/{person.pk}/")
    page.get_by_role("link", name=f"Facts about case C{case.pk}").click()
    expect(page.get_by_role("heading", name="Facts about the case")).to_be_visible()
    check(page, axe, "case-facts-unknown")
    looked_after = page.get_by_role("group", name="Looked after by the Local Authority")
    looked_after.get_by_label("No, it is known not to").check()
    plan = page.get_by_role("group", name="Subject of a Child Protection Plan")
    plan.get_by_label("No, it is known not to").check()
    page.get_by_role("button", name="Save the facts").click()
    expect(page.get_by_text("Recorded: Looked after by the Local Authority")).to_be_visible()
    check(page, axe, "case-facts-recorded")
    unit = RetentionUnit.objects.get(kind="case-file", key=case.pk)
    assert unit.status == "due" and unit.keep_until == date(2015, 5, 1)
    # Once recorded, a fact cannot go back to unknown: only yes or no are offered.
    expect(looked_after.get_by_label("Not known yet")).to_have_count(0)
