"""The gate, proved against each shipped pack: every role x category x distance x action.

Expected outcomes are derived here from the pack's role grants, independently of the gate's
own policy code, so a gate that drifts from the pack fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safehold.access.gate import Gate, Refused, Withheld
from safehold.access.models import BreakGlass
from safehold.audit.models import AuditEvent
from safehold.policy.schema import Pack, Role
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import Contact, Person
from tests.access.conftest import World
from tests.audit.reading import each_subject

REACH = {"allocated": 0, "team": 1, "service": 2, "controller": 3}
# Where each case of the world stands from the member of staff under test.
DISTANCE = {"allocated": 0, "same-team": 1, "other-team": 3}


def may(pack: Pack, role: Role, action: str, category: str | None, where: str) -> bool:
    # A statistics-only role sees aggregate statistics, never a person or a case: whatever
    # grants a pack gives it.
    if category is None or role.statistics_only:
        return False
    return any(
        action in grant.actions
        and ("*" in grant.categories or category in grant.categories)
        and REACH[grant.relationship] >= DISTANCE[where]
        for grant in role.grants
    )


def sees_case(pack: Pack, role: Role, where: str) -> bool:
    return any(may(pack, role, "read", c.code, where) for c in pack.categories)


def category_of(pack: Pack, record: str, name: str) -> str | None:
    return next((c.code for c in pack.categories if f"{record}.{name}" in c.holds), None)


def test_every_role_category_and_distance(world: World) -> None:
    pack = world.pack
    for role in pack.roles:
        user = world.staff(role.code)
        cases = {
            "allocated": world.case(allocated_to=user),
            "same-team": world.case(allocated_to=None),
            "other-team": world.case(team=world.other_team),
        }
        gate = Gate(user)
        visible = set(gate.cases().values_list("pk", flat=True))
        for where, case in cases.items():
            expected = sees_case(pack, role, where)
            assert (case.pk in visible) == expected, (role.code, where)
            if not expected:
                with pytest.raises(Refused):
                    gate.case(case.pk)
                continue
            shown = gate.case(case.pk)
            for record, obj in (("person", shown.person), ("case", shown.case)):
                for name in RECORD_FIELDS[record]:
                    category = category_of(pack, record, name)
                    readable = may(pack, role, "read", category, where)
                    value = obj.values[name]
                    assert isinstance(value, Withheld) != readable, (role.code, where, record, name)
                    if isinstance(value, Withheld):
                        assert value.reason, "a withheld field always says why"
            # writes: a contact's notes, checked the same way
            category = category_of(pack, "contact", "notes")
            decision = gate.check_write("contact", ["notes"], case)
            assert bool(decision) == may(pack, role, "write", category, where), (role.code, where)
            # exports: only what the role's export grants reach, or refused
            exportable = any(may(pack, role, "export", c.code, where) for c in pack.categories)
            if not exportable:
                with pytest.raises(Refused):
                    gate.export(case.pk, [Contact])
                continue
            exported = gate.export(case.pk, [Contact])
            for record, obj in (("person", exported.person), ("case", exported.case)):
                for name in RECORD_FIELDS[record]:
                    allowed = may(pack, role, "export", category_of(pack, record, name), where)
                    assert isinstance(obj.values[name], Withheld) != allowed, (
                        role.code,
                        where,
                        "export",
                        name,
                    )


def test_a_statistics_role_reaches_no_one_even_with_grants(statistics_world: World) -> None:
    world = statistics_world
    for role in (r for r in world.pack.roles if r.statistics_only):
        analyst = world.staff(role.code)
        cases = [
            world.case(allocated_to=analyst),
            world.case(allocated_to=None),
            world.case(team=world.other_team),
        ]
        gate = Gate(analyst)
        assert not (gate.is_dpo or gate.allocates or gate.may_break_glass)
        assert not gate.cases().exists()
        assert gate.caseload() == []
        reason = "A safeguarding emergency tonight"
        for case in cases:
            attempts: list[tuple[Callable[..., object], tuple[object, ...]]] = [
                (gate.case, (case.pk,)),
                (gate.person, (case.person_id,)),
                (gate.young_person, (case.person_id,)),
                (gate.export, (case.pk, [Contact])),
                (gate.audit_trail, (case.person_id,)),
                (gate.case_to_allocate, (case.pk,)),
                (gate.break_glass, (case.pk, reason)),
            ]
            for call, args in attempts:
                with pytest.raises(Refused):
                    call(*args)
            assert not gate.check_write("contact", ["notes"], case)
            # Told the same, and nothing more, whichever case or person is asked for.
            for call, args in [
                (gate.case, (case.pk,)),
                (gate.young_person, (case.person_id,)),
                (gate.young_person, (999_999,)),
                (gate.export, (999_999, [Contact])),
            ]:
                with pytest.raises(Refused) as refused:
                    call(*args)
                assert refused.value.decision.rule == (
                    f"{gate.policy.label}: role '{role.code}' is for statistics only: it sees "
                    "aggregate statistics, never a single person or case"
                )
        assert not AuditEvent.objects.filter(actor=analyst, decision="allowed").exists()
        refusals = AuditEvent.objects.filter(actor=analyst, decision="refused")
        assert refusals.count() == 3 * 11


def test_reads_and_refusals_are_audited_with_the_rule(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    mine = cambridgeshire.case(allocated_to=officer)
    theirs = cambridgeshire.case(team=cambridgeshire.other_team)
    gate = Gate(officer)
    gate.case(mine.pk)
    with pytest.raises(Refused) as refused:
        gate.case(theirs.pk)
    assert "break glass" in refused.value.decision.rule
    read = AuditEvent.objects.get(case_id=mine.pk)
    assert (read.action, read.decision, read.person_id) == ("read", "allowed", mine.person_id)
    assert "cambridgeshire-yos v1" in read.rule and read.purpose
    refusal = AuditEvent.objects.get(case_id=theirs.pk)
    assert (refusal.action, refusal.decision) == ("refuse", "refused")


def test_caseload_costs_the_same_queries_whatever_its_length(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    someone_else = cambridgeshire.staff("youth-justice-officer")
    cambridgeshire.case(allocated_to=someone_else)

    def queries_for_caseload(expected: int) -> int:
        gate = Gate(officer)
        with CaptureQueriesContext(connection) as captured:
            caseload = gate.caseload()
        assert len(caseload) == expected
        return len(captured)

    for _ in range(2):
        cambridgeshire.case(allocated_to=officer)
    queries_for_caseload(2)  # the first append creates the chain head; measure after it
    few = queries_for_caseload(2)
    for _ in range(20):
        cambridgeshire.case(allocated_to=officer)
    assert queries_for_caseload(22) == few
    # each case shown audited (a list event per caseload, naming every case in it)
    listed = each_subject(AuditEvent.objects.filter(action="list", actor=officer))
    assert len(listed) == 2 + 2 + 22


def test_break_glass_needs_a_reason_expires_and_is_flagged(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    elsewhere = cambridgeshire.case(team=cambridgeshire.other_team)
    gate = Gate(officer)
    with pytest.raises(ValueError, match="reason"):
        gate.break_glass(elsewhere.pk, "urgent")
    gate.break_glass(elsewhere.pk, "Police report the young person missing tonight")
    shown = gate.case(elsewhere.pk)
    assert shown.break_glass
    assert not isinstance(shown.person.values["health_needs"], Withheld)
    assert not gate.check_write("contact", ["notes"], elsewhere), "break glass never writes"
    event = AuditEvent.objects.filter(case_id=elsewhere.pk, action="read").get()
    assert event.reason == "Police report the young person missing tonight"
    assert AuditEvent.objects.filter(case_id=elsewhere.pk, action="break-glass").exists()
    BreakGlass.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Refused):
        Gate(officer).case(elsewhere.pk)


def test_a_role_without_break_glass_is_refused_and_audited(cambridgeshire: World) -> None:
    dpo_less = cambridgeshire.staff("data-protection-officer")
    case = cambridgeshire.case()
    with pytest.raises(Refused):
        Gate(dpo_less).break_glass(case.pk, "I would like to look at this case")
    assert AuditEvent.objects.filter(case_id=case.pk, decision="refused").exists()


def test_restricted_records_are_for_the_dpo_only(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    dpo = cambridgeshire.staff("data-protection-officer")
    case = cambridgeshire.case(allocated_to=officer, person=cambridgeshire.person(restricted=True))
    with pytest.raises(Refused) as refused:
        Gate(officer).case(case.pk)
    assert "restricted" in refused.value.decision.rule
    assert Gate(dpo).case(case.pk).person.values["family_name"] == "Example"


def test_writes_go_through_the_gate_and_are_audited(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    contact = Gate(officer).write(
        Contact(case=case),
        {"kind": "home-visit", "occurred_at": timezone.now(), "notes": "Seen at home"},
        case=case,
    )
    assert contact.pack_version_id == cambridgeshire.version_id
    event = AuditEvent.objects.get(action="create", record_type="contact")
    assert event.record_id == contact.pk and event.person_id == case.person_id
    manager = cambridgeshire.staff("team-manager")
    with pytest.raises(Refused):
        Gate(manager).write(Contact(case=case), {"notes": "Not mine to write"}, case=case)
    assert AuditEvent.objects.filter(action="refuse", actor=manager).exists()
    assert Contact.objects.count() == 1


def test_records_of_a_case_are_redacted_and_audited(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    gate = Gate(officer)
    gate.write(
        Contact(case=case),
        {"kind": "phone", "occurred_at": timezone.now(), "notes": "Called about school"},
        case=case,
    )
    (contact,) = gate.records(gate.case(case.pk), Contact)
    assert contact["notes"] == "Called about school"
    event = AuditEvent.objects.get(action="read", record_type="contact")
    assert (event.record_id, event.case_id) == (contact.pk, case.pk)
    with pytest.raises(AssertionError, match="not a record of a case"):
        gate.records(gate.case(case.pk), Person)
