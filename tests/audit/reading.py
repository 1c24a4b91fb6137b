"""Reading the log as tests assert it: once for each person, case and record an event is about
(a list event is about each of its subjects; docs/adr/0024)."""

from __future__ import annotations

from collections.abc import Iterable

from safehold.audit.models import AuditEvent

Seen = tuple[AuditEvent, int | None, int | None, int | None]


def each_subject(events: Iterable[AuditEvent]) -> list[Seen]:
    """(event, person, case, record) for every subject of every event, in chain order."""
    if hasattr(events, "prefetch_related"):
        events = events.prefetch_related("subjects").order_by("seq")
    return [(event, *about) for event in events for about in event.about()]


def cases(events: Iterable[AuditEvent]) -> list[int | None]:
    """The case of each subject, in chain order."""
    return [case_id for _, _, case_id, _ in each_subject(events)]
