"""Caseloads and the records of a case: my caseload, my teams' caseload and its allocation,
and the forms that record a contact, an assessment, a plan, an offence or an outcome.

Every read and write goes through the gate, which redacts, decides and audits. A refusal is a
403 page saying which rule refused, offering break-glass where the role could use it. The
lists are filtered, sorted and paged in SQL (`web.selectors.case_page`, over the gate); a page
costs the same number of queries whatever the length of the list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from safehold.access.gate import (
    DUE_PARTS,
    Due,
    Gate,
    Refused,
    RefusedCase,
    ShownCase,
    batching,
)
from safehold.access.models import User
from safehold.access.policy import Decision
from safehold.access.selectors import role_of
from safehold.audit.models import Action
from safehold.policy.selectors import controller_pack
from safehold.records.models import (
    Assessment,
    CaseRecord,
    Contact,
    Offence,
    Outcome,
    Plan,
    PlanAction,
    Report,
)
from safehold.records.search import case_reference
from safehold.records.validation import as_id
from safehold.web import selectors
from safehold.web.addresses import address
from safehold.web.display import Display, explain, label_of
from safehold.web.forms import (
    AllocateForm,
    AssessmentForm,
    CaseFilterForm,
    ContactForm,
    GovukForm,
    OffenceForm,
    OutcomeForm,
    PlanActionFormSet,
    PlanForm,
    ReportForm,
)
from safehold.web.govuk import day
from safehold.web.selectors import CASE_SORTS, CasePage, CaseQuery
from safehold.web.staff import landing_url

P = ParamSpec("P")
PER_PAGE = 25
SORT_LABELS = {
    "name": "Name",
    "date_of_birth": "Date of birth",
    "service": "Service",
    "opened": "Opened",
    "due": "Due",
}


# --- the gate, and its refusals -------------------------------------------------------------


def refused_page(
    request: HttpRequest,
    rule: str,
    *,
    heading: str = "You cannot see this record",
    case_id: int | None = None,
    break_glass: bool = False,
) -> HttpResponse:
    """403: which rule refused (in words, and as the gate wrote it) and, where breaking glass
    would open the case, the way to it."""
    user = request.user
    pack = (
        controller_pack(user.controller_id)
        if isinstance(user, User) and user.controller_id is not None
        else None
    )
    return render(
        request,
        "web/cases/refused.html",
        {
            "heading": heading,
            "rule": rule,
            "because": explain(rule, pack) if pack is not None else "",
            "break_glass_url": (
                address("web:break-glass", case_id) if break_glass and case_id is not None else None
            ),
        },
        status=403,
    )


def with_gate(
    view: Callable[Concatenate[HttpRequest, Gate, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Give the view the signed-in member of staff's gate, and turn the gate's refusals into
    the 403 page. The view still checks, explicitly, what it is about to do."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = request.user
        assert isinstance(user, User)  # LoginRequiredMiddleware has sent visitors away
        try:
            return view(request, Gate(user), *args, **kwargs)
        except RefusedCase as refused:
            return refused_page(
                request,
                refused.decision.rule,
                case_id=refused.case_id,
                break_glass=refused.break_glass,
            )
        except Refused as refused:
            return refused_page(request, refused.decision.rule)

    return wrapper


def reads_audited_together(
    view: Callable[Concatenate[HttpRequest, Gate, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, Gate, P], HttpResponse]:
    """For a page that only reads: every read's audit entries appended in one go before the
    page is returned (`gate.batching`), not one append per read; also when a refusal ends
    it. Under `with_gate`, so the refusal's entry is in the log before the 403 page."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, gate: Gate, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponse:
        with batching.batch():
            return view(request, gate, *args, **kwargs)

    return wrapper


# --- caseloads ------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The service's root: each role's work. A case worker's caseload is shown here as it is;
    a manager is sent to the team caseload, the DPO to their home."""
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware has sent visitors away
    landing = landing_url(role_of(user))
    if landing != address("web:caseload"):
        return redirect(landing)
    return caseload(request)


@require_GET
@with_gate
@reads_audited_together
def caseload(request: HttpRequest, gate: Gate) -> HttpResponse:
    if gate.policy.statistics_only(gate.role):
        # A statistics-only role has no caseload and reaches no one: its home is statistics.
        return redirect("web:statistics")
    return _case_list(request, gate, team=False)


@require_GET
@with_gate
@reads_audited_together
def team_caseload(request: HttpRequest, gate: Gate) -> HttpResponse:
    if not gate.allocates:
        return refused_page(
            request,
            f"{gate.policy.label}: role '{gate.role}' does not allocate cases; the team "
            "caseload is for roles that do",
            heading="You cannot see the team caseload",
        )
    return _case_list(request, gate, team=True)


def _query_from(request: HttpRequest, form: CaseFilterForm) -> CaseQuery:
    form.is_valid()  # a value that is not a choice is ignored, not an error
    data = form.cleaned_data
    sorts = request.GET.getlist("sort")
    # A sort button outside the form comes after the form's own inputs: the last one wins.
    sort = sorts[-1] if sorts else "name"
    page = request.GET.get("page", "1")
    return CaseQuery(
        service=data.get("service") or "",
        status=data.get("status") or "open",
        flag=data.get("flag") or "",
        name=data.get("name") or "",
        due=data.get("due") or "",
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
        page=as_id(page) or 1,
        per_page=PER_PAGE,
        allocation=data.get("allocation") or "",
    )


def _case_list(request: HttpRequest, gate: Gate, *, team: bool) -> HttpResponse:
    pack = gate.policy.pack
    display = Display(pack)
    services = [(s.code, s.name) for s in pack.services]
    flags = [(f.code, f.name) for f in pack.flags if f.of == "person"]
    controls = selectors.list_controls(gate, team=team)
    result = selectors.case_page(
        gate,
        _query_from(
            request, CaseFilterForm(request.GET, services=services, flags=flags, team=team)
        ),
        team=team,
    )
    applied = result.query
    # The filter as applied, offering only what this role may filter by.
    shown_filter = CaseFilterForm(
        initial={
            "name": applied.name,
            "status": applied.status,
            "service": applied.service,
            "flag": applied.flag,
            "due": applied.due,
            "allocation": applied.allocation,
        },
        services=services,
        flags=flags,
        team=team,
    )
    for name in ("name", "status", "service", "flag", "due"):
        if not controls[name]:
            del shown_filter.fields[name]
    if not flags and "flag" in shown_filter.fields:
        del shown_filter.fields["flag"]
    # Safeguarding first: the alerts each young person holds now, where the role reads flags.
    alerts = gate.alerts(result.cases, action=Action.LIST)
    today = timezone.localdate()
    rows = [
        _row(shown, result, display, team=team)
        | {
            "alerts": [
                display.flag(a.values["flag"]).text for a in alerts.get(shown.person_id, [])
            ],
            "due": _due(result.due.get(shown.case_id), today),
        }
        for shown in result.cases
    ]
    cells = [cell for row in rows for cell in row["cells"]]
    url_name = "web:team-caseload" if team else "web:caseload"
    return render(
        request,
        "web/cases/caseload.html",
        {
            "nav_active": "team-caseload" if team else "caseload",
            "heading": "Team caseload" if team else "My caseload",
            "team": team,
            "several_teams": team and len(gate.team_ids) > 1,
            "result": result,
            "rows": rows,
            "filter": shown_filter,
            "selected": _selected_filters(request, applied, dict(services), dict(flags)),
            "clear_url": address(url_name),
            "waiting_url": _with(request, allocation="unallocated", page=None),
            "caseloads": gate.caseloads() if team else [],
            "sorts": _sort_headings(applied, controls),
            "current_sort": ("-" if applied.descending else "") + applied.sort,
            "pagination": _pagination(request, result),
            "reasons": display.reasons(cells),
            "dropped": result.dropped,
            "show_alerts": bool(controls["flag"]) and any(f.alert for f in pack.flags),
            "show_due": bool(controls["due"]),
            "messages": messages.get_messages(request),
            "may_add": bool(gate.may_write("person", ["given_name", "family_name"]))
            and bool(gate.may_write("case", ["service", "opened_on"])),
        },
    )


def _row(shown: ShownCase, result: CasePage, display: Display, *, team: bool) -> dict[str, Any]:
    values = shown.case.values
    cells = [
        display.name(shown.person),
        display(shown.person.values["date_of_birth"]),
        display.service(values["service"]),
        display(values["opened_on"]),
    ]
    if result.query.status != "open":
        cells.append(display(values["closed_on"]))
    return {
        "case_id": shown.case_id,
        "person_url": address("web:person", shown.person_id),
        "label": label_of(shown, display),
        "cells": cells,
        "team_name": result.teams.get(shown.case_id, ""),
        "worker": result.workers.get(shown.case_id, ""),
        "allocate_url": address("web:allocate", shown.case_id) if team else None,
        "glass": shown.break_glass,
    }


def _due(due: Due | None, today: date) -> dict[str, Any] | None:
    """What falls due first on a case, for its row: when, what, and whether it is late."""
    if due is None:
        return None
    return {
        "text": day(due.on),
        "what": DUE_PARTS[due.part][1],
        "overdue": due.overdue(today),
        "soon": due.soon(today),
    }


def _with(request: HttpRequest, **changes: str | None) -> str:
    """The current query string with some parameters changed (None removes one)."""
    query: QueryDict = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _selected_filters(
    request: HttpRequest, applied: CaseQuery, services: dict[str, str], flags: dict[str, str]
) -> list[dict[str, Any]]:
    """The MOJ filter's selected filters: a heading and a tag (removing it) for each."""
    selected = []
    if applied.name:
        selected.append(("Name", applied.name, "name"))
    if applied.status != "open":
        selected.append(
            ("Cases", {"closed": "Closed", "all": "Open and closed"}[applied.status], "status")
        )
    if applied.service:
        selected.append(("Service", services.get(applied.service, applied.service), "service"))
    if applied.flag:
        selected.append(("Flag", flags.get(applied.flag, applied.flag), "flag"))
    if applied.due:
        due = {"overdue": "Overdue", "soon": "Due in the next 14 days"}[applied.due]
        selected.append(("Due", due, "due"))
    if applied.allocation:
        words = {"unallocated": "Not allocated", "allocated": "Allocated"}
        selected.append(("Allocation", words[applied.allocation], "allocation"))
    return [
        {
            "heading": {"text": heading},
            "items": [{"href": _with(request, **{key: None, "page": None}), "text": text}],
        }
        for heading, text, key in selected
    ]


def _sort_headings(applied: CaseQuery, controls: dict[str, Decision]) -> dict[str, dict[str, Any]]:
    """Each sortable column's MOJ sortable-table heading: its aria-sort and what pressing its
    button asks for (ascending first, then the other way)."""
    headings = {}
    for key in CASE_SORTS:
        if not controls[f"sort:{key}"]:
            headings[key] = {"text": SORT_LABELS[key], "sortable": False}
            continue
        current = applied.sort == key
        direction = ("descending" if applied.descending else "ascending") if current else "none"
        headings[key] = {
            "text": SORT_LABELS[key],
            "sortable": True,
            "ariaSort": direction,
            "value": f"-{key}" if current and not applied.descending else key,
        }
    return headings


def _pagination(request: HttpRequest, result: CasePage) -> dict[str, Any] | None:
    """GOV.UK pagination: first, last, the pages either side of this one, ellipses between."""
    page, pages = result.query.page, result.pages
    if pages <= 1:
        return None
    numbers = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    for i, number in enumerate(numbers):
        if i and number - numbers[i - 1] > 1:
            items.append({"ellipsis": True})
        items.append(
            {
                "number": number,
                "href": _with(request, page=str(number)),
                "current": number == page,
            }
        )
    params: dict[str, Any] = {"items": items, "landmarkLabel": "Pages of cases"}
    if page > 1:
        params["previous"] = {"href": _with(request, page=str(page - 1))}
    if page < pages:
        params["next"] = {"href": _with(request, page=str(page + 1))}
    return params


# --- allocation -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@with_gate
def allocate(request: HttpRequest, gate: Gate, case_id: int) -> HttpResponse:
    # Only a role that allocates cases, only for a case its teams hold: otherwise the gate
    # refuses (and audits) and the page says by which rule.
    allocation = selectors.allocation(gate, case_id)
    display = Display(gate.policy.pack)
    form = AllocateForm(
        request.POST if request.method == "POST" else None,
        workers=allocation.workers,
        caseloads=allocation.caseloads,
        initial={"worker": allocation.allocated_to_id},
    )
    status = 200
    if form.is_valid():
        try:
            gate.allocate(case_id, form.cleaned_data["worker"])
        except Refused as refused:
            form.add_error("worker", f"You cannot allocate this case: {refused.decision.rule}")
            status = 403
        else:
            worker = dict(allocation.workers)[form.cleaned_data["worker"]]
            messages.success(
                request,
                f"Case {case_reference(case_id)} ({label_of(allocation.case, display)}) is now held "
                f"by {worker}",
            )
            return redirect("web:team-caseload")
    return render(
        request,
        "web/cases/allocate.html",
        {
            "nav_active": "team-caseload",
            "form": form,
            "allocation": allocation,
            "name": label_of(allocation.case, display),
            "service": display.service(allocation.case.case.values["service"]),
            "current": dict(allocation.workers).get(allocation.allocated_to_id or 0, ""),
        },
        status=status,
    )


# --- records of a case ----------------------------------------------------------------------

# The pages that record something on a case: the form, the model, what the page calls it.
RECORDS: dict[str, tuple[type[GovukForm], type[CaseRecord], str, str]] = {
    "contact": (ContactForm, Contact, "a contact", "Contact"),
    "assessment": (AssessmentForm, Assessment, "an assessment", "Assessment"),
    "plan": (PlanForm, Plan, "a plan", "Plan"),
    "offence": (OffenceForm, Offence, "an offence", "Offence"),
    "outcome": (OutcomeForm, Outcome, "an outcome", "Outcome"),
    "report": (ReportForm, Report, "a report", "Report"),
}


def record_url(kind: str, case_id: int) -> str:
    return address(f"web:{kind}-new", case_id)


@require_http_methods(["GET", "POST"])
@with_gate
def new_record(request: HttpRequest, gate: Gate, case_id: int, kind: str) -> HttpResponse:
    form_class, model, what, title = RECORDS[kind]
    record = str(model._meta.model_name)
    shown = gate.case(case_id)  # audited; the page names the young person
    display = Display(gate.policy.pack)
    may = gate.may_write(record, form_class.needs, shown, audit=request.method == "POST")
    if not may:
        return refused_page(request, may.rule, heading=f"You cannot record {what} on this case")
    data = request.POST if request.method == "POST" else None
    form = form_class(data)
    form.keep_only(gate.writable(record, shown))
    actions = None
    if model is Plan:
        actions = PlanActionFormSet(data, prefix="action")
        for action_form in actions.forms:
            action_form.keep_only(gate.writable("planaction", shown))
    status = 200
    valid = form.is_valid() and (actions is None or actions.is_valid())
    if actions is not None and not actions.forms:
        # Sent without the formset's management form (not from our page): invalid, and the
        # page is shown again with empty actions to fill in.
        actions = PlanActionFormSet(prefix="action")
        for action_form in actions.forms:
            action_form.keep_only(gate.writable("planaction", shown))
    if request.method == "POST" and valid:
        try:
            _write(request, gate, shown, form, model, actions)
        except Refused as refused:
            form.add_error(None, f"You cannot record this: {refused.decision.rule}")
            status = 403
        except ValidationError as invalid:
            form.add_record_errors(invalid)
            status = 400
        else:
            messages.success(request, f"{title} recorded")
            # The top of the page, where the success banner is (not #timeline below it).
            return redirect("web:person", shown.person_id)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "web/cases/record_form.html",
        {
            "form": form,
            "actions": actions,
            "kind": kind,
            "what": what,
            "title": title,
            "name": label_of(shown, display),
            "service": display.service(shown.case.values["service"]),
            "case_id": case_id,
            "person_url": address("web:person", shown.person_id),
            "errors": _error_list(form, actions),
        },
        status=status,
    )


def _write(
    request: HttpRequest,
    gate: Gate,
    shown: ShownCase,
    form: GovukForm,
    model: type[CaseRecord],
    actions: Any,
) -> None:
    user = request.user
    assert isinstance(user, User)
    case = gate.case_to_write(shown)
    obj = model(case=case, created_by=user)
    if actions is None:
        gate.write(obj, form.values(), case=case)
        return
    # A plan and its actions: all or nothing, each through Gate.write.
    assert isinstance(obj, Plan)
    writes: list[tuple[Model, dict[str, Any]]] = [(obj, form.values())]
    for action in actions.forms:
        values = action.values()
        if values.get("description"):
            writes.append((PlanAction(plan=obj), values))
    gate.write_all(writes, case=case)


def _error_list(form: GovukForm, actions: Any) -> dict[str, Any] | None:
    """One GOV.UK error summary for the form and its actions, each linked to its field."""
    summary = (
        form.error_summary()
        if form.errors
        else {"titleText": "There is a problem", "errorList": []}
    )
    if actions is not None:
        for action_form in actions.forms:
            if action_form.errors:
                summary["errorList"] += action_form.error_summary()["errorList"]
    return summary if summary["errorList"] else None
