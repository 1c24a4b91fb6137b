"""Values the gate has shown, made ready for a page: text as GOV.UK writes it, or "Withheld"
with the reason and the data category, never a silent gap.

Templates render a `Cell` with the `shown` macro (web/macros/shown.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from safehold.access.gate import Shown, ShownCase, Withheld
from safehold.policy.schema import Pack
from safehold.web.govuk import date_time, day


@dataclass(frozen=True)
class Cell:
    text: str = ""
    withheld: str = ""  # the gate's reason, when the value is withheld
    category: str = ""  # the name of the withheld value's data category

    @property
    def is_withheld(self) -> bool:
        return bool(self.withheld)


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

    def reasons(self, cells: Iterable[Cell]) -> list[tuple[str, str]]:
        """The distinct (category, reason) pairs behind the withheld cells of a page."""
        return sorted({(c.category, c.withheld) for c in cells if c.is_withheld})


def label_of(person: ShownCase | Shown, display: Display) -> str:
    """What to call a person in headings and links: their name, or their record number."""
    shown = person.person if isinstance(person, ShownCase) else person
    name = display.name(shown)
    return name.text or f"Person {shown.pk}"


def age(born: Any, on: date) -> int | None:
    if not isinstance(born, date):  # not given, or withheld
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
