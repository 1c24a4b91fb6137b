"""A caseload's cheaper shapes (docs/adr/0031) show and audit exactly what the general ones do:
plain rows shown as model instances are, and a list's audit entries made once per kind of
entry as `as_lists` makes them from one entry per case."""

from __future__ import annotations

from datetime import date

from safehold.access.gate import Gate
from safehold.access.gate.reading import SHOWN_CASE_COLUMNS
from safehold.audit.models import Action, AuditEvent
from safehold.audit.services import as_lists
from tests.access.conftest import World
from tests.audit.reading import each_subject

REASON = "Police report the young person missing tonight"


def test_the_caseload_from_rows_is_the_caseload_from_instances(world: World) -> None:
    for role in world.pack.roles:
        user = world.staff(role.code)
        for family in ("Brown", "Adams", "Clark"):
            world.case(allocated_to=user, person=world.person(family_name=family))
        world.case(allocated_to=user, closed_on=date(2025, 6, 1))  # not listed
        gate = Gate(user)
        from_rows = gate.caseload()
        from_instances = gate.show_cases(
            gate.cases(allocated_only=True)
            .filter(closed_on__isnull=True)
            .select_related("person")
            .only(*SHOWN_CASE_COLUMNS)
            .order_by("person__family_name", "pk")[:50]
        )
        assert from_rows == from_instances, role.code
        # The values are the same types too (dates as dates on SQLite, not text).
        for row, instance in zip(from_rows, from_instances, strict=True):
            for name, value in row.person.values.items():
                assert type(value) is type(instance.person.values[name]), (role.code, name)


def test_a_caseload_is_audited_as_one_list_of_its_cases(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    cases = [cambridgeshire.case(allocated_to=officer) for _ in range(3)]
    shown = Gate(officer).caseload()
    event = AuditEvent.objects.get(action=Action.LIST, actor=officer)
    assert event.about() == [(s.person_id, s.case_id, s.case_id) for s in shown]
    assert {s.case_id for s in shown} == {c.pk for c in cases}
    assert event.record_type == "case" and "reads at allocated distance" in event.rule


def test_list_entries_are_as_lists_of_each_cases_entry(cambridgeshire: World) -> None:
    """Cases at every distance, some read under break-glass, some with more read from their
    row (what falls due): the entries made once per kind are those grouped from one per case,
    in the same order, and what is appended names every case once."""
    manager = cambridgeshire.staff("youth-justice-officer")
    world = cambridgeshire
    mine = [world.case(allocated_to=manager) for _ in range(2)]
    team = [world.case(allocated_to=None) for _ in range(2)]
    elsewhere = [world.case(team=world.other_team) for _ in range(3)]
    gate = Gate(manager)
    gate.break_glass(elsewhere[0].pk, REASON)
    gate.break_glass(mine[1].pk, REASON)
    gate = Gate(manager)
    rows = list(gate.cases().select_related("person").order_by("pk"))
    assert {c.pk for c in rows} >= {c.pk for c in mine + team} | {elsewhere[0].pk}
    shown = [gate._show_case(case) for case in rows]
    assert any(s.break_glass for s in shown)
    also = {team[0].pk: frozenset({"support"}), mine[0].pk: frozenset({"support", ""})}
    items = [
        (s, s.case.categories | s.person.categories | also.get(s.case_id, frozenset()))
        for s in shown
    ]
    made = gate._case_list_entries(Action.LIST, items)
    assert made == as_lists(gate._entries(Action.LIST, items))
    assert len(made) < len(items)  # some are lists
    assert any(e.reason == REASON for e in made)

    before = AuditEvent.objects.filter(action=Action.LIST).count()
    gate.show_cases(rows)
    listed = each_subject(AuditEvent.objects.filter(action=Action.LIST))
    assert AuditEvent.objects.filter(action=Action.LIST).count() > before
    assert sorted(case_id for _, _, case_id, _ in listed) == sorted(c.pk for c in rows)
