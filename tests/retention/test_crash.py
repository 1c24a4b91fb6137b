"""A sweep killed at any point leaves every unit whole or gone, and the next one finishes.

The sweep runs as `safehold retention sweep` in a subprocess against this test's committed
database, and kills itself with SIGKILL (no cleanup, no rollback by Python: the server drops
the connection) at a chosen point of its second batch, through the SAFEHOLD_SWEEP_CRASH test
hook. Then every unit is checked: either every row of the case file is there and the unit is
still approved, with no destruction record and no audit event; or none is, and both are.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from safehold.audit.models import Action, AuditEvent
from safehold.audit.services import verify_chain
from safehold.records.models import Case
from safehold.retention.models import DisposalRecord, UnitStatus
from safehold.retention.sweep import CRASH_ENV
from tests.retention.conftest import approve_all, case_file, due_case, make_place, rows_of

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only: the killed sweep runs in another process, which cannot reach "
        "the SQLite test database (in memory, private to this process)",
    ),
    pytest.mark.django_db(transaction=True),
]

REPO = Path(__file__).resolve().parents[2]
BATCH = 3
CASES = 8  # batches of 3, 3 and 2


def run_sweep(crash: str | None) -> subprocess.CompletedProcess[str]:
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "safehold.settings_test",
    }
    env.pop(CRASH_ENV, None)
    if crash:
        env[CRASH_ENV] = crash
    command = [sys.executable, "-m", "safehold", "retention", "--skip-checks", "sweep"]
    return subprocess.run(
        [*command, "--batch", str(BATCH)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def whole_or_gone(cases: list[Case]) -> set[int]:
    """Every case file is whole (approved, no record) or gone (with its record and its audit
    event); the ids of those gone."""
    gone = set()
    for case in cases:
        rows = rows_of(case.pk)
        u = case_file(case)
        records = DisposalRecord.objects.filter(unit=u).count()
        events = AuditEvent.objects.filter(action=Action.RETENTION_DISPOSE, case_id=case.pk).count()
        if set(rows.values()) == {1}:
            assert (u.status, records, events) == (UnitStatus.APPROVED, 0, 0), case.pk
        else:
            assert set(rows.values()) == {0}, (case.pk, rows)  # never partly deleted
            assert (u.status, records, events) == (UnitStatus.DISPOSED, 1, 1), case.pk
            gone.add(case.pk)
    return gone


@pytest.mark.parametrize(
    ("stage", "gone_after_crash"),
    [
        ("claimed", 3),  # batch 2 claimed, nothing done: only batch 1 is gone
        ("disposed", 3),  # batch 2's rows deleted, not yet recorded: rolled back
        ("recorded", 3),  # recorded and audited, not committed: rolled back
        ("committed", 6),  # batch 2 committed, batch 3 not begun
    ],
)
def test_killed_sweep_leaves_units_whole_or_gone(
    erased_log: None, stage: str, gone_after_crash: int
):
    place = make_place("cambridgeshire-yos")
    cases = [due_case(place) for _ in range(CASES)]
    assert approve_all(place) == CASES

    killed = run_sweep(f"{stage}:2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(whole_or_gone(cases)) == gone_after_crash
    assert verify_chain().ok

    finished = run_sweep(None)
    assert finished.returncode == 0, finished.stderr
    assert f"Disposed of {CASES - gone_after_crash} units" in finished.stdout
    assert len(whole_or_gone(cases)) == CASES
    assert DisposalRecord.objects.count() == CASES
    assert verify_chain().ok
