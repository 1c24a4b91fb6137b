"""A page's append on PostgreSQL in one statement (docs/adr/0031): chained after the head this
connection last saw, stored only if the head is still there, else chained again after the
head the database found. Whatever the guess, the chain is exact and verifies."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from safehold.audit import services
from safehold.audit.chain import GENESIS
from safehold.audit.models import Action, AuditEvent, AuditSubject
from safehold.audit.selectors import chain_head, who_has_seen
from safehold.audit.services import append, as_lists, verify_chain
from tests.audit.conftest import entry

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="one statement is PostgreSQL's path"
)


def caseload(*people: int) -> list[services.AuditEntry]:
    return as_lists(
        [entry(action=Action.LIST, person_id=p, case_id=p + 100, record_id=p + 100) for p in people]
    )


def known(head: tuple[int, str]) -> None:
    services._KNOWN_HEAD[connections[DEFAULT_DB_ALIAS]] = head


def assert_chain_whole(appended: int) -> None:
    result = verify_chain(signed=False)
    assert result.ok and result.checked == appended, result


@postgresql_only
def test_a_list_is_appended_in_one_statement_once_the_head_is_known() -> None:
    append([entry()])  # the first append ever creates the head under its lock
    with CaptureQueriesContext(connection) as captured:
        (event,) = append(caseload(1, 2, 3))
    assert len(captured) == 1, [q["sql"][:60] for q in captured]
    assert "WITH moved AS (UPDATE" in captured[0]["sql"]
    assert AuditEvent.objects.get(seq=event.seq).about() == [
        (p, p + 100, p + 100) for p in (1, 2, 3)
    ]
    assert chain_head() == (event.seq, event.hash)
    assert [e.seq for e in who_has_seen(2)] == [event.seq]
    assert_chain_whole(2)


@postgresql_only
def test_a_head_moved_by_someone_else_is_found_and_chained_after() -> None:
    append([entry()])
    append([entry(person_id=11)])
    first = AuditEvent.objects.get(seq=1)
    known((first.seq, first.hash))  # as if another connection had appended entry 2
    with CaptureQueriesContext(connection) as captured:
        (event,) = append(caseload(4, 5))
    assert len(captured) == 2  # missed once, then chained after the head it was told of
    assert event.seq == 3 and event.prev_hash == AuditEvent.objects.get(seq=2).hash
    assert AuditSubject.objects.filter(event_id=3).count() == 2
    assert not AuditSubject.objects.filter(event_id=2).exists()  # nothing of the miss stored
    assert_chain_whole(3)


def test_a_head_seen_in_a_transaction_rolled_back_is_no_harm() -> None:
    append([entry()])
    with pytest.raises(RuntimeError), transaction.atomic():
        append(caseload(1, 2))  # seq 2, then undone
        raise RuntimeError("the work being logged failed")
    # The number 2 is taken again by other entries, with another hash.
    (again,) = append([entry(person_id=12)])
    (listed,) = append(caseload(7, 8))
    assert (again.seq, listed.seq) == (2, 3)
    assert AuditEvent.objects.get(seq=2).person_id == 12
    assert AuditEvent.objects.get(seq=3).about() == [(7, 107, 107), (8, 108, 108)]
    assert_chain_whole(3)


def test_a_stale_or_foreign_guess_never_breaks_the_chain() -> None:
    append([entry()])
    for guess in [(0, GENESIS), (1, "f" * 64), (99, "0" * 64)]:
        known(guess)
        append(caseload(1, 2))
    assert_chain_whole(4)


def test_bulk_appends_keep_the_locked_path(monkeypatch: pytest.MonkeyPatch) -> None:
    append([entry()])
    many = [entry(record_id=n) for n in range(services.ONE_STATEMENT_MOST + 1)]
    with CaptureQueriesContext(connection) as captured:
        append(many)
    assert not any("WITH moved" in q["sql"] for q in captured)
    # So do lists of more subjects than it takes.
    (long,) = caseload(*range(1, services.ONE_STATEMENT_SUBJECTS + 2))
    with CaptureQueriesContext(connection) as captured:
        append([long])
    assert not any("WITH moved" in q["sql"] for q in captured)
    # And after as many misses as it tries, a page's append takes the lock too.
    monkeypatch.setattr(services, "ONE_STATEMENT_TRIES", 1)
    known((1, "f" * 64))
    append(caseload(3, 4))
    assert_chain_whole(1 + len(many) + 1 + 1)
