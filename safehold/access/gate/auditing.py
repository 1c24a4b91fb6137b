"""Auditing: the audit entries every read, write and refusal appends, and who has seen a
young person's record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import F

from safehold.access.gate.batching import append
from safehold.access.gate.deciding import Deciding
from safehold.access.gate.values import (
    Refused,
    RefusedCase,
    Shown,
    ShownCase,
    ShownChange,
    Withheld,
)
from safehold.access.policy import Decision, Distance
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import AuditEntry, as_lists
from safehold.records.models import (
    Case,
    Person,
)


class Auditing(Deciding):
    """The audit entries of reads, lists and refusals, appended in one batch per call."""

    def _append(self, entries: Sequence[AuditEntry]) -> None:
        """Append what one call of the gate showed: entries alike but for whom they are about
        (a caseload's cases, a search's people) as one event listing them (docs/adr/0024)."""
        append(as_lists(entries))

    def _case_list_entries(
        self, action: str, shown: Sequence[tuple[ShownCase, frozenset[str]]]
    ) -> list[AuditEntry]:
        """The entries of cases shown together (a caseload): exactly what `as_lists` makes of
        each case's own `_case_entry`, but made once per kind of entry, not once per case
        and grouped after. Cases read under the same rule, for the same purpose and reason,
        with the same categories, are one entry listing them as subjects, in order shown."""
        rules: dict[tuple[Distance, bool], str] = {}
        groups: dict[tuple[str, frozenset[str], str, str], list[ShownCase]] = {}
        for item, categories in shown:
            how = (item.distance, item.break_glass)
            rule = rules.get(how)
            if rule is None:
                rule = rules[how] = self._read_rule(item.distance, item.break_glass)
            # As `_entry` does: a case shown under break-glass is read with its reason.
            glass = item.break_glass or item.case_id in self._under_glass
            reason = self.glass_reasons[item.case_id] if glass else ""
            key = (rule, categories - {""}, self.purpose_for(item.service), reason)
            groups.setdefault(key, []).append(item)
        entries = []
        for (rule, categories, purpose, reason), items in groups.items():
            if len(items) == 1:
                entries.append(self._case_entry(action, items[0], categories))
                continue
            entries.append(
                AuditEntry(
                    actor_label=self.user.get_username(),
                    actor_id=self.user.pk,
                    action=action,  # type: ignore[arg-type]
                    decision=AuditDecision.ALLOWED,
                    rule=rule,
                    record_type="case",
                    categories=sorted(categories),
                    purpose=purpose,
                    reason=reason,
                    pack_version_id=self.policy.pack_version_id,
                    subjects=[(i.person_id, i.case_id, i.case_id) for i in items],
                )
            )
        return entries

    def _audit_changes(
        self, changes: list[ShownChange], *, case_id: int | None, person_id: int
    ) -> None:
        shown: dict[tuple[str, int, int | None], set[str]] = {}
        for change in changes:
            if change.category:
                key = (change.record, change.record_id, change.case_id or case_id)
                shown.setdefault(key, set()).add(change.category)
        self._append(
            [
                self._entry(
                    Action.READ,
                    f"{self.policy.label}: read the record's history through the case",
                    categories,
                    case_id=via,
                    person_id=person_id,
                    record=record,
                    record_id=pk,
                )
                for (record, pk, via), categories in shown.items()
            ]
        )

    def _refuse_person(self, person_id: int) -> RefusedCase:
        """Refuse (and audit) a person out of reach, through their latest case of this
        controller: someone another controller holds is refused as someone nobody holds. A
        statistics-only role is told only that it reaches no one, whoever is asked for."""
        statistics = self.policy.statistics_only(self.role)
        latest = (
            None
            if statistics
            else Case.objects.filter(person_id=person_id, controller_id=self._controller_id)
            .order_by(F("closed_on").desc(nulls_first=True), "-opened_on", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if statistics:
            decision = self.policy.statistics_refusal(self.role)
        elif latest is not None:
            decision = self._why_not(latest)
        else:
            decision = Decision(
                False,
                f"{self.policy.label}: staff reach a person only through one of their cases, "
                "and there is none",
            )
        self._refuse(decision, case_id=latest, person_id=person_id, record="person")
        return RefusedCase(
            decision, latest, break_glass=latest is not None and self.may_break_glass_into(latest)
        )

    def _case_entry(
        self, action: str, item: ShownCase, categories: frozenset[str] | None = None
    ) -> AuditEntry:
        """A shown case's audit entry: by default for all it showed of the case and person."""
        return self._entry(
            action,
            self._read_rule(item.distance, item.break_glass),
            item.case.categories | item.person.categories if categories is None else categories,
            case_id=item.case_id,
            person_id=item.person_id,
            record="case",
            record_id=item.case_id,
            reason=self.glass_reasons[item.case_id] if item.break_glass else "",
            service=item.service,
        )

    def audit_trail(self, person_id: int) -> Shown:
        """May this member of staff read who has seen a person's record? Managers (roles that
        allocate cases) for people on a case they may read; the DPO (manages policy) for anyone
        of the controller. Reading the trail is itself a read, so it is audited, and so is a
        refusal. Returns the person's name as the role may see it, for the page's heading."""
        if not (self.is_dpo or self.allocates):
            decision = Decision(
                False,
                f"{self.policy.label}: role '{self.role}' may not read who has seen a record; "
                "only roles that allocate cases or manage the policy may",
            )
            self._refuse(decision, person_id=person_id, record="audit")
            raise Refused(decision)
        case = (
            self.cases()
            .select_related("person")
            .filter(person_id=person_id)
            .order_by("gate_distance", "pk")  # type: ignore[misc]
            .first()
        )
        person = case.person if case is not None else None
        glass = case is not None and case.pk in self.glass_reasons
        distance = Distance(getattr(case, "gate_distance", Distance.NONE))
        if glass:
            distance = Distance.ALLOCATED
        if person is None and self.is_dpo:
            # The DPO answers for everyone the controller holds, with a case or without.
            person = Person.objects.filter(pk=person_id, controller=self.user.controller).first()
            distance = Distance.CONTROLLER
        if person is None:
            decision = Decision(
                False, f"{self.policy.label}: no record of this person is open to '{self.role}'"
            )
            self._refuse(decision, person_id=person_id, record="audit")
            raise Refused(decision)
        full = self.show("person", person, distance)
        names: dict[str, Any] = {
            n: full.values[n] for n in ("given_name", "family_name") if n in full.values
        }
        categories = frozenset(
            self.policy.category("person", n) or ""
            for n, v in names.items()
            if not isinstance(v, Withheld)
        )
        why = "manages the policy" if self.is_dpo else "allocates cases"
        append(
            [
                self._entry(
                    Action.READ,
                    f"{self.policy.label}: role '{self.role}' {why}; may read who has seen "
                    "the record",
                    categories,
                    case_id=case.pk if glass and case is not None else None,
                    person_id=person_id,
                    record="audit",
                    reason=self.glass_reasons[case.pk] if glass and case is not None else "",
                    service=case.service if case is not None else "",
                )
            ]
        )
        return Shown("person", person.pk, names, categories - {""})

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
        if not reason and case_id in self._under_glass:
            reason = self.glass_reasons[case_id]
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
        self._append(
            self._entries(action, shown, case_id=case_id, person_id=person_id, record=record)
        )

    def _entries(
        self,
        action: str,
        shown: Sequence[tuple[ShownCase | Shown, frozenset[str]]],
        *,
        case_id: int | None = None,
        person_id: int | None = None,
        record: str = "",
    ) -> list[AuditEntry]:
        return [
            self._case_entry(action, item, categories)
            if isinstance(item, ShownCase)
            else self._entry(
                action,
                f"{self.policy.label}: read through the case",
                categories,
                case_id=case_id,
                person_id=person_id,
                record=record,
                record_id=item.pk,
            )
            for item, categories in shown
        ]

    def _refuse_statistics_role(self) -> None:
        """A statistics-only role finds no one: refused, audited, before any person is asked
        about (a search is a way to a single person, whatever it would have matched)."""
        if self.policy.statistics_only(self.role):
            decision = self.policy.statistics_refusal(self.role)
            self._refuse(decision)
            raise Refused(decision)

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
