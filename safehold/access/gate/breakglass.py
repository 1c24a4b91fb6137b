"""Break-glass: opening a case one may not otherwise read, with a reason, and the DPO's review of
every such access.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safehold.access import selectors as access_selectors
from safehold.access.gate.reading import Reading
from safehold.access.gate.values import (
    BREAK_GLASS_MINUTES,
    GlassRead,
    GlassUse,
    Refused,
    Shown,
    Withheld,
    staff_name,
)
from safehold.access.models import BreakGlass
from safehold.access.policy import Decision, Distance
from safehold.audit import selectors as audit_selectors
from safehold.audit.models import Action
from safehold.audit.services import append
from safehold.records.models import (
    Case,
)


class BreakingGlass(Reading):
    """Break-glass into a case, and the DPO's review of every use of it."""

    def break_glass(
        self, case_id: int, reason: str, *, minutes: int = BREAK_GLASS_MINUTES
    ) -> BreakGlass:
        """Open a case outside one's reach for `minutes`, with a typed reason, flagged for the
        DPO; or Refused, audited with what was typed: a role without break-glass (checked
        first, so even an attempt without a reason is logged), or a case that is not there,
        another controller's, or restricted (Article 18 holds against break-glass). Those three
        are refused alike, so a refusal reveals neither existence nor restriction."""
        reason = reason.strip()
        if not self.may_break_glass:
            decision = Decision(
                False, f"{self.policy.label}: role '{self.role}' may not break glass"
            )
            self._refuse(decision, case_id=case_id, action=Action.BREAK_GLASS, reason=reason)
            raise Refused(decision)
        if len(reason) < 10:
            raise ValueError("Give the reason for breaking glass in at least 10 characters.")
        case = Case.objects.filter(
            pk=case_id,
            controller_id=self._controller_id,
            restricted=False,
            person__restricted=False,
        ).first()
        if case is None:
            decision = Decision(
                False, f"{self.policy.label}: no case of this controller that break-glass opens"
            )
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
        access_selectors.forget_glass(self.user)  # the page's banner reads them again
        return glass

    def break_glass_review(
        self, page: int | str | None, *, per_page: int = 25
    ) -> tuple[Page, list[GlassUse]]:
        """Every break-glass access into this controller's cases, those still to review
        first, newest first, a page at a time: the DPO only (refused and audited otherwise).
        The child's name is read at the DPO's distance and audited as a list; what was done
        during each access comes from the audit log, in one query for the page."""
        self._require_reviewer()
        rows = (
            BreakGlass.objects.filter(case__controller_id=self._controller_id)
            .select_related("user", "reviewed_by", "case", "case__person")
            .annotate(gate_distance=self.distance_expression("case__"))
            .order_by(F("reviewed_at").asc(nulls_first=True), "-started_at", "-pk")
        )
        found = Paginator(rows, per_page).get_page(page)
        return found, self._glass_uses(list(found.object_list), Action.LIST)

    def break_glass_use(self, glass_id: int) -> GlassUse:
        """One break-glass access, for the DPO to review: read and audited."""
        return self._glass_uses([self._reviewable(glass_id)], Action.READ)[0]

    def review_break_glass(self, glass_id: int, note: str) -> GlassUse:
        """Mark a break-glass access reviewed, with the DPO's note; audited as an update of
        the access, the note kept in the log in the DPO's words. Reviewed once."""
        note = note.strip()
        glass = self._reviewable(glass_id)
        if glass.reviewed_at is not None:
            raise ValueError("This break-glass access has already been reviewed.")
        if not note:
            raise ValueError("Say what you found.")
        with transaction.atomic():
            glass.reviewed_at = timezone.now()
            glass.reviewed_by = self.user
            glass.review_note = note
            glass.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
            append(
                [
                    self._entry(
                        Action.UPDATE,
                        f"{self.policy.label}: role '{self.role}' manages the policy; reviewed "
                        f"the break-glass access of {glass.user.get_username()}",
                        (),
                        case_id=glass.case_id,
                        person_id=glass.case.person_id,
                        record="breakglass",
                        record_id=glass.pk,
                        reason=note,
                        service=glass.case.service,
                    )
                ]
            )
        return self._glass_uses([glass], None)[0]

    def _require_reviewer(self) -> None:
        if not self.is_dpo:
            decision = Decision(
                False,
                f"{self.policy.label}: role '{self.role}' may not review break-glass access; "
                "only the role that manages the policy may",
            )
            self._refuse(decision, record="breakglass")
            raise Refused(decision)

    def _reviewable(self, glass_id: int) -> BreakGlass:
        self._require_reviewer()
        glass = (
            BreakGlass.objects.filter(pk=glass_id, case__controller_id=self._controller_id)
            .select_related("user", "reviewed_by", "case", "case__person")
            .annotate(gate_distance=self.distance_expression("case__"))
            .first()
        )
        if glass is None:
            decision = Decision(False, f"{self.policy.label}: no such break-glass access")
            self._refuse(decision, record="breakglass")
            raise Refused(decision)
        return glass

    def _glass_uses(self, rows: list[BreakGlass], action: str | None) -> list[GlassUse]:
        done: dict[int, dict[tuple[str, str, str], tuple[int, set[str]]]] = {r.pk: {} for r in rows}
        windows = [(r.user_id, r.case_id, r.started_at, r.expires_at) for r in rows]
        events = (
            audit_selectors.during(windows)
            .exclude(action=Action.BREAK_GLASS)
            .only(
                "actor_id",
                "person_id",
                "case_id",
                "record_id",
                "at",
                "action",
                "decision",
                "record_type",
                "categories",
            )
        )
        for event in events:
            about = {case_id for _, case_id, _ in event.about()}  # a list: each case in it
            for r in rows:
                if (event.actor_id == r.user_id and r.case_id in about) and (
                    r.started_at <= event.at < r.expires_at
                ):
                    key = (event.record_type or "case", event.action, event.decision)
                    count, categories = done[r.pk].get(key, (0, set()))
                    done[r.pk][key] = (count + 1, categories | set(event.category_codes))
        uses = []
        for r in rows:
            distance = Distance(r.gate_distance)  # type: ignore[attr-defined]
            person = self.show("person", r.case.person, distance)
            names = ("given_name", "family_name", "preferred_name", "date_of_birth")
            shown_person = Shown(
                "person",
                person.pk,
                {n: person.values[n] for n in names},
                frozenset(
                    c
                    for n in names
                    if not isinstance(person.values[n], Withheld)
                    and (c := self.policy.category("person", n))
                ),
            )
            uses.append(
                GlassUse(
                    pk=r.pk,
                    staff=staff_name(r.user),
                    person=shown_person,
                    case=self.show("case", r.case, distance),
                    case_id=r.case_id,
                    person_id=r.case.person_id,
                    reason=r.reason,
                    started_at=r.started_at,
                    expires_at=r.expires_at,
                    reviewed_at=r.reviewed_at,
                    reviewed_by=staff_name(r.reviewed_by),
                    note=r.review_note,
                    reads=[
                        GlassRead(record, act, decision, count, tuple(sorted(categories)))
                        for (record, act, decision), (count, categories) in sorted(
                            done[r.pk].items()
                        )
                    ],
                )
            )
        if action is not None:
            append(
                [
                    self._entry(
                        action,
                        f"{self.policy.label}: role '{self.role}' manages the policy; reviews "
                        "break-glass access",
                        use.person.categories | use.case.categories,
                        case_id=use.case_id,
                        person_id=use.person_id,
                        record="breakglass",
                        record_id=use.pk,
                        service=r.case.service,
                    )
                    for use, r in zip(uses, rows, strict=True)
                ]
            )
        return uses
