"""web/addresses.address gives what Django's reverse gives, for every named page of the web
app, whatever the ids (the stand-ins it reverses with among them)."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from safehold.web.addresses import _STAND_INS, address
from safehold.web.converters import IdConverter


def _named(patterns: list[object], prefix: str = "") -> list[tuple[str, int, bool]]:
    """(name, number of arguments, whether every argument is an id) of each named pattern."""
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            space = f"{prefix}{p.namespace}:" if p.namespace else prefix
            found += _named(p.url_patterns, space)
        elif isinstance(p, URLPattern) and p.name:
            converters = p.pattern.converters.values()
            ids = all(isinstance(c, IdConverter) for c in converters)
            found.append((f"{prefix}{p.name}", len(converters), ids))
    return found


NAMED = [n for n in _named(get_resolver().url_patterns) if n[0].startswith("web:")]


def test_there_are_pages_with_ids_to_check() -> None:
    assert sum(1 for _, arity, ids in NAMED if ids and arity) > 20


@pytest.mark.parametrize(("name", "arity", "ids"), NAMED, ids=[n[0] for n in NAMED])
def test_address_is_reverse(name: str, arity: int, ids: bool) -> None:
    if not ids:
        pytest.skip("not every argument is an id: address hands it to reverse")
    for values in ([1] * arity, [int(s) for s in _STAND_INS[:arity]], [10**19 - 1] * arity):
        assert address(name, *values) == reverse(name, args=values)
    for bad in (-1, 10**19, True, "7"):
        if arity == 0:
            break
        try:
            expected = reverse(name, args=[bad] * arity)
        except NoReverseMatch:
            with pytest.raises(NoReverseMatch):
                address(name, *([bad] * arity))
        else:
            assert address(name, *([bad] * arity)) == expected


def test_an_unknown_name_is_not_found() -> None:
    with pytest.raises(NoReverseMatch):
        address("web:no-such-page", 1)
