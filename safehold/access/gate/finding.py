"""Finding: people by name, date of birth or reference, and possible duplicates of someone being
added; a term counts only where the role may read its field.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.db.models import Exists, OuterRef, Q

from safehold.access.gate.reading import Reading
from safehold.access.gate.values import (
    Duplicates,
    FoundPeople,
    staff_name,
)
from safehold.access.policy import Decision
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import append, as_lists
from safehold.records import search
from safehold.records.models import (
    Case,
    Person,
)


class Finding(Reading):
    """Finding people, only by what the role may read."""

    def find_people(self, text: str, *, limit: int = 20) -> FoundPeople:
        """People of this controller found by name (any order, small typos), date of birth or
        reference (a person's or a case's number), across every case this member of staff may
        read. A term counts only through the cases at whose distance the role may read the
        field it matches, so a search never finds someone by a field withheld from the role.
        Matching is the database's index (`records.search`); what is shown is audited as a
        list, in one batch, as a caseload is."""
        self._refuse_statistics_role()
        terms = search.parse(text)
        dropped: dict[str, str] = {}
        people = Person.objects.filter(controller_id=self._controller_id)
        if terms.words:
            reach = self._reach("person.given_name", "person.family_name")
            if isinstance(reach, Decision):
                dropped["name"] = reach.rule
                terms = replace(terms, words=())
            else:
                people = people.filter(self._reachable(reach))
        if terms.born:
            reach = self._reach("person.date_of_birth")
            if isinstance(reach, Decision):
                dropped["date_of_birth"] = reach.rule
                terms = replace(terms, born=None)
            else:
                people = people.filter(self._reachable(reach), date_of_birth=terms.born)
        if terms.people or terms.cases:
            people = people.filter(
                Q(pk__in=list(terms.people))
                | Exists(self.cases().filter(pk__in=list(terms.cases), person_id=OuterRef("pk")))
            )
        if terms.empty:
            return FoundPeople(terms, [], {}, {}, dropped)
        if not (terms.words or terms.born):
            people = people.filter(self._reachable(Q()))  # the others reach through a field
        if terms.words:
            found = search.closest(people, terms.name, limit)
        else:
            found = list(
                people.order_by("family_name", "given_name", "pk").values_list("pk", flat=True)[
                    :limit
                ]
            )
        rows = self._nearest_cases(found)
        return FoundPeople(
            terms,
            self.show_cases(rows),
            {case.pk: staff_name(case.allocated_to) for case in rows},
            {case.pk: case.team.name for case in rows},
            dropped,
        )

    def possible_duplicates(
        self, given_name: str, family_name: str, born: date | None, *, limit: int = 10
    ) -> Duplicates:
        """Before a young person is added: those of this controller with a close name (and the
        same date of birth, or none recorded) who already have a case. Those this member of
        staff may read are shown and audited as a list; the others are never named, but each
        is audited as a refused read, so the DPO can see who asked about whom."""
        self._refuse_statistics_role()
        name = f"{given_name} {family_name}".strip()
        if not search.trigrams(name):
            return Duplicates([], False)
        candidates = Person.objects.filter(
            Exists(Case.objects.filter(person_id=OuterRef("pk"))),
            controller_id=self._controller_id,
        )
        if not self.is_dpo:
            # Restricted processing (Article 18) is not processed to answer this.
            candidates = candidates.filter(restricted=False)
        if born is not None:
            candidates = candidates.filter(Q(date_of_birth=born) | Q(date_of_birth__isnull=True))
        ids = search.closest(candidates, name, limit)
        reach = self._reach("person.given_name", "person.family_name")
        visible: set[int] = set()
        if ids and not isinstance(reach, Decision):
            visible = set(
                self.cases()
                .filter(reach, person_id__in=ids)
                .values_list("person_id", flat=True)
                .distinct()
            )
        hidden = [pk for pk in ids if pk not in visible]
        if hidden:
            rule = (
                f"{self.policy.label}: a possible duplicate of a young person being added, "
                f"on a case role '{self.role}' may not read; not shown"
            )
            append(
                as_lists(
                    [
                        self._entry(
                            Action.REFUSE,
                            rule,
                            (),
                            decision=AuditDecision.REFUSED,
                            person_id=pk,
                            record="person",
                        )
                        for pk in hidden
                    ]
                )
            )
        rows = self._nearest_cases([pk for pk in ids if pk in visible])
        return Duplicates(self.show_cases(rows), bool(hidden))
