"""What a new user met first (issue 15, "Broken today"): template debris in every textarea under
DEBUG, success banners showing their own HTML, a contact of today refused before noon, and a
council service wearing the Crown. Each is checked as a person sees the page, in both modes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client, override_settings
from django.utils import timezone

from safehold.access.models import User
from safehold.records.models import Case, Contact, Offence
from tests.access.conftest import World


@contextmanager
def mode(debug: bool) -> Iterator[None]:
    """Settings as `make run` (DEBUG) or production has them. The template engines are built
    once, from DEBUG as it was then: re-setting TEMPLATES makes Django build them again."""
    with override_settings(DEBUG=debug, TEMPLATES=settings.TEMPLATES):
        yield


MODES = pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])


@pytest.fixture
def officer(cambridgeshire: World) -> User:
    return cambridgeshire.staff("youth-justice-officer", username="casey")


@pytest.fixture
def case(cambridgeshire: World, officer: User) -> Case:
    return cambridgeshire.case(allocated_to=officer)


# --- 1. no template debris, and nothing saved that nobody typed -----------------------------


@MODES
def test_a_missing_macro_parameter_renders_as_nothing(debug: bool) -> None:
    with mode(debug):
        html = (
            engines["jinja2"]
            .from_string(
                '{% from "govuk_frontend_jinja/components/textarea/macro.html" import '
                "govukTextarea %}{{ govukTextarea({'name': 'notes', 'label': {'text': 'Notes'}}) }}"
                "[{{ nothing }}][{{ nothing.at.all if nothing }}]"
            )
            .render({})
        )
    assert "></textarea>" in html
    assert "[][]" in html
    assert "no such element" not in html and "{{" not in html


@MODES
def test_an_empty_form_opens_empty_and_saves_nothing_typed(
    debug: bool, case: Case, officer: User, verified_client
) -> None:
    client = verified_client(officer)
    with mode(debug):
        html = client.get(f"/cases/{case.pk}/offences/new/").content.decode()
        assert "></textarea>" in html and "no such element" not in html
        # What the browser sends back from that form, untouched: the required field is empty.
        response = client.post(f"/cases/{case.pk}/offences/new/", {"description": ""})
    assert response.status_code == 400
    assert "Enter what happened" in response.content.decode()
    assert not Offence.objects.exists()


# --- 2. a success banner is a heading, not its own HTML --------------------------------------


@MODES
def test_a_success_banner_shows_its_words(
    debug: bool, case: Case, officer: User, verified_client
) -> None:
    client = verified_client(officer)
    yesterday = timezone.localdate() - timedelta(days=1)
    with mode(debug):
        response = client.post(
            f"/cases/{case.pk}/contacts/new/",
            {
                "kind": "phone",
                "occurred_on-day": str(yesterday.day),
                "occurred_on-month": str(yesterday.month),
                "occurred_on-year": str(yesterday.year),
                "notes": "Rang <Sam> & mum",
            },
            follow=True,
        )
    html = response.content.decode()
    assert re.search(
        r'<p class="govuk-notification-banner__heading">\s*Contact recorded\s*</p>', html
    )
    assert "&lt;p" not in html.replace("Rang &lt;Sam&gt;", "")
    assert "Rang &lt;Sam&gt; &amp; mum" in html  # what staff typed is still escaped


# --- 3. a contact of today with no time ------------------------------------------------------


def at_local(hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour, minute)))


@pytest.mark.parametrize("hour", [0, 9, 11])
def test_a_contact_today_with_no_time_is_accepted_before_noon(
    hour: int, case: Case, officer: User, verified_client
) -> None:
    now = at_local(hour, 5)
    today = timezone.localdate(now)
    with mock.patch("django.utils.timezone.now", return_value=now):
        response = verified_client(officer).post(
            f"/cases/{case.pk}/contacts/new/",
            {
                "kind": "phone",
                "occurred_on-day": str(today.day),
                "occurred_on-month": str(today.month),
                "occurred_on-year": str(today.year),
            },
        )
    assert response.status_code == 302, response.content.decode()
    contact = Contact.objects.get()
    assert timezone.localdate(contact.occurred_at) == today
    assert contact.occurred_at <= now  # never recorded as happening later than it was


def test_a_typed_time_later_today_is_still_refused(
    case: Case, officer: User, verified_client
) -> None:
    now = at_local(9)
    today = timezone.localdate(now)
    with mock.patch("django.utils.timezone.now", return_value=now):
        response = verified_client(officer).post(
            f"/cases/{case.pk}/contacts/new/",
            {
                "kind": "phone",
                "occurred_on-day": str(today.day),
                "occurred_on-month": str(today.month),
                "occurred_on-year": str(today.year),
                "occurred_time": "10:00",
            },
        )
    assert "Time of the contact must be in the past" in response.content.decode()
    assert not Contact.objects.exists()


# --- 4. a council's service does not wear the Crown ------------------------------------------


@MODES
@pytest.mark.parametrize("signed_in", [False, True], ids=["public", "staff"])
def test_no_crown_on_a_council_service(
    debug: bool, signed_in: bool, cambridgeshire: World, officer: User, verified_client
) -> None:
    client = verified_client(officer) if signed_in else Client()
    with mode(debug):
        html = client.get("/" if signed_in else "/privacy/").content.decode()
    assert "govuk-footer" in html  # a footer still, with the service's own links
    for crown in (
        "govuk-footer__crown",  # the crown above the footer
        "govuk-footer__copyright-logo",  # the royal coat of arms
        "Crown copyright",
        "crown-copyright",
        "Open Government Licence",
        "govuk-header__logotype",
        "govuk/assets/rebrand/images/favicon",  # GOV.UK's favicons are the crown
        "govuk/assets/images/favicon",
        "govuk-icon",
    ):
        assert crown not in html, crown
    assert "/images/favicon.svg" in html  # Safehold's own icon, from our origin
