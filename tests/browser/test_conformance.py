"""The DPO follows the link from their home to the conformance report, which lists every
statement of the notice with what enforces it, and passes axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from safehold.policy.conformance import conformance
from safehold.policy.selectors import controller_pack

pytestmark = pytest.mark.browser


def test_the_dpo_reads_how_the_notice_is_enforced(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    dpo = staff("data-protection-officer", username="dana")
    report = conformance(controller_pack(dpo.controller_id))
    signed_in(page, dpo)
    page.get_by_role("link", name="How the notice is enforced").click()
    expect(page.get_by_role("heading", name="How the notice is enforced", level=1)).to_be_visible()
    summary = page.locator("#summary")
    expect(summary).to_contain_text(f"Statements {len(report.statements)}")
    expect(summary).to_contain_text("Gaps (stated only, not accepted) 0")
    table = page.get_by_role("table", name="Every statement")
    expect(table.locator("tbody tr")).to_have_count(len(report.statements))
    row = table.locator("tr", has_text="recipient:police")
    expect(row).to_contain_text("Enforced")
    expect(row).to_contain_text(re.compile("Share rule: A disclosure goes only to a recipient"))
    row = table.locator("tr", has_text="commitment:no-identification-in-research")
    expect(row).to_contain_text("Stated only")
    expect(row).to_contain_text("Accepted: statistics and research extracts not yet built")
    expect(table.locator("tr", has_text="role:youth-justice-officer")).to_contain_text(
        re.compile("Gate grant: The access gate opens a case")
    )
    axe(page)
