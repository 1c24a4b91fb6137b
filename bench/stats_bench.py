"""Benchmark statistics on PostgreSQL: every output for one quarter over PEOPLE young people.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stats \\
        .venv/bin/python bench/stats_bench.py --people 1000000 --period 2026Q3

It builds the database `bench_stats` on the server DATABASE_URL names (dropped and created,
unless --reuse finds it built), migrates it, loads the Cambridgeshire pack and writes rows
with `INSERT ... SELECT generate_series` (the database makes them; see retention_bench.py):
PEOPLE young people (sex, ethnicity, date of birth spread), 1.3 cases each opened over seven
years (70% closed, with a reason), an outcome on 80% of cases (court orders and out-of-court
disposals, most ended), a CHAT on 30%, looked after (10%) and child protection plan (5%) as
dated flags, the National Data Opt-out for 2%, and each of the pack's dated statuses on the
case of 90% of orders (half of them changed part way through). Then it runs every output, as a team
manager through the gate (audited, protected) exactly as the pages do, for the quarter with
its default breakdown and with rows by team and columns by ethnicity, and prints each time
and the total. Target: every indicator for a quarter over 1,000,000 people <= 30 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATABASE = os.environ.get("BENCH_DATABASE", "bench_stats")

from bench.retention_bench import insert_select  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--reuse", action="store_true", help="keep an already built database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("stats_bench.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    server = url.rsplit("/", 1)[0]
    fresh = prepare(server, reuse=args.reuse)
    os.environ["DATABASE_URL"] = f"{server}/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehold.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    print(f"database: {DATABASE} on {server.split('@')[-1]}")
    call_command("migrate", verbosity=0)
    world = load_world()
    if fresh:
        generate(world, args.people)
    run_all(world, args.period)


def prepare(server: str, *, reuse: bool) -> bool:
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
    teams = [
        Team.objects.get_or_create(controller=controller, name=name, defaults={"services": []})[0]
        for name in ("North", "South", "East", "West", "City")
    ]
    manager, _ = User.objects.get_or_create(
        username="bench-manager", defaults={"role": "team-manager", "controller": controller}
    )
    return {
        "controller": controller.pk,
        "version": loaded.version.pk,
        "teams": [t.pk for t in teams],
        "manager": manager,
    }


def generate(world: dict[str, Any], people: int) -> None:
    from django.db import connection, transaction

    from safehold.records import models as r

    cases = int(people * 1.3)
    p = {
        "controller": world["controller"],
        "version": world["version"],
        "people": people,
        "cases": cases,
        "team0": world["teams"][0],
    }
    tracked = {"pack_version_id": "%(version)s"}
    started = time.perf_counter()
    steps: list[tuple[str, Any, dict[str, str], str]] = [
        (
            "people",
            r.Person,
            {
                **tracked,
                "id": "g",
                "controller_id": "%(controller)s",
                "given_name": "'Given' || g",
                "family_name": "'Family' || g",
                "date_of_birth": "date '2004-01-01' + (hashint4(g) & 8191) %% 5000",
                "sex": "(ARRAY['Female','Male','Male',''])[1 + (hashint4(g + 1) & 3)]",
                "ethnicity": "(ARRAY['White British','Black Caribbean','Asian Pakistani',"
                "'Mixed White and Black African','White other','Chinese','Any other','',"
                "'White British','White British'])[1 + (hashint4(g + 2) & 1023) %% 10]",
            },
            "generate_series(1, %(people)s::int) AS g",
        ),
        (
            "cases",
            r.Case,
            {
                **tracked,
                "id": "g",
                "person_id": "1 + (g - 1) %% %(people)s",
                "controller_id": "%(controller)s",
                "service": "(ARRAY['court-orders','pre-court','court-bail','prevention',"
                "'victim-support'])[1 + (hashint4(g) & 1023) %% 5]",
                "team_id": "%(team0)s + (hashint4(g + 4) & 1023) %% 5",
                "opened_on": "opened",
                "closed_on": "CASE WHEN (hashint4(g + 1) & 1023) < 717 "
                "THEN opened + (hashint4(g + 2) & 1023) %% 500 END",
                "closed_reason": "CASE WHEN (hashint4(g + 1) & 1023) < 717 THEN "
                "(ARRAY['completed','completed','completed','revoked','custody',"
                "'transferred','moved','no-further-action'])[1 + (hashint4(g + 5) & 7)] "
                "ELSE '' END",
            },
            "(SELECT g, date '2020-01-01' + (hashint4(g + 3) & 4095) %% 2500 AS opened "
            "FROM generate_series(1, %(cases)s::int) AS g) AS c",
        ),
        (
            "outcomes",
            r.Outcome,
            {
                **tracked,
                "case_id": "g",
                "kind": "(ARRAY['referral-order','yro','dto','youth-caution',"
                "'youth-conditional-caution','diversion','bail','youth-caution'])"
                "[1 + (hashint4(g + 6) & 7)]",
                "starts_on": "opened_on",
                "ends_on": "CASE WHEN (hashint4(g + 7) & 1023) < 900 "
                "THEN opened_on + 30 + (hashint4(g + 8) & 1023) %% 400 END",
            },
            "(SELECT id::int AS g, opened_on FROM records_case "
            "WHERE (hashint4(id::int + 9) & 1023) < 820) AS c",
        ),
        (
            "assessments",
            r.Assessment,
            {
                **tracked,
                "case_id": "g",
                "kind": "'chat'",
                "completed_on": "opened_on + (hashint4(g + 10) & 63)",
            },
            "(SELECT id::int AS g, opened_on FROM records_case "
            "WHERE (hashint4(id::int + 11) & 1023) < 307) AS c",
        ),
        (
            "flags",
            r.PersonFlag,
            {
                "person_id": "g",
                "flag": "(ARRAY['looked-after','looked-after','child-protection-plan',"
                "'national-data-opt-out'])[1 + (hashint4(g + 12) & 3)]",
                "holds": "true",
                "started_on": "date '2018-01-01' + (hashint4(g + 13) & 4095) %% 3000",
                "ended_on": "CASE WHEN (hashint4(g + 14) & 3) = 0 "
                "THEN date '2026-01-01' + (hashint4(g + 15) & 255) END",
            },
            "generate_series(1, %(people)s::int) AS g WHERE (hashint4(g + 16) & 1023) < 174",
        ),
    ]
    steps += status_steps(tracked)
    with transaction.atomic():
        for name, model, given, rows in steps:
            t = time.perf_counter()
            insert_select(model, given, rows, p)
            print(f"  {name:<12} {time.perf_counter() - t:6.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated {people:,} people, {cases:,} cases in {time.perf_counter() - started:.1f} s")


def status_steps(tracked: dict[str, str]) -> list[tuple[str, Any, dict[str, str], str]]:
    """Dated statuses of each of the pack's kinds on the case of each order (not bail): 88%
    recorded from the order's start, and half of those changed part way through (the first
    then ended the day before), so every indicator reads a real history."""
    from safehold.policy import selectors
    from safehold.policy.models import Controller
    from safehold.records import models as r

    pack = selectors.pack_of(Controller.objects.get(code="cambridgeshire-cc").pack_version)
    steps: list[tuple[str, Any, dict[str, str], str]] = []
    for n, kind in enumerate(pack.statuses):
        codes = "ARRAY[" + ", ".join(f"'{v.code}'" for v in kind.values) + "]"
        count = len(kind.values)
        h = 20 + 4 * n  # each kind its own hashes
        # The bench's own SQL, from the pack's codes.
        orders = (
            "(SELECT case_id::int AS g, starts_on, ends_on, "  # noqa: S608
            f"starts_on + 15 + (hashint4(case_id::int + {h}) & 255) AS mid, "
            f"(hashint4(case_id::int + {h + 1}) & 1023) < 512 AS moves "
            "FROM records_outcome WHERE kind <> 'bail' "
            f"AND (hashint4(case_id::int + {h + 2}) & 1023) < 900) AS o"
        )
        common = {**tracked, "case_id": "g", "kind": f"'{kind.code}'"}
        steps.append(
            (
                f"{kind.code[:12]}",
                r.CaseStatus,
                {
                    **common,
                    "value": f"({codes})[1 + (hashint4(g + {h + 3}) & 1023) %% {count}]",
                    "started_on": "starts_on",
                    "ended_on": "CASE WHEN moves THEN mid - 1 END",
                },
                orders,
            )
        )
        steps.append(
            (
                f"{kind.code[:10]} 2",
                r.CaseStatus,
                {
                    **common,
                    "value": f"({codes})[1 + (hashint4(g + {h + 4}) & 1023) %% {count}]",
                    "started_on": "mid",
                },
                orders + " WHERE moves",
            )
        )
    return steps


def run_all(world: dict[str, Any], period: str) -> None:
    from safehold.access.gate import Gate
    from safehold.statistics import runs
    from safehold.statistics.outputs import OUTPUTS, available
    from safehold.statistics.periods import Quarter

    quarter = Quarter.parse(period)
    gate = Gate(world["manager"], emergency=False)
    total = 0.0
    for by, split in ((None, ""), ("team", "ethnicity")):
        for code, output in OUTPUTS.items():
            if by and by not in output.dimensions:
                continue
            if not available(output, gate.policy.pack):
                print(f"  {code:<24} not recorded by this pack")
                continue
            # An indicator's second table: its status at the end by ethnicity.
            rows = "status-end" if by and output.indicator else by
            t = time.perf_counter()
            result = runs.run(gate, code, quarter, by=rows, split=split)
            took = time.perf_counter() - t
            total += took
            cells = len(result.table.rows) * len(result.table.columns)
            print(
                f"  {code:<24} rows {result.by.code:<14} {took:6.2f} s  "
                f"({cells} cells, {result.table.suppressed} hidden, total {result.table.total or ''})"
            )
    print(f"every output, twice, for {quarter.code}: {total:.1f} s")


if __name__ == "__main__":
    main()
