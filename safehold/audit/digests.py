"""Proving a window of the chain intact inside the database, without a row crossing to Python.

Reading a row into Python costs more than hashing it (docs/adr/0019), so the database builds
each entry's canonical encoding itself, hashes it and checks the links (each entry's prev_hash
is the hash of the one before, the sequence has no gap), and answers with the few rows it could
not prove. The rule that makes this safe: the database's encoding is only ever compared with
the hash Python computed at append. Where the two encodings might differ (text that is not
plain printable ASCII, which JSON encoders escape differently), the row is re-encoded by
Python's own encoder from the database's JSON, which is exact; anything still unproven sends
the window to the row-by-row check in services.verify_chain, which names the break as before.

PostgreSQL hashes with its own sha256(). SQLite has none, and a function registered on the
connection costs a call back into Python per row (with its lag() window, as much as fetching the
row): so on SQLite the database builds each entry's `prev_hash || json_array(...)` and Python
hashes that text as it streams past (`_prove_sqlite`), checking each link to the hash before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction

from safehold.audit.chain import FORMAT, HASHED_FIELDS, LIST_FORMAT, _encode


@dataclass(frozen=True, slots=True)
class Proven:
    """A window whose every entry the database proved: the hashes of its last two entries."""

    last: str
    before_last: str
    # The prev_hash of its first entry: what a window proved on its own is chained by.
    first_prev: str = field(default="", compare=False)


def _python_text(text: str) -> str:
    """The database's JSON for an entry as Python's encoder writes it (ASCII-only, compact)."""
    if text.isascii() and "\\" not in text and "\x7f" not in text:
        return text  # printable ASCII with nothing escaped: every encoder writes it alike
    return _encode(json.loads(text))


_TEXTS = {"actor_label", "action", "decision", "rule", "record_type", "categories"} | {
    "purpose",
    "reason",
    "recipient",
}


def _pg_canonical() -> str:
    def fields(quote: str) -> str:
        def value(name: str) -> str:
            if name == "at":
                return """'"' || to_char(e.at AT TIME ZONE 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') || '"'"""
            if name in _TEXTS:
                return quote.format(f"e.{name}")
            return f"coalesce(e.{name}::text, 'null')"

        return " || ',' || ".join(value(name) for name in HASHED_FIELDS)

    # Text with nothing a JSON encoder escapes (printable ASCII but '"' and '\') is quoted as it
    # is, which is what to_json() would write, for a fifth of the cost; other text through
    # to_json(), whose escapes Python checks (digests._python_text).
    texts = " || ".join(f"e.{name}" for name in sorted(_TEXTS))
    plain = f"""(({texts}) !~ '[^ -~]' AND strpos({texts}, '"') = 0
        AND strpos({texts}, chr(92)) = 0)"""
    quoted, escaped = fields("'\"' || {} || '\"'"), fields("to_json({})::text")
    body = f"CASE WHEN {plain} THEN {quoted} ELSE {escaped} END"
    return f"""CASE WHEN listed.subjects IS NULL
        THEN '["{FORMAT}",' || {body} || ']'
        ELSE '["{LIST_FORMAT}",' || {body} || ',' || listed.subjects || ']' END"""


# The subjects of the window's lists as JSON, by seq: one range read, joined by hash.
PG_SUBJECTS = """LEFT JOIN (SELECT s.seq, '[' || string_agg('[' || coalesce(s.person_id::text,
    'null') || ',' || coalesce(s.case_id::text, 'null') || ',' || coalesce(s.record_id::text,
    'null') || ']', ',' ORDER BY s.position) || ']' AS subjects FROM audit_subject s
    WHERE s.seq > %s AND s.seq <= %s GROUP BY s.seq) listed ON listed.seq = e.seq"""


def _sqlite_fields() -> str:
    def value(name: str) -> str:
        if name == "at":
            # As Django stores it on SQLite: UTC, without an offset, microseconds if any.
            return """CASE length(e.at)
                WHEN 26 THEN replace(e.at, ' ', 'T') || '+00:00'
                WHEN 19 THEN replace(e.at, ' ', 'T') || '.000000+00:00' END"""
        return f"e.{name}"

    return ", ".join(value(name) for name in HASHED_FIELDS)


def _sqlite_stream_sql() -> str:
    """Each entry of a window as `prev_hash || its v1 encoding` and its stored hash, in order.
    A prev_hash that is not 64 characters gives NULL: so "the text starts with the hash before"
    means "prev_hash is the hash before". A list's v1 text does not give its hash; Python
    re-encodes it with its subjects (v2)."""
    return f"""
        SELECT e.seq, CASE WHEN length(e.prev_hash) = 64
            THEN e.prev_hash || json_array('{FORMAT}', {_sqlite_fields()}) END, e.hash
        FROM audit_event e WHERE e.seq > %s AND e.seq <= %s ORDER BY e.seq"""  # noqa: S608


def _window_sql(vendor: str) -> tuple[str, str]:
    """The check of a window (PostgreSQL: its size and ends, the rows it cannot prove, whether
    every link holds; SQLite: the stream Python hashes), and the encoding of one row."""
    if vendor != "postgresql":
        return _sqlite_stream_sql(), ""
    canonical = _pg_canonical()
    digest = f"encode(sha256(convert_to(e.prev_hash || {canonical}, 'UTF8')), 'hex')"
    # Each row's encoding is built once, for its digest, and never sent: one row comes back,
    # with the window's count and ends (a gap shows in them: seq is unique) and the numbers of
    # the rows whose digest the database could not prove. Links are the hash before (lag);
    # contiguity is count, min and max, so no second lag() of seq.
    check = f"""
        SELECT count(*), min(seq), max(seq), bool_and(link_ok),
            array_agg(seq ORDER BY seq) FILTER (WHERE NOT digest_ok)
        FROM (
            SELECT e.seq, coalesce({digest} = e.hash, FALSE) AS digest_ok,
                coalesce(lag(e.hash) OVER (ORDER BY e.seq) = e.prev_hash, TRUE) AS link_ok
            FROM audit_event e {PG_SUBJECTS}
            WHERE e.seq > %s AND e.seq <= %s
        ) checked"""  # noqa: S608 - our own column names and expressions only
    encode = f"""
        SELECT e.prev_hash, e.hash, {canonical} FROM audit_event e {PG_SUBJECTS}
        WHERE e.seq > %s AND e.seq <= %s AND e.seq = %s"""  # noqa: S608 - as above
    return check, encode


_SQL: dict[str, tuple[str, str]] = {}


def prove(low: int, high: int, last: str | None, *, unproven_limit: int = 1_000) -> Proven | None:
    """Prove entries low+1..high intact and chained to `last` (the hash of entry low), or say
    None: then something in the window needs the row-by-row check (which may yet find it
    intact: the database's encoding of unusual text can differ from Python's).

    `last` None proves the window on its own: its first entry's prev_hash is then returned
    (`Proven.first_prev`) for the caller to compare with the window before, which is how
    windows are proved in parallel (services.verify_chain)."""
    if high <= low:
        return None
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return None
    check, encode = _SQL.get(vendor) or _SQL.setdefault(vendor, _window_sql(vendor))
    try:
        if vendor == "sqlite":
            # No transaction: Django opens SQLite's as IMMEDIATE, which takes the write lock and
            # would shut out appenders and the other workers. The stream is one statement (one
            # snapshot); the subjects read after it belong to entries committed before verify
            # read the head, and the table refuses changes.
            with connection.cursor() as cursor:
                return _prove_sqlite(cursor, check, low, high, last, unproven_limit)
        with transaction.atomic(), connection.cursor() as cursor:
            # The window in seq order is the primary key's order. Without statistics (a log
            # just written, not yet analysed) the planner guesses a few hundred rows and sorts
            # the whole window on disk instead: for this transaction only, it may not.
            cursor.execute("SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off")
            cursor.execute(check, [low, high, low, high])
            count, first, final, links, unproven = cursor.fetchone()
            if (count, first, final) != (high - low, low + 1, high) or not links:
                return None  # a gap, or a broken link: for the row-by-row check to name
            if unproven and len(unproven) > unproven_limit:
                return None
            for seq in unproven or ():
                cursor.execute(encode, [low, high, low, high, seq])
                found = cursor.fetchone()
                if found is None or not _digest_matches(*found):
                    return None
            cursor.execute(
                "SELECT seq, prev_hash, hash FROM audit_event WHERE seq IN (%s, %s, %s)",
                [low + 1, high - 1, high],
            )
            ends = {row[0]: row[1:] for row in cursor.fetchall()}
    except DatabaseError:
        return None
    first_prev = ends[low + 1][0]
    if last is not None and first_prev != last:
        return None
    return Proven(
        last=ends[high][1],
        before_last=ends[high - 1][1] if high - 1 > low else first_prev,
        first_prev=first_prev,
    )


def _prove_sqlite(
    cursor: Any, sql: str, low: int, high: int, last: str | None, unproven_limit: int
) -> Proven | None:
    """The SQLite window: the database writes each `prev_hash || encoding`, Python hashes it,
    checks it starts with the hash before (the link), and that the numbers run low+1..high."""
    cursor.execute(sql, [low, high])
    sha256 = hashlib.sha256
    expected, prev, before = low + 1, last, last or ""
    first_prev = last or ""
    unproven: list[tuple[int, str, str, str]] = []  # seq, prev_hash, v1 JSON, stored hash
    while rows := cursor.fetchmany(5_000):
        for seq, text, stored in rows:
            if seq != expected or not isinstance(text, str):
                return None  # a gap, or something append never wrote
            if prev is None:
                prev = first_prev = text[:64]
            elif not text.startswith(prev):
                return None  # prev_hash is not the hash before: for the row-by-row check
            if sha256(text.encode("utf-8")).hexdigest() != stored:
                # A list (v2), or text SQLite's JSON writes otherwise than Python's.
                if len(unproven) >= unproven_limit:
                    return None
                unproven.append((seq, text[:64], text[64:], stored))
            before, prev = prev, stored
            expected += 1
    if expected != high + 1 or prev is None:
        return None  # entries missing at the end
    cursor.execute(
        "SELECT seq, person_id, case_id, record_id FROM audit_subject"
        " WHERE seq > %s AND seq <= %s ORDER BY seq, position",
        [low, high],
    )
    listed: dict[int, list[list[object]]] = {}
    for seq, *subject in cursor.fetchall():
        listed.setdefault(seq, []).append(subject)
    for seq, prev_hash, text, stored in unproven:
        subjects = listed.pop(seq, None)
        try:
            if subjects is None:
                encoded = _python_text(text)
            else:
                values = json.loads(text)
                encoded = _encode([LIST_FORMAT, *values[1:], subjects])
        except (ValueError, TypeError):
            return None
        if sha256((prev_hash + encoded).encode("utf-8")).hexdigest() != stored:
            return None
    if listed:
        return None  # subjects of an entry whose hash does not cover them
    return Proven(last=prev, before_last=before, first_prev=first_prev)


def _digest_matches(prev_hash: object, stored: object, canonical: object) -> bool:
    """Whether the database's encoding of a row, written as Python writes it, gives its hash."""
    if not isinstance(canonical, str) or not isinstance(prev_hash, str):
        return False
    try:
        encoded = _python_text(canonical)
    except ValueError:
        return False
    return hashlib.sha256((prev_hash + encoded).encode("utf-8")).hexdigest() == stored


def anchors_hold(anchors: dict[int, tuple[str, str]], low: int, high: int) -> bool:
    """Whether every anchor within low+1..high is the hash stored there."""
    inside: Sequence[int] = [seq for seq in anchors if low < seq <= high]
    if not inside:
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq, hash FROM audit_event WHERE seq IN (%s)" % ", ".join(["%s"] * len(inside)),  # noqa: S608, UP031
            list(inside),
        )
        stored = dict(cursor.fetchall())
    return all(stored.get(seq) == anchors[seq][0] for seq in inside)
