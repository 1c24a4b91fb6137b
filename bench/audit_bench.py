"""Benchmark the audit log: batched appends per second, then verify entries per second.

    .venv/bin/python bench/audit_bench.py --events 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/audit_bench.py

It runs against the database DATABASE_URL names, but in a scratch database of its own, created
and migrated the way the test suite does it and dropped at the end (SQLite: a file in a
temporary directory, so the figures include real disk writes; PostgreSQL: a new database
`<name>_audit_bench_<pid>` on the same server, named after DATABASE_URL's database or
`--db-prefix`). Targets (issue 9): >= 50,000 appends/s
batched and >= 300,000 entries/s verified, on both databases.

The baseline is measured in the same run: `append` and `verify_chain` as they are at
`--baseline` (default main, loaded from git by bench/baseline.py) take turns with today's,
batch by batch into the same chain, then verify by verify over it, so that load from elsewhere
on the machine falls on both alike. It also measures what signing a checkpoint of the chain
head after an append costs it (docs/adr/0011), on batches interleaved with and without: target
a few percent at most.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

CATEGORIES = ["identity", "contact", "health", "ethnicity", "offending", "education", "social-care"]
PURPOSES = ["court-orders", "out-of-court-disposals", "prevention", "safeguarding"]
RECORDS = ["contact", "assessment", "plan", "offence", "outcome", "report"]
ACTIONS = ["read"] * 12 + ["list"] * 4 + ["update"] * 2 + ["create", "export", "disclose"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="events to append")
    parser.add_argument("--batch", type=int, default=5_000, help="events per append() call")
    parser.add_argument("--chunk-size", type=int, default=5_000, help="verify fetch size")
    parser.add_argument("--seed", type=int, default=62)
    parser.add_argument(
        "--checkpoint-batches", type=int, default=10, help="batches each with and without"
    )
    parser.add_argument(
        "--baseline", default="main", help="git revision to compare with ('' for none)"
    )
    parser.add_argument("--verify-runs", type=int, default=3, help="verifies of each, in turn")
    parser.add_argument(
        "--lists", type=int, default=200, help="caseloads to append, each one list (0: none)"
    )
    parser.add_argument("--list-size", type=int, default=50, help="cases in each caseload")
    parser.add_argument(
        "--db-prefix",
        default="",
        help="PostgreSQL: name the scratch database PREFIX_audit_bench_<pid> (default: the name "
        "of the database DATABASE_URL names)",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehold.settings_test")
    import django

    django.setup()

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    scratch = tempfile.TemporaryDirectory(prefix="audit-bench-")
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(Path(scratch.name) / "audit-bench.sqlite3")
    else:
        # Beside the database DATABASE_URL names, under its name: two people benchmarking on
        # one server with databases of their own never share a scratch database.
        prefix = args.db_prefix or connection.settings_dict["NAME"]
        test_settings["NAME"] = f"{prefix}_audit_bench_{os.getpid()}"
    print(f"database: {connection.vendor}, scratch {test_settings['NAME']}")
    old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
    try:
        run(args)
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)
        scratch.cleanup()


def run(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model

    from safehold.audit import selectors
    from safehold.audit.models import Action, Decision
    from safehold.audit.services import AuditEntry, append, verify_chain

    rng = random.Random(args.seed)  # noqa: S311 - sample data, not secrets
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"worker{i}") for i in range(50)
    )
    staff = [(u.pk, u.get_username()) for u in users]

    def entry() -> AuditEntry:
        action = Action(rng.choice(ACTIONS))
        actor_id, label = rng.choice(staff)
        refused = rng.random() < 0.03
        return AuditEntry(
            actor_id=actor_id,
            actor_label=label,
            action=action,
            decision=Decision.REFUSED if refused else Decision.ALLOWED,
            rule="not allocated" if refused else "role case-manager: allocated to case",
            person_id=rng.randrange(1, 100_001),
            case_id=rng.randrange(1, 150_001),
            record_type=rng.choice(RECORDS),
            record_id=rng.randrange(1, 1_000_001),
            categories=rng.sample(CATEGORIES, rng.randint(1, 3)),
            purpose=rng.choice(PURPOSES),
            recipient="police" if action == Action.DISCLOSE else "",
            pack_version_id=1,
        )

    implementations: dict[str, Any] = {"this tree": (append, verify_chain)}
    if args.baseline:
        sys.path.insert(0, str(REPO / "bench"))
        import baseline

        # digests too, where the baseline has it: its verify proves windows with its own.
        modules = ["safehold.audit.chain", "safehold.audit.services"]
        if baseline.source(args.baseline, "safehold.audit.digests") is not None:
            modules.insert(1, "safehold.audit.digests")
        old = baseline.load(args.baseline, *modules)
        services = old["safehold.audit.services"]
        implementations[f"baseline {baseline.describe(args.baseline)}"] = (
            services.append,
            services.verify_chain,
        )
    names = list(implementations)

    appending = dict.fromkeys(names, 0.0)
    done = dict.fromkeys(names, 0)
    turn = 0
    while min(done.values()) < args.events:
        name = names[turn % len(names)]
        turn += 1
        batch = [entry() for _ in range(min(args.batch, args.events - done[name]))]
        started = time.perf_counter()
        implementations[name][0](batch)
        appending[name] += time.perf_counter() - started
        done[name] += len(batch)
    for name in names:
        print(
            f"append ({name}): {done[name]:,} events in batches of {args.batch:,}: "
            f"{appending[name]:.2f}s, {done[name] / appending[name]:,.0f} appends/s"
            + ("  [target >= 50,000]" if name == names[0] else "")
        )

    checkpoint_cost(entry, args)

    rates: dict[str, list[float]] = {name: [] for name in names}
    verify_chain(chunk_size=args.chunk_size)  # once untimed: the first would read a cold cache
    for _ in range(args.verify_runs):
        for name in names:
            result = implementations[name][1](chunk_size=args.chunk_size)
            if not result.ok:
                print(f"verify ({name}): BROKEN {result.problem} {result.unguarded}")
            rates[name].append(result.rate)
    for name in names:
        print(
            f"verify ({name}): {result.checked:,} entries, "
            f"{statistics.median(rates[name]):,.0f} entries/s (median of {args.verify_runs}; "
            f"{', '.join(f'{r:,.0f}' for r in rates[name])})"
            + ("  [target >= 300,000]" if name == names[0] else "")
        )
    if len(names) == 2:
        print(
            f"this tree / baseline: appends {appending[names[1]] / appending[names[0]]:.2f}x, "
            f"verify {statistics.median(rates[names[0]]) / statistics.median(rates[names[1]]):.2f}x"
        )

    person = rng.randrange(1, 100_001)
    started = time.perf_counter()
    seen = list(selectors.who_has_seen(person))
    print(
        f"who_has_seen({person}): {len(seen)} rows in {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    if args.lists:  # after verify: the baseline's verify does not know lists
        list_cost(implementations, staff, rng, args)
        started = time.perf_counter()
        seen = list(selectors.who_has_seen(person))
        print(
            f"who_has_seen({person}) among the lists too: {len(seen)} rows in "
            f"{(time.perf_counter() - started) * 1000:.1f} ms"
        )
    size = storage_bytes()
    if size:
        events = selectors.chain_head()[0]  # the checkpoint batches too
        print(f"storage: {size / events:,.0f} bytes per event (table and indexes)")


def list_cost(
    implementations: dict[str, Any], staff: list[tuple[int, str]], rng: random.Random, args: Any
) -> None:
    """Caseloads as the gate audits them: today's tree one event listing every case shown
    (docs/adr/0024), the baseline one entry per case, taking turns; figures per case shown."""
    from safehold.audit.models import Action, Decision
    from safehold.audit.services import AuditEntry, as_lists

    def caseload() -> list[AuditEntry]:
        actor_id, label = rng.choice(staff)
        return [
            AuditEntry(
                actor_id=actor_id,
                actor_label=label,
                action=Action.LIST,
                decision=Decision.ALLOWED,
                rule="role case-manager: allocated to case",
                person_id=rng.randrange(1, 100_001),
                case_id=(case := rng.randrange(1, 150_001)),
                record_type="case",
                record_id=case,
                categories=["identity", "offending"],
                purpose="court-orders",
                pack_version_id=1,
            )
            for _ in range(args.list_size)
        ]

    names = list(implementations)
    seconds = dict.fromkeys(names, 0.0)
    for turn in range(args.lists * len(names)):
        name = names[turn % len(names)]
        shown = caseload()
        started = time.perf_counter()
        implementations[name][0](as_lists(shown) if name == names[0] else shown)
        seconds[name] += time.perf_counter() - started
    shown_total = args.lists * args.list_size
    for name in names:
        how = "one event each" if name == names[0] else "one entry per case"
        print(
            f"caseloads ({name}, {how}): {args.lists:,} of {args.list_size} cases: "
            f"{seconds[name] * 1000 / args.lists:.2f} ms each, "
            f"{shown_total / seconds[name]:,.0f} cases audited/s"
        )


def checkpoint_cost(entry: Callable[[], Any], args: argparse.Namespace) -> None:
    """What signing the head costs an append: batches with a checkpoint after every one and
    batches with none, interleaved so that load from elsewhere falls on both alike."""
    from django.test import override_settings

    from safehold.audit.services import append

    always = override_settings(AUDIT_CHECKPOINT_EVERY=1, AUDIT_CHECKPOINT_SECONDS=0)
    never = override_settings(AUDIT_CHECKPOINT_EVERY=2**62, AUDIT_CHECKPOINT_SECONDS=1e18)
    timings: dict[bool, list[float]] = {True: [], False: []}
    for i in range(2 * args.checkpoint_batches):
        signed = i % 2 == 0
        batch = [entry() for _ in range(args.batch)]
        with always if signed else never:
            started = time.perf_counter()
            append(batch)
            timings[signed].append(time.perf_counter() - started)
    with_, without = statistics.median(timings[True]), statistics.median(timings[False])
    print(
        f"checkpoints: median batch of {args.batch:,} {with_ * 1000:.1f} ms signed after every "
        f"batch, {without * 1000:.1f} ms never signed ({(with_ / without - 1) * 100:+.1f}%, "
        f"{args.checkpoint_batches} batches each, interleaved)"
    )


def storage_bytes() -> int:
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        try:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_total_relation_size('audit_event')")
            else:  # needs SQLite built with the dbstat table
                cursor.execute(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name IN"
                    " (SELECT name FROM sqlite_master WHERE tbl_name = 'audit_event')"
                )
        except DatabaseError:
            return 0
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


if __name__ == "__main__":
    main()
