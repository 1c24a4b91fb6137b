"""The data protection officer's home: what is waiting for them, counted, each with a link to
the page where it is done. Retention due and gaps, legal holds, break-glass uses to review,
and rights requests by deadline (overdue, due in the next 7 days, paused, extended) with the
soonest due.

Only counts, dates and record numbers: no names, so nothing here passes the gate. The pages
it links to decide and audit what they show. A handful of queries, whatever the numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safehold.access import selectors as access
from safehold.access.models import User
from safehold.policy import selectors as policy
from safehold.policy.conformance import conformance as conformance_report
from safehold.retention import selectors as retention
from safehold.retention import services as retention_services
from safehold.rights import selectors as rights
from safehold.web.staff import break_glass_review_url

RIGHTS_SHOWN = 10
NOT_ALLOWED = "web/dpo/not_allowed.html"
P = ParamSpec("P")


def dpo_only(
    not_allowed: str,
) -> Callable[
    [Callable[Concatenate[HttpRequest, User, int, P], HttpResponse]],
    Callable[Concatenate[HttpRequest, P], HttpResponse],
]:
    """A page only the data protection officer uses (rights requests, retention, this home):
    the view is given the signed-in member of staff and their controller when their role
    manages that controller's policy, and is not run for anyone else, who is shown
    `not_allowed` (403). The view still asks the gate for what it shows of people."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, User, int, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            user = request.user
            assert isinstance(user, User)  # login is required for every staff page
            if not retention_services.manages_policy(user) or user.controller_id is None:
                return render(request, not_allowed, status=403)
            return view(request, user, user.controller_id, *args, **kwargs)

        return wrapper

    return decorate


@require_GET
@dpo_only(NOT_ALLOWED)
def home(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    today = timezone.localdate()
    soonest = list(rights.by_due_date(controller_id, rights.Show.ALL, today)[:RIGHTS_SHOWN])
    pack = policy.pack_of(policy.controller_version(controller_id))
    return render(
        request,
        "web/dpo/home.html",
        {
            "nav_active": "dpo-home",
            "conformance": conformance_report(pack),
            "work": retention.workload(controller_id, today=today),
            "break_glass": access.break_glass_to_review(controller_id),
            "break_glass_url": break_glass_review_url(),
            "rights_counts": rights.counts(controller_id, today),
            "views": list(rights.Show),
            "requests": [
                {
                    "request": request_,
                    "right": request_.get_kind_display(),
                    "days": (request_.due_on - today).days if request_.due_on else None,
                }
                for request_ in soonest
            ],
        },
    )


@require_GET
@dpo_only(NOT_ALLOWED)
def conformance(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    """Every statement of the DPO's pack and what enforces it, with the tests that prove it, or
    "stated only" with the DPO's reason; assumed statements are marked. The pack's words only:
    no personal data."""
    version = policy.controller_version(controller_id)
    report = conformance_report(policy.pack_of(version))
    return render(
        request,
        "web/dpo/conformance.html",
        {"nav_active": "dpo-home", "report": report, "version": version},
    )
