"""Reads about staff: the pack role a member of staff holds."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from safehold import requestmemo
from safehold.access.models import BreakGlass, User
from safehold.access.policy import effective_role
from safehold.policy import selectors
from safehold.policy.schema import Role


def role_of(user: User) -> Role | None:
    """The pack role of a member of staff, from their controller's current pack version (one
    query; the parsed pack is cached), as the gate applies it (`effective_role`)."""
    if user.controller_id is None or not user.role:
        return None
    pack = selectors.controller_pack(user.controller_id)
    return next((effective_role(r) for r in pack.roles if r.code == user.role), None)


def break_glass_to_review(controller_id: int) -> int:
    """How many break-glass uses into this controller's cases the DPO has not yet reviewed."""
    return BreakGlass.objects.filter(
        case__controller_id=controller_id, reviewed_at__isnull=True
    ).count()


class GlassInForce(NamedTuple):
    case_id: int
    person_id: int
    reason: str
    started_at: datetime
    expires_at: datetime


def glass_in_force(user: User) -> list[GlassInForce]:
    """This member of staff's break-glass grants in force now, oldest first: one query per
    request, for the gate (which cases it opens, and why) and the page's banner alike."""
    return requestmemo.remember(
        ("glass_in_force", user.pk),
        lambda: [
            GlassInForce(*row)
            for row in BreakGlass.objects.in_force()
            .filter(user=user)
            .order_by("started_at", "pk")
            .values_list("case_id", "case__person_id", "reason", "started_at", "expires_at")
        ],
    )


# The request memo's key of a user's teams (`teams_of`), which `access.backends` fills as it
# loads the user.
TEAMS = "teams"


def teams_of(user: User) -> list[tuple[int, list[str]]]:
    """This member of staff's teams, each with the services it delivers: once per request,
    read with the user by `access.backends.StaffBackend` when they signed in by session."""
    return requestmemo.remember(
        (TEAMS, user.pk),
        lambda: sorted(user.teams.values_list("pk", "services"), key=lambda team: team[0]),
    )


def forget_glass(user: User) -> None:
    """A grant was made or ended in this request: read them again."""
    requestmemo.forget(("glass_in_force", user.pk))
