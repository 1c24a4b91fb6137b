"""Response headers for shared council laptops and for the Content Security Policy.

- `NoStoreMiddleware`: every answer is `Cache-Control: no-store` (pages and API answers hold
  personal data, and the browser's cache outlives the session on a shared laptop), except a
  view that declared itself public with Django's `cache_control(public=True, ...)`, and only
  while nobody is signed in (a signed-in member of staff sees their navigation and break-glass
  banner even on a public page). Static files never get here: WhiteNoise answers them first,
  with its own long-lived caching.
- `csp_nonce`: the Jinja2 context processor that hands django-csp's per-response nonce to the
  GOV.UK template, which already writes `nonce="{{ cspNonce }}"` on its inline scripts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def csp_nonce(request: HttpRequest) -> dict[str, str]:
    # django-csp's lazy nonce is falsy until read; the templates test `{% if cspNonce %}`.
    nonce = getattr(request, "csp_nonce", None)
    return {"cspNonce": str(nonce)} if nonce is not None else {}


def public_cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    if "public" not in response.get("Cache-Control", ""):
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        cache = response.get("Cache-Control", "")
        if "no-store" in cache or public_cacheable(request, response):
            return response  # already kept from every cache (never_cache), or public
        # Replaced, not added to: a `public` or `max-age` must not survive next to it.
        del response["Cache-Control"]
        patch_cache_control(response, no_store=True)
        return response
