"""Signing in and out: a password (Argon2, with django-axes locking a username after repeated
failures), then a code from an authenticator app (django-otp TOTP) for every member of staff.

The first sign-in enrols the app: a QR code and the secret to type in, confirmed by a code.
Until a session has passed the code, `TwoFactorRequiredMiddleware` lets it reach only these
pages. Sessions end after `SESSION_COOKIE_AGE` seconds without a request. See
docs/adr/0004-staff-sign-in.md.
"""

from __future__ import annotations

import re
from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from markupsafe import Markup

from safehold.access.models import User
from safehold.web.addresses import address
from safehold.web.middleware import is_verified, two_factor_not_required
from safehold.web.staff import home_url

DEVICE_NAME = "Authenticator app"


# --- forms ----------------------------------------------------------------------------------


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password",
        "inactive": "Enter a correct username and password",
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError as error:
            # Shown on the username, so the summary links to a field, as GOV.UK asks.
            self.add_error("username", error)
            return self.cleaned_data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError("Enter the code as 6 digits, like 123456")
        return code


# --- helpers --------------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    """The page asked for before signing in, if it is one of ours."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _check_code(form: CodeForm, device: TOTPDevice) -> TOTPDevice | None:
    """The device, if the code is right; otherwise an error on the form. The row is locked so
    two requests cannot both spend one code, and django-otp's throttle doubles the wait after
    each wrong code."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, info = locked.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until")
            seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 60
            form.add_error(
                "code",
                f"You have entered too many wrong codes. Wait {seconds} seconds, "
                "then enter the code your app shows",
            )
            return None
        if locked.verify_token(form.cleaned_data["code"]):
            return locked
    form.add_error("code", "The code is not right. Enter the code your app shows now")
    return None


def _signed_in(request: HttpRequest, device: TOTPDevice, next_url: str) -> HttpResponseRedirect:
    otp_login(request, device)
    # A new session key once fully signed in, as Django does at the password step.
    request.session.cycle_key()
    return redirect(next_url or home_url())


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login is required for every view that calls this
    return user


# --- views ----------------------------------------------------------------------------------


@login_not_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.user.is_authenticated and is_verified(request.user):
        return redirect(next_url or home_url())
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        login(request, form.get_user())
        return redirect(_with_next(address("web:two-factor"), next_url))
    return render(request, "web/account/sign_in.html", {"form": form, "next": next_url})


@two_factor_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Later sign-ins: the code from the app enrolled the first time."""
    user = _user(request)
    next_url = _next_url(request)
    if is_verified(user):
        return redirect(next_url or home_url())
    device = _confirmed_device(user)
    if device is None:
        return redirect(_with_next(address("web:two-factor-set-up"), next_url))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid() and (verified := _check_code(form, device)) is not None:
        return _signed_in(request, verified, next_url)
    return render(request, "web/account/two_factor.html", {"form": form, "next": next_url})


@two_factor_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    """The first sign-in: enrol an authenticator app. Never replaces an enrolled one."""
    user = _user(request)
    next_url = _next_url(request)
    if is_verified(user):
        return redirect(next_url or home_url())
    if _confirmed_device(user) is not None:
        return redirect(_with_next(address("web:two-factor"), next_url))
    # The same secret until it is confirmed, so reloading the page does not change it.
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by(
        "pk"
    ).first() or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid() and (verified := _check_code(form, device)) is not None:
        verified.confirmed = True
        verified.save(update_fields=["confirmed"])
        return _signed_in(request, verified, next_url)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": Markup(  # noqa: S704 - segno's own SVG of our own otpauth URI
            segno.make(device.config_url, error="m").svg_inline(
                scale=5, title="QR code to add Safehold to your authenticator app"
            )
        ),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "web/account/two_factor_set_up.html", context)


@two_factor_not_required
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """GET asks; POST (with the CSRF token) signs out."""
    if request.method == "POST":
        logout(request)
        return redirect("web:signed-out")
    return render(request, "web/account/sign_out.html")


@login_not_required
@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "web/account/signed_out.html")


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the username is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "web/account/locked_out.html", {"minutes": minutes}, status=429)
