"""Youth Justice Board indicators, worked by hand: a cohort of orders ending in the quarter,
each child's state on the day their order ended, from dated records."""

from __future__ import annotations

from datetime import date

import pytest

from safehold.access.gate import Gate
from safehold.records.models import Assessment, Case, Outcome, PersonFlag
from safehold.statistics import runs
from tests.access.conftest import World
from tests.statistics.test_runs import Q3, with_statistics


@pytest.fixture
def world(cambridgeshire: World) -> World:
    return with_statistics(
        cambridgeshire,
        {
            "suppression": {"threshold": 1, "secondary": False},
            # The pack says which of its flags mean which link (as the shipped pack does).
            "wider_services": [
                {"link": "looked-after", "flags": ["looked-after"]},
                {"link": "child-protection-plan", "flags": ["child-protection-plan"]},
            ],
        },
    )


def order(
    world: World, kind: str, ends: date | None, *, closed: str = "", sex: str = "Male"
) -> Case:
    case = world.case(
        person=world.person(sex=sex),
        opened_on=date(2026, 1, 5),
        closed_on=date(2026, 9, 30) if closed else None,
        closed_reason=closed,
    )
    Outcome.objects.create(
        case=case,
        kind=kind,
        starts_on=date(2026, 1, 5),
        ends_on=ends,
        pack_version_id=world.version_id,
    )
    return case


def table(result: runs.Result) -> dict[str, list[str]]:
    return {r: [str(f) for f in result.table.cells[i]] for i, r in enumerate(result.table.rows)}


def test_out_of_court_disposals_ending_by_kind_and_completion(world: World) -> None:
    order(world, "youth-caution", date(2026, 8, 1), closed="completed")
    order(world, "youth-caution", date(2026, 9, 30), closed="completed")
    order(world, "youth-caution", date(2026, 9, 1))  # still open
    order(world, "youth-conditional-caution", date(2026, 7, 15), closed="moved")
    order(world, "diversion", date(2026, 10, 1), closed="completed")  # ends after Q3
    order(world, "yro", date(2026, 8, 1), closed="completed")  # a court order: not here
    result = runs.run(Gate(world.staff("team-manager")), "out-of-court-disposals", Q3)
    assert result.table.columns == ("Completed", "Not completed", "Still open")
    assert table(result) == {
        "Youth caution": ["2", "0", "1"],
        "Youth conditional caution": ["0", "1", "0"],
        "Diversion": ["0", "0", "0"],
    }
    assert [str(row[0]) for row in result.series.cells][-2:] == ["0", "4"]


def test_wider_services_is_each_childs_state_on_the_day_the_order_ended(world: World) -> None:
    looked_after = order(world, "yro", date(2026, 8, 31))
    PersonFlag.objects.create(
        person_id=looked_after.person_id, flag="looked-after", started_on=date(2025, 1, 1)
    )
    # Looked after until July, and on a plan from August: a plan on 31 August.
    moved_on = order(world, "referral-order", date(2026, 8, 31))
    PersonFlag.objects.create(
        person_id=moved_on.person_id,
        flag="looked-after",
        started_on=date(2025, 1, 1),
        ended_on=date(2026, 7, 31),
    )
    PersonFlag.objects.create(
        person_id=moved_on.person_id, flag="child-protection-plan", started_on=date(2026, 8, 1)
    )
    # A plan that began after the order ended is not counted; one recorded as not holding
    # is not either.
    later = order(world, "youth-caution", date(2026, 7, 10))
    PersonFlag.objects.create(
        person_id=later.person_id, flag="child-protection-plan", started_on=date(2026, 8, 1)
    )
    no = order(world, "dto", date(2026, 9, 1))
    PersonFlag.objects.create(person_id=no.person_id, flag="looked-after", holds=False)
    order(world, "bail", date(2026, 8, 1))  # bail is not an order: not in the cohort
    result = runs.run(Gate(world.staff("team-manager")), "wider-services", Q3, split="disposal")
    got = table(result)
    columns = list(result.table.columns)
    assert got["Looked after"][columns.index("Youth rehabilitation order")] == "1"
    assert got["Child protection plan"][columns.index("Referral order")] == "1"
    assert got["None of these recorded"][columns.index("Youth caution")] == "1"
    assert got["None of these recorded"][columns.index("Detention and training order")] == "1"
    assert str(result.table.total) == "4"


def test_health_screening_counts_chat_completed_in_the_quarter(world: World) -> None:
    screened = order(world, "yro", None)
    for day in (date(2026, 7, 2), date(2026, 9, 2)):  # twice: one case
        Assessment.objects.create(
            case=screened, kind="chat", completed_on=day, pack_version_id=world.version_id
        )
    other = order(world, "yro", None)
    Assessment.objects.create(
        case=other,
        kind="assetplus",
        completed_on=date(2026, 7, 2),
        pack_version_id=world.version_id,
    )
    result = runs.run(Gate(world.staff("team-manager")), "health-screening", Q3, split=None)
    assert result.table.column_totals is not None
    assert str(result.table.column_totals[0]) == "1"


def test_victims_by_their_answer_recorded_in_the_quarter(world: World) -> None:
    from safehold.records.models import Offence, VictimLink

    case = world.case(person=world.person(sex="Male"), opened_on=date(2026, 1, 5))
    offence = Offence.objects.create(
        case=case, description="Theft", pack_version_id=world.version_id
    )
    answers = [
        ("given", date(2026, 7, 3)),
        ("given", date(2026, 9, 30)),
        ("refused", date(2026, 8, 1)),
        ("unknown", None),  # not yet asked: no date, not in any quarter
        ("given", date(2026, 6, 30)),  # the quarter before
    ]
    for i, (consent, on) in enumerate(answers):
        victim = world.person(given_name=f"Victim{i}")
        VictimLink.objects.create(
            offence=offence, victim=victim, contact_consent=consent, consent_recorded_on=on
        )
    result = runs.run(Gate(world.staff("team-manager")), "victims", Q3, split=None)
    assert table(result) == {
        "Agreed to contact": ["2"],
        "Refused contact": ["1"],
        "Not yet asked": ["0"],
    }
    assert [str(row[0]) for row in result.series.cells][-2:] == ["1", "3"]


def test_victims_by_their_restorative_justice_answer_recorded_in_the_quarter(
    world: World,
) -> None:
    """The YJB counts victims engaged in restorative justice: each victim's own answer,
    counted in the quarter it was recorded, whatever the case's dated statuses say."""
    from safehold.records.models import Offence, VictimLink

    ours = world.case(person=world.person(sex="Male"), opened_on=date(2026, 1, 5))
    theirs = world.case(person=world.person(sex="Female"), opened_on=date(2026, 2, 2))
    theft = Offence.objects.create(case=ours, description="Theft", pack_version_id=world.version_id)
    assault = Offence.objects.create(
        case=theirs, description="Assault", pack_version_id=world.version_id
    )
    answers = [
        (theft, "engaged", date(2026, 7, 1)),
        (theft, "engaged", date(2026, 9, 30)),
        (assault, "engaged", date(2026, 8, 14)),
        (theft, "declined", date(2026, 8, 2)),
        (assault, "offered", date(2026, 9, 1)),
        (theft, "not-offered", None),  # no answer yet: in no quarter
        (assault, "engaged", date(2026, 6, 30)),  # the quarter before
        (theft, "declined", date(2026, 10, 1)),  # the quarter after
    ]
    for i, (offence, answer, on) in enumerate(answers):
        VictimLink.objects.create(
            offence=offence,
            victim=world.person(given_name=f"Victim{i}"),
            contact_consent="given",
            restorative_justice=answer,
            rj_recorded_on=on,
        )
    gate = Gate(world.staff("team-manager"))
    result = runs.run(gate, "victims-restorative-justice", Q3, split=None)
    assert table(result) == {
        "Not offered yet": ["0"],
        "Offered, not taken up yet": ["1"],
        "Engaged in restorative justice": ["3"],
        "Declined": ["1"],
    }
    # By the quarter each answer was recorded in: Q2 has one, Q3 five.
    assert [str(row[0]) for row in result.series.cells][-2:] == ["1", "5"]
    # Split by the child's sex: two of the three engaged are victims of the boy's offence.
    split = runs.run(gate, "victims-restorative-justice", Q3, by="rj-answer", split="sex")
    engaged = table(split)["Engaged in restorative justice"]
    assert dict(zip([str(c) for c in split.table.columns], engaged, strict=True)) == {
        "Female": "1",
        "Male": "2",
    }
