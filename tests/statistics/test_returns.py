"""The case-level return: a versioned definition, rows worked by hand, pseudonymised,
restricted records and opt-outs left out, refused to roles that may not export, and one
export audit entry per child released."""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from safehold.access.gate import Gate, Refused
from safehold.audit.models import AuditEvent
from safehold.records.models import Outcome, PersonFlag
from safehold.sharing.pseudonyms import pseudonym
from safehold.statistics import returns
from tests.access.conftest import World
from tests.sharing.conftest import variant
from tests.statistics.test_runs import Q3, with_statistics


def declaring_yjb(data: dict[str, Any]) -> None:
    """The Cambridgeshire pack with the sharing its notice leaves out: the Youth Justice
    Board's returns, under the service's statutory duty."""
    data["recipients"].append(
        {
            "code": "youth-justice-board",
            "name": "Youth Justice Board",
            "shares": [
                {
                    "categories": ["*"],
                    "purposes": ["statutory-youth-justice"],
                    "conditions": ["required-by-law"],
                    "gateways": ["statutory-duty"],
                }
            ],
        }
    )


@pytest.fixture
def yjb(cambridgeshire: World) -> World:
    return variant(cambridgeshire, declaring_yjb)


def order(world: World, kind: str, ends: date, **person: object) -> Outcome:
    defaults: dict[str, object] = {
        "given_name": "Alex",
        "family_name": "Brown",
        "sex": "Female",
        "date_of_birth": date(2010, 2, 3),
        "postcode": "cb4 1aa",
    }
    case = world.case(
        person=world.person(**(defaults | person)),
        closed_reason="completed",
        closed_on=date(2026, 9, 30),
    )
    return Outcome.objects.create(
        case=case,
        kind=kind,
        starts_on=date(2026, 1, 5),
        ends_on=ends,
        pack_version_id=world.version_id,
    )


def test_the_shipped_definition_and_which_is_in_force() -> None:
    definition = returns.find("yjb-case-level", date(2026, 9, 30))
    assert definition.key == "yjb-case-level@2026"
    assert [c.name for c in definition.columns][:3] == ["child_ref", "initials", "dob"]
    with pytest.raises(LookupError, match="in force"):
        returns.find("yjb-case-level", date(2025, 1, 1))
    with pytest.raises(LookupError, match="no return"):
        returns.find("yjb-case-level@1999", date(2026, 9, 30))


def test_rows_worked_by_hand_and_audited_per_child(yjb: World) -> None:
    world = with_statistics(
        yjb,
        {"opt_outs": [{"preference": "national-data-opt-out", "outputs": ["yjb-case-level"]}]},
    )
    released = order(world, "youth-caution", date(2026, 8, 1))
    order(world, "yro", date(2026, 10, 1))  # ends after the quarter
    order(world, "bail", date(2026, 8, 1))  # not in the return
    restricted = order(world, "yro", date(2026, 8, 2), given_name="Rhea")
    restricted.case.restricted = True
    restricted.case.save()
    opted = order(world, "dto", date(2026, 8, 3), given_name="Omar")
    PersonFlag.objects.create(person_id=opted.case.person_id, flag="national-data-opt-out")
    dpo = world.staff("data-protection-officer")
    definition = returns.find("yjb-case-level", Q3.end)
    rows = list(Gate(dpo).case_level_return(definition, Q3))
    assert rows[0] == [c.name for c in definition.columns]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["initials"] == "AB" and row["dob"] == "2010-02-03" and row["sex"] == "F"
    assert row["postcode_district"] == "CB4" and row["disposal"] == "YC"
    assert row["end_date"] == "2026-08-01" and row["completed"] == "Y"
    assert len(row["child_ref"]) == 16 and "Alex" not in ",".join(rows[1])
    event = AuditEvent.objects.filter(action="export").get()
    assert event.person_id == released.case.person_id and event.case_id == released.case_id
    assert event.recipient == "youth-justice-board"
    assert "yjb-case-level@2026 for 2026Q3" in event.rule


def test_pseudonyms_are_the_recipients_own(yjb: World, settings: Any) -> None:
    """The recipient's pseudonym of sharing (per recipient, under the pseudonym key): the same
    child the same in two returns to one recipient, even with SECRET_KEY rotated between;
    another recipient's return gives them an unrelated one."""

    def also_the_board(data: dict[str, Any]) -> None:
        board = next(r for r in data["recipients"] if r["code"] == "youth-justice-board")
        data["recipients"].append({**board, "code": "welsh-board", "name": "Another board"})

    world = variant(yjb, also_the_board)
    released = order(world, "youth-caution", date(2026, 8, 1))
    person_id = released.case.person_id
    gate = Gate(world.staff("data-protection-officer"))
    to_board = returns.find("yjb-case-level", Q3.end)
    to_wales = to_board.model_copy(update={"recipient": "welsh-board"})

    def child_ref(definition: returns.Definition) -> str:
        header, row = list(gate.case_level_return(definition, Q3))
        return dict(zip(header, row, strict=True))["child_ref"]

    first = child_ref(to_board)
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    assert child_ref(to_board) == first == pseudonym("youth-justice-board", person_id)
    other = child_ref(to_wales)
    assert other == pseudonym("welsh-board", person_id) and other != first


def test_a_manager_or_a_statistics_role_may_not_release_it(
    yjb: World, statistics_world: World
) -> None:
    order(yjb, "youth-caution", date(2026, 8, 1))
    definition = returns.find("yjb-case-level", Q3.end)
    manager = yjb.staff("team-manager")
    with pytest.raises(Refused, match="may not export"):
        list(Gate(manager).case_level_return(definition, Q3))
    role = next(r for r in statistics_world.pack.roles if r.statistics_only)
    analyst = statistics_world.staff(role.code)
    with pytest.raises(Refused):
        list(Gate(analyst).case_level_return(definition, Q3))
    assert not AuditEvent.objects.filter(action="export").exists()
    assert AuditEvent.objects.filter(action="refuse", record_type="return").count() == 2


def test_the_command(yjb: World) -> None:
    order(yjb, "diversion", date(2026, 7, 1))
    dpo = yjb.staff("data-protection-officer")
    out = StringIO()
    call_command(
        "stats",
        "return",
        "yjb-case-level",
        "--period",
        "2026Q3",
        "--user",
        dpo.username,
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("child_ref,initials,dob") and len(lines) == 2
    with pytest.raises(CommandError, match="no return"):
        call_command("stats", "return", "nope@1", "--period", "2026Q3", "--user", dpo.username)


def test_a_return_to_a_recipient_the_pack_does_not_declare_is_refused(
    cambridgeshire: World,
) -> None:
    """A return is a disclosure: Cambridgeshire's notice names no sharing with the Youth
    Justice Board, so even its DPO, who may export everything, cannot release it; the
    refusal says why and is audited."""
    order(cambridgeshire, "youth-caution", date(2026, 8, 1))
    dpo = cambridgeshire.staff("data-protection-officer")
    definition = returns.find("yjb-case-level", Q3.end)
    before = AuditEvent.objects.count()
    with pytest.raises(Refused) as refused:
        list(Gate(dpo).case_level_return(definition, Q3))
    assert "declares no sharing with 'youth-justice-board'" in refused.value.decision.rule
    refusal = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1 and refusal is not None
    assert refusal.decision == "refused"
