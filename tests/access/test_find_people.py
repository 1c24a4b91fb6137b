"""Finding a person through the gate: by name (typos, any order), date of birth or reference,
only whom the role may read, audited as a list; and the possible duplicates of someone being
added, never naming those the role may not read."""

from __future__ import annotations

from datetime import date

import pytest

from safehold.access.gate import Gate
from safehold.audit.models import Action, AuditEvent, Decision
from safehold.records import search
from tests.access.conftest import World
from tests.web.casework import count_queries


def found(gate: Gate, text: str) -> list[str]:
    return [
        f"{s.person.values['given_name']} {s.person.values['family_name']}"
        for s in gate.find_people(text).people
    ]


@pytest.fixture
def people(cambridgeshire: World) -> dict[str, object]:
    officer = cambridgeshire.staff("youth-justice-officer")
    w = cambridgeshire
    mine = w.case(
        allocated_to=officer,
        person=w.person(
            given_name="Jonathan", family_name="Whitfield", date_of_birth=date(2010, 3, 4)
        ),
    )
    team = w.case(
        person=w.person(
            given_name="Priya", family_name="Ramachandran", date_of_birth=date(2009, 7, 1)
        )
    )
    other = w.case(
        team=w.other_team,
        person=w.person(
            given_name="Jonathan", family_name="Whitford", date_of_birth=date(2010, 3, 4)
        ),
    )
    restricted = w.case(
        person=w.person(given_name="Jonathan", family_name="Whitfeld", restricted=True)
    )
    w.person(given_name="Unrelated", family_name="Person")  # no case: out of anyone's reach
    return {
        "officer": officer,
        "mine": mine,
        "team": team,
        "other": other,
        "restricted": restricted,
    }


@pytest.mark.parametrize(
    "text",
    ["Jonathan Whitfield", "whitfield jonathan", "Jonathon Whitfeild", "whitfield", "JONATHAN"],
)
def test_finds_by_name_with_typos_and_in_any_order(people: dict, text: str) -> None:
    assert found(Gate(people["officer"]), text)[0] == "Jonathan Whitfield"


def test_finds_only_whom_the_role_may_read(people: dict, cambridgeshire: World) -> None:
    # The officer reads names at team distance: not the other team's Whitford, not the
    # restricted Whitfeld.
    assert found(Gate(people["officer"]), "Jonathan Whitfield") == ["Jonathan Whitfield"]
    # The DPO reads the whole controller, restricted records included.
    dpo = cambridgeshire.staff("data-protection-officer")
    assert set(found(Gate(dpo), "Jonathan Whitfield")) == {
        "Jonathan Whitfield",
        "Jonathan Whitford",
        "Jonathan Whitfeld",
    }


def test_finds_by_date_of_birth_and_reference(people: dict) -> None:
    gate = Gate(people["officer"])
    assert found(gate, "04/03/2010") == ["Jonathan Whitfield"]
    assert found(gate, "2010-03-04") == ["Jonathan Whitfield"]
    assert found(gate, "4 March 2010 Whitfield") == ["Jonathan Whitfield"]
    assert found(gate, "Priya 04/03/2010") == []
    assert found(gate, f"P{people['team'].person_id}") == ["Priya Ramachandran"]
    assert found(gate, f"case {people['mine'].pk}") == ["Jonathan Whitfield"]
    # A reference out of reach finds nobody.
    assert found(gate, f"P{people['other'].person_id}") == []
    assert found(gate, "31/02/2010") == []
    assert gate.find_people("31/02/2010").terms.bad_date


def test_results_are_audited_as_a_list(people: dict) -> None:
    officer = people["officer"]
    Gate(officer).find_people("Jonathan")
    listed = AuditEvent.objects.filter(actor=officer, action=Action.LIST)
    assert list(listed.values_list("person_id", flat=True)) == [people["mine"].person_id]
    assert "identity" in listed.get().categories


def test_a_search_costs_the_same_queries_however_many_it_finds(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    cambridgeshire.case(allocated_to=officer, person=cambridgeshire.person(family_name="Moss"))
    count_queries(lambda: Gate(officer).find_people("Moss"))  # the chain head's first append
    gate = Gate(officer)
    few = count_queries(lambda: gate.find_people("Moss"))
    for _ in range(12):
        cambridgeshire.case(allocated_to=officer, person=cambridgeshire.person(family_name="Moss"))
    gate = Gate(officer)
    assert count_queries(lambda: gate.find_people("Moss")) == few
    assert len(gate.find_people("Moss").people) == 13


def test_possible_duplicates_name_only_those_one_may_read(
    people: dict, cambridgeshire: World
) -> None:
    officer = people["officer"]
    dupes = Gate(officer).possible_duplicates("Jonathon", "Whitfield", date(2010, 3, 4))
    # Whitfield is in reach; Whitford (another team) may be the same child, but is not named.
    assert [s.person_id for s in dupes.shown] == [people["mine"].person_id]
    assert dupes.hidden
    refused = AuditEvent.objects.get(actor=officer, decision=Decision.REFUSED)
    assert refused.person_id == people["other"].person_id
    # A different date of birth is someone else.
    dupes = Gate(officer).possible_duplicates("Jonathan", "Whitfield", date(2011, 1, 1))
    assert (dupes.shown, dupes.hidden) == ([], False)
    # Nobody like Priya's namesake outside reach.
    dupes = Gate(officer).possible_duplicates("Priya", "Ramachandran", None)
    assert [s.person_id for s in dupes.shown] == [people["team"].person_id]
    assert not dupes.hidden


def test_search_terms() -> None:
    terms = search.parse("Smith, John 3/4/2010 P12 C7 99")
    assert terms.words == ("smith", "john")
    assert terms.born == date(2010, 4, 3)
    assert (terms.people, terms.cases) == ((12, 99), (7, 99))
    assert search.parse("  ").empty
    assert search.close("jhon smith", "John  Smith")
    assert not search.close("mary jones", "John Smith")
