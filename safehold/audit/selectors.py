"""Reading the audit log: who has seen a young person's record, and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection
from django.db.models import Q, QuerySet

from safehold.audit.chain import GENESIS
from safehold.audit.models import AuditEvent, ChainHead

# The triggers of migration 0002, by database. Anything missing or disabled here means the
# database no longer refuses changes to the log.
GUARDS = {
    "sqlite": (
        "audit_chainhead_forward_only",
        "audit_chainhead_no_delete",
        "audit_event_no_delete",
        "audit_event_no_update",
    ),
    "postgresql": (
        "audit_chainhead_guard",
        "audit_chainhead_no_truncate",
        "audit_event_append_only",
    ),
}


def who_has_seen(person_id: int) -> QuerySet[AuditEvent]:
    """Every access to and change of this person's data, newest first: who, when, what, why,
    to whom, and whether the gate allowed it. Refused attempts are included: someone tried.
    One query on the (person_id, at) index."""
    return AuditEvent.objects.about_person(person_id).select_related("actor").newest_first()


def case_history(case_id: int) -> QuerySet[AuditEvent]:
    """Every access to and change of one case, newest first (the (case_id, at) index)."""
    return AuditEvent.objects.about_case(case_id).select_related("actor").newest_first()


def actor_history(actor_id: int) -> QuerySet[AuditEvent]:
    """Everything one member of staff did or tried, newest first (the (actor, at) index)."""
    return AuditEvent.objects.by_actor(actor_id).newest_first()


def during(windows: Sequence[tuple[int, int, datetime, datetime]]) -> QuerySet[AuditEvent]:
    """What each member of staff did about each case within a window of time: (actor, case,
    from, until) for each window, all in one query (each term on the (case_id, at) index),
    in chain order."""
    if not windows:
        return AuditEvent.objects.none()
    match = Q()
    for actor_id, case_id, start, end in windows:
        match |= Q(actor_id=actor_id, case_id=case_id, at__gte=start, at__lt=end)
    return AuditEvent.objects.filter(match).in_chain_order()


def chain_head() -> tuple[int, str]:
    """(sequence number, hash) of the last entry; (0, GENESIS) for an empty log."""
    head = ChainHead.objects.values_list("seq", "hash").first()
    return head if head is not None else (0, GENESIS)


def first_seq_after(seq: int) -> int | None:
    return (
        AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("seq", flat=True).first()
    )


def missing_guards() -> tuple[str, ...]:
    """The append-only triggers that are missing or disabled on this database."""
    expected = GUARDS.get(connection.vendor)
    if expected is None:
        return ()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
                " AND tgrelid IN ('audit_event'::regclass, 'audit_chainhead'::regclass)"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name IN ('audit_event', 'audit_chainhead')"
            )
        present = {name for (name,) in cursor.fetchall()}
    return tuple(name for name in expected if name not in present)
