"""One event per list: its subjects are stored beside it, covered by its hash, found by "who has
seen this child", and any change to them is caught like a change to the event."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection, transaction

from safehold.audit import services
from safehold.audit.chain import HASHED_FIELDS, canonical, entry_hash
from safehold.audit.models import Action, AuditEvent, AuditSubject, ChainHead
from safehold.audit.selectors import case_history, guard_problems, who_has_seen
from safehold.audit.services import ChainBreak, InvalidEntry, append, as_lists, verify_chain
from tests.audit.conftest import entry
from tests.audit.dba import as_dba

pytestmark = pytest.mark.django_db


def caseload(*people: int, **overrides: object) -> list[services.AuditEntry]:
    """A list of cases, one entry per case shown (case id = person id + 100)."""
    return [
        entry(action=Action.LIST, person_id=p, case_id=p + 100, record_id=p + 100, **overrides)
        for p in people
    ]


def test_entries_alike_but_for_whom_they_are_about_become_one_event_listing_them() -> None:
    shown = [*caseload(1, 2), entry(person_id=3, categories=["identity"]), *caseload(4)]
    listed = as_lists(shown)
    assert len(listed) == 2
    assert listed[0].subjects == ((1, 101, 101), (2, 102, 102), (4, 104, 104))
    assert (listed[0].person_id, listed[0].case_id, listed[0].record_id) == (None, None, None)
    assert listed[0].rule == shown[0].rule and listed[0].categories == ("health", "identity")
    assert listed[1] is shown[2]  # alike no other: as it was
    assert as_lists(caseload(5)) == caseload(5)


def test_a_list_is_one_event_whose_subjects_are_stored_in_order() -> None:
    (event,) = append(as_lists(caseload(3, 1, 2)))
    assert (event.person_id, event.case_id) == (None, None)
    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.about() == [(3, 103, 103), (1, 101, 101), (2, 102, 102)]
    assert list(AuditSubject.objects.values_list("event_id", "position")) == [
        (event.seq, 0),
        (event.seq, 1),
        (event.seq, 2),
    ]
    # A single event names its subject itself, as before.
    (single,) = append([entry(person_id=9)])
    assert AuditEvent.objects.get(seq=single.seq).about() == [(9, 20, 30)]
    assert verify_chain().ok


def test_the_hash_of_a_list_covers_its_subjects_in_format_v2() -> None:
    at = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    values = entry().hashed_values(1, at)
    subjects = [(1, 101, None), (2, None, 5)]
    encoded = json.loads(canonical(values, subjects))
    assert encoded[0] == "v2" and encoded[-1] == [[1, 101, None], [2, None, 5]]
    assert encoded[1:-1] == json.loads(canonical(values))[1:]
    assert entry_hash("0" * 64, values, subjects) != entry_hash("0" * 64, values)
    assert entry_hash("0" * 64, values, subjects) != entry_hash("0" * 64, values, subjects[::-1])


def test_a_list_says_whom_it_is_about_only_in_its_subjects() -> None:
    with pytest.raises(InvalidEntry, match="in its subjects only"):
        entry(subjects=[(1, 2, 3)])
    with pytest.raises(InvalidEntry, match="64-bit"):
        entry(person_id=None, case_id=None, record_id=None, subjects=[(2**63, None, None)])
    with pytest.raises(InvalidEntry, match="not"):
        entry(person_id=None, case_id=None, record_id=None, subjects=[(1, 2)])


def test_who_has_seen_finds_a_child_in_a_list_and_in_single_events(
    django_assert_num_queries,
) -> None:
    append(as_lists(caseload(1, 2, 3)))
    append([entry(person_id=2, case_id=102, action=Action.UPDATE)])
    append(as_lists(caseload(4, 5)))
    with django_assert_num_queries(1):
        seen = [(e.seq, e.action) for e in who_has_seen(2)]
    assert seen == [(2, "update"), (1, "list")]
    assert [e.seq for e in who_has_seen(5)] == [3]
    assert [e.seq for e in case_history(101)] == [1]
    assert who_has_seen(99).count() == 0


def test_subjects_are_append_only_like_events() -> None:
    append(as_lists(caseload(1, 2)))
    assert guard_problems() == ()
    for sql in ("UPDATE audit_subject SET person_id = 9", "DELETE FROM audit_subject"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditSubject.objects.count() == 2


@pytest.fixture
def chain() -> list[AuditEvent]:
    """Six events: singles and lists, in three batches."""
    return [
        *append([entry(person_id=1), *as_lists(caseload(2, 3, 4))]),
        *append([*as_lists(caseload(5, 6)), entry(person_id=7)]),
        *append([entry(person_id=8), *as_lists(caseload(9, 10))]),
    ]


def broken() -> ChainBreak:
    result = verify_chain(window=4, chunk_size=2)  # breaks cross window and chunk edges too
    assert not result.ok
    assert result.problem is not None, result
    return result.problem


def test_the_untouched_chain_of_lists_is_intact(chain) -> None:
    assert [len(AuditEvent.objects.get(seq=e.seq).about()) for e in chain] == [1, 3, 2, 1, 1, 2]
    for window, chunk_size in ((4, 2), (1, 1), (200_000, 5_000)):
        result = verify_chain(window=window, chunk_size=chunk_size)
        assert result.ok and result.checked == 6, result


@pytest.mark.parametrize(
    ("column", "value"), [("person_id", 99), ("case_id", None), ("record_id", 7)]
)
def test_an_edited_subject_is_named_as_its_event_edited(chain, column, value) -> None:
    with as_dba():
        AuditSubject.objects.filter(event_id=3, position=1).update(**{column: value})
    problem = broken()
    assert (problem.seq, problem.kind) == (3, "edited")
    assert "hash mismatch" in problem.detail


def test_a_removed_subject_is_named_as_its_event_edited(chain) -> None:
    with as_dba():
        AuditSubject.objects.filter(event_id=2, position=2).delete()
    assert (broken().seq, broken().kind) == (2, "edited")
    with as_dba():
        AuditSubject.objects.filter(event_id=2).delete()  # all of them: no longer a list
    assert (broken().seq, broken().kind) == (2, "edited")


def test_a_subject_added_to_a_list_or_to_a_single_event_is_caught(chain) -> None:
    with as_dba():
        AuditSubject.objects.create(event_id=6, position=2, person_id=11)
    assert (broken().seq, broken().kind) == (6, "edited")
    with as_dba():
        AuditSubject.objects.filter(event_id=6, position=2).delete()
        AuditSubject.objects.create(event_id=5, position=0, person_id=11)
    assert verify_chain(signed=False).problem == broken()
    assert (broken().seq, broken().kind) == (5, "edited")


def test_subjects_swapped_between_places_are_caught(chain) -> None:
    with as_dba():
        AuditSubject.objects.filter(event_id=2, position=0).update(position=9)
        AuditSubject.objects.filter(event_id=2, position=2).update(position=0)
        AuditSubject.objects.filter(event_id=2, position=9).update(position=2)
    assert (broken().seq, broken().kind) == (2, "edited")


def test_a_subject_moved_to_another_list_is_caught(chain) -> None:
    with as_dba():
        AuditSubject.objects.filter(event_id=3, position=1).update(event_id=6, position=2)
    assert (broken().seq, broken().kind) == (3, "edited")


def test_subjects_of_no_entry_are_named_as_inserted(chain) -> None:
    with as_dba():
        AuditSubject.objects.create(event_id=7, position=0, person_id=11)
    problem = broken()
    assert (problem.seq, problem.kind) == (7, "inserted")
    assert "subjects are listed under entry 7" in problem.detail


def test_subjects_left_behind_by_a_deleted_list_are_named_by_the_gap(chain) -> None:
    with as_dba():
        AuditEvent.objects.filter(seq=3).delete()
    problem = broken()
    assert (problem.seq, problem.kind) == (3, "deleted")


def test_a_list_rewritten_with_fresh_hashes_is_caught_only_by_an_anchor(chain) -> None:
    anchor = (6, chain[5].hash)
    with as_dba():
        AuditSubject.objects.filter(event_id=2, position=0).update(person_id=99)
        prev = chain[0].hash
        for event in AuditEvent.objects.filter(seq__gte=2).order_by("seq"):
            listed = [(s.person_id, s.case_id, s.record_id) for s in event.subjects.all()]
            event.prev_hash = prev
            event.hash = prev = entry_hash(prev, [getattr(event, f) for f in HASHED_FIELDS], listed)
            event.save()
        ChainHead.objects.update(hash=prev)
    assert verify_chain().ok
    problem = verify_chain(anchor=anchor).problem
    assert problem is not None and (problem.seq, problem.kind) == (6, "anchor")
