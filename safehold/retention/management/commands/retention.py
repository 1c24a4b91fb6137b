"""`safehold retention plan|sweep`: compute every unit's keep-until date; dispose of what the
DPO approved."""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from safehold.retention import planner
from safehold.retention.sweep import BATCH, sweep, vendor_locks


class Progress:
    """A progress line on stderr (rewritten in place on a terminal), at most a few a second."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.started = time.perf_counter()
        self.shown = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if done not in (0, total) and now - self.shown < (0.2 if self.tty else 5.0):
            return
        self.shown = now
        share = f"{100 * done / total:5.1f}%" if total else "  -  "
        line = f"{what}: {done:,}/{total:,} {share}  {now - self.started:6.1f} s"
        if self.tty:
            end = "\n" if done == total else ""
            self.stream.write(f"\r{line}{end}")
        else:
            self.stream.write(f"{line}\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Retention: plan every unit's keep-until date; sweep away what the DPO approved."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        plan = sub.add_parser("plan", help="Compute every retention unit, in chunks.")
        plan.add_argument("--chunk", type=int, default=planner.PLAN_CHUNK, help="rows per chunk")
        plan.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes sharing the work (PostgreSQL; one connection each)",
        )
        run = sub.add_parser("sweep", help="Dispose of approved units that are still due.")
        run.add_argument(
            "--dry-run", action="store_true", help="Report exactly what would go; change nothing."
        )
        run.add_argument("--batch", type=int, default=BATCH, help="units per transaction")
        run.add_argument("--limit", type=int, default=None, help="at most this many units")
        run.add_argument("--list", action="store_true", help="List every unit, not only totals.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "plan":
            self.plan(options["chunk"], options["workers"])
        else:
            self.sweep(options)

    def plan(self, chunk: int, workers: int) -> None:
        show = Progress(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr)
        report = planner.plan(chunk=chunk, progress=show, workers=workers)
        self.stdout.write(
            f"Planned {report.case_files:,} case files and {report.people:,} people in "
            f"{report.seconds:.1f} s: {report.written:,} units written"
            + (f", {report.skipped:,} changed meanwhile (next plan)" if report.skipped else "")
        )
        for status, n in sorted(report.by_status.items()):
            self.stdout.write(f"  {status}: {n:,}")

    def sweep(self, options: dict[str, Any]) -> None:
        show = Progress(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr)
        report = sweep(
            dry_run=options["dry_run"],
            batch=options["batch"],
            limit=options["limit"],
            progress=lambda done, total: show("units", done, total),
        )
        verb = "Would dispose of" if report.dry_run else "Disposed of"
        self.stdout.write(
            f"{verb} {len(report.disposed):,} units in {report.seconds:.1f} s "
            f"(sweep {report.run}; {vendor_locks()})"
        )
        for (kind, rule, action), (units, counts) in sorted(report.by_rule().items()):
            records = ", ".join(f"{label} {n:,}" for label, n in sorted(counts.items()))
            self.stdout.write(f"  {kind} '{rule}' {action}: {units:,} units ({records})")
        if options["list"]:
            for d in report.disposed:
                records = ", ".join(f"{label} {n}" for label, n in sorted(d.counts.items()))
                self.stdout.write(
                    f"    unit {d.unit_id}: {d.kind} {d.key} '{d.rule}' {d.action} ({records})"
                )
        for unit_id, why in sorted(report.skipped.items()):
            self.stdout.write(f"  skipped unit {unit_id}: {why}")
        for unit_id, why in sorted(report.failed.items()):
            self.stderr.write(f"  FAILED unit {unit_id}: {why}")
        if report.failed:
            sys.exit(1)
