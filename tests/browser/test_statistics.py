"""A statistics-only analyst, in a browser: signing in lands on statistics, which say plainly
that they will appear there, and a young person's page refuses them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.access.conftest import make_world
from tests.browser import support
from tests.builders import PACK_FILES

pytestmark = pytest.mark.browser


def test_an_analyst_lands_on_statistics_and_reaches_no_one(
    browser_page: Page, live_server, _committed, signed_in, axe
) -> None:
    page = browser_page
    world = make_world(next(p for p in PACK_FILES if p.stem == "leicestershire-cfws"))
    analyst = support.make_staff(world, "performance-analyst", username="avery")
    case = world.case(allocated_to=analyst)

    signed_in(page, analyst)
    expect(page).to_have_url(f"{live_server.url}/statistics/")
    expect(page.get_by_role("heading", name="Statistics", exact=True)).to_be_visible()
    expect(page.get_by_text("Statistics will appear here")).to_be_visible()
    expect(page.get_by_text("No statistics have been published yet.")).to_be_visible()
    navigation = page.get_by_role("navigation")
    expect(navigation.get_by_role("link", name="Statistics")).to_be_visible()
    expect(navigation.get_by_role("link", name="My caseload")).to_have_count(0)
    axe(page)

    response = page.goto(f"/people/{case.person_id}/")
    assert response is not None and response.status == 403
    expect(page.get_by_text("is for statistics only").first).to_be_visible()
    expect(page.get_by_text("Sam")).to_have_count(0)
    axe(page)
