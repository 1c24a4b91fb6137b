"""Browser tests: the real pages in headless Chromium (Playwright), against a live server.

Every test here is marked `browser` (by the hook below; `pytest -m "not browser"` leaves them
out). Fixtures (names are stable):

- `browser` (session): one headless Chromium for the whole run, Debian's /usr/bin/chromium
  (override with SAFEHOLD_CHROMIUM). Missing Chromium fails the tests, never skips them.
- `browser_page`: a fresh page (own cookies) whose relative addresses go to the live server:
  `browser_page.goto("/privacy/")`. Data the test creates is committed, so the server sees it;
  after the test the audit log is erased (as a DBA would) so the tables can be flushed.
- `browser_world`: the Cambridgeshire pack loaded, with teams North and South and helpers to
  make people and cases (`tests.access.conftest.World`), committed for the live server.
- `staff(role, username=None, team=None, enrolled=True)`: a member of staff of that world with
  the password `support.PASSWORD` and, if enrolled, a confirmed authenticator app.
- `signed_in(page, user)`: signs in through the pages (password, then a fresh TOTP code
  computed with django-otp) and returns the page, on the caseload (or `next_url=`).
- `axe(page)`: injects axe-core from node_modules and fails on any WCAG 2.2 AA violation.

The same helpers are plain functions in `tests/browser/support.py` (`make_staff`, `sign_in`,
`totp_code`, `axe`). Roles in the Cambridgeshire pack: youth-justice-officer (breaks glass),
team-manager (allocates cases, breaks glass), data-protection-officer (manages policy).

Playwright's synchronous API keeps an asyncio loop running in the test thread, so Django's
"no ORM calls in async context" guard would refuse every query the test makes; the `browser`
fixture turns that guard off (DJANGO_ALLOW_ASYNC_UNSAFE) for the rest of the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from safehold.access.models import User
from tests.access.conftest import World, make_world
from tests.audit.dba import erase_log
from tests.browser import support
from tests.builders import PACK_FILES

CHROMIUM = Path(os.environ.get("SAFEHOLD_CHROMIUM", "/usr/bin/chromium"))
TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Chromium at {CHROMIUM}: install Debian's package "
            "(apt-get install chromium) or set SAFEHOLD_CHROMIUM to another Chromium.",
            pytrace=False,
        )
    if not support.AXE.exists():
        pytest.fail("axe-core is missing from node_modules: run `npm ci`.", pytrace=False)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def _committed(transactional_db: None) -> Iterator[None]:
    # The live server reads what the test commits; the log refuses the flush that follows
    # unless it is emptied first (see tests/audit/conftest.py).
    yield
    erase_log()


@pytest.fixture
def browser_page(browser: Browser, live_server: Any, _committed: None) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def browser_world(live_server: Any, _committed: None) -> World:
    return make_world(next(p for p in PACK_FILES if p.stem == "cambridgeshire-yos"))


@pytest.fixture
def staff(browser_world: World) -> Callable[..., User]:
    def make(role: str, **kwargs: Any) -> User:
        return support.make_staff(browser_world, role, **kwargs)

    return make


@pytest.fixture
def signed_in() -> Callable[..., Page]:
    return support.sign_in


@pytest.fixture(name="axe")
def axe_fixture() -> Callable[..., None]:
    return support.axe
