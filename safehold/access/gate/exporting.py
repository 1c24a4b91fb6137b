"""Exporting: a case and the records asked for, as far as the role may export them, audited."""

from __future__ import annotations

from collections.abc import Sequence

from safehold.access.gate.reading import Reading
from safehold.access.gate.values import (
    Refused,
    ShownCase,
)
from safehold.access.policy import Decision, Distance
from safehold.audit.models import Action
from safehold.audit.services import append, as_lists
from safehold.records.models import (
    CaseRecord,
)


class Exporting(Reading):
    """Exports, under the pack's `export` grants, audited as exports."""

    def export(self, case_id: int, models_: Sequence[type[CaseRecord]]) -> ShownCase:
        """A case and its records as the role may export them (the pack's `export` grants).

        Refused (and audited) when the role may export nothing at its distance; otherwise every
        exported record is audited as an export with the categories that left.
        """
        case = self.cases().select_related("person").filter(pk=case_id).first()
        if case is None:
            decision = self._why_not(case_id)
            self._refuse(decision, case_id=case_id, action=Action.REFUSE)
            raise Refused(decision)
        distance = Distance(case.gate_distance)  # type: ignore[attr-defined]
        # Break-glass is for reading in an emergency; it never lets data leave.
        if not self.policy.categories(self.role, "export", distance):
            decision = Decision(
                False,
                f"{self.policy.label}: no grant of role '{self.role}' allows export at "
                f"{distance.name.lower()} distance",
            )
            self._refuse(decision, case_id=case_id, person_id=case.person_id)
            raise Refused(decision)
        shown = ShownCase(
            case=self.show("case", case, distance, action="export"),
            person=self.show("person", case.person, distance, action="export"),
            distance=distance,
            break_glass=False,
            case_id=case.pk,
            person_id=case.person_id,
            service=case.service,
        )
        entries = [self._case_entry(Action.EXPORT, shown)]
        for model in models_:
            record = str(model._meta.model_name)
            objects = model._default_manager.filter(case_id=case.pk).order_by("pk")
            items = [self.show(record, obj, distance, action="export") for obj in objects]
            shown.records[record] = items
            entries += self._entries(
                Action.EXPORT,
                [(s, s.categories) for s in items],
                case_id=case.pk,
                person_id=case.person_id,
                record=record,
            )
        append(as_lists(entries))  # what left, in one batch
        return shown
