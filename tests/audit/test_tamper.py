"""Someone with DBA rights changes the log: verify names the first entry that is not as written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from safehold.audit.chain import HASHED_FIELDS, entry_hash
from safehold.audit.models import AuditEvent, ChainHead
from safehold.audit.services import ChainBreak, append, verify_chain
from tests.audit.conftest import entry
from tests.audit.dba import as_dba

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain() -> list[AuditEvent]:
    """Ten entries, appended in three batches."""
    return [
        *append([entry(person_id=p) for p in (1, 2, 3)]),
        *append([entry(person_id=p) for p in (4, 5, 6, 7)]),
        *append([entry(person_id=p) for p in (8, 9, 10)]),
    ]


def broken() -> ChainBreak:
    result = verify_chain(window=4)  # small windows, so breaks cross window edges too
    assert not result.ok
    assert result.problem is not None, result
    return result.problem


def forge(seq: int, prev_hash: str, **overrides: object) -> AuditEvent:
    """A row an attacker who knows the hash function writes straight into the table."""
    model = AuditEvent.objects.get(seq=seq - 1)
    fields = {name: getattr(model, name) for name in HASHED_FIELDS}
    fields.update(seq=seq, person_id=99, purpose="made-up", **overrides)
    digest = entry_hash(prev_hash, [fields[name] for name in HASHED_FIELDS])
    return AuditEvent(**fields, prev_hash=prev_hash, hash=digest)


def test_the_untouched_chain_is_intact(chain) -> None:
    result = verify_chain(window=4)
    assert result.ok and result.checked == 10 and result.head_seq == 10


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("purpose", "something-else"),
        ("person_id", 11),
        ("categories", "identity"),
        ("actor_label", "someone.else"),
        ("decision", "refused"),
        ("rule", "role case-manager may read everything"),
        ("record_id", None),
        ("prev_hash", "f" * 64),
        ("hash", "f" * 64),
    ],
)
def test_an_edited_field_is_named_as_edited(chain, column, value) -> None:
    with as_dba():
        AuditEvent.objects.filter(seq=6).update(**{column: value})
    problem = broken()
    assert (problem.seq, problem.kind) == (6, "edited")
    assert "hash mismatch" in problem.detail


def test_a_timestamp_moved_by_one_microsecond_is_named_as_edited(chain) -> None:
    with as_dba():
        AuditEvent.objects.filter(seq=5).update(at=chain[4].at + timedelta(microseconds=1))
    assert (broken().seq, broken().kind) == (5, "edited")


def test_a_deleted_entry_is_named_by_the_gap(chain) -> None:
    with as_dba():
        AuditEvent.objects.filter(seq=6).delete()
    problem = broken()
    assert (problem.seq, problem.kind) == (6, "deleted")
    assert "gap in sequence: entry 6 is missing (the next is 7)" in problem.detail
    assert str(problem).startswith("entry 6: deleted:")


def test_deleted_entries_at_the_start_and_in_a_run_are_named(chain) -> None:
    with as_dba():
        AuditEvent.objects.filter(seq__in=[1, 2]).delete()
    assert (broken().seq, broken().kind) == (1, "deleted")
    assert "entries 1-2 are missing" in broken().detail


def test_a_deleted_tail_is_caught_by_the_chain_head(chain) -> None:
    with as_dba():
        AuditEvent.objects.filter(seq__gte=9).delete()
    problem = broken()
    assert (problem.seq, problem.kind) == (9, "deleted")
    assert "entries 9-10 are missing: the chain head is entry 10" in problem.detail


def test_a_forged_entry_inserted_in_the_middle_is_named(chain) -> None:
    # The attacker renumbers entries 6.. up by one, writes a well-chained entry 6 and moves
    # the head along, so the sequence is contiguous and the head agrees.
    with as_dba():
        for seq in range(10, 5, -1):
            AuditEvent.objects.filter(seq=seq).update(seq=seq + 1)
        forge(6, prev_hash=chain[4].hash).save(force_insert=True)
        ChainHead.objects.update(seq=11)
    problem = broken()
    assert (problem.seq, problem.kind) == (6, "inserted")
    assert "entry 7 is chained to entry 5" in problem.detail


def test_a_forged_entry_appended_behind_the_logs_back_is_named(chain) -> None:
    with as_dba():
        forge(11, prev_hash=chain[-1].hash).save(force_insert=True)
    problem = broken()
    assert (problem.seq, problem.kind) == (11, "inserted")
    assert "past the chain head (entry 10)" in problem.detail


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(chain) -> None:
    replacement = forge(4, prev_hash=chain[2].hash)
    with as_dba():
        AuditEvent.objects.filter(seq=4).delete()
        replacement.save(force_insert=True)
    problem = broken()
    assert (problem.seq, problem.kind) == (5, "reordered")
    assert "does not follow entry 4" in problem.detail


def test_a_whole_chain_rewritten_is_caught_only_by_an_anchor(chain) -> None:
    anchor = (7, chain[6].hash)
    assert verify_chain(anchor=anchor).ok
    # Rewrite from entry 3 on, recomputing every hash and the head: nothing inside the
    # database can tell; the hash recorded elsewhere can.
    with as_dba():
        prev = chain[1].hash
        for event in AuditEvent.objects.filter(seq__gte=3).order_by("seq"):
            event.purpose = "rewritten" if event.seq == 3 else event.purpose
            event.prev_hash = prev
            event.hash = prev = entry_hash(prev, [getattr(event, f) for f in HASHED_FIELDS])
            event.save()
        ChainHead.objects.update(hash=prev)
    assert verify_chain().ok
    problem = verify_chain(anchor=anchor).problem
    assert problem is not None and (problem.seq, problem.kind) == (7, "anchor")
    problem = verify_chain(anchor=(11, "0" * 64)).problem
    assert problem is not None and (problem.seq, problem.kind) == (11, "truncated")
    assert "entries 11-11 are missing: the anchor given covers entry 11" in problem.detail


def test_a_chain_head_moved_back_is_noticed(chain) -> None:
    with as_dba():
        ChainHead.objects.update(seq=8, hash=chain[7].hash)
    assert (broken().seq, broken().kind) == (9, "inserted")


def test_a_chain_head_with_a_wrong_hash_is_noticed(chain) -> None:
    with as_dba():
        ChainHead.objects.update(hash="e" * 64)
    assert (broken().seq, broken().kind) == (10, "head")


def test_switched_off_triggers_are_reported_even_when_the_chain_is_intact(chain) -> None:
    with as_dba():
        result = verify_chain()
    assert result.problem is None and not result.ok
    assert "audit_event" in " ".join(result.unguarded)
    assert verify_chain().ok


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_value_django_cannot_read_back_is_named_not_crashed_on(chain) -> None:
    with as_dba(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_event SET at = '2026-13-45 99:99:99' WHERE seq = 3")
    assert (broken().seq, broken().kind) == (3, "edited")
    assert broken().detail.startswith("unreadable:")
