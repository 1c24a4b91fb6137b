"""`safehold token create|list|revoke`: bearer tokens for integrations using the JSON API."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safehold.access.models import ApiToken, User
from safehold.access.services import issue_token, revoke_token


class Command(BaseCommand):
    help = (
        "Issue, list and revoke API tokens. A token acts as its member of staff, through the gate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token; it is shown once")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument("--days", type=int, default=90)
        listing = sub.add_parser("list", help="tokens, without their secrets")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"There is no member of staff called {options['username']!r}.")
            if user.controller_id is None:
                raise CommandError(
                    f"{user.username} belongs to no controller, so can reach nothing."
                )
            try:
                token, raw = issue_token(user, options["name"], days=options["days"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(raw)
            self.stderr.write(
                f"Token {token.prefix}… for {user.username} ({user.role}) expires "
                f"{token.expires_at:%Y-%m-%d}. It is shown only now: keep it in a secret store."
            )
        elif action == "list":
            tokens = ApiToken.objects.select_related("user").order_by(
                "user__username", "created_at"
            )
            if options["username"]:
                tokens = tokens.filter(user__username=options["username"])
            for t in tokens:
                state = "revoked" if t.revoked_at else f"expires {t.expires_at:%Y-%m-%d}"
                used = (
                    f"last used {t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
                )
                self.stdout.write(f"{t.prefix}…\t{t.user.username}\t{t.name}\t{state}\t{used}")
        else:
            matches = list(ApiToken.objects.filter(prefix=options["prefix"]))
            if len(matches) != 1:
                raise CommandError(
                    f"{len(matches)} tokens start {options['prefix']!r}; give the 10-character prefix."
                )
            revoke_token(matches[0])
            self.stdout.write(f"Revoked {matches[0].prefix}….")
