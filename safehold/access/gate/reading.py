"""Reading: lists of cases filtered in SQL, one case, one person, the records of a case, their
history, and what falls due; each redacted by category and audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least, NullIf
from django.utils import timezone

from safehold import compiled
from safehold.access.gate.auditing import Auditing
from safehold.access.gate.batching import append
from safehold.access.gate.values import (
    DUE_PARTS,
    FAR_FUTURE,
    PROFESSIONAL_KINDS,
    RELATED_FIELDS,
    Due,
    RefusedCase,
    RelatedPerson,
    Shown,
    ShownCase,
    ShownChange,
    ShownPerson,
    ShownRecord,
    Withheld,
    _typed,
    staff_name,
)
from safehold.access.policy import Distance
from safehold.audit.models import Action
from safehold.records import together
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import (
    Case,
    CaseRecord,
    Change,
    Outcome,
    Person,
    PersonFlag,
    Plan,
    PlanAction,
    Relationship,
    VictimLink,
)

# The columns `show_cases` reads of a case and its person (select_related("person")): what
# it shows, their versions and ids, not every column of both rows (a caseload of 50 read
# whole costs more in making model instances than in the query).
SHOWN_CASE_COLUMNS = (
    *RECORD_FIELDS["case"],
    "version",
    "person",
    *(f"person__{name}" for name in RECORD_FIELDS["person"]),
    "person__version",
)


# What `caseload` reads of each case and its person as a plain row (`values_list`): ids,
# versions and distance, then the fields shown of each, in RECORD_FIELDS order (`ROW_CASE`,
# `ROW_PERSON`: where each record's fields start). Fifty rows of values cost less to make than
# fifty cases and fifty people as model instances, and hold the same values.
CASE_ROW = (
    "pk",
    "person_id",
    "version",
    "person__version",
    "gate_distance",
    *RECORD_FIELDS["case"],
    *(f"person__{name}" for name in RECORD_FIELDS["person"]),
)
ROW_CASE = 5
ROW_PERSON = ROW_CASE + len(RECORD_FIELDS["case"])
ROW_SERVICE = CASE_ROW.index("service")


class Reading(Auditing):
    """Reads of cases, people and records: each shown as the role may see it, and audited."""

    def caseload(self, *, limit: int = 50, open_only: bool = True) -> list[ShownCase]:
        """My allocated cases, shown and audited in one batch: as `show_cases` would show
        them, from plain rows."""
        qs = self.cases(allocated_only=True)
        if open_only:
            qs = qs.filter(closed_on__isnull=True)
        rows = qs.order_by("person__family_name", "pk").values_list(*CASE_ROW)[:limit]
        shown = [self._show_case_row(row) for row in rows]
        append(
            self._case_list_entries(
                Action.LIST, [(s, s.case.categories | s.person.categories) for s in shown]
            )
        )
        return shown

    def _show_case_row(self, row: Sequence[Any]) -> ShownCase:
        """`_show_case` of a row of CASE_ROW."""
        pk, person_id, version, person_version, gate_distance = row[:ROW_CASE]
        true_distance, distance, glass = self._glass_distance(pk, gate_distance)
        case = self._redaction("case", distance, "read")
        person = self._redaction("person", distance, "read")
        return ShownCase(
            case=Shown("case", pk, case.values_of_row(row, ROW_CASE), case.categories, version),
            person=Shown(
                "person",
                person_id,
                person.values_of_row(row, ROW_PERSON),
                person.categories,
                person_version,
            ),
            distance=true_distance,
            break_glass=glass,
            case_id=pk,
            person_id=person_id,
            service=row[ROW_SERVICE],
        )

    def show_cases(
        self,
        rows: Iterable[Case],
        *,
        action: str = Action.LIST,
        also_read: Mapping[int, frozenset[str]] | None = None,
    ) -> list[ShownCase]:
        """Show and audit, in one batch, cases already selected from `cases()`. `also_read`:
        by case id, the categories of anything else read from the row (what falls due, from
        `due_annotations`), which each case's audit entry names too."""
        also = also_read or {}
        shown = [self._show_case(case) for case in rows]
        append(
            self._case_list_entries(
                action,
                [
                    (
                        s,
                        s.case.categories | s.person.categories | also.get(s.case_id, frozenset()),
                    )
                    for s in shown
                ],
            )
        )
        return shown

    def case(self, case_id: int) -> ShownCase:
        """One case with its person, or RefusedCase, audited, saying whether breaking glass
        would open it."""
        case = self.cases().select_related("person").filter(pk=case_id).first()
        if case is None:
            decision = self._why_not(case_id)
            self._refuse(decision, case_id=case_id)
            raise RefusedCase(decision, case_id, break_glass=self.may_break_glass_into(case_id))
        shown = self._show_case(case)
        self._audit(Action.READ, [(shown, shown.case.categories | shown.person.categories)])
        return shown

    def person(self, person_id: int) -> ShownCase:
        """A person through the nearest of their cases this member of staff may see: one
        query, for a heading or a write. `young_person()` is the whole picture."""
        case = (
            self.cases()
            .select_related("person")
            .filter(person_id=person_id)
            # Newest by id, not by opening date: the date may be withheld at that distance.
            .order_by("gate_distance", "-pk")  # type: ignore[misc]
            .first()
        )
        if case is None:
            raise self._refuse_person(person_id)
        shown = self._show_case(case)
        self._audit(Action.READ, [(shown, shown.person.categories)])
        return shown

    def _glass_distance(self, case_id: int, gate_distance: int) -> tuple[Distance, Distance, bool]:
        """A case's true distance, the distance it is read at, and whether it is read under
        break-glass (which reads as if allocated; it never grants writes)."""
        glass = case_id in self.glass_reasons
        true_distance = Distance(gate_distance)
        distance = Distance.ALLOCATED if glass else true_distance
        under_glass = glass and true_distance > Distance.ALLOCATED
        if under_glass:
            self._under_glass.add(case_id)
        return true_distance, distance, under_glass

    def _show_case(self, case: Case) -> ShownCase:
        true_distance, distance, glass = self._glass_distance(
            case.pk, getattr(case, "gate_distance", Distance.NONE)
        )
        return ShownCase(
            case=self.show("case", case, distance),
            person=self.show("person", case.person, distance),
            distance=true_distance,
            break_glass=glass,
            case_id=case.pk,
            person_id=case.person_id,
            service=case.service,
        )

    def records(
        self, shown_case: ShownCase, model: type[models.Model], *, limit: int = 200
    ) -> list[Shown]:
        """The records of one model on a case already passed by the gate."""
        # Only records that hang off a case can be reached through one.
        assert issubclass(model, CaseRecord), f"{model.__name__} is not a record of a case"
        record = str(model._meta.model_name)
        distance = self._reading_distance(shown_case)
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

    def record(self, shown_case: ShownCase, model: type[CaseRecord], pk: int) -> Shown | None:
        """One record of a case already passed by the gate, shown and audited; None if the
        case has no such record."""
        record = str(model._meta.model_name)
        obj = model._default_manager.filter(case_id=shown_case.case_id, pk=pk).first()
        if obj is None:
            return None
        shown = self.show(record, obj, self._reading_distance(shown_case))
        self._audit(
            Action.READ,
            [(shown, shown.categories)],
            case_id=shown_case.case_id,
            person_id=shown_case.person_id,
            record=record,
        )
        return shown

    def changes_since(
        self, shown: ShownCase, record: str, pk: int, version: int
    ) -> list[ShownChange]:
        """What others changed in a record after `version` (the one an editor started from),
        oldest first, redacted at the distance of the case it was reached through and audited
        as a read of that record: what the second editor is shown before saving again."""
        rows = list(
            Change.objects.filter(record_type=record, record_id=pk, version__gt=version)
            .select_related("changed_by")
            .order_by("version", "pk")[:200]
        )
        changes = self._show_changes(rows, {None: self._reading_distance(shown)})
        self._audit_changes(changes, case_id=shown.case_id, person_id=shown.person_id)
        return changes

    def changes_of(self, person_id: int, seqs: Iterable[int]) -> dict[int, list[ShownChange]]:
        """The old and new values behind some audit events (by `seq`) about a person, for the
        audit trail: each redacted at this member of staff's distance to the case the change
        was made on (a person's own record: their nearest case), and audited as a read."""
        rows = list(
            Change.objects.filter(audit_seq__in=list(seqs))
            .filter(Q(person_id=person_id) | Q(case__person_id=person_id))
            .select_related("changed_by")
            .order_by("audit_seq", "pk")
        )
        if not rows:
            return {}
        visible = self.cases().filter(person_id=person_id)
        by_case: dict[int | None, Distance] = {}
        for case_id, distance in visible.values_list("pk", "gate_distance"):  # type: ignore[misc]
            glass = case_id in self.glass_reasons
            by_case[case_id] = Distance.ALLOCATED if glass else Distance(distance)
        nearest = min(by_case.values(), default=Distance.CONTROLLER if self.is_dpo else None)
        if nearest is not None:
            by_case[None] = nearest
        changes = self._show_changes(rows, by_case)
        self._audit_changes(changes, case_id=None, person_id=person_id)
        found: dict[int, list[ShownChange]] = {}
        for change in changes:
            found.setdefault(change.audit_seq, []).append(change)
        return found

    def _show_changes(
        self, rows: list[Change], distances: dict[int | None, Distance]
    ) -> list[ShownChange]:
        shown = []
        for row in rows:
            distance = distances.get(row.case_id)
            category = self.policy.category(row.record_type, row.field)
            withheld: Withheld | None
            if distance is None:
                withheld = Withheld(category, f"{self.policy.label}: the case is out of reach")
            else:
                redaction = dict(self._redaction(row.record_type, distance, "read").fields)
                withheld = redaction.get(row.field)
            shown.append(
                ShownChange(
                    record=row.record_type,
                    record_id=row.record_id,
                    field=row.field,
                    old=withheld or _typed(row.record_type, row.field, row.old),
                    new=withheld or _typed(row.record_type, row.field, row.new),
                    version=row.version,
                    at=row.changed_at,
                    by=staff_name(row.changed_by),
                    audit_seq=row.audit_seq,
                    case_id=row.case_id,
                    category=category if withheld is None else None,
                )
            )
        return shown

    def due_annotations(
        self, distance: Distance, *, first: bool = True, today: date | None = None
    ) -> tuple[dict[str, Any], frozenset[str]]:
        """SQL for what falls due on each open case, made only of the dates this role may
        read at `distance`: the first plan action not done, the review of the latest plan,
        and the end of an order not yet ended; with `first`, `next_due` the first of them
        (only to filter or sort by it: its SQL repeats each part's, and `due_of` finds it
        from the parts). With the categories those dates are in, for the audit."""
        today = today or timezone.localdate()
        parts: dict[str, Any] = {}
        names, categories = self.due_readable(distance)
        queries = {
            "due_action": PlanAction.objects.filter(
                plan__case_id=OuterRef("pk"), done_on__isnull=True, due_on__isnull=False
            )
            .order_by("due_on")
            .values("due_on"),
            "due_review": Plan.objects.filter(case_id=OuterRef("pk"))
            .order_by("-starts_on", "-pk")
            .values("review_on"),
            "due_order_end": Outcome.objects.filter(case_id=OuterRef("pk"), ends_on__gte=today)
            .order_by("ends_on")
            .values("ends_on"),
        }
        for name in names:
            parts[name] = SqlCase(
                When(closed_on__isnull=True, then=Subquery(queries[name][:1])),
                default=None,
                output_field=models.DateField(),
            )
        if not parts:
            return {}, frozenset()
        if not first:
            return parts, categories
        far = Value(FAR_FUTURE, output_field=models.DateField())
        dates = [Coalesce(F(name), far) for name in parts]
        earliest = Least(*dates) if len(dates) > 1 else dates[0]
        return {**parts, "next_due": NullIf(earliest, far)}, categories

    def due_readable(self, distance: Distance) -> tuple[list[str], frozenset[str]]:
        """Which of the parts of what falls due (DUE_PARTS) this role may read at
        `distance`, and the categories they are in; what `due_annotations` is made of."""
        names: list[str] = []
        categories: set[str] = set()
        for name, (dotted, _) in DUE_PARTS.items():
            if not self.read_decision(dotted, distance):
                continue
            if name == "due_action" and not self.read_decision("planaction.done_on", distance):
                continue  # "not done" is read too
            names.append(name)
            categories.add(self.policy.category(*dotted.split(".")) or "")
        return names, frozenset(categories - {""})

    @staticmethod
    def due_of(case: Case) -> Due | None:
        """What falls due first on a case annotated by `due_annotations`, if anything."""
        if hasattr(case, "next_due"):
            on = case.next_due
        else:  # annotated with the parts alone: the first of them
            on = min(
                (_date(v) for n in DUE_PARTS if (v := getattr(case, n, None)) is not None),
                default=None,
            )
        if on is None:
            return None
        on = _date(on)
        part = next(
            (n for n in DUE_PARTS if str(getattr(case, n, None) or "") == on.isoformat()),
            "due_action",
        )
        return Due(on, part)

    def alerts(
        self, shown: Sequence[ShownCase], *, action: str = Action.READ
    ) -> dict[int, list[Shown]]:
        """The safeguarding alerts (pack flags marked `alert`) each person of these cases
        holds now, as far as the role may read flags through the nearest of their cases; one
        query, audited in one batch. A person whose flags are withheld has none here: an
        alert is never shown, nor its absence implied, without the category."""
        codes = [f.code for f in self.policy.pack.flags if f.alert and f.of == "person"]
        nearest: dict[int, ShownCase] = {}
        for case in sorted(shown, key=self._reading_distance, reverse=True):
            if self.read_decision("personflag.flag", self._reading_distance(case)):
                nearest[case.person_id] = case
        if not codes or not nearest:
            return {}
        flags = compiled.rows(
            PersonFlag,
            ("alerts", tuple(codes)),
            lambda ids, dates: (
                # Recorded as not holding (docs/adr/0016) is no alert.
                PersonFlag.objects.filter(person_id__in=list(ids), flag__in=codes, holds=True)
                .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=dates[0]))
                .filter(Q(started_on__isnull=True) | Q(started_on__lte=dates[0]))
                .order_by("person_id", "flag", "-pk")
            ),
            ids=list(nearest),
            dates=[timezone.localdate()],
        )
        found: dict[int, list[Shown]] = {}
        entries = []
        for flag in flags:
            via = nearest[flag.person_id]
            item = self.show("personflag", flag, self._reading_distance(via))
            found.setdefault(flag.person_id, []).append(item)
            entries.append(
                self._entry(
                    action,
                    f"{self.policy.label}: read through the case",
                    item.categories,
                    case_id=via.case_id,
                    person_id=flag.person_id,
                    record="personflag",
                    record_id=flag.pk,
                    service=via.service,
                )
            )
        if entries:
            self._append(entries)
        return found

    def young_person(self, person_id: int, *, limit: int = 50) -> ShownPerson:
        """A young person through those of their cases this member of staff may read, with
        their flags, all audited in one batch; RefusedCase (audited) if there is none."""
        shape, ids = self.shape()

        def build(ids: Sequence[int], dates: Sequence[date]) -> models.QuerySet[Case]:
            return (
                self.with_ids(ids[:-1])
                .cases()
                .filter(person_id=ids[-1])
                .select_related("person", "allocated_to", "team")
                .order_by("-pk")[:limit]
            )

        rows = compiled.rows(Case, ("young_person", shape, limit), build, ids=[*ids, person_id])
        if not rows:
            raise self._refuse_person(person_id)
        # Open before closed, newest first, by dates only where the role may read them: a
        # case whose dates are withheld comes after, newest first, so the order tells nothing.
        cases = sorted((self._show_case(case) for case in rows), key=self._case_order)
        # The person's own fields and flags are read through the nearest of their cases.
        nearest = min(cases, key=self._reading_distance)
        distance = self._reading_distance(nearest)
        rows_of_flags = compiled.rows(
            PersonFlag,
            ("flags", limit),
            lambda ids, _: PersonFlag.objects.filter(person_id=ids[0]).order_by("-pk")[:limit],
            ids=[person_id],
        )
        flags = [self.show("personflag", flag, distance) for flag in rows_of_flags]
        self._append(
            [self._case_entry(Action.READ, shown) for shown in cases]
            + [
                self._entry(
                    Action.READ,
                    f"{self.policy.label}: read through the case",
                    flag.categories,
                    case_id=nearest.case_id,
                    person_id=person_id,
                    record="personflag",
                    record_id=flag.pk,
                    service=nearest.service,
                )
                for flag in flags
            ]
        )
        return ShownPerson(
            person_id=person_id,
            person=nearest.person,
            cases=cases,
            flags=flags,
            workers={case.pk: staff_name(case.allocated_to) for case in rows},
            teams={case.pk: case.team.name for case in rows},
            facts=frozenset(f.pk for f in rows_of_flags if f.case_id is not None),
        )

    @staticmethod
    def _case_order(shown: ShownCase) -> tuple[int, int, int]:
        closed, opened = shown.case.values["closed_on"], shown.case.values["opened_on"]
        if isinstance(closed, Withheld) or isinstance(opened, Withheld):
            return (2, 0, 0)
        return (
            0 if closed is None else 1,
            -closed.toordinal() if closed else 0,
            -opened.toordinal() if opened else 0,
        )

    def related_people(
        self, shown: ShownCase | Sequence[ShownCase], *, limit: int = 100
    ) -> list[RelatedPerson]:
        """The people around a young person: family and professionals (a Relationship whose
        `other` is the person's `kind`), and the victims of the offences on these cases
        (VictimLink). Each is redacted by category at the distance of the case read through,
        and audited in one batch under the related person's own id, so that their record of
        who has seen them is whole too."""
        cases = [shown] if isinstance(shown, ShownCase) else list(shown)
        if not cases:
            return []
        by_case = {c.case_id: c for c in cases}
        nearest: dict[int, ShownCase] = {}
        for case in sorted(cases, key=self._reading_distance, reverse=True):
            nearest[case.person_id] = case
        related: list[RelatedPerson] = []
        # In the order they were recorded: ordering by kind would tell a withheld kind.
        relationships = compiled.rows(
            Relationship,
            ("related_people", limit),
            lambda ids, _: (
                Relationship.objects.filter(person_id__in=list(ids))
                .select_related("other")
                .order_by("pk")[:limit]
            ),
            ids=list(nearest),
        )
        for link in relationships:
            via = nearest[link.person_id]
            distance = self._reading_distance(via)
            shown_link = self.show("relationship", link, distance)
            kind_value = shown_link.values["kind"]
            if isinstance(kind_value, Withheld):
                kind = "related"
            else:
                kind = "professional" if kind_value in PROFESSIONAL_KINDS else "family"
            related.append(
                RelatedPerson(
                    kind, self._show_related(link.other, kind, distance), shown_link, via.case_id
                )
            )
        victims = compiled.rows(
            VictimLink,
            ("victims", limit),
            lambda ids, _: (
                VictimLink.objects.filter(offence__case_id__in=list(ids))
                .annotate(via_case=F("offence__case_id"))
                .select_related("victim")
                .order_by("via_case", "offence_id", "pk")[:limit]
            ),
            ids=list(by_case),
        )
        for victim in victims:
            via = by_case[victim.via_case]  # type: ignore[attr-defined] # an annotation
            distance = self._reading_distance(via)
            related.append(
                RelatedPerson(
                    "victim",
                    self._show_related(victim.victim, "victim", distance),
                    self.show("victimlink", victim, distance),
                    via.case_id,
                )
            )
        if related:
            self._append(
                [
                    self._entry(
                        Action.READ,
                        f"{self.policy.label}: read through the case",
                        r.person.categories | r.link.categories,
                        case_id=r.case_id,
                        person_id=r.person.pk,
                        record=r.link.record,
                        record_id=r.link.pk,
                        service=by_case[r.case_id].service if r.case_id in by_case else "",
                    )
                    for r in related
                ]
            )
        return related

    def _show_related(self, person: Person, kind: str, distance: Distance) -> Shown:
        names = RELATED_FIELDS[kind]
        if person.restricted and not self.is_dpo:
            rule = (
                f"{self.policy.label}: processing is restricted (UK GDPR Article 18); "
                "only the DPO may read it"
            )
            return Shown(
                "person",
                person.pk,
                {n: Withheld(self.policy.category("person", n), rule) for n in names},
                frozenset(),
            )
        shown = self.show("person", person, distance)
        values = {n: shown.values[n] for n in names}
        categories = {
            self.policy.category("person", n) or ""
            for n, v in values.items()
            if not isinstance(v, Withheld)
        }
        return Shown("person", person.pk, values, frozenset(categories - {""}))

    def case_records(
        self,
        shown: Sequence[ShownCase],
        kinds: Sequence[type[CaseRecord]],
        *,
        limit: int = 100,
    ) -> list[ShownRecord]:
        """The records of these kinds on these cases, plans with their actions: one query
        whatever the number of kinds, cases or records (`records.together`: the newest
        `limit` of each kind, by when they were recorded, and the actions of the plans read),
        each record redacted at the distance of its case, all audited in one batch. Kind by
        kind in the order asked, newest first; a page arranges them (the timeline:
        `web.selectors.timeline`)."""
        by_case = {c.case_id: c for c in shown}
        if not by_case:
            return []
        records, plan_actions = together.newest(kinds, list(by_case), limit=limit)
        entries: list[ShownRecord] = []
        for obj in records:
            via = by_case[obj.case_id]
            entries.append(
                ShownRecord(
                    record=self.show(str(obj._meta.model_name), obj, self._reading_distance(via)),
                    case_id=via.case_id,
                    recorded_at=obj.created_at,
                    recorded_by=staff_name(obj.created_by),
                )
            )
        plans = {e.record.pk: e for e in entries if e.record.record == "plan"}
        actions: list[tuple[ShownRecord, Shown]] = []
        if plans:
            for action in plan_actions:
                entry = plans[action.plan_id]
                shown_action = self.show(
                    "planaction", action, self._reading_distance(by_case[entry.case_id])
                )
                entry.actions.append(shown_action)
                actions.append((entry, shown_action))
        audited = [(e, e.record) for e in entries] + actions
        if audited:
            self._append(
                [
                    self._entry(
                        Action.READ,
                        f"{self.policy.label}: read through the case",
                        item.categories,
                        case_id=entry.case_id,
                        person_id=by_case[entry.case_id].person_id,
                        record=item.record,
                        record_id=item.pk,
                        service=by_case[entry.case_id].service,
                    )
                    for entry, item in audited
                ]
            )
        return entries

    def _nearest_cases(self, person_ids: list[int]) -> list[Case]:
        """For each person, in the order given, the nearest of their cases this member of
        staff may read (open before closed, newest first): one query."""
        if not person_ids:
            return []
        nearest: dict[int, Case] = {}
        for case in (
            self.cases()
            .filter(person_id__in=person_ids)
            .select_related("person", "allocated_to", "team")
            .order_by(
                "person_id",
                "gate_distance",  # type: ignore[misc]
                F("closed_on").desc(nulls_first=True),
                "-opened_on",
                "-pk",
            )
        ):
            nearest.setdefault(case.person_id, case)
        return [nearest[pk] for pk in person_ids if pk in nearest]


def _date(value: date | str) -> date:
    # SQLite's CASE/MIN returns a date as text.
    return date.fromisoformat(value) if isinstance(value, str) else value
