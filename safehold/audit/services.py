"""Writing to the audit log, and proving it has not been changed since.

`append` is the only way entries get into the log: the access gate calls it for every read,
write, export, disclosure and refusal. `verify_chain` walks the whole chain and names the first
entry that is not as it was written.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import sqlite3
import time
import weakref
from collections.abc import Collection, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, overload

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from safehold.audit import checkpoints, digests, selectors
from safehold.audit.chain import (
    GENESIS,
    HASHED_FIELDS,
    RowHasher,
    Subject,
    chained_rows,
    timestamp_text,
)
from safehold.audit.models import Action, AuditEvent, AuditSubject, ChainHead, Decision

HEAD_ID = 1
CODE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
BIGINT = range(-(2**63), 2**63)


# The shapes of entry (all but the ids) already checked, with their action and decision.
_CHECKED: dict[tuple[Any, ...], tuple[Action, Decision]] = {}


class InvalidEntry(ValueError):
    """An entry the log will not take: it would not say who, what, why or under which rule."""


def _text(name: str, value: str, max_length: int | None = None) -> None:
    if not isinstance(value, str):
        raise InvalidEntry(f"{name} must be text, not {type(value).__name__}")
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise InvalidEntry(f"{name} contains a NUL character")
    if max_length is not None and len(value) > max_length:
        raise InvalidEntry(f"{name} is longer than {max_length} characters")


def _code(name: str, value: str) -> None:
    _text(name, value, 64)
    if value and not CODE.match(value):
        raise InvalidEntry(f"{name} {value!r} is not a code (lower-case letters, digits, '-')")


def _bigint(name: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value not in BIGINT:
        raise InvalidEntry(f"{name} must be a 64-bit integer or None, not {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One event to log: who, what, why, and what the gate decided.

    `categories` may be any collection of data category codes; it is kept sorted and without
    duplicates. `actor_id` is None for system jobs, which name themselves in `actor_label`.

    `subjects`: for one event about a list (a caseload, a search's results), the (person,
    case, record) ids of each thing listed, in order; the entry's own person, case and record
    are then None. `as_lists` makes such entries from one entry per thing shown.
    """

    actor_label: str
    action: Action
    decision: Decision
    rule: str
    actor_id: int | None = None
    person_id: int | None = None
    case_id: int | None = None
    record_type: str = ""
    record_id: int | None = None
    categories: Collection[str] = ()
    purpose: str = ""
    reason: str = ""
    recipient: str = ""
    pack_version_id: int | None = None
    subjects: Sequence[Subject] = ()

    def __post_init__(self) -> None:
        if isinstance(self.categories, str):
            raise InvalidEntry("categories must be a collection of codes, not one string")
        categories = tuple(sorted(set(self.categories)))
        # Entries of one batch (a caseload's fifty cases) differ only in their ids: everything
        # else is checked once per process and shape, and remembered.
        shape: tuple[Any, ...] = (
            self.actor_label,
            self.action,
            self.decision,
            self.rule,
            self.record_type,
            categories,
            self.purpose,
            self.reason,
            self.recipient,
        )
        try:
            normalised = _CHECKED.get(shape)
            hashable = True
        except TypeError:  # something unhashable where text belongs: checked below
            normalised, hashable = None, False
        if normalised is None:
            normalised = self._check_shape(categories)
            if hashable:
                if len(_CHECKED) >= 4_096:
                    _CHECKED.clear()
                _CHECKED[shape] = normalised
        # Frozen: normalise through object.__setattr__, once, here.
        object.__setattr__(self, "action", normalised[0])
        object.__setattr__(self, "decision", normalised[1])
        object.__setattr__(self, "categories", categories)
        for name in ("actor_id", "person_id", "case_id", "record_id", "pack_version_id"):
            _bigint(name, getattr(self, name))
        if self.subjects:
            if (self.person_id, self.case_id, self.record_id) != (None, None, None):
                raise InvalidEntry("a list names whom it is about in its subjects only")
            subjects = tuple(map(tuple, self.subjects))
            for subject in subjects:
                if len(subject) != 3:
                    raise InvalidEntry(f"a subject is (person, case, record), not {subject!r}")
                for name, value in zip(("person_id", "case_id", "record_id"), subject, strict=True):
                    _bigint(name, value)
            object.__setattr__(self, "subjects", subjects)

    def _check_shape(self, categories: tuple[str, ...]) -> tuple[Action, Decision]:
        """Everything but the ids: what, how decided, who, why, under which rule."""
        try:
            action, decision = Action(self.action), Decision(self.decision)
        except ValueError as exc:
            raise InvalidEntry(str(exc)) from None
        _text("actor_label", self.actor_label, 150)
        _text("rule", self.rule)
        _text("record_type", self.record_type, 64)
        _text("reason", self.reason)
        _code("purpose", self.purpose)
        _code("recipient", self.recipient)
        for code in categories:
            _code("category", code)

        if not self.actor_label.strip():
            raise InvalidEntry("actor_label is required: the log must say who")
        if not self.rule.strip():
            raise InvalidEntry("rule is required: every decision names the rule that made it")
        if not (self.purpose or self.reason.strip()):
            raise InvalidEntry("a purpose or a reason is required: the log must say why")
        # An access granted must say why; a refused attempt is logged with whatever was typed.
        if (
            action == Action.BREAK_GLASS
            and decision == Decision.ALLOWED
            and not self.reason.strip()
        ):
            raise InvalidEntry("break-glass access needs the reason given for it")
        if action == Action.DISCLOSE and not self.recipient:
            raise InvalidEntry("a disclosure needs its recipient")
        if action == Action.REFUSE and decision != Decision.REFUSED:
            raise InvalidEntry("a refusal is a refused decision")
        return action, decision

    def hashed_values(self, seq: int, at: datetime) -> tuple[Any, ...]:
        """The values the chain hashes, in chain.HASHED_FIELDS order."""
        return (seq, at, *self.chained_fields())

    def chained_fields(self) -> tuple[Any, ...]:
        """The hashed values after `seq` and `at`, in chain.HASHED_FIELDS order, as stored.
        (`_value_`: the enums' text, without the property lookup of `.value`.)"""
        return (
            self.actor_id,
            self.actor_label,
            self.action._value_,
            self.decision._value_,
            self.rule,
            self.person_id,
            self.case_id,
            self.record_type,
            self.record_id,
            ",".join(self.categories),
            self.purpose,
            self.reason,
            self.recipient,
            self.pack_version_id,
        )


def as_lists(entries: Sequence[AuditEntry]) -> list[AuditEntry]:
    """Entries that differ only in whom they are about (a caseload's fifty cases, shown with one
    rule, for one purpose, with the same categories) as one entry listing them as its subjects,
    in the order first shown; an entry alike no other stays as it is. Nothing is lost: each
    subject keeps its person, case and record, and everything else was the same for all."""
    if len(entries) < 2:
        return list(entries)
    groups: dict[tuple[Any, ...], list[AuditEntry]] = {}
    for entry in entries:
        key = (
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.decision,
            entry.rule,
            entry.record_type,
            entry.categories,
            entry.purpose,
            entry.reason,
            entry.recipient,
            entry.pack_version_id,
        )
        groups.setdefault(key, []).append(entry)
    if len(groups) == len(entries):
        return list(entries)
    listed = []
    for group in groups.values():
        if len(group) == 1:
            listed.append(group[0])
            continue
        subjects = [
            subject
            for entry in group
            for subject in (entry.subjects or [(entry.person_id, entry.case_id, entry.record_id)])
        ]
        listed.append(
            dataclasses.replace(
                group[0], person_id=None, case_id=None, record_id=None, subjects=subjects
            )
        )
    return listed


def _lock_head() -> tuple[int, str]:
    """Lock the chain head until the transaction ends, and return its (seq, hash).

    One statement on both databases: an UPDATE that changes nothing takes the row's write
    lock (on SQLite, the database's: writing first means two appenders that both read first
    cannot deadlock upgrading their locks) and RETURNING reads the head under it."""
    table = connection.ops.quote_name(ChainHead._meta.db_table)
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(
                f"UPDATE {table} SET seq = seq WHERE id = %s RETURNING seq, hash",  # noqa: S608
                [HEAD_ID],
            )
            head = cursor.fetchone()
            if head is not None:
                return int(head[0]), str(head[1])
            # The first append ever (or after a test database was flushed). If another
            # appender creates the head at the same moment, its row wins and we wait for it.
            ChainHead.objects.bulk_create(
                [ChainHead(pk=HEAD_ID, seq=0, hash=GENESIS)], ignore_conflicts=True
            )
    raise RuntimeError("the audit chain head could not be created")  # pragma: no cover


class Appended(Sequence[AuditEvent]):
    """The rows one `append` stored, in chain order. Each is made a model instance only when
    it is looked at: most callers look at none, and making 5,000 of them cost more than
    hashing and storing them."""

    __slots__ = ("_at", "_made", "_rows")

    def __init__(self, rows: list[tuple[Any, ...]], at: datetime) -> None:
        # Each row holds `at` as the database was given it (chain.chained_rows); the model
        # instance gets the datetime.
        self._rows = rows
        self._at = at
        self._made: dict[int, AuditEvent] = {}

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> AuditEvent: ...
    @overload
    def __getitem__(self, index: slice) -> list[AuditEvent]: ...
    def __getitem__(self, index: int | slice) -> AuditEvent | list[AuditEvent]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._rows)))]
        index = range(len(self._rows))[index]  # IndexError past either end
        made = self._made.get(index)
        if made is None:
            # The model's columns are in CHAIN_COLUMNS order (a test holds them to it), and
            # each row holds the very values hashed. The stubs misread *args.
            row = self._rows[index]
            made = self._made[index] = AuditEvent(row[0], self._at, *row[2:])  # type: ignore[misc]
        return made

    def __add__(self, other: Sequence[AuditEvent]) -> list[AuditEvent]:
        return [*self, *other]

    def __radd__(self, other: Sequence[AuditEvent]) -> list[AuditEvent]:
        return [*other, *self]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, like a list

    def __repr__(self) -> str:
        return f"<Appended entries {self._rows[0][0]}-{self._rows[-1][0]}>" if self else "[]"


def append(events: Sequence[AuditEntry]) -> Sequence[AuditEvent]:
    """Chain `events` onto the log, in order, in one transaction, and return the stored rows.

    Appenders are serialised by the lock on the chain head, held until the transaction ends:
    call this inside the transaction that does the work being logged (so neither commits
    without the other), and keep that transaction short. All entries of one call share one
    timestamp, taken after the lock so that sequence order is time order.
    """
    if not events:
        return []
    if (
        connection.vendor == "postgresql"
        and len(events) <= ONE_STATEMENT_MOST
        and sum(len(entry.subjects) for entry in events) <= ONE_STATEMENT_SUBJECTS
    ):
        appended = _append_in_one_statement(events)
        if appended is not None:
            return appended
    # No savepoint inside the caller's transaction: if the append fails, so does the work it
    # logs (two statements saved on every logged read).
    with transaction.atomic(savepoint=False):
        head_seq, head_hash = _lock_head()
        at = timezone.now()
        rows, subjects = _chained(events, head_seq, head_hash, at)
        _insert(rows, subjects)
        seq, last = head_seq + len(rows), str(rows[-1][-1])
        _move_head(seq, last, subjects)
        _checkpoint_if_due(head_seq, seq, last)
    _KNOWN_HEAD[connections[DEFAULT_DB_ALIAS]] = (seq, last)
    return Appended(rows, at)


def _chained(
    events: Sequence[AuditEntry], head_seq: int, head_hash: str, at: datetime
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of `events` chained after the head (seq, hash), in CHAIN_COLUMNS order
    (chain.chained_rows), and the subjects of lists in SUBJECT_COLUMNS order."""
    listed = [entry.subjects for entry in events]
    rows = chained_rows(
        head_hash,
        head_seq + 1,
        timestamp_text(at),
        _stored_at(at),
        [entry.chained_fields() for entry in events],
        listed,
    )
    subjects = [
        (seq, position, *subject)
        for seq, listing in enumerate(listed, head_seq + 1)
        for position, subject in enumerate(listing)
    ]
    return rows, subjects


def _checkpoint_if_due(head_seq: int, seq: int, last: str) -> None:
    if checkpoints.due(head_seq, seq):
        # Signed once committed: a checkpoint of entries rolled back would accuse the
        # entries that later take their numbers.
        transaction.on_commit(functools.partial(checkpoints.write_after_commit, seq, last))


# The appends `_append_in_one_statement` takes: a page's reads (a caseload is one event of
# fifty subjects), not bulk appends, whose rows go faster by COPY than as arrays in the text
# (so many entries, or so many subjects in all).
ONE_STATEMENT_MOST = 64
ONE_STATEMENT_SUBJECTS = 1_000
ONE_STATEMENT_TRIES = 3
# The chain head as each connection last saw it (a guess, checked by the database).
_KNOWN_HEAD: weakref.WeakKeyDictionary[Any, tuple[int, str]] = weakref.WeakKeyDictionary()


def _append_in_one_statement(events: Sequence[AuditEntry]) -> Appended | None:
    """On PostgreSQL, append a page's entries in one statement, one round trip (docs/adr/0031):
    the rows are chained in Python after the head this connection last saw, and the database
    moves the head, inserts the events and their subjects together only if the head is still
    that one (compare-and-set on seq and hash, under the head's row lock); otherwise it
    answers with the head as it is, and the rows are chained again after it. None after
    ONE_STATEMENT_TRIES misses (or with no head yet): `append` then locks the head first.

    The chain is as exact as with the lock: an entry is stored only chained to the entry the
    head names at the moment it is stored. Time order holds too: each try takes its timestamp
    after the head it chains to was read, so after that entry's own timestamp was taken."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    head_seq, head_hash = _KNOWN_HEAD.get(wrapper, (0, GENESIS))
    sql = _one_statement_sql()
    for _ in range(ONE_STATEMENT_TRIES):
        at = timezone.now()
        rows, subjects = _chained(events, head_seq, head_hash, at)
        seq, last = head_seq + len(rows), str(rows[-1][-1])
        event_columns = [list(column) for column in zip(*rows, strict=True)]
        subject_columns = (
            [list(column) for column in zip(*subjects, strict=True)]
            if subjects
            else [[] for _ in SUBJECT_COLUMNS]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    seq,
                    last,
                    HEAD_ID,
                    head_seq,
                    head_hash,
                    *event_columns,
                    *subject_columns,
                    HEAD_ID,
                ],
            )
            found = cursor.fetchone()
        if found is None:  # no head yet: the first append ever, made under the lock
            return None
        moved, now_seq, now_hash = found
        if moved:
            _KNOWN_HEAD[wrapper] = (seq, last)
            _checkpoint_if_due(head_seq, seq, last)
            return Appended(rows, at)
        head_seq, head_hash = int(now_seq), str(now_hash)
        _KNOWN_HEAD[wrapper] = (head_seq, head_hash)
    return None


@functools.cache
def _one_statement_sql() -> str:
    """Move the head from (seq, hash) if it is still there; insert the events and subjects
    (one array a column, unnested) only if it moved; answer whether it did, with the head
    as the statement found it."""
    quote = connection.ops.quote_name
    head = quote(ChainHead._meta.db_table)

    def unnest(model: type[AuditEvent | AuditSubject], names: Sequence[str]) -> str:
        table, columns = _columns(model)
        fields = [model._meta.get_field(name) for name in names]
        arrays = ", ".join(
            f"%s::{f.cast_db_type(connection)}[]" for f in fields if isinstance(f, Field)
        )
        return (
            f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays})"  # noqa: S608
            " WHERE EXISTS (SELECT FROM moved)"
        )

    return (
        f"WITH moved AS (UPDATE {head} SET seq = %s, hash = %s"  # noqa: S608 - our own names
        " WHERE id = %s AND seq = %s AND hash = %s RETURNING id),"
        f" events AS ({unnest(AuditEvent, CHAIN_COLUMNS)}),"
        f" listed AS ({unnest(AuditSubject, SUBJECT_COLUMNS)})"
        f" SELECT (SELECT count(*) FROM moved), seq, hash FROM {head} WHERE id = %s"
    )


@functools.cache
def _columns(model: type[AuditEvent | AuditSubject]) -> tuple[str, str]:
    """The table and its columns in CHAIN_COLUMNS or SUBJECT_COLUMNS order, quoted."""
    quote = connection.ops.quote_name
    names = CHAIN_COLUMNS if model is AuditEvent else SUBJECT_COLUMNS
    fields = [f for f in (model._meta.get_field(n) for n in names) if isinstance(f, Field)]
    return quote(model._meta.db_table), ", ".join(quote(f.column or f.attname) for f in fields)


@functools.cache
def _insert_statement(vendor: str, model: type[AuditEvent | AuditSubject]) -> str:
    table, columns = _columns(model)
    # Only the model's own quoted names and placeholders go into the text; values are bound.
    if vendor == "postgresql":
        return f"COPY {table} ({columns}) FROM STDIN"
    places = ", ".join(["?"] * len(columns.split(",")))
    return f"INSERT INTO {table} ({columns}) VALUES ({places})"  # noqa: S608


def _stored_at(at: datetime) -> Any:
    """The append's timestamp as each row gives it to the database: on SQLite as Django stores
    it, on PostgreSQL as the text hashed (UTC, microseconds), which COPY reads as it is."""
    if connection.vendor == "postgresql":
        return timestamp_text(at)
    return AuditEvent._meta.get_field("at").get_db_prep_save(at, connection)


def _insert(rows: Sequence[tuple[Any, ...]], subjects: Sequence[tuple[Any, ...]]) -> None:
    """Store rows in CHAIN_COLUMNS order, each value as the database takes it (and on SQLite
    the subjects of lists, in SUBJECT_COLUMNS order). Every read of personal data appends here,
    so this goes past Django's cursor to the driver's bulk path: COPY on PostgreSQL, one
    prepared INSERT run for every row on SQLite (Django's cursor rewrites the placeholders of
    the whole statement with a regular expression on every call)."""
    sql = _insert_statement(connection.vendor, AuditEvent)
    started = time.monotonic()
    with connection.cursor() as cursor:
        driver = cursor.cursor
        if connection.vendor == "postgresql":
            with driver.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sqlite3.Cursor.executemany(driver, sql, rows)
            if subjects:
                # In the same call to the library, within the process: SQLite has no round
                # trip to save, and no statement that writes two tables (PostgreSQL's go with
                # the head, in _move_head).
                listed = _insert_statement(connection.vendor, AuditSubject)
                sqlite3.Cursor.executemany(driver, listed, subjects)
                sql = f"{sql}; {listed} -- {len(subjects)} subjects"
    if connection.queries_logged:  # counted like any other query (assertNumQueries)
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(rows)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )


def _move_head(seq: int, last: str, subjects: Sequence[tuple[Any, ...]]) -> None:
    """Move the head to the last entry appended; on PostgreSQL, in the same statement, store
    the subjects of lists (one array a column, unnested): one round trip for both."""
    if not subjects or connection.vendor != "postgresql":
        ChainHead.objects.filter(pk=HEAD_ID).update(seq=seq, hash=last)
        return
    table, columns = _columns(AuditSubject)
    head = connection.ops.quote_name(ChainHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH listed AS (INSERT INTO {table} ({columns})"  # noqa: S608 - our own names
            " SELECT * FROM unnest(%s::bigint[], %s::integer[], %s::bigint[], %s::bigint[],"
            f" %s::bigint[])) UPDATE {head} SET seq = %s, hash = %s WHERE id = %s",
            [*map(list, zip(*subjects, strict=True)), seq, last, HEAD_ID],
        )


def append_one(entry: AuditEntry) -> AuditEvent:
    return append([entry])[0]


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry that is not as it was written, and what was done to it."""

    seq: int
    kind: str  # edited | deleted | inserted | reordered | head | anchor | truncated
    detail: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.kind}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    checked: int
    seconds: float
    head_seq: int
    head_hash: str
    problem: ChainBreak | None = None
    unguarded: tuple[str, ...] = field(default=())
    # The signed checkpoints checked against, the last of them, and lines of the checkpoint
    # file that could not be trusted.
    checkpoints: int = 0
    checkpointed_seq: int = 0
    checkpoint_problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.unguarded and not self.checkpoint_problems

    @property
    def rate(self) -> float:
        """Entries checked per second."""
        return self.checked / self.seconds if self.seconds > 0 else float(self.checked)


CHAIN_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")
SUBJECT_COLUMNS = ("event_id", "position", "person_id", "case_id", "record_id")
# As verify reads them: the timestamp as the database's text (see chain.RowHasher).
STREAM_COLUMNS = tuple("at_text" if name == "at" else name for name in CHAIN_COLUMNS)
Row = tuple[Any, ...]
UNREADABLE = (ValueError, TypeError, OverflowError)


def verify_chain(
    *,
    chunk_size: int = 5_000,
    window: int = 50_000,
    anchor: tuple[int, str] | None = None,
    signed: bool = True,
    start: tuple[int, str] = (0, GENESIS),
    in_database: bool = True,
    workers: int | None = None,
) -> VerifyResult:
    """Check every entry's hash, its link to the one before and the sequence's continuity, in
    one ordered pass, then that the chain ends at the head. Stops at the first break.

    Each window is first offered to the database to prove intact (digests.py, unless not
    `in_database`); a window it cannot prove is checked here row by row, which names the break.

    Someone able to recompute every hash can cut the chain's end off or rewrite it from some
    entry on, which no check inside the database can see. So the chain is also checked against
    every signed checkpoint kept outside the database (`signed`, see checkpoints.py), and
    against `anchor`, a (seq, hash) recorded elsewhere by hand (`safehold audit head`).

    `start` is a (seq, hash) already verified: only the entries after it are checked.

    Windows are proved by up to `workers` threads at once (default: one per core, at most
    four; on SQLite one), each on its own connection, when that can see what this one sees: not inside a
    transaction, nor on an in-memory SQLite database. Each window is proved on its own and
    returns its first prev_hash, which must be the last hash of the window before; the
    answers are taken in chain order, so the first break is still the one named.
    """
    started = time.perf_counter()
    head_seq, head_hash = selectors.chain_head()
    anchors: dict[int, tuple[str, str]] = {}
    loaded = checkpoints.load() if signed else None
    if loaded is not None:
        anchors = {seq: (c.hash, str(c)) for seq, c in loaded.by_seq.items()}
    if anchor is not None:
        anchors[anchor[0]] = (anchor[1], "the anchor given")
    expected, last, before_last = start[0] + 1, start[1], ""
    problem: ChainBreak | None = None
    row_hash = RowHasher(connection.timezone or UTC)
    windows = [(low, min(low + window, head_seq)) for low in range(start[0], head_seq, window)]
    proofs = _proofs(windows, workers, in_database=in_database)
    for (low, high), proven in zip(windows, proofs, strict=True):
        if (
            proven is not None
            and proven.first_prev == last
            and digests.anchors_hold(anchors, low, high)
        ):
            expected, last, before_last = high + 1, proven.last, proven.before_last
            continue
        chunks = _chunks(low, high, chunk_size, window)
        try:
            for rows, subjects in chunks:
                for row in rows:
                    seq, prev_hash, stored = row[0], row[-2], row[-1]
                    listed = subjects.pop(seq, ()) if subjects else ()
                    if seq != expected:
                        problem = _gap(expected, seq)
                    elif prev_hash != last or row_hash(last, row, listed) != stored:
                        problem = _diagnose(row_hash, row, listed, last, before_last)
                    elif anchors and seq in anchors and anchors[seq][0] != stored:
                        problem = ChainBreak(
                            seq,
                            "anchor",
                            f"its hash is not the one in {anchors[seq][1]}: the chain was "
                            "rewritten from here or before, and hashed again",
                        )
                    if problem is not None:
                        break
                    before_last, last = last, stored
                    expected += 1
                if problem is None and subjects:
                    problem = _stray(min(subjects))
                if problem is not None:
                    break
        except UNREADABLE as exc:
            # A value stored that is not of its column's type (SQLite stores anything).
            problem = ChainBreak(expected, "edited", f"unreadable: {exc}")
        finally:
            chunks.close()
        if problem is not None:
            proofs.close()
            break
    else:
        problem = _check_ends(expected - 1, last, head_seq, head_hash, anchors)
    return VerifyResult(
        checked=expected - 1 - start[0],
        seconds=time.perf_counter() - started,
        head_seq=head_seq,
        head_hash=head_hash,
        problem=problem,
        unguarded=selectors.guard_problems(),
        checkpoints=len(loaded.by_seq) if loaded else 0,
        checkpointed_seq=max(loaded.by_seq, default=0) if loaded else 0,
        checkpoint_problems=loaded.problems if loaded else (),
    )


def _proofs(
    windows: list[tuple[int, int]], workers: int | None, *, in_database: bool
) -> Generator[digests.Proven | None, None, None]:
    """digests.prove of each window, on its own (not given the hash before), in order; ahead
    of the caller in threads when other connections see what this one sees."""
    if not in_database:
        yield from (None for _ in windows)
        return
    # SQLite's default is one: its windows are hashed in Python, so threads contend for the
    # GIL, and each fresh connection starts with a cold page cache (docs/adr/0037).
    default = 1 if connection.vendor == "sqlite" else os.cpu_count() or 1
    workers = min(workers or default, 4, len(windows))
    if workers < 2 or connection.in_atomic_block or _in_memory():
        for low, high in windows:
            yield digests.prove(low, high, None)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="audit-verify")
    try:
        yield from pool.map(_prove_alone, windows)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _prove_alone(window: tuple[int, int]) -> digests.Proven | None:
    """A window proved in a worker thread, on that thread's own connection, closed after."""
    try:
        return digests.prove(window[0], window[1], None)
    finally:
        connection.close()


def _in_memory() -> bool:
    in_memory = getattr(connection, "is_in_memory_db", None)  # SQLite's wrapper only
    return bool(in_memory and in_memory())


def checkpoint(*, chunk_size: int = 5_000) -> tuple[VerifyResult, checkpoints.Checkpoint | None]:
    """Verify the entries since the last signed checkpoint, and only if they are intact sign
    the head as a new one: never put a signature on a chain that has not been checked."""
    loaded = checkpoints.load()
    last = max(loaded.by_seq.values(), key=lambda c: c.seq, default=None)
    start = (last.seq, last.hash) if last is not None else (0, GENESIS)
    result = verify_chain(chunk_size=chunk_size, start=start)
    if not result.ok or result.head_seq == 0:  # broken, or nothing yet to sign
        return result, None
    return result, checkpoints.write(result.head_seq, result.head_hash, sync=True)


Chunk = tuple[list[Row], dict[int, list[Subject]]]


def _chunks(low: int, head_seq: int, chunk_size: int, window: int) -> Generator[Chunk, None, None]:
    """The chain in seq order, in chunks of rows, each with the subjects of every sequence
    number from the end of the chunk before to its own last (by seq; a subject of no entry
    in that range is left over, and verify names it)."""
    # One short transaction per window of sequence numbers, not one for the whole chain: on
    # PostgreSQL the server-side cursor streams inside it (outside a transaction it would be
    # WITH HOLD, copied whole before the first row), and no snapshot or SQLite read lock is
    # held for the length of a verify of tens of millions of rows. Rows come from the driver
    # in chunks, as its own tuples: Django's iterator cost more per row than the hash.
    subjects_sql = _subjects_sql()
    for start in range(low, head_seq, window):
        end = min(start + window, head_seq)
        query = (
            AuditEvent.objects.filter(seq__gt=start, seq__lte=end)
            .annotate(at_text=Cast("at", output_field=TextField()))
            .order_by("seq")
            .values_list(*STREAM_COLUMNS)
            .query
        )
        sql, params = query.sql_with_params()
        # Not on SQLite: Django opens its transactions IMMEDIATE there, which takes the write
        # lock and would stop every append (every page view) while a window is read row by
        # row; one statement is one snapshot, and the table refuses changes (digests.py).
        reading = nullcontext() if connection.vendor == "sqlite" else transaction.atomic()
        with reading, connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            after = start
            while True:
                chunk = cursor.fetchmany(chunk_size)
                # The last chunk of a window takes the subjects up to the window's end.
                upto = chunk[-1][0] if len(chunk) == chunk_size else end
                yield chunk, _subjects(subjects_sql, after, upto)
                if len(chunk) < chunk_size:
                    break
                after = upto


@functools.cache
def _subjects_sql() -> str:
    sql, _ = (
        AuditSubject.objects.filter(event_id__gt=0, event_id__lte=0)
        .order_by("event_id", "position")
        .values_list("event_id", "person_id", "case_id", "record_id")
        .query.sql_with_params()
    )
    return sql


def _subjects(sql: str, after: object, upto: object) -> dict[int, list[Subject]]:
    """The subjects of entries after..upto, by seq, in order: one query on the primary key."""
    found: dict[int, list[Subject]] = {}
    if not isinstance(after, int) or not isinstance(upto, int) or upto <= after:
        return found
    with connection.cursor() as cursor:
        cursor.execute(sql, [after, upto])
        for seq, person_id, case_id, record_id in cursor.fetchall():
            found.setdefault(seq, []).append((person_id, case_id, record_id))
    return found


def _stray(seq: int) -> ChainBreak:
    return ChainBreak(
        seq,
        "inserted",
        f"subjects are listed under entry {seq}, which has none in the chain: written around "
        "the log",
    )


def _gap(expected: int, found: object) -> ChainBreak:
    if found == expected + 1:
        gone = f"entry {expected} is"
    elif isinstance(found, int):
        gone = f"entries {expected}-{found - 1} are"
    else:
        gone = f"entry {expected} is"
    return ChainBreak(expected, "deleted", f"gap in sequence: {gone} missing (the next is {found})")


def _diagnose(
    row_hash: RowHasher, row: Row, listed: Sequence[Subject], last: str, before_last: str
) -> ChainBreak:
    """Why an entry in its right place does not chain: edited, or something put before it."""
    seq, prev_hash, stored = row[0], str(row[-2]), row[-1]
    intact = row_hash(prev_hash, row, listed) == stored
    if prev_hash == before_last and (
        intact or row_hash(prev_hash, (seq - 1, *row[1:]), listed) == stored
    ):
        # Chained to the entry two back (perhaps renumbered up by one to make room): the entry
        # in between was never part of the chain.
        return ChainBreak(
            seq - 1,
            "inserted",
            f"it is not part of the chain: entry {seq} is chained to entry {seq - 2}",
        )
    if not intact:
        return ChainBreak(
            seq,
            "edited",
            "hash mismatch: its fields or subjects are not those it was chained with",
        )
    return ChainBreak(
        seq,
        "reordered",
        f"prev_hash mismatch: it does not follow entry {seq - 1}; an entry was inserted, "
        "replaced or moved",
    )


def _check_ends(
    checked: int, last: str, head_seq: int, head_hash: str, anchors: dict[int, tuple[str, str]]
) -> ChainBreak | None:
    """The chain must end where the head says, with nothing after it, and reach every entry
    signed or anchored outside the database."""
    if checked < head_seq:
        return ChainBreak(
            checked + 1,
            "deleted",
            f"entries {checked + 1}-{head_seq} are missing: the chain head is entry {head_seq}",
        )
    if last != head_hash:
        return ChainBreak(
            head_seq, "head", "the chain head's hash is not this entry's: one of them was altered"
        )
    furthest = max(anchors, default=0)
    if furthest > checked:
        return ChainBreak(
            checked + 1,
            "truncated",
            f"entries {checked + 1}-{furthest} are missing: {anchors[furthest][1]} "
            f"covers entry {furthest}, but the chain and its head end at entry {checked}",
        )
    # Read the first entry past the head, then the head again: a genuine append commits its
    # rows and the head together, so an entry still past the head was put there by hand.
    beyond = selectors.first_seq_after(head_seq)
    if beyond is not None and beyond > selectors.chain_head()[0]:
        return ChainBreak(
            beyond,
            "inserted",
            f"it is past the chain head (entry {head_seq}): written around the log, "
            "or the head was moved back",
        )
    beyond = selectors.first_subject_after(head_seq)
    if beyond is not None and beyond > selectors.chain_head()[0]:
        return _stray(beyond)
    return None
