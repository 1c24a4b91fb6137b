"""Facts about a case that decide how long its file is kept: for each of the pack's flags,
whether it holds for this case ("the order was a licence", "could not be transferred to adult
services", looked after during this case), is known not to, or has not been recorded.

Not recorded is unknown, and an unknown never shortens a period (docs/adr/0016): the unit is
held for review or the longer reading applies, as the pack says. Recording a fact goes through
`Gate.write` (audited; a change keeps the old value in the record's history, checked against
the version the page was opened at), and the case file's retention is planned again in the
same transaction.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from safehold.access.gate import Fact, Gate, Refused, ShownCase, Stale, Withheld
from safehold.records.models import PersonFlag
from safehold.records.search import case_reference
from safehold.retention.models import RetentionUnit, UnitKind
from safehold.web.cases import refused_page, with_gate
from safehold.web.display import Display, label_of
from safehold.web.edits import change_rows
from safehold.web.forms import GovukForm

STATES = {"yes": True, "no": False}
WORDS = {True: "Yes", False: "No, known not to", None: "Not recorded"}


def facts_url(case_id: int) -> str:
    return reverse("web:case-facts", args=[case_id])


class FactsForm(GovukForm):
    """One question per flag: yes, no, or (until someone records it) not recorded."""

    def __init__(self, *args: Any, facts: list[Fact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facts = {f.code: f for f in facts}
        for fact in facts:
            choices = [("yes", "Yes"), ("no", "No, it is known not to")]
            if fact.holds is None:
                choices.append(("unknown", "Not known yet"))
            self.fields[fact.code] = forms.ChoiceField(
                label=fact.name,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Select an answer for: {fact.name}"},
            )
            self.initial[fact.code] = {True: "yes", False: "no", None: "unknown"}[fact.holds]

    def params(self, name: str, **extra: Any) -> dict[str, Any]:
        result = super().params(name, **extra)
        fact = self.facts[name]
        hint = []
        if fact.of == "person":
            own = {True: "recorded as applying", False: "recorded as not applying"}
            hint.append(
                "A fact about the person, recorded here for this case"
                + (f"; on their own record it is {own[fact.person]}" if fact.person in own else "")
                + "."
            )
        if fact.holds is None:
            hint.append("Not recorded: the case file is kept for review until it is.")
        if hint:
            result["hint"] = {"text": " ".join(hint)}
        result["classes"] = "govuk-radios--small"
        return result

    def changed(self) -> dict[str, bool]:
        """The facts whose answer differs from what is recorded (not recorded stays so)."""
        return {
            code: STATES[answer]
            for code, answer in self.cleaned_data.items()
            if answer in STATES and self.facts[code].holds is not STATES[answer]
        }


@require_http_methods(["GET", "POST"])
@with_gate
def case_facts(request: HttpRequest, gate: Gate, case_id: int) -> HttpResponse:
    shown = gate.case(case_id)  # audited; the page names the young person
    facts = gate.case_facts(shown)
    if isinstance(facts, Withheld):
        return refused_page(request, facts.reason, heading="You cannot see this case's facts")
    may = gate.may_write("personflag", ("flag", "holds"), shown, audit=request.method == "POST")
    display = Display(gate.policy.pack)
    form = FactsForm(request.POST if request.method == "POST" else None, facts=facts)
    conflict = None
    status = 200
    if request.method == "POST":
        if not may:
            return refused_page(request, may.rule, heading="You cannot record facts on this case")
        if form.is_valid():
            try:
                saved = _record(gate, shown, form, request.POST)
            except Stale as stale:
                changes = gate.changes_since(shown, "personflag", stale.pk, stale.expected or 0)
                conflict = change_rows(changes, display)
                form = FactsForm(request.POST, facts=gate.case_facts(shown))  # type: ignore[arg-type]
                form.is_valid()
                status = 409
            except Refused as refused:
                form.add_error(None, f"You cannot record this: {refused.decision.rule}")
                status = 403
            else:
                messages.success(request, f"Recorded: {saved}" if saved else "Nothing changed")
                return redirect(facts_url(case_id))
        else:
            status = 400
    return render(
        request,
        "web/cases/facts.html",
        {
            "form": form,
            "facts": gate.case_facts(shown) if status == 409 else facts,
            "words": WORDS,
            "may_write": bool(may),
            "rule": may.rule,
            "conflict": conflict,
            "errors": form.error_summary() if form.errors else None,
            "caption": _caption(shown, display),
            "person_url": reverse("web:person", args=[shown.person_id]),
            "retention": _retention(shown, gate),
            "messages": messages.get_messages(request),
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


def _record(gate: Gate, shown: ShownCase, form: FactsForm, posted: Any) -> str:
    """Write each changed fact through the gate, all or none: a new row for a fact not yet
    recorded, a checked change (the version the page was opened at) for one that was."""
    changed = form.changed()
    if not changed:
        return ""
    case = gate.case_to_write(shown)
    with transaction.atomic():
        for code, holds in changed.items():
            fact = form.facts[code]
            if fact.pk is None:
                row = PersonFlag(person_id=case.person_id, case=case)
                gate.write(row, {"flag": code, "holds": holds}, case=case)
            else:
                row = PersonFlag.objects.get(pk=fact.pk, case=case)
                posted_version = posted.get(f"version-{code}", "")
                version = int(posted_version) if posted_version.isdigit() else fact.version
                gate.write(row, {"holds": holds}, case=case, version=version)
    names = [form.facts[c].name for c in changed]
    return "; ".join(names)


def _retention(shown: ShownCase, gate: Gate) -> dict[str, Any] | None:
    """The case file's retention as planned now: its date or why it has none. Only to a role
    that reads the dates it is counted from (the date of birth, the case's dates) here, since
    the date would give them away."""
    dates = (
        shown.person.values.get("date_of_birth"),
        shown.case.values.get("opened_on"),
        shown.case.values.get("closed_on"),
    )
    if any(isinstance(v, Withheld) for v in dates):
        return None
    unit = (
        RetentionUnit.objects.filter(kind=UnitKind.CASE_FILE, key=shown.case_id)
        .only("keep_until", "note", "status", "basis")
        .first()
    )
    if unit is None:
        return None
    note = unit.note
    for flag in sorted(gate.policy.pack.flags, key=lambda f: -len(f.code)):
        note = note.replace(flag.code, flag.name.lower())  # words, not the pack's codes
    return {"keep_until": unit.keep_until, "note": note, "status": unit.get_status_display()}
