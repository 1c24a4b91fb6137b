"""Reads of consents and the disclosure log, for the gate's share verb and the pages (which
call them only after the gate has let the member of staff see the person)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from safehold import compiled
from safehold.policy.schema import Pack
from safehold.retention.models import ServiceDate
from safehold.sharing.decide import PersonState
from safehold.sharing.models import ConsentRecord, ConsentState, Disclosure, RecordedEvent


def person_state(person_id: int, today: date) -> PersonState:
    """Each preference's state now, from the newest record of each: one query."""
    states: dict[str, str] = {}
    ids: dict[str, int] = {}
    # A person has a handful of records: all of them, newest first, by the (person,
    # preference, -id) index; the first of each preference is its newest.
    for code, state, on, until, pk in (
        ConsentRecord.objects.of_person(person_id)
        .order_by("preference", "-pk")
        .values_list("preference", "state", "on", "until", "pk")
    ):
        if code in states:
            continue
        if state == ConsentState.GIVEN and on > today:
            state = "none"  # recorded ahead of the day it starts
        elif state == ConsentState.GIVEN and until is not None and until < today:
            state = "expired"
        states[code] = state
        ids[code] = pk
    return PersonState(states, ids)


def service_dates(controller_id: int, service: str) -> dict[str, date | None]:
    return {
        event: on
        for (_c, s, event), on in ServiceDate.objects.current(controller_id).items()
        if s == service
    }


def recorded_events(person_id: int, case_id: int, pack: Pack) -> dict[str, date | None]:
    """The dates of the pack's events of a person (their own row) and of a case (this case's
    row), as recorded: one query. An event of the wrong kind's row is not read: a person's
    event is never dated by one case, nor a case's by the person."""
    of = {e.code: e.of for e in pack.events if e.of in ("person", "case")}
    if not of:
        return {}
    return {
        event: on
        for event, case, on in RecordedEvent.objects.for_case(person_id, case_id)
        .filter(event__in=list(of))
        .values_list("event", "case_id", "on")
        if (case is None) == (of[event] == "person")
    }


def consents_of(person_id: int) -> list[ConsentRecord]:
    """Every record of the person's consents, objections and preferences, newest first, with
    who recorded them: one query."""
    return list(
        ConsentRecord.objects.of_person(person_id)
        .select_related("recorded_by", "capacity_by")
        .order_by("-pk")
    )


def shared_with(person_id: int, *, limit: int = 100) -> list[Disclosure]:
    """The disclosure log about one person (shares and the extract runs that covered them)."""
    return compiled.rows(
        Disclosure,
        ("shared_with", limit),
        lambda ids, _: (
            Disclosure.objects.about_person(ids[0])
            .select_related("by", "approved_by")
            .newest_first()[:limit]
        ),
        ids=[person_id],
    )


@dataclass(frozen=True)
class LogFilter:
    recipient: str = ""
    outcome: str = ""
    gateway: str = ""
    consent_status: str = ""
    since: date | None = None
    until: date | None = None


def disclosure_log(controller_id: int, f: LogFilter) -> QuerySet[Disclosure]:
    qs = Disclosure.objects.filter(controller_id=controller_id)
    if f.recipient:
        qs = qs.filter(recipient=f.recipient)
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.gateway:
        qs = qs.filter(gateway=f.gateway)
    if f.consent_status:
        qs = qs.filter(consent_status=f.consent_status)
    if f.since:
        qs = qs.filter(at__date__gte=f.since)
    if f.until:
        qs = qs.filter(at__date__lte=f.until)
    return qs.select_related("by", "approved_by").newest_first()


def log_page(controller_id: int, f: LogFilter, page: int, per_page: int = 25) -> Page[Disclosure]:
    return Paginator(disclosure_log(controller_id, f), per_page).get_page(page)
