"""A pack's access rules, compiled for the gate: which role may do what, at which distance.

Pure functions of the pack (no database), so every decision can be derived and explained
from the pack alone, and the gate's tests can compute their expected outcomes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

from safehold.policy.schema import ROLE_POWERS, Pack, Role


class Distance(IntEnum):
    """How close a member of staff is to a case; a grant at one distance holds at all nearer."""

    ALLOCATED = 0
    TEAM = 1
    SERVICE = 2
    CONTROLLER = 3
    NONE = 9


DISTANCE_OF = {
    "allocated": Distance.ALLOCATED,
    "team": Distance.TEAM,
    "service": Distance.SERVICE,
    "controller": Distance.CONTROLLER,
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str

    def __bool__(self) -> bool:
        return self.allowed


def effective_role(role: Role) -> Role:
    """The role as the gate applies it. A statistics-only role sees aggregate statistics and
    never a single person or case, so whatever grants or powers a pack gives it reach no one
    (`policy.checks` warns of such grants and refuses such powers)."""
    if not role.statistics_only:
        return role
    return role.model_copy(
        update={"grants": [], "holds_cases": False, **dict.fromkeys(ROLE_POWERS, False)}
    )


@dataclass(frozen=True)
class AccessPolicy:
    pack: Pack
    pack_version_id: int | None = None
    label: str = ""

    # --- fields and categories ----------------------------------------------------------------

    @cached_property
    def category_of_field(self) -> dict[str, str]:
        return {name: c.code for c in self.pack.categories for name in c.holds}

    @cached_property
    def all_categories(self) -> frozenset[str]:
        return frozenset(c.code for c in self.pack.categories)

    def category(self, record: str, name: str) -> str | None:
        return self.category_of_field.get(f"{record}.{name}")

    # --- grants -------------------------------------------------------------------------------

    @cached_property
    def roles(self) -> dict[str, Role]:
        return {role.code: effective_role(role) for role in self.pack.roles}

    def statistics_only(self, role_code: str) -> bool:
        """Whether the role sees aggregate statistics only, never a person or a case."""
        role = self.role(role_code)
        return role is not None and role.statistics_only

    def statistics_refusal(self, role_code: str) -> Decision:
        """The refusal of every record to a statistics-only role: the same for every case and
        person, so that it tells the role nothing about any of them."""
        return Decision(
            False,
            f"{self.label or self.pack.code}: role '{role_code}' is for statistics only: it "
            "sees aggregate statistics, never a single person or case",
        )

    def role(self, code: str) -> Role | None:
        return self.roles.get(code)

    def categories(self, role_code: str, action: str, distance: Distance) -> frozenset[str]:
        """The categories a role may act on at this distance from a case."""
        role = self.role(role_code)
        if role is None or distance == Distance.NONE:
            return frozenset()
        found: set[str] = set()
        for grant in role.grants:
            if action in grant.actions and DISTANCE_OF[grant.relationship] >= distance:
                found |= self.all_categories if "*" in grant.categories else set(grant.categories)
        return frozenset(found)

    def widest(self, role_code: str, action: str = "read") -> Distance:
        """The farthest distance at which the role may act at all (NONE if never)."""
        role = self.role(role_code)
        if role is None:
            return Distance.NONE
        distances = [
            DISTANCE_OF[g.relationship] for g in role.grants if action in g.actions and g.categories
        ]
        return max(distances, default=Distance.NONE)

    def decide(self, role_code: str, action: str, category: str, distance: Distance) -> Decision:
        """May this role do this to this category at this distance, and by which rule?"""
        where = self.label or self.pack.code
        role = self.role(role_code)
        if role is None:
            return Decision(False, f"{where}: '{role_code}' is not a role of this pack")
        if role.statistics_only:
            return self.statistics_refusal(role_code)
        if distance == Distance.NONE:
            return Decision(False, f"{where}: role '{role_code}' has no relationship to the case")
        for i, grant in enumerate(role.grants, 1):
            if (
                action in grant.actions
                and DISTANCE_OF[grant.relationship] >= distance
                and ("*" in grant.categories or category in grant.categories)
            ):
                return Decision(
                    True,
                    f"{where}: role '{role_code}' grant {i} ({action} "
                    f"{', '.join(grant.categories)} up to {grant.relationship.value})",
                )
        return Decision(
            False,
            f"{where}: no grant of role '{role_code}' allows {action} of '{category}' at "
            f"{distance.name.lower()} distance",
        )
