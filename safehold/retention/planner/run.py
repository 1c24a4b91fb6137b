"""The whole plan: every case file, then every person, chunk by chunk (or range by range in
worker processes), then the units whose day has come; and `recompute` for a few ids."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from safehold.records.models import (
    Case,
    Person,
    VictimLink,
)
from safehold.retention.lookups import among
from safehold.retention.models import (
    RetentionUnit,
    UnitKind,
    UnitStatus,
)
from safehold.retention.planner.case_files import (
    propose_case_files,
    read_case_files,
    reckon_case_files,
)
from safehold.retention.planner.holds import Holds
from safehold.retention.planner.packs import Packs
from safehold.retention.planner.people import propose_people, read_people, reckon_people
from safehold.retention.planner.proposals import (
    Proposal,
)
from safehold.retention.planner.rows import (
    Scope,
    chunks,
)
from safehold.retention.planner.writing import indexes_built_after, write
from safehold.retention.rules import (
    Basis,
)


@dataclass
class PlanReport:
    case_files: int = 0
    people: int = 0
    written: int = 0
    skipped: int = 0
    seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)


Progress = Callable[[str, int, int], None]
# Rows per chunk of a whole plan: each chunk costs a dozen queries and their Python besides
# its rows, so 20,000 took a tenth of the ids in 4.4 s of CPU where 5,000 took 5.0 s.
# (`CHUNK` stays the size of a write hook's and a sweep's batches.)
PLAN_CHUNK = 20_000
TABLES = (("case files", Case), ("people", Person))


def plan(
    *,
    chunk: int = PLAN_CHUNK,
    progress: Progress | None = None,
    today: date | None = None,
    workers: int = 1,
) -> PlanReport:
    """Compute every unit: case files by case id range, then people by person id range; each
    chunk in its own short transaction, so a plan of a million units holds no lock for long.

    With `workers` > 1 (PostgreSQL only) the id ranges are shared among that many processes,
    each with its own connection; progress is then reported as each range finishes."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    report = PlanReport()
    with indexes_built_after():
        if workers > 1 and connection.vendor == "postgresql":
            _plan_in_parallel(report, chunk, progress, today, workers)
        else:
            packs, holds = Packs(), Holds.load()
            for what, model in TABLES:
                total = model._default_manager.count()
                if progress:
                    progress(what, 0, total)

                def tick(done: int, what: str = what, total: int = total) -> None:
                    if progress:
                        progress(what, done, total)

                _plan_range(report, what, model, Q(), chunk, packs, holds, today, tick)
    report.written += fall_due(today)
    report.by_status = dict(
        RetentionUnit.objects.values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    report.seconds = time.perf_counter() - started
    return report


def _plan_range(
    report: PlanReport,
    what: str,
    model: type[models.Model],
    where: Q,
    chunk: int,
    packs: Packs,
    holds: Holds,
    today: date,
    tick: Callable[[int], None] | None = None,
) -> None:
    propose = propose_case_files if model is Case else propose_people
    done = 0
    with _fewer_collections(), _Writer(report) as writer:
        if writer.pool is not None:
            # On its own connections: the next chunk is read while this one is reckoned.
            for ids, proposals in _read_ahead(model, where, chunk, packs, holds, today):
                writer.write(proposals)
                done += _counted(report, model, ids, tick, done)
            return
        for scope, ids in chunks(model, where, chunk):
            now = timezone.now()
            with transaction.atomic():
                proposals = propose(scope, packs, holds, today, now)
                writer.write(proposals)  # in the same transaction, as always
            done += _counted(report, model, ids, tick, done)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cyclic garbage collector, run less often while a range is planned: a plan
    allocates millions of rows, facts and proposals that live for a chunk, and the collector
    ran every 700 allocations over them all (with it as it is, a tenth of the ids took 4.4-4.7 s
    of CPU; with its first threshold at 200,000, 3.4 s; not at all, 3.3 s). Cycles are still
    collected; the thresholds are put back after."""
    before = gc.get_threshold()
    gc.set_threshold(200_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _counted(
    report: PlanReport,
    model: type[models.Model],
    ids: list[int],
    tick: Callable[[int], None] | None,
    done: int,
) -> int:
    if model is Case:
        report.case_files += len(ids)
    else:
        report.people += len(ids)
    if tick:
        tick(done + len(ids))
    return len(ids)


def _read_ahead(
    model: type[models.Model],
    where: Q,
    chunk: int,
    packs: Packs,
    holds: Holds,
    today: date,
) -> Iterator[tuple[list[int], list[Proposal]]]:
    """Each chunk's ids and proposals, its facts read by a thread of its own (with its own
    connection) while the chunk before is reckoned here: the database answers the reads of
    one chunk while Python works on the last, where the two took turns. Each chunk's reads
    run in a transaction of their own, as before; one chunk is read ahead, in order."""
    kind = UnitKind.CASE_FILE if model is Case else UnitKind.PERSON
    # Here: the packs are loaded by this thread only.
    needs = packs.needs(kind)
    recorded = packs.recorded(needs)
    walk = chunks(model, where, chunk)

    def read_next() -> tuple[list[int], Any] | None:
        for scope, ids in walk:
            with transaction.atomic():
                if model is Case:
                    return ids, read_case_files(scope, needs, recorded)
                return ids, read_people(scope, needs, recorded["person"])
        return None

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retention-read")
    try:
        pending = pool.submit(read_next)
        while (got := pending.result()) is not None:
            pending = pool.submit(read_next)
            ids, found = got
            now = timezone.now()
            if found is None:
                proposals: list[Proposal] = []
            elif model is Case:
                proposals = reckon_case_files(found, packs, holds, today, now)
            else:
                proposals = reckon_people(found, packs, holds, today, now)
            yield ids, proposals
    finally:
        pool.submit(_close_connection).result()
        pool.shutdown(wait=True)


class _Writer:
    """Writes each chunk's proposals in its own transaction. On PostgreSQL, outside any
    transaction of the caller's, it does so in a thread of its own (with its own connection)
    while the next chunk is read and reckoned: the database stores one chunk while Python
    computes the next, where they took turns. One chunk at a time is in flight, in order; the
    last is written before `_plan_range` returns (so people are planned after every case file
    they may read is written). Inside a transaction (a test's, a caller's) it writes at once,
    in that transaction, as before."""

    def __init__(self, report: PlanReport) -> None:
        self.report = report
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future[tuple[int, int]] | None = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retention-plan")

    def __enter__(self) -> _Writer:
        return self

    def write(self, proposals: list[Proposal]) -> None:
        if self.pool is None:
            self._count(write(proposals))
            return
        self._wait()
        self.pending = self.pool.submit(_write_in_thread, proposals)

    def _wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self._count(pending.result())

    def _count(self, result: tuple[int, int]) -> None:
        self.report.written += result[0]
        self.report.skipped += result[1]

    def __exit__(self, *exc: object) -> None:
        if self.pool is None:
            return
        try:
            if exc[0] is None:
                self._wait()
            self.pool.submit(_close_connection).result()
        finally:
            self.pool.shutdown(wait=True)


def _close_connection() -> None:
    connection.close()  # looked up in the thread: its own


def _write_in_thread(proposals: list[Proposal]) -> tuple[int, int]:
    with transaction.atomic():
        return write(proposals)


def _ranges(model: type[models.Model], parts: int) -> list[Q]:
    """Contiguous id ranges with about the same number of rows each."""
    total = model._default_manager.count()
    ordered = model._default_manager.order_by("pk").values_list("pk", flat=True)
    bounds = sorted({ordered[total * i // parts] for i in range(1, parts) if total * i // parts})
    lows, highs = [0, *bounds], [*bounds, None]
    return (
        [
            Q(pk__gt=low) & (Q(pk__lte=high) if high is not None else Q())
            for low, high in zip(lows, highs, strict=True)
        ]
        if total
        else []
    )


def _plan_task(what: str, where: Q, chunk: int, today: date) -> PlanReport:
    """One range, in a worker process: its own connection, packs and holds."""
    report = PlanReport()
    model = Case if what == "case files" else Person
    _plan_range(report, what, model, where, chunk, Packs(), Holds.load(), today)
    connection.close()
    return report


def _plan_in_parallel(
    report: PlanReport, chunk: int, progress: Progress | None, today: date, workers: int
) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from django.db import connections

    tasks = [
        (what, where, model._default_manager.filter(where).count())
        for what, model in TABLES
        for where in _ranges(model, workers * 4)
    ]
    totals = {what: sum(n for w, _, n in tasks if w == what) for what, _ in TABLES}
    done = dict.fromkeys(totals, 0)
    if progress:
        for what, total in totals.items():
            progress(what, 0, total)
    connections.close_all()  # each worker opens its own
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            pool.submit(_plan_task, what, where, chunk, today): (what, n)
            for what, where, n in tasks
        }
        for future in as_completed(futures):
            part = future.result()
            what, n = futures[future]
            for name in ("case_files", "people", "written", "skipped"):
                setattr(report, name, getattr(report, name) + getattr(part, name))
            done[what] += n
            if progress:
                progress(what, done[what], totals[what])


def fall_due(today: date) -> int:
    """Units whose date has come since they were computed (nothing else about them changed,
    so the plan skipped them): due now, unless held or kept longer. One UPDATE."""
    return (
        RetentionUnit.objects.filter(
            status=UnitStatus.ACTIVE, basis=Basis.DATED, keep_until__lte=today, held_by=""
        )
        .filter(Q(retain_until__isnull=True) | Q(retain_until__lte=today))
        .update(status=UnitStatus.DUE, revision=F("revision") + 1)
    )


def recompute(case_ids: Iterable[int] = (), person_ids: Iterable[int] = ()) -> int:
    """Recompute the units of these cases and people now (the write hooks); units written."""
    cases = tuple(sorted(set(case_ids)))
    people = set(person_ids)
    if cases:
        people.update(Case.objects.filter(among("id", cases)).values_list("person_id", flat=True))
        people.update(
            VictimLink.objects.filter(among("offence__case_id", cases)).values_list(
                "victim_id", flat=True
            )
        )
    today, now = timezone.localdate(), timezone.now()
    packs = Packs()
    holds = Holds.load(people=people, cases=cases)
    proposals: list[Proposal] = []
    if cases:
        proposals += propose_case_files(Scope(ids=cases), packs, holds, today, now, every=True)
    if people:
        scope = Scope(ids=tuple(sorted(people)))
        proposals += propose_people(scope, packs, holds, today, now, every=True)
    return write(proposals)[0]
