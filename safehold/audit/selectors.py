"""Reading the audit log: who has seen a young person's record, and why."""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from datetime import datetime

from django.db import connection
from django.db.models import Q, QuerySet

from safehold.audit.chain import GENESIS
from safehold.audit.models import AuditEvent, AuditSubject, ChainHead

# What migrations 0002 and 0004 made, by database: each guard trigger's table and (PostgreSQL) timing
# and events as pg_trigger.tgtype encodes them, and the function it runs. Anything missing,
# switched off, moved or redefined means the database no longer refuses changes to the log.
_ROW, _BEFORE, _DELETE, _UPDATE, _TRUNCATE = 1, 2, 8, 16, 32
GUARDS = {
    "sqlite": {
        "audit_chainhead_forward_only": "audit_chainhead",
        "audit_chainhead_no_delete": "audit_chainhead",
        "audit_event_no_delete": "audit_event",
        "audit_event_no_update": "audit_event",
        "audit_subject_no_delete": "audit_subject",
        "audit_subject_no_update": "audit_subject",
    },
    "postgresql": {
        "audit_chainhead_guard": "audit_chainhead",
        "audit_chainhead_no_truncate": "audit_chainhead",
        "audit_event_append_only": "audit_event",
        "audit_subject_append_only": "audit_subject",
    },
}
PG_TRIGGERS = {
    "audit_chainhead_guard": (_ROW | _BEFORE | _UPDATE | _DELETE, "audit_chainhead_guard"),
    "audit_chainhead_no_truncate": (_BEFORE | _TRUNCATE, "audit_chainhead_guard"),
    "audit_event_append_only": (
        _BEFORE | _UPDATE | _DELETE | _TRUNCATE,
        "audit_event_refuse_change",
    ),
    "audit_subject_append_only": (
        _BEFORE | _UPDATE | _DELETE | _TRUNCATE,
        "audit_subject_refuse_change",
    ),
}

# pg_trigger.tgenabled: 'O' fires in ordinary sessions (the normal state); 'D' never; 'R' only
# in sessions replicating (session_replication_role = replica), so never in an ordinary one;
# 'A' always, which is stricter than asked but still not what the migration made.
PG_ENABLED = {"D": "disabled", "R": "enabled for replication sessions only", "A": "set to ALWAYS"}


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
    from, until) for each window, all in one query (each term on the (case_id, at) index, or
    the subjects' (case_id, seq) for lists), in chain order, with each list's subjects."""
    if not windows:
        return AuditEvent.objects.none()
    match = Q()
    for actor_id, case_id, start, end in windows:
        listed = (
            AuditSubject.objects.filter(case_id=case_id).order_by().values("event_id").distinct()
        )
        match |= Q(actor_id=actor_id, at__gte=start, at__lt=end) & (
            Q(case_id=case_id) | Q(seq__listed_in=listed)
        )
    return AuditEvent.objects.filter(match).prefetch_related("subjects").in_chain_order()


def chain_head() -> tuple[int, str]:
    """(sequence number, hash) of the last entry; (0, GENESIS) for an empty log."""
    head = ChainHead.objects.values_list("seq", "hash").first()
    return head if head is not None else (0, GENESIS)


def first_seq_after(seq: int) -> int | None:
    return (
        AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("seq", flat=True).first()
    )


def first_subject_after(seq: int) -> int | None:
    return (
        AuditSubject.objects.filter(event_id__gt=seq)
        .order_by("event_id")
        .values_list("event_id", flat=True)
        .first()
    )


def guard_problems() -> tuple[str, ...]:
    """Every way the append-only triggers differ from what the migrations made: missing,
    not in their normal state, on another table, or running other code. Empty when all hold."""
    expected = GUARDS.get(connection.vendor)
    if expected is None:
        return ()
    if connection.vendor == "postgresql":
        return _pg_guard_problems(expected)
    return _sqlite_guard_problems(expected)


def _migration_sql() -> dict[str, list[str]]:
    made = [
        importlib.import_module(f"safehold.audit.migrations.{name}")
        for name in ("0002_append_only", "0004_subjects")
    ]
    return {
        "sqlite": [sql for m in made for sql in m.SQLITE],
        "postgresql": [sql for m in made for sql in m.POSTGRESQL],
    }


# The migration that made each table's guards.
MADE_BY = {"audit_event": "0002", "audit_chainhead": "0002", "audit_subject": "0004"}


def _squash(sql: str) -> str:
    return " ".join(sql.split())


def _pg_guard_problems(expected: dict[str, str]) -> tuple[str, ...]:
    bodies = {
        match[1]: match[2]
        for sql in _migration_sql()["postgresql"]
        if (match := re.search(r"CREATE FUNCTION (\w+)\(\).*?\$\$(.*)\$\$", sql, re.DOTALL))
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, c.relname, t.tgenabled, t.tgtype, p.proname, p.prosrc"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE NOT t.tgisinternal"
            " AND t.tgrelid IN ('audit_event'::regclass, 'audit_chainhead'::regclass,"
            " 'audit_subject'::regclass)"
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
        # Two other ways to change what a session sees or writes without touching a trigger:
        # row-level security can hide entries from the application's role, and a rule can
        # rewrite an INSERT or UPDATE into something else. Neither belongs on these tables.
        cursor.execute(
            "SELECT c.relname || ' (row-level security enabled: entries can be hidden)'"
            " FROM pg_class c WHERE c.relrowsecurity"
            " AND c.oid IN ('audit_event'::regclass, 'audit_chainhead'::regclass,"
            " 'audit_subject'::regclass)"
            " UNION ALL"
            " SELECT r.rulename || ' (a rule on ' || c.relname || ': statements rewritten)'"
            " FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class"
            " WHERE r.ev_class IN ('audit_event'::regclass, 'audit_chainhead'::regclass,"
            " 'audit_subject'::regclass)"
        )
        problems = [text for (text,) in cursor.fetchall()]
    for name, table in expected.items():
        if name not in found:
            problems.append(f"{name} (missing)")
            continue
        on, enabled, tgtype, function, body = found[name]
        want_type, want_function = PG_TRIGGERS[name]
        if enabled != "O":
            problems.append(f"{name} ({PG_ENABLED.get(enabled, f'state {enabled!r}')})")
        if on != table or tgtype != want_type or function != want_function:
            problems.append(f"{name} (redefined: not the trigger migration {MADE_BY[table]} made)")
        elif _squash(body) != _squash(bodies[function]):
            problems.append(f"{name} (its function {function}() was replaced)")
    problems.extend(
        f"{name} (a trigger migration {MADE_BY.get(found[name][0], '0002')} did not make)"
        for name in found.keys() - expected.keys()
    )
    return tuple(problems)


def _sqlite_guard_problems(expected: dict[str, str]) -> tuple[str, ...]:
    made = {
        match[1]: _squash(sql)
        for sql in _migration_sql()["sqlite"]
        if (match := re.search(r"CREATE TRIGGER (\w+)", sql))
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'trigger'"
            " AND tbl_name IN ('audit_event', 'audit_chainhead', 'audit_subject')"
        )
        rows = cursor.fetchall()
        found = {name: sql for name, sql, _ in rows}
        tables = {name: table for name, _, table in rows}
    problems = []
    for name in expected:
        if name not in found:
            problems.append(f"{name} (missing)")
        elif _squash(found[name]) != made[name]:
            problems.append(
                f"{name} (redefined: not the trigger migration {MADE_BY[expected[name]]} made)"
            )
    problems.extend(
        f"{name} (a trigger migration {MADE_BY[tables[name]]} did not make)"
        for name in found.keys() - expected.keys()
    )
    return tuple(problems)
