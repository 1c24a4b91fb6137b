"""`safehold share explain|extract`: the DPO's "what would happen if", and recurring extracts."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safehold.access.gate import Gate, Refused
from safehold.access.gate.sharing import RECORD_KINDS, ShareOrder
from safehold.access.models import User
from safehold.sharing import extracts


class Command(BaseCommand):
    help = "Explain a share without sharing, or run a recurring extract."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        explain = sub.add_parser(
            "explain", help="Print the gate's decision on a share and its rules; shares nothing."
        )
        explain.add_argument("--as", dest="username", required=True, metavar="USERNAME")
        explain.add_argument("--case", dest="case_id", required=True, type=int, metavar="ID")
        explain.add_argument("--recipient", required=True, metavar="CODE")
        explain.add_argument("--purpose", required=True, metavar="CODE")
        explain.add_argument(
            "--gateway", metavar="CODE", help="The legal gateway; default: each the pack offers."
        )
        explain.add_argument(
            "--records",
            default="person",
            help=f"Comma-separated kinds of record: {', '.join(RECORD_KINDS)} (default: person).",
        )
        extract = sub.add_parser("extract", help="Run a recurring extract the pack declares.")
        extract.add_argument("code", metavar="CODE")
        extract.add_argument("--out", metavar="FILE", help="Write the CSV here (default: stdout).")
        extract.add_argument("--controller", metavar="CODE")
        extract.add_argument("--as", dest="username", metavar="USERNAME")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "explain":
            self.explain(options)
        else:
            self.extract(options)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active member of staff '{username}'")
        return user

    def explain(self, options: dict[str, Any]) -> None:
        gate = Gate(self._user(options["username"]), emergency=False)
        records = tuple(r.strip() for r in options["records"].split(",") if r.strip())
        unknown = [r for r in records if r not in RECORD_KINDS]
        if unknown:
            raise CommandError(f"unknown kinds of record: {', '.join(unknown)}")
        gateways = (
            [options["gateway"]]
            if options["gateway"]
            else gate_gateways(gate, options["recipient"], options["purpose"])
        )
        for gateway in gateways or [""]:
            order = ShareOrder(options["recipient"], options["purpose"], gateway, records=records)
            try:
                decision = gate.explain_share(options["case_id"], order)
            except Refused as refused:
                raise CommandError(str(refused)) from None
            verdict = "WOULD SHARE" if decision.allowed else "WOULD NOT SHARE"
            self.stdout.write(f"Under '{gateway or 'no gateway'}': {verdict}")
            for n, reason in enumerate(decision.reasons, 1):
                self.stdout.write(f"  {n}. {reason}")
            going = [f"{r}.{f}" for r, fs in decision.fields.items() for f in fs]
            if going or decision.derived:
                self.stdout.write(f"  goes: {', '.join([*going, *decision.derived])}")
            for item, why in decision.not_sent.items():
                self.stdout.write(f"  not sent: {item} ({why})")
            self.stdout.write(f"  consent: {decision.consent_status}")
            needs = [
                w
                for f, w in (
                    (decision.needs_reason, "a reason"),
                    (decision.needs_reference, "a reference"),
                    (decision.needs_approval, "a second person's approval"),
                )
                if f
            ]
            if needs:
                self.stdout.write(f"  needs: {', '.join(needs)}")

    def extract(self, options: dict[str, Any]) -> None:
        by = self._user(options["username"]) if options["username"] else None
        if by is not None and not Gate(by, emergency=False).is_dpo:
            raise CommandError(f"'{by.get_username()}' does not manage the policy")
        path = options["out"]
        try:
            if path:
                with Path(path).open("w", newline="", encoding="utf-8") as out:
                    done = extracts.run(
                        options["code"], out, controller=options["controller"], by=by
                    )
            else:
                done = extracts.run(
                    options["code"], sys.stdout, controller=options["controller"], by=by
                )
        except extracts.ExtractRefused as refused:
            raise CommandError(str(refused)) from None
        self.stderr.write(
            f"extract '{options['code']}': {done.people} people, disclosure {done.disclosure.pk}"
        )


def gate_gateways(gate: Gate, recipient: str, purpose: str) -> list[str]:
    from safehold.access.gate.sharing import policy_of

    return policy_of(gate).gateways_for(recipient, purpose)
