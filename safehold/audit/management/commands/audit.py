"""`safehold audit ...`: prove the audit log is as it was written."""

from __future__ import annotations

import re
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safehold.audit import selectors
from safehold.audit.services import verify_chain


def anchor(text: str) -> tuple[int, str]:
    match = re.fullmatch(r"(\d+):([0-9a-f]{64})", text.strip())
    if match is None:
        raise ArgumentTypeError("expected SEQ:HASH, as printed by `safehold audit head`")
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and print its head."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        verify = sub.add_parser(
            "verify", help="Check every entry's hash and the sequence; name the first break."
        )
        verify.add_argument("--chunk-size", type=int, default=5_000, help="Rows per fetch.")
        verify.add_argument(
            "--anchor",
            type=anchor,
            metavar="SEQ:HASH",
            help="A head recorded earlier outside the database; the chain must still contain it.",
        )

        sub.add_parser("head", help="Print the chain head as SEQ:HASH, to record elsewhere.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self.verify(options["chunk_size"], options["anchor"])
        elif options["action"] == "head":
            seq, digest = selectors.chain_head()
            self.stdout.write(f"{seq}:{digest}")

    def verify(self, chunk_size: int, anchored: tuple[int, str] | None) -> None:
        result = verify_chain(chunk_size=chunk_size, anchor=anchored)
        summary = (
            f"{result.checked:,} entries checked in {result.seconds:.2f}s "
            f"({result.rate:,.0f} entries/s)"
        )
        if result.problem is not None:
            self.stderr.write(summary)
            raise CommandError(f"audit chain broken at {result.problem}")
        if result.unguarded:
            self.stderr.write(summary)
            raise CommandError(
                "audit chain intact, but the database no longer refuses changes to it: "
                f"missing or disabled triggers {', '.join(result.unguarded)}"
            )
        self.stdout.write(
            f"Audit chain intact: {summary}; head {result.head_seq}:{result.head_hash}"
        )
