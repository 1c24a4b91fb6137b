"""The database proves windows of the chain intact itself; what it cannot prove, it leaves to
the row-by-row check, which names the break (tests/audit/test_tamper.py, test_lists.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from safehold.audit import digests, services
from safehold.audit.models import Action, AuditEvent, AuditSubject
from safehold.audit.selectors import chain_head
from safehold.audit.services import append, as_lists, verify_chain
from tests.audit.conftest import entry
from tests.audit.dba import as_dba

pytestmark = pytest.mark.django_db

AWKWARD = 'Ŵyn "quoted" \\ back\nslash\t😀 \x7f\x1f ' + "ü" * 3


@pytest.fixture
def chain() -> None:
    append([entry(person_id=p) for p in (1, 2, 3)])
    append([entry(reason=AWKWARD, actor_label="léa.o'brien", categories=[]), entry(rule="a\\b")])
    append(as_lists([entry(action=Action.LIST, person_id=p, case_id=None) for p in (4, 5, 6)]))
    append([entry(person_id=2**63 - 1, record_id=None, case_id=None, recipient="")])


def test_the_database_proves_an_intact_chain_of_awkward_text_and_lists(chain) -> None:
    head = chain_head()
    assert head[0] == 7
    proven = digests.prove(0, 7, "0" * 64)
    assert proven is not None and proven.last == head[1]
    assert proven.before_last == AuditEvent.objects.get(seq=6).hash
    # In windows, each chained to the last.
    first = digests.prove(0, 3, "0" * 64)
    assert first is not None
    assert digests.prove(3, 7, first.last) == proven
    assert digests.prove(3, 7, "f" * 64) is None  # not chained to what came before


def test_a_timestamp_on_the_second_is_proven_too(monkeypatch) -> None:
    monkeypatch.setattr(services.timezone, "now", lambda: datetime(2026, 3, 29, 1, tzinfo=UTC))
    append([entry(), entry(person_id=2)])
    assert digests.prove(0, 2, "0" * 64) is not None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda: AuditEvent.objects.filter(seq=5).update(reason="other"),
        lambda: AuditEvent.objects.filter(seq=4).update(reason=AWKWARD + "!"),
        lambda: AuditSubject.objects.filter(event_id=6, position=1).update(person_id=9),
        lambda: AuditEvent.objects.filter(seq=3).delete(),
        lambda: AuditEvent.objects.filter(seq=2).update(prev_hash="0" * 64),
    ],
)
def test_a_window_with_anything_changed_is_not_proven(chain, tamper) -> None:
    with as_dba():
        tamper()
    assert digests.prove(0, 7, "0" * 64) is None
    result = verify_chain()
    assert not result.ok and result.problem is not None
    assert result.problem == verify_chain(in_database=False).problem


def test_both_ways_of_verifying_agree_on_an_intact_chain(chain) -> None:
    fast, slow = verify_chain(window=3), verify_chain(window=3, in_database=False)
    assert fast.ok and slow.ok and fast.checked == slow.checked == 7


@pytest.mark.parametrize(
    "tamper",
    [
        None,
        lambda: AuditEvent.objects.filter(seq=17).update(reason="other"),
        # The first entry of a window (windows of 4): only the chaining of windows sees it.
        lambda: AuditEvent.objects.filter(seq=9).update(prev_hash="f" * 64),
        lambda: AuditEvent.objects.filter(seq=12).delete(),
    ],
)
def test_windows_proved_in_parallel_name_what_one_by_one_names(
    committed_db, monkeypatch, tamper
) -> None:
    for n in range(6):
        append([entry(person_id=p) for p in range(n * 5, n * 5 + 5)])
    if tamper is not None:
        with as_dba():
            tamper()
    alone: list[tuple[int, int]] = []
    prove_alone = services._prove_alone
    monkeypatch.setattr(
        services, "_prove_alone", lambda window: alone.append(window) or prove_alone(window)
    )
    parallel = verify_chain(window=4, workers=3)
    one_by_one = verify_chain(window=4, in_database=False)
    assert parallel.problem == one_by_one.problem
    assert parallel.ok == (tamper is None) == one_by_one.ok
    # Another connection sees this test's committed entries, except an in-memory SQLite's.
    assert bool(alone) == (connection.vendor == "postgresql")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")
def test_reading_row_by_row_takes_no_write_lock_on_sqlite(committed_db) -> None:
    # Django's SQLite transactions begin IMMEDIATE, taking the write lock: a verify that read
    # a window in one would stop every append (every page view) until it was done.
    from django.test.utils import CaptureQueriesContext

    append([entry(person_id=p) for p in (1, 2, 3)])
    with CaptureQueriesContext(connection) as captured:
        assert verify_chain(window=2, in_database=False, signed=False).ok
    assert not [q["sql"] for q in captured if q["sql"].upper().startswith("BEGIN")]
