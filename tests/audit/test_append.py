"""Appending to the log, and the encoding that the chain hashes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from safehold.audit import services
from safehold.audit.chain import GENESIS, HASHED_FIELDS, canonical, entry_hash, timestamp_text
from safehold.audit.models import Action, AuditEvent, Decision
from safehold.audit.selectors import chain_head
from safehold.audit.services import InvalidEntry, append, append_one, verify_chain
from tests.audit.conftest import entry


def stored_values(seq: int) -> tuple[object, ...]:
    return AuditEvent.objects.values_list(*HASHED_FIELDS, "prev_hash", "hash").get(seq=seq)


@pytest.mark.django_db
def test_append_chains_a_batch_and_verify_accepts_it() -> None:
    first = append([entry(person_id=1), entry(person_id=2), entry(person_id=3)])
    second = append([entry(person_id=4)])

    assert [e.seq for e in first + second] == [1, 2, 3, 4]
    assert first[0].prev_hash == GENESIS
    for before, after in zip(first + second, (first + second)[1:], strict=False):
        assert after.prev_hash == before.hash
    # One timestamp per batch, taken at append.
    assert len({e.at for e in first}) == 1
    assert second[0].at >= first[0].at
    assert chain_head() == (4, second[0].hash)

    result = verify_chain()
    assert result.ok, result
    assert result.checked == 4 and result.problem is None and result.unguarded == ()
    assert result.rate > 0


@pytest.mark.django_db
def test_an_empty_log_verifies_and_an_empty_batch_is_nothing() -> None:
    assert append([]) == []
    result = verify_chain()
    assert result.ok and result.checked == 0 and result.head_seq == 0


@pytest.mark.django_db
def test_the_stored_row_hashes_to_what_was_computed_at_append(monkeypatch) -> None:
    # A timestamp with no microseconds and text full of awkward characters: both databases
    # must give back exactly what was hashed.
    on_the_second = datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC)  # the BST change, too
    monkeypatch.setattr(services.timezone, "now", lambda: on_the_second)
    awkward = 'Ŵyn "quoted" \\ back\nslash\t😀 ' + "ü" * 3
    event = append_one(
        entry(
            action=Action.BREAK_GLASS,
            reason=awkward,
            actor_label="léa.o'brien",
            categories=["offending", "health", "health", "ethnicity"],
            person_id=2**63 - 1,
            record_id=None,
            case_id=None,
        )
    )
    assert event.categories == "ethnicity,health,offending"

    row = stored_values(event.seq)
    assert row[1] == on_the_second and row[HASHED_FIELDS.index("reason")] == awkward
    assert entry_hash(str(row[-2]), row[:-2]) == row[-1] == event.hash
    assert verify_chain().ok


def test_the_models_columns_are_in_chain_order() -> None:
    # append() builds each row positionally from the values it hashed.
    assert tuple(f.attname for f in AuditEvent._meta.concrete_fields) == services.CHAIN_COLUMNS


def test_canonical_encoding_is_plain_compact_json_of_utc_text() -> None:
    london = datetime(2026, 7, 1, 13, 30, 5, 120, tzinfo=ZoneInfo("Europe/London"))
    awkward = 'é Ŵ "q" \\ \n\t\x01 😀 \u2028'
    values = (
        7,
        london,
        None,
        "x",
        "read",
        "allowed",
        "r",
        1,
        None,
        "",
        3,
        "a,b",
        "p",
        awkward,
        "",
        9,
    )
    expected = json.dumps(
        ["v1", 7, "2026-07-01T12:30:05.000120+00:00", *values[2:]],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    assert canonical(values) == expected.encode()
    assert timestamp_text(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000+00:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        timestamp_text(datetime(2026, 1, 1))


def test_the_hash_of_a_known_entry_never_changes() -> None:
    # Changing the encoding would break every stored chain: this pins format v1.
    values = (
        1,
        datetime(2026, 1, 1, 9, 0, 0, 123456, tzinfo=UTC),
        5,
        "case.manager",
        "read",
        "allowed",
        "role case-manager",
        10,
        20,
        "contact",
        30,
        "health,identity",
        "court-orders",
        "",
        "",
        1,
    )
    assert entry_hash(GENESIS, values) == PINNED


PINNED = "e366ba956a055570c5d4074bce73bbf600afe72f4e67711c1b6e4f61d8368636"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"actor_label": " "}, "must say who"),
        ({"rule": ""}, "names the rule"),
        ({"purpose": "", "reason": ""}, "must say why"),
        ({"action": Action.BREAK_GLASS, "reason": ""}, "break-glass access needs the reason"),
        ({"action": Action.DISCLOSE}, "disclosure needs its recipient"),
        ({"action": Action.REFUSE}, "refusal is a refused decision"),
        ({"action": "peek"}, "not a valid Action"),
        ({"decision": "maybe"}, "not a valid Decision"),
        ({"categories": "health"}, "not one string"),
        ({"categories": ["health,identity"]}, "is not a code"),
        ({"categories": ["Health"]}, "is not a code"),
        ({"purpose": "court orders"}, "is not a code"),
        ({"person_id": 2**63}, "64-bit integer"),
        ({"case_id": True}, "64-bit integer"),
        ({"record_id": "30"}, "64-bit integer"),
        ({"reason": "nul\x00"}, "NUL"),
        ({"actor_label": "x" * 151}, "longer than 150"),
    ],
)
def test_an_entry_that_would_not_say_who_what_or_why_is_refused(overrides, message) -> None:
    with pytest.raises(InvalidEntry, match=message):
        entry(**overrides)


def test_entries_are_normalised_and_frozen() -> None:
    made = entry(action="disclose", decision="allowed", recipient="police", categories={"b", "a"})
    assert made.action is Action.DISCLOSE and made.decision is Decision.ALLOWED
    assert made.categories == ("a", "b")
    with pytest.raises(AttributeError):
        made.purpose = "other"  # type: ignore[misc]
