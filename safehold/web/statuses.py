"""Dated statuses on a young person's case (docs/adr/0027): accommodation, education or
training, needs identified and what was done about them, as the pack declares them
(`statuses`). The Youth Justice Board's indicators count each child's status on the day their
order ended, so each status is a history with dates, never a value overwritten.

`/cases/<id>/statuses/` shows each kind this member of staff reads (its value in force and
its history); `/cases/<id>/statuses/<kind>/` records a new value from a date (the one in force
ends the day before); `/cases/<id>/statuses/<kind>/<pk>/edit/` corrects or ends one entry, checked
against the version the page was opened at. Every read and write passes the gate, audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from safehold.access.gate import Gate, Refused, ShownCase, Stale, StatusHistory, Withheld
from safehold.records.search import case_reference
from safehold.web.cases import refused_page, with_gate
from safehold.web.display import Display, explain, label_of
from safehold.web.forms import DateField, GovukForm, choice


def statuses_url(case_id: int) -> str:
    return reverse("web:case-statuses", args=[case_id])


def _caption(shown: ShownCase, gate: Gate) -> str:
    display = Display(gate.policy.pack)
    service = display.service(shown.case.values["service"])
    return (
        f"{label_of(shown, display)}"
        + (f", {service.text}" if service.text else "")
        + f" (case {case_reference(shown.case_id)})"
    )


@require_GET
@with_gate
def case_statuses(request: HttpRequest, gate: Gate, case_id: int) -> HttpResponse:
    shown = gate.case(case_id)  # audited; the page names the young person
    histories = gate.case_statuses(shown)
    if isinstance(histories, Withheld):
        return refused_page(
            request, histories.reason, heading="You cannot see this case's statuses"
        )
    return render(
        request,
        "web/cases/statuses.html",
        {
            "caption": _caption(shown, gate),
            "histories": histories,
            "case_id": case_id,
            "person_url": reverse("web:person", args=[shown.person_id]),
            "messages": messages.get_messages(request),
        },
    )


class RecordForm(GovukForm):
    def __init__(self, *args: Any, history: StatusHistory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = history.kind
        self.fields["value"] = choice(
            kind.name,
            [(v.code, v.name) for v in kind.values],
            required=f"Select the {_lower(kind.name)}",
        )
        self.fields["started_on"] = DateField(what="Date it began", not_future=True)


class ChangeForm(RecordForm):
    def __init__(self, *args: Any, history: StatusHistory, **kwargs: Any) -> None:
        super().__init__(*args, history=history, **kwargs)
        self.fields["ended_on"] = DateField(what="Date it ended", required=False, not_future=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("started_on"), data.get("ended_on")
        if start and end and end < start:
            self.add_error(
                "ended_on", "Date it ended must be the same as or after the date it began"
            )
        return data


def _refusal(gate: Gate, refused: Refused) -> str:
    """The gate's refusal as the form's error, in words (the pack's names, not its codes)."""
    return f"You cannot record this. {explain(refused.decision.rule, gate.policy.pack)}"


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


def _readable(
    request: HttpRequest, gate: Gate, shown: ShownCase, kind: str
) -> StatusHistory | HttpResponse:
    histories = gate.case_statuses(shown)
    if isinstance(histories, Withheld):
        return refused_page(
            request, histories.reason, heading="You cannot see this case's statuses"
        )
    found = next((h for h in histories if h.kind.code == kind), None)
    if found is None:
        raise Http404("no such status, or not one this role reads")
    return found


@require_http_methods(["GET", "POST"])
@with_gate
def record_status(request: HttpRequest, gate: Gate, case_id: int, kind: str) -> HttpResponse:
    shown = gate.case(case_id)
    history = _readable(request, gate, shown, kind)
    if isinstance(history, HttpResponse):
        return history
    if not gate.may_record_status(shown, kind, audit=request.method == "POST"):
        return refused_page(
            request,
            history.may_write.rule,
            heading=f"You cannot record {_lower(history.kind.name)}",
        )
    form = RecordForm(request.POST if request.method == "POST" else None, history=history)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                gate.record_status(
                    shown, kind, form.cleaned_data["value"], form.cleaned_data["started_on"]
                )
            except ValueError as problem:
                form.add_error("started_on", str(problem)[:1].upper() + str(problem)[1:])
                status = 400
            except Refused as refused:
                form.add_error(None, _refusal(gate, refused))
                status = 403
            else:
                messages.success(request, f"Recorded: {history.kind.name}")
                return redirect(statuses_url(case_id))
        else:
            status = 400
    return render(
        request,
        "web/cases/status_form.html",
        {
            "form": form,
            "history": history,
            "heading": f"Record {_lower(history.kind.name)}",
            "button": "Record it",
            "caption": _caption(shown, gate),
            "back_url": statuses_url(case_id),
            "errors": form.error_summary() if form.errors else None,
            "conflict": None,
            "version": None,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@with_gate
def change_status(
    request: HttpRequest, gate: Gate, case_id: int, kind: str, status_id: int
) -> HttpResponse:
    shown = gate.case(case_id)
    history = _readable(request, gate, shown, kind)
    if isinstance(history, HttpResponse):
        return history
    pk = status_id
    row = next((r for r in history.rows if r.pk == pk), None)
    if row is None:
        raise Http404("no such entry")
    if not gate.may_record_status(shown, kind, audit=request.method == "POST"):
        return refused_page(
            request,
            history.may_write.rule,
            heading=f"You cannot change {_lower(history.kind.name)}",
        )
    posted = request.method == "POST"
    form = ChangeForm(request.POST if posted else None, history=history)
    if not posted:
        form.initial = {"value": row.value, "started_on": row.started_on, "ended_on": row.ended_on}
    status = 200
    conflict = None
    version = row.version
    if posted:
        given = request.POST.get("version", "")
        version = int(given) if given.isdigit() else row.version
        if form.is_valid():
            data = form.cleaned_data
            try:
                gate.change_status(
                    shown,
                    pk,
                    {
                        "value": data["value"],
                        "started_on": data["started_on"],
                        "ended_on": data.get("ended_on"),
                    },
                    version=version,
                )
            except Stale:
                conflict = row
                version = row.version  # saving again keeps these answers over theirs
                status = 409
            except ValueError as problem:
                form.add_error(None, str(problem)[:1].upper() + str(problem)[1:])
                status = 400
            except Refused as refused:
                form.add_error(None, _refusal(gate, refused))
                status = 403
            else:
                messages.success(request, f"Changed: {history.kind.name}")
                return redirect(statuses_url(case_id))
        else:
            status = 400
    return render(
        request,
        "web/cases/status_form.html",
        {
            "form": form,
            "history": history,
            "heading": f"Change or end {_lower(history.kind.name)}",
            "button": "Save the change",
            "caption": _caption(shown, gate),
            "back_url": statuses_url(case_id),
            "errors": form.error_summary() if form.errors else None,
            "conflict": conflict,
            "version": version,
        },
        status=status,
    )
