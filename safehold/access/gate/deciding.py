"""Deciding: where a member of staff stands to a case (distance), what the pack lets their role
read and write there, and the rule behind each decision.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable, Iterable, Sequence
from functools import cached_property
from typing import Self, cast

from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import Exists, OuterRef, Q, Value, When

from safehold.access import selectors as access_selectors
from safehold.access.gate.values import (
    Redaction,
    Refused,
    Shown,
    ShownCase,
    Withheld,
)
from safehold.access.models import User
from safehold.access.policy import AccessPolicy, Decision, Distance
from safehold.policy import selectors
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import (
    Case,
)
from safehold.rights import objections


class Deciding:
    """The gate's state for one member of staff, and its decisions: distance, the cases in
    reach, redaction and the rule behind each decision."""

    def __init__(self, user: User, *, purpose: str = "", emergency: bool = True) -> None:
        """`emergency`: whether this member of staff's break-glass grants count. They are for
        the person at the browser who typed the reason; an API token acting for them (an
        integration) never inherits them."""
        if not user.is_authenticated or user.controller_id is None:
            raise Refused(Decision(False, "only staff of a controller can reach personal data"))
        self.user = user
        version = selectors.controller_version(user.controller_id)
        pack = selectors.pack_of(version)
        self.policy = AccessPolicy(pack, version.pk, f"{pack.code} v{version.version}")
        self.role = user.role
        role = self.policy.role(user.role)
        self.is_dpo = bool(role and role.manages_policy)
        self.may_break_glass = bool(role and role.break_glass)
        self.purpose_override = purpose
        # How each kind of record is redacted at each distance, worked out once per gate.
        self._redactions: dict[tuple[str, Distance, str], Redaction] = {}
        # Break-glass in force per case, with its reason, in one query (newest wins).
        self.glass_reasons: dict[int, str] = (
            {g.case_id: g.reason for g in access_selectors.glass_in_force(user)}
            if emergency
            else {}
        )
        # The cases this gate has shown under break-glass: every audit entry about them then
        # carries the reason, whatever record of the case was read.
        self._under_glass: set[int] = set()
        self._purposes = {
            service.code: next(
                (p.code for p in pack.purposes if not p.services or service.code in p.services), ""
            )
            for service in pack.services
        }
        # The cases an objection in force stops (Article 21), as one SQL filter; None when
        # the pack marks nothing objectable, so other packs pay nothing for it.
        self._objected = objections.stopped(pack, purpose)

    @cached_property
    def _teams(self) -> list[tuple[int, list[str]]]:
        # Once a request, with the user where they signed in by session (access.backends);
        # otherwise read when first needed (a list of my own cases never needs them).
        return access_selectors.teams_of(self.user)

    @cached_property
    def team_ids(self) -> list[int]:
        return [pk for pk, _ in self._teams]

    @cached_property
    def services(self) -> list[str]:
        return sorted({s for _, services in self._teams for s in services})

    def shape(self) -> tuple[Hashable, list[int]]:
        """What shapes the SQL of this gate's queries (the pack version, role and purpose,
        the services its teams hold, how many teams and break-glass grants), and the ids that
        fill it: the member of staff, their controller, their teams and the cases under
        break-glass, in the order `with_ids` reads them (safehold.compiled)."""
        key = (
            self.policy.pack_version_id,
            self.policy.pack.code,
            self.role,
            self.is_dpo,
            self.purpose_override,
            tuple(self.services),
            len(self.team_ids),
            len(self.glass_reasons),
        )
        controller = cast(int, self.user.controller_id)  # staff of a controller: see __init__
        ids = [self.user.pk, controller, *self.team_ids, *self.glass_reasons]
        return key, ids

    def with_ids(self, ids: Sequence[int]) -> Self:
        """This gate as if for the member of staff, controller, teams and break-glass cases
        these ids name (in `shape`'s order): to build its queries with stand-ins in them.
        Only for building SQL: it reads nothing and writes nothing."""
        twin = copy.copy(self)
        teams = len(self.team_ids)
        twin.user = User(pk=ids[0], controller_id=ids[1], role=self.role)
        twin.__dict__["team_ids"] = list(ids[2 : 2 + teams])
        twin.__dict__["services"] = self.services
        twin.glass_reasons = dict.fromkeys(ids[2 + teams :], "")
        return twin

    def distance_expression(self, prefix: str = "") -> SqlCase:
        whens = [When(Q(**{f"{prefix}allocated_to_id": self.user.pk}), then=Value(0))]
        if self.team_ids:
            whens.append(When(Q(**{f"{prefix}team_id__in": self.team_ids}), then=Value(1)))
        same_controller = Q(**{f"{prefix}controller_id": self.user.controller_id})
        if self.services:
            whens.append(
                When(same_controller & Q(**{f"{prefix}service__in": self.services}), then=Value(2))
            )
        whens.append(When(same_controller, then=Value(3)))
        return SqlCase(
            *whens, default=Value(int(Distance.NONE)), output_field=models.IntegerField()
        )

    def distance_to(self, case_id: int) -> Distance:
        found = (
            Case.objects.filter(pk=case_id)
            .annotate(gate_distance=self.distance_expression())
            .values_list("gate_distance", flat=True)
            .first()
        )
        return Distance(found) if found is not None else Distance.NONE

    def _distance_of_new(self, case: Case) -> Distance:
        if case.allocated_to_id == self.user.pk:
            return Distance.ALLOCATED
        if case.team_id in self.team_ids:
            return Distance.TEAM
        if case.controller_id != self.user.controller_id:
            return Distance.NONE
        return Distance.SERVICE if case.service in self.services else Distance.CONTROLLER

    def purpose_for(self, service: str) -> str:
        # Without a service (a refusal before the case is known), the pack's first purpose:
        # the log must always say why, and that is why staff use the system at all.
        return (
            self.purpose_override
            or self._purposes.get(service, "")
            or self.policy.pack.purposes[0].code
        )

    def cases(self, *, allocated_only: bool = False) -> models.QuerySet[Case]:
        """The cases this member of staff may see at all, with their distance, in SQL.

        `allocated_only`: just those allocated to them. Their distance is 0 by definition, so
        it is not worked out case by case: the CASE expression costs more to build and compile
        than a caseload's query takes to run."""
        widest = self.policy.widest(self.role, "read")
        visible = Q(gate_distance__lte=int(widest)) if widest != Distance.NONE else Q(pk__in=[])
        if self.glass_reasons:
            visible |= Q(pk__in=list(self.glass_reasons))
        if allocated_only:
            distance: SqlCase | Value = Value(int(Distance.ALLOCATED))
            qs = Case.objects.filter(allocated_to=self.user)
        else:
            distance, qs = self.distance_expression(), Case.objects.all()
        qs = qs.annotate(gate_distance=distance).filter(visible)
        if not self.is_dpo:
            qs = qs.filter(restricted=False, person__restricted=False)
            if self._objected is not None:
                qs = qs.exclude(self._objected)
        return qs

    def visible_case(self, case_id: int) -> Case | None:
        """One case with its person, if this member of staff may see it at all, with its
        `gate_distance`: what `cases().select_related("person").filter(pk=...)` answers, decided
        in Python on the one row (`_distance_of_new` is the CASE expression's twin), so a
        single-case verb does not build and compile the expression for one row."""
        case = Case.objects.select_related("person").filter(pk=case_id).first()
        if case is None:
            return None
        distance = self._distance_of_new(case)
        widest = self.policy.widest(self.role, "read")
        visible = (widest != Distance.NONE and distance <= widest) or case.pk in self.glass_reasons
        if not visible or (not self.is_dpo and (case.restricted or case.person.restricted)):
            return None
        case.gate_distance = int(distance)  # type: ignore[attr-defined]
        return case

    def _why_not(self, case_id: int) -> Decision:
        """Why this member of staff may not read a case, saying no more than they may know.

        Another controller's case is refused exactly as a case that does not exist, so that
        no answer tells one council what another holds; a restriction (Article 18) is named
        only to someone who could otherwise see the case, and a statistics-only role is told
        only that it reaches no case."""
        if self.policy.statistics_only(self.role):
            return self.policy.statistics_refusal(self.role)
        row = (
            Case.objects.filter(pk=case_id, controller_id=self._controller_id)
            .annotate(gate_distance=self.distance_expression())
            .values("gate_distance", "restricted", "person__restricted", "person_id", "service")
            .first()
        )
        where = self.policy.label
        if row is None:
            return Decision(False, f"{where}: no such case for this controller")
        distance = Distance(row["gate_distance"])
        restricted = row["restricted"] or row["person__restricted"]
        if restricted and not self.is_dpo and self._could_see(case_id, distance):
            return Decision(
                False,
                f"{where}: processing is restricted (UK GDPR Article 18); only the DPO may read it",
            )
        if self._objected is not None and not self.is_dpo and self._could_see(case_id, distance):
            objected = objections.in_force(row["person_id"], self.purpose_for(row["service"]))
            if objected is not None:
                return Decision(False, f"{where}: {objections.words(objected)}")
        return Decision(
            False,
            f"{where}: role '{self.role}' may not read cases at {distance.name.lower()} distance"
            + ("; break glass with a reason if it is urgent" if self.may_break_glass else ""),
        )

    def _could_see(self, case_id: int, distance: Distance) -> bool:
        """Whether this member of staff could see a case of their controller were it not
        restricted: at a distance their role reads, or by breaking glass."""
        return (
            distance <= self.policy.widest(self.role, "read")
            or self.may_break_glass
            or case_id in self.glass_reasons
        )

    def show(
        self, record: str, obj: models.Model, distance: Distance, *, action: str = "read"
    ) -> Shown:
        """Redact a record's fields by category for this role at this distance."""
        redaction = self._redaction(record, distance, action)
        return Shown(
            record,
            obj.pk,
            redaction.values_of(obj),
            redaction.categories,
            getattr(obj, "version", None),
        )

    def _redaction(self, record: str, distance: Distance, action: str) -> Redaction:
        # The same for every record of a kind at one distance: decided once, not per field of
        # every row (a caseload shows 50 cases and 50 people).
        key = (record, distance, action)
        found = self._redactions.get(key)
        if found is not None:
            return found
        readable = self.policy.categories(self.role, action, distance)
        fields: list[tuple[str, Withheld | None]] = []
        shown_categories: set[str] = set()
        for name in RECORD_FIELDS[record]:
            category = self.policy.category(record, name)
            if category is None:
                fields.append(
                    (name, Withheld(None, "the pack puts this field in no data category"))
                )
            elif category in readable:
                fields.append((name, None))
                shown_categories.add(category)
            else:
                rule = self.policy.decide(self.role, action, category, distance).rule
                fields.append((name, Withheld(category, rule)))
        found = self._redactions[key] = Redaction(tuple(fields), frozenset(shown_categories))
        return found

    def check_write(
        self,
        record: str,
        fields: Iterable[str],
        case: Case | None,
        *,
        distance: Distance | None = None,
    ) -> Decision:
        """`distance`: this member of staff's to `case`, when the caller has just worked it
        out (a plan and its actions are written to one case, checked once)."""
        if distance is not None:
            pass
        elif case is not None and case.pk is None:
            # A case being opened: the same rules as the SQL expression, on the unsaved row.
            distance = self._distance_of_new(case)
        elif case is not None:
            distance = self.distance_to(case.pk)
        else:
            distance = Distance.NONE
        if case is not None and (case.restricted or case.person.restricted) and not self.is_dpo:
            return Decision(False, f"{self.policy.label}: processing is restricted (Article 18)")
        if case is None:
            distance = Distance.CONTROLLER
        return self._decide_write(record, fields, distance)

    def list_distance(self, *, team: bool, everything: bool) -> Distance:
        """The farthest a case on a list can stand, as it is read (break-glass as allocated)."""
        if everything:
            widest = self.policy.widest(self.role, "read")
            return Distance.ALLOCATED if widest == Distance.NONE else widest
        return Distance.TEAM if team else Distance.ALLOCATED

    def read_all(self, fields: Iterable[str], distance: Distance) -> Decision:
        decisions = [self.read_decision(dotted, distance) for dotted in fields]
        return next((d for d in decisions if not d), decisions[0])

    def read_decision(self, dotted: str, distance: Distance) -> Decision:
        record, name = dotted.split(".")
        category = self.policy.category(record, name)
        if category is None:
            return Decision(False, f"{self.policy.label}: {dotted} is in no data category")
        return self.policy.decide(self.role, "read", category, distance)

    @property
    def controller_id(self) -> int:
        """The controller this gate works for: every record it reaches is theirs."""
        assert self.user.controller_id is not None  # __init__ refuses staff without one
        return self.user.controller_id

    @property
    def _controller_id(self) -> int:
        return self.controller_id

    @property
    def _pack_version_id(self) -> int:
        assert self.policy.pack_version_id is not None  # __init__ reads it from the controller
        return self.policy.pack_version_id

    def may_break_glass_into(self, case_id: int) -> bool:
        """Whether breaking glass would open this case: the role may, and the case is this
        controller's and not restricted (restriction holds even against break-glass)."""
        if not self.may_break_glass:
            return False
        return Case.objects.filter(
            pk=case_id,
            controller_id=self._controller_id,
            restricted=False,
            person__restricted=False,
        ).exists()

    @staticmethod
    def _reading_distance(shown: ShownCase) -> Distance:
        # Break-glass reads as if allocated (as records() does).
        return Distance.ALLOCATED if shown.break_glass else shown.distance

    def writable(self, record: str, shown: ShownCase | None = None) -> frozenset[str]:
        """The fields of a record this member of staff may write on this case or, with no
        case, on a new case allocated to them: forms offer only these. Break-glass never
        writes, so the true distance counts."""
        distance = shown.distance if shown is not None else Distance.ALLOCATED
        categories = self.policy.categories(self.role, "write", distance)
        return frozenset(
            n for n in RECORD_FIELDS[record] if self.policy.category(record, n) in categories
        )

    def _decide_write(self, record: str, fields: Iterable[str], distance: Distance) -> Decision:
        rules = []
        for name in fields:
            category = self.policy.category(record, name)
            if category is None:
                return Decision(
                    False, f"{self.policy.label}: {record}.{name} is in no data category"
                )
            decision = self.policy.decide(self.role, "write", category, distance)
            if not decision:
                return decision
            rules.append(decision.rule)
        return Decision(True, rules[0] if rules else f"{self.policy.label}: nothing to write")

    @property
    def allocates(self) -> bool:
        role = self.policy.role(self.role)
        return bool(role and role.allocates_cases)

    def _reach(self, *fields: str) -> Q | Decision:
        """The cases through which all these fields may be read: those at a distance where
        the role reads them (and any it has broken glass into, read as if allocated); or the
        refusal, where the role reads them nowhere."""
        decision = Decision(False, "")
        for distance in (
            Distance.CONTROLLER,
            Distance.SERVICE,
            Distance.TEAM,
            Distance.ALLOCATED,
        ):
            decisions = [self.read_decision(f, distance) for f in fields]
            decision = next((d for d in decisions if not d), decisions[0])
            if decision:
                reach = Q(gate_distance__lte=int(distance))
                if self.glass_reasons:
                    reach |= Q(pk__in=list(self.glass_reasons))
                return reach
        return decision

    def _reachable(self, reach: Q) -> Exists:
        return Exists(self.cases().filter(reach, person_id=OuterRef("pk")))

    def _read_rule(self, distance: Distance, glass: bool) -> str:
        if glass:
            return f"{self.policy.label}: break-glass access by role '{self.role}'"
        return f"{self.policy.label}: role '{self.role}' reads at {distance.name.lower()} distance"
