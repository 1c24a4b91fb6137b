"""Benchmark retention on PostgreSQL: plan a million case files; sweep ten thousand.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retention \\
        .venv/bin/python bench/retention_bench.py --cases 1000000 --sweep 10000

It builds the database `bench_retention` on the server DATABASE_URL names (dropped and created,
unless --reuse finds it already built), migrates it, loads the Cambridgeshire pack and writes
the rows with `INSERT ... SELECT generate_series`: CASES case files, each with two contacts, an
assessment, a plan and its action, an offence (30% with a victim), an outcome and a report;
0.6 people per case (so many have two), 10% of them looked after and 5% with a child
protection plan (the rest recorded as neither), 20% with a parent. Then it prints:

- `safehold retention plan` over everything, first run (every unit new) and second (nothing
  changed). Target: <= 60 s for 1M case files.
- a sweep of SWEEP approved, due case files with all their records; and, in the same run, a
  plain SQL DELETE of the same rows (in a transaction rolled back: no commit, so none of the
  foreign-key checks and the flush a commit costs) and of as many other due case files
  (committed), after a read that warms them all, and the ratios. Targets: sweep <= 30 s for
  10k; <= 3x the plain DELETE.
- a sweep of --strict units with one unit per transaction (`--batch 1`), for comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# BENCH_DATABASE: another name, so that two checkouts can run it on one server side by side.
DATABASE = os.environ.get("BENCH_DATABASE", "bench_retention")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--sweep", type=int, default=10_000, help="case files to sweep")
    parser.add_argument("--batch", type=int, default=1000, help="units per sweep transaction")
    parser.add_argument("--strict", type=int, default=1_000, help="units swept one per transaction")
    parser.add_argument("--reuse", action="store_true", help="keep an already built database")
    parser.add_argument(
        "--replan",
        action="store_true",
        help="with --reuse: forget every retention unit first, so the plan starts from nothing",
    )
    parser.add_argument("--no-sweep", action="store_true", help="time the plan only")
    parser.add_argument("--no-plan", action="store_true", help="with --reuse: time the sweep only")
    parser.add_argument("--workers", type=int, default=2, help="plan processes")
    parser.add_argument(
        "--baseline",
        default="main",
        help="git revision whose planner is timed in the same run, turn about ('' for none)",
    )
    parser.add_argument(
        "--plan-part",
        type=float,
        default=1.0,
        help="with --baseline: plan only this share of the case files and people (by id), so "
        "that four plans fit in a run on a busy machine",
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("retention_bench.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    server = url.rsplit("/", 1)[0]
    fresh = prepare_database(server, reuse=args.reuse)
    os.environ["DATABASE_URL"] = f"{server}/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehold.settings_test")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    print(f"database: {DATABASE} on {server.split('@')[-1]}")
    call_command("migrate", verbosity=0)
    world = load_world()
    if fresh:
        generate(world, args.cases)
    elif args.replan:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE retention_disposal, retention_unit")
    if args.no_plan and not fresh:
        pass
    elif args.baseline:
        bench_plan_against(args.baseline, workers=args.workers, part=args.plan_part)
    else:
        bench_plan(runs=2 if fresh or args.replan else 1, workers=args.workers)
    if not args.no_sweep:
        bench_sweep(world, args.sweep, args.batch, args.strict)


def prepare_database(server: str, *, reuse: bool) -> bool:
    """Create the benchmark database; True when it is new (and needs its rows)."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone()
        if exists and reuse:
            with psycopg.connect(f"{server}/{DATABASE}") as bench:
                built = bench.execute("SELECT to_regclass('records_case') IS NOT NULL").fetchone()
                if built and built[0]:
                    n = bench.execute("SELECT count(*) FROM records_case").fetchone()
                    if n and n[0]:
                        return False
        if exists:
            conn.execute(f"DROP DATABASE {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return True


def load_world() -> dict[str, Any]:
    from safehold.access.models import Team, User
    from safehold.policy.models import Controller
    from safehold.policy.services import load_pack

    loaded = load_pack(REPO / "packs" / "cambridgeshire-yos.yaml")
    controller = Controller.objects.get(code="cambridgeshire-cc")
    team, _ = Team.objects.get_or_create(
        controller=controller, name="Bench", defaults={"services": []}
    )
    dpo, _ = User.objects.get_or_create(
        username="bench-dpo",
        defaults={"role": "data-protection-officer", "controller": controller},
    )
    return {
        "controller": controller.pk,
        "version": loaded.version.pk,
        "team": team.pk,
        "dpo": dpo,
    }


# --- rows, written by the database itself -------------------------------------------------------


def insert_select(model: Any, given: dict[str, str], rows: str, params: dict[str, Any]) -> None:
    """INSERT INTO the model's table every column: `given` SQL expressions over the row `g`
    of `rows` (a FROM clause), and the empty value for the rest."""
    from django.db import connection, models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in given:
            continue  # the sequence numbers it
        columns.append(field.column)
        if field.column in given:
            values.append(given[field.column])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        elif isinstance(field, models.CharField | models.TextField):
            values.append("''")
        elif isinstance(field, models.DateTimeField):
            values.append("now()")
        elif field.has_default() and isinstance(field.get_default(), int):
            values.append(str(field.get_default()))  # a record's version (docs/adr/0007)
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 - the bench's own SQL
        f"SELECT {', '.join(values)} FROM {rows}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        table = model._meta.db_table
        if isinstance(model._meta.pk, models.AutoField):  # not the audit log's own numbers
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )


def generate(world: dict[str, Any], cases: int) -> None:
    from django.db import connection, transaction

    from safehold.records import models as r

    young = int(cases * 0.6)
    victims, parents = max(young // 30, 1), max(young // 6, 1)
    people = young + victims + parents
    p = {
        "controller": world["controller"],
        "version": world["version"],
        "team": world["team"],
        "cases": cases,
        "young": young,
        "victims": victims,
        "people": people,
        "parents": parents,
    }
    started = time.perf_counter()
    tracked = {"pack_version_id": "%(version)s"}
    series = "generate_series(1, %(n)s::int) AS g"
    steps: list[tuple[str, Any, dict[str, str], str, dict[str, Any]]] = [
        (
            "people",
            r.Person,
            {
                **tracked,
                "id": "g",
                "controller_id": "%(controller)s",
                "given_name": "'Given' || g",
                "family_name": "'Family' || g",
                "date_of_birth": "date '1994-01-01' + (hashint4(g) & 8191) %% 6600",
                "postcode": "'CB1 1AA'",
                "updated_at": "now() - make_interval(days => (hashint4(g + 7) & 4095))",
            },
            series,
            {"n": people},
        ),
        (
            "cases",
            r.Case,
            {
                **tracked,
                "id": "g",
                "person_id": "1 + (g - 1) %% %(young)s",
                "controller_id": "%(controller)s",
                "service": "(ARRAY['court-orders','pre-court','court-bail','prevention',"
                "'court-orders','pre-court','court-orders','pre-court','prevention',"
                "'court-orders','pre-court','court-bail','prevention','court-orders',"
                "'pre-court','court-orders','pre-court','prevention','court-orders',"
                "'victim-support'])[1 + (hashint4(g) & 1023) %% 20]",
                "team_id": "%(team)s",
                "opened_on": "opened",
                "closed_on": "CASE WHEN (hashint4(g + 1) & 1023) < 920 "
                "THEN opened + (hashint4(g + 2) & 1023) %% 700 END",
            },
            "(SELECT g, date '2010-01-01' + (hashint4(g + 3) & 8191) %% 5200 AS opened "
            "FROM generate_series(1, %(cases)s::int) AS g) AS c",
            {},
        ),
        (
            "contacts",
            r.Contact,
            {
                **tracked,
                "case_id": "1 + (g - 1) %% %(cases)s",
                "kind": "'office'",
                "occurred_at": "timestamptz '2015-01-01' + make_interval(days => g %% 3000)",
                "notes": "'Seen at the office'",
            },
            "generate_series(1, 2 * %(cases)s::int) AS g",
            {},
        ),
        (
            "assessments",
            r.Assessment,
            {**tracked, "case_id": "g", "kind": "'assetplus'", "summary": "'Low risk'"},
            "generate_series(1, %(cases)s::int) AS g",
            {},
        ),
        (
            "plans",
            r.Plan,
            {
                **tracked,
                "id": "g",
                "case_id": "g",
                "kind": "'intervention'",
                "starts_on": "date '2015-01-01'",
            },
            "generate_series(1, %(cases)s::int) AS g",
            {},
        ),
        (
            "plan actions",
            r.PlanAction,
            {"plan_id": "g", "description": "'Attend sessions'"},
            "generate_series(1, %(cases)s::int) AS g",
            {},
        ),
        (
            "offences",
            r.Offence,
            {**tracked, "id": "g", "case_id": "g", "description": "'Theft from a shop'"},
            "generate_series(1, %(cases)s::int) AS g",
            {},
        ),
        (
            "victim links",
            r.VictimLink,
            {
                "offence_id": "g",
                "victim_id": "%(young)s + 1 + g %% %(victims)s",
                "contact_consent": "'unknown'",
            },
            "generate_series(1, %(cases)s::int) AS g WHERE (hashint4(g + 5) & 1023) < 307",
            {},
        ),
        (
            "outcomes",
            r.Outcome,
            {
                **tracked,
                "case_id": "g",
                "kind": "'referral-order'",
                "starts_on": "date '2015-01-01'",
                "ends_on": "date '2016-01-01'",
            },
            "generate_series(1, %(cases)s::int) AS g",
            {},
        ),
        (
            "reports",
            r.Report,
            {**tracked, "case_id": "g", "kind": "'psr'", "body": "'Report'"},
            "generate_series(1, %(cases)s::int) AS g",
            {},
        ),
        (
            "flags",
            r.PersonFlag,
            {
                "person_id": "g",
                "flag": "CASE WHEN (hashint4(g + 11) & 1023) < 102 THEN 'looked-after' "
                "ELSE 'child-protection-plan' END",
                "holds": "true",
            },
            "generate_series(1, %(young)s::int) AS g WHERE (hashint4(g + 11) & 1023) < 154",
            {},
        ),
        (
            # Everyone else is recorded as neither (docs/adr/0016): a flag nobody recorded is
            # unknown, and Cambridgeshire reviews those rather than destroy at 25.
            "flags recorded as not holding",
            r.PersonFlag,
            {"person_id": "g", "flag": "f.code", "holds": "false"},
            "generate_series(1, %(young)s::int) AS g CROSS JOIN (VALUES ('looked-after'), "
            "('child-protection-plan')) AS f(code) WHERE (hashint4(g + 11) & 1023) >= 154",
            {},
        ),
        (
            "relationships",
            r.Relationship,
            {
                "person_id": "g",
                "other_id": "%(young)s + %(victims)s + 1 + g %% %(parents)s",
                "kind": "'parent'",
            },
            "generate_series(1, %(young)s::int) AS g WHERE (hashint4(g + 13) & 1023) < 205",
            {},
        ),
    ]
    for name, model, given, rows, extra in steps:
        t = time.perf_counter()
        with transaction.atomic():
            insert_select(model, given, rows, {**p, **extra})
        print(f"  wrote {name} in {time.perf_counter() - t:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = {m.__name__: m.objects.count() for m in (r.Person, r.Case, r.Contact)}
    print(f"generated {counts} and their records in {time.perf_counter() - started:.1f} s")


# --- the benchmarks -----------------------------------------------------------------------------


def bench_plan(*, runs: int, workers: int) -> None:
    from safehold.retention import planner

    last = [0.0]

    def progress(what: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if done in (0, total) or now - last[0] > 10:
            last[0] = now
            print(f"    {what}: {done:,}/{total:,}", flush=True)

    for run in range(1, runs + 1):
        server, cpu_started = ServerCpu(DATABASE), _cpu()
        report = planner.plan(progress=progress, workers=workers)
        cpu, server_cpu = _cpu() - cpu_started, server.total()
        units = report.case_files + report.people
        print(
            f"plan run {run} ({workers} workers): {report.case_files:,} case files + {report.people:,} people in "
            f"{report.seconds:.1f} s ({units / report.seconds:,.0f} rows/s), "
            f"{report.written:,} units written; by status {report.by_status}; CPU: {cpu:.1f} s "
            f"in the planner's process(es), {server_cpu:.1f} s in PostgreSQL's backends; load "
            "average " + " ".join(f"{n:.1f}" for n in os.getloadavg()),
            flush=True,
        )


# The planner's modules, each after those it imports; the last holds `plan` and `_plan_range`.
PLANNER_MODULES = [
    "safehold.retention.rules",
    "safehold.retention.planner.packs",
    "safehold.retention.planner.rows",
    "safehold.retention.planner.holds",
    "safehold.retention.planner.proposals",
    "safehold.retention.planner.writing",
    "safehold.retention.planner.case_files",
    "safehold.retention.planner.people",
    "safehold.retention.planner.run",
]


def bench_plan_against(rev: str, *, workers: int, part: float = 1.0) -> None:
    """The plan at `rev` (loaded from git, bench/baseline.py) and this tree's, turn about on
    the same rows: each from nothing (the unit table emptied first), then each again with
    nothing changed. `part` < 1: only that share of the case files and people, by id, in one
    process (workers are ignored), as `plan` would walk them."""
    from django.db import connection
    from django.db.models import Max, Q
    from django.utils import timezone

    from safehold.records.models import Case, Person
    from safehold.retention import planner
    from safehold.retention.planner import run as planner_run

    sys.path.insert(0, str(REPO / "bench"))
    import baseline

    # The planner is a package: its modules at `rev`, each importing the others of `rev`.
    modules = [m for m in PLANNER_MODULES if baseline.source(rev, m) is not None]
    old = baseline.load(rev, *modules)[modules[-1]]
    name = f"baseline {baseline.describe(rev)}"
    limits = {
        model: int((model.objects.aggregate(n=Max("pk"))["n"] or 0) * part)
        for model in (Case, Person)
    }

    def plan_of(module: Any, whole: Any) -> Any:
        server = ServerCpu(DATABASE)
        if part >= 1.0:
            cpu_started = _cpu()
            report = whole.plan(workers=workers)
            report.cpu = _cpu() - cpu_started  # this process's and its workers'
            report.server_cpu = server.total()
            return report
        started, cpu_started = time.perf_counter(), time.process_time()
        report = module.PlanReport()
        packs, holds, today = module.Packs(), module.Holds.load(), timezone.localdate()
        # The chunk `plan` walks by (an older tree's: `CHUNK`).
        chunk = getattr(module, "PLAN_CHUNK", None) or module.CHUNK
        for what, model in (("case files", Case), ("people", Person)):
            module._plan_range(
                report, what, model, Q(pk__lte=limits[model]), chunk, packs, holds, today
            )
        report.written += module.fall_due(today)
        report.seconds = time.perf_counter() - started
        report.cpu = time.process_time() - cpu_started  # this process's: the planner's Python
        report.server_cpu = server.total()
        return report

    seconds: dict[tuple[str, int], float] = {}
    for run, label, module, whole in [
        (1, name, old, old),
        (1, "this tree", planner_run, planner),
        (2, name, old, old),
        (2, "this tree", planner_run, planner),
    ]:
        if run == 1:
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE retention_disposal, retention_unit")
        report = plan_of(module, whole)
        seconds[(label, run)] = report.seconds
        if run == 1:
            compare_units(first=label == name)
        units = report.case_files + report.people
        print(
            f"plan run {run} ({label}, {'1 process' if part < 1 else f'{workers} workers'}): "
            f"{report.case_files:,} case files + {report.people:,} people in "
            f"{report.seconds:.1f} s ({units / report.seconds:,.0f} rows/s), "
            f"{report.written:,} units written"
            + f"; CPU: {report.cpu:.1f} s in the planner's process(es), "
            f"{report.server_cpu:.1f} s in PostgreSQL's backends; load average "
            + " ".join(f"{n:.1f}" for n in os.getloadavg()),
            flush=True,
        )
    scale = (
        f" (x{1 / part:.0f} for all: {seconds[('this tree', 1)] / part:.0f} s)" if part < 1 else ""
    )
    for run, what in ((1, "from nothing"), (2, "nothing changed")):
        print(
            f"plan {what}: this tree {seconds[('this tree', run)]:.1f} s, baseline "
            f"{seconds[(name, run)]:.1f} s "
            f"({seconds[(name, run)] / seconds[('this tree', run)]:.2f}x faster)"
            + (f"{scale}  [target <= 60 s for 1M case files]" if run == 1 else ""),
            flush=True,
        )


def _cpu() -> float:
    """CPU seconds of this process (all its threads) and of its finished worker processes."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class ServerCpu:
    """CPU seconds PostgreSQL's backends spend for one database, read from /proc (the server
    runs on this machine in the bench's setting; 0 where it does not): on a shared machine the
    CPU a plan costs says more than its wall time, which depends on what else is running.
    Polled, since a plan's connections come and go (its writer thread's, its workers')."""

    def __init__(self, database: str) -> None:
        import threading

        self.name = f" {database} ".encode()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.start: dict[str, float] = {}
        self.seen: dict[str, float] = {}
        self._scan(first=True)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _scan(self, *, first: bool = False) -> None:
        for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    command = f.read()
                if not command.startswith(b"postgres: ") or self.name not in command:
                    continue
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            cpu = (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime
            if first:
                self.start[pid] = cpu
            self.seen[pid] = cpu

    def _poll(self) -> None:
        while not self.done.wait(0.2):
            self._scan()

    def total(self) -> float:
        self.done.set()
        self.thread.join()
        self._scan()
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.seen.items())


# What a plan decides about each unit (not when it computed it, nor its revision).
DECIDED = (
    "kind, key, controller_id, case_id, person_id, service, pack_version_id, rule, action, "
    "basis, keep_until, anchors, note, held_by, status, approved_by_id, digest"
)


def compare_units(*, first: bool) -> None:
    """After the baseline's plan from nothing, keep what it decided; after this tree's, count
    the units where the two differ (both ways). The plans must agree exactly."""
    from django.db import connection

    with connection.cursor() as cursor:
        if first:
            cursor.execute("DROP TABLE IF EXISTS bench_baseline_units")
            cursor.execute(
                f"CREATE TABLE bench_baseline_units AS SELECT {DECIDED} FROM retention_unit"  # noqa: S608
            )
            return
        cursor.execute(
            f"SELECT (SELECT count(*) FROM (SELECT {DECIDED} FROM retention_unit EXCEPT "  # noqa: S608
            f"SELECT {DECIDED} FROM bench_baseline_units) AS a), "
            f"(SELECT count(*) FROM (SELECT {DECIDED} FROM bench_baseline_units EXCEPT "
            f"SELECT {DECIDED} FROM retention_unit) AS b), (SELECT count(*) FROM retention_unit)"
        )
        ours, theirs, units = cursor.fetchone()
        cursor.execute("DROP TABLE bench_baseline_units")
    print(
        f"units that differ from the baseline's plan: {ours:,} here, {theirs:,} there "
        f"(of {units:,}){'' if ours == theirs == 0 else '  <-- NOT THE SAME'}",
        flush=True,
    )


PLAIN_DELETE = [
    "DELETE FROM records_planaction WHERE plan_id IN "
    "(SELECT id FROM records_plan WHERE case_id = ANY(%(ids)s))",
    "DELETE FROM records_victimlink WHERE offence_id IN "
    "(SELECT id FROM records_offence WHERE case_id = ANY(%(ids)s))",
    "DELETE FROM records_contact WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM records_assessment WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM records_plan WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM records_offence WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM records_outcome WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM records_report WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM records_case WHERE id = ANY(%(ids)s)",
]


def bench_sweep(world: dict[str, Any], n: int, batch: int, strict: int) -> None:
    """The sweep of n due case files against plain SQL DELETEs: of the same rows (in a
    transaction rolled back, so without the foreign-key checks and the flush a commit costs)
    and of as many other due case files of the same shape (committed)."""
    from django.db import connection, transaction

    from safehold.retention import services
    from safehold.retention.models import RetentionUnit
    from safehold.retention.sweep import sweep

    due = list(
        RetentionUnit.objects.due()
        .filter(kind="case-file", held_by="")
        .exclude(action="review")  # approving those needs a decision: destroy, anonymise...
        .order_by("pk")
        .values_list("pk", "key")[: 2 * n + strict]
    )
    if len(due) < 2 * n + strict:
        print(f"sweep: only {len(due):,} due case files; run plan or build more")
        return
    units, others, strict_units = due[:n], due[n : 2 * n], due[2 * n :]
    same, other = [key for _, key in units], [key for _, key in others]
    # Read what is about to go, so that every delete starts from a warm cache.
    with connection.cursor() as cursor:
        for ids in (same, other):
            for sql in PLAIN_DELETE:
                cursor.execute(sql.replace("DELETE FROM", "SELECT count(*) FROM"), {"ids": ids})

    def plain(ids: list[int], *, commit: bool) -> tuple[float, int]:
        started, deleted = time.perf_counter(), 0
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in PLAIN_DELETE:
                cursor.execute(sql, {"ids": ids})
                deleted += cursor.rowcount
            if not commit:
                seconds = time.perf_counter() - started
                transaction.set_rollback(True)
        if commit:
            seconds = time.perf_counter() - started
            # What the sweep does besides: its units' state, so that the next plan is right.
            RetentionUnit.objects.filter(pk__in=[pk for pk, _ in others]).update(status="disposed")
        return seconds, deleted

    rolled_back, rows = plain(same, commit=False)
    committed, other_rows = plain(other, commit=True)
    print(
        f"plain SQL DELETE of the same {len(same):,} case files ({rows:,} rows), rolled back: "
        f"{rolled_back:.2f} s; of {len(other):,} others ({other_rows:,} rows), committed: "
        f"{committed:.2f} s",
        flush=True,
    )

    services.approve([pk for pk, _ in units], world["dpo"])
    report = sweep(batch=batch)
    records = sum(sum(d.counts.values()) for d in report.disposed)
    print(
        f"sweep of {len(report.disposed):,} case files ({records:,} rows) in batches of "
        f"{batch:,}: {report.seconds:.2f} s ({len(report.disposed) / report.seconds:,.0f} "
        f"units/s), {len(report.failed)} failed; ratio to the plain DELETE committed "
        f"{report.seconds / committed:.2f}x, rolled back {report.seconds / rolled_back:.2f}x; "
        "load average " + " ".join(f"{n:.1f}" for n in os.getloadavg()),
        flush=True,
    )

    if strict_units:
        services.approve([pk for pk, _ in strict_units], world["dpo"])
        report = sweep(batch=1)
        print(
            f"sweep of {len(report.disposed):,} case files one per transaction: "
            f"{report.seconds:.2f} s ({len(report.disposed) / report.seconds:,.0f} units/s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
