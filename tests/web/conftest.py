"""Fixtures for the web pages' tests.

- `verified_client(user)`: a Django test client signed in as `user` with the second factor
  passed (a confirmed TOTP device in the session), as after a full sign-in. Every staff page
  refuses a session without it.
- `unverified_client(user)`: signed in with the password only.

`Client.login()` does not work with django-axes (it authenticates without a request): use
these, or sign in through the sign-in page with `client.post("/sign-in/", ...)`.
The gate's worlds (`cambridgeshire`, `world`) come from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from safehold.access.models import User


def make_verified_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # what django_otp.login() stores
    session.save()
    return client


def make_unverified_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def verified_client(db: None) -> Callable[[User], Client]:
    return make_verified_client


@pytest.fixture
def unverified_client(db: None) -> Callable[[User], Client]:
    return make_unverified_client
