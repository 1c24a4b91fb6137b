"""`safehold demo --people N`: a synthetic population to try Safehold with, or to measure it."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safehold.demo import services as demo


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Generate synthetic young people, families, victims, professionals, staff and cases "
        "for the loaded packs (Faker, en_GB, seeded), in bulk, with audit events."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--people", type=positive, required=True, help="How many people.")
        parser.add_argument(
            "--pack",
            metavar="CODE",
            help="Only this pack's controllers (default: every loaded pack's, sharing the people).",
        )
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
        parser.add_argument(
            "--password",
            help="Staff accounts' password (default: none can sign in). Outside SAFEHOLD_DEBUG "
            "it must pass the password validators.",
        )
        parser.add_argument(
            "--chunk", type=positive, default=demo.DEFAULT_CHUNK, help="People per chunk."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any person is already held."
        )
        parser.add_argument(
            "--force", action="store_true", help="Add to a database holding real (non-demo) people."
        )
        parser.add_argument(
            "--living",
            action="store_true",
            help="Also what a service running for years holds: former young people whose "
            "records are due for disposal, legal holds and a break-glass use (run `safehold "
            "retention plan` after it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = demo.generate(
                options["people"],
                pack=options["pack"],
                seed=options["seed"],
                password=options["password"],
                chunk_size=options["chunk"],
                force=options["force"],
                if_empty=options["if_empty"],
                progress=self.stdout.write,
            )
        except demo.DemoRefused as exc:
            raise CommandError(str(exc)) from None
        if summary.skipped:
            self.stdout.write(f"Nothing generated: {summary.skipped}.")
            return
        counts = summary.counts
        people = counts["person"]
        self.stdout.write(
            f"Generated {people:,} people and {summary.case_records:,} case records "
            f"({summary.case_records / max(people, 1):.1f} per person) for "
            f"{', '.join(summary.controllers)} in {summary.seconds:.1f}s:"
        )
        for name in ("team", "user", *(m._meta.model_name for m in demo.RECORD_MODELS)):
            self.stdout.write(f"  {name:<13} {counts[str(name)]:>10,}")
        if options["living"]:
            living = demo.living_service(pack=options["pack"], seed=options["seed"])
            self.stdout.write(
                f"Added {living.former} former young people, {living.holds} legal holds, "
                f"{living.break_glass} break-glass use(s) and {living.requests} rights requests."
            )
            from safehold.demo.sharing import sharing_demo

            shared = sharing_demo(pack=options["pack"])
            self.stdout.write(
                f"Recorded {shared.consents} consents, refusals and withdrawals; "
                f"{shared.shares} shares, {shared.refused} refused, {shared.extracts} extract run(s)."
            )
