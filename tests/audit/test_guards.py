"""The database itself refuses to change or remove audit entries, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from safehold.audit.models import AuditEvent, ChainHead
from safehold.audit.selectors import guard_problems
from safehold.audit.services import append, append_one, verify_chain
from tests.audit.conftest import entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged() -> list[AuditEvent]:
    return append([entry(person_id=p) for p in (1, 2, 3)])


@contextmanager
def refused(match: str = "append-only") -> Iterator[None]:
    # In a savepoint, so the test's transaction survives the refusal on PostgreSQL.
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        yield


def test_the_triggers_are_in_place() -> None:
    assert guard_problems() == ()


def test_update_is_refused(logged) -> None:
    with refused():
        AuditEvent.objects.filter(seq=2).update(purpose="something-else")
    event = logged[0]
    event.purpose = "something-else"
    with refused():
        event.save()
    with refused(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_event SET person_id = 99")
    assert set(AuditEvent.objects.values_list("purpose", flat=True)) == {"court-orders"}


def test_delete_is_refused(logged) -> None:
    with refused():
        AuditEvent.objects.filter(seq=3).delete()
    with refused():
        logged[0].delete()
    with refused(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_event")
    assert AuditEvent.objects.count() == 3


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_is_refused_on_postgresql(logged) -> None:
    with connection.cursor() as cursor:  # TRUNCATE waits for no deferred foreign-key checks
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with refused(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_event")
    with refused(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_chainhead")
    assert AuditEvent.objects.count() == 3


def test_the_chain_head_only_moves_forward_and_stays_while_there_are_entries(logged) -> None:
    with refused("only moves forward"):
        ChainHead.objects.update(seq=1)
    with refused():
        ChainHead.objects.all().delete()
    assert ChainHead.objects.get().seq == 3
    assert append_one(entry()).seq == 4


def test_staff_named_in_the_log_cannot_be_deleted(django_user_model) -> None:
    worker = django_user_model.objects.create(username="worker")
    append_one(entry(actor_id=worker.pk, actor_label=worker.username))
    with pytest.raises(ProtectedError):
        worker.delete()


def pg_alter(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER waits for no deferred checks
        cursor.execute(statement)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_guard_enabled_for_replication_only_lets_updates_through_and_is_reported(
    logged,
) -> None:
    # REPLICA: the trigger fires only in sessions with session_replication_role = replica, so
    # an ordinary session may now change the log. Looking only for 'D' missed this.
    pg_alter("ALTER TABLE audit_event ENABLE REPLICA TRIGGER audit_event_append_only")
    AuditEvent.objects.filter(seq=2).update(purpose="something-else")
    result = verify_chain()
    assert "audit_event_append_only (enabled for replication sessions only)" in result.unguarded
    assert not result.ok


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize(
    ("statement", "reported"),
    [
        (
            "ALTER TABLE audit_chainhead DISABLE TRIGGER audit_chainhead_guard",
            "audit_chainhead_guard (disabled)",
        ),
        (
            "ALTER TABLE audit_chainhead ENABLE ALWAYS TRIGGER audit_chainhead_no_truncate",
            "audit_chainhead_no_truncate (set to ALWAYS)",
        ),
        (
            "DROP TRIGGER audit_event_append_only ON audit_event",
            "audit_event_append_only (missing)",
        ),
        (
            "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END; $$",
            "audit_event_append_only (its function audit_event_refuse_change() was replaced)",
        ),
        (
            "DROP TRIGGER audit_event_append_only ON audit_event;"
            " CREATE TRIGGER audit_event_append_only BEFORE TRUNCATE ON audit_event"
            " FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()",
            "audit_event_append_only (redefined: not the trigger migration 0002 made)",
        ),
        (
            "ALTER TABLE audit_event ENABLE ROW LEVEL SECURITY",
            "audit_event (row-level security enabled: entries can be hidden)",
        ),
        (
            "CREATE RULE audit_event_drop AS ON INSERT TO audit_event DO INSTEAD NOTHING",
            "audit_event_drop (a rule on audit_event: statements rewritten)",
        ),
        (
            "CREATE TRIGGER audit_event_extra BEFORE INSERT ON audit_event"
            " FOR EACH ROW EXECUTE FUNCTION audit_chainhead_guard()",
            "audit_event_extra (a trigger migration 0002 did not make)",
        ),
    ],
)
def test_every_guard_not_as_the_migration_made_it_is_reported_on_postgresql(
    logged, statement, reported
) -> None:
    pg_alter(statement)
    assert reported in guard_problems()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_guard_redefined_to_do_nothing_is_reported_on_sqlite(logged) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER audit_event_no_update")
        cursor.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN 0"
            " BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END"
        )
    AuditEvent.objects.filter(seq=2).update(purpose="something-else")
    assert guard_problems() == (
        "audit_event_no_update (redefined: not the trigger migration 0002 made)",
    )
