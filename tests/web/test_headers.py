"""Headers under production settings: a Content-Security-Policy whose nonce is the one on the
page's inline scripts, `Cache-Control: no-store` on everything that may hold personal data
(council laptops are shared), and the public notices and static files still cacheable."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.access.conftest import World
from tests.api.conftest import session_api, token_api
from tests.web.test_production_static import hashed_static  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    cache = response.get("Cache-Control", "")
    return "no-store" in cache and "public" not in cache


def nonce_of(response) -> str:
    policy = response["Content-Security-Policy"]
    match = re.search(r"script-src 'self' 'nonce-([^']+)'", policy)
    assert match is not None, policy
    return match[1]


def test_production_settings_carry_the_policy_and_no_store() -> None:
    assert not settings.DEBUG
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert "safehold.web.headers.NoStoreMiddleware" in settings.MIDDLEWARE


@pytest.mark.usefixtures("hashed_static")
def test_a_staff_page_is_no_store_and_its_inline_scripts_carry_the_policys_nonce(
    cambridgeshire: World,
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    client = session_api(officer).client
    for path in ("/", f"/people/{case.person_id}/", f"/cases/{case.pk}/contacts/new/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path
        policy = response["Content-Security-Policy"]
        for directive in (
            "default-src 'none'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ):
            assert directive in policy, (path, directive)
        scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
        assert len(scripts) == 2, scripts  # GOV.UK's js-enabled line and the module that inits
        assert all(f'nonce="{nonce_of(response)}"' in tag for tag in scripts), scripts
    # A nonce is never reused.
    assert nonce_of(client.get("/")) != nonce_of(client.get("/"))


def test_refusals_redirects_and_sign_in_are_no_store(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    other = cambridgeshire.case()
    anonymous = Client()
    for response in (
        anonymous.get("/"),  # to the sign-in page
        anonymous.get("/sign-in/"),
        session_api(officer).client.get(f"/people/{other.person_id}/"),  # refused
    ):
        assert response.status_code in {200, 302, 403, 404}
        assert no_store(response), response.get("Cache-Control")


def test_api_answers_are_no_store(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    api = token_api(officer)
    for response in (
        api.get("/cases"),
        api.get(f"/cases/{case.pk}"),
        api.get("/cases/999999999"),
        Client().get("/api/v1/cases"),  # no credentials
    ):
        assert no_store(response), response.status_code


@pytest.mark.usefixtures("hashed_static")
def test_the_public_notices_stay_cacheable_for_visitors_only(cambridgeshire: World) -> None:
    visitor = Client()
    for path in (
        "/privacy/",
        "/privacy/cambridgeshire-yos/",
        "/privacy/cambridgeshire-yos/print/",
        "/privacy/cambridgeshire-yos/young-people/",
    ):
        response = visitor.get(path)
        assert response.status_code == 200, path
        cache = response["Cache-Control"]
        assert "public" in cache and "max-age=300" in cache and "no-store" not in cache, path
        html = response.content.decode()
        assert f'nonce="{nonce_of(response)}"' in html, path
    # Signed in, the same page carries the staff navigation and break-glass banner: not kept.
    officer = cambridgeshire.staff("youth-justice-officer")
    response = session_api(officer).client.get("/privacy/")
    assert response["Cache-Control"] == "no-store"  # the view's `public` did not survive


@pytest.mark.usefixtures("hashed_static")
def test_static_assets_stay_cacheable(cambridgeshire: World) -> None:
    page = Client().get("/privacy/").content.decode()
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', page)
    assert stylesheet is not None
    response = Client().get(stylesheet[1])
    assert response.status_code == 200
    cache = response["Cache-Control"]
    assert "no-store" not in cache and "max-age=" in cache and "public" in cache, cache
