"""Finding people: what the text typed into a search box means, and fuzzy name matching done
by the database's own index (docs/adr/0009-finding-people-safeguarding-due.md).

- PostgreSQL: pg_trgm's word similarity (`%>`) on the normalised full name (ranked by it,
  then by similarity), answered from the GIN trigram index of migration records/0003 (the expression here
  must stay the index's expression).
- SQLite: the FTS5 trigram table of the same migration (and its fts5vocab counts) finds the
  candidates sharing most of each word's rarest trigrams, in SQL; those the caller may reach
  are scored here with pg_trgm's measure, so both databases keep the same thresholds.

Names match whatever their order, and with a letter or two wrong or swapped. The gate
(`Gate.find_people`) decides whom a member of staff may find; this module only matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.fields import BooleanField, FloatField

from safehold.records.models import Person
from safehold.records.validation import as_id

# pg_trgm.word_similarity_threshold, set on every PostgreSQL connection (records/apps.py):
# lower than pg_trgm's 0.6, so that a letter wrong in each of two names still matches.
WORD_SIMILARITY = 0.5
# SQLite: how many of the query's rarest trigrams find candidates, and how many of the
# candidates sharing most of them are scored in Python.
RAREST = 8
CANDIDATES = 1000
MAX_WORDS = 5

WORD = re.compile(r"[^\W_]+")
DAY_FIRST = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
SPELT = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\s+(\d{4})\b")
REFERENCE = re.compile(r"^(?:(p|person|c|case)[-#]?)?#?(\d{1,12})$", re.IGNORECASE)


@dataclass(frozen=True)
class Terms:
    """What a search means: name words, a date of birth, and reference numbers (a person's
    number, `P127`, or a case's, `C73`; a bare number is either)."""

    words: tuple[str, ...] = ()
    born: date | None = None
    people: tuple[int, ...] = ()
    cases: tuple[int, ...] = ()
    bad_date: bool = False

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def empty(self) -> bool:
        return not (self.words or self.born or self.people or self.cases)


def person_reference(person_id: int) -> str:
    """A person's reference as staff quote it, and as `parse` takes it: P127."""
    return f"P{person_id}"


def case_reference(case_id: int) -> str:
    """A case's reference as staff quote it, and as `parse` takes it: C73."""
    return f"C{case_id}"


def parse(text: str) -> Terms:
    """Split a search into a date of birth (day first, as people write it, or ISO), reference
    numbers and name words. A date that cannot be a day (31/02/2010) is reported, not
    guessed."""
    text = text.strip()[:200]
    born: date | None = None
    bad_date = False
    for pattern, order in ((ISO, (0, 1, 2)), (DAY_FIRST, (2, 1, 0)), (SPELT, None)):
        found = pattern.search(text)
        if not found:
            continue
        if order is None:
            born = _spelt_date(found.group(0))
            if born is None:
                continue
        else:
            year, month, day = (int(found.group(i + 1)) for i in order)
            try:
                born = date(year, month, day)
            except ValueError:
                bad_date = True
        text = (text[: found.start()] + " " + text[found.end() :]).strip()
        break
    words: list[str] = []
    people: list[int] = []
    cases: list[int] = []
    tokens = text.split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        # "case 73", "person 127"
        number = as_id(tokens[i + 1]) if i + 1 < len(tokens) else None
        if token.lower() in ("case", "person") and number is not None:
            (cases if token.lower() == "case" else people).append(number)
            i += 2
            continue
        ref = REFERENCE.match(token)
        if ref:
            prefix, number = (ref.group(1) or "").lower(), int(ref.group(2))
            if prefix in ("", "p", "person"):
                people.append(number)
            if prefix in ("", "c", "case"):
                cases.append(number)
        else:
            words += [w.lower() for w in WORD.findall(token)]
        i += 1
    return Terms(tuple(words[:MAX_WORDS]), born, tuple(people[:5]), tuple(cases[:5]), bad_date)


def _spelt_date(text: str) -> date | None:
    for fmt in ("%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# --- trigrams, as pg_trgm makes them ----------------------------------------------------------


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams: each word lower-cased, padded with two spaces before, one after."""
    found: set[str] = set()
    for word in WORD.findall(text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def similarity(query: str, name: str) -> float:
    a, b = trigrams(query), trigrams(name)
    return len(a & b) / len(a | b) if a | b else 0.0


def word_similarity(query: str, name: str) -> float:
    """How much of the query the name holds (pg_trgm's word_similarity, taken over the whole
    name rather than its best extent: the same where it matters, whole names)."""
    a = trigrams(query)
    return len(a & trigrams(name)) / len(a) if a else 0.0


def close(query: str, name: str) -> bool:
    return word_similarity(query, name) >= WORD_SIMILARITY


# --- the database's index ---------------------------------------------------------------------


class FullName(Func):
    """The normalised full name, exactly as migration records/0003 indexes it on PostgreSQL."""

    template = "lower(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self, prefix: str = "") -> None:
        super().__init__(
            *(F(f"{prefix}{n}") for n in ("given_name", "preferred_name", "family_name"))
        )


class _Operator(Func):
    """`lhs OP rhs` as a boolean, for an operator Django does not name."""

    template = "(%(expressions)s)"
    output_field = BooleanField()

    def __init__(self, lhs: Any, operator: str, rhs: Any) -> None:
        super().__init__(lhs, rhs)
        self.arg_joiner = f" {operator} "


def closest(people: QuerySet[Person], name: str, limit: int) -> list[int]:
    """The ids of those of `people` whose name may be `name`, closest first, at most `limit`:
    matched by the database's own index."""
    if connection.vendor == "postgresql":
        return _closest_postgresql(people, name, limit)
    return _closest_sqlite(people, name, limit)


def _closest_postgresql(people: QuerySet[Person], name: str, limit: int) -> list[int]:
    full = FullName()
    query = Value(name, output_field=TextField())
    return list(
        # Word similarity alone: the index answers it; similarity (%) too would match so
        # loosely that the planner gives the index up for a scan of the controller's people.
        people.filter(_Operator(full, "%%>", query))
        .annotate(
            closeness=Func(query, full, function="word_similarity", output_field=FloatField()),
            likeness=Func(query, full, function="similarity", output_field=FloatField()),
        )
        .order_by("-closeness", "-likeness", "family_name", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _closest_sqlite(people: QuerySet[Person], name: str, limit: int) -> list[int]:
    """Candidates from the FTS5 index by each word's most telling trigrams (the rarest
    held at all, by the index's own counts; a letter alone at the start of a word says too
    little), ranked by how many of them each shares, in SQL; then those the caller may reach,
    scored with pg_trgm's measure. Every word has its say, so a misspelt one cannot keep a
    close name out."""
    words = [trigrams(w) for w in WORD.findall(name.lower())[:MAX_WORDS]]
    telling = [
        sorted(g for g in grams if not g.startswith("  ")) or sorted(grams) for grams in words
    ]
    every = sorted({g for grams in telling for g in grams})
    if not every:
        return []
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(every))
        cursor.execute(
            f"SELECT term, doc FROM records_person_search_terms WHERE term IN ({marks})",  # noqa: S608 - placeholders only
            every,
        )
        held = {term: doc for term, doc in cursor.fetchall() if doc}
        each = max(2, -(-RAREST // len(telling)))
        chosen = sorted(
            {
                g
                for grams in telling
                for g in sorted((g for g in grams if g in held), key=lambda g: held[g])[:each]
            }
        )
        if not chosen:
            return []
        union = " UNION ALL ".join(
            ["SELECT rowid AS id FROM records_person_search WHERE records_person_search MATCH %s"]
            * len(chosen)
        )
    # The candidates as a subquery: SQLite builds it once, and the ids never leave it.
    candidates = RawSQL(  # noqa: S611 - placeholders only
        f"SELECT id FROM ({union}) GROUP BY id ORDER BY count(*) DESC, id LIMIT %s",  # noqa: S608 - placeholders only
        [*(f'"{g}"' for g in chosen), CANDIDATES],
    )
    rows = people.filter(pk__in=candidates).values_list(
        "pk", "given_name", "preferred_name", "family_name"
    )
    query = trigrams(name)
    scored = []
    for pk, given, preferred, family in rows:
        theirs = trigrams(f"{given} {preferred} {family}")
        shared = len(query & theirs)
        closeness, likeness = shared / len(query), shared / len(query | theirs)
        if closeness >= WORD_SIMILARITY:
            scored.append((-closeness, -likeness, family, pk))
    scored.sort()
    return [pk for *_, pk in scored[:limit]]
