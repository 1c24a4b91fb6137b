"""Disclosure control for published tables: small numbers hidden so that nobody can be picked
out, and hidden so that they cannot be worked back from the totals beside them.

A table is counts in rows and columns with, optionally, row totals, column totals and a grand
total, all computed from the raw counts. `protect` applies a suppression profile (the pack's,
or the shared default) and returns what may be published:

1. **Primary suppression**: every count from 1 to `threshold - 1` (and 0 where the profile
   says zeros are sensitive) is replaced by the profile's symbol, unless its level is exempt
   (a grand total published whatever its size, for example).
2. **Secondary suppression**, where the profile asks for it: the published cells and totals
   are linear equations in the hidden ones (each row's cells add up to its total, and so on).
   A hidden cell can be worked out exactly if and only if it is a *bridge* of the graph whose
   vertices are the table's equations (one per row, one per column, one for the row totals
   and one for the column totals) and whose edges are the hidden cells (each cell lies in at
   most two equations; a cell in an unpublished total's equation meets a free vertex instead).
   That is the classical result for two-way tables behind the network-flow methods of
   complementary suppression (Kelly, Golden and Assad 1990; Castro 2002, "Network flows
   heuristics for complementary cell suppression"): a hidden cell is protected when it lies on
   a cycle of hidden cells, so that one can be raised and the next lowered with every total
   unchanged. For each hidden cell that is still a bridge we hide the cheapest path of
   published cells that closes a cycle through it (Dijkstra, the cost of a cell being its
   count, zeros last: a hidden zero protects little), and repeat until none is a bridge.
   This gives the UK LLC rule (at least two hidden cells in every row and column that has
   one) and more: two hidden cells in a row are still recoverable if one of them is alone in
   its column and that column's total is published.
3. **Rounding**: every published count is rounded to the profile's base (NHS England: to the
   nearest 5), each from its raw value, so totals need not add up.

Percentages are computed from the published figures (`percentage`), never the raw ones.

Nothing here touches the database: a table's counts come from `outputs.py`, in SQL.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

# The levels of a table a profile may exempt from suppression.
INTERIOR = "cells"
ROW_TOTALS = "row-totals"
COLUMN_TOTALS = "column-totals"
GRAND_TOTAL = "grand-total"
LEVELS = (INTERIOR, ROW_TOTALS, COLUMN_TOTALS, GRAND_TOTAL)


class Anchor(StrEnum):
    """Published practice a profile may start from (each field can still be changed)."""

    NHS_ENGLAND = "nhs-england"  # 1 to 7 suppressed, everything else rounded to 5
    DFE = "dfe"  # 'c' for small numbers, with secondary suppression
    UK_LLC = "uk-llc"  # fewer than 10 suppressed, at least two per row and column


@dataclass(frozen=True)
class Profile:
    """How one output is protected."""

    threshold: int = 10  # counts 1 .. threshold-1 are hidden
    rounding: int = 1  # published counts rounded to this base (1: not rounded)
    symbol: str = "c"
    secondary: bool = True
    suppress_zero: bool = False
    exempt: frozenset[str] = frozenset()

    def describe(self) -> str:
        """The profile in words, for the page beside each table."""
        parts = [f"Numbers from 1 to {self.threshold - 1} are shown as '{self.symbol}'"]
        if self.suppress_zero:
            parts[0] = f"Numbers from 0 to {self.threshold - 1} are shown as '{self.symbol}'"
        if self.secondary:
            parts.append(
                "other figures are hidden too where a hidden number could be worked out "
                "from the totals"
            )
        if self.rounding > 1:
            parts.append(f"every other number is rounded to the nearest {self.rounding}")
        exempt = [_LEVEL_WORDS[level] for level in LEVELS if level in self.exempt]
        if exempt:
            verb = "is" if exempt == [_LEVEL_WORDS[GRAND_TOTAL]] else "are"
            parts.append(f"{' and '.join(exempt)} {verb} always shown")
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]


_LEVEL_WORDS = {
    INTERIOR: "individual cells",
    ROW_TOTALS: "row totals",
    COLUMN_TOTALS: "column totals",
    GRAND_TOTAL: "the overall total",
}

ANCHORS: dict[Anchor, Profile] = {
    Anchor.NHS_ENGLAND: Profile(threshold=8, rounding=5, symbol="*", secondary=False),
    Anchor.DFE: Profile(threshold=3, rounding=1, symbol="c", secondary=True),
    Anchor.UK_LLC: Profile(threshold=10, rounding=1, symbol="<10", secondary=True),
}
# The shared default where a pack states no profile: the strictest of the anchors' thresholds
# with secondary suppression, the symbol the Code of Practice's users know.
DEFAULT = Profile(threshold=10, rounding=1, symbol="c", secondary=True)


class Unprotectable(Exception):
    """Exempt figures alone reveal a hidden one: the table cannot be published as asked."""


@dataclass(frozen=True)
class Table:
    """Raw counts: `cells[r][c]`, and which totals are published."""

    rows: Sequence[str]
    columns: Sequence[str]
    cells: Sequence[Sequence[int]]
    row_totals: bool = True
    column_totals: bool = True
    grand_total: bool = True

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.rows) or any(
            len(row) != len(self.columns) for row in self.cells
        ):
            raise ValueError("a table's cells must have one row per row label, one per column")
        if any(v < 0 for row in self.cells for v in row):
            raise ValueError("counts cannot be negative")

    def row_total(self, r: int) -> int:
        return sum(self.cells[r])

    def column_total(self, c: int) -> int:
        return sum(row[c] for row in self.cells)

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.cells)


# A cell's position: ("cell", r, c), ("row", r), ("column", c), ("total",).
Key = tuple[object, ...]


@dataclass(frozen=True)
class Figure:
    """One published figure: a number, or the symbol (`value` None) and why."""

    value: int | None
    symbol: str = ""
    primary: bool = False  # hidden because it is small; otherwise to protect another

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return self.symbol if self.value is None else f"{self.value:,}"


@dataclass(frozen=True)
class Published:
    """A protected table: what may leave the system."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Figure, ...], ...]
    row_totals: tuple[Figure, ...] | None
    column_totals: tuple[Figure, ...] | None
    total: Figure | None
    profile: Profile
    withheld: bool = False  # exempt figures would reveal a hidden one: nothing published
    notes: tuple[str, ...] = field(default=())

    def figure(self, key: Key) -> Figure | None:
        kind = key[0]
        if kind == "cell":
            return self.cells[int(key[1])][int(key[2])]  # type: ignore[call-overload]
        if kind == "row":
            return self.row_totals[int(key[1])] if self.row_totals else None  # type: ignore[call-overload]
        if kind == "column":
            return self.column_totals[int(key[1])] if self.column_totals else None  # type: ignore[call-overload]
        return self.total

    @property
    def suppressed(self) -> int:
        return sum(1 for key in _keys(self) if (f := self.figure(key)) and f.suppressed)


def _keys(table: Table | Published) -> list[Key]:
    keys: list[Key] = [
        ("cell", r, c) for r in range(len(table.rows)) for c in range(len(table.columns))
    ]
    has_rows = table.row_totals if isinstance(table, Table) else table.row_totals is not None
    has_cols = table.column_totals if isinstance(table, Table) else table.column_totals is not None
    has_total = table.grand_total if isinstance(table, Table) else table.total is not None
    if has_rows:
        keys += [("row", r) for r in range(len(table.rows))]
    if has_cols:
        keys += [("column", c) for c in range(len(table.columns))]
    if has_total:
        keys.append(("total",))
    return keys


def _raw(table: Table, key: Key) -> int:
    kind = key[0]
    if kind == "cell":
        return table.cells[int(key[1])][int(key[2])]  # type: ignore[call-overload]
    if kind == "row":
        return table.row_total(int(key[1]))  # type: ignore[call-overload]
    if kind == "column":
        return table.column_total(int(key[1]))  # type: ignore[call-overload]
    return table.total


def _level(key: Key, table: Table | None = None) -> str:
    """A figure's level; a one-column table's total (no row totals) is its overall total."""
    if (
        key[0] == "column"
        and table is not None
        and not table.row_totals
        and len(table.columns) == 1
    ):
        return GRAND_TOTAL
    return {"cell": INTERIOR, "row": ROW_TOTALS, "column": COLUMN_TOTALS, "total": GRAND_TOTAL}[
        str(key[0])
    ]


# --- the graph of equations ---------------------------------------------------------------

FREE = "free"  # where a cell's second equation is not published: it constrains nothing


def _ends(table: Table | Published, key: Key) -> tuple[str, str]:
    """The two equations a figure takes part in (FREE where that equation is unpublished)."""
    has_rows = table.row_totals if isinstance(table, Table) else table.row_totals is not None
    has_cols = table.column_totals if isinstance(table, Table) else table.column_totals is not None
    has_total = table.grand_total if isinstance(table, Table) else table.total is not None
    kind = key[0]
    if kind == "cell":
        # Row r's equation: its cells add up to its total (only if row totals are published).
        return (f"r{key[1]}" if has_rows else FREE, f"c{key[2]}" if has_cols else FREE)
    if kind == "row":
        # A row total is in its row's equation and in "the row totals add up to the total".
        return (f"r{key[1]}", "c*" if has_total else FREE)
    if kind == "column":
        return (f"c{key[1]}", "r*" if has_total else FREE)
    # The grand total closes both margins' equations, where they exist.
    return ("c*" if has_rows else FREE, "r*" if has_cols else FREE)


def bridges(edges: Mapping[Key, tuple[str, str]]) -> set[Key]:
    """The edges of a multigraph that lie on no cycle (Tarjan's bridge-finding, iterative).

    A loop (both ends the same vertex) is never a bridge; parallel edges are not bridges."""
    adjacency: dict[str, list[tuple[str, Key]]] = {}
    for key, (a, b) in edges.items():
        adjacency.setdefault(a, []).append((b, key))
        adjacency.setdefault(b, []).append((a, key))
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    found: set[Key] = set()
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack: list[tuple[str, Key | None, int]] = [(root, None, 0)]
        while stack:
            vertex, via, i = stack[-1]
            if i < len(adjacency[vertex]):
                stack[-1] = (vertex, via, i + 1)
                other, key = adjacency[vertex][i]
                if key == via:
                    continue
                if other in order:
                    low[vertex] = min(low[vertex], order[other])
                else:
                    order[other] = low[other] = counter
                    counter += 1
                    stack.append((other, key, 0))
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[vertex])
                    if low[vertex] > order[parent] and via is not None:
                        found.add(via)
    return found


def recoverable(table: Table | Published, hidden: Iterable[Key]) -> set[Key]:
    """The hidden figures that the published ones determine exactly."""
    edges = {key: _ends(table, key) for key in hidden}
    return bridges(edges)


# --- protecting a table -------------------------------------------------------------------


def protect(table: Table, profile: Profile) -> Published:
    keys = _keys(table)
    raw = {key: _raw(table, key) for key in keys}
    primary = {
        key
        for key in keys
        if _level(key, table) not in profile.exempt
        and raw[key] < profile.threshold
        and (raw[key] > 0 or profile.suppress_zero)
    }
    hidden = set(primary)
    withheld = False
    notes: list[str] = []
    if profile.secondary and hidden:
        try:
            hidden = _secondary(table, profile, raw, hidden)
        except Unprotectable:
            withheld = True
            hidden = set(keys)
            notes.append(
                "This table is not published: the figures that are always shown would let a "
                "hidden number be worked out."
            )

    def figure(key: Key) -> Figure:
        if key in hidden:
            return Figure(None, profile.symbol, primary=key in primary)
        return Figure(_round(raw[key], profile.rounding))

    cells = tuple(
        tuple(figure(("cell", r, c)) for c in range(len(table.columns)))
        for r in range(len(table.rows))
    )
    return Published(
        rows=tuple(table.rows),
        columns=tuple(table.columns),
        cells=cells,
        row_totals=tuple(figure(("row", r)) for r in range(len(table.rows)))
        if table.row_totals
        else None,
        column_totals=tuple(figure(("column", c)) for c in range(len(table.columns)))
        if table.column_totals
        else None,
        total=figure(("total",)) if table.grand_total else None,
        profile=profile,
        withheld=withheld,
        notes=tuple(notes),
    )


def _secondary(table: Table, profile: Profile, raw: dict[Key, int], hidden: set[Key]) -> set[Key]:
    """Hide published figures until no hidden one is a bridge: for each bridge, the cheapest
    path of published, non-exempt figures between its two equations (so that it closes a
    cycle of hidden figures), found by Dijkstra."""
    hidden = set(hidden)
    ends = {key: _ends(table, key) for key in raw}
    candidates = {key for key in raw if _level(key, table) not in profile.exempt}
    while True:
        exposed = recoverable(table, hidden)
        if not exposed:
            return hidden
        # The largest first: protecting it tends to protect smaller ones on the way.
        key = max(exposed, key=lambda k: (raw[k], str(k)))
        path = _cheapest_path(key, ends, hidden, candidates, raw)
        if path is None:
            raise Unprotectable(key)
        hidden |= path


def _cost(value: int) -> int:
    # A hidden zero protects little (counts cannot go below it): use one only if nothing else.
    return value if value > 0 else 1_000_000


def _cheapest_path(
    target: Key,
    ends: Mapping[Key, tuple[str, str]],
    hidden: set[Key],
    candidates: set[Key],
    raw: Mapping[Key, int],
) -> set[Key] | None:
    start, goal = ends[target]
    if start == goal:
        return set()
    adjacency: dict[str, list[tuple[str, Key, int]]] = {}
    for key, (a, b) in ends.items():
        if key == target:
            continue
        if key in hidden:
            weight = 0
        elif key in candidates:
            weight = _cost(raw[key])
        else:
            continue
        adjacency.setdefault(a, []).append((b, key, weight))
        adjacency.setdefault(b, []).append((a, key, weight))
    best: dict[str, int] = {start: 0}
    back: dict[str, tuple[str, Key]] = {}
    queue: list[tuple[int, str]] = [(0, start)]
    while queue:
        cost, vertex = heapq.heappop(queue)
        if vertex == goal:
            break
        if cost > best.get(vertex, cost):
            continue
        for other, key, weight in adjacency.get(vertex, ()):
            new = cost + weight
            if new < best.get(other, new + 1):
                best[other] = new
                back[other] = (vertex, key)
                heapq.heappush(queue, (new, other))
    if goal not in best:
        return None
    path: set[Key] = set()
    vertex = goal
    while vertex != start:
        vertex, key = back[vertex]
        if key not in hidden:
            path.add(key)
    return path


def _round(value: int, base: int) -> int:
    if base <= 1:
        return value
    return int((Decimal(value) / base).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * base


def percentage(part: Figure, whole: Figure, places: int = 1) -> str:
    """A percentage from two published figures: the symbol where either is hidden."""
    if part.value is None:
        return part.symbol
    if whole.value is None:
        return whole.symbol
    if whole.value == 0:
        return "\u2013"
    share = Fraction(100 * part.value, whole.value)
    exact = Decimal(share.numerator) / Decimal(share.denominator)
    return f"{exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"
