"""Derived items: less than a field (initials instead of a name, a postcode district instead
of a postcode), computed when a share or an extract goes, as the pack lists them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from safehold.retention.rules import age_on


def postcode_district(postcode: str) -> str:
    """The outward code: 'CB1 1AA' -> 'CB1'; a postcode typed without its space keeps all but
    its last three characters."""
    text = "".join(postcode.split()).upper()
    return text[:-3] if len(text) > 4 else text


def initials(given: str, family: str) -> str:
    return "".join(part[0].upper() for part in (given.strip(), family.strip()) if part)


def value_of(item: str, person: Any, today: date) -> Any:
    born: date | None = person.date_of_birth
    if item == "initials":
        return initials(person.given_name or "", person.family_name or "")
    if item == "year-of-birth":
        return born.year if born else None
    if item == "month-of-birth":
        return born.strftime("%Y-%m") if born else None
    if item == "age":
        return age_on(born, today) if born else None
    if item == "postcode-district":
        return postcode_district(person.postcode or "") or None
    if item == "sex":
        return person.sex or None
    raise KeyError(item)


def derive(items: Iterable[str], person: Any, today: date) -> dict[str, Any]:
    return {item: value_of(item, person, today) for item in items}
