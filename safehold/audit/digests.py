"""Proving a window of the chain intact inside the database, without a row crossing to Python.

Reading a row into Python costs more than hashing it (docs/adr/0019), so the database builds
each entry's canonical encoding itself, hashes it and checks the links (each entry's prev_hash
is the hash of the one before, the sequence has no gap), and answers with the few rows it could
not prove. The rule that makes this safe: the database's encoding is only ever compared with
the hash Python computed at append. Where the two encodings might differ (text that is not
plain printable ASCII, which JSON encoders escape differently), the row is re-encoded by
Python's own encoder from the database's JSON, which is exact; anything still unproven sends
the window to the row-by-row check in services.verify_chain, which names the break as before.

PostgreSQL hashes with its own sha256(); SQLite has none, so a function is registered on the
connection, given the encoding SQLite's json_array built.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from safehold.audit.chain import FORMAT, HASHED_FIELDS, LIST_FORMAT, _encode


@dataclass(frozen=True, slots=True)
class Proven:
    """A window whose every entry the database proved: the hashes of its last two entries."""

    last: str
    before_last: str


def _python_text(text: str) -> str:
    """The database's JSON for an entry as Python's encoder writes it (ASCII-only, compact)."""
    if text.isascii() and "\\" not in text and "\x7f" not in text:
        return text  # printable ASCII with nothing escaped: every encoder writes it alike
    return _encode(json.loads(text))


def _sqlite_digest(prev_hash: object, text: object) -> str | None:
    if not isinstance(prev_hash, str) or not isinstance(text, str):
        return None  # not what append wrote: the row-by-row check will say what it is
    try:
        encoded = _python_text(text)
    except ValueError:
        return None
    return hashlib.sha256((prev_hash + encoded).encode("utf-8")).hexdigest()


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


def _sqlite_canonical() -> str:
    def value(name: str) -> str:
        if name == "at":
            # As Django stores it on SQLite: UTC, without an offset, microseconds if any.
            return """CASE length(e.at)
                WHEN 26 THEN replace(e.at, ' ', 'T') || '+00:00'
                WHEN 19 THEN replace(e.at, ' ', 'T') || '.000000+00:00' END"""
        return f"e.{name}"

    fields = ", ".join(value(name) for name in HASHED_FIELDS)
    subjects = """(SELECT json_group_array(json(x)) FROM (SELECT json_array(s.person_id,
        s.case_id, s.record_id) AS x FROM audit_subject s WHERE s.seq = e.seq
        ORDER BY s.position))"""
    return f"""CASE WHEN EXISTS (SELECT 1 FROM audit_subject s WHERE s.seq = e.seq)
        THEN json_array('{LIST_FORMAT}', {fields}, json({subjects}))
        ELSE json_array('{FORMAT}', {fields}) END"""  # noqa: S608 - our own names only


def _window_sql(vendor: str) -> tuple[str, str]:
    """The check of a window (the rows it cannot prove, by seq), and the encoding of some of
    its rows, for Python to look at."""
    if vendor == "postgresql":
        canonical, joined = _pg_canonical(), PG_SUBJECTS
        digest = f"encode(sha256(convert_to(e.prev_hash || {canonical}, 'UTF8')), 'hex')"
    else:
        canonical, joined = _sqlite_canonical(), ""
        digest = f"safehold_audit_digest(e.prev_hash, {canonical})"
    # Each row's encoding is built once, for its digest, and never sent: only the numbers of
    # the rows not proven come back.
    check = f"""
        SELECT seq, digest_ok, link_ok FROM (
            SELECT e.seq, coalesce({digest} = e.hash, FALSE) AS digest_ok,
                coalesce(lag(e.seq) OVER w = e.seq - 1 AND lag(e.hash) OVER w = e.prev_hash,
                         e.seq = %s + 1) AS link_ok
            FROM audit_event e {joined}
            WHERE e.seq > %s AND e.seq <= %s
            WINDOW w AS (ORDER BY e.seq)
        ) checked
        WHERE NOT (digest_ok AND link_ok)
        ORDER BY seq"""  # noqa: S608 - our own column names and expressions only
    encode = f"""
        SELECT e.prev_hash, e.hash, {canonical} FROM audit_event e {joined}
        WHERE e.seq > %s AND e.seq <= %s AND e.seq = %s"""  # noqa: S608 - as above
    return check, encode


_SQL: dict[str, tuple[str, str]] = {}


def prove(low: int, high: int, last: str, *, unproven_limit: int = 1_000) -> Proven | None:
    """Prove entries low+1..high intact and chained to `last` (the hash of entry low), or say
    None: then something in the window needs the row-by-row check (which may yet find it
    intact: the database's encoding of unusual text can differ from Python's)."""
    if high <= low:
        return None
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return None
    check, encode = _SQL.get(vendor) or _SQL.setdefault(vendor, _window_sql(vendor))
    bounds = [low, high] if vendor == "postgresql" else []  # the range of the lists' subjects
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if vendor == "sqlite":
                connection.ensure_connection()
                connection.connection.create_function(
                    "safehold_audit_digest", 2, _sqlite_digest, deterministic=True
                )
            cursor.execute(check, [low, *bounds, low, high])
            unproven = cursor.fetchmany(unproven_limit + 1)
            if len(unproven) > unproven_limit or not all(link for _, _, link in unproven):
                return None  # for the row-by-row check to name
            for seq, _, _ in unproven:
                cursor.execute(encode, [*bounds, low, high, seq])
                found = cursor.fetchone()
                if found is None or not _digest_matches(*found):
                    return None
            cursor.execute(
                "SELECT count(*), min(seq), max(seq) FROM audit_event WHERE seq > %s AND seq <= %s",
                [low, high],
            )
            count, first, final = cursor.fetchone()
            cursor.execute(
                "SELECT seq, prev_hash, hash FROM audit_event WHERE seq IN (%s, %s, %s)",
                [low + 1, high - 1, high],
            )
            ends = {row[0]: row[1:] for row in cursor.fetchall()}
    except DatabaseError:
        return None
    if (count, first, final) != (high - low, low + 1, high):
        return None  # a gap: for the row-by-row check to name
    if ends[low + 1][0] != last:
        return None
    return Proven(last=ends[high][1], before_last=ends[high - 1][1] if high - 1 > low else last)


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
