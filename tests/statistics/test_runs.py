"""Caseload and flow, worked by hand on a small population; every run audited as an
aggregate use, refused to roles that are not for statistics or managing cases."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from safehold.access.gate import Gate, Refused
from safehold.audit.models import AuditEvent
from safehold.policy import selectors
from safehold.policy.models import PackVersion
from safehold.policy.services import load_pack
from safehold.records.models import Case, PersonFlag
from safehold.statistics import exports, outputs, runs
from safehold.statistics.disclosure import Profile
from safehold.statistics.periods import BadPeriod, Quarter
from tests.access.conftest import World

Q3 = Quarter(2026, 3)  # 1 July to 30 September 2026


def with_statistics(world: World, statistics: dict[str, object]) -> World:
    """The world's pack loaded again with a `statistics` section."""
    data = yaml.safe_load(PackVersion.objects.get(pk=world.version_id).source_text)
    data["statistics"] = statistics
    loaded = load_pack(yaml.safe_dump(data, sort_keys=False).encode())
    from dataclasses import replace

    return replace(world, pack=selectors.pack_of(loaded.version), version_id=loaded.version.pk)


def population(world: World) -> dict[str, list[Case]]:
    """Twelve cases in court-orders and 3 in pre-court, open at 30 September 2026 or not.

    court-orders, open at the end of Q3: 11 (boys 6, girls 5); 1 closed in Q3 (completed).
    pre-court, open: 2 (1 boy, 1 girl); 1 opened and closed in Q3 (moved away).
    Referrals in Q3 (opened 1 July - 30 September): court-orders 4, pre-court 2.
    """
    made: dict[str, list[Case]] = {"court-orders": [], "pre-court": []}

    def add(
        service: str,
        sex: str,
        born: date,
        opened: date,
        closed: date | None = None,
        reason: str = "",
    ) -> None:
        person = world.person(sex=sex, date_of_birth=born)
        made[service].append(
            world.case(
                person=person,
                service=service,
                opened_on=opened,
                closed_on=closed,
                closed_reason=reason,
            )
        )

    for i in range(6):  # boys, 15 to 17 at 30 Sep 2026 (born 2010), two opened in Q3
        add(
            "court-orders",
            "Male",
            date(2010, 3, 1),
            date(2026, 7, 10) if i < 2 else date(2025, 5, 1),
        )
    for i in range(5):  # girls, 10 to 14 (born 2013), two opened in Q3
        add(
            "court-orders",
            "Female",
            date(2013, 1, 1),
            date(2026, 8, 1) if i < 2 else date(2026, 1, 5),
        )
    add("court-orders", "Male", date(2010, 3, 1), date(2025, 1, 1), date(2026, 8, 20), "completed")
    add("pre-court", "Male", date(2011, 10, 1), date(2026, 2, 1))  # turns 15 on 1 Oct: 14
    add("pre-court", "Female", date(2009, 9, 30), date(2026, 7, 1))  # 17 on 30 Sep
    add("pre-court", "Female", date(2012, 1, 1), date(2026, 7, 2), date(2026, 9, 1), "moved")
    # Not counted: closed before the quarter; another controller's case is never reached.
    add("pre-court", "Male", date(2010, 1, 1), date(2025, 1, 1), date(2026, 6, 30), "completed")
    return made


def cells(result: runs.Result) -> dict[str, list[str]]:
    return {row: [str(f) for f in result.table.cells[i]] for i, row in enumerate(result.table.rows)}


@pytest.fixture
def open_world(cambridgeshire: World) -> World:
    # No suppression at all, to check the counts themselves.
    world = with_statistics(cambridgeshire, {"suppression": {"threshold": 1, "secondary": False}})
    population(world)
    return world


def test_open_cases_by_service_and_sex(open_world: World) -> None:
    result = runs.run(Gate(open_world.staff("team-manager")), "open-cases", Q3)
    by_service = dict(zip(result.table.rows, result.table.cells, strict=True))
    names = {s.code: s.name for s in open_world.pack.services}
    assert [str(f) for f in by_service[names["court-orders"]]] == ["5", "6"]  # Female, Male
    assert [str(f) for f in by_service[names["pre-court"]]] == ["1", "1"]
    assert result.table.columns == ("Female", "Male")
    assert str(result.table.total) == "13"
    assert result.table.row_totals is not None
    assert str(result.table.row_totals[result.table.rows.index(names["court-orders"])]) == "11"


def test_referrals_by_age_band(open_world: World) -> None:
    result = runs.run(
        Gate(open_world.staff("team-manager")), "referrals", Q3, by="age-band", split=None
    )
    assert cells(result) == {
        "Under 10": ["0"],
        "10 to 14": ["3"],  # two girls born 2013, one girl born 2012
        "15 to 17": ["3"],  # two boys born 2010, the girl who turned 17 on 30 September
        "18 and over": ["0"],
    }
    assert result.table.column_totals is not None
    assert str(result.table.column_totals[0]) == "6"


def test_closures_by_reason_and_the_quarters_before(open_world: World) -> None:
    result = runs.run(Gate(open_world.staff("team-manager")), "closures", Q3, split=None)
    got = cells(result)
    assert got["The order or intervention was completed"] == ["1"]
    assert got["Moved away"] == ["1"]
    assert got["Sentenced to custody"] == ["0"]
    assert result.quarters[-1] == Q3 and len(result.quarters) == 8
    assert [str(row[0]) for row in result.series.cells][-2:] == ["1", "2"]  # Q2: one closed


def test_a_service_filter_and_the_default_profile_suppress(cambridgeshire: World) -> None:
    population(cambridgeshire)
    result = runs.run(
        Gate(cambridgeshire.staff("team-manager")), "open-cases", Q3, service="court-orders"
    )
    # The shared default: under 10 hidden, with secondary suppression; 11 is shown.
    assert result.profile == Profile(
        threshold=10, symbol="c", secondary=True, exempt=frozenset({"grand-total"})
    )
    court = result.table.rows.index(cambridgeshire.pack.services[0].name)
    assert [str(f) for f in result.table.cells[court]] == ["c", "c"]  # 5 and 6
    assert result.table.column_totals is not None
    assert [str(f) for f in result.table.column_totals] == ["c", "c"]
    assert str(result.table.total) == "11"
    # Every other service has none: zeros are shown.
    assert {str(f) for i, row in enumerate(result.table.cells) if i != court for f in row} == {"0"}


def test_people_who_opted_out_are_left_out_of_the_outputs_it_covers(
    cambridgeshire: World,
) -> None:
    world = with_statistics(
        cambridgeshire,
        {
            "suppression": {"threshold": 1, "secondary": False},
            "opt_outs": [{"preference": "national-data-opt-out", "outputs": ["referrals"]}],
        },
    )
    made = population(world)
    first = made["court-orders"][0]
    PersonFlag.objects.create(person_id=first.person_id, flag="national-data-opt-out", holds=True)
    # One who opted out and withdrew it is counted again.
    PersonFlag.objects.create(
        person_id=made["court-orders"][1].person_id,
        flag="national-data-opt-out",
        holds=True,
        ended_on=date(2026, 5, 1),
    )
    gate = Gate(world.staff("team-manager"))
    referrals = runs.run(gate, "referrals", Q3, by="service", split=None)
    open_cases = runs.run(gate, "open-cases", Q3, by="service", split=None)
    assert referrals.table.column_totals is not None and open_cases.table.column_totals is not None
    assert str(referrals.table.column_totals[0]) == "5"  # 6 less the one who opted out
    assert str(open_cases.table.column_totals[0]) == "13"  # not covered by the opt-out
    assert referrals.opted_out == ("NHS National Data Opt-out",) and not open_cases.opted_out
    rules = (
        AuditEvent.objects.filter(action="aggregate").order_by("seq").values_list("rule", flat=True)
    )
    assert "opt-outs left out: national-data-opt-out" in rules[0]
    assert "opt-outs" not in rules[1]


def test_every_run_is_audited_as_an_aggregate_use_naming_no_one(open_world: World) -> None:
    manager = open_world.staff("team-manager")
    before = AuditEvent.objects.count()
    runs.run(Gate(manager), "referrals", Q3)
    event = AuditEvent.objects.latest("seq")
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.decision, event.actor_id) == ("aggregate", "allowed", manager.pk)
    assert event.person_id is None and event.case_id is None
    assert "referrals for 2026Q3" in event.rule
    assert event.record_type == "statistics"
    assert event.categories  # the pack's categories of the fields it drew on


def test_a_case_worker_is_refused_and_the_refusal_audited(open_world: World) -> None:
    worker = open_world.staff("youth-justice-officer")
    with pytest.raises(Refused):
        runs.run(Gate(worker), "open-cases", Q3)
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.decision, event.actor_id) == ("refuse", "refused", worker.pk)


def test_a_statistics_only_role_runs_every_output(statistics_world: World) -> None:
    role = next(r for r in statistics_world.pack.roles if r.statistics_only)
    analyst = statistics_world.staff(role.code)
    population_like(statistics_world)
    pack = statistics_world.pack
    offered = [o.code for o in runs.OUTPUTS.values() if outputs.available(o, pack)]
    for code in offered:
        result = runs.run(Gate(analyst), code, Q3)
        assert result.table.rows
    assert AuditEvent.objects.filter(actor_id=analyst.pk, action="aggregate").count() == len(
        offered
    )
    # An indicator whose status the pack does not record is refused, not shown empty.
    for output in runs.OUTPUTS.values():
        if output.code not in offered:
            with pytest.raises(runs.BadRequest, match="records no status"):
                runs.run(Gate(analyst), output.code, Q3)


def population_like(world: World) -> None:
    for i in range(12):
        world.case(
            person=world.person(sex="Female" if i % 2 else "Male"), opened_on=date(2026, 7, 1 + i)
        )


def test_bad_requests_say_what_is_wrong(open_world: World) -> None:
    gate = Gate(open_world.staff("team-manager"))
    with pytest.raises(runs.BadRequest, match="no output 'nope'"):
        runs.run(gate, "nope", Q3)
    with pytest.raises(runs.BadRequest, match="cannot be broken down by 'reason'"):
        runs.run(gate, "open-cases", Q3, by="reason")
    with pytest.raises(BadPeriod, match="like 2026Q3"):
        Quarter.parse("2026-13")
    assert Quarter.parse("2026q3") == Q3 and Q3.end == date(2026, 9, 30)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)


def test_downloads_carry_only_published_figures(cambridgeshire: World) -> None:
    population(cambridgeshire)
    result = runs.run(Gate(cambridgeshire.staff("team-manager")), "open-cases", Q3)
    text = exports.as_csv(result).decode()
    assert text.splitlines()[0] == "Service,Female,Male,Total"
    assert ",c,c,c" in text and "13" in text
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exports.as_xlsx(result)))
    sheet = book["2026Q3"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Service", "Female", "Male", "Total"]
    assert all(
        v in ("c", None, 0) or isinstance(v, str) or v >= 10
        for row in values[1:]
        for v in row[1:]
        if v is not None
    )
    import json

    body = json.loads(exports.as_json(result))
    assert body["period"] == "2026Q3" and body["suppression"]["symbol"] == "c"
