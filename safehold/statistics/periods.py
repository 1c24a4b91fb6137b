"""Reporting periods: calendar quarters, written 2026Q3 (July to September 2026)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _PATTERN.match(text or "")
        if not match:
            raise BadPeriod(
                f"'{text}' is not a quarter: write the year and the quarter, like 2026Q3 "
                "(July to September 2026)"
            )
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            raise BadPeriod(f"'{text}': the year must be between 2000 and 2100")
        return cls(year, int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """The last day of the quarter."""
        return self.next().start - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + self.quarter // 4, self.quarter % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.quarter == 1), (self.quarter - 2) % 4 + 1)

    def back(self, n: int) -> list[Quarter]:
        """This quarter and the n-1 before it, oldest first."""
        quarters = [self]
        for _ in range(n - 1):
            quarters.append(quarters[-1].previous())
        return quarters[::-1]

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label(self) -> str:
        first, last = _MONTHS[3 * self.quarter - 3], _MONTHS[3 * self.quarter - 1]
        return f"{first} to {last} {self.year}"

    @property
    def short(self) -> str:
        return f"{_MONTHS[3 * self.quarter - 3][:3]}\u2013{_MONTHS[3 * self.quarter - 1][:3]} {self.year}"

    @property
    def months(self) -> str:
        return f"{_MONTHS[3 * self.quarter - 3][:3]}\u2013{_MONTHS[3 * self.quarter - 1][:3]}"

    def __str__(self) -> str:
        return self.code


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
