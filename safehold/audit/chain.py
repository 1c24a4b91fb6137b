"""The hash chain: which fields are hashed, how they are encoded, and the hash of an entry.

hash = sha256(prev_hash || canonical(entry)), where canonical(entry) is a compact JSON array
of a format version and the hashed fields in a fixed order. Only strings, integers and null go
in, and the timestamp goes in as UTC ISO-8601 text with microseconds, so the encoding of a row
read back from SQLite or PostgreSQL is byte-for-byte the one computed when it was appended.
Changing anything here breaks every existing chain: add a new format version instead.

Format v1 is an event about at most one person, case and record, named in its own fields.
Format v2 is an event about a list (a caseload, a search's results, a batch of names): the same
fields, then the list of its subjects as [person, case, record] triples in order, so adding,
removing, changing or reordering a subject changes the hash. An event has subjects or not;
verify picks the format by that, and either change of format changes the hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo

GENESIS = "0" * 64
"""The prev_hash of entry 1."""

FORMAT = "v1"
LIST_FORMAT = "v2"

Subject = tuple[int | None, int | None, int | None]
"""Whom a list event is about: (person, case, record) ids."""

# Order matters: it is the order of values in the canonical encoding.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "decision",
    "rule",
    "person_id",
    "case_id",
    "record_type",
    "record_id",
    "categories",
    "purpose",
    "reason",
    "recipient",
    "pack_version_id",
)
SEQ, AT = 0, 1  # the fast path below relies on these two coming first
_END = len(HASHED_FIELDS)
assert HASHED_FIELDS[SEQ] == "seq" and HASHED_FIELDS[AT] == "at"


def _json_encoder() -> Callable[[list[object]], str]:
    """Compact, ASCII-only JSON. The C encoder is built once: JSONEncoder.encode builds a new one
    on every call, which is most of the cost of hashing a row."""
    reference = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return reference.encode
    fast = make(
        None,
        reference.default,
        json.encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        False,
        False,
        False,
    )

    def encode(values: list[object]) -> str:
        return "".join(fast(values, 0))

    return encode


_encode = _json_encoder()


def timestamp_text(at: datetime) -> str:
    """The timestamp as hashed: UTC, always with microseconds."""
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(values: Sequence[object], subjects: Sequence[Subject] = ()) -> bytes:
    """The encoding of one entry's hashed fields, given in HASHED_FIELDS order, and of a list
    event's subjects (v2) if it has any."""
    fields = list(values)
    at = fields[AT]
    if isinstance(at, datetime):
        fields[AT] = timestamp_text(at)
    if subjects:
        return _encode([LIST_FORMAT, *fields, [list(s) for s in subjects]]).encode("utf-8")
    return _encode([FORMAT, *fields]).encode("utf-8")


def chained_rows(
    prev_hash: str,
    first_seq: int,
    at_text: str,
    stored_at: object,
    fields: Sequence[Sequence[object]],
    subjects: Sequence[Sequence[Subject]],
) -> list[tuple[object, ...]]:
    """The rows of one append, as stored: (seq, stored_at, *fields, prev_hash, hash) for each
    entry in turn, numbered from `first_seq`, the first chained to `prev_hash`. `fields` are
    each entry's hashed values after seq and at (HASHED_FIELDS order), `at_text` the shared
    timestamp as hashed (timestamp_text), `subjects` each entry's list subjects (v2) or ().
    The same bytes as canonical(), built in one loop: an append of 5,000 spends its Python
    here."""
    rows: list[tuple[object, ...]] = []
    add, sha256, encode = rows.append, hashlib.sha256, _encode
    seq = first_seq
    for values, listed in zip(fields, subjects, strict=True):
        if listed:
            encoded = encode([LIST_FORMAT, seq, at_text, *values, [*map(list, listed)]])
        else:
            encoded = encode([FORMAT, seq, at_text, *values])
        digest = sha256((prev_hash + encoded).encode("utf-8")).hexdigest()
        add((seq, stored_at, *values, prev_hash, digest))
        prev_hash = digest
        seq += 1
    return rows


def entry_hash(prev_hash: str, values: Sequence[object], subjects: Sequence[Subject] = ()) -> str:
    """sha256(prev_hash || canonical(values, subjects)), as 64 hex digits."""
    return hashlib.sha256(prev_hash.encode("utf-8") + canonical(values, subjects)).hexdigest()


class RowHasher:
    """entry_hash for a stream of rows in HASHED_FIELDS order (then anything else), where the
    timestamp is the database's own text for it: parsing a timestamp costs more than hashing
    the row, and entries appended together share one, so each distinct text is parsed once.

    `naive_tz` is the zone of a timestamp stored without an offset (SQLite): the database
    connection's, as Django reads it.
    """

    __slots__ = ("_naive_tz", "_raw", "_text")

    def __init__(self, naive_tz: tzinfo) -> None:
        self._naive_tz = naive_tz
        self._raw: object = None
        self._text = ""

    def __call__(
        self, prev_hash: str, row: Sequence[object], subjects: Sequence[Subject] = ()
    ) -> str:
        raw = row[AT]
        if raw != self._raw:
            self._text = timestamp_text(self.parse(raw))
            self._raw = raw
        if subjects:
            encoded = _encode(
                [LIST_FORMAT, row[SEQ], self._text, *row[AT + 1 : _END], [*map(list, subjects)]]
            )
        else:
            encoded = _encode([FORMAT, row[SEQ], self._text, *row[AT + 1 : _END]])
        return hashlib.sha256((prev_hash + encoded).encode("utf-8")).hexdigest()

    def parse(self, raw: object) -> datetime:
        """A stored timestamp's text (or a datetime) as an aware datetime; ValueError if it is
        not a timestamp."""
        if isinstance(raw, datetime):
            at = raw
        elif isinstance(raw, str):
            at = datetime.fromisoformat(raw)
        else:
            raise ValueError(f"{raw!r} is not a timestamp")
        return at if at.tzinfo is not None else at.replace(tzinfo=self._naive_tz)
