"""Signing in and out: password, lockout, two-factor for every account, session expiry."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from safehold import settings as production_settings
from safehold.access.models import User
from safehold.web.middleware import TwoFactorRequiredMiddleware, two_factor_not_required
from tests.access.conftest import World
from tests.browser.support import PASSWORD, code_for_key, make_staff, totp_code

# Pages that need a fully signed-in member of staff, with a sample address each.
STAFF_PAGES = [
    "/cases/{case}/break-glass/",
    "/people/{person}/audit/",
]
# Pages reachable after the password but before the code: they are how the code is given.
HALF_SIGNED_IN_PAGES = ["/sign-in/two-factor/", "/sign-in/two-factor/set-up/", "/sign-out/"]


@pytest.fixture
def officer(cambridgeshire: World) -> User:
    return make_staff(cambridgeshire, "youth-justice-officer", username="casey")


def _sign_in(client: Client, username: str = "casey", password: str = PASSWORD, **extra: str):
    return client.post("/sign-in/", {"username": username, "password": password, **extra})


def _paths(world: World) -> list[str]:
    case = world.case()
    return [p.format(case=case.pk, person=case.person_id) for p in STAFF_PAGES]


# --- the defaults ---------------------------------------------------------------------------


def test_production_hashes_passwords_with_argon2() -> None:
    # The suite hashes with MD5 for speed; the service itself must use Argon2.
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_axes_checks_lockout_before_any_password() -> None:
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


# --- every staff page needs the password and the code ---------------------------------------


def test_every_staff_page_sends_visitors_to_sign_in(cambridgeshire: World, client: Client) -> None:
    for path in _paths(cambridgeshire) + HALF_SIGNED_IN_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/sign-in/?next={quote(path)}", path


def test_every_staff_page_needs_the_second_factor(
    cambridgeshire: World, officer: User, unverified_client
) -> None:
    client = unverified_client(officer)
    for path in _paths(cambridgeshire):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/sign-in/two-factor/?next={quote(path)}", path
    for path in HALF_SIGNED_IN_PAGES:
        assert client.get(path).status_code in {200, 302}, path


def test_verified_staff_reach_staff_pages(
    cambridgeshire: World, officer: User, verified_client
) -> None:
    client = verified_client(officer)
    for path in _paths(cambridgeshire):
        assert client.get(path).status_code in {200, 403}, path  # the page's own decision


def test_middleware_lets_public_pages_and_the_api_through() -> None:
    middleware = TwoFactorRequiredMiddleware(lambda request: HttpResponse())
    factory = RequestFactory()
    user = User(username="half")  # authenticated, not verified
    user.is_verified = lambda: False  # type: ignore[attr-defined]

    def view(request):
        return HttpResponse()

    def call(path: str, func) -> HttpResponse | None:
        request = factory.get(path)
        request.user = user
        return middleware.process_view(request, func, (), {})

    assert call("/cases/1/break-glass/", view) is not None
    assert call("/api/v1/cases", view) is None  # the API authenticates for itself
    assert call("/privacy/", login_not_required(view)) is None
    assert call("/sign-in/two-factor/", two_factor_not_required(view)) is None


# --- sign in: the password ------------------------------------------------------------------


def test_sign_in_page(db: None, client: Client) -> None:
    response = client.get("/sign-in/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert "govuk-error-summary" not in html


def test_wrong_password_keeps_the_username_not_the_password(officer: User, client: Client) -> None:
    response = _sign_in(client, password="not it")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Sign in" in html
    assert "govuk-error-summary" in html
    assert 'href="#id_username">Enter a correct username and password' in html
    assert 'value="casey"' in html
    assert "not it" not in html
    assert "_auth_user_id" not in client.session


def test_empty_form_says_what_is_missing(db: None, client: Client) -> None:
    html = client.post("/sign-in/", {}).content.decode()
    assert 'href="#id_username">Enter your username' in html
    assert 'href="#id_password">Enter your password' in html


def test_right_password_goes_on_to_the_code(officer: User, client: Client) -> None:
    response = _sign_in(client, next="/people/1/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/two-factor/?next=%2Fpeople%2F1%2Faudit%2F"
    assert int(client.session["_auth_user_id"]) == officer.pk
    assert "otp_device_id" not in client.session


def test_next_may_not_leave_the_site(officer: User, client: Client) -> None:
    response = _sign_in(client, next="https://evil.example/")
    assert response["Location"] == "/sign-in/two-factor/"


# --- lockout --------------------------------------------------------------------------------


def test_repeated_wrong_passwords_lock_the_username(officer: User, client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, password="guess").status_code == 200
    response = _sign_in(client, password="guess")
    assert response.status_code == 429
    assert "You cannot sign in for now" in response.content.decode()
    # Locked: the right password is refused too, from any browser.
    response = _sign_in(Client())
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_ends_after_the_cool_off(officer: User, client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, password="guess")
    assert _sign_in(client).status_code == 429
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert _sign_in(client).status_code == 302


def test_a_right_password_clears_the_count(officer: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(Client(), password="guess")
    assert _sign_in(Client()).status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(Client(), password="guess").status_code == 200


def test_lockout_is_per_username(cambridgeshire: World, officer: User) -> None:
    make_staff(cambridgeshire, "team-manager", username="morgan")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(Client(), password="guess")
    assert _sign_in(Client(), username="morgan").status_code == 302


# --- two-factor: first sign-in enrols an app ------------------------------------------------


@pytest.fixture
def new_starter(cambridgeshire: World) -> User:
    return make_staff(cambridgeshire, "youth-justice-officer", username="casey", enrolled=False)


def _secret(html: str) -> str:
    found = re.search(r'id="totp-secret">(.*?)</p>', html, re.S)
    assert found, "no secret on the page"
    return re.sub(r"<[^>]+>|\s", "", found.group(1))


def test_first_sign_in_enrols_an_app(new_starter: User, client: Client) -> None:
    _sign_in(client, next="/sign-out/")
    response = client.get("/sign-in/two-factor/?next=/sign-out/")
    assert response["Location"] == "/sign-in/two-factor/set-up/?next=%2Fsign-out%2F"
    response = client.get(response["Location"])
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "QR code to add Safehold" in html
    device = TOTPDevice.objects.get(user=new_starter)
    assert not device.confirmed
    assert _secret(html) == base64.b32encode(device.bin_key).decode()
    assert "max-age=0" in response["Cache-Control"]  # the secret is never cached
    # Reloading shows the same secret: the app may already hold it.
    assert _secret(client.get("/sign-in/two-factor/set-up/").content.decode()) == _secret(html)

    response = client.post(
        "/sign-in/two-factor/set-up/", {"code": totp_code(new_starter), "next": "/sign-out/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/sign-out/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get("/people/1/audit/").status_code == 403  # through, to the page's decision


def test_wrong_code_at_set_up(new_starter: User, client: Client) -> None:
    _sign_in(client)
    client.get("/sign-in/two-factor/set-up/")
    device = TOTPDevice.objects.get(user=new_starter)
    wrong = "000000" if code_for_key(device.bin_key) != "000000" else "111111"
    response = client.post("/sign-in/two-factor/set-up/", {"code": wrong})
    assert response.status_code == 200
    assert "The code is not right" in response.content.decode()
    assert f'value="{wrong}"' in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    # Straight away, even the right code waits out the throttle.
    response = client.post("/sign-in/two-factor/set-up/", {"code": totp_code(new_starter)})
    assert "too many wrong codes" in response.content.decode()
    assert "otp_device_id" not in client.session


def test_code_must_be_six_digits(new_starter: User, client: Client) -> None:
    _sign_in(client)
    html = client.post("/sign-in/two-factor/set-up/", {"code": "12ab"}).content.decode()
    assert "Enter the code as 6 digits" in html
    html = client.post("/sign-in/two-factor/set-up/", {"code": ""}).content.decode()
    assert "Enter the 6-digit code from your authenticator app" in html


# --- two-factor: later sign-ins ask for the code --------------------------------------------


def test_later_sign_in_asks_for_the_code(officer: User, client: Client) -> None:
    _sign_in(client)
    response = client.get("/sign-in/two-factor/")
    assert response.status_code == 200
    assert "Enter the code from your authenticator app" in response.content.decode()
    # An enrolled app is never replaced by signing in again.
    assert client.get("/sign-in/two-factor/set-up/")["Location"] == "/sign-in/two-factor/"
    assert TOTPDevice.objects.filter(user=officer).count() == 1

    old_key = client.session.session_key
    code = totp_code(officer)
    response = client.post("/sign-in/two-factor/", {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    assert response["Location"] == "/"  # the caseload, once routed
    assert client.session.session_key != old_key  # a new key once fully signed in


def test_a_code_is_good_once(officer: User) -> None:
    code = totp_code(officer)
    first, second = Client(), Client()
    _sign_in(first)
    _sign_in(second)
    assert first.post("/sign-in/two-factor/", {"code": code}).status_code == 302
    response = second.post("/sign-in/two-factor/", {"code": code})
    assert response.status_code == 200
    assert "The code is not right" in response.content.decode()


def test_signed_in_staff_skip_the_sign_in_page(officer: User, verified_client) -> None:
    client = verified_client(officer)
    assert client.get("/sign-in/?next=/sign-out/")["Location"] == "/sign-out/"
    assert client.get("/sign-in/two-factor/")["Location"] == "/"


# --- sessions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "device_in_session",
    [
        lambda own, other: other.persistent_id,  # another member of staff's device
        lambda own, other: (own.delete(), own.persistent_id)[1],  # removed since sign-in
        lambda own, other: (
            TOTPDevice.objects.filter(pk=own.pk).update(confirmed=False),
            own.persistent_id,
        )[1],
        lambda own, other: "otp_totp.totpdevice/not-a-number",
        lambda own, other: "otp_static.staticdevice/1",  # a kind staff do not have
    ],
)
def test_only_the_members_own_confirmed_device_verifies_them(
    cambridgeshire: World, officer: User, verified_client, device_in_session
) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY

    client = verified_client(officer)
    path = _paths(cambridgeshire)[0]
    assert client.get(path).status_code == 200
    own = TOTPDevice.objects.get(user=officer)
    colleague = make_staff(cambridgeshire, "youth-justice-officer", username="colleague")
    other = TOTPDevice.objects.create(user=colleague, name="Theirs", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_in_session(own, other)
    session.save()
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/two-factor/")


def test_session_expires_after_inactivity(
    cambridgeshire: World, officer: User, verified_client
) -> None:
    client = verified_client(officer)
    path = _paths(cambridgeshire)[0]
    assert client.get(path).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_each_request_restarts_the_inactivity_clock(
    cambridgeshire: World, officer: User, verified_client
) -> None:
    client = verified_client(officer)
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=60))
    response = client.get(_paths(cambridgeshire)[0])
    assert response.status_code == 200
    expires = Session.objects.get().expire_date
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert timezone.now() + age - timedelta(seconds=30) < expires <= timezone.now() + age
    # The cookie itself lasts only while the browser is open.
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]
    assert cookie["secure"] and cookie["httponly"]


# --- sign out -------------------------------------------------------------------------------


def test_sign_out_is_a_post_with_csrf(officer: User, verified_client) -> None:
    client = verified_client(officer)
    page = client.get("/sign-out/")
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post("/sign-out/").status_code == 403
    assert "_auth_user_id" in client.session

    response = client.post("/sign-out/")
    assert response["Location"] == "/signed-out/"
    assert "_auth_user_id" not in client.session
    assert client.get("/signed-out/").status_code == 200
    assert client.get("/people/1/audit/")["Location"].startswith("/sign-in/")
