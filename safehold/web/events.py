"""When the events the pack declares for a person or a case happened (a child moved school, a
referral was made): the dates that shares conditioned on them (`when: {after: ...}`) read.

Each event is a date, or not recorded. Recording one goes through `Gate.write` (audited; a
change keeps the old date in the record's history, checked against the version the page was
opened at). A recorded date can be changed, not removed: removing it would delete a record
without a retention or erasure decision. Events of the service itself (an inspection) are
dated by the DPO on the service dates page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from safehold.access.gate import EventDate, Gate, Refused, ShownCase, Stale, Withheld
from safehold.records.search import case_reference
from safehold.sharing.models import RecordedEvent
from safehold.web.cases import refused_page, with_gate
from safehold.web.display import Display, label_of
from safehold.web.edits import change_rows
from safehold.web.forms import DateField, GovukForm


def events_url(case_id: int) -> str:
    return reverse("web:case-events", args=[case_id])


class EventsForm(GovukForm):
    """One date for each event; left empty, an event not yet recorded stays so."""

    def __init__(self, *args: Any, events: list[EventDate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events = {e.code: e for e in events}
        for event in events:
            self.fields[event.code] = DateField(
                what=event.name,
                # A recorded date may be changed but not emptied (see the module's note).
                required=event.on is not None,
                required_message=f"Enter the date of: {event.name.lower()}",
                not_future=True,
                rule=("recordedevent", "on"),
            )
            self.initial[event.code] = event.on

    def params(self, name: str, **extra: Any) -> dict[str, Any]:
        result = super().params(name, **extra)
        event = self.events[name]
        whose = "the person, for all their cases" if event.of == "person" else "this case"
        result["hint"] = {"text": f"An event of {whose}. For example, 27 3 2025."}
        return result

    def changed(self) -> dict[str, Any]:
        """The events whose date differs from what is recorded."""
        return {
            code: on
            for code, on in self.cleaned_data.items()
            if on is not None and self.events[code].on != on
        }


@require_http_methods(["GET", "POST"])
@with_gate
def case_events(request: HttpRequest, gate: Gate, case_id: int) -> HttpResponse:
    shown = gate.case(case_id)  # audited; the page names the young person
    events = gate.case_events(shown)
    if isinstance(events, Withheld):
        return refused_page(request, events.reason, heading="You cannot see this case's events")
    may = gate.may_write("recordedevent", ("event", "on"), shown, audit=request.method == "POST")
    display = Display(gate.policy.pack)
    form = EventsForm(request.POST if request.method == "POST" else None, events=events)
    conflict = None
    status = 200
    if request.method == "POST":
        if not may:
            return refused_page(request, may.rule, heading="You cannot record events on this case")
        if form.is_valid():
            try:
                saved = _record(gate, shown, form, request.POST)
            except Stale as stale:
                changes = gate.changes_since(shown, "recordedevent", stale.pk, stale.expected or 0)
                conflict = change_rows(changes, display)
                form = EventsForm(request.POST, events=gate.case_events(shown))  # type: ignore[arg-type]
                form.is_valid()
                status = 409
            except Refused as refused:
                form.add_error(None, f"You cannot record this: {refused.decision.rule}")
                status = 403
            else:
                messages.success(request, f"Recorded: {saved}" if saved else "Nothing changed")
                return redirect(events_url(case_id))
        else:
            status = 400
    return render(
        request,
        "web/cases/events.html",
        {
            "form": form,
            "events": gate.case_events(shown) if status == 409 else events,
            "may_write": bool(may),
            "conflict": conflict,
            "errors": form.error_summary() if form.errors else None,
            "caption": _caption(shown, display),
            "person_url": reverse("web:person", args=[shown.person_id]),
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


def _record(gate: Gate, shown: ShownCase, form: EventsForm, posted: Any) -> str:
    """Write each changed date through the gate, all or none: a new row for an event not yet
    recorded (the person's own for an event of a person), a checked change for one that was."""
    changed = form.changed()
    if not changed:
        return ""
    case = gate.case_to_write(shown)
    with transaction.atomic():
        for code, on in changed.items():
            event = form.events[code]
            if event.pk is None:
                row = RecordedEvent(
                    person_id=case.person_id, case=case if event.of == "case" else None
                )
                gate.write(row, {"event": code, "on": on}, case=case)
            else:
                row = RecordedEvent.objects.get(pk=event.pk, person_id=case.person_id)
                posted_version = posted.get(f"version-{code}", "")
                version = int(posted_version) if posted_version.isdigit() else event.version
                gate.write(row, {"on": on}, case=case, version=version)
    return "; ".join(form.events[c].name for c in changed)
