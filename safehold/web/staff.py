"""The staff layout: what every page shows a signed-in member of staff (navigation by role,
the break-glass banner), and the role a member of staff holds in their controller's pack.

`layout` is a context processor of the Jinja2 engine; its values are computed only when a
template asks for them, so public pages cost no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch

from safehold.access.gate import Gate
from safehold.access.models import User
from safehold.access.selectors import glass_in_force, role_of
from safehold.audit.models import Action
from safehold.policy.schema import Role
from safehold.web.addresses import address
from safehold.web.govuk import time_of_day
from safehold.web.middleware import is_verified


def optional_url(name: str, *args: Any) -> str | None:
    """The address of a page another part of the service may not have routed yet."""
    try:
        return address(name, *args)
    except NoReverseMatch:
        return None


def home_url() -> str:
    """Where a member of staff lands after signing in: the service's root, which sends each
    role on to its work (`landing_url`)."""
    return optional_url("web:home") or "/"


def landing_url(role: Role | None) -> str:
    """Where a role's work is. A manager (allocates cases) lands on the team caseload, the
    data protection officer (manages the policy) on their home, everyone else on their own
    caseload (where the gate explains a refusal to anyone it refuses). A role that both
    allocates and manages the policy (Luton's head of service) is a manager first: the
    DPO's home is one click away in the navigation. A statistics-only role reaches no one,
    so its work is the statistics page."""
    if role is not None and role.statistics_only:
        return address("web:statistics")
    if role is not None and role.allocates_cases:
        return address("web:team-caseload")
    if role is not None and role.manages_policy:
        return address("web:dpo-home")
    return address("web:caseload")


def break_glass_review_url() -> str | None:
    """The DPO's list of break-glass uses to review; None until that page is routed (a link
    to a page that is not there is a 404 a person would meet: tests/web/test_crawl.py)."""
    return optional_url("web:break-glass-review")


def person_url(person_id: int) -> str:
    """The young person's page, or the caseload while that page is not routed."""
    return optional_url("web:person", person_id) or home_url()


@dataclass(frozen=True)
class ActiveGlass:
    """A break-glass grant still running: which case, whose, until when, and what to call it
    (the case's reference and the young person's name, read through the gate)."""

    case_id: int
    person_id: int
    expires_at: datetime
    label: str = ""

    @property
    def person_url(self) -> str:
        return person_url(self.person_id)

    @property
    def until(self) -> str:
        return time_of_day(self.expires_at)


class StaffLayout:
    """The parts of the page layout that depend on who is signed in."""

    def __init__(self, user: User, verified: bool) -> None:
        self.user = user
        self.verified = verified
        self.sign_out_url = address("web:sign-out")

    @cached_property
    def role(self) -> Role | None:
        return role_of(self.user)

    @cached_property
    def home_url(self) -> str:
        return home_url()

    @cached_property
    def caseload_url(self) -> str | None:
        """My caseload: for the roles that hold cases, and for anyone whose landing it is."""
        if not self.verified:
            return None
        role = self.role
        if (
            role is not None
            and not role.holds_cases
            and landing_url(role) != address("web:caseload")
        ):
            return None
        return optional_url("web:caseload")

    @cached_property
    def statistics_url(self) -> str | None:
        """Statistics: a statistics-only role's home, in place of a caseload; and for those
        who manage cases or the policy (statistics.access.decide)."""
        role = self.role
        if not self.verified or role is None:
            return None
        if not (role.statistics_only or role.allocates_cases or role.manages_policy):
            return None
        return optional_url("web:statistics")

    @cached_property
    def team_caseload_url(self) -> str | None:
        if not self.verified or self.role is None or not self.role.allocates_cases:
            return None
        return optional_url("web:team-caseload")

    @cached_property
    def find_url(self) -> str | None:
        """The search box on every staff page, once signed in with both factors."""
        if not self.verified or (self.role is not None and self.role.statistics_only):
            return None  # a statistics-only role reaches no one, so finds no one
        return optional_url("web:find-person")

    @cached_property
    def dpo_home_url(self) -> str | None:
        if not self.verified or self.role is None or not self.role.manages_policy:
            return None
        return optional_url("web:dpo-home")

    @cached_property
    def break_glass(self) -> list[ActiveGlass]:
        """Every active break-glass grant of this member of staff, in one query; the young
        people's names are read through the gate (audited, one batch) only when there are any."""
        if not self.verified:
            return []
        grants = sorted(glass_in_force(self.user), key=lambda g: g.expires_at)
        if not grants:
            return []
        names = Gate(self.user).read_names(cases=[g.case_id for g in grants], action=Action.READ)
        glass = []
        for g in grants:
            named = names.case(g.case_id)
            label = f"case {named.reference}" + (f" ({named.name})" if named.name else "")
            glass.append(ActiveGlass(g.case_id, g.person_id, g.expires_at, label))
        return glass


def layout(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `staff` is None for visitors who have not signed in."""
    user = request.user
    if not user.is_authenticated:
        return {"staff": None}
    assert isinstance(user, User)
    return {"staff": StaffLayout(user, is_verified(user))}
