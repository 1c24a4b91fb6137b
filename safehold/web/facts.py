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
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from safehold.access.gate import Fact, Gate, ShownCase, Withheld
from safehold.policy.schema import BUILTIN_EVENTS
from safehold.policy.wording import event_words
from safehold.records.models import PersonFlag
from safehold.retention.models import RetentionUnit, UnitKind
from safehold.web.case_answers import AnswersPage, answers_page
from safehold.web.cases import with_gate
from safehold.web.forms import GovukForm

STATES = {"yes": True, "no": False}
WORDS = {True: "Yes", False: "No, known not to", None: "Not recorded"}


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


_WAITING = "waiting for: "


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
    note, pack = unit.note, gate.policy.pack
    if note.startswith(_WAITING):
        # The planner keeps the events' codes ("waiting for: case-closed"); a person reads
        # their names ("waiting for the date the case was closed").
        events = {e.code for e in pack.events} | set(BUILTIN_EVENTS)
        codes = note.removeprefix(_WAITING).split(", ")
        if all(code in events for code in codes):
            note = "waiting for " + ", ".join(event_words(code, pack) for code in codes)
    for flag in sorted(pack.flags, key=lambda f: -len(f.code)):
        note = note.replace(flag.code, flag.name.lower())  # words, not the pack's codes
    return {"keep_until": unit.keep_until, "note": note, "status": unit.get_status_display()}


FACTS = AnswersPage(
    url_name="web:case-facts",
    record_type="personflag",
    fields=("flag", "holds"),
    read=lambda gate, shown: gate.case_facts(shown),
    form=lambda data, facts: FactsForm(data, facts=facts),
    record=_record,
    words=lambda fact: WORDS[fact.holds],
    noun="facts",
    title="Facts about the case",
    intro="How long the case file is kept can depend on these. A fact nobody has recorded is"
    " never read as “no”: the file is kept for review, or for the longer period, until"
    " someone records it.",
    unsaved="Your answers have not been saved.",
    question="Question",
    button="Save the facts",
    nothing="The privacy notice names no facts that change how long records are kept.",
    context=lambda gate, shown: {"retention": _retention(shown, gate)},
)


@require_http_methods(["GET", "POST"])
@with_gate
def case_facts(request: HttpRequest, gate: Gate, case_id: int) -> HttpResponse:
    # Reading is the gate's to refuse; saving asks Gate.may_write (answers_page).
    return answers_page(request, gate, case_id, FACTS)
