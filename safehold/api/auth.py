"""Who is calling: a bearer token for integrations, or the browser's signed-in session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from safehold.access.models import User
from safehold.access.services import user_for_token


def _staff(user: Any) -> User | None:
    if isinstance(user, User) and user.is_active and user.controller_id is not None:
        return user
    return None


# Set on a request authenticated by a token rather than by the browser's session.
_VIA_TOKEN = "safehold_via_token"  # noqa: S105 (an attribute name, not a secret)


def via_token(request: HttpRequest) -> bool:
    """Whether the caller is an integration holding a token, not the person at a browser: a
    token never inherits its member of staff's break-glass access."""
    return bool(getattr(request, _VIA_TOKEN, False))


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sht_...`, a token issued with `safehold token create`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = _staff(user_for_token(token))
        if user is not None:
            request.user = user
            setattr(request, _VIA_TOKEN, True)
        return user


class StaffSession(SessionAuth):
    """The browser's session, but only once it has passed two-factor sign-in (CSRF checked)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = _staff(request.user)
        if user is None:
            return None
        # django-otp marks a session verified after the second factor; without its middleware
        # installed nothing can be verified, so nothing passes.
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or not is_verified():
            return None
        return user


def caller(request: HttpRequest) -> User | None:
    """Who sent a request under /api/, whether or not an operation authenticated it (an
    unknown path, a wrong method, a body too large): for the audit log of a refusal."""
    user = getattr(request, "auth", None)
    if isinstance(user, User):
        return user
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return _staff(user_for_token(token.strip()))
    return StaffSession().authenticate(request, None)
