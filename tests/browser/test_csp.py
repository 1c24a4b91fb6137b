"""The Content-Security-Policy holds in a real browser: the main pages, public and staff, load
with no CSP violation and no script error in the console, and GOV.UK Frontend's scripts (the
nonce'd inline one and the module) still run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from safehold.records.models import Contact
from tests.web.casework import add_records

pytestmark = pytest.mark.browser
# SAFEHOLD_SCREENSHOTS=<dir> keeps a picture of the pages checked, to look at by eye.
SHOTS = os.environ.get("SAFEHOLD_SCREENSHOTS")


@pytest.fixture
def console(browser_page: Page) -> Iterator[list[str]]:
    """Every console error and uncaught script error on the page, as text."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A page answered 4xx on purpose (a form with errors, a refusal) is logged as a failed
        # load of the document itself: that is the page, not a resource the policy blocked.
        refused_page = (
            message.text.startswith(
                "Failed to load resource: the server responded with a status of 4"
            )
            and message.location.get("url") == browser_page.url
        )
        if message.type == "error" and not refused_page:
            errors.append(f"{browser_page.url}: {message.text}")

    browser_page.on("console", on_console)
    browser_page.on("pageerror", lambda error: errors.append(f"{browser_page.url}: {error}"))
    yield errors


def visit(page: Page, path: str, console: list[str]) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 500, path
    assert "Content-Security-Policy" in {k.title() for k in response.headers}, path
    check(page, console)


def check(page: Page, console: list[str]) -> None:
    page.wait_for_load_state("load")
    # The GOV.UK template's inline script (nonce) sets these; the module script initialises
    # its components, GOV.UK's and those MOJ's initAll owns (its filter has no script), each
    # of which marks itself `data-<module>-init`.
    expect(page.locator("body.js-enabled.govuk-frontend-supported")).to_have_count(1)
    initialised = page.evaluate(
        """() => [...document.querySelectorAll(
            '[data-module^="govuk-"], [data-module^="moj-"]:not([data-module="moj-filter"])')].every(
            el => [...el.attributes].some(a => a.name.endsWith('-init')))"""
    )
    assert initialised, f"GOV.UK Frontend did not initialise every component on {page.url}"
    assert console == [], "\n".join(console)


def test_public_pages_run_under_the_policy(browser_page: Page, browser_world, console) -> None:
    for path in (
        "/privacy/",
        "/privacy/cambridgeshire-yos/",
        "/privacy/cambridgeshire-yos/young-people/",
        "/privacy/cambridgeshire-yos/print/",
        "/sign-in/",
    ):
        visit(browser_page, path, console)


def test_staff_pages_run_under_the_policy(
    browser_page: Page, browser_world, staff, signed_in, console
) -> None:
    page = browser_page
    new = staff("youth-justice-officer", username="newcomer", enrolled=False)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(new.get_username())
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("svg").first).to_be_visible()  # the authenticator app's QR code
    check(page, console)
    page.context.clear_cookies()

    officer = staff("youth-justice-officer", username="casey")
    case = browser_world.case(allocated_to=officer)
    add_records(browser_world, case, 1, by=officer)
    other = browser_world.case()
    signed_in(page, officer)
    check(page, console)  # the caseload
    for path in (
        f"/people/{case.person_id}/",
        f"/cases/{case.pk}/contacts/new/",
        f"/cases/{other.pk}/break-glass/",
        f"/people/{case.person_id}/edit/",
        f"/cases/{case.pk}/close/",
    ):
        visit(page, path, console)
    page.goto(f"/cases/{case.pk}/contacts/new/")
    page.get_by_role("button", name="Save contact").click()  # an error page, with its summary
    check(page, console)


def test_manager_and_dpo_pages_run_under_the_policy(
    browser_page: Page, browser_world, staff, signed_in, console
) -> None:
    page = browser_page
    manager = staff("team-manager", username="morgan")
    case = browser_world.case(allocated_to=manager)
    Contact.objects.create(
        case=case,
        kind="office",
        occurred_at=timezone.now(),
        pack_version_id=browser_world.version_id,
    )
    signed_in(page, manager)
    for path in ("/team/", f"/people/{case.person_id}/audit/"):
        visit(page, path, console)
    page.context.clear_cookies()

    signed_in(page, staff("data-protection-officer", username="dana"))
    for path in ("/data-protection/", "/retention/", "/retention/queue/", "/retention/holds/"):
        visit(page, path, console)
        if SHOTS:
            page.screenshot(
                path=str(Path(SHOTS) / f"csp{path.replace('/', '-')}.png"), full_page=True
            )
