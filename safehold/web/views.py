"""Public pages: the privacy notices and records of processing, printed from the packs.

None of these show personal data, so none needs a sign-in.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from safehold.policy import selectors
from safehold.policy.notice import Variant, render_html
from safehold.policy.ropa import ropa_csv, ropa_json
from safehold.policy.schema import Pack
from safehold.web.addresses import address


def _pack(code: str) -> Pack:
    pack = selectors.current_pack(code)
    if pack is None:
        raise Http404("There is no privacy notice with that name.")
    return pack


def _notice(request: HttpRequest, code: str, variant: Variant) -> HttpResponse:
    nonce = str(getattr(request, "csp_nonce", ""))  # django-csp's, for the inline scripts
    return HttpResponse(render_html(_pack(code), variant, csp_nonce=nonce))


# The notices are public and the same for everyone: browsers and proxies may keep them a while
# (safehold.web.headers makes every other answer no-store).
public = cache_control(public=True, max_age=300)


@login_not_required
@public
@require_GET
def privacy_index(request: HttpRequest) -> HttpResponse:
    notices = [
        {
            "code": code,
            "name": name,
            "full": address("web:privacy-notice", code),
            "young_person": address("web:privacy-notice-young-people", code),
            "print": address("web:privacy-notice-print", code),
        }
        for code, name in selectors.published_packs()
    ]
    return render(request, "web/privacy_index.html", {"notices": notices, "nav_active": "privacy"})


@login_not_required
@public
@require_GET
def privacy_notice(request: HttpRequest, code: str) -> HttpResponse:
    return _notice(request, code, "full")


@login_not_required
@public
@require_GET
def privacy_notice_print(request: HttpRequest, code: str) -> HttpResponse:
    return _notice(request, code, "print")


@login_not_required
@public
@require_GET
def privacy_notice_young_people(request: HttpRequest, code: str) -> HttpResponse:
    return _notice(request, code, "young-person")


@login_not_required
@public
@require_GET
def record_of_processing_csv(request: HttpRequest, code: str) -> HttpResponse:
    pack = _pack(code)
    response = HttpResponse(ropa_csv(pack), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{pack.code}-record-of-processing.csv"'
    return response


@login_not_required
@public
@require_GET
def record_of_processing_json(request: HttpRequest, code: str) -> JsonResponse:
    return JsonResponse(ropa_json(_pack(code)), json_dumps_params={"indent": 2})
