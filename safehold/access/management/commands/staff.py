"""`safehold staff [--pack CODE]`: who can sign in, by controller and pack role."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safehold.access.models import User
from safehold.policy import selectors
from safehold.policy.models import Controller


class Command(BaseCommand):
    help = "List the staff who can sign in, by controller and by the pack role they hold."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--pack", metavar="CODE", help="Only this pack's controllers.")
        parser.add_argument(
            "--per-role", type=int, default=0, help="At most this many usernames per role."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        controllers = Controller.objects.select_related("pack_version").order_by("code")
        if options["pack"]:
            controllers = controllers.filter(pack_version__pack_code=options["pack"])
            if not controllers.exists():
                raise CommandError(f"no loaded pack is called '{options['pack']}'")
        staff: dict[tuple[int, str], list[User]] = {}
        users = (
            User.objects.filter(controller__in=controllers, is_active=True)
            .exclude(role="")
            .order_by("pk")
        )
        for user in users:
            assert user.controller_id is not None
            staff.setdefault((user.controller_id, user.role), []).append(user)
        for controller in controllers:
            pack = selectors.pack_of(controller.pack_version)
            roles = [r for r in pack.roles if (controller.pk, r.code) in staff]
            if not roles:
                continue
            self.stdout.write(f"{controller.name} ({pack.code}):")
            width = max(len(r.name) for r in roles)
            for role in roles:
                people = staff[(controller.pk, role.code)]
                shown = people[: options["per_role"]] if options["per_role"] else people
                names = ", ".join(
                    f"{u.username} ({u.get_full_name()})" if u.get_full_name() else u.username
                    for u in shown
                )
                more = f" and {len(people) - len(shown)} more" if len(people) > len(shown) else ""
                self.stdout.write(f"  {role.name:<{width}}  {names}{more}")
