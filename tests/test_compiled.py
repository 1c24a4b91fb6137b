"""Querysets compiled once per shape and run again with other ids and dates (safehold.compiled)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from django.db import models
from django.test import override_settings

from safehold import compiled
from safehold.records.models import Case
from tests.access.conftest import World


def _key() -> str:
    # A shape of its own: shapes are kept for the process, across tests.
    return f"test-{uuid.uuid4()}"


def by_team_opened_since(ids: Sequence[int], dates: Sequence[date]) -> models.QuerySet[Case]:
    return (
        Case.objects.filter(team_id__in=list(ids[1:]), opened_on__gte=dates[0])
        .exclude(pk=ids[0])
        .select_related("person", "team")
        .order_by("pk")
    )


def test_a_shape_runs_again_with_other_ids_and_dates(cambridgeshire: World) -> None:
    w = cambridgeshire
    old = w.case(opened_on=date(2020, 1, 1))
    mine = w.case(opened_on=date(2025, 3, 1))
    theirs = w.case(team=w.other_team, opened_on=date(2025, 3, 1))
    key = _key()

    def run(ids: list[int], since: date) -> list[Case]:
        found = compiled.rows(Case, key, by_team_opened_since, ids=ids, dates=[since])
        assert found == list(by_team_opened_since(ids, [since]))
        return found

    assert run([-1, w.team.pk], date(2021, 1, 1)) == [mine]
    # The same shape again: the compiled SQL with these values in it.
    assert run([mine.pk, w.other_team.pk], date(2021, 1, 1)) == [theirs]
    assert run([-1, w.team.pk], date(2019, 1, 1)) == [old, mine]
    # Related objects come as select_related loads them: no query to read them.
    [found] = run([old.pk, w.other_team.pk], date(2019, 1, 1))
    assert found.person.family_name == theirs.person.family_name
    assert found.team.name == w.other_team.name
    # Another number of ids is another shape.
    assert run([-1, w.team.pk, w.other_team.pk], date(2021, 1, 1)) == [mine, theirs]


def test_a_shape_that_matches_nothing_runs_as_nothing(cambridgeshire: World) -> None:
    cambridgeshire.case()

    def none_of(ids: Sequence[int], dates: Sequence[date]) -> models.QuerySet[Case]:
        return Case.objects.filter(pk__in=[])

    assert compiled.rows(Case, _key(), none_of) == []


def test_a_value_left_in_the_shape_is_caught(cambridgeshire: World) -> None:
    # A builder that writes a value into its SQL instead of taking it apart: the test suite
    # verifies every run against the queryset built with the real values. (In production
    # only a shape's first run is checked: this fault would then give the first team's list.)
    w = cambridgeshire
    w.case(team=w.other_team)
    team = {"id": w.team.pk}
    key = _key()

    def leaky(ids: Sequence[int], dates: Sequence[date]) -> models.QuerySet[Case]:
        return Case.objects.filter(team_id=team["id"])

    assert compiled.rows(Case, key, leaky) == []
    team["id"] = w.other_team.pk
    with pytest.raises(compiled.NotAsBuilt):
        compiled.rows(Case, key, leaky)


def test_stand_ins_are_sent_apart_from_the_sql(cambridgeshire: World) -> None:
    def limited(ids: Sequence[int], dates: Sequence[date]) -> models.QuerySet[Case]:
        return Case.objects.extra(where=[f"id <> {ids[0]}"])  # noqa: S610 - the fault tested

    with pytest.raises(compiled.NotAsBuilt, match="written into the SQL"):
        compiled.rows(Case, _key(), limited, ids=[1])
    # In production the list is built each time instead, and the fault logged.
    case = cambridgeshire.case()
    with override_settings(VERIFY_COMPILED=False):
        assert compiled.rows(Case, _key(), limited, ids=[-1]) == [case]


def test_shapes_are_bounded(cambridgeshire: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # An API client paging by every offset makes a shape per offset: the process keeps at
    # most MAX_SHAPES of them, and a dropped shape is compiled again when asked for.
    monkeypatch.setattr(compiled, "MAX_SHAPES", 3)
    monkeypatch.setattr(compiled, "_shapes", {})
    case = cambridgeshire.case()

    def nth(offset: int) -> compiled.Build:
        return lambda ids, dates: Case.objects.filter(pk=ids[0]).order_by("pk")[offset:]

    for offset in range(10):
        found = compiled.rows(Case, ("nth", offset), nth(offset), ids=[case.pk])
        assert found == ([case] if offset == 0 else [])
        assert len(compiled._shapes) <= 3
    assert compiled.rows(Case, ("nth", 0), nth(0), ids=[case.pk]) == [case]


def test_a_shape_not_as_built_is_caught_on_its_first_run_in_production(
    cambridgeshire: World, caplog: pytest.LogCaptureFixture
) -> None:
    # A value worked out from a stand-in inside the builder (the day after `dates[0]`) is
    # written into the shape as the stand-in's day after. Without the suite's check of every
    # run, the first run of the shape is still checked: the shape is dropped, logged, and the
    # list built each time, so the answer stays right.
    w = cambridgeshire
    case = w.case(opened_on=date(2025, 3, 2))

    def day_after(ids: Sequence[int], dates: Sequence[date]) -> models.QuerySet[Case]:
        return Case.objects.filter(pk=ids[0], opened_on=dates[0] + timedelta(days=1))

    key = _key()
    with override_settings(VERIFY_COMPILED=False):
        for _ in range(2):
            found = compiled.rows(Case, key, day_after, ids=[case.pk], dates=[date(2025, 3, 1)])
            assert found == [case]
    assert "not as built" in caplog.text
