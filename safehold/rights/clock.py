"""The statutory clock of a rights request, as the ICO computes it. Pure functions: no database.

- One month: from the day of receipt (working day or not) to the corresponding calendar date
  of the next month; where that date does not exist (31 January → February), the last day of
  that month (UK GDPR Article 12(3); ICO, "Time limits for responding to data protection
  rights requests").
- Where the due date falls on a weekend or a bank holiday of the controller's nation (England
  and Wales share a calendar; Scotland and Northern Ireland have their own), the next working
  day. Bank holidays come from the maintained `holidays` library (including one-off days such
  as a coronation), never a hand-typed list.
- An extension by up to two further months (complex or numerous requests), counted from
  receipt, is allowed only if the requester is told within the first month: `Extension` told
  after the unextended due date is refused (`ClockError`).
- The clock stops while identity or clarification is awaited (Data (Use and Access) Act 2025,
  UK GDPR Article 12A) and resumes with the days it had left: each closed pause moves the due
  date on by its length in days; while a pause is open there is no due date, only the days
  left. Working-day adjustment is made once, to the final date.

`safehold rights due` prints these for anyone to check; the request pages use the same
functions, so there is one rule.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

from safehold.policy.law import NATION_NAMES

# The controller's nation, as a pack may state it, and its subdivision in `holidays.UK`.
NATIONS: dict[str, str] = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}
DEFAULT_NATION = "england"
__all__ = ["DEFAULT_NATION", "NATIONS", "NATION_NAMES", "Clock", "ClockError", "Pause", "compute"]


class ClockError(ValueError):
    """A pause, resumption or extension the law does not allow, named plainly."""


@dataclass(frozen=True)
class Pause:
    """The clock stopped on `start` (identity or clarification asked for) and resumed on
    `end` (what was asked for arrived); `end` is None while it is still awaited."""

    start: date
    end: date | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days if self.end else 0


@dataclass(frozen=True)
class Clock:
    received: date
    due: date | None
    """The date the answer is due; None while the clock is paused."""
    one_month: date | None
    """The unextended due date (with pauses): an extension must be told by then."""
    extended: bool
    paused_since: date | None
    days_left: int | None
    """While paused: the days the clock had left when it stopped (counted to the calendar
    due date, before any move to a working day)."""
    moved_from: date | None
    """The calendar due date, where a weekend or bank holiday moved it on."""
    nation: str

    def overdue(self, today: date) -> bool:
        return self.due is not None and today > self.due

    def days_to_go(self, today: date) -> int | None:
        return (self.due - today).days if self.due is not None else None


def add_months(start: date, months: int) -> date:
    """The corresponding calendar date `months` later, or the last day of that month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@cache
def _bank_holidays(nation: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=NATIONS[nation], years=year)


def bank_holiday(day: date, nation: str = DEFAULT_NATION) -> str | None:
    """The name of the bank holiday on `day` in the nation, or None."""
    found = _bank_holidays(nation, day.year).get(day)
    return str(found) if found else None


def working_day(day: date, nation: str = DEFAULT_NATION) -> date:
    """`day`, or the next day that is neither a weekend nor a bank holiday of the nation."""
    while day.weekday() >= 5 or bank_holiday(day, nation):
        day += timedelta(days=1)
    return day


def check_pauses(received: date, pauses: Sequence[Pause]) -> None:
    last_end = received
    for number, pause in enumerate(pauses, 1):
        if pause.start < last_end:
            before = "the request was received" if number == 1 else "the previous pause ended"
            raise ClockError(
                f"pause {number} starts on {pause.start.isoformat()}, before {before} "
                f"({last_end.isoformat()})"
            )
        if pause.end is not None and pause.end < pause.start:
            raise ClockError(
                f"pause {number} ends on {pause.end.isoformat()}, before it starts "
                f"({pause.start.isoformat()})"
            )
        if pause.end is None and number != len(pauses):
            raise ClockError(f"pause {number} has not ended, so no pause can follow it")
        last_end = pause.end or pause.start


def compute(
    received: date,
    *,
    pauses: Sequence[Pause] = (),
    extension_told: date | None = None,
    nation: str = DEFAULT_NATION,
) -> Clock:
    """The clock of a request received on `received`, with its pauses in order and, where the
    requester was told of an extension, the day they were told."""
    if nation not in NATIONS:
        raise ClockError(f"'{nation}' is not a nation: use one of {', '.join(NATIONS)}")
    pauses = sorted(pauses, key=lambda p: p.start)
    check_pauses(received, pauses)
    month = add_months(received, 1)
    # Each pause must start while the clock still runs: before the (moved) due date.
    shift = 0
    for number, pause in enumerate(pauses, 1):
        extended_then = extension_told is not None and extension_told <= pause.start
        limit = add_months(received, 3) if extended_then else month
        running_due = working_day(limit + timedelta(days=shift), nation)
        if pause.start > running_due:
            raise ClockError(
                f"pause {number} starts on {pause.start.isoformat()}, after the request fell "
                f"due ({running_due.isoformat()}): a clock that has run out cannot be paused"
            )
        shift += pause.days
    open_pause = pauses[-1] if pauses and pauses[-1].end is None else None
    one_month = None if open_pause else working_day(month + timedelta(days=shift), nation)
    if extension_told is not None:
        if extension_told < received:
            raise ClockError(
                f"the extension was told on {extension_told.isoformat()}, before the request "
                f"was received ({received.isoformat()})"
            )
        # Told in time: by the one-month due date, counting the pauses up to the telling.
        told_by = working_day(
            month + timedelta(days=sum(p.days for p in pauses if p.start <= extension_told)),
            nation,
        )
        if extension_told > told_by:
            raise ClockError(
                f"an extension must be told within the first month: the requester was told on "
                f"{extension_told.isoformat()}, after the request fell due on "
                f"{told_by.isoformat()}"
            )
    calendar_due = add_months(received, 3 if extension_told else 1) + timedelta(days=shift)
    if open_pause:
        left = max((calendar_due - open_pause.start).days, 0)
        return Clock(
            received, None, None, extension_told is not None, open_pause.start, left, None, nation
        )
    due = working_day(calendar_due, nation)
    return Clock(
        received,
        due,
        one_month,
        extension_told is not None,
        None,
        None,
        calendar_due if due != calendar_due else None,
        nation,
    )


def parse_pause(text: str) -> Pause:
    """`FROM:TO` (ISO dates), or `FROM:` for a pause not yet ended."""
    start, sep, end = text.partition(":")
    if not sep:
        raise ClockError(f"'{text}' is not a pause: write FROM:TO, e.g. 2026-02-03:2026-02-10")
    try:
        return Pause(date.fromisoformat(start), date.fromisoformat(end) if end else None)
    except ValueError:
        raise ClockError(
            f"'{text}' is not a pause: write FROM:TO as dates, e.g. 2026-02-03:2026-02-10"
        ) from None
