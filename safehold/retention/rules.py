"""How long: a pack's retention rules, applied to the facts about one unit, give a date.

Pure functions, no database: the planner gathers the facts (`Facts`) in bulk and calls
`reckon` once per unit. Every answer says how it was reached, so a unit that cannot be given a
date is never silently kept for ever: it is *pending* (an event still to come, such as the end
of an open case), or a *gap* the DPO sees (the pack states no period, no rule covers the unit,
or a fact the rule needs was never recorded).

Dates. "N years after" and birthdays use the same calendar arithmetic: a day that does not
exist in the target month moves forward to the first day of the next month. So a leap-day
birthday falls on 1 March in common years, as the age of legal capacity does in Scotland
(Age of Legal Capacity (Scotland) Act 1991, s.6(2)) and as is the usual reading in England and
Wales; and disposal is never a day earlier than the period allows. Ages are measured with the
same rule, so "18 or over at an event" and "until the 18th birthday" always agree.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from operator import itemgetter
from typing import Any

from safehold.policy.schema import (
    Action,
    After,
    AgeAtIs,
    AllOf,
    AnyOf,
    Birthday,
    Cond,
    Earliest,
    FlagIs,
    GoesWith,
    Keep,
    Latest,
    NoPeriod,
    NotCond,
    Pack,
    Period,
    RetentionRule,
    Unit,
    When,
)

# An event's value in `Facts.events`: the date it happened, or one of these.
TO_COME = "to-come"  # it has not happened yet but will (the case is still open)
NEVER = "never"  # it will not happen for this unit (a case closed without a court order)
# A missing key, or None: it should be known but was never recorded (no date of birth).
EventValue = date | str | None

DATE_OF_BIRTH = "date-of-birth"
# The day the last case file a person's other information belongs to was disposed of (to
# come while one is kept): what `{goes_with: case-file}` is counted from.
CASE_FILES_DISPOSED = "case-files-disposed"


def birth_event(of: str | None) -> str:
    """The event a birthday is counted from: the person's own date of birth, or (`of:
    young-person`) that of the young person they are related to."""
    return DATE_OF_BIRTH if of is None else f"{of}:{DATE_OF_BIRTH}"


# --- calendar arithmetic ----------------------------------------------------------------------


def _on_or_after(year: int, month: int, day: int) -> date:
    """The date, or the first day of the next month when the month is too short for it.
    Past the calendar's end (year 9999), its last day: kept, and never an error."""
    if year > date.max.year:
        return date.max
    if day <= 28:  # every month has 28 days (and working out the month's length costs more)
        return date(year, month, day)
    last = calendar.monthrange(year, month)[1]
    if day <= last:
        return date(year, month, day)
    return _plus_days(date(year, month, last), 1)


def _plus_days(start: date, days: int) -> date:
    try:
        return start + timedelta(days=days)
    except OverflowError:
        return date.max


def add_years(start: date, years: int) -> date:
    """`years` years after `start`; 29 February becomes 1 March in a common year."""
    return _on_or_after(start.year + years, start.month, start.day)


def add_months(start: date, months: int) -> date:
    """`months` months after `start`; 31 January + 1 month is 1 March (2 in a leap year is
    29 February + 1 day), never the end of a shorter month, so never early."""
    year, month = divmod(start.month - 1 + months, 12)
    return _on_or_after(start.year + year, month + 1, start.day)


def add_period(start: date, period: Period) -> date:
    if period.unit == "years":
        return add_years(start, period.amount)
    if period.unit == "months":
        return add_months(start, period.amount)
    if period.unit == "weeks":
        return _plus_days(start, 7 * period.amount)
    return _plus_days(start, period.amount)


def birthday(date_of_birth: date, age: int) -> date:
    """The day a person born on `date_of_birth` reaches `age`."""
    return add_years(date_of_birth, age)


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years on `on`, by the same calendar as `birthday`."""
    age = on.year - date_of_birth.year
    return age if on >= birthday(date_of_birth, age) else age - 1


# --- facts and answers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the rules may ask about one unit: its events, and the flags (facts about the
    person or the case) recorded as holding. A flag in `unknown` is one nobody recorded
    either way; any other is known not to hold. `longer`: the pack's flags read the longer
    way while unknown (the others make the unit a gap)."""

    events: Mapping[str, EventValue]
    flags: frozenset[str] = frozenset()
    unknown: frozenset[str] = frozenset()
    longer: frozenset[str] = frozenset()

    def event(self, code: str) -> EventValue:
        return self.events.get(code)


class Basis(StrEnum):
    """How a unit's keep-until date was reached, or why it has none."""

    DATED = "dated"
    PENDING = "pending"  # waits for an event still to come
    NO_PERIOD = "no-period"  # the pack states no period: a gap
    NO_RULE = "no-rule"  # no rule of the pack covers this unit: a gap
    MISSING = "missing"  # a fact the rule needs was never recorded: a gap

    @property
    def is_gap(self) -> bool:
        return self in GAPS


GAPS = frozenset({Basis.NO_PERIOD, Basis.NO_RULE, Basis.MISSING})


@dataclass(frozen=True)
class Answer:
    """One expression's answer: a date, or why not. `basis` None: it does not apply."""

    basis: Basis | None
    until: date | None = None
    events: tuple[str, ...] = ()  # the events awaited, or the facts missing
    reason: str = ""  # for a gap: the pack's own words
    longer: tuple[str, ...] = ()  # flags nobody recorded, read the way that keeps longer
    floored: date | None = None  # the rule's own date, when its floor held it back

    @property
    def applies(self) -> bool:
        return self.basis is not None


NOT_APPLICABLE = Answer(None)


def _dated(until: date) -> Answer:
    return Answer(Basis.DATED, until)


def _merge_events(answers: Iterable[Answer]) -> tuple[str, ...]:
    return tuple(sorted({e for a in answers for e in a.events}))


def _from_event(code: str, value: EventValue) -> Answer | date:
    """An event's date, or the answer that stands for it not being one."""
    if isinstance(value, date):
        return value
    if value == TO_COME:
        return Answer(Basis.PENDING, events=(code,))
    if value == NEVER:
        return NOT_APPLICABLE
    return Answer(Basis.MISSING, events=(code,))


def _pick(answers: Sequence[Answer], *, latest: bool) -> Answer:
    """Earliest or latest of several. Unknowns never shorten a period: a gap anywhere is a gap,
    then a missing fact, then an event still to come; only when all are dates is one chosen."""
    applying = [a for a in answers if a.applies]
    if not applying:
        return NOT_APPLICABLE
    for basis in (Basis.NO_PERIOD, Basis.MISSING, Basis.PENDING):
        found = [a for a in applying if a.basis == basis]
        if found:
            return Answer(basis, events=_merge_events(found), reason=found[0].reason)
    dates = [a.until for a in applying if a.until is not None]
    longer = _merge_longer(applying)
    return Answer(Basis.DATED, max(dates) if latest else min(dates), longer=longer)


def _merge_longer(answers: Iterable[Answer]) -> tuple[str, ...]:
    return tuple(sorted({f for a in answers for f in a.longer}))


def evaluate(keep: Keep, facts: Facts) -> Answer:
    """A retention expression's answer for one unit."""
    if isinstance(keep, After):
        start = _from_event(keep.after, facts.event(keep.after))
        return _dated(add_period(start, keep.for_)) if isinstance(start, date) else start
    if isinstance(keep, Birthday):
        code = birth_event(keep.of)
        born = facts.event(code)
        if born == NEVER:  # related to no young person: the rule is not about them
            return NOT_APPLICABLE
        if not isinstance(born, date):
            # Nobody to count from (no date of birth; no young person linked): a gap.
            return Answer(Basis.MISSING, events=(code,))
        return _dated(birthday(born, keep.birthday))
    if isinstance(keep, GoesWith):
        gone = _from_event(CASE_FILES_DISPOSED, facts.event(CASE_FILES_DISPOSED))
        return _dated(gone) if isinstance(gone, date) else gone
    if isinstance(keep, Earliest):
        return _pick([evaluate(k, facts) for k in keep.earliest], latest=False)
    if isinstance(keep, Latest):
        return _pick([evaluate(k, facts) for k in keep.latest], latest=True)
    if isinstance(keep, When):
        truth = test(keep.if_, facts)
        if truth.value is True:
            return evaluate(keep.then, facts)
        if truth.value is False:
            return evaluate(keep.else_, facts) if keep.else_ is not None else NOT_APPLICABLE
        if truth.longer:
            # Unknown, and the pack reads it the longer way: both branches, the later date.
            other = evaluate(keep.else_, facts) if keep.else_ is not None else NOT_APPLICABLE
            picked = _pick([evaluate(keep.then, facts), other], latest=True)
            return replace(picked, longer=tuple(sorted({*picked.longer, *truth.events})))
        return Answer(truth.unknown, events=truth.events)
    assert isinstance(keep, NoPeriod)
    return Answer(Basis.NO_PERIOD, reason=keep.no_period_stated)


def evaluate_rule(rule: RetentionRule, facts: Facts) -> Answer:
    """A rule's answer for one unit: its period, raised to its floor (`not_before`) where
    the period falls earlier. A floor still to come (the case is open) makes the rule wait
    for it; one that never happens sets no floor."""
    answer = evaluate(rule.keep, facts)
    if rule.not_before is None or answer.basis != Basis.DATED or answer.until is None:
        return answer
    floor = _from_event(rule.not_before, facts.event(rule.not_before))
    if isinstance(floor, Answer):
        return floor if floor.applies else answer
    if answer.until < floor:
        return replace(answer, until=floor, floored=answer.until)
    return answer


# --- conditions: true, false, or not yet known ------------------------------------------------


@dataclass(frozen=True)
class Truth:
    value: bool | None
    unknown: Basis = Basis.PENDING  # when value is None: PENDING or MISSING
    events: tuple[str, ...] = ()
    longer: bool = False  # unknown only for flags the pack reads the longer way


TRUE, FALSE = Truth(True), Truth(False)


def _unknown(truths: Sequence[Truth]) -> Truth:
    unknown = [t for t in truths if t.value is None]
    basis = Basis.MISSING if any(t.unknown == Basis.MISSING for t in unknown) else Basis.PENDING
    longer = all(t.longer for t in unknown)
    return Truth(None, basis, tuple(sorted({e for t in unknown for e in t.events})), longer)


def test(cond: Cond, facts: Facts) -> Truth:
    """Whether a condition holds for one unit; unknown while a fact is to come or missing."""
    if isinstance(cond, FlagIs):
        if cond.flag in facts.flags:
            return TRUE
        if cond.flag in facts.unknown:
            return Truth(None, Basis.MISSING, (cond.flag,), cond.flag in facts.longer)
        return FALSE
    if isinstance(cond, AgeAtIs):
        age = cond.age_at
        born = facts.event(DATE_OF_BIRTH)
        at = _from_event(age.event, facts.event(age.event))
        if not isinstance(born, date):
            return Truth(None, Basis.MISSING, (DATE_OF_BIRTH,))
        if isinstance(at, Answer):
            if not at.applies:  # the event never happens: no age at it
                return FALSE
            assert at.basis is not None
            return Truth(None, at.basis, at.events)
        ok = (age.at_least is None or at >= birthday(born, age.at_least)) and (
            age.under is None or at < birthday(born, age.under)
        )
        return TRUE if ok else FALSE
    if isinstance(cond, AnyOf):
        truths = [test(c, facts) for c in cond.any]
        if any(t.value is True for t in truths):
            return TRUE
        return FALSE if all(t.value is False for t in truths) else _unknown(truths)
    if isinstance(cond, AllOf):
        truths = [test(c, facts) for c in cond.all]
        if any(t.value is False for t in truths):
            return FALSE
        return TRUE if all(t.value is True for t in truths) else _unknown(truths)
    assert isinstance(cond, NotCond)
    inner = test(cond.not_, facts)
    return inner if inner.value is None else (FALSE if inner.value else TRUE)


# --- several rules: the longest wins ----------------------------------------------------------

# When two rules give the same date, the more careful action wins.
CAUTION = {Action.REVIEW: 0, Action.ARCHIVE: 1, Action.ANONYMISE: 2, Action.DESTROY: 3}


@dataclass(frozen=True)
class Reckoning:
    """A unit's keep-until date under a pack, the rule that set it and what happens then."""

    basis: Basis
    keep_until: date | None
    rule: RetentionRule | None
    events: tuple[str, ...] = ()
    reason: str = ""
    longer: tuple[str, ...] = ()  # flags nobody recorded, read the longer way
    floored: date | None = None  # the rule's own date, before its floor held the unit back

    @property
    def action(self) -> Action | None:
        if self.rule is None:
            return None
        # A unit the floor held back is reviewed: its rule, read literally, was already due.
        return Action.REVIEW if self.floored is not None else self.rule.action

    @property
    def rule_code(self) -> str:
        return self.rule.code if self.rule is not None else ""

    @property
    def note(self) -> str:
        """Why there is no date, in a few words, for the DPO's dashboard."""
        if self.basis == Basis.PENDING:
            return f"waiting for: {', '.join(self.events)}"
        if self.basis == Basis.MISSING:
            return f"not recorded: {', '.join(self.events)}"
        if self.basis == Basis.NO_PERIOD:
            return f"no period stated: {self.reason}"
        if self.basis == Basis.NO_RULE:
            return "no retention rule of the pack covers this"
        notes = []
        if self.floored is not None and self.rule is not None:
            notes.append(
                f"for review: the rule gives {self.floored.isoformat()}, before "
                f"{self.rule.not_before}; nothing is due before it"
            )
        if self.longer:
            notes.append(f"not recorded: {', '.join(self.longer)}; the longer reading applies")
        return "; ".join(notes)


def rules_for(pack: Pack, kind: Unit, service: str = "") -> list[RetentionRule]:
    """The pack's rules for a kind of unit; for a case file, those of its service. Services on
    a rule for people (not case files) are not consulted: a person outlives their cases."""
    return [
        rule
        for rule in pack.retention
        if rule.unit == kind
        and (kind != Unit.CASE_FILE or not rule.services or service in rule.services)
    ]


def reckon(rules: Sequence[RetentionRule], facts: Facts) -> Reckoning:
    """Apply every rule; the longest period wins. A gap in any rule that applies is a gap of
    the unit (never disposed of on another rule's date); then a missing fact; then an event
    still to come; only when every rule gives a date does the latest of them stand."""
    # All dated: the latest date, the most careful action on a tie, then pack order.
    return combine(rules, [evaluate_rule(rule, facts) for rule in rules])


class Reckoner:
    """`reckon` for many units under the same rules, remembering each rule's answer by the
    facts that rule reads: a million case files have a few thousand distinct dates of birth,
    so most answers are looked up, not worked out again. Same results as `reckon`.

    `codes` orders the event values passed to `values()`; it must name every event the rules
    read (by default, exactly those)."""

    CACHE_LIMIT = 200_000

    def __init__(
        self,
        rules: Sequence[RetentionRule],
        codes: Sequence[str] | None = None,
        longer: frozenset[str] = frozenset(),
    ) -> None:
        self.rules = list(rules)
        self.longer = longer
        self.codes = tuple(codes) if codes is not None else tuple(sorted(needs(rules).events))
        self._reads: list[tuple[Callable[[Sequence[EventValue]], Any], frozenset[str]]] = []
        # A rule's floor (`not_before`) is applied after its period, by position: the period
        # is remembered by what it alone reads (a date of birth: a few thousand values), not
        # also by the floor's date (the day each case closed: nearly one value per unit).
        self._floors: list[tuple[int, Answer, Answer] | None] = []
        for rule in self.rules:
            read = Needs()
            _needs_keep(rule.keep, read)
            positions = [self.codes.index(code) for code in sorted(read.events)]
            pick = itemgetter(*positions) if positions else _nothing
            self._reads.append((pick, frozenset(read.flags)))
            floor = rule.not_before
            self._floors.append(
                None
                if floor is None
                else (
                    self.codes.index(floor),
                    Answer(Basis.PENDING, events=(floor,)),
                    Answer(Basis.MISSING, events=(floor,)),
                )
            )
        self._cache: list[dict[Any, Answer]] = [{} for _ in self.rules]
        # What `values` walks per unit, rule by rule, in one tuple (fewer lookups).
        self._walk = [
            (i, pick, rule_flags, self._cache[i], self._floors[i])
            for i, (pick, rule_flags) in enumerate(self._reads)
        ]
        # Periods raised to their floor, by (rule, period answer, floor day): kept alive here
        # so that their identities below stay theirs.
        self._floored: dict[tuple[int, int, date], tuple[Answer, Answer]] = {}
        # Units of the same answers combine the same way: keyed by the answers' identities,
        # which the caches above keep alive (so this is cleared whenever one of them is).
        self._combined: dict[tuple[int, ...], Reckoning] = {}

    def __call__(self, facts: Facts) -> Reckoning:
        values = [facts.events.get(code) for code in self.codes]
        return self.values(values, facts.flags, facts.unknown)

    def values(
        self,
        values: Sequence[EventValue],
        flags: frozenset[str],
        unknown: frozenset[str] = frozenset(),
    ) -> Reckoning:
        """The reckoning for event values in `codes` order, the flags recorded as holding
        and those nobody recorded."""
        if not self.rules:
            return Reckoning(Basis.NO_RULE, None, None)
        answers: list[Answer] = []
        facts: Facts | None = None
        for i, pick, rule_flags, cache, floor in self._walk:
            # A rule that reads no flag is remembered by its events alone.
            key = (
                (
                    pick(values),
                    flags & rule_flags if flags else _NONE,
                    unknown & rule_flags if unknown else _NONE,
                )
                if rule_flags
                else pick(values)
            )
            answer = cache.get(key)
            if answer is None:
                if len(cache) > self.CACHE_LIMIT:
                    cache.clear()
                    self._floored.clear()
                    self._combined.clear()
                if facts is None:
                    facts = Facts(
                        dict(zip(self.codes, values, strict=True)), flags, unknown, self.longer
                    )
                answer = cache[key] = evaluate(self.rules[i].keep, facts)
            if floor is not None and answer.basis is Basis.DATED and answer.until is not None:
                answer = self._raise_to_floor(i, answer, values[floor[0]], floor)
            answers.append(answer)
        ids = tuple(map(id, answers))
        found = self._combined.get(ids)
        if found is None:
            if len(self._combined) > self.CACHE_LIMIT:
                self._combined.clear()
            found = self._combined[ids] = combine(self.rules, answers)
        return found

    def _raise_to_floor(
        self, i: int, answer: Answer, value: EventValue, floor: tuple[int, Answer, Answer]
    ) -> Answer:
        """`evaluate_rule`'s floor, for a period already worked out (same answers)."""
        if isinstance(value, date):
            if not answer.until < value:  # type: ignore[operator] # dated: until is a date
                return answer
            key = (i, id(answer), value)
            found = self._floored.get(key)
            if found is None:
                if len(self._floored) > self.CACHE_LIMIT:
                    self._floored.clear()
                    self._combined.clear()
                found = self._floored[key] = (
                    answer,
                    replace(answer, until=value, floored=answer.until),
                )
            return found[1]
        if value == TO_COME:
            return floor[1]
        if value == NEVER:  # a floor that never comes sets none
            return answer
        return floor[2]


_NONE: frozenset[str] = frozenset()


def _nothing(values: Sequence[EventValue]) -> tuple[()]:
    return ()


def combine(rules: Sequence[RetentionRule], answers: Sequence[Answer]) -> Reckoning:
    """The unit's reckoning from each rule's answer (see `reckon`)."""
    best: tuple[Any, ...] | None = None
    best_answer = NOT_APPLICABLE
    undated: dict[Basis, list[tuple[RetentionRule, Answer]]] = {}
    for index, (rule, answer) in enumerate(zip(rules, answers, strict=True)):
        if answer.basis is None:
            continue
        if answer.basis != Basis.DATED:
            undated.setdefault(answer.basis, []).append((rule, answer))
            continue
        action = Action.REVIEW if answer.floored is not None else rule.action
        key = (answer.until, -CAUTION[action], -index)
        if best is None or key > best:
            best = key
            best_answer = answer
    for basis in (Basis.NO_PERIOD, Basis.MISSING, Basis.PENDING):
        found = undated.get(basis)
        if found:
            rule, answer = found[0]
            return Reckoning(basis, None, rule, _merge_events(a for _, a in found), answer.reason)
    if best is None:
        return Reckoning(Basis.NO_RULE, None, None)
    return Reckoning(
        Basis.DATED,
        best[0],
        rules[-best[2]],
        longer=best_answer.longer,
        floored=best_answer.floored,
    )


# --- what a rule reads --------------------------------------------------------------------------


@dataclass
class Needs:
    """The events and flags a set of rules reads, so the planner fetches only those."""

    events: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)


def needs(rules: Iterable[RetentionRule]) -> Needs:
    found = Needs()
    for rule in rules:
        _needs_keep(rule.keep, found)
        if rule.not_before is not None:
            found.events.add(rule.not_before)
    return found


def _needs_keep(keep: Keep, found: Needs) -> None:
    if isinstance(keep, After):
        found.events.add(keep.after)
    elif isinstance(keep, Birthday):
        found.events.add(birth_event(keep.of))
    elif isinstance(keep, GoesWith):
        found.events.add(CASE_FILES_DISPOSED)
    elif isinstance(keep, Earliest | Latest):
        for k in keep.earliest if isinstance(keep, Earliest) else keep.latest:
            _needs_keep(k, found)
    elif isinstance(keep, When):
        _needs_cond(keep.if_, found)
        _needs_keep(keep.then, found)
        if keep.else_ is not None:
            _needs_keep(keep.else_, found)


def _needs_cond(cond: Cond, found: Needs) -> None:
    if isinstance(cond, FlagIs):
        found.flags.add(cond.flag)
    elif isinstance(cond, AgeAtIs):
        found.events.update({DATE_OF_BIRTH, cond.age_at.event})
    elif isinstance(cond, AnyOf | AllOf):
        for c in cond.any if isinstance(cond, AnyOf) else cond.all:
            _needs_cond(c, found)
    else:
        _needs_cond(cond.not_, found)
