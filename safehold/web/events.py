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

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from safehold.access.gate import EventDate, Gate, ShownCase
from safehold.sharing.models import RecordedEvent
from safehold.web.case_answers import AnswersPage, answers_page
from safehold.web.cases import with_gate
from safehold.web.forms import DateField, GovukForm
from safehold.web.govuk import day


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


EVENTS = AnswersPage(
    url_name="web:case-events",
    record_type="recordedevent",
    fields=("event", "on"),
    read=lambda gate, shown: gate.case_events(shown),
    form=lambda data, events: EventsForm(data, events=events),
    record=_record,
    words=lambda event: day(event.on) if event.on else "Not recorded",
    noun="events",
    title="Events of the case",
    intro="Some sharing is allowed only after one of these has happened, or only before it. An"
    " event with no date recorded is never taken to have happened.",
    unsaved="Your dates have not been saved.",
    question="Date",
    button="Save the dates",
    nothing="The privacy notice names no events of a person or a case.",
)


@require_http_methods(["GET", "POST"])
@with_gate
def case_events(request: HttpRequest, gate: Gate, case_id: int) -> HttpResponse:
    # Reading is the gate's to refuse; saving asks Gate.may_write (answers_page).
    return answers_page(request, gate, case_id, EVENTS)
