"""One page for the answers a case holds to what the pack declares of every case: the dates of
its events (web/events.py) and its facts (web/facts.py). The two pages differ only in what they
read, the form, how a changed answer is written and their words; each is an `AnswersPage`, and
`answers_page` is the one view both URLs run.

Reading is audited (the page names the young person) and refused as a whole when the role may
not see the answers; saving asks `Gate.may_write` explicitly, and a stale save (someone else
saved since the page was opened) is answered 409 with what they changed, nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from safehold.access.gate import Gate, Refused, ShownCase, Stale, Withheld
from safehold.records.search import case_reference
from safehold.web.addresses import address
from safehold.web.cases import refused_page
from safehold.web.display import Display, label_of
from safehold.web.edits import change_rows
from safehold.web.forms import GovukForm


@dataclass(frozen=True)
class AnswersPage:
    """What differs between the pages; the words are the page's own."""

    url_name: str
    record_type: str  # what saving writes, asked of Gate.may_write
    fields: tuple[str, str]
    read: Callable[[Gate, ShownCase], list[Any] | Withheld]
    form: Callable[[Any, list[Any]], GovukForm]
    record: Callable[[Gate, ShownCase, Any, Any], str]  # the names of what changed, or ""
    words: Callable[[Any], str]  # one answer, to a role that reads but may not write
    noun: str  # "events": in the refusals' headings
    title: str
    intro: str
    unsaved: str  # "Your dates have not been saved."
    question: str  # the head of the first column of what someone else changed
    button: str
    nothing: str  # when the pack declares none
    context: Callable[[Gate, ShownCase], dict[str, Any]] = field(default=lambda gate, shown: {})


def answers_page(request: HttpRequest, gate: Gate, case_id: int, page: AnswersPage) -> HttpResponse:
    shown = gate.case(case_id)  # audited; the page names the young person
    answers = page.read(gate, shown)
    if isinstance(answers, Withheld):
        return refused_page(
            request, answers.reason, heading=f"You cannot see this case's {page.noun}"
        )
    may = gate.may_write(page.record_type, page.fields, shown, audit=request.method == "POST")
    display = Display(gate.policy.pack)
    form = page.form(request.POST if request.method == "POST" else None, answers)
    conflict = None
    status = 200
    if request.method == "POST":
        if not may:
            return refused_page(
                request, may.rule, heading=f"You cannot record {page.noun} on this case"
            )
        if form.is_valid():
            try:
                saved = page.record(gate, shown, form, request.POST)
            except Stale as stale:
                changes = gate.changes_since(shown, page.record_type, stale.pk, stale.expected or 0)
                conflict = change_rows(changes, display)
                answers = page.read(gate, shown)  # what they saved, to save over
                assert not isinstance(answers, Withheld)  # it was readable a moment ago
                form = page.form(request.POST, answers)
                form.is_valid()
                status = 409
            except Refused as refused:
                form.add_error(None, f"You cannot record this: {refused.decision.rule}")
                status = 403
            else:
                messages.success(request, f"Recorded: {saved}" if saved else "Nothing changed")
                return redirect(address(page.url_name, case_id))
        else:
            status = 400
    return render(
        request,
        "web/cases/answers.html",
        {
            "page": page,
            "form": form,
            "answers": [(answer, page.words(answer)) for answer in answers],
            "may_write": bool(may),
            "conflict": conflict,
            "errors": form.error_summary() if form.errors else None,
            "caption": _caption(shown, display),
            "person_url": address("web:person", shown.person_id),
            "messages": messages.get_messages(request),
            **page.context(gate, shown),
        },
        status=status,
    )


def _caption(shown: ShownCase, display: Display) -> str:
    service = display.service(shown.case.values["service"])
    return (
        f"{label_of(shown, display)}"
        + (f", {service.text}" if service.text else "")
        + f" (case {case_reference(shown.case_id)})"
    )
