"""Every answer under /api/ that is an error is a problem document, and every refusal is logged.

Most errors are raised inside an operation and become problem documents there (`problems`).
The rest never reach one: a path or method that does not exist, a body too large to read, an
error no one foresaw, a CSRF failure. This middleware turns those into problem documents too,
and writes to the audit log every refusal the gate has not already written (the gate logs its
own, with the pack rule), naming the caller where they can be known.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from safehold.api import problems
from safehold.api.auth import caller
from safehold.audit.models import Action, Decision
from safehold.audit.services import AuditEntry, append
from safehold.records.validation import UNSTORABLE

PREFIX = "/api/"
DETAILS = {
    400: ("bad-request", "The request could not be read."),
    403: ("forbidden", "The request was refused."),
    404: ("not-found", "There is nothing here."),
    405: ("method-not-allowed", "This method is not allowed here."),
    413: ("too-large", "The request body is larger than this service accepts."),
    500: ("server-error", "Something went wrong on our side. It has been logged."),
}
# Headers of the answer being replaced that a client still needs.
KEEP = ("Allow", "WWW-Authenticate", "Retry-After")


class ProblemMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        response = too_large(request) or self.get_response(request)
        if response.status_code < 400:
            return response
        if response.get("Content-Type") != problems.CONTENT_TYPE:
            response = as_problem(request, response)
        if not getattr(response, "audited", False) and response.status_code != 401:
            audit_refusal(request, response)
        return response


def too_large(request: HttpRequest) -> HttpResponse | None:
    """413 before anything reads the body (Django would raise, and answer 400)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if limit is None or length <= limit:
        return None
    return problems.problem(
        request,
        413,
        HTTPStatus(413).phrase,
        f"The request body is {length:,} bytes; this service accepts at most {limit:,}.",
        kind="too-large",
    )


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def as_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    status = response.status_code
    kind, detail = DETAILS.get(status, ("server-error" if status >= 500 else "error", ""))
    if status == 405 and response.get("Allow"):
        detail = f"{request.method} is not allowed here; use {response['Allow']}."
    title = phrase(status)
    return problems.problem(
        request,
        status,
        title,
        detail or title,
        kind=kind,
        headers={name: response[name] for name in KEEP if response.has_header(name)},
    )


def audit_refusal(request: HttpRequest, response: HttpResponse) -> None:
    user = caller(request)
    if user is None:
        return  # nobody to name: an unauthenticated request is refused before anything else
    # The path only (ids, not a query's search words), cleaned of what the log cannot hold.
    where = UNSTORABLE.sub("\ufffd", f"{request.method} {request.path}")[:500]
    status = response.status_code
    append(
        [
            AuditEntry(
                actor_label=user.get_username(),
                actor_id=user.pk,
                action=Action.REFUSE,
                decision=Decision.REFUSED,
                rule=f"api: {status} {phrase(status)}",
                reason=f"refused before reaching any record: {where}",
            )
        ]
    )
