"""What one request reads once: values looked up by many parts of a page, kept for the length
of that request only.

A staff page builds the gate, the page's layout (the role's links, the break-glass banner)
and sometimes a second gate; each asked the database again for the controller's pack version
and the user's break-glass grants. Inside a request (`scope()`, opened by
`safehold.web.middleware.RequestMemoMiddleware`) `remember(key, compute)` computes a value the
first time and returns it after; outside one (jobs, commands, tests calling the gate directly)
it always computes, so nothing is ever read stale across requests. A write that changes a
remembered value within the request calls `forget(key)`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("safehold_request_memo", default=None)


@contextmanager
def scope() -> Iterator[None]:
    """Remember values until the block ends (one request)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value


def forget(key: Hashable) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)
