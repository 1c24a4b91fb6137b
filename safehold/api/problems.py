"""Errors as problem details (RFC 9457): what went wrong, and where, in a form a client can use."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from safehold.access.gate import Refused, Stale

CONTENT_TYPE = "application/problem+json"
# Problem types are names, not pages: RFC 9457 allows a URN, and a client matches on it.
TYPES = "urn:safehold:problem:"


def problem(
    request: HttpRequest,
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    audited: bool = False,
) -> HttpResponse:
    """A problem document. `audited`: the refusal is already in the audit log (the gate wrote
    it), so `ProblemMiddleware` does not log it again."""
    body: dict[str, Any] = {
        "type": TYPES + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.get_full_path(),
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    response.audited = audited  # type: ignore[attr-defined]
    return response


def pointer(loc: list[Any] | tuple[Any, ...]) -> str:
    """A JSON Pointer (RFC 6901) to the field, from pydantic's location."""
    parts = list(loc)
    # Ninja prefixes the source ("body", "query", "path") and, for a body, the parameter name.
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts and parts[0] in {"query", "path"}:
        parts = parts[1:]
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class ProblemOut(Schema):
    """A problem document (RFC 9457), as the OpenAPI schema describes the error responses."""

    type: str = Field(description="urn:safehold:problem:<kind>")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="What went wrong; for a refusal, the pack rule.")
    instance: str = Field(description="The request's path and query.")
    errors: list[dict[str, str]] | None = Field(
        None,
        description="For 422: each field that is not valid, as `pointer` (a JSON Pointer), "
        "`source` (body, query or path) and `detail`.",
    )


class PreconditionFailed(Exception):
    """If-Match names a version of the record that is not the current one (RFC 9110 13.1.1).
    `etag` is the current one, None where the record is gone."""

    def __init__(self, detail: str, etag: str | None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.etag = etag


class PreconditionRequired(Exception):
    """A change sent without If-Match, where one is required (RFC 6585 3)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class FieldErrors(Exception):
    """Input that parsed but is not valid for the record (a choice, a length, a date order)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def install(api: NinjaAPI) -> None:
    def invalid_fields(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
        fields = ", ".join(sorted({e["pointer"] for e in errors}))
        return problem(
            request,
            422,
            "Your request is not valid",
            f"Check {fields}.",
            kind="validation",
            errors=errors,
        )

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return invalid_fields(
            request,
            [
                {
                    "pointer": pointer(e.get("loc", ())),
                    "source": (e.get("loc") or ["body"])[0],
                    "detail": e.get("msg", "is not valid"),
                }
                for e in exc.errors
            ],
        )

    @api.exception_handler(FieldErrors)
    def field_errors(request: HttpRequest, exc: FieldErrors) -> HttpResponse:
        return invalid_fields(
            request,
            [
                {"pointer": f"/{name}", "source": "body", "detail": message}
                for name, messages in exc.errors.items()
                for message in messages
            ],
        )

    @api.exception_handler(DjangoValidationError)
    def record_rules(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # A record's own rules (records.validation), as Gate.write found them.
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return field_errors(request, FieldErrors(errors))

    @api.exception_handler(Refused)
    def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
        # The gate has already written the refusal to the audit log.
        return problem(
            request,
            403,
            "The policy pack does not allow this",
            exc.decision.rule,
            kind="refused",
            audited=True,
        )

    @api.exception_handler(PreconditionFailed)
    def precondition_failed(request: HttpRequest, exc: PreconditionFailed) -> HttpResponse:
        return problem(
            request,
            412,
            "The record has changed since you read it",
            exc.detail,
            kind="stale",
            headers={"ETag": exc.etag} if exc.etag else None,
        )

    @api.exception_handler(PreconditionRequired)
    def precondition_required(request: HttpRequest, exc: PreconditionRequired) -> HttpResponse:
        return problem(
            request,
            428,
            "Say which version of the record you are changing",
            exc.detail,
            kind="precondition-required",
        )

    @api.exception_handler(Stale)
    def stale(request: HttpRequest, exc: Stale) -> HttpResponse:
        # Saved by someone else between this request's check and its write: nothing written.
        return precondition_failed(
            request,
            PreconditionFailed(
                f"Someone changed {exc.record} {exc.pk} while this change was being made; "
                "nothing was written. GET it again, check, and send If-Match with its ETag.",
                None,
            ),
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            request,
            401,
            "Sign in first",
            "Send a bearer token (Authorization: Bearer sht_...) or use a signed-in, "
            "two-factor verified browser session.",
            kind="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="safehold"'},
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        titles = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Not allowed"}
        return problem(
            request,
            exc.status_code,
            titles.get(exc.status_code, "Request failed"),
            str(exc),
            kind={400: "bad-request", 404: "not-found"}.get(exc.status_code, "error"),
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(
            request, 404, "Not found", str(exc) or "There is nothing here.", kind="not-found"
        )


# --- in the OpenAPI schema -----------------------------------------------------------------------

WHY = {
    400: "The body is not JSON.",
    401: "No valid bearer token or two-factor verified session.",
    403: "The policy pack refuses it (the rule is the detail), or a session write lacks CSRF.",
    404: "No such record.",
    412: "If-Match names a version of the record that is no longer the current one.",
    413: "The body is larger than this service accepts.",
    428: 'No If-Match: a change must name the version it was made from (or "*").',
    422: "A parameter or field is not valid; `errors` names each.",
}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation's 4xx answers, as problem documents: which ones depends on what the
    operation takes (a body can be malformed or too large; a path names a record; If-Match
    can be stale, or, where a change requires it, missing)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "ProblemOut", ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    content = {CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            params = operation.get("parameters", [])
            responses = operation["responses"]
            # Ninja keys responses by int until rendered; an error it documents is replaced.
            statuses = {int(code) for code in responses if int(code) >= 400}
            for code in [c for c in responses if int(c) >= 400]:
                del responses[code]
            statuses |= {401, 403}
            if params or "requestBody" in operation:
                statuses.add(422)
            if any(p.get("in") == "path" for p in params):
                statuses.add(404)
            if "requestBody" in operation:
                statuses |= {400, 413}
            for status in sorted(statuses):
                responses[str(status)] = {"description": WHY[status], "content": content}
    return schema
