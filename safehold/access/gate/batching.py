"""Batching: the audit entries of the reads of one page, appended to the log together.

A young person's page reads their cases, the people around them, the timeline and whom they
were shared with: four reads, each audited as it was made, so four appends to the chain, and
each append locks the chain's head, inserts and moves the head (three statements). Inside
`batch()` (a read-only page opens one round the whole view) the gate's reads hand their
entries here instead, in the order they were read, and the batch appends them all in one go
when it ends, whether the page was rendered or a refusal ended it: before the response
leaves, so nothing is shown that is not in the log, and a failure of the append fails the
page. The entries are exactly those the reads would have appended one by one.

Outside a batch `append` is `safehold.audit.services.append`. Writes never come here: their
entries are appended inside the transaction of the write they log (`gate.writing`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from safehold.audit import services
from safehold.audit.services import AuditEntry

_pending: ContextVar[list[AuditEntry] | None] = ContextVar("safehold_audit_batch", default=None)


def append(entries: Sequence[AuditEntry]) -> None:
    """Append a read's entries now, or with the rest of the batch if one is open."""
    pending = _pending.get()
    if pending is None:
        services.append(entries)
    else:
        pending.extend(entries)


@contextmanager
def batch() -> Iterator[None]:
    """Append every read's entries made in the block together, once, as the block ends. A
    batch inside a batch joins it."""
    if _pending.get() is not None:
        yield
        return
    pending: list[AuditEntry] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
        services.append(pending)
