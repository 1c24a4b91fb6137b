"""Correcting a record through the gate: only what changes is written, the old value is kept
in the record's history with the audit event of the update, and an edit made from an older
version is refused rather than saved over someone else's (docs/adr/0007)."""

from __future__ import annotations

from datetime import date

import pytest

from safehold.access.gate import Gate, Refused, Stale, Withheld
from safehold.audit.models import AuditEvent
from safehold.audit.services import verify_chain
from safehold.records.models import Case, Change, Person
from safehold.retention import services as retention
from safehold.retention.models import RetentionUnit
from tests.access.conftest import World


def test_an_update_keeps_the_old_value_with_its_audit_event(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    person = case.person
    gate = Gate(officer)
    gate.write(person, {"address": "2 Low Road", "school": "Hill School"}, case=case, version=1)

    person.refresh_from_db()
    assert (person.address, person.version) == ("2 Low Road", 2)
    # Only the field that changed is history; the school was sent unchanged.
    (change,) = Change.objects.all()
    assert (change.field, change.old, change.new) == ("address", "1 High Street", "2 Low Road")
    assert (change.person_id, change.case_id, change.version) == (person.pk, None, 2)
    event = AuditEvent.objects.get(seq=change.audit_seq)
    assert (event.action, event.record_type, event.record_id) == ("update", "person", person.pk)
    assert event.actor_id == officer.pk and event.categories == "contact"
    # The values are not in the chain, which still verifies.
    assert "High Street" not in event.rule
    assert verify_chain().ok


def test_an_edit_from_an_older_version_is_refused_and_nothing_is_lost(
    cambridgeshire: World,
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    manager = cambridgeshire.staff("team-manager")
    case = cambridgeshire.case(allocated_to=officer)
    # Both open the person at version 1; the officer saves first.
    Gate(officer).write(
        Person.objects.get(pk=case.person_id), {"phone": "01632 960001"}, case=case, version=1
    )
    before = AuditEvent.objects.count()
    with pytest.raises(Stale) as stale:
        Gate(manager).write(
            Person.objects.get(pk=case.person_id), {"phone": "01632 960002"}, case=case, version=1
        )
    assert (stale.value.expected, stale.value.current) == (1, 2)
    assert Person.objects.get(pk=case.person_id).phone == "01632 960001"
    assert AuditEvent.objects.count() == before  # nothing written, nothing to log
    # What the second editor is shown: the first one's change, read through the gate.
    gate = Gate(manager)
    (change,) = gate.changes_since(gate.case(case.pk), "person", case.person_id, 1)
    assert (change.field, change.old, change.new, change.version) == (
        "phone",
        "",
        "01632 960001",
        2,
    )
    assert AuditEvent.objects.filter(
        actor=manager, action="read", record_type="person", record_id=case.person_id
    ).exists()
    # Told, they may save again from the version they have now seen.
    Gate(manager).write(
        Person.objects.get(pk=case.person_id), {"phone": "01632 960002"}, case=case, version=2
    )
    assert list(Change.objects.order_by("version").values_list("old", "new")) == [
        ("", "01632 960001"),
        ("01632 960001", "01632 960002"),
    ]


def test_an_unchanged_save_writes_and_logs_nothing(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    before = AuditEvent.objects.count()
    Gate(officer).write(case.person, {"school": "Hill School"}, case=case, version=1)
    assert AuditEvent.objects.count() == before
    assert Person.objects.get(pk=case.person_id).version == 1


def test_the_old_value_is_never_taken_from_the_object(cambridgeshire: World) -> None:
    # The API sets the new values on the object to validate them before the write.
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    person = case.person
    person.postcode = "ZZ9 9ZZ"
    Gate(officer).write(person, {"postcode": "ZZ9 9ZZ"}, case=case)
    change = Change.objects.get()
    assert (change.old, change.new) == ("CB1 1AA", "ZZ9 9ZZ")


def test_closing_a_case_recomputes_retention_and_keeps_history(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    # Support for a victim is kept for 6 years after the service ended.
    case = cambridgeshire.case(allocated_to=officer)
    Case.objects.filter(pk=case.pk).update(service="victim-support")
    case.refresh_from_db()
    retention.recompute_for_case(case.pk)
    assert RetentionUnit.objects.get(kind="case-file", key=case.pk).keep_until is None
    Gate(officer).write(
        case,
        {"closed_on": date(2025, 6, 30), "closed_reason": Case.ClosedReason.COMPLETED},
        case=case,
        version=1,
    )
    case.refresh_from_db()
    assert (case.closed_on, case.closed_reason, case.version) == (
        date(2025, 6, 30),
        "completed",
        2,
    )
    unit = RetentionUnit.objects.get(kind="case-file", key=case.pk)
    assert unit.keep_until is not None and unit.keep_until == date(2031, 6, 30)
    assert {c.field for c in Change.objects.filter(case=case)} == {"closed_on", "closed_reason"}


def test_history_is_redacted_like_the_record(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    Gate(officer).write(case.person, {"health_needs": "Diabetes"}, case=case)
    seq = Change.objects.get().audit_seq
    # The officer sees the old and new health needs; a role that may not read health data at
    # its distance sees "Withheld", with the rule, for both.
    (mine,) = Gate(officer).changes_of(case.person_id, [seq])[seq]
    assert (mine.old, mine.new) == ("Asthma", "Diabetes")
    # A case manager of the same team reads identity, contact and offending only.
    colleague = cambridgeshire.staff("youth-justice-officer")
    (theirs,) = Gate(colleague).changes_of(case.person_id, [seq])[seq]
    assert isinstance(theirs.old, Withheld) and isinstance(theirs.new, Withheld)
    assert theirs.old.category == "health"


def test_a_refused_edit_keeps_no_history(cambridgeshire: World) -> None:
    case = cambridgeshire.case(allocated_to=cambridgeshire.staff("youth-justice-officer"))
    outsider = cambridgeshire.staff("youth-justice-officer", team=cambridgeshire.other_team)
    with pytest.raises(Refused):
        Gate(outsider).write(case.person, {"address": "Elsewhere"}, case=case)
    assert not Change.objects.exists()
