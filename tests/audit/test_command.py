"""`safehold audit verify` and `safehold audit head`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from safehold.audit.models import AuditEvent
from safehold.audit.services import append
from tests.audit.conftest import entry
from tests.audit.dba import as_dba

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_verify_reports_the_count_and_rate_and_head() -> None:
    events = append([entry(person_id=p) for p in range(5)])
    output = run("verify")
    assert output.startswith("Audit chain intact: 5 entries checked in ")
    assert "entries/s" in output and f"head 5:{events[-1].hash}" in output


def test_head_prints_what_verify_can_later_be_anchored_to() -> None:
    events = append([entry(person_id=p) for p in range(3)])
    head = run("head").strip()
    assert head == f"3:{events[-1].hash}"
    assert "Audit chain intact" in run("verify", "--anchor", head)


def test_verify_fails_naming_the_first_broken_entry() -> None:
    append([entry(person_id=p) for p in range(5)])
    with as_dba():
        AuditEvent.objects.filter(seq=4).update(person_id=99)
        AuditEvent.objects.filter(seq=2).delete()
    with pytest.raises(CommandError, match=r"audit chain broken at entry 2: deleted: gap"):
        run("verify")


def test_verify_fails_when_the_database_no_longer_refuses_changes() -> None:
    append([entry()])
    with as_dba(), pytest.raises(CommandError, match="guards not in their normal state: audit_"):
        run("verify")


def test_a_malformed_anchor_is_refused() -> None:
    with pytest.raises(CommandError, match="expected SEQ:HASH"):
        run("verify", "--anchor", "12:nothex")
