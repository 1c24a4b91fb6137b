"""Dated status history (docs/adr/0027): recorded through the gate by the category the pack
gives each kind, audited, history kept, checked against the version a page was opened at; and
the Youth Justice Board indicators that count each child's status on the day the order ended
(and began), worked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from safehold.access.gate import Gate, Refused, Stale
from safehold.access.models import User
from safehold.audit.models import AuditEvent
from safehold.policy.loader import load_bytes
from safehold.records.models import Case, CaseStatus, Change
from safehold.statistics import runs
from tests.access.conftest import PACK_FILES, World, make_world
from tests.statistics.test_indicators import order, table
from tests.statistics.test_pack import CAMBRIDGESHIRE, _with
from tests.statistics.test_runs import Q3, with_statistics


@pytest.fixture
def world(cambridgeshire: World) -> World:
    return with_statistics(cambridgeshire, {"suppression": {"threshold": 1, "secondary": False}})


@pytest.fixture
def officer(world: World) -> User:
    return world.staff("youth-justice-officer", username="casey")


def status(world: World, case: Case, kind: str, value: str, start: date, end: date | None) -> None:
    CaseStatus.objects.create(
        case=case,
        kind=kind,
        value=value,
        started_on=start,
        ended_on=end,
        pack_version_id=world.version_id,
    )


def test_recording_a_value_ends_the_one_in_force_and_audits_both(
    world: World, officer: User
) -> None:
    case = world.case(allocated_to=officer)
    gate = Gate(officer)
    shown = gate.case(case.pk)
    gate.record_status(shown, "accommodation", "unsuitable", date(2026, 1, 5))
    before = AuditEvent.objects.latest("seq").seq
    gate.record_status(shown, "accommodation", "suitable", date(2026, 6, 1))
    rows = list(CaseStatus.objects.filter(case=case).order_by("started_on"))
    assert [(r.value, r.started_on, r.ended_on) for r in rows] == [
        ("unsuitable", date(2026, 1, 5), date(2026, 5, 31)),
        ("suitable", date(2026, 6, 1), None),
    ]
    events = AuditEvent.objects.filter(seq__gt=before).order_by("seq")
    assert [(e.action, e.record_type, e.categories) for e in events] == [
        ("update", "casestatus", "support"),
        ("create", "casestatus", "support"),
    ]
    assert Change.objects.get(record_id=rows[0].pk).new == "2026-05-31"
    histories = gate.case_statuses(gate.case(case.pk))
    assert not isinstance(histories, type(None))
    accommodation = next(h for h in histories if h.kind.code == "accommodation")  # type: ignore[union-attr]
    assert accommodation.current is not None
    assert accommodation.current.value_name == "Suitable accommodation"
    with pytest.raises(ValueError, match="must begin after it"):
        gate.record_status(shown, "accommodation", "unsuitable", date(2026, 6, 1))
    with pytest.raises(ValueError, match="not a value"):
        gate.record_status(shown, "accommodation", "palace", date(2026, 7, 1))


def test_a_change_from_an_old_version_is_refused_and_nothing_is_written(
    world: World, officer: User
) -> None:
    case = world.case(allocated_to=officer)
    gate = Gate(officer)
    shown = gate.case(case.pk)
    row = gate.record_status(shown, "mental-health", "identified", date(2026, 2, 1))
    gate.change_status(shown, row.pk, {"value": "offered"}, version=1)
    with pytest.raises(Stale):
        gate.change_status(shown, row.pk, {"ended_on": date(2026, 3, 1)}, version=1)
    row.refresh_from_db()
    assert (row.value, row.ended_on, row.version) == ("offered", None, 2)


def test_a_role_that_may_not_write_a_kinds_category_is_refused_and_audited(
    world: World,
) -> None:
    manager = world.staff("team-manager")
    case = world.case()
    gate = Gate(manager)
    shown = gate.case(case.pk)
    kind = next(k for k in world.pack.statuses if k.code == "serious-violence")
    allowed = gate.policy.decide(manager.role, "write", kind.category, shown.distance)
    if allowed:
        pytest.skip("this pack's manager writes offending data")
    with pytest.raises(Refused):
        gate.record_status(shown, "serious-violence", "proven", date(2026, 1, 1))
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.record_type) == ("refuse", "casestatus")
    assert not CaseStatus.objects.exists()


def test_accommodation_is_each_childs_state_at_the_end_and_the_start(world: World) -> None:
    """Orders of Q3 (begun 5 January): A unsuitable then suitable from June; B suitable until
    15 August, then nothing recorded; C unsuitable throughout; D recorded only after its order
    ended. Bail, and an order ending in Q4, are not in the cohort."""
    a = order(world, "yro", date(2026, 8, 31))
    status(world, a, "accommodation", "unsuitable", date(2026, 1, 5), date(2026, 5, 31))
    status(world, a, "accommodation", "suitable", date(2026, 6, 1), None)
    b = order(world, "referral-order", date(2026, 9, 30))
    status(world, b, "accommodation", "suitable", date(2026, 1, 5), date(2026, 8, 15))
    c = order(world, "youth-caution", date(2026, 7, 1))
    status(world, c, "accommodation", "unsuitable", date(2026, 1, 1), None)
    d = order(world, "dto", date(2026, 9, 1))
    status(world, d, "accommodation", "suitable", date(2026, 10, 1), None)
    e = order(world, "bail", date(2026, 8, 1))
    status(world, e, "accommodation", "suitable", date(2026, 1, 5), None)
    f = order(world, "yro", date(2026, 10, 2))
    status(world, f, "accommodation", "suitable", date(2026, 1, 5), None)
    result = runs.run(Gate(world.staff("team-manager")), "accommodation", Q3)
    assert result.table.rows == (
        "Unsuitable accommodation",
        "Suitable accommodation",
        "Not recorded",
    )
    assert result.table.columns == result.table.rows
    assert table(result) == {
        "Unsuitable accommodation": ["1", "0", "0"],
        "Suitable accommodation": ["1", "0", "0"],
        "Not recorded": ["0", "1", "1"],
    }
    assert str(result.table.total) == "4"
    event = AuditEvent.objects.latest("seq")
    assert event.action == "aggregate" and "support" in event.categories


def test_mental_health_stages_at_the_end_of_the_order_by_sex(world: World) -> None:
    for sex, value in (("Male", "attending"), ("Male", "offered"), ("Female", "attending")):
        case = order(world, "yro", date(2026, 8, 1), sex=sex)
        status(world, case, "mental-health", "identified", date(2026, 1, 5), date(2026, 3, 1))
        status(world, case, "mental-health", value, date(2026, 3, 2), None)
    result = runs.run(Gate(world.staff("team-manager")), "mental-health", Q3, split="sex")
    assert table(result)["Attending an intervention"] == ["1", "1"]
    assert table(result)["Intervention planned or offered"] == ["0", "1"]
    assert table(result)["Need identified"] == ["0", "0"]
    assert "health" in AuditEvent.objects.latest("seq").categories


def test_every_status_indicator_runs_in_sql_with_suppression(cambridgeshire: World) -> None:
    """The shipped profile (under 10 hidden, secondary): three children are never shown."""
    for value in ("none", "proven", "proven"):
        case = order(cambridgeshire, "yro", date(2026, 8, 1))
        status(cambridgeshire, case, "serious-violence", value, date(2026, 1, 5), None)
    result = runs.run(Gate(cambridgeshire.staff("team-manager")), "serious-violence", Q3)
    published = [str(f) for row in result.table.cells for f in row]
    assert "1" not in published and "2" not in published


def test_the_pack_says_where_a_status_or_a_link_to_wider_services_is_wrong() -> None:
    head = CAMBRIDGESHIRE.split("\nstatistics:")[0]
    lines = len(head.splitlines()) + 1
    errors = _with(
        "statistics:\n  wider_services:\n    - {link: looked-after, flags: [looked-afterr]}\n"
    )
    assert any(
        e.startswith(f"{lines + 2}: ") and "the flag 'looked-afterr'" in e for e in errors
    ), errors
    bad = head.replace(
        "    category: support\n    indicator: accommodation",
        "    category: nowhere\n    indicator: accommodation",
    )
    at = bad[: bad.index("category: nowhere")].count("\n") + 1
    result = load_bytes((bad + "\n").encode())
    errors = [f"{p.line}: {p.message}" for p in result.errors]
    assert any(e.startswith(f"{at}: ") and "data category 'nowhere'" in e for e in errors), errors


@pytest.fixture
def leicestershire(db: None) -> World:
    world = make_world(next(p for p in PACK_FILES if p.stem == "leicestershire-cfws"))
    return with_statistics(world, {"suppression": {"threshold": 1, "secondary": False}})


def test_early_help_outcomes_need_at_the_start_and_achieved_by_the_close(
    leicestershire: World,
) -> None:
    """Families' cases closed in Q3. A: housing need, achieved in August; education need,
    still a need at the close. B: housing need, improving at the close; no need for
    education. C: housing need achieved, but closed in Q4 (not counted). D: open."""
    world = leicestershire

    def family(closed: date | None) -> Case:
        return world.case(
            opened_on=date(2026, 1, 5),
            closed_on=closed,
            closed_reason="completed" if closed else "",
        )

    a = family(date(2026, 9, 1))
    status(world, a, "area-housing", "need", date(2026, 1, 10), date(2026, 8, 1))
    status(world, a, "area-housing", "achieved", date(2026, 8, 2), None)
    status(world, a, "area-education", "need", date(2026, 1, 10), None)
    b = family(date(2026, 7, 20))
    status(world, b, "area-housing", "need", date(2026, 1, 10), date(2026, 5, 1))
    status(world, b, "area-housing", "improving", date(2026, 5, 2), None)
    status(world, b, "area-education", "no-need", date(2026, 1, 10), None)
    c = family(date(2026, 10, 5))
    status(world, c, "area-housing", "achieved", date(2026, 1, 10), None)
    d = family(None)
    status(world, d, "area-housing", "need", date(2026, 1, 10), None)
    manager = world.staff("team-manager")
    result = runs.run(Gate(manager), "early-help-outcomes", Q3)
    got = table(result)
    assert got["Secure housing"] == ["1", "1", "0"]
    assert got["Education and attendance"] == ["0", "1", "1"]
    assert got["Substance use"] == ["0", "0", "0"]
    assert str(result.table.total) == "4"  # four areas of need recorded, on two families
    assert [str(r[0]) for r in result.series.cells][-1] == "4"
    categories = AuditEvent.objects.latest("seq").categories
    assert {"education", "assessments"} <= set(
        categories.split(",") if isinstance(categories, str) else categories
    )


def test_a_pack_without_outcome_areas_has_no_early_help_output(world: World) -> None:
    from safehold.statistics.outputs import OUTPUTS, available

    assert available(OUTPUTS["early-help-outcomes"], world.pack) == bool(
        [k for k in world.pack.statuses if k.outcome_area]
    )


def test_the_command_runs_an_indicator(world: World) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    case = order(world, "yro", date(2026, 8, 1))
    status(world, case, "ete", "full-time", date(2026, 1, 5), None)
    manager = world.staff("team-manager")
    out = StringIO()
    call_command(
        "stats",
        "run",
        "ete",
        "--period",
        "2026Q3",
        "--user",
        manager.username,
        "--format",
        "json",
        "--split",
        "none",
        stdout=out,
    )
    text = out.getvalue()
    assert "Full-time (25 hours or more a week)" in text
    json.loads(text)
    listed = StringIO()
    call_command("stats", "list", stdout=listed)
    assert "Needs a status with `indicator: ete`" in listed.getvalue()
