"""The demo's staff: teams, and members of staff for every role of a pack, hired as the cases
need them (a full caseload is 50 open cases).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import models

from safehold.access.models import Team, User
from safehold.access.policy import AccessPolicy, Distance
from safehold.demo.vocabulary import Pools
from safehold.policy.models import Controller
from safehold.policy.schema import Pack
from safehold.policy.schema import Relationship as GrantRelationship

TEAM_NAMES = ("North", "South", "East", "West")
# Open cases per case manager: a full caseload is 50, and about half the workers carry one.
FULL_CASELOAD = 50


@dataclass
class Worker:
    user: User
    team: Team
    capacity: int
    open_cases: int = 0


class Workforce:
    """A controller's staff for every role of its pack, hired as the cases need them."""

    def __init__(
        self,
        controller: Controller,
        pack: Pack,
        teams: list[Team],
        password_hash: str | None,
        pools: Pools,
        rng: random.Random,
    ) -> None:
        self.controller = controller
        self.teams = teams
        self.password_hash = password_hash
        self.pools = pools
        self.rng = rng
        self.pending: list[Worker] = []
        self.workers: dict[str, list[Worker]] = {}
        self.free: dict[str, list[Worker]] = {}  # case managers with room for another case
        self.turn = Counter[str]()
        # Case managers: the roles that read what is allocated to them.
        self.case_roles = [
            role.code
            for role in pack.roles
            if any(
                "read" in g.actions and g.relationship == GrantRelationship.ALLOCATED
                for g in role.grants
            )
        ]
        # Usernames are `<role>.<n>`; a later run carries on from the highest n.
        prefixes = models.Q(pk__in=[])
        for role in pack.roles:
            prefixes |= models.Q(username__startswith=f"{role.code}.")
        self.numbers = Counter[str]()
        for username in User.objects.filter(prefixes).values_list("username", flat=True):
            code, _, number = username.rpartition(".")
            if number.isdigit():
                self.numbers[code] = max(self.numbers[code], int(number))
        policy = AccessPolicy(pack)
        for role in pack.roles:
            if role.code in self.case_roles or policy.widest(role.code) == Distance.TEAM:
                for team in teams:  # case managers and team managers in every team
                    self.hire(role.code, team)
            else:
                self.hire(role.code)

    def hire(self, role: str, team: Team | None = None) -> Worker:
        rng = self.rng
        self.numbers[role] += 1
        female = rng.random() < 0.6
        given = rng.choice(self.pools.female if female else self.pools.male)
        family = rng.choice(self.pools.surnames)
        user = User(
            username=f"{role}.{self.numbers[role]}",
            first_name=given,
            last_name=family,
            email=f"{given}.{family}@{self.controller.code}.example.org".lower().replace(" ", ""),
            role=role,
            controller=self.controller,
            password=self.password_hash or make_password(None),
        )
        capacity = (
            FULL_CASELOAD
            if rng.random() < 0.5
            else rng.randint(FULL_CASELOAD // 2, FULL_CASELOAD - 1)
        )
        team = team or self.teams[sum(map(len, self.workers.values())) % len(self.teams)]
        worker = Worker(user, team, capacity)
        self.pending.append(worker)
        self.workers.setdefault(role, []).append(worker)
        self.free.setdefault(role, [])
        if role in self.case_roles:
            self.free[role].append(worker)
        return worker

    def allocate(self, role: str, open_case: bool) -> Worker:
        """A worker of `role` for a case. Open cases go round the workers with room, up to each
        one's capacity; when all are full, another worker is hired."""
        if not open_case:
            return self.rng.choice(self.workers[role])
        free = self.free[role]
        if not free:
            self.hire(role)  # joins the free list
        self.turn[role] += 1
        worker = free[self.turn[role] % len(free)]
        worker.open_cases += 1
        if worker.open_cases >= worker.capacity:
            free.remove(worker)
        return worker

    def take_pending(self) -> list[Worker]:
        pending, self.pending = self.pending, []
        return pending
