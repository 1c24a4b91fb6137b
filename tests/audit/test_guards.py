"""The database itself refuses to change or remove audit entries, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from safehold.audit.models import AuditEvent, ChainHead
from safehold.audit.selectors import missing_guards
from safehold.audit.services import append, append_one
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
    assert missing_guards() == ()


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
