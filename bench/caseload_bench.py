"""Benchmark a caseload through the gate against the same read without it.

    .venv/bin/python bench/demo_bench.py --keep && .venv/bin/python bench/caseload_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/demo .venv/bin/python bench/caseload_bench.py

It runs on the database bench/demo_bench.py keeps (`--keep`): the SQLite file under /tmp, or
`bench_demo` beside DATABASE_URL's PostgreSQL database; if that holds nobody it builds one with
`safehold demo --people 100000` first (about a million case records). It picks case managers
with exactly 50 open allocated cases and times, turn about, over `--runs` runs:

- gate: `Gate(user).caseload(limit=50)`: the role's cases filtered in SQL, every field redacted
  by category, and 50 audit events appended to the hash chain;
- no-audit: the gate as above with its audit append switched off, to show what the audit
  costs of the whole (not a path the product has);
- plain: the same selection with the ORM alone (the same filter, `select_related("person")`,
  the same order and limit) with the same fields materialised to dicts, and no audit.

It prints p50 and p95 of each, their ratio, the queries each makes, and the query plan of the
gate's caseload query. Targets: gate p95 <= 30 ms; gate p95 / plain p95 <= 1.5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import demo_bench  # noqa: E402

TARGET_P95_MS = 30.0
TARGET_RATIO = 1.5


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--workers", type=int, default=20, help="case managers to cycle through")
    parser.add_argument("--people", type=int, default=100_000, help="if the database is built")
    parser.add_argument("--sqlite-path", type=Path, default=demo_bench.SQLITE_PATH)
    args = parser.parse_args()

    url = demo_bench.bench_url(args.sqlite_path)
    if not populated(url):
        print(f"building {url} with {args.people:,} people")
        demo_bench.fresh(url)
        demo_bench.generate(url, args.people, [])
    os.environ.update(demo_bench.environment(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "safehold.settings"
    import django

    django.setup()
    run(args)


def populated(url: str) -> bool:
    import sqlite3

    try:
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            if not Path(path).exists():
                return False
            with sqlite3.connect(path) as conn:
                return bool(conn.execute("SELECT count(*) FROM records_person").fetchone()[0])
        import psycopg

        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM records_person").fetchone()
            return bool(row and row[0])
    except (sqlite3.Error, ImportError, OSError) as exc:
        print(f"no usable benchmark database ({exc})")
        return False
    except Exception as exc:  # psycopg's errors: no such database or table
        print(f"no usable benchmark database ({type(exc).__name__})")
        return False


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from safehold import requestmemo
    from safehold.access.backends import StaffBackend
    from safehold.access.gate import Gate
    from safehold.access.gate.reading import CASE_ROW
    from safehold.access.models import User
    from safehold.records.fields import RECORD_FIELDS
    from safehold.records.models import Case, Person

    people = Person.objects.count()
    cases = Case.objects.count()
    print(f"database: {connection.vendor}, {people:,} people, {cases:,} cases")

    visible = Case.objects.filter(
        closed_on__isnull=True,
        allocated_to__isnull=False,
        restricted=False,
        person__restricted=False,
    )
    full = list(
        visible.values("allocated_to")
        .annotate(n=Count("pk"))
        .filter(n=50)
        .order_by("allocated_to")
        .values_list("allocated_to", flat=True)[: args.workers]
    )
    if not full:
        raise SystemExit("no case manager has exactly 50 open cases: generate more people")
    print(f"case managers with 50 open allocated cases: using {len(full)}")
    case_fields = RECORD_FIELDS["case"]
    person_fields = RECORD_FIELDS["person"]

    backend = StaffBackend()

    # As a request does: the member of staff loaded by the sign-in backend (with the pack
    # version and whether break-glass is in force, safehold/access/backends.py) and values
    # remembered for the request (safehold/requestmemo.py); the plain read loads its user as
    # Django's ModelBackend does. Both loads are timed.
    def gate(pk: int) -> int:
        with requestmemo.scope():
            user = backend.get_user(pk)
            assert user is not None
            return len(Gate(user).caseload(limit=50))

    def plain(pk: int) -> int:
        user = User.objects.get(pk=pk)
        rows = list(
            Case.objects.filter(
                allocated_to=user,
                closed_on__isnull=True,
                restricted=False,
                person__restricted=False,
            )
            .select_related("person")
            .order_by("person__family_name", "pk")[:50]
        )
        shown = [
            (
                {name: getattr(case, name) for name in case_fields},
                {name: getattr(case.person, name) for name in person_fields},
            )
            for case in rows
        ]
        return len(shown)

    def unaudited(pk: int) -> int:
        # The gate's filter and redaction alone, with its audit append switched off: not a
        # path the product has, only a way to see what the audit costs of the whole.
        with requestmemo.scope():
            user = backend.get_user(pk)
            assert user is not None
            gate = Gate(user)
            gate._case_list_entries = lambda *args, **kwargs: []  # type: ignore[method-assign]
            return len(gate.caseload(limit=50))

    # Each run gets the user as a request would: loaded afresh, nothing cached on it.
    def user(i: int) -> int:
        return full[i % len(full)]

    for i in range(args.warmup):
        assert gate(user(i)) == 50 and plain(user(i)) == 50

    member = user(0)
    with CaptureQueriesContext(connection) as gate_queries:
        gate(member)
    with CaptureQueriesContext(connection) as plain_queries:
        plain(member)

    with CaptureQueriesContext(connection) as unaudited_queries:
        unaudited(member)
    queries_of = {"gate": gate_queries, "plain": plain_queries, "no-audit": unaudited_queries}

    timings: dict[str, list[float]] = {"gate": [], "plain": [], "no-audit": []}
    # This process's CPU time too: unlike wall time it does not count waiting for a busy
    # machine (on SQLite it includes the database's work, on PostgreSQL not the server's).
    cpu: dict[str, list[float]] = {"gate": [], "plain": [], "no-audit": []}
    for i in range(args.runs):
        for name, call in (("gate", gate), ("plain", plain), ("no-audit", unaudited)):
            member = user(i)
            started, started_cpu = time.perf_counter(), time.process_time()
            call(member)
            timings[name].append((time.perf_counter() - started) * 1000)
            cpu[name].append((time.process_time() - started_cpu) * 1000)

    figures = {
        name: (statistics.median(values), percentile(values, 95))
        for name, values in timings.items()
    }
    for name, (p50, p95) in figures.items():
        queries = len(queries_of[name])
        print(
            f"{name:>8}: p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  (cpu p50 "
            f"{statistics.median(cpu[name]):5.2f} ms; {queries} queries, {args.runs} runs)"
        )
    ratio50 = figures["gate"][0] / figures["plain"][0]
    ratio95 = figures["gate"][1] / figures["plain"][1]
    p95 = figures["gate"][1]
    print(
        f"ratio no-audit/plain (the filter and redaction alone): p50 "
        f"{figures['no-audit'][0] / figures['plain'][0]:.2f}x  "
        f"p95 {figures['no-audit'][1] / figures['plain'][1]:.2f}x"
    )
    print(
        f"ratio gate/plain: p50 {ratio50:.2f}x  p95 {ratio95:.2f}x  "
        f"(targets: gate p95 <= {TARGET_P95_MS:.0f} ms {'met' if p95 <= TARGET_P95_MS else 'MISSED'}, "
        f"ratio <= {TARGET_RATIO}x {'met' if ratio95 <= TARGET_RATIO else 'MISSED'})"
    )

    member_user = User.objects.get(pk=user(0))
    # The query `Gate.caseload` runs: its rows as plain values (reading.CASE_ROW).
    qs = (
        Gate(member_user)
        .cases(allocated_only=True)
        .filter(closed_on__isnull=True)
        .order_by("person__family_name", "pk")
        .values_list(*CASE_ROW)[:50]
    )
    options = {"analyze": True} if connection.vendor == "postgresql" else {}
    print("plan of the gate's caseload query:")
    print(qs.explain(**options))
    print("gate's queries:")
    for query in gate_queries.captured_queries:
        print(f"  {query['time']}s  {query['sql'][:160]}")


if __name__ == "__main__":
    main()
