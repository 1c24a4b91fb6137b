"""Statistics: aggregate outputs for statistics-only roles and managers, never a person.

`/statistics/` lists the outputs; `/statistics/<code>/` shows one for a quarter (filters: the
quarter, rows, columns, service): a chart of the last eight quarters with its table, then the
breakdown, each figure protected by the pack's profile; `/statistics/<code>/<csv|xlsx>/`
downloads the same. Every page and download is one run of `statistics.runs.run`, decided and
audited by `Gate.aggregate`; a statistics-only role reaches nothing else (docs/adr/0014, 0022).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from safehold.access.gate import Gate, Refused
from safehold.access.models import User
from safehold.access.selectors import role_of
from safehold.statistics import access, exports, returns, runs
from safehold.statistics.disclosure import Figure, percentage
from safehold.statistics.outputs import DIMENSIONS, OUTPUTS, Output, available
from safehold.statistics.periods import Quarter
from safehold.web.cases import with_gate
from safehold.web.forms import GovukForm, choice

QUARTERS_OFFERED = 12


def _latest() -> Quarter:
    """The last whole quarter: the default period."""
    return Quarter.of(timezone.localdate()).previous()


@require_GET
@with_gate
def statistics(request: HttpRequest, gate: Gate) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    role = role_of(user)
    allowed = access.decide(gate)
    pack = gate.policy.pack
    # Only what the pack records: an indicator whose status the pack has no kind for is left out.
    groups = [
        (group, [o for o in outputs if available(o, pack)])
        for group, outputs in groupby(OUTPUTS.values(), key=lambda o: o.group)
    ]
    return render(
        request,
        "web/statistics/index.html",
        {
            "nav_active": "statistics",
            "statistics_role": role.name if role is not None and role.statistics_only else None,
            "allowed": allowed.allowed,
            "rule": allowed.rule,
            "groups": groups,
            "latest": _latest(),
        },
        status=200 if allowed.allowed else 403,
    )


class FilterForm(GovukForm):
    def __init__(self, data: Any, *, output: Output, services: list[tuple[str, str]]) -> None:
        super().__init__(data)
        quarters = _latest().next().back(QUARTERS_OFFERED)[::-1]
        self.fields["period"] = choice(
            "Quarter",
            [(q.code, q.label) for q in quarters],
            required="Choose a quarter from the list",
            radios=False,
        )
        dims = [(d, DIMENSIONS[d].name) for d in output.dimensions]
        self.fields["by"] = choice("Rows", dims, required="Choose what the rows show", radios=False)
        self.fields["split"] = choice(
            "Columns",
            [("none", "No columns: totals only"), *dims],
            required="Choose what the columns show",
            radios=False,
        )
        self.fields["service"] = forms.ChoiceField(
            label="Service",
            choices=[("", "Every service"), *services],
            required=False,
            widget=forms.Select,
            error_messages={"invalid_choice": "Choose a service from the list"},
        )


def _filters(request: HttpRequest, output: Output, gate: Gate) -> FilterForm:
    services = [(s.code, s.name) for s in gate.policy.pack.services]
    data = {
        "period": request.GET.get("period") or _latest().code,
        "by": request.GET.get("by") or output.default_by,
        "split": request.GET.get("split") or output.default_split or "none",
        "service": request.GET.get("service", ""),
    }
    return FilterForm(data, output=output, services=services)


def _run(request: HttpRequest, gate: Gate, code: str) -> tuple[FilterForm, runs.Result | None]:
    output = OUTPUTS.get(code)
    if output is None or not available(output, gate.policy.pack):
        raise Http404("no such output")
    form = _filters(request, output, gate)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    result = runs.run(
        gate,
        code,
        Quarter.parse(data["period"]),
        by=data["by"],
        split=None if data["split"] == "none" else data["split"],
        service=data["service"] or None,
    )
    return form, result


@require_GET
@with_gate
def output(request: HttpRequest, gate: Gate, code: str) -> HttpResponse:
    if not access.decide(gate):
        # Decided and audited by the gate: the refusal page names the rule.
        runs.run(gate, code if code in OUTPUTS else next(iter(OUTPUTS)), _latest())
    form, result = _run(request, gate, code)
    context: dict[str, Any] = {
        "nav_active": "statistics",
        "output": OUTPUTS[code],
        "form": form,
        "result": result,
    }
    if result is not None:
        context |= {
            "chart": _chart(result),
            "table": _table(result),
            "query": request.GET.urlencode(),
        }
    return render(
        request, "web/statistics/output.html", context, status=200 if form.is_valid() else 400
    )


@require_GET
@with_gate
def download(request: HttpRequest, gate: Gate, code: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("no such format")
    form, result = _run(request, gate, code)
    if result is None:
        return render(
            request,
            "web/statistics/output.html",
            {"nav_active": "statistics", "output": OUTPUTS[code], "form": form, "result": None},
            status=400,
        )
    response = HttpResponse(exports.render(result, fmt), content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(result, fmt)}"'
    return response


# --- case-level returns ----------------------------------------------------------------------


class ReturnForm(GovukForm):
    def __init__(self, data: Any) -> None:
        super().__init__(data)
        codes = sorted({d.code: d.name for d in returns.definitions().values()}.items())
        self.fields["code"] = choice("Return", codes, required="Choose a return from the list")
        quarters = _latest().next().back(QUARTERS_OFFERED)[::-1]
        self.fields["period"] = choice(
            "Quarter",
            [(q.code, q.label) for q in quarters],
            required="Choose a quarter from the list",
            radios=False,
        )


@require_http_methods(["GET", "POST"])
@with_gate
def case_level_returns(request: HttpRequest, gate: Gate) -> HttpResponse:
    """The case-level returns (versioned definitions, docs/statistics.md): which one is in
    force for a quarter, and, to a role that may export every category it reads across the
    controller, the return as CSV; released through `Gate.case_level_return`, one export audit
    entry per order (a refusal audited too). The page itself shows no one."""
    definitions = sorted(returns.definitions().values(), key=lambda d: (d.code, d.valid_from))
    decisions = {d.key: returns.decide(gate, d) for d in definitions}
    form = ReturnForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            quarter = Quarter.parse(form.cleaned_data["period"])
            try:
                definition = returns.find(form.cleaned_data["code"], quarter.end)
            except LookupError as problem:
                form.add_error("period", str(problem)[:1].upper() + str(problem)[1:])
                status = 400
            else:
                try:
                    text = returns.as_csv(gate.case_level_return(definition, quarter))
                except Refused as refused:
                    form.add_error(None, f"You cannot release this return: {refused.decision.rule}")
                    status = 403
                else:
                    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
                    name = f"{definition.code}-{definition.version}-{quarter.code}.csv"
                    response["Content-Disposition"] = f'attachment; filename="{name}"'
                    return response
        else:
            status = 400
    recipients = {r.code: r.name for r in gate.policy.pack.recipients}
    return render(
        request,
        "web/statistics/returns.html",
        {
            "nav_active": "statistics",
            "definitions": [
                {
                    "definition": d,
                    "recipient": recipients.get(d.recipient, d.recipient.replace("-", " ")),
                    "decision": decisions[d.key],
                }
                for d in definitions
            ],
            "may_release": any(decisions.values()),
            "form": form,
            "errors": form.error_summary() if form.errors else None,
        },
        status=status,
    )


# --- what the template draws --------------------------------------------------------------


def _table(result: runs.Result) -> dict[str, Any]:
    """The breakdown as GOV.UK table rows, with each row's share of the published total."""
    table = result.table
    total = table.total if table.row_totals is not None else None
    if total is None and table.column_totals is not None and len(table.columns) == 1:
        total = table.column_totals[0]
    head = [{"text": result.by.name}]
    head += [{"text": c, "format": "numeric"} for c in table.columns]
    if table.row_totals is not None:
        head.append({"text": "Total", "format": "numeric"})
    head.append({"text": "Share of the total", "format": "numeric"})
    rows = []
    for r, label in enumerate(table.rows):
        line = [{"text": label}]
        line += [_cell(f) for f in table.cells[r]]
        whole = table.row_totals[r] if table.row_totals is not None else table.cells[r][0]
        if table.row_totals is not None:
            line.append(_cell(whole))
        line.append(_share(whole, total))
        rows.append(line)
    if table.column_totals is not None:
        line = [{"text": "Total"}]
        line += [_cell(f) for f in table.column_totals]
        if table.row_totals is not None and table.total is not None:
            line.append(_cell(table.total))
        line.append(_share(total, total) if total is not None else {"text": ""})
        rows.append(line)
    return {"head": head, "rows": rows}


def _cell(figure: Figure) -> dict[str, Any]:
    return {"text": str(figure), "format": "numeric"}


def _share(part: Figure, whole: Figure | None) -> dict[str, Any]:
    return {"text": percentage(part, whole) if whole is not None else "", "format": "numeric"}


def _chart(result: runs.Result) -> dict[str, Any]:
    """An SVG bar chart of the output's total for each quarter (hidden ones marked)."""
    values = [row[0] for row in result.series.cells]
    top = max((f.value or 0 for f in values), default=0)
    scale = _nice(top)
    height, gap, width = 200, 10, 44
    bars = []
    for i, (quarter, figure) in enumerate(zip(result.quarters, values, strict=True)):
        h = round(height * (figure.value or 0) / scale) if scale else 0
        bars.append(
            {
                "x": 50 + i * (width + gap),
                "y": 10 + height - h,
                "width": width,
                "height": h,
                "quarter": quarter,
                "figure": figure,
            }
        )
    ticks = (
        [{"value": scale * i // 4, "y": 10 + height - height * i // 4} for i in range(5)]
        if scale
        else []
    )
    return {
        "bars": bars,
        "ticks": ticks,
        "width": 50 + len(values) * (width + gap) + 10,
        "height": height + 50,
        "base": 10 + height,
    }


def _nice(top: int) -> int:
    if top <= 0:
        return 0
    step = 1
    while step * 4 < top:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step * 4
