"""Two-factor for every member of staff: a session that has passed the password but not the
code reaches no staff page.

Runs after Django's LoginRequiredMiddleware, which has already sent anonymous visitors to the
sign-in page. Public pages (`login_not_required`) and the sign-in and two-factor pages
themselves (`two_factor_not_required`) are let through; so is the JSON API under /api/, which
authenticates every request itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from safehold import requestmemo

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
        return redirect_to_login(request.get_full_path(), reverse("web:two-factor"))


class RequestMemoMiddleware:
    """Values read once per request (safehold.requestmemo): the controller's pack version and
    the user's break-glass grants, asked for by the gate and the page's layout alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with requestmemo.scope():
            return self.get_response(request)
