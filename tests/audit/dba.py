"""What someone with DBA rights could do to the log: switch off the triggers that refuse
changes, then edit, delete or insert rows at will. Tests use it to prove verify notices."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.utils import CursorWrapper

from safehold.audit.models import AuditEvent, AuditSubject, ChainHead

TABLES = ("audit_event", "audit_chainhead", "audit_subject")


def _alter_triggers(cursor: CursorWrapper, switch: str) -> None:
    # ALTER TABLE refuses while deferred foreign-key checks are pending in the transaction:
    # run them now, then defer again.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table in TABLES:
        cursor.execute(f"ALTER TABLE {table} {switch} TRIGGER USER")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def as_dba() -> Iterator[None]:
    """Inside the block, the database lets anything be done to the log."""
    triggers: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _alter_triggers(cursor, "DISABLE")
        else:
            # SQLite cannot disable a trigger: drop it, keeping its definition to put it back.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s, %s)",
                TABLES,
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _alter_triggers(cursor, "ENABLE")
            else:
                for _, sql in triggers:
                    cursor.execute(sql)


def erase_log() -> None:
    """Empty the log and its head, as a DBA could (the database refuses otherwise). Tests whose
    writes commit must do this before the test database is flushed."""
    with as_dba():
        AuditSubject.objects.all().delete()
        AuditEvent.objects.all().delete()
        ChainHead.objects.all().delete()
