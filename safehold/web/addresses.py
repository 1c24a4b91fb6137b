"""Addresses of pages by their ids, without Django's `reverse` for each row of a list.

A caseload of 50 cases reverses a person's address and a case's several times a row; each
`reverse` resolves the pattern again (about a twentieth of a page's CPU, docs/adr/0041). The
address of a named pattern is reversed once with numbers that stand for the ids, and later ids
are put where those stand. Only for ids (`<id:...>`, printed as the number itself); anything
else, and an id the converter would refuse, goes to `reverse` as before.
"""

from __future__ import annotations

import functools

from django.urls import get_script_prefix, get_urlconf, reverse

# Stand-ins for up to four ids: numbers no real address holds elsewhere (each must be found
# exactly once in the address reversed, or the pattern is left to `reverse`).
_STAND_INS = ("9137204615", "9137204626", "9137204637", "9137204648")
_LARGEST = 10**19 - 1  # the id converter's nineteen digits


@functools.cache
def _pieces(prefix: str, urlconf: object, name: str, arity: int) -> tuple[str, ...] | None:
    """The address of `name` cut where each id goes, or None where that is not safe."""
    address = reverse(name, args=[int(s) for s in _STAND_INS[:arity]], urlconf=urlconf)  # type: ignore[arg-type]
    pieces = [address]
    for stand_in in _STAND_INS[:arity]:
        head, found, tail = pieces[-1].partition(stand_in)
        if not found or stand_in in tail or stand_in in head:
            return None
        pieces[-1:] = [head, tail]
    return tuple(pieces)


def address(name: str, *ids: object) -> str:
    """`reverse(name, args=ids)`, for ids, without resolving the pattern again."""
    if len(ids) > len(_STAND_INS) or not all(type(i) is int and 0 <= i <= _LARGEST for i in ids):
        return reverse(name, args=list(ids))
    pieces = _pieces(get_script_prefix(), get_urlconf(), name, len(ids))
    if pieces is None:
        return reverse(name, args=list(ids))
    parts = [pieces[0]]
    for i, piece in zip(ids, pieces[1:], strict=True):
        parts += (str(i), piece)
    return "".join(parts)
