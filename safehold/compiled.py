"""Querysets compiled once per shape and run again with other ids and dates (docs/adr/0043).

Building a Django queryset and compiling it to SQL cost a page more CPU than the database
takes to run it: a third of the young person's page. The SQL of a list the gate reads changes
only with its shape (the pack and role, which filters apply, how many teams, how long a
page); the ids and dates in it change with every request. A call site names the shape in a
key and passes the ids and dates apart; `build(ids, dates)` makes the queryset. It is called
once per process, database and shape with stand-ins (ids and dates no row has), compiled, and
each stand-in found among the parameters. Later runs put the real ids and dates in the
stand-ins' places and run the same SQL through Django's own model iterable, so related
objects, annotations and converters come back as `list(queryset)` gives them.

The key must hold everything else that changes the SQL. With settings.VERIFY_COMPILED (the
test suite), every run also builds and compiles the queryset with the real values and fails
if its SQL or parameters differ from the stand-ins' with the values put in: a value that was
not passed apart, or a key that misses part of the shape, cannot pass unnoticed.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=models.Model)

# Stand-ins: ids count down from far below any id, dates up from a day no list asks about.
FIRST_ID = -7_340_000_000_000_000
FIRST_DAY = date(1801, 1, 1)

Build = Callable[[Sequence[int], Sequence[date]], "models.QuerySet[Any]"]


class NotAsBuilt(AssertionError):
    """A compiled shape ran with SQL or parameters other than its queryset's own."""


@dataclass(frozen=True)
class _Shape:
    model: type[models.Model]
    compiler: SQLCompiler | None  # None: the shape matches no row (Django's EmptyResultSet)
    sql: str
    params: tuple[Any, ...]
    ids_at: tuple[tuple[int, int], ...]  # (parameter, which id)
    dates_at: tuple[tuple[int, int, bool], ...]  # (parameter, which date, sent as text)

    def values(self, ids: Sequence[int], dates: Sequence[date]) -> list[Any]:
        params = list(self.params)
        for at, which in self.ids_at:
            kind = type(params[at])
            params[at] = ids[which] if kind is int else kind(ids[which])
        for at, which, text in self.dates_at:
            params[at] = dates[which].isoformat() if text else dates[which]
        return params


# Bounded: a list paged by any offset (the API's) is a shape per offset; when full, the
# shapes are dropped and compiled again as they are asked for.
MAX_SHAPES = 2048
_shapes: dict[Hashable, _Shape] = {}
_verified: set[Hashable] = set()
_lock = threading.Lock()
logger = logging.getLogger(__name__)


def stand_in_ids(count: int) -> list[int]:
    return [FIRST_ID - n for n in range(count)]


def stand_in_dates(count: int) -> list[date]:
    return [FIRST_DAY + timedelta(days=n) for n in range(count)]


def rows(
    model: type[M],
    key: Hashable,
    build: Build,
    *,
    ids: Sequence[int] = (),
    dates: Sequence[date] = (),
) -> list[M]:
    """`list(build(ids, dates))`, the queryset built and compiled once per shape (`key`, with
    how many ids and dates) in this process and database."""
    alias = router.db_for_read(model)
    full = (alias, connections[alias].vendor, key, len(ids), len(dates))
    shape = _shapes.get(full)
    if shape is None:
        try:
            shape = _compile(model, alias, build, len(ids), len(dates))
        except NotAsBuilt:
            if getattr(settings, "VERIFY_COMPILED", False):
                raise
            # As a shape that fails its first run: logged, and the list built each time.
            logger.exception("a shape cannot be compiled; built each time instead: %s", key)
            shape = _compile_never(model)
        with _lock:
            if len(_shapes) >= MAX_SHAPES:
                _shapes.clear()
                _verified.clear()
            _shapes[full] = shape
    params = shape.values(ids, dates)
    if getattr(settings, "VERIFY_COMPILED", False):
        _verify(shape, alias, build, ids, dates, params)
    elif full not in _verified:
        # The first run of each shape in a process is checked too: a value worked out from a
        # stand-in (not passed apart) differs from the one worked out from the real value.
        # A shape that fails is logged and never used: the list is built each time instead.
        try:
            _verify(shape, alias, build, ids, dates, params)
        except NotAsBuilt:
            logger.exception("a compiled shape is not as built; built each time instead: %s", key)
            shape = _shapes[full] = _compile_never(model)
        _verified.add(full)
    if shape.compiler is None:
        return [] if shape.sql == "" else list(build(ids, dates))
    return list(_queryset(shape, alias, params))


# The SQL of a shape that is never run compiled (`build` each time): not "", which is a
# shape that matches no row.
_NEVER = "-- built each time"


def _compile_never(model: type[models.Model]) -> _Shape:
    return _Shape(model, None, _NEVER, (), (), ())


def _compile(
    model: type[models.Model], alias: str, build: Build, n_ids: int, n_dates: int
) -> _Shape:
    ids, dates = stand_in_ids(n_ids), stand_in_dates(n_dates)
    queryset = build(ids, dates)
    if queryset.model is not model:
        raise TypeError(f"built a queryset of {queryset.model}, not {model}")
    compiler = queryset.query.get_compiler(alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return _Shape(model, None, "", (), (), ())
    by_id = {stand: n for n, stand in enumerate(ids)}
    by_date = {stand: n for n, stand in enumerate(dates)}
    by_text = {stand.isoformat(): n for n, stand in enumerate(dates)}
    ids_at, dates_at = [], []
    for at, value in enumerate(params):
        if isinstance(value, int) and not isinstance(value, bool) and int(value) in by_id:
            ids_at.append((at, by_id[int(value)]))
        elif isinstance(value, date) and value in by_date:
            dates_at.append((at, by_date[value], False))
        elif isinstance(value, str) and value in by_text:
            dates_at.append((at, by_text[value], True))
    if any(str(stand) in sql for stand in ids):
        raise NotAsBuilt(f"a stand-in id was written into the SQL, not sent apart: {sql}")
    return _Shape(model, compiler, sql, tuple(params), tuple(ids_at), tuple(dates_at))


def _queryset(shape: _Shape, alias: str, params: list[Any]) -> models.QuerySet[Any]:
    """A queryset whose compiler gives the shape's SQL with these parameters; everything
    else (the columns, related objects, annotations, converters) is the compiled shape's."""
    assert shape.compiler is not None
    compiler = copy.copy(shape.compiler)
    compiler.connection = connections[alias]  # this thread's, not the compiling thread's
    compiler.as_sql = lambda *args, **kwargs: (shape.sql, params)  # type: ignore[method-assign,assignment]
    query = copy.copy(shape.compiler.query)
    query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
    return models.QuerySet(model=shape.model, query=query, using=alias)


def _verify(
    shape: _Shape,
    alias: str,
    build: Build,
    ids: Sequence[int],
    dates: Sequence[date],
    params: list[Any],
) -> None:
    try:
        sql, real = build(ids, dates).query.get_compiler(alias).as_sql()
    except EmptyResultSet:
        sql, real = "", ()
    if (sql, list(real)) != (shape.sql, params):
        raise NotAsBuilt(f"compiled once: {shape.sql} {params}\nbuilt now: {sql} {list(real)}")
