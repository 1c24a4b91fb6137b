"""Statistics: the landing page of a statistics-only role, where aggregate figures about the
service will appear. Such a role reaches no person or case (the gate refuses every record to
it), so this is its home instead of a caseload; no statistics are published yet.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from safehold.access.models import User
from safehold.access.selectors import role_of


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware has sent visitors away
    role = role_of(user)
    return render(
        request,
        "web/statistics/index.html",
        {
            "nav_active": "statistics",
            "statistics_role": role.name if role is not None and role.statistics_only else None,
        },
    )
