"""Values the gate has shown, made ready for a page: text as GOV.UK writes it, or "Withheld"
with the reason and the data category, never a silent gap.

Templates render a `Cell` with the `shown` macro (web/macros/shown.html).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from safehold.access.gate import Shown, ShownCase, Withheld
from safehold.policy.schema import Pack
from safehold.records.search import person_reference
from safehold.web.govuk import date_time, day


@dataclass(frozen=True)
class Cell:
    text: str = ""
    withheld: str = ""  # the gate's rule, when the value is withheld
    category: str = ""  # the name of the withheld value's data category
    because: str = ""  # the rule in words (`explain`)

    @property
    def is_withheld(self) -> bool:
        return bool(self.withheld)

    @property
    def plain(self) -> dict[str, str] | None:
        """A GOV.UK table cell's parameters for a value shown as plain text, which the table
        prints escaped exactly as the `shown` macro would; None when the value needs the macro
        ("Withheld", "Not recorded"). Tables write `cell.plain or {"html": shown(cell)}`: a
        macro call per cell is most of what a table of 25 rows costs to render."""
        if self.withheld or not self.text:
            return None
        return {"text": self.text}


class Display:
    """Formats shown values with the names a pack gives its codes."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.categories = {c.code: c.name for c in pack.categories}
        self.services = {s.code: s.name for s in pack.services}
        self.flags = {f.code: f.name for f in pack.flags}

    def __call__(self, value: Any, fmt: Callable[[Any], str] | None = None) -> Cell:
        if isinstance(value, Withheld):
            return Cell(
                withheld=value.reason,
                category=self.categories.get(value.category or "", "no data category"),
                because=explain(value.reason, self.pack),
            )
        if value is None or value == "":
            return Cell()
        if fmt is not None:
            return Cell(fmt(value))
        if isinstance(value, datetime):
            return Cell(date_time(value))
        if isinstance(value, date):
            return Cell(day(value))
        if isinstance(value, bool):
            return Cell("Yes" if value else "No")
        return Cell(str(value))

    def choice(self, value: Any, choices: Iterable[tuple[str, str]]) -> Cell:
        labels = dict(choices)
        return self(value, lambda v: labels.get(v, str(v)))

    def service(self, value: Any) -> Cell:
        return self(value, lambda v: self.services.get(v, v))

    def flag(self, value: Any) -> Cell:
        return self(value, lambda v: self.flags.get(v, v))

    def name(self, person: Shown) -> Cell:
        """A person's name as far as it may be shown: preferred or given name, and family name."""
        given = person.values.get("preferred_name") or person.values.get("given_name")
        if isinstance(given, Withheld) or not given:
            given = person.values.get("given_name")
        family = person.values.get("family_name")
        parts = [v for v in (given, family) if v and not isinstance(v, Withheld)]
        if parts:
            return Cell(" ".join(str(p) for p in parts))
        withheld = next((v for v in (given, family) if isinstance(v, Withheld)), None)
        return self(withheld) if withheld is not None else Cell()

    def reasons(self, cells: Iterable[Cell]) -> list[tuple[str, Because]]:
        """The distinct (category, reason) pairs behind the withheld cells of a page; the
        reason prints as words, and keeps the gate's rule."""
        return sorted(
            {
                (c.category, Because(c.because or c.withheld, c.withheld))
                for c in cells
                if c.is_withheld
            }
        )

    def because(self, rule: str) -> Because:
        return Because(explain(rule, self.pack), rule)


@dataclass(frozen=True, order=True)
class Because:
    """A rule of the gate in words (`text`, what `str()` gives) and as the gate wrote it
    (`rule`, with the pack's codes), which pages keep in a details component."""

    text: str
    rule: str

    def __str__(self) -> str:
        return self.text


def label_of(person: ShownCase | Shown, display: Display) -> str:
    """What to call a person in headings and links: their name, or their record number."""
    shown = person.person if isinstance(person, ShownCase) else person
    name = display.name(shown)
    return name.text or person_reference(shown.pk)


def age(born: Any, on: date) -> int | None:
    if not isinstance(born, date):  # not given, or withheld
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# --- the gate's rules in words ----------------------------------------------------------------

# How far a grant reaches, as a member of staff would say it.
REACH = {
    "allocated": "on cases allocated to them",
    "team": "on their team's cases",
    "service": "on cases of their service",
    "controller": "on any case of the organisation",
}
# Which cases, by their distance from a member of staff.
CASES_AT = {
    "allocated": "allocated to them",
    "team": "held by their team",
    "service": "held by other teams of their service",
    "controller": "held by other teams of the organisation",
}
_PACK = re.compile(r"^[a-z0-9-]+ v\d+: ")
_NO_GRANT = re.compile(
    r"^no grant of role '(?P<role>[^']+)' allows (?P<action>\w+)(?: of '(?P<category>[^']+)')?"
    r" at (?P<distance>\w+) distance$"
)
_MAY_NOT_READ = re.compile(
    r"^role '(?P<role>[^']+)' may not read cases at (?P<distance>\w+) distance(?P<rest>;.*)?$"
)
_GRANT = re.compile(
    r"^role '(?P<role>[^']+)' grant \d+ \((?P<action>\w+) (?P<categories>.+) up to (?P<distance>\w+)\)$"
)
_READS_AT = re.compile(r"^role '(?P<role>[^']+)' reads at (?P<distance>\w+) distance$")
_EXTRACT = re.compile(
    r"^extract '(?P<extract>[^']+)' to '(?P<recipient>[^']+)' for '(?P<purpose>[^']+)'"
    r" under '(?P<gateway>[^']+)'(?:; only people with current consent: (?P<consent>.+))?$"
)
_EXTRACT_REFUSED = re.compile(r"^extract '(?P<extract>[^']+)' refused: (?P<why>.+)$")
_ROLE = re.compile(r"role '([^']+)'")
_QUOTED = re.compile(r"'([a-z0-9-]+)'")


def explain(rule: str, pack: Pack) -> str:
    """The gate's rule (`cambridgeshire-yos v1: no grant of role 'youth-justice-officer' allows
    read of 'health' at team distance`) as a sentence with the pack's names for its codes
    ("A Youth offending case manager may not read health information on their team's cases").
    Pages show this, and the rule itself in a details component."""
    roles = {r.code: r.name for r in pack.roles}
    categories = {c.code: c.name for c in pack.categories}
    # Any other code a rule quotes, by the pack's name for it (a recipient, a purpose ...).
    named = {
        item.code: item.name
        for items in (
            pack.services,
            pack.flags,
            pack.events,
            pack.purposes,
            pack.gateways,
            pack.recipients,
            pack.extracts,
        )
        for item in items
    }
    preferences = {p.code: p.name for p in pack.preferences}
    text = _PACK.sub("", rule.strip())

    def role(code: str) -> str:
        name = roles.get(code, code)
        return f"{'An' if name[:1].lower() in 'aeiou' else 'A'} {name}"

    def category(code: str) -> str:
        name = categories.get(code, code)
        return name[:1].lower() + name[1:] if name[1:2].islower() else name

    def reach(distance: str) -> str:
        return REACH.get(distance, f"at {distance} distance")

    if match := _NO_GRANT.match(text):
        what = f" {category(match['category'])}" if match["category"] else ""
        return f"{role(match['role'])} may not {match['action']}{what} {reach(match['distance'])}."
    if match := _MAY_NOT_READ.match(text):
        cases = CASES_AT.get(match["distance"], f"at {match['distance']} distance")
        rest = (match["rest"] or "").rstrip(".")
        return f"{role(match['role'])} may not read cases {cases}{rest}."
    if match := _GRANT.match(text):
        names = [
            "everything" if c.strip() == "*" else category(c.strip())
            for c in match["categories"].split(",")
        ]
        return (
            f"{role(match['role'])} may {match['action']} {', '.join(names)} "
            f"{reach(match['distance'])}."
        )
    if match := _READS_AT.match(text):
        return f"{role(match['role'])} may read this {reach(match['distance'])}."

    def by_name(text: str) -> str:
        text = _ROLE.sub(lambda m: role(m[1])[:1].lower() + role(m[1])[1:], text)
        return _QUOTED.sub(
            lambda m: categories.get(m[1], roles.get(m[1], named.get(m[1], m[1]))), text
        )

    # An extract's names are whole phrases ("Other agencies (anonymous data only)"): each
    # under its own label, not strung into one sentence.
    if match := _EXTRACT.match(text):
        consent = (
            ", ".join(preferences.get(c.strip(), c.strip()) for c in match["consent"].split(","))
            if match["consent"]
            else ""
        )
        return (
            f"The extract “{named.get(match['extract'], match['extract'])}” was sent. "
            f"Recipient: {named.get(match['recipient'], match['recipient'])}. "
            f"Purpose: {named.get(match['purpose'], match['purpose'])}. "
            f"Legal gateway: {named.get(match['gateway'], match['gateway'])}."
            + (f" Only people who had given their consent: {consent}." if consent else "")
        )
    if match := _EXTRACT_REFUSED.match(text):
        why = by_name(match["why"]).rstrip(".")
        return f"The extract “{named.get(match['extract'], match['extract'])}” was refused: {why}."
    text = by_name(text)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# What the audit log's record types are called where people read the log (the trail of who has
# seen a young person, the break-glass review).
RECORD_WORDS = {
    "case": "the case",
    "person": "the young person",
    "personflag": "flags",
    "relationship": "family and professionals",
    "victimlink": "victims",
    "contact": "contacts",
    "assessment": "assessments",
    "plan": "plans",
    "planaction": "plan actions",
    "offence": "offences",
    "outcome": "outcomes",
    "report": "reports",
    "casestatus": "statuses",
    "recordedevent": "recorded events",
    "audit": "who has seen the record",
    "disclosure": "a share",
    "consent": "consent and objections",
    "objection": "consent and objections",
    "rightsrequest": "a rights request",
    "release": "a rights request's answer",
    "legalhold": "a legal hold",
    "case-file": "the case file (retention)",
    "non-case-file": "information outside case files (retention)",
    "servicedate": "a service's dates",
    "statistics": "statistics",
}


def record_words(record_type: str) -> str:
    """A record type of the audit log in words (a type this does not know, as it is)."""
    return RECORD_WORDS.get(record_type, record_type)
