"""Appenders on several connections at once still leave one unbroken chain."""

from __future__ import annotations

import threading
import time

from django.db import OperationalError, connection, connections

from safehold.audit.models import AuditEvent
from safehold.audit.services import append, verify_chain
from tests.audit.conftest import entry

WRITERS, BATCHES, BATCH = 4, 8, 25


def write(worker: int, batches: list[list[int]], errors: list[BaseException]) -> None:
    try:
        for n in range(BATCHES):
            batch = [entry(person_id=worker, record_id=n * BATCH + i) for i in range(BATCH)]
            while True:
                try:
                    events = append(batch)
                    break
                except OperationalError as exc:
                    # The SQLite test database is shared-cache in memory, where a lock
                    # held by another connection fails at once instead of waiting.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.001)
            batches.append([e.seq for e in events])
    except BaseException as exc:
        errors.append(exc)
    finally:
        connections.close_all()


def test_concurrent_appends_keep_one_contiguous_valid_chain(committed_db) -> None:
    batches: list[list[int]] = []
    errors: list[BaseException] = []
    threads = [threading.Thread(target=write, args=(w, batches, errors)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    total = WRITERS * BATCHES * BATCH
    assert AuditEvent.objects.count() == total
    # Each batch got a run of consecutive numbers: appenders never interleave.
    assert all(seqs == list(range(seqs[0], seqs[0] + BATCH)) for seqs in batches)
    assert sorted(s for seqs in batches for s in seqs) == list(range(1, total + 1))
    # ...and their timestamps follow the chain's order.
    times = list(AuditEvent.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)
    result = verify_chain()
    assert result.ok and result.checked == total, result
    assert connection.vendor in {"sqlite", "postgresql"}
