"""Two-factor for every member of staff: a session that has passed the password but not the
code reaches no staff page.

Runs after Django's LoginRequiredMiddleware, which has already sent anonymous visitors to the
sign-in page. Public pages (`login_not_required`) and the sign-in and two-factor pages
themselves (`two_factor_not_required`) are let through; so is the JSON API under /api/, which
authenticates every request itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.db import connections, router
from django.http import HttpRequest, HttpResponse
from django_otp import middleware as otp_middleware
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from safehold import requestmemo
from safehold.web.addresses import address

View = TypeVar("View", bound=Callable[..., HttpResponse])

# The API authenticates each request itself (bearer tokens), never with a half-signed-in session.
EXEMPT_PREFIXES = ("/api/",)


def is_verified(user: object) -> bool:
    """Has this signed-in session passed the second factor? (django-otp's OTPMiddleware puts
    `is_verified` on every request's user.)"""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def two_factor_not_required(view: View) -> View:
    """Mark a view a signed-in member of staff may reach before entering a code."""
    view.two_factor_required = False  # type: ignore[attr-defined]
    return view


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None
        if not getattr(view_func, "two_factor_required", True):
            return None
        if request.path_info.startswith(EXEMPT_PREFIXES):
            return None
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        return redirect_to_login(request.get_full_path(), address("web:two-factor"))


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware, reading the session's authenticator device (a TOTP device, the
    only kind staff have) by one plain statement on its primary key instead of building and
    compiling `Device.from_persistent_id`'s query on every signed-in request (docs/adr/0041).
    Another kind of device, or an id that is not one, goes the library's way."""

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        label, _, pk = self._normalize_persistent_id(persistent_id).rpartition("/")
        # A device's id is a bigint: anything else, the library's way (which finds nothing).
        if (
            label != TOTPDevice._meta.label_lower
            or not (pk.isascii() and pk.isdigit())
            or len(pk) > 18
        ):
            return super()._device_from_persistent_id(persistent_id)
        alias = router.db_for_read(TOTPDevice)
        return next(
            iter(TOTPDevice.objects.db_manager(alias).raw(_device_sql(alias), [int(pk)])), None
        )


@functools.cache
def _device_sql(alias: str) -> str:
    q = connections[alias].ops.quote_name
    # The columns by name, not `*`: a statement prepared on the server (docs/adr/0042) must
    # not change its result's shape when a migration adds a column.
    columns = ", ".join(q(f.column) for f in TOTPDevice._meta.concrete_fields)
    return f"SELECT {columns} FROM {q(TOTPDevice._meta.db_table)} WHERE {q('id')} = %s"  # noqa: S608


class RequestMemoMiddleware:
    """Values read once per request (safehold.requestmemo): the controller's pack version and
    the user's break-glass grants, asked for by the gate and the page's layout alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with requestmemo.scope():
            return self.get_response(request)
