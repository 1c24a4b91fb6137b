"""Helpers for reading packs in tests: find entries by code, and see retention rules and
shares in the words a pack is written in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from safehold.policy.loader import LoadResult, load_file
from safehold.policy.schema import Pack, Period, Recipient, Share
from tests.builders import PACKS


class HasCode(Protocol):
    code: str


T = TypeVar("T", bound=HasCode)


def load_pack(name: str) -> LoadResult:
    return load_file(PACKS / f"{name}.yaml")


def by_code(items: Iterable[T], code: str) -> T:
    found = [item for item in items if item.code == code]
    assert len(found) == 1, f"expected one entry with code '{code}', found {len(found)}"
    return found[0]


def codes(items: Iterable[HasCode]) -> set[str]:
    return {item.code for item in items}


def plain(model: BaseModel) -> Any:
    """A model as the YAML that states it: aliases ('for', 'if'), no empty fields, and
    periods written '5 years'."""
    return _periods(model.model_dump(by_alias=True, exclude_none=True, mode="json"))


def _periods(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"amount", "unit"}:
            return str(Period(**value))
        return {key: _periods(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_periods(item) for item in value]
    return value


def conditions(share: Share) -> set[str]:
    return {str(c) for c in share.conditions}


def shares_of(recipient: Recipient, category: str) -> list[Share]:
    """The recipient's shares that name `category` (or all categories)."""
    return [s for s in recipient.shares if category in s.categories or "*" in s.categories]


def readers(pack: Pack, category: str) -> dict[str, set[str]]:
    """Role code -> the relationships at which that role may read `category`."""
    found: dict[str, set[str]] = {}
    for role in pack.roles:
        for grant in role.grants:
            if "read" in grant.actions and (
                category in grant.categories or "*" in grant.categories
            ):
                found.setdefault(role.code, set()).add(str(grant.relationship))
    return found


def recipients_of(pack: Pack, category: str) -> set[str]:
    """Codes of the recipients any share of which includes `category`."""
    return {r.code for r in pack.recipients if shares_of(r, category)}


def holder(pack: Pack, field: str) -> str:
    """The code of the one category that holds a record field (`record.field`)."""
    found = [c.code for c in pack.categories if field in c.holds]
    assert len(found) == 1, f"expected one category to hold '{field}', found {found}"
    return found[0]


def holders(pack: Pack, prefix: str) -> set[str]:
    """The codes of the categories holding any field that starts with `prefix` ('offence.')."""
    return {c.code for c in pack.categories for name in c.holds if name.startswith(prefix)}


def legislation_titles(pack: Pack) -> set[str]:
    return {law.title for law in pack.legislation}


def assert_only_warnings(result: LoadResult, *fragments: str) -> None:
    """No errors, and each warning is one of the notice's known gaps (and each gap warned)."""
    assert result.ok, [p.format("pack") for p in result.errors]
    assert not result.errors
    messages = [w.message for w in result.warnings]
    assert len(messages) == len(fragments), messages
    for fragment in fragments:
        assert any(fragment in m for m in messages), (fragment, messages)


def normalised(text: str | None) -> str:
    """Text with runs of whitespace collapsed, for comparing folded YAML with the notice."""
    return " ".join((text or "").split())
