"""The one gate: every read and write of personal data passes here, and is audited.

The gate decides from the policy pack (the role's grants), the member of staff's distance to
the case (allocated, same team, same service, same controller), restriction of processing
and break-glass. Lists are filtered in SQL; fields are redacted by the data category the pack
puts them in; every decision names the rule that made it and is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Case as SqlCase
from django.db.models import Q, Value, When
from django.utils import timezone

from safehold.access.models import BreakGlass, User
from safehold.access.policy import AccessPolicy, Decision, Distance
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import AuditEntry, append
from safehold.policy import selectors
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import Case, CaseRecord, Person

BREAK_GLASS_MINUTES = 60


@dataclass(frozen=True)
class Withheld:
    """A value the gate did not show, and why: never a silent gap."""

    category: str | None
    reason: str

    def __str__(self) -> str:
        return "Withheld"


@dataclass
class Shown:
    """A record as this member of staff may see it."""

    record: str
    pk: int
    values: dict[str, Any]
    categories: frozenset[str]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def withheld(self) -> dict[str, Withheld]:
        return {k: v for k, v in self.values.items() if isinstance(v, Withheld)}


@dataclass
class ShownCase:
    case: Shown
    person: Shown
    distance: Distance
    break_glass: bool
    case_id: int
    person_id: int
    service: str
    records: dict[str, list[Shown]] = field(default_factory=dict)


class Refused(PermissionDenied):
    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.rule)
        self.decision = decision


class Gate:
    """The gate for one member of staff, for one request or job."""

    def __init__(self, user: User, *, purpose: str = "") -> None:
        if not user.is_authenticated or user.controller_id is None:
            raise Refused(Decision(False, "only staff of a controller can reach personal data"))
        self.user = user
        controller = user.controller
        assert controller is not None
        version = controller.pack_version
        pack = selectors.pack_of(version)
        self.policy = AccessPolicy(pack, version.pk, f"{pack.code} v{version.version}")
        self.role = user.role
        role = self.policy.role(user.role)
        self.is_dpo = bool(role and role.manages_policy)
        self.may_break_glass = bool(role and role.break_glass)
        self.purpose_override = purpose
        self.team_ids = list(user.teams.values_list("pk", flat=True))
        self.services = sorted(
            {s for ss in user.teams.values_list("services", flat=True) for s in ss}
        )
        # Active break-glass per case, with its reason, in one query (newest wins).
        self.glass_reasons: dict[int, str] = dict(
            BreakGlass.objects.active()
            .filter(user=user)
            .order_by("started_at")
            .values_list("case_id", "reason")
        )
        self._purposes = {
            service.code: next(
                (p.code for p in pack.purposes if not p.services or service.code in p.services), ""
            )
            for service in pack.services
        }

    # --- where am I, relative to a case -----------------------------------------------------

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

    def purpose_for(self, service: str) -> str:
        # Without a service (a refusal before the case is known), the pack's first purpose:
        # the log must always say why, and that is why staff use the system at all.
        return (
            self.purpose_override
            or self._purposes.get(service, "")
            or self.policy.pack.purposes[0].code
        )

    # --- lists ------------------------------------------------------------------------------

    def cases(self) -> models.QuerySet[Case]:
        """The cases this member of staff may see at all, with their distance, in SQL."""
        widest = self.policy.widest(self.role, "read")
        visible = Q(gate_distance__lte=int(widest)) if widest != Distance.NONE else Q(pk__in=[])
        if self.glass_reasons:
            visible |= Q(pk__in=list(self.glass_reasons))
        qs = Case.objects.annotate(gate_distance=self.distance_expression()).filter(visible)
        if not self.is_dpo:
            qs = qs.filter(restricted=False, person__restricted=False)
        return qs

    def caseload(self, *, limit: int = 50, open_only: bool = True) -> list[ShownCase]:
        """My allocated cases, shown and audited in one batch."""
        qs = self.cases().filter(allocated_to=self.user)
        if open_only:
            qs = qs.filter(closed_on__isnull=True)
        rows = list(qs.select_related("person").order_by("person__family_name", "pk")[:limit])
        shown = [self._show_case(case) for case in rows]
        self._audit(
            Action.LIST,
            [(s, s.case.categories | s.person.categories) for s in shown],
        )
        return shown

    # --- one case ---------------------------------------------------------------------------

    def case(self, case_id: int) -> ShownCase:
        """One case with its person, or Refused (and the refusal is audited too)."""
        case = self.cases().select_related("person").filter(pk=case_id).first()
        if case is None:
            decision = self._why_not(case_id)
            self._refuse(decision, case_id=case_id)
            raise Refused(decision)
        shown = self._show_case(case)
        self._audit(Action.READ, [(shown, shown.case.categories | shown.person.categories)])
        return shown

    def _why_not(self, case_id: int) -> Decision:
        row = (
            Case.objects.filter(pk=case_id)
            .annotate(gate_distance=self.distance_expression())
            .values("gate_distance", "restricted", "person__restricted")
            .first()
        )
        where = self.policy.label
        if row is None:
            return Decision(False, f"{where}: no such case")
        if (row["restricted"] or row["person__restricted"]) and not self.is_dpo:
            return Decision(
                False,
                f"{where}: processing is restricted (UK GDPR Article 18); only the DPO may read it",
            )
        distance = Distance(row["gate_distance"])
        return Decision(
            False,
            f"{where}: role '{self.role}' may not read cases at {distance.name.lower()} distance"
            + ("; break glass with a reason if it is urgent" if self.may_break_glass else ""),
        )

    def _show_case(self, case: Case) -> ShownCase:
        glass = case.pk in self.glass_reasons
        true_distance = Distance(getattr(case, "gate_distance", Distance.NONE))
        # Break-glass reads as if allocated; it never grants writes.
        distance = Distance.ALLOCATED if glass else true_distance
        return ShownCase(
            case=self.show("case", case, distance),
            person=self.show("person", case.person, distance),
            distance=true_distance,
            break_glass=glass and true_distance > Distance.ALLOCATED,
            case_id=case.pk,
            person_id=case.person_id,
            service=case.service,
        )

    def show(self, record: str, obj: models.Model, distance: Distance) -> Shown:
        """Redact a record's fields by category for this role at this distance."""
        readable = self.policy.categories(self.role, "read", distance)
        values: dict[str, Any] = {}
        shown_categories: set[str] = set()
        for name in RECORD_FIELDS[record]:
            category = self.policy.category(record, name)
            if category is None:
                values[name] = Withheld(None, "the pack puts this field in no data category")
            elif category in readable:
                values[name] = getattr(obj, name)
                shown_categories.add(category)
            else:
                values[name] = Withheld(
                    category, self.policy.decide(self.role, "read", category, distance).rule
                )
        return Shown(record, obj.pk, values, frozenset(shown_categories))

    def records(
        self, shown_case: ShownCase, model: type[models.Model], *, limit: int = 200
    ) -> list[Shown]:
        """The records of one model on a case already passed by the gate."""
        # Only records that hang off a case can be reached through one.
        assert issubclass(model, CaseRecord), f"{model.__name__} is not a record of a case"
        record = str(model._meta.model_name)
        distance = Distance.ALLOCATED if shown_case.break_glass else shown_case.distance
        objects = list(
            model._default_manager.filter(case_id=shown_case.case_id).order_by("-pk")[:limit]
        )
        shown = [self.show(record, obj, distance) for obj in objects]
        self._audit(
            Action.READ,
            [(s, s.categories) for s in shown],
            case_id=shown_case.case_id,
            person_id=shown_case.person_id,
            record=record,
        )
        return shown

    # --- writes -----------------------------------------------------------------------------

    def check_write(self, record: str, fields: Iterable[str], case: Case | None) -> Decision:
        distance = Distance.NONE
        if case is not None:
            row = Case.objects.filter(pk=case.pk).annotate(gate_distance=self.distance_expression())
            found = row.values_list("gate_distance", flat=True).first()
            distance = Distance(found) if found is not None else Distance.NONE
            if (case.restricted or case.person.restricted) and not self.is_dpo:
                return Decision(
                    False, f"{self.policy.label}: processing is restricted (Article 18)"
                )
        else:
            distance = Distance.CONTROLLER
        decisions = []
        for name in fields:
            category = self.policy.category(record, name)
            if category is None:
                return Decision(
                    False, f"{self.policy.label}: {record}.{name} is in no data category"
                )
            decision = self.policy.decide(self.role, "write", category, distance)
            if not decision:
                return decision
            decisions.append(decision.rule)
        return Decision(
            True, decisions[0] if decisions else f"{self.policy.label}: nothing to write"
        )

    def write(
        self, obj: models.Model, values: dict[str, Any], *, case: Case | None
    ) -> models.Model:
        """Set and save fields through the gate, or refuse; either way it is audited."""
        record = obj._meta.model_name
        assert record in RECORD_FIELDS
        decision = self.check_write(record, values, case)
        person_id = case.person_id if case else (obj.pk if isinstance(obj, Person) else None)
        if not decision:
            self._refuse(
                decision, case_id=case.pk if case else None, person_id=person_id, record=record
            )
            raise Refused(decision)
        categories = {self.policy.category(record, n) or "" for n in values}
        with transaction.atomic():
            creating = obj.pk is None
            for name, value in values.items():
                setattr(obj, name, value)
            if hasattr(obj, "pack_version_id"):
                # Every record remembers the pack version it was written under.
                obj.pack_version_id = self.policy.pack_version_id
            obj.save()
            append(
                [
                    self._entry(
                        Action.CREATE if creating else Action.UPDATE,
                        decision.rule,
                        categories,
                        case_id=case.pk if case else None,
                        # A new person has its id only now, after the save.
                        person_id=obj.pk if isinstance(obj, Person) else person_id,
                        record=record,
                        record_id=obj.pk,
                        service=case.service if case else "",
                    )
                ]
            )
        return obj

    # --- break glass ------------------------------------------------------------------------

    def break_glass(
        self, case_id: int, reason: str, *, minutes: int = BREAK_GLASS_MINUTES
    ) -> BreakGlass:
        reason = reason.strip()
        if not self.may_break_glass:
            decision = Decision(
                False, f"{self.policy.label}: role '{self.role}' may not break glass"
            )
            self._refuse(decision, case_id=case_id, action=Action.BREAK_GLASS, reason=reason)
            raise Refused(decision)
        if len(reason) < 10:
            raise ValueError("Give the reason for breaking glass in at least 10 characters.")
        case = Case.objects.filter(pk=case_id, controller=self.user.controller).first()
        if case is None:
            decision = Decision(False, f"{self.policy.label}: no such case for this controller")
            self._refuse(decision, case_id=case_id, action=Action.BREAK_GLASS, reason=reason)
            raise Refused(decision)
        now = timezone.now()
        with transaction.atomic():
            glass = BreakGlass.objects.create(
                user=self.user,
                case=case,
                reason=reason,
                started_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
            append(
                [
                    self._entry(
                        Action.BREAK_GLASS,
                        f"{self.policy.label}: role '{self.role}' may break glass; flagged for the DPO",
                        set(),
                        case_id=case.pk,
                        person_id=case.person_id,
                        reason=reason,
                        service=case.service,
                    )
                ]
            )
        self.glass_reasons[case.pk] = reason
        return glass

    # --- audit ------------------------------------------------------------------------------

    def _entry(
        self,
        action: str,
        rule: str,
        categories: Iterable[str],
        *,
        decision: str = AuditDecision.ALLOWED,
        case_id: int | None = None,
        person_id: int | None = None,
        record: str = "",
        record_id: int | None = None,
        reason: str = "",
        service: str = "",
    ) -> AuditEntry:
        return AuditEntry(
            actor_label=self.user.get_username(),
            actor_id=self.user.pk,
            action=action,  # type: ignore[arg-type]
            decision=decision,  # type: ignore[arg-type]
            rule=rule,
            person_id=person_id,
            case_id=case_id,
            record_type=record,
            record_id=record_id,
            categories=sorted(c for c in categories if c),
            purpose=self.purpose_for(service),
            reason=reason,
            pack_version_id=self.policy.pack_version_id,
        )

    def _audit(
        self,
        action: str,
        shown: Sequence[tuple[ShownCase | Shown, frozenset[str]]],
        *,
        case_id: int | None = None,
        person_id: int | None = None,
        record: str = "",
    ) -> None:
        entries = []
        for item, categories in shown:
            if isinstance(item, ShownCase):
                glass = item.break_glass
                entries.append(
                    self._entry(
                        action,
                        self._read_rule(item.distance, glass),
                        categories,
                        case_id=item.case_id,
                        person_id=item.person_id,
                        record="case",
                        record_id=item.case_id,
                        reason=self.glass_reasons[item.case_id] if glass else "",
                        service=item.service,
                    )
                )
            else:
                entries.append(
                    self._entry(
                        action,
                        f"{self.policy.label}: read through the case",
                        categories,
                        case_id=case_id,
                        person_id=person_id,
                        record=record,
                        record_id=item.pk,
                    )
                )
        if entries:
            append(entries)

    def _read_rule(self, distance: Distance, glass: bool) -> str:
        if glass:
            return f"{self.policy.label}: break-glass access by role '{self.role}'"
        return f"{self.policy.label}: role '{self.role}' reads at {distance.name.lower()} distance"

    def _refuse(
        self,
        decision: Decision,
        *,
        case_id: int | None = None,
        person_id: int | None = None,
        record: str = "",
        action: str = Action.REFUSE,
        reason: str = "",
    ) -> None:
        append(
            [
                self._entry(
                    action,
                    decision.rule,
                    (),
                    decision=AuditDecision.REFUSED,
                    case_id=case_id,
                    person_id=person_id,
                    record=record,
                    reason=reason,
                )
            ]
        )
