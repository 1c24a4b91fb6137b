"""Third parties in a subject access bundle: who they are, and where their details appear.

Two ways to find them, each proposing a redaction for a reviewer to decide (never a silent
filter):

- From the records' own links: the family, professionals and victims linked to the person's
  cases (`Gate.related_people`): their entries, and every appearance of their names, phone
  numbers and email addresses in the free text of the bundle.
- Named-entity recognition by Presidio (`presidio_analyzer`) with recognisers that work
  offline: a deny-list recogniser seeded with the names the system already knows around the
  child, and pattern recognisers for UK phone numbers, email addresses and postcodes (someone
  else's contact details or street address in a note). No statistical language model is installed (spaCy's
  models are not distributed through the package registries this project installs from), so
  a name nobody recorded in the system is not found by a model: the reviewer reads the text.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from presidio_analyzer import AnalysisExplanation, Pattern, PatternRecognizer, RecognizerResult

# Presidio announces every recogniser it builds (one set per bundle): not the service's news.
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)

PHONE = r"(?<!\w)(?:\+44\s?7\d{3}|\(?07\d{3}\)?|\(?0[1-3]\d{2,4}\)?)[\s-]?\d{3}[\s-]?\d{3,4}(?!\w)"
EMAIL = r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
POSTCODE = r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"
STREET = (
    r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){1,3}"
    r"(?:Street|Road|Avenue|Lane|Close|Drive|Way|Court|Place|Crescent|Gardens|Terrace|Grove"
    r"|Walk|Hill|Square|Row|Mews|Park|Rise|View)\b"
)
MIN_NAME = 3
SEPARATOR = "\n\u2063\n"  # newline, invisible separator, newline: no pattern spans it  # a single name shorter than this is too likely to be an ordinary word


@dataclass(frozen=True)
class Known:
    """A third party the records link to the person: how to find them in text."""

    person_id: int
    whose: str  # "Parent: Jane Smith", "Victim", "Professional: ..." (for the reviewer)
    names: tuple[str, ...]
    contacts: tuple[str, ...]  # phone numbers and email addresses


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    entity: str  # name | phone | email | postcode
    whose: str
    found_by: str  # record-link | recogniser


def terms_of(given: str, family: str, subject_names: set[str]) -> tuple[str, ...]:
    """The ways a third party's name may appear: in full, and each part alone unless it is
    also the person's own (a parent often shares the child's family name)."""
    full = " ".join(p for p in (given.strip(), family.strip()) if p)
    terms = [full] if full else []
    for part in (given.strip(), family.strip()):
        if len(part) >= MIN_NAME and part.lower() not in subject_names:
            terms.append(part)
    return tuple(dict.fromkeys(terms))


@lru_cache(maxsize=64)
def _explanation(
    recognizer_name: str,
    pattern_name: str,
    pattern: str,
    original_score: float,
    validation_result: bool,
    regex_flags: int,
) -> AnalysisExplanation:
    return PatternRecognizer.build_regex_explanation(
        recognizer_name, pattern_name, pattern, original_score, validation_result, regex_flags
    )


class Recogniser(PatternRecognizer):
    """Presidio's pattern recogniser, with each pattern's explanation built once, not once per
    match (thousands in a bundle; the explanation is the same for every match of a pattern).
    Results are never changed after analysis here, so sharing it is safe."""

    build_regex_explanation = staticmethod(_explanation)


@cache
def _contact_recognisers() -> tuple[PatternRecognizer, ...]:
    return (
        Recogniser(
            supported_entity="PHONE", patterns=[Pattern("uk phone", PHONE, 0.6)], name="UK phone"
        ),
        Recogniser(supported_entity="EMAIL", patterns=[Pattern("email", EMAIL, 0.6)], name="Email"),
        Recogniser(
            supported_entity="ADDRESS",
            patterns=[Pattern("uk street address", STREET, 0.5)],
            name="UK street address",
            global_regex_flags=re.DOTALL | re.MULTILINE,
        ),
        Recogniser(
            supported_entity="POSTCODE",
            patterns=[Pattern("uk postcode", POSTCODE, 0.5)],
            name="UK postcode",
            global_regex_flags=re.DOTALL | re.MULTILINE,
        ),
    )


class Finder:
    """Finds third parties in text: built once per bundle from the people it knows."""

    def __init__(self, known: Sequence[Known], subject_own: Iterable[str]) -> None:
        self.by_term: dict[str, str] = {}
        for person in known:
            for term in (*person.names, *person.contacts):
                self.by_term.setdefault(_norm(term), person.whose)
        self.own = {_norm(value) for value in subject_own if value}
        names = sorted({t for p in known for t in p.names}, key=len, reverse=True)
        self.names = (
            Recogniser(supported_entity="NAME", deny_list=names, name="Known names")
            if names
            else None
        )

    def find_all(self, texts: Sequence[str]) -> list[list[Found]]:
        """`find` for many texts at once: each recogniser runs once over them all, joined by a
        separator no pattern crosses, and what it finds is given back to each text."""
        joined = SEPARATOR.join(texts)
        starts, at = [], 0
        for text in texts:
            starts.append(at)
            at += len(text) + len(SEPARATOR)
        out: list[list[Found]] = [[] for _ in texts]
        for found in self.find(joined):
            index = bisect_right(starts, found.start) - 1
            base = starts[index]
            if found.end > base + len(texts[index]):
                continue  # across a separator: cannot happen, never trusted
            out[index].append(
                Found(
                    found.start - base,
                    found.end - base,
                    found.text,
                    found.entity,
                    found.whose,
                    found.found_by,
                )
            )
        return out

    def find(self, text: str) -> list[Found]:
        if not text or not text.strip():
            return []
        results: list[tuple[RecognizerResult, str]] = []
        if self.names is not None:
            results += [(r, "name") for r in self.names.analyze(text, ["NAME"])]
        for recogniser in _contact_recognisers():
            entity = recogniser.supported_entities[0]
            results += [(r, entity.lower()) for r in recogniser.analyze(text, [entity])]
        # Where matches overlap, the longest wins ("Jane Smith" over "Jane"): by start, then
        # longest first, one pass.
        kept: list[tuple[int, int, str]] = []
        for result, entity in sorted(results, key=lambda x: (x[0].start, x[0].start - x[0].end)):
            start, end = result.start, result.end
            if kept and start < kept[-1][1]:
                if end - start > kept[-1][1] - kept[-1][0]:
                    kept[-1] = (start, end, entity)
                continue
            kept.append((start, end, entity))
        found: list[Found] = []
        for start, end, entity in kept:
            if text[start] == "(" and ")" not in text[start:end]:
                start += 1  # an opening bracket the pattern took without its closing one
            value = text[start:end]
            if _norm(value) in self.own:
                continue  # the person's own phone, email, postcode or address
            whose = self.by_term.get(_norm(value))
            found.append(
                Found(
                    start,
                    end,
                    value,
                    entity,
                    whose or "Someone else's contact details (not linked in the records)",
                    "record-link" if whose else "recogniser",
                )
            )
        return sorted(found, key=lambda f: f.start)


_NOT_KEPT = re.compile(r"[^\w@.+]")


@lru_cache(maxsize=4096)
def _norm(text: str) -> str:
    return _NOT_KEPT.sub("", text).lower()
