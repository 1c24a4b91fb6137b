"""`safehold rights due`: when a rights request must be answered, by the ICO's rule, with no
database (so anyone can check the rule); the request pages use the same `rights.clock`.

`safehold rights sweep [--dry-run]`: delete the copies released for requests closed longer ago
than the pack's `rights.answers_kept` (run beside `safehold retention sweep`)."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safehold.rights import clock


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"'{text}' is not a date: write YYYY-MM-DD") from None


def _pause(text: str) -> clock.Pause:
    try:
        return clock.parse_pause(text)
    except clock.ClockError as exc:
        raise ArgumentTypeError(str(exc)) from None


class Command(BaseCommand):
    help = "Rights requests: when one is due (one month, extensions, pauses, bank holidays)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        due = sub.add_parser("due", help="Print the due date of a request (no database).")
        due.add_argument("--received", type=_date, required=True, help="YYYY-MM-DD")
        due.add_argument(
            "--extended",
            nargs="?",
            const="",
            default=None,
            metavar="TOLD",
            help=(
                "Extended by two months; optionally the date (YYYY-MM-DD) the requester was "
                "told, which must be within the first month (default: told in time)"
            ),
        )
        due.add_argument(
            "--paused",
            type=_pause,
            action="append",
            default=[],
            metavar="FROM:TO",
            help="The clock stopped FROM and resumed TO (repeatable; FROM: while still paused)",
        )
        due.add_argument(
            "--nation",
            choices=list(clock.NATIONS),
            default=clock.DEFAULT_NATION,
            help="Whose bank holidays (default: england, the calendar of England and Wales)",
        )

        sweep = sub.add_parser(
            "sweep", help="Delete released copies kept longer than the pack's answers_kept."
        )
        sweep.add_argument("--dry-run", action="store_true", help="Count, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep":
            from safehold.rights.services import delete_old_answers

            count = delete_old_answers(dry_run=options["dry_run"])
            verb = "would be deleted" if options["dry_run"] else "deleted"
            self.stdout.write(f"{count} released cop{'y' if count == 1 else 'ies'} {verb}")
            return
        received: date = options["received"]
        told: date | None = None
        if options["extended"] is not None:
            told = _date(options["extended"]) if options["extended"] else received
        try:
            found = clock.compute(
                received,
                pauses=options["paused"],
                extension_told=told,
                nation=options["nation"],
            )
        except clock.ClockError as exc:
            raise CommandError(str(exc)) from None
        out = self.stdout
        if found.due is None:
            assert found.paused_since is not None
            out.write(
                f"paused since {found.paused_since.isoformat()}: {found.days_left} days left "
                "when the clock resumes"
            )
            return
        why = ""
        if found.moved_from:
            holiday = clock.bank_holiday(found.moved_from, found.nation)
            day = f"a bank holiday ({holiday})" if holiday else "a weekend"
            why = (
                f"  (the calendar date {found.moved_from.isoformat()} is {day} in "
                f"{clock.NATION_NAMES[found.nation]}: the next working day)"
            )
        out.write(f"{found.due.isoformat()}{why}")
