from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from safehold.audit.models import Action, Decision
from safehold.audit.services import AuditEntry
from tests.audit.dba import erase_log


def entry(**overrides: Any) -> AuditEntry:
    """A read of a young person's contact record by a case manager, unless told otherwise."""
    fields: dict[str, Any] = {
        "actor_label": "case.manager",
        "action": Action.READ,
        "decision": Decision.ALLOWED,
        "rule": "role case-manager may read health; allocated to case 20",
        "person_id": 10,
        "case_id": 20,
        "record_type": "contact",
        "record_id": 30,
        "categories": ["identity", "health"],
        "purpose": "court-orders",
        "pack_version_id": 1,
    }
    fields.update(overrides)
    return AuditEntry(**fields)


@pytest.fixture
def make_entry() -> Callable[..., AuditEntry]:
    return entry


@pytest.fixture
def committed_db(transactional_db: None) -> Iterator[None]:
    """A database whose writes really commit, for tests with several connections. After such a
    test every table is flushed, which the log refuses while it has entries: so empty it first,
    as a DBA would (this teardown runs before transactional_db's flush)."""
    yield
    erase_log()
