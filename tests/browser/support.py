"""Helpers for browser tests: staff with an enrolled authenticator app, signing in through the
pages as a person would, the codes an app would show, and the axe-core accessibility check.

The fixtures in `conftest.py` hand these out; tests elsewhere may import them directly.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from safehold.access.models import Team, User
from tests.access.conftest import World

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA, and the levels below it it includes.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "correct horse battery staple"


def make_staff(
    world: World,
    role: str,
    *,
    username: str | None = None,
    team: Team | None = None,
    enrolled: bool = True,
    password: str = PASSWORD,
) -> User:
    """A member of staff of the world's controller with a password and, unless `enrolled` is
    False, a confirmed authenticator app (so sign-in asks for a code, not for set-up)."""
    user = world.staff(role, username=username, team=team)
    user.set_password(password)
    user.save(update_fields=["password"])
    if enrolled:
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


def code_for_key(key: bytes, *, after_step: int = -1) -> str:
    """The code an authenticator app holding this secret shows now, or the next code that
    django-otp will still accept when `after_step` (the device's `last_t`) has been spent:
    a code is good once, and for one step either side of now."""
    totp = TOTP(key)
    now = time.time()
    totp.time = now
    step = max(totp.t(), after_step + 1)
    if step > totp.t() + 1:  # more than one step ahead: wait for the clock to catch up
        time.sleep((step - 1) * totp.step - now + 0.05)
    totp.time = step * totp.step
    return f"{totp.token():06d}"


def totp_code(user: User) -> str:
    """A code the user's enrolled app would show, not yet spent."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    assert device is not None, f"{user.username} has no authenticator app"
    return code_for_key(device.bin_key, after_step=device.last_t)


def sign_in(page: Page, user: User, *, password: str = PASSWORD, next_url: str = "") -> Page:
    """Sign in through the pages: username and password, then the code from the app. Leaves
    the page where the service sends a signed-in member of staff (or `next_url`)."""
    page.goto("/sign-in/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/sign-in/two-factor/**")
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(user))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()
    return page


def axe(page: Page, *, context: str | None = None) -> None:
    """Run axe-core on the page as it is now; fail on any WCAG 2.2 AA violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the pages' Content-Security-Policy refuses inline
        # scripts without the response's nonce, and Playwright's evaluation is not subject to it.
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async ([tags, selector]) => {
            const context = selector ? document.querySelector(selector) : document;
            return await window.axe.run(context, {runOnly: {type: "tag", values: tags}});
        }""",
        [WCAG_TAGS, context],
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    assert not violations, f"axe found on {page.url}:\n" + json.dumps(violations, indent=2)
