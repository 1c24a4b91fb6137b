"""Signing in, in a browser: the first sign-in enrols an authenticator app, later ones ask for
its code; wrong passwords lock the username; every page passes axe (WCAG 2.2 AA)."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.support import PASSWORD, code_for_key

pytestmark = pytest.mark.browser


def _password_step(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Continue").click()


def test_enrol_then_sign_in_again_with_a_code(browser_page: Page, staff, axe) -> None:
    page = browser_page
    user = staff("youth-justice-officer", username="casey", enrolled=False)

    # Any staff page sends a visitor to sign in, and back afterwards.
    page.goto("/sign-out/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/sign-out/$"))
    axe(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your username")
    axe(page)
    _password_step(page, "casey", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct username and password")
    expect(page.get_by_label("Username")).to_have_value("casey")  # kept; the password is not
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    _password_step(page, "casey")

    # First sign-in: set up the app from the secret shown, confirm with a code.
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.locator("#qr-code svg")).to_be_visible()
    axe(page)
    page.get_by_text("I cannot scan the QR code").click()
    key = base64.b32decode(re.sub(r"\s", "", page.locator("#totp-secret").inner_text()))
    right = code_for_key(key)
    page.get_by_label("Code from your authenticator app").fill(
        "000000" if right != "000000" else "111111"
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")
    axe(page)
    time.sleep(1.1)  # django-otp's throttle: one second after the first wrong code
    page.get_by_label("Code from your authenticator app").fill(right)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/sign-out/$"))  # where they were going
    expect(page.get_by_role("heading", name="Sign out of Safehold")).to_be_visible()
    axe(page)
    assert TOTPDevice.objects.get(user=user).confirmed

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    axe(page)

    # Later sign-ins ask for the code of the enrolled app; set-up is not offered again.
    page.get_by_role("button", name="Sign in again").click()
    _password_step(page, "casey")
    expect(page).to_have_url(re.compile(r"/sign-in/two-factor/"))
    axe(page)
    page.goto("/sign-in/two-factor/set-up/")
    expect(page).to_have_url(re.compile(r"/sign-in/two-factor/$"))
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("Enter the code from your authenticator app").fill(
        code_for_key(key, after_step=device.last_t)
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()


def test_wrong_passwords_lock_the_username(browser_page: Page, staff, axe, settings) -> None:
    page = browser_page
    staff("youth-justice-officer", username="robin")
    page.goto("/sign-in/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _password_step(page, "robin", "guess")
        expect(page.get_by_role("alert")).to_contain_text("Enter a correct username")
    _password_step(page, "robin", "guess")
    expect(page.get_by_role("heading", name="You cannot sign in for now")).to_be_visible()
    axe(page)
    # Locked: even the right password is refused until the wait is over.
    page.goto("/sign-in/")
    _password_step(page, "robin")
    expect(page.get_by_role("heading", name="You cannot sign in for now")).to_be_visible()


def test_public_notice_pages_are_accessible(browser_page: Page, browser_world, axe) -> None:
    page = browser_page
    code = browser_world.pack.code
    for url in ["/privacy/", f"/privacy/{code}/", f"/privacy/{code}/young-people/"]:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe(page)
    page.goto(f"/privacy/{code}/print/")
    axe(page)
