"""`safehold audit ...`: prove the audit log is as it was written."""

from __future__ import annotations

import re
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safehold.audit import checkpoints, selectors
from safehold.audit.services import VerifyResult, checkpoint, verify_chain


def anchor(text: str) -> tuple[int, str]:
    match = re.fullmatch(r"(\d+):([0-9a-f]{64})", text.strip())
    if match is None:
        raise ArgumentTypeError("expected SEQ:HASH, as printed by `safehold audit head`")
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = "Verify the audit log's hash chain against its signed checkpoints; sign its head."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        verify = sub.add_parser(
            "verify",
            help="Check every entry's hash, the sequence, the guards and every signed "
            "checkpoint; name the first break.",
        )
        verify.add_argument("--chunk-size", type=int, default=5_000, help="Rows per fetch.")
        verify.add_argument(
            "--anchor",
            type=anchor,
            metavar="SEQ:HASH",
            help="A head recorded earlier outside the database; the chain must still contain it.",
        )

        sub.add_parser("head", help="Print the chain head as SEQ:HASH, to record elsewhere.")
        sub.add_parser(
            "checkpoint",
            help="Verify the entries since the last signed checkpoint, then sign the head "
            "(run it from cron, e.g. every 5 minutes).",
        )
        keygen = sub.add_parser(
            "keygen", help="Make a new Ed25519 checkpoint signing key; print its public key."
        )
        keygen.add_argument("file", type=Path, help="Where to write the private key (0600).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify":
            self.verify(options["chunk_size"], options["anchor"])
        elif action == "head":
            seq, digest = selectors.chain_head()
            self.stdout.write(f"{seq}:{digest}")
        elif action == "checkpoint":
            self.checkpoint()
        elif action == "keygen":
            try:
                public = checkpoints.create_key(options["file"])
            except FileExistsError:
                raise CommandError(f"{options['file']} exists: not overwriting a key") from None
            self.stdout.write(checkpoints.public_pem(public), ending="")

    def verify(self, chunk_size: int, anchored: tuple[int, str] | None) -> None:
        result = verify_chain(chunk_size=chunk_size, anchor=anchored)
        summary = (
            f"{result.checked:,} entries checked in {result.seconds:.2f}s "
            f"({result.rate:,.0f} entries/s)"
        )
        self.fail_unless_ok(result, summary)
        self.stdout.write(
            f"Audit chain intact: {summary}; head {result.head_seq}:{result.head_hash}"
        )
        self.stdout.write(self.signed(result))

    def checkpoint(self) -> None:
        try:
            result, made = checkpoint()
        except (checkpoints.CheckpointKeyError, OSError) as exc:
            raise CommandError(f"no checkpoint written: {exc}") from None
        self.fail_unless_ok(result, f"{result.checked:,} entries since the last checkpoint")
        if made is None:
            self.stdout.write("The audit log is empty: nothing to sign yet.")
            return
        self.stdout.write(
            f"Checkpoint of entry {made.seq} signed and written to {checkpoints.checkpoint_file()}"
            f" ({result.checked:,} entries verified since the one before)"
        )

    def fail_unless_ok(self, result: VerifyResult, summary: str) -> None:
        if result.problem is not None:
            self.stderr.write(summary)
            raise CommandError(f"audit chain broken at {result.problem}")
        if result.checkpoint_problems:
            self.stderr.write(summary)
            raise CommandError(
                "audit chain intact, but its checkpoints cannot all be trusted: "
                + "; ".join(result.checkpoint_problems)
            )
        if result.unguarded:
            self.stderr.write(summary)
            raise CommandError(
                "audit chain intact, but the database no longer refuses changes to it: "
                f"guards not in their normal state: {', '.join(result.unguarded)}"
            )

    def signed(self, result: VerifyResult) -> str:
        where = checkpoints.checkpoint_file()
        if not result.checkpoints:
            return f"No signed checkpoints yet in {where}: nothing anchors the chain's end."
        since = result.head_seq - result.checkpointed_seq
        return (
            f"Checked against {result.checkpoints:,} signed "
            f"checkpoint{'' if result.checkpoints == 1 else 's'} in {where}; the last "
            f"covers entry {result.checkpointed_seq} ({since:,} entries since)."
        )
