"""Writing: new records, corrections (one conditional UPDATE on the version), a new person with
their first case, and the allocation of cases; each checked and audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone

from safehold.access.gate.reading import Reading
from safehold.access.gate.values import (
    PERSON_RECORDS,
    Refused,
    RefusedCase,
    ShownCase,
    Stale,
    staff_name,
)
from safehold.access.models import User
from safehold.access.policy import Decision, Distance
from safehold.audit.models import Action
from safehold.audit.services import append
from safehold.records import validation
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import (
    Case,
    Change,
    Person,
)
from safehold.retention import services as retention


class Writing(Reading):
    """Writes, each checked against the pack and audited, or refused and audited."""

    def write(
        self,
        obj: models.Model,
        values: dict[str, Any],
        *,
        case: Case | None,
        version: int | None = None,
        distance: Distance | None = None,
    ) -> models.Model:
        """Set and save fields through the gate, or refuse; either way it is audited.

        A change to a saved record writes only the fields whose value changes, keeps each
        one's old and new value in the record's history (`Change`, docs/adr/0007) and raises
        the record's version; with `version` (the one the editor started from) it is refused
        with `Stale` if someone has saved the record since, and nothing is written."""
        record = obj._meta.model_name
        assert record in RECORD_FIELDS
        decision = self.check_write(record, values, case, distance=distance)
        person_id = case.person_id if case else (obj.pk if isinstance(obj, Person) else None)
        if not decision:
            self._refuse(
                decision, case_id=case.pk if case else None, person_id=person_id, record=record
            )
            raise Refused(decision)
        # Whoever sends it (API, form, command), nothing is saved that the record cannot hold
        # or that makes no sense for it: ValidationError, by field. (A change is checked
        # against the record as loaded; _update compares with the row as it is now.)
        for name, value in values.items():
            setattr(obj, name, value)
        validation.check(obj, values)
        if obj.pk is not None:
            return self._update(obj, values, case=case, rule=decision.rule, version=version)
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
            # Retention: a date of birth, closing date, order end or flag may have moved a
            # unit's keep-until date; recomputed in this same transaction.
            retention.after_write(obj)
        return obj

    def _update(
        self,
        obj: models.Model,
        values: dict[str, Any],
        *,
        case: Case | None,
        rule: str,
        version: int | None,
    ) -> models.Model:
        """A saved record changed: compare with the row as it is now (locked), write the fields
        that differ in one conditional UPDATE, and chain the audit event and the history rows
        in the same transaction. The values on `obj` are never trusted as the old ones: a
        caller may have set them already."""
        model = type(obj)
        record = str(model._meta.model_name)
        versioned = any(f.name == "version" for f in model._meta.concrete_fields)
        names = list(values)
        with transaction.atomic():
            rows = model._default_manager.filter(pk=obj.pk)
            current = (
                rows.select_for_update().values(*names, *(["version"] if versioned else [])).first()
            )
            if current is None:
                raise Stale(record, obj.pk, version, None)
            if versioned and version is not None and current["version"] != version:
                raise Stale(record, obj.pk, version, current["version"])
            changed = {n: v for n, v in values.items() if current[n] != v}
            for name, value in values.items():
                setattr(obj, name, value)
            if not changed:
                return obj  # nothing to write, so nothing processed and nothing to log
            update: dict[str, Any] = dict(changed)
            now = timezone.now()
            if hasattr(obj, "pack_version_id"):
                update["pack_version_id"] = self.policy.pack_version_id
                obj.pack_version_id = self.policy.pack_version_id
            if any(f.name == "updated_at" for f in model._meta.concrete_fields):
                update["updated_at"] = now
            made = None
            if versioned:
                made = current["version"] + 1
                update["version"] = made
                # Conditional on the version read: where the database took no row lock
                # (SQLite), a save that slipped in between is still caught here.
                rows = rows.filter(version=current["version"])
            if rows.update(**update) != 1:
                raise Stale(record, obj.pk, version, None)
            if made is not None:
                obj.version = made  # type: ignore[attr-defined]
            person_id = case.person_id if case else getattr(obj, "person_id", obj.pk)
            event = append(
                [
                    self._entry(
                        Action.UPDATE,
                        rule,
                        {self.policy.category(record, n) or "" for n in changed},
                        case_id=case.pk if case else None,
                        person_id=person_id,
                        record=record,
                        record_id=obj.pk,
                        service=case.service if case else "",
                    )
                ]
            )[0]
            own = record in PERSON_RECORDS
            Change.objects.bulk_create(
                Change(
                    case_id=None if own or case is None else case.pk,
                    person_id=(obj.pk if record == "person" else person_id) if own else None,
                    record_type=record,
                    record_id=obj.pk,
                    field=name,
                    old=current[name],
                    new=value,
                    version=made or 0,
                    changed_at=now,
                    changed_by=self.user,
                    audit_seq=event.seq,
                )
                for name, value in changed.items()
            )
            retention.after_write(obj)
        return obj

    def write_all(
        self, writes: Sequence[tuple[models.Model, dict[str, Any]]], *, case: Case
    ) -> list[models.Model]:
        """Records written together or not at all (a plan and its actions), each through
        write(). Every one is checked first, so a refusal (audited) comes before anything is
        saved, and no refusal's audit entry is lost with a rolled-back transaction."""
        # One distance check for the case, not one per record and again per write.
        distance = self._distance_of_new(case) if case.pk is None else self.distance_to(case.pk)
        for obj, values in writes:
            record = str(obj._meta.model_name)
            decision = self.check_write(record, values, case, distance=distance)
            if not decision:
                self._refuse(decision, case_id=case.pk, person_id=case.person_id, record=record)
                raise Refused(decision)
        with transaction.atomic():
            return [self.write(obj, values, case=case, distance=distance) for obj, values in writes]

    def may_write(
        self,
        record: str,
        fields: Iterable[str],
        shown: ShownCase | None = None,
        *,
        audit: bool = False,
    ) -> Decision:
        """Whether these fields may be written (on this case or, with none, on a new case
        allocated to oneself), and by which rule. A form asks before offering itself; the
        write is checked and audited again. With `audit` (a form posted all the same), a
        refusal is audited here, since write() will never be reached to audit it."""
        distance = shown.distance if shown is not None else Distance.ALLOCATED
        decision = self._decide_write(record, fields, distance)
        if audit and not decision:
            self._refuse(
                decision,
                case_id=shown.case_id if shown else None,
                person_id=shown.person_id if shown else None,
                record=record,
            )
        return decision

    def case_to_write(self, shown: ShownCase) -> Case:
        """The case behind a case already passed by the gate, as the target of `write()`;
        never for display (what is shown comes from `case()`)."""
        return self.cases().select_related("person").get(pk=shown.case_id)

    def open_case(
        self,
        case: Case,
        values: dict[str, Any],
        *,
        person_id: int | None = None,
        person_values: dict[str, Any] | None = None,
    ) -> Case:
        """Open a case (its team and worker set on `case`, its fields in `values`) for the
        person `person_id`, or for someone new described by `person_values`. Nobody reaches a
        person except through a case, so a new person comes with their first case, and both
        are checked at the distance the new case will stand from this member of staff; so are
        the things write() cannot know: one's own team, a service of the pack, allocation to
        someone else only by a role that allocates, and an existing person only if one may
        read them. One transaction; refused, and the refusal audited, before anything is
        written."""
        person_values = person_values or {}
        case.controller_id = self._controller_id
        for name, value in values.items():
            setattr(case, name, value)
        person = (
            Person.objects.filter(pk=person_id).first()
            if person_id is not None
            else Person(controller_id=self._controller_id, created_by=self.user)
        )
        decision = self._check_open(case, person, person_id, values, person_values)
        if person is None or not decision:
            self._refuse(decision, person_id=person_id, record="case")
            raise Refused(decision)
        with transaction.atomic():
            # Both through write(), which checks an unsaved case at its would-be distance as
            # _check_open() did, and audits each as a CREATE.
            case.person = person
            case.created_by = self.user
            if person_id is None:
                self.write(person, person_values, case=case)
                case.person = person
            self.write(case, values, case=case)
        return case

    def _check_open(
        self,
        case: Case,
        person: Person | None,
        person_id: int | None,
        values: dict[str, Any],
        person_values: dict[str, Any],
    ) -> Decision:
        where = self.policy.label
        if case.team_id not in self.team_ids:
            return Decision(False, f"{where}: cases are opened only in one's own teams")
        if case.service not in {s.code for s in self.policy.pack.services}:
            return Decision(False, f"{where}: '{case.service}' is not a service of this pack")
        if case.allocated_to_id not in (None, self.user.pk):
            if not self.allocates:
                return Decision(False, f"{where}: role '{self.role}' does not allocate cases")
            if not User.objects.filter(
                pk=case.allocated_to_id, teams=case.team_id, is_active=True
            ).exists():
                return Decision(False, f"{where}: the worker is not a member of the case's team")
            if not self.case_holders([case.team_id]).filter(pk=case.allocated_to_id).exists():
                return Decision(False, f"{where}: the worker's role does not hold cases")
        if person_id is not None:
            # The same refusal whether the person does not exist or is out of reach.
            if (
                person is None
                or person.controller_id != self._controller_id
                or not self.cases().filter(person_id=person_id).exists()
            ):
                return Decision(
                    False, f"{where}: a case is opened only for someone whose record one may read"
                )
        elif not person_values:
            return Decision(False, f"{where}: a new person needs their details")
        distance = self._distance_of_new(case)
        decision = self._decide_write("case", values, distance)
        if decision and person_values:
            for_person = self._decide_write("person", person_values, distance)
            if not for_person:
                return for_person
        return decision

    def case_to_allocate(self, case_id: int) -> tuple[ShownCase, Case]:
        """A case this manager may allocate, shown and audited as a read, with its row (for
        its team and who holds it now: staff, not the subject's data); RefusedCase (audited)
        otherwise. The allocation page is arranged from it (`web.selectors.allocation`)."""
        case = self._allocatable(case_id)
        shown = self._show_case(case)
        self._audit(Action.READ, [(shown, shown.case.categories | shown.person.categories)])
        return shown, case

    def caseloads(self, team_ids: Sequence[int] | None = None) -> list[tuple[int, str, int]]:
        """The staff of these teams (by default, mine) whose role holds cases, each with the
        open cases allocated to them in any team, in one query; for a role that allocates.
        Staff names and counts only: nothing about the people we serve."""
        if not self.allocates:
            return []
        workers = (
            self.case_holders(self.team_ids if team_ids is None else team_ids)
            .annotate(
                open_cases=Count(
                    "allocated_cases", filter=Q(allocated_cases__closed_on__isnull=True)
                )
            )
            .order_by("last_name", "first_name", "username")
        )
        return [(worker.pk, staff_name(worker), worker.open_cases) for worker in workers]

    def case_holders(self, team_ids: Sequence[int]) -> models.QuerySet[User]:
        """The active staff of these teams whose role holds cases (the pack's `holds_cases`):
        the only people a case may be allocated to."""
        return User.objects.filter(
            pk__in=User.objects.filter(teams__in=team_ids).values("pk"),
            controller_id=self._controller_id,
            is_active=True,
            role__in=[role.code for role in self.policy.pack.roles if role.holds_cases],
        )

    def allocate(self, case_id: int, user_id: int) -> Case:
        """Allocate a case to a worker of its team. Only a role that allocates cases, only for
        a case held by one of its teams; audited as an UPDATE of the case with the rule, or
        refused and audited."""
        case = self._allocatable(case_id)
        where = self.policy.label
        worker = User.objects.filter(
            pk=user_id,
            teams=case.team_id,
            controller_id=self._controller_id,
            is_active=True,
        ).first()
        role = self.policy.role(worker.role) if worker is not None else None
        if worker is None or role is None or not role.holds_cases:
            # The form offers only those who may hold the case; the gate holds to it too.
            decision = Decision(
                False,
                f"{where}: user {user_id} is not a worker of the team holding the case"
                if worker is None
                else f"{where}: role '{worker.role}' does not hold cases, so "
                f"{worker.get_username()} cannot be allocated one",
            )
            self._refuse(decision, case_id=case.pk, person_id=case.person_id, record="case")
            raise RefusedCase(decision, case.pk, break_glass=False)
        with transaction.atomic():
            case.allocated_to = worker
            case.pack_version_id = self._pack_version_id
            case.save(update_fields=["allocated_to", "pack_version", "updated_at"])
            append(
                [
                    self._entry(
                        Action.UPDATE,
                        f"{where}: role '{self.role}' allocates the cases of its teams; "
                        f"allocated to {worker.get_username()}",
                        (),
                        case_id=case.pk,
                        person_id=case.person_id,
                        record="case",
                        record_id=case.pk,
                        service=case.service,
                    )
                ]
            )
        return case

    def _allocatable(self, case_id: int) -> Case:
        where = self.policy.label
        if self.allocates:
            case = (
                self.cases()
                .select_related("person", "team")
                .filter(pk=case_id, team_id__in=self.team_ids)
                .first()
            )
            if case is not None:
                return case
            row = Case.objects.filter(pk=case_id).values("team_id", "controller_id").first()
            if row is None or row["controller_id"] != self.user.controller_id:
                decision = Decision(False, f"{where}: no such case for this controller")
            elif row["team_id"] not in self.team_ids:
                decision = Decision(False, f"{where}: the case is held by a team that is not yours")
            else:
                decision = self._why_not(case_id)
        else:
            decision = Decision(False, f"{where}: role '{self.role}' does not allocate cases")
        self._refuse(decision, case_id=case_id, record="case")
        raise RefusedCase(decision, case_id, break_glass=False)
