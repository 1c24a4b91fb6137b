"""Disclosure control: worked suppression cases, the anchors, and properties over random
tables (no published figure is small, no hidden one can be worked out from what is published).
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safehold.statistics.disclosure import (
    ANCHORS,
    DEFAULT,
    GRAND_TOTAL,
    ROW_TOTALS,
    Anchor,
    Figure,
    Key,
    Profile,
    Published,
    Table,
    _keys,
    _raw,
    bridges,
    percentage,
    protect,
    recoverable,
)

NO_SECONDARY = Profile(threshold=10, secondary=False)


def shown(published: Published) -> list[list[str]]:
    """The table as printed, totals last: each row then the column totals."""
    out = []
    for r, row in enumerate(published.cells):
        line = [str(f) for f in row]
        if published.row_totals:
            line.append(str(published.row_totals[r]))
        out.append(line)
    if published.column_totals:
        line = [str(f) for f in published.column_totals]
        if published.total:
            line.append(str(published.total))
        out.append(line)
    return out


# --- the problem secondary suppression solves ---------------------------------------------


def test_a_single_hidden_cell_is_recoverable_from_its_row_total_without_secondary() -> None:
    # Girls 3 is small. Alone hidden, 25 - 22 gives it back.
    table = Table(["Boys", "Girls"], ["10-14", "15-17"], [[12, 30], [3, 22]])
    naive = protect(table, NO_SECONDARY)
    assert shown(naive) == [["12", "30", "42"], ["c", "22", "25"], ["15", "52", "67"]]
    assert recoverable(table, [("cell", 1, 0)]) == {("cell", 1, 0)}
    # The row total gives it back: 25 - 22 = 3.
    assert naive.row_totals is not None and naive.cells[1][1].value is not None
    assert naive.row_totals[1].value - naive.cells[1][1].value == 3  # type: ignore[operator]


def test_secondary_suppression_hides_a_rectangle_so_nothing_is_recoverable() -> None:
    table = Table(["Boys", "Girls"], ["10-14", "15-17"], [[12, 30], [3, 22]])
    published = protect(table, Profile(threshold=10, secondary=True))
    # The cheapest cycle through Girls 10-14: its row (Girls 15-17, 22), its column
    # (Boys 10-14, 12), and Boys 15-17 (30) to close it; totals stay published.
    assert shown(published) == [["c", "c", "42"], ["c", "c", "25"], ["15", "52", "67"]]
    assert [f.primary for f in published.cells[1]] == [True, False]
    assert not recoverable(table, _hidden(published))


def test_two_hidden_in_a_row_are_still_recoverable_through_a_column_total() -> None:
    """The UK LLC rule (two per row) is not enough on its own: here the second hidden cell
    is alone in its column, whose total gives it back, and then the row gives the first."""
    table = Table(["A", "B"], ["x", "y"], [[4, 20], [30, 40]])
    two_in_row = {("cell", 0, 0), ("cell", 0, 1)}
    assert recoverable(table, two_in_row) == two_in_row
    published = protect(table, DEFAULT)
    hidden = _hidden(published)
    assert not recoverable(table, hidden)
    # Every row and column with a hidden cell has at least two (the UK LLC rule holds).
    for r in range(2):
        assert sum(("cell", r, c) in hidden for c in range(2)) in {0, 2}


def test_a_small_total_is_hidden_and_protected_too() -> None:
    table = Table(["A", "B", "C"], ["n"], [[3], [4], [40]], row_totals=False)
    published = protect(table, DEFAULT)
    assert published.column_totals is not None
    assert str(published.column_totals[0]) == "47"
    assert [str(row[0]) for row in published.cells] == ["c", "c", "40"]


def test_an_exempt_total_that_would_reveal_a_cell_withholds_the_table() -> None:
    # One cell and an exempt total equal to it: no cycle is possible.
    table = Table(["A"], ["n"], [[4]], row_totals=False)
    published = protect(table, Profile(threshold=10, exempt=frozenset({GRAND_TOTAL})))
    assert published.withheld
    assert all(f.suppressed for f in published.cells[0])
    assert published.notes


def test_exempt_levels_are_shown_whatever_their_size() -> None:
    table = Table(["A", "B"], ["x", "y"], [[2, 1], [1, 2]])
    published = protect(table, Profile(threshold=10, exempt=frozenset({GRAND_TOTAL})))
    assert published.total == Figure(6)
    assert all(f.suppressed for row in published.cells for f in row)
    assert not recoverable(table, _hidden(published))


def test_zeros_are_published_unless_the_profile_says_they_are_sensitive() -> None:
    table = Table(["A", "B"], ["x", "y"], [[0, 50], [60, 70]])
    assert shown(protect(table, DEFAULT))[0] == ["0", "50", "50"]
    hidden = protect(table, Profile(threshold=10, suppress_zero=True))
    assert hidden.cells[0][0].suppressed


# --- the anchors --------------------------------------------------------------------------


def test_nhs_england_hides_1_to_7_and_rounds_the_rest_to_5() -> None:
    nhs = ANCHORS[Anchor.NHS_ENGLAND]
    table = Table(["A", "B", "C", "D", "E"], ["n"], [[0], [1], [7], [8], [12]], row_totals=False)
    published = protect(table, nhs)
    assert [str(row[0]) for row in published.cells] == ["0", "*", "*", "10", "10"]
    assert published.column_totals is not None
    assert str(published.column_totals[0]) == "30"  # 28 rounded, from the raw total
    assert "rounded to the nearest 5" in nhs.describe()


def test_dfe_shows_c_and_protects_it_by_secondary_suppression() -> None:
    dfe = ANCHORS[Anchor.DFE]
    table = Table(["A", "B", "C"], ["n"], [[2], [15], [40]], row_totals=False)
    published = protect(table, dfe)
    assert [str(row[0]) for row in published.cells] == ["c", "c", "40"]
    assert not recoverable(table, _hidden(published))


def test_uk_llc_hides_under_10_with_two_per_row_and_column() -> None:
    llc = ANCHORS[Anchor.UK_LLC]
    table = Table(["A", "B", "C"], ["x", "y", "z"], [[9, 25, 30], [40, 50, 60], [70, 80, 11]])
    published = protect(table, llc)
    hidden = _hidden(published)
    assert published.cells[0][0].symbol == "<10"
    cells = {k for k in hidden if k[0] == "cell"}
    for r in range(3):
        assert sum(("cell", r, c) in cells for c in range(3)) in {0, 2, 3}
    for c in range(3):
        assert sum(("cell", r, c) in cells for r in range(3)) in {0, 2, 3}
    assert not recoverable(table, hidden)


# --- percentages --------------------------------------------------------------------------


def test_percentages_come_from_the_published_figures() -> None:
    nhs = ANCHORS[Anchor.NHS_ENGLAND]
    table = Table(["A", "B"], ["n"], [[12], [13]], row_totals=False)
    published = protect(table, nhs)
    assert published.column_totals is not None
    # Raw 12 of 25 is 48%; published 10 of 25 is 40%.
    assert percentage(published.cells[0][0], published.column_totals[0]) == "40.0%"
    assert percentage(Figure(None, "c"), Figure(10)) == "c"
    assert percentage(Figure(3), Figure(0)) == "\u2013"


# --- the bridge finder against linear algebra ---------------------------------------------


def _hidden(published: Published) -> set[Key]:
    return {key for key in _keys(published) if (f := published.figure(key)) and f.suppressed}


def _determined(table: Table, hidden: set[Key]) -> set[Key]:
    """The hidden figures the published ones determine, by exact Gaussian elimination over
    the table's equations: a figure is determined iff its unit vector is in the row space."""
    hidden_list = sorted(hidden, key=str)
    index = {key: i for i, key in enumerate(hidden_list)}
    equations: list[list[Fraction]] = []

    def equation(terms: list[tuple[Key, int]]) -> None:
        row = [Fraction(0)] * len(hidden_list)
        for key, sign in terms:
            if key in index:
                row[index[key]] += sign
        equations.append(row)

    rows, cols = len(table.rows), len(table.columns)
    if table.row_totals:
        for r in range(rows):
            equation([(("cell", r, c), 1) for c in range(cols)] + [(("row", r), -1)])
        if table.grand_total:
            equation([(("row", r), 1) for r in range(rows)] + [(("total",), -1)])
    if table.column_totals:
        for c in range(cols):
            equation([(("cell", r, c), 1) for r in range(rows)] + [(("column", c), -1)])
        if table.grand_total:
            equation([(("column", c), 1) for c in range(cols)] + [(("total",), -1)])
    basis = _row_reduce(equations)
    determined = set()
    for key, i in index.items():
        unit = [Fraction(int(j == i)) for j in range(len(hidden_list))]
        if len(_row_reduce([*basis, unit])) == len(basis):
            determined.add(key)
    return determined


def _row_reduce(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    rows = [list(r) for r in matrix if any(r)]
    basis: list[list[Fraction]] = []
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in rows if r[col] != 0), None)
        if pivot is None:
            continue
        rows.remove(pivot)
        pivot = [v / pivot[col] for v in pivot]
        rows = [[a - r[col] * b for a, b in zip(r, pivot, strict=True)] for r in rows]
        rows = [r for r in rows if any(r)]
        basis.append(pivot)
    return basis


def test_bridges_of_a_multigraph() -> None:
    assert bridges({("a",): ("x", "y")}) == {("a",)}
    assert bridges({("a",): ("x", "y"), ("b",): ("x", "y")}) == set()
    # Two triangles joined by one edge: that edge only.
    edges = {
        ("1",): ("a", "b"),
        ("2",): ("b", "c"),
        ("3",): ("c", "a"),
        ("j",): ("c", "d"),
        ("4",): ("d", "e"),
        ("5",): ("e", "f"),
        ("6",): ("f", "d"),
    }
    assert bridges(edges) == {("j",)}


tables = st.integers(1, 4).flatmap(
    lambda rows: st.integers(1, 4).flatmap(
        lambda cols: st.tuples(
            st.lists(
                st.lists(st.integers(0, 40), min_size=cols, max_size=cols),
                min_size=rows,
                max_size=rows,
            ),
            st.booleans(),
            st.booleans(),
            st.booleans(),
        )
    )
)


def _table(spec: tuple[list[list[int]], bool, bool, bool]) -> Table:
    cells, row_totals, column_totals, grand_total = spec
    return Table(
        [f"r{i}" for i in range(len(cells))],
        [f"c{j}" for j in range(len(cells[0]))],
        cells,
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=grand_total and (row_totals or column_totals),
    )


@settings(max_examples=300, deadline=None)
@given(tables, st.sampled_from([DEFAULT, ANCHORS[Anchor.DFE], ANCHORS[Anchor.UK_LLC]]))
def test_no_small_figure_is_published_and_no_hidden_one_can_be_worked_out(
    spec: tuple[list[list[int]], bool, bool, bool], profile: Profile
) -> None:
    table = _table(spec)
    published = protect(table, profile)
    hidden = _hidden(published)
    for key in _keys(table):
        figure = published.figure(key)
        assert figure is not None
        if figure.value is not None:
            assert figure.value == 0 or figure.value >= profile.threshold, key
            assert figure.value == _raw(table, key)
    # The graph's answer and linear algebra's agree, and both say nothing is recoverable.
    assert _determined(table, hidden) == recoverable(table, hidden) == set()


@settings(max_examples=200, deadline=None)
@given(tables, st.data())
def test_the_bridge_criterion_is_exactly_linear_algebra(
    spec: tuple[list[list[int]], bool, bool, bool], data: st.DataObject
) -> None:
    table = _table(spec)
    keys = _keys(table)
    hidden = set(data.draw(st.lists(st.sampled_from(keys), unique=True)))
    assert recoverable(table, hidden) == _determined(table, hidden)


def test_row_totals_can_be_exempt() -> None:
    table = Table(["A", "B"], ["x", "y", "z"], [[3, 20, 30], [40, 50, 60]])
    published = protect(table, Profile(threshold=10, exempt=frozenset({ROW_TOTALS})))
    assert published.row_totals is not None
    assert all(not f.suppressed for f in published.row_totals)
    assert not recoverable(table, _hidden(published))


@pytest.mark.parametrize("cells", list(product([0, 3, 12], repeat=4)))
def test_every_small_two_by_two(cells: tuple[int, ...]) -> None:
    table = Table(["a", "b"], ["x", "y"], [list(cells[:2]), list(cells[2:])])
    published = protect(table, DEFAULT)
    assert not recoverable(table, _hidden(published)) or published.withheld


def test_a_one_column_tables_total_is_its_overall_total() -> None:
    table = Table(["A", "B", "C"], ["n"], [[3], [2], [1]], row_totals=False, grand_total=False)
    published = protect(table, Profile(threshold=10, exempt=frozenset({GRAND_TOTAL})))
    assert published.column_totals is not None
    assert str(published.column_totals[0]) == "6"
    assert all(row[0].suppressed for row in published.cells)
    assert "the overall total is always shown" in published.profile.describe()
