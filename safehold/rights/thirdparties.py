"""Third parties in a subject access bundle: who they are, and where their details appear.

Two ways to find them, each proposing a redaction for a reviewer to decide (never a silent
filter):

- From the records' own links: the family, professionals and victims linked to the person's
  cases (`Gate.related_people`): their entries, and every appearance of their names, phone
  numbers and email addresses in the free text of the bundle.
- Named-entity recognition by Presidio (`presidio_analyzer`) with recognisers that work
  offline: a deny-list recogniser seeded with the names the system already knows around the
  child, and pattern recognisers for UK phone numbers, email addresses and postcodes (someone
  else's contact details or street address in a note); and context recognisers for names
  nobody recorded: a capitalised name after a title ("PC Jones", "Mrs Patel"), after a
  relationship ("her brother Jake", "mum's partner Dave") or after "named"/"called", scored
  below the names the system knows. No statistical language model is installed (spaCy's
  models are not distributed through the package registries this project installs from;
  docs/adr/0035-names-the-system-does-not-know.md): a name with none of those words before
  it is not found, and the reviewer reads the text.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)

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


# --- names nobody recorded, found from the words before them -----------------------------------
#
# A capitalised name after a title, a relationship or "called": only the name is proposed,
# not "PC" or "her brother". Names must be capitalised; the words before them may not be
# ("Her brother Jake" begins a sentence). Only spaces join the parts, so no match runs over a
# line or the bundle's separator. One regular expression with the words before as an
# alternation tried at every character cost a compile 200 ms and more; so the recogniser
# visits only each space before a capital letter and looks the word before it up in a set.

# Capitalised words that follow these words in case notes without being anyone's name.
NOT_NAMES = (
    "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Today|Tomorrow|Yesterday|"
    # Months, except those that are also common given names (April, May, June).
    "January|February|March|July|August|September|October|November|December|"
    "Christmas|Easter|Eid|Diwali|"
    "The|A|An|He|She|They|It|I|We|You|His|Her|Their|Our|My|This|That|There|Then|When|"
    "And|But|Or|Not|No|Yes|On|At|In|From|To|Of|For|With|By|As|After|Before|About|"
    "Mum|Mam|Dad|Nan|Nana|Gran|Grandma|Grandad|Brother|Sister|Friend|Partner|"
    "Youth|Offending|Team|Service|Services|Court|Courts|Crown|Magistrates|Police|Constabulary|"
    "School|Academy|College|University|Council|County|City|Social|Care|Children|Family|"
    "Hospital|Surgery|Centre|Center|Station|Unit|Office|Officer|Worker|Manager|Practitioner|"
    "Panel|Board|Order|Referral|Bail|Custody|Prison|Probation|Home|House|Hostel|Church|"
    "Mosque|Club|Park|Street|Road|Lane|YOT|YOS|YJB|CAMHS|NHS|GP|MASH|Childline|Barnardo|"
    "English|Maths|Science|PE|British|Polish|Romanian|Irish|Scottish|Welsh"
)
TITLES = frozenset(
    [
        "Mr",
        "Mrs",
        "Ms",
        "Miss",
        "Mx",
        "Dr",
        "Doctor",
        "Prof",
        "PC",
        "DC",
        "DS",
        "DI",
        "DCI",
        "PCSO",
        "Sgt",
        "Sergeant",
        "Insp",
        "Inspector",
        "Cllr",
        "Councillor",
        "Rev",
        "Nurse",
        "Judge",
    ]
)
RELATIONS = frozenset(
    [
        "brother",
        "sister",
        "dad",
        "mum",
        "mam",
        "father",
        "mother",
        "son",
        "daughter",
        "nan",
        "nana",
        "nanna",
        "gran",
        "granny",
        "grandma",
        "grandmother",
        "grandad",
        "granddad",
        "grandfather",
        "aunt",
        "aunty",
        "auntie",
        "uncle",
        "cousin",
        "nephew",
        "niece",
        "friend",
        "mate",
        "boyfriend",
        "girlfriend",
        "partner",
        "ex",
        "neighbour",
        "teacher",
        "tutor",
        "headteacher",
        "carer",
        "worker",
        "mentor",
        "coach",
        "classmate",
        "associate",
        "co-defendant",
        "housemate",
        "flatmate",
    ]
)
CALLED = frozenset({"named", "called", "nicknamed"})
TRIGGERS = RELATIONS | CALLED | {"as"}  # "known as"
# The word that names a place or a body when it follows capitalised words ("Ely College",
# "Fenland Youth Offending Team"): those words are not a person's name.
PLACES = (
    "Magistrates|Crown|Court|Team|Service|School|Academy|College|Council|Hospital|Surgery|"
    "Centre|Station|Police|Youth|Road|Street|Lane|Avenue|Close|Park|Estate|Village|Town|City"
)
NAME_WORD = (
    rf"(?!(?:{NOT_NAMES}|{'|'.join(TITLES)})\b)(?:O'|Mc|Mac|D')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b"
)
# An initial may open it ("Mr J Smith"); the name is one to three words, taken whole (an
# atomic group: a place's word after them refuses the match, not a shorter name).
NAME = re.compile(
    rf"(?>(?:[A-Z]\.?[ ]+)?{NAME_WORD}(?:[ ]{NAME_WORD}){{0,2}})(?!-\w|'?[ ](?:{PLACES})\b)"
)
# Below the names the records link (Presidio's deny-list score, 1.0) and the contact
# patterns: a guess for the reviewer to check.
CONTEXT_SCORES = {"title": 0.45, "relationship": 0.4, "named": 0.35}
CONTEXT_NAME = "Names from context"
CONTEXT_WHOSE = "Not linked in the records: a name after “{}” (check who it is)"
_CAPITAL = re.compile(r"[ ][A-Z]")


class ContextNames(EntityRecognizer):
    """Presidio recogniser of a name from the word before it: a title ("PC", "Mrs"), a
    relationship ("brother", "mum's partner", "step-dad") or "called", "named", "known as"."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["NAME"], name=CONTEXT_NAME)

    def load(self) -> None:
        """Nothing to load: no model."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = []
        for space in _CAPITAL.finditer(text):
            end = space.start()
            while end > 0 and text[end - 1] == " ":
                end -= 1  # "PC  Jones"
            # The word before the space, found by C string methods: this runs for every
            # capital letter of a bundle, so the usual case (no trigger) must cost little.
            low = end - 40 if end > 40 else 0
            word = text[max(text.rfind(" ", low, end) + 1, low) : end]
            word = word[word.rfind("\n") + 1 :].lstrip("(\"'\u201c\u2018[")
            mark = word[-1:] if word[-1:] in {".", ","} else ""
            kind = _kind(word[: len(word) - len(mark)], mark, text, end - len(word))
            if kind is None:
                continue
            name = NAME.match(text, space.start() + 1)
            if name is None:
                continue
            results.append(
                RecognizerResult(
                    "NAME",
                    name.start(),
                    name.end(),
                    CONTEXT_SCORES[kind],
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: CONTEXT_NAME,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        "trigger": word,
                    },
                )
            )
        return results


def _kind(word: str, mark: str, text: str, begins: int) -> str | None:
    if word in TITLES:
        return "title" if mark != "," else None
    lower = word.lower()
    if lower not in TRIGGERS:
        if "-" not in lower or lower.rsplit("-", 1)[1] not in RELATIONS:
            return None  # "step-dad", "half-brother", "ex-partner" are relationships too
        lower = lower.rsplit("-", 1)[1]
    if lower in RELATIONS:
        return "relationship" if mark != "." else None
    if mark:
        return None
    if lower == "as":
        return "named" if text[max(0, begins - 6) : begins].lower() == "known " else None
    return "named"


@cache
def _context_recogniser() -> ContextNames:
    return ContextNames()


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

    def __init__(
        self,
        known: Sequence[Known],
        subject_own: Iterable[str],
        subject_names: Iterable[str] = (),
    ) -> None:
        self.by_term: dict[str, str] = {}
        for person in known:
            for term in (*person.names, *person.contacts):
                self.by_term.setdefault(_norm(term), person.whose)
        self.own = {_norm(value) for value in subject_own if value}
        # The person's own names: a name found from context made only of these is theirs
        # ("called Kai", "Mr Fenwick" in Kai Fenwick's notes), not proposed as someone else's.
        self.own_names = {_norm(n) for value in subject_names for n in value.split() if n}
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
        context = _context_recogniser()
        results += [(r, "name") for r in context.analyze(text, ["NAME"])]
        for recogniser in _contact_recognisers():
            entity = recogniser.supported_entities[0]
            results += [(r, entity.lower()) for r in recogniser.analyze(text, [entity])]
        # Where matches overlap, the longest wins ("Jane Smith" over "Jane"), and of two the
        # same length the higher score (a known name over the same words found from context):
        # by start, then longest, then score, one pass.
        kept: list[tuple[int, int, str, RecognizerResult]] = []
        for result, entity in sorted(
            results, key=lambda x: (x[0].start, x[0].start - x[0].end, -x[0].score)
        ):
            start, end = result.start, result.end
            if kept and start < kept[-1][1]:
                if end - start > kept[-1][1] - kept[-1][0]:
                    kept[-1] = (start, end, entity, result)
                continue
            kept.append((start, end, entity, result))
        found: list[Found] = []
        for start, end, entity, result in kept:
            if text[start] == "(" and ")" not in text[start:end]:
                start += 1  # an opening bracket the pattern took without its closing one
            value = text[start:end]
            if _norm(value) in self.own:
                continue  # the person's own phone, email, postcode or address
            whose = self.by_term.get(_norm(value))
            if whose is None and _recogniser_of(result) == CONTEXT_NAME:
                if {_norm(w) for w in value.split()} <= self.own_names:
                    continue  # the person's own name, after "called" or a title
                trigger = (result.recognition_metadata or {}).get("trigger")
                why, source = CONTEXT_WHOSE.format(trigger), "recogniser"
            elif whose is None:
                why, source = (
                    "Someone else's contact details (not linked in the records)",
                    "recogniser",
                )
            else:
                why, source = whose, "record-link"
            found.append(Found(start, end, value, entity, why, source))
        return sorted(found, key=lambda f: f.start)


def _recogniser_of(result: RecognizerResult) -> str:
    return str((result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY, ""))


_NOT_KEPT = re.compile(r"[^\w@.+]")


@lru_cache(maxsize=4096)
def _norm(text: str) -> str:
    return _NOT_KEPT.sub("", text).lower()
