"""`safehold stats list` and `safehold stats run CODE --period 2026Q3 --user NAME
[--format csv|xlsx|json] [--by D] [--split D] [--service S] [--output FILE]`.

A run is made as a member of staff, through their gate: it is decided and audited exactly as
on the statistics pages, and the figures are protected the same way."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safehold.access.gate import Gate, Refused
from safehold.access.models import User
from safehold.statistics import exports, returns, runs
from safehold.statistics.outputs import OUTPUTS
from safehold.statistics.periods import BadPeriod, Quarter


class Command(BaseCommand):
    help = "Aggregate statistics, protected by the pack's disclosure control."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="command", required=True)
        sub.add_parser("list", help="The outputs and how each can be broken down.")
        run = sub.add_parser("run", help="Run one output for one quarter.")
        run.add_argument("code", help="The output's code (see `safehold stats list`).")
        run.add_argument("--period", required=True, help="A quarter, like 2026Q3.")
        run.add_argument(
            "--user", required=True, help="The member of staff running it (audited as them)."
        )
        run.add_argument("--format", choices=sorted(exports.FORMATS), default="csv")
        run.add_argument("--by", help="Rows: one of the output's breakdowns.")
        run.add_argument("--split", help="Columns: another breakdown, or 'none'.")
        run.add_argument("--service", help="Only this service's cases.")
        run.add_argument("--output", help="Write to this file instead of standard output.")
        ret = sub.add_parser("return", help="A case-level return for one quarter, as CSV.")
        ret.add_argument("code", help="The return (code, or code@version).")
        ret.add_argument("--period", required=True, help="A quarter, like 2026Q3.")
        ret.add_argument("--user", required=True, help="Who releases it (audited per child).")
        ret.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["command"] == "list":
            for output in OUTPUTS.values():
                needs = (
                    f" Needs a status with `indicator: {output.indicator}` in the pack."
                    if output.indicator
                    else " Needs statuses with `outcome_area` in the pack."
                    if output.areas
                    else ""
                )
                self.stdout.write(
                    f"{output.code}: {output.title} ({output.group}). {output.description} "
                    f"Breakdowns: {', '.join(output.dimensions)}.{needs}"
                )
            return
        try:
            quarter = Quarter.parse(options["period"])
        except BadPeriod as exc:
            raise CommandError(f"--period: {exc}") from None
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"--user: no active member of staff is called '{options['user']}'")
        if options["command"] == "return":
            self.case_level_return(user, options["code"], quarter, options["output"])
            return
        split = options["split"]
        try:
            result = runs.run(
                Gate(user, emergency=False),
                options["code"],
                quarter,
                by=options["by"],
                split=None if split == "none" else (split or ""),
                service=options["service"],
            )
        except runs.BadRequest as exc:
            raise CommandError(str(exc)) from None
        except Refused as exc:
            raise CommandError(f"refused: {exc.decision.rule}") from None
        body = exports.render(result, options["format"])
        if options["output"]:
            with open(options["output"], "wb") as f:
                f.write(body)
            self.stderr.write(f"wrote {options['output']}")
        elif options["format"] == "xlsx":
            sys.stdout.buffer.write(body)
        else:
            self.stdout.write(body.decode("utf-8"), ending="")

    def case_level_return(self, user: User, code: str, quarter: Quarter, path: str | None) -> None:
        try:
            definition = returns.find(code, quarter.end)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        try:
            rows = Gate(user, emergency=False).case_level_return(definition, quarter)
            text = returns.as_csv(rows)
        except Refused as exc:
            raise CommandError(f"refused: {exc.decision.rule}") from None
        if path:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            self.stderr.write(f"wrote {path} ({definition.name})")
        else:
            self.stdout.write(text, ending="")
