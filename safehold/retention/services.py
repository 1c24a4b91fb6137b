"""Writes to retention: recomputing units when their anchors change, approving disposal,
keeping a unit longer, and placing and lifting legal holds.

Batch work lives beside this: `planner.plan` (every unit) and `sweep.sweep` (disposal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from safehold.access.models import User
from safehold.access.selectors import role_of
from safehold.audit.models import Action as AuditAction
from safehold.audit.models import Decision
from safehold.audit.services import AuditEntry, append, append_one
from safehold.policy import selectors as policy_selectors
from safehold.policy.models import PackVersion
from safehold.policy.schema import Action
from safehold.records.models import (
    Case,
    Person,
    PersonFlag,
    PlanAction,
    Relationship,
    VictimLink,
)
from safehold.records.search import case_reference, person_reference
from safehold.retention import planner
from safehold.retention.lookups import among
from safehold.retention.models import (
    HoldScope,
    LegalHold,
    RetentionUnit,
    ServiceDate,
    UnitKind,
    UnitStatus,
)
from safehold.sharing.models import RecordedEvent


class NotAllowed(PermissionDenied):
    """Only the data protection officer (a pack role that manages the policy) decides."""


def manages_policy(user: User) -> bool:
    """Whether the member of staff holds a role that manages their controller's policy."""
    role = role_of(user) if user.is_authenticated else None
    return bool(role and role.manages_policy)


def _require_dpo(user: User) -> int:
    if not manages_policy(user):
        raise NotAllowed("only the data protection officer may decide on retention")
    assert user.controller_id is not None
    return user.controller_id


# --- recomputing when an anchor changes ---------------------------------------------------------


def recompute_for_case(case_id: int) -> int:
    """The case file of a case, and its person's (and victims') units. Units written."""
    return planner.recompute(case_ids=[case_id])


def recompute_for_person(person_id: int) -> int:
    """A person's own units, the case files about them and those they are a victim in."""
    cases = set(Case.objects.filter(person_id=person_id).values_list("pk", flat=True))
    cases |= set(
        VictimLink.objects.filter(victim_id=person_id).values_list("offence__case_id", flat=True)
    )
    return planner.recompute(case_ids=cases, person_ids=[person_id])


def after_write(obj: models.Model) -> None:
    """Called by the gate after every write (inside its transaction): a date of birth, a
    closing date, an order's end, a flag ... may have moved a unit's keep-until date."""
    if isinstance(obj, Person):
        recompute_for_person(obj.pk)
    elif isinstance(obj, Case):
        recompute_for_case(obj.pk)
    elif isinstance(obj, PersonFlag) and obj.case_id is not None:
        recompute_for_case(obj.case_id)  # a fact about one case
    elif isinstance(obj, PersonFlag | Relationship):
        recompute_for_person(obj.person_id)
    elif isinstance(obj, VictimLink):
        recompute_for_person(obj.victim_id)
    elif isinstance(obj, RecordedEvent) and obj.case_id is None:
        recompute_for_person(obj.person_id)  # a person's own event
    elif isinstance(obj, PlanAction):
        recompute_for_case(obj.plan.case_id)
    elif getattr(obj, "case_id", None) is not None:
        recompute_for_case(obj.case_id)  # type: ignore[attr-defined]


# --- review: approve, or keep longer ------------------------------------------------------------


def approve(units: Iterable[RetentionUnit | int], approver: User, *, action: str = "") -> int:
    """Approve due units for disposal; the sweep disposes of them. A rule whose action is
    'review' asks the approver to decide what happens: destroy, anonymise or archive. Units
    not due, held, or of another controller are left as they are. Returns how many."""
    controller_id = _require_dpo(approver)
    ids = _ids(units)
    if action and action not in (Action.DESTROY, Action.ANONYMISE, Action.ARCHIVE):
        raise ValueError(
            f"'{action}' is not something a reviewer can decide; use destroy, anonymise or archive"
        )
    due = RetentionUnit.objects.due().filter(
        among("id", ids), controller_id=controller_id, held_by=""
    )
    if not action and due.filter(action=Action.REVIEW).exists():
        raise ValueError(
            "a unit under a 'review' rule needs a decision: destroy, anonymise or archive"
        )
    return _decide(
        due,
        approver,
        controller_id,
        lambda name, rule_action: (
            f'disposal approved under the retention rule "{name}": '
            f"{action if rule_action == Action.REVIEW else rule_action}"
        ),
        status=UnitStatus.APPROVED,
        approved_by=approver,
        approved_at=timezone.now(),
        # For a review the reviewer's decision; otherwise the rule's own action stands.
        approved_action=models.Case(
            models.When(action=Action.REVIEW, then=models.Value(action)),
            default=F("action"),
        ),
    )


def withdraw(units: Iterable[RetentionUnit | int], by: User) -> int:
    """Take back approvals not yet swept: the units are due again."""
    controller_id = _require_dpo(by)
    ids = _ids(units)
    approved = RetentionUnit.objects.approved().filter(
        among("id", ids), controller_id=controller_id
    )
    return _decide(
        approved,
        by,
        controller_id,
        lambda name, _: f'disposal under the retention rule "{name}" withdrawn',
        status=UnitStatus.DUE,
        approved_by=None,
        approved_at=None,
        approved_action="",
    )


def retain(units: Iterable[RetentionUnit | int], by: User, *, until: date, reason: str) -> int:
    """Keep due units longer ("in some cases this may be longer"): they are due again, for
    review, on `until`. The reason is kept with the unit."""
    controller_id = _require_dpo(by)
    reason = reason.strip()
    if not reason:
        raise ValueError("say why the information is kept longer")
    if until <= timezone.localdate():
        raise ValueError("the date to review it again must be in the future")
    ids = _ids(units)
    chosen = RetentionUnit.objects.filter(
        among("id", ids),
        controller_id=controller_id,
        status__in=[UnitStatus.DUE, UnitStatus.APPROVED],
    )
    return _decide(
        chosen,
        by,
        controller_id,
        lambda name, _: (
            f'kept longer than the retention rule "{name}" says, for review on '
            f"{until.day} {until:%B %Y}: {reason}"
        ),
        retain_until=until,
        retain_reason=reason,
        status=UnitStatus.ACTIVE,
        approved_by=None,
        approved_at=None,
        approved_action="",
    )


def _ids(units: Iterable[RetentionUnit | int]) -> list[int]:
    return [u.pk if isinstance(u, RetentionUnit) else int(u) for u in units]


def _decide(
    units: models.QuerySet[RetentionUnit],
    by: User,
    controller_id: int,
    words: Callable[[str, str], str],
    **changes: Any,
) -> int:
    """A decision of the DPO's about units: the units it is about are read and locked first
    (another DPO or the sweep cannot change them meanwhile), only those are changed, and each
    is logged, one audit entry a unit under its person and case, in one append, in `words`
    (given the rule's name and action). Returns how many were changed."""
    with transaction.atomic():
        decided = list(
            units.select_for_update().values_list(
                "id", "kind", "key", "person_id", "rule", "action"
            )
        )
        changed = units.filter(among("id", [row[0] for row in decided])).update(
            **changes, revision=F("revision") + 1
        )
        if decided:
            version = policy_selectors.controller_version(controller_id)  # once, not a unit
            # The rule by its name in the pack, as the queue shows it, not its code.
            names = {r.code: r.name for r in policy_selectors.pack_of(version).retention}
            append(
                [
                    _dpo_entry(
                        by,
                        version,
                        AuditAction.UPDATE,
                        "decides what is disposed of",
                        person_id=person_id,
                        case_id=key if kind == UnitKind.CASE_FILE else None,
                        record_type=kind,
                        record_id=key,
                        reason=words(names.get(rule, rule), rule_action),
                    )
                    for _, kind, key, person_id, rule, rule_action in decided
                ]
            )
        return changed


def _dpo_entry(
    by: User, version: PackVersion, action: AuditAction, does: str, **fields: Any
) -> AuditEntry:
    """An audit entry for a decision of the data protection officer's own, its rule naming the
    pack version as the gate's rules do, so the pages can put it in words."""
    return AuditEntry(
        actor_label=by.get_full_name() or by.get_username(),
        actor_id=by.pk,
        action=action,
        decision=Decision.ALLOWED,
        rule=f"{version}: the data protection officer {does}",
        pack_version_id=version.pk,
        **fields,
    )


# --- legal holds --------------------------------------------------------------------------------


def place_hold(
    *,
    by: User,
    reason: str,
    review_on: date,
    person: Person | None = None,
    case: Case | None = None,
    service: str = "",
) -> LegalHold:
    """Suspend disposal of everything about a person, of a case, or of a whole service."""
    controller_id = _require_dpo(by)
    reason = reason.strip()
    if not reason:
        raise ValueError("say why the hold is placed")
    targets = [t for t in (person, case, service) if t]
    if len(targets) != 1:
        raise ValueError("a hold is on one person, one case or one service")
    if person is not None:
        scope = HoldScope.PERSON
        if person.controller_id != controller_id:
            raise NotAllowed("the person is not this controller's")
    elif case is not None:
        scope = HoldScope.CASE
        if case.controller_id != controller_id:
            raise NotAllowed("the case is not this controller's")
    else:
        scope = HoldScope.SERVICE
        pack = policy_selectors.controller_pack(controller_id)
        if service not in {s.code for s in pack.services}:
            raise ValueError(f"'{service}' is not a service of the pack")
    with transaction.atomic():
        hold = LegalHold.objects.create(
            scope=scope,
            controller_id=controller_id,
            person=person,
            case=case,
            service=service,
            reason=reason,
            placed_by=by,
            placed_at=timezone.now(),
            review_on=review_on,
        )
        # Placing a hold suspends a retention decision: logged as lifting one is.
        _log_hold(
            hold,
            by,
            AuditAction.CREATE,
            "places legal holds",
            f"hold placed on {_hold_words(hold)} until review on "
            f"{review_on.day} {review_on:%B %Y}: {reason}",
        )
        _recompute_hold(hold)
    return hold


def _log_hold(hold: LegalHold, by: User, action: AuditAction, does: str, reason: str) -> None:
    """The DPO's placing or lifting of a hold, in the audit log under whose records it is on."""
    append_one(
        _dpo_entry(
            by,
            policy_selectors.controller_version(hold.controller_id),
            action,
            does,
            person_id=_hold_person(hold),
            case_id=hold.case_id,
            record_type="legalhold",
            record_id=hold.pk,
            reason=reason,
        )
    )


def _hold_person(hold: LegalHold) -> int | None:
    """Whose records a hold is on, for the log: so it shows in who has seen the young person."""
    if hold.case is not None:
        return hold.case.person_id
    return hold.person_id


def _hold_words(hold: LegalHold) -> str:
    """What a hold is on, as staff quote it (a reference, not a name: the log is kept longer
    than the records)."""
    if hold.person_id is not None:
        return person_reference(hold.person_id)
    if hold.case_id is not None:
        return case_reference(hold.case_id)
    return f"everything of the service {hold.service}"


def lift_hold(hold: LegalHold, by: User, *, reason: str) -> LegalHold:
    """Let disposal go ahead again. Why is kept on the hold and in the audit log: lifting a
    hold is as much a decision as placing one."""
    controller_id = _require_dpo(by)
    if hold.controller_id != controller_id:
        raise NotAllowed("the hold is not this controller's")
    reason = reason.strip()
    if not reason:
        raise ValueError("say why the hold is lifted")
    with transaction.atomic():
        updated = (
            LegalHold.objects.active()
            .filter(pk=hold.pk)
            .update(lifted_by=by, lifted_at=timezone.now(), lift_reason=reason)
        )
        if updated:
            hold.refresh_from_db()
            _log_hold(hold, by, AuditAction.UPDATE, "lifts legal holds", f"hold lifted: {reason}")
            _recompute_hold(hold)
    return hold


def _recompute_hold(hold: LegalHold) -> None:
    """Recompute what the hold covers, so the queue and dashboard show it at once. (The sweep
    checks holds again itself, so nothing depends on this for safety.)"""
    if hold.scope == HoldScope.PERSON:
        assert hold.person_id is not None
        recompute_for_person(hold.person_id)
    elif hold.scope == HoldScope.CASE:
        assert hold.case_id is not None
        recompute_for_case(hold.case_id)
    else:
        where = Q(controller_id=hold.controller_id, service=hold.service)
        for _, ids in planner.chunks(Case, where, planner.CHUNK):
            planner.recompute(case_ids=ids)


# --- dates of a service or its contract -------------------------------------------------------


def service_events(controller_id: int) -> list[tuple[str, str]]:
    """The events of services the controller's pack declares: (code, name)."""
    pack = policy_selectors.controller_pack(controller_id)
    return [(e.code, e.name) for e in pack.events if e.of == "service"]


def set_service_date(
    *, by: User, service: str, event: str, on: date | None, note: str = ""
) -> ServiceDate:
    """Set (or, with `on` None, withdraw) the date of a service's event, such as the end of
    its contract: a new row of the history, an audit event, and the service's case files
    planned again, so units that waited for it are dated now."""
    controller_id = _require_dpo(by)
    pack = policy_selectors.controller_pack(controller_id)
    if service not in {s.code for s in pack.services}:
        raise ValueError(f"'{service}' is not a service of the pack")
    if event not in {e for e, _ in service_events(controller_id)}:
        raise ValueError(f"'{event}' is not an event of a service in the pack")
    with transaction.atomic():
        row = ServiceDate.objects.create(
            controller_id=controller_id,
            service=service,
            event=event,
            on=on,
            note=note.strip(),
            set_by=by,
            set_at=timezone.now(),
        )
        append_one(
            _dpo_entry(
                by,
                policy_selectors.controller_version(controller_id),
                AuditAction.UPDATE,
                "manages the dates of services",
                record_type="servicedate",
                record_id=row.pk,
                reason=f"{event} of {service}: {on.isoformat() if on else 'withdrawn'}",
            )
        )
        where = Q(controller_id=controller_id, service=service)
        for _, ids in planner.chunks(Case, where, planner.CHUNK):
            planner.recompute(case_ids=ids)
    return row


def units_of(kind: UnitKind, keys: Iterable[int]) -> models.QuerySet[RetentionUnit]:
    return RetentionUnit.objects.filter(kind=kind, key__in=list(keys))
