"""Demo rights requests for `safehold demo --living`: a few in each state the DPO's pages show
(overdue, due this week, paused for identity, extended, a parent acting for a child) and some
answered over the past months, on time and late, for the chart. Written through the services a
DPO would use, so each has its history and audit entries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from safehold.access.models import User
from safehold.records.models import Case, Person
from safehold.rights import services
from safehold.rights.models import RightsRequest


def requests_for(controller_id: int, dpo: User, today: date) -> int:
    """Record the demo's requests about young people with open cases; how many were made."""
    person_ids = list(
        Case.objects.filter(controller_id=controller_id, closed_on=None, restricted=False)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()[:12]
    )
    people = {p.pk: p for p in Person.objects.filter(pk__in=person_ids)}
    queue = [people[pk] for pk in person_ids if pk in people]
    if not queue:
        return 0

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    made = 0

    def receive(days: int, kind: str = "access", **values: Any) -> RightsRequest:
        nonlocal made
        made += 1
        # A small demo has fewer people than requests: some make more than one.
        person = queue[(made - 1) % len(queue)]
        return services.receive(person, kind, received_on=ago(days), by=dpo, **values)

    receive(
        40,
        channel="email",
        asked="A copy of everything the youth offending service holds about me.",
        identity="confirmed",
        identity_note="Known to the service; confirmed by their case manager.",
    )
    receive(
        26,
        "rectification",
        channel="letter",
        asked="My address on the file is wrong: I moved in March.",
        identity="not-needed",
    )
    paused = receive(
        12,
        requester="representative",
        requester_name="Hartley & Shaw Solicitors",
        authority="Form of authority signed by the young person.",
        channel="email",
        asked="All records from 2024 onwards, for a court hearing.",
        identity="awaited",
    )
    services.pause(paused, on=ago(10), reason="identity", by=dpo)
    extended = receive(
        50,
        channel="web",
        asked="Every record across all the services I worked with, and who saw them.",
        identity="confirmed",
        identity_note="Passport and a utility bill.",
    )
    services.extend(
        extended,
        told_on=ago(25),
        reason="Records in three services and many free-text notes to review for third parties.",
        by=dpo,
    )
    child = receive(
        8,
        requester="parent",
        requester_name="The young person's mother",
        authority="Parental responsibility (birth certificate seen).",
        channel="in-person",
        asked="What the service has written about my son.",
        identity="confirmed",
    )
    services.decide_understanding(
        child,
        understands="yes",
        authorised="yes",
        reason="Aged 14; his case manager went through the request with him and he agreed.",
        by=dpo,
    )
    receive(
        2, "erasure", channel="letter", asked="Please delete my old file.", identity="confirmed"
    )
    # Answered in the past months: mostly on time, one late.
    for days, after in ((150, 20), (120, 28), (95, 40), (70, 15), (45, 25)):
        done = receive(days, identity="confirmed")
        services.close(done, closed_on=ago(days - after), by=dpo)
    return made
