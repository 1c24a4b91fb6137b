"""Sharing, the gate's verb for disclosures: disclosing chosen records of a case to a recipient the pack declares.

`Gate.share` and `Gate.explain_share` call these. The decision itself is
`safehold.sharing.decide.SharePolicy` (pure, from the pack); this module gathers the facts it
needs in a few queries, records the decision in the disclosure log whether or not anything
went, appends the audit entry, and builds the package of exactly what went.

Break-glass never lets data leave: a share is decided at the member of staff's true distance
to the case. Restricted processing (Article 18) is never shared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from safehold.access.gate import batching, consenting
from safehold.access.gate.reading import Reading
from safehold.access.gate.values import Refused, ShownCase, Withheld
from safehold.access.models import User
from safehold.access.policy import Decision, Distance
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import append
from safehold.records.models import (
    Assessment,
    Case,
    CaseRecord,
    Contact,
    Offence,
    Outcome,
    PersonFlag,
    Plan,
    Report,
)
from safehold.records.search import person_reference
from safehold.sharing import selectors as sharing_selectors
from safehold.sharing.decide import Facts, PersonState, Request, ShareDecision, SharePolicy
from safehold.sharing.items import derive
from safehold.sharing.models import Channel, ConsentRecord, Disclosure
from safehold.sharing.models import Outcome as ShareOutcome
from safehold.sharing.pseudonyms import pseudonym
from safehold.sharing.services import ConsentInput

if TYPE_CHECKING:
    from safehold.access.gate import Gate

# The kinds of record a share may carry, beside the person and the case themselves.
SHARE_RECORDS: dict[str, type[CaseRecord]] = {
    "contact": Contact,
    "assessment": Assessment,
    "plan": Plan,
    "offence": Offence,
    "outcome": Outcome,
    "report": Report,
}
RECORD_KINDS = ("person", "case", *SHARE_RECORDS)


@dataclass(frozen=True)
class ShareOrder:
    """What a member of staff asks to share (the decision's Request, plus how it goes)."""

    recipient: str
    purpose: str
    gateway: str
    records: tuple[str, ...] = ("person",)
    reason: str = ""
    reference: str = ""
    approver_id: int | None = None
    channel: str = Channel.SECURE_EMAIL
    recipient_contact: str = ""


class RefusedShare(Exception):
    """A share the gate refused: it is in the disclosure log and the audit log all the same."""

    def __init__(self, decision: ShareDecision, disclosure: Disclosure | None) -> None:
        super().__init__(decision.rule)
        self.decision = decision
        self.disclosure = disclosure


def policy_of(gate: Gate) -> SharePolicy:
    found = getattr(gate, "_share_policy", None)
    if found is None:
        found = gate._share_policy = SharePolicy(gate.policy)  # type: ignore[attr-defined]
    return found


def _case(gate: Gate, case_id: int) -> Case:
    """The case, if this member of staff may see it at all (refused and audited as a read
    otherwise, saying no more than a read would)."""

    case = gate.visible_case(case_id)
    if case is None:
        decision = gate._why_not(case_id)
        gate._refuse(decision, case_id=case_id, record="disclosure")
        raise Refused(decision)
    return case


def _facts(
    gate: Gate, case: Case, today: date, *, conditions: bool = True
) -> tuple[PersonState, Facts]:
    """What the person has said, and (`conditions`: only where a share with the recipient
    states a condition) their flags and the case's events: a query each."""
    person = sharing_selectors.person_state(case.person_id, today)
    if not conditions:
        return person, Facts()
    flags = PersonFlag.objects.filter(person_id=case.person_id).filter(models_q_case(case.pk))
    held: set[str] = set()
    known: set[str] = set()
    for code, holds, ended in flags.values_list("flag", "holds", "ended_on"):
        known.add(code)
        if holds and (ended is None or ended > today):
            held.add(code)
    pack_flags = {f.code for f in gate.policy.pack.flags}
    events: dict[str, date | None] = {
        "date-of-birth": case.person.date_of_birth,
        "case-opened": case.opened_on,
        "case-closed": case.closed_on,
        "last-contact": case.person.last_contact_on,
    }
    ends = Outcome.objects.filter(case_id=case.pk).values_list("ends_on", flat=True)
    events["order-ended"] = max((e for e in ends if e), default=None)
    events.update(sharing_selectors.service_dates(case.controller_id, case.service))
    # The pack's own events of the person and this case, as recorded (one query).
    events.update(sharing_selectors.recorded_events(case.person_id, case.pk, gate.policy.pack))
    return person, Facts(events, frozenset(held), frozenset(pack_flags - known))


def models_q_case(case_id: int) -> Any:
    from django.db.models import Q

    return Q(case__isnull=True) | Q(case_id=case_id)


def _request(gate: Gate, order: ShareOrder) -> Request:
    approver_role: str | None = None
    if order.approver_id is not None:
        approver = User.objects.filter(
            pk=order.approver_id, controller_id=gate._controller_id, is_active=True
        ).first()
        approver_role = approver.role if approver else None
    return Request(
        recipient=order.recipient,
        purpose=order.purpose,
        gateway=order.gateway,
        records=tuple(r for r in order.records if r in RECORD_KINDS),
        reason=order.reason,
        reference=order.reference,
        approver_role=approver_role,
        approver_is_self=order.approver_id == gate.user.pk,
    )


def decide(gate: Gate, case: Case, order: ShareOrder, today: date) -> ShareDecision:
    # The true distance: break-glass lets a case be read, never shared.
    distance = Distance(getattr(case, "gate_distance", Distance.NONE))
    if case.restricted or case.person.restricted:
        rule = (
            f"{gate.policy.label}: processing is restricted (UK GDPR Article 18): nothing is shared"
        )
        return ShareDecision(False, rule, [rule])
    objected = _objection(gate, case, order)
    if objected is not None:
        rule = f"{gate.policy.label}: {objected}: nothing is shared for it"
        return ShareDecision(False, rule, [rule])
    recipient = policy_of(gate).recipients.get(order.recipient)
    conditions = recipient is not None and any(
        share.if_ is not None or share.when is not None for share in recipient.shares
    )
    person, facts = _facts(gate, case, today, conditions=conditions)
    return policy_of(gate).decide(gate.role, distance, _request(gate, order), person, facts, today)


def _objection(gate: Gate, case: Case, order: ShareOrder) -> str | None:
    """The person's objection in force to the share's purpose (Article 21), in words; a share
    the law or a court requires goes all the same (that processing is not objectable), except
    for direct marketing, which nothing overrides."""
    from safehold.policy.schema import GatewayKind
    from safehold.rights import objections

    if order.purpose not in objections.objectable(gate.policy.pack):
        return None
    found = objections.in_force(case.person_id, order.purpose)
    if found is None:
        return None
    gateway = next((g for g in gate.policy.pack.gateways if g.code == order.gateway), None)
    required = gateway is not None and gateway.kind in (GatewayKind.LAW, GatewayKind.COURT_ORDER)
    return None if required and not found.direct_marketing else objections.words(found)


def explain_share(gate: Gate, case_id: int, order: ShareOrder) -> ShareDecision:
    """What would happen, and why, without sharing: audited as a read of the case's sharing
    position (the consents it reads), never as a disclosure."""
    case = _case(gate, case_id)
    decision = decide(gate, case, order, timezone.localdate())
    append(
        [
            gate._entry(
                Action.READ,
                f"share explained, not sent: {decision.rule}",
                (),
                case_id=case.pk,
                person_id=case.person_id,
                record="disclosure",
                service=case.service,
            )
        ]
    )
    return decision


def share(gate: Gate, case_id: int, order: ShareOrder) -> Disclosure:
    """Share, or refuse; either way the decision is in the disclosure log and audited."""
    case = _case(gate, case_id)
    now = timezone.now()
    decision = decide(gate, case, order, timezone.localdate(now))
    recipient = policy_of(gate).recipients.get(order.recipient)
    approver_id = order.approver_id if decision.needs_approval and decision.allowed else None
    package = _package(gate, case, order, decision) if decision.allowed else None
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            controller_id=case.controller_id,
            person_id=case.person_id,
            case=case,
            recipient=order.recipient[:64],
            recipient_name=recipient.name if recipient else order.recipient[:300],
            recipient_contact=order.recipient_contact[:300],
            purpose=order.purpose[:64],
            gateway=order.gateway[:64],
            rule="\n".join(decision.reasons),
            outcome=ShareOutcome.SHARED if decision.allowed else ShareOutcome.REFUSED,
            consent_status=decision.consent_status,
            consent_record_id=decision.consent_record_id,
            reason=order.reason,
            reference=order.reference[:200],
            approved_by_id=approver_id,
            categories=sorted(decision.categories),
            items=[
                {"record": record, "ids": ids, "fields": list(decision.fields.get(record, ()))}
                for record, ids in (package or {}).get("_ids", {}).items()
            ]
            + [{"derived": d} for d in decision.derived],
            package={k: v for k, v in package.items() if k != "_ids"} if package else None,
            identifiable=decision.identifiable,
            channel=order.channel if decision.allowed else "",
            by=gate.user,
            by_label=gate.user.get_username(),
            at=now,
            pack_version_id=gate._pack_version_id,
        )
        # The gate's entry (actor, purpose, pack version), then the disclosure's own
        # action and recipient (a disclosure entry must name its recipient).
        entry = gate._entry(
            Action.READ,
            decision.rule,
            decision.categories if decision.allowed else (),
            case_id=case.pk,
            person_id=case.person_id,
            record="disclosure",
            record_id=disclosure.pk,
            reason=order.reason[:2000],
            service=case.service,
        )
        append(
            [
                replace(
                    entry,
                    action=Action.DISCLOSE if decision.allowed else Action.REFUSE,
                    decision=AuditDecision.ALLOWED if decision.allowed else AuditDecision.REFUSED,
                    # The log holds codes: a recipient the pack does not declare is named so.
                    recipient=order.recipient
                    if order.recipient in policy_of(gate).recipients
                    else "undeclared-recipient",
                )
            ]
        )
    if not decision.allowed:
        raise RefusedShare(decision, disclosure)
    return disclosure


def _package(gate: Gate, case: Case, order: ShareOrder, decision: ShareDecision) -> dict[str, Any]:
    """Exactly what goes: the allowed fields of the chosen records, the derived items, and
    the person as the share says (reference, pseudonym, or nothing)."""
    records: dict[str, list[dict[str, Any]]] = {}
    ids: dict[str, list[int]] = {}
    for record, names in decision.fields.items():
        if record == "person":
            objects: list[Any] = [case.person]
        elif record == "case":
            objects = [case]
        else:
            model = SHARE_RECORDS[record]
            objects = list(model._default_manager.filter(case_id=case.pk).order_by("pk"))
        ids[record] = [o.pk for o in objects]
        records[record] = [{n: _plain(getattr(o, n)) for n in names} for o in objects]
    subject: dict[str, Any] = {}
    if decision.identifiable == "yes":
        subject["reference"] = person_reference(case.person_id)
    elif decision.identifiable == "pseudonymised":
        subject["pseudonym"] = pseudonym(order.recipient, case.person_id)
    if decision.derived:
        subject.update(derive(decision.derived, case.person, timezone.localdate()))
    return {
        "recipient": order.recipient,
        "purpose": order.purpose,
        "gateway": order.gateway,
        "identifiable": decision.identifiable,
        "subject": subject,
        "records": records,
        "_ids": ids,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- reading the disclosure log ---------------------------------------------------------------


def shared_with(
    gate: Gate, person_id: int, *, limit: int = 100, cases: Sequence[ShownCase] = ()
) -> list[Disclosure]:
    """Whom a person's information was shared with (or refused to), for someone who may read
    the person; audited as a read of their disclosure log. `cases`: the person's cases the
    gate has just shown (their page), so that the nearest need not be read again."""
    # Read through the nearest of their cases this member of staff may see, as every read is.
    mine = [c for c in cases if c.person_id == person_id]
    via: Mapping[str, Any] | None
    if mine:
        nearest = min(mine, key=lambda c: (c.distance, -c.case_id))  # as the query orders
        via = {"pk": nearest.case_id, "service": nearest.service}
    else:
        via = (
            gate.cases()
            .filter(person_id=person_id)
            .order_by("gate_distance", "-pk")  # type: ignore[misc]
            .values("pk", "service")
            .first()
        )
    if via is None:
        raise gate._refuse_person(person_id)
    found = sharing_selectors.shared_with(person_id, limit=limit)
    batching.append(
        [
            gate._entry(
                Action.READ,
                f"{gate.policy.label}: the disclosure log of a person role '{gate.role}' may read",
                (),
                case_id=via["pk"],
                person_id=person_id,
                record="disclosure",
                service=via["service"],
            )
        ]
    )
    return found


def opens(gate: Gate, found: Disclosure) -> bool:
    """Whether `disclosure` opens this entry for someone who may read the person it is about
    (the pages that list a person's disclosures link only these): a share from their case
    does; an extract run that covered them is the DPO's alone."""
    return gate.is_dpo or found.person_id is not None


def disclosure(gate: Gate, disclosure_id: int) -> Disclosure:
    """One entry of the log with its package: for the DPO, or anyone who may read the person
    it is about (an extract run: the DPO only). Audited as a read; refused like a missing
    one when it is another controller's."""

    found = (
        Disclosure.objects.filter(pk=disclosure_id, controller_id=gate._controller_id)
        .select_related("by", "approved_by")
        .first()
    )
    # `opens` is this rule for a lister who may read the person already.
    readable = found is not None and (
        gate.is_dpo
        or (found.person_id is not None and gate.cases().filter(person_id=found.person_id).exists())
    )
    if found is None or not readable:
        decision = Decision(
            False, f"{gate.policy.label}: no such disclosure open to role '{gate.role}'"
        )
        gate._refuse(decision, record="disclosure", person_id=None)
        raise Refused(decision)
    append(
        [
            gate._entry(
                Action.READ,
                f"{gate.policy.label}: a disclosure and what went",
                found.categories,
                person_id=found.person_id,
                case_id=found.case_id,
                record="disclosure",
                record_id=found.pk,
            )
        ]
    )
    return found


def disclosure_log(
    gate: Gate, f: sharing_selectors.LogFilter, page: int
) -> tuple[Any, dict[int, Any]]:
    """The DPO's disclosure log across the service, a page at a time, with the people it
    names shown through the gate (audited as a list)."""

    if not gate.is_dpo:
        decision = Decision(
            False,
            f"{gate.policy.label}: role '{gate.role}' may not read the service's disclosure "
            "log; only a role that manages the policy may",
        )
        gate._refuse(decision, record="disclosure")
        raise Refused(decision)
    found = sharing_selectors.log_page(gate._controller_id, f, page)
    ids = sorted({d.person_id for d in found.object_list if d.person_id is not None})
    people = {s.person_id: s for s in gate.show_cases(gate._nearest_cases(ids))}
    return found, people


def shown_package(gate: Gate, found: Disclosure) -> dict[str, Any] | None:
    """What went, as this reader may see it: each value through `Gate.show` at the reader's
    distance to the person (the DPO's: the controller), so a category the reader's role may
    not read is "Withheld" here too, whoever shared it."""
    from types import SimpleNamespace

    from safehold.policy.schema import DERIVED_ITEMS
    from safehold.records.fields import RECORD_FIELDS

    if not found.package:
        return None
    if gate.is_dpo:
        distance = Distance.CONTROLLER
    elif found.person_id is None:
        distance = Distance.NONE
    else:
        nearest = (
            gate.cases()
            .filter(person_id=found.person_id)
            .order_by("gate_distance")  # type: ignore[misc]
            .values_list("gate_distance", flat=True)
            .first()
        )
        distance = Distance(nearest) if nearest is not None else Distance.NONE
    readable = gate.policy.categories(gate.role, "read", distance)

    def plain(value: Any) -> Any:
        return (
            f"Withheld ({value.category or 'no category'})"
            if isinstance(value, Withheld)
            else value
        )

    records: dict[str, list[dict[str, Any]]] = {}
    for record, items in (found.package.get("records") or {}).items():
        rows = []
        for item in items:
            obj = SimpleNamespace(pk=0, **dict.fromkeys(RECORD_FIELDS.get(record, ()), None))
            for key, value in item.items():
                setattr(obj, key, value)
            shown = gate.show(record, obj, distance)  # type: ignore[arg-type]
            rows.append({k: plain(shown.values.get(k)) for k in item})
        records[record] = rows
    subject = {}
    for key, value in (found.package.get("subject") or {}).items():
        sources = DERIVED_ITEMS[key][1] if key in DERIVED_ITEMS else ()
        ok = all(gate.policy.category(*f.split(".", 1)) in readable for f in sources)
        subject[key] = value if ok else "Withheld"
    return {**found.package, "subject": subject, "records": records}


# --- the gate's part ---------------------------------------------------------------------------


class Sharing(Reading):
    """Share, explain a share, and the disclosure log; consents (`consenting.py`)."""

    def share(self, case_id: int, order: ShareOrder) -> Disclosure:
        """Disclose chosen records of a case to a recipient the pack declares; refused
        (RefusedShare) otherwise. Either way the decision is in the disclosure log, audited."""
        return share(self, case_id, order)  # type: ignore[arg-type]

    def explain_share(self, case_id: int, order: ShareOrder) -> ShareDecision:
        """What sharing would do, and why, without sharing (audited as a read)."""
        return explain_share(self, case_id, order)  # type: ignore[arg-type]

    def record_consent(self, person_id: int, data: ConsentInput) -> ConsentRecord:
        return consenting.record_consent(self, person_id, data)  # type: ignore[arg-type]

    def withdraw_consent(self, record_id: int, **how: Any) -> ConsentRecord:
        return consenting.withdraw_consent(self, record_id, **how)  # type: ignore[arg-type]

    def consents(self, person_id: int) -> list[ConsentRecord]:
        return consenting.consents(self, person_id)  # type: ignore[arg-type]

    def shared_with(
        self, person_id: int, *, limit: int = 100, cases: Sequence[ShownCase] = ()
    ) -> list[Disclosure]:
        return shared_with(self, person_id, limit=limit, cases=cases)  # type: ignore[arg-type]

    def disclosure(self, disclosure_id: int) -> Disclosure:
        return disclosure(self, disclosure_id)  # type: ignore[arg-type]

    def opens_disclosure(self, found: Disclosure) -> bool:
        return opens(self, found)  # type: ignore[arg-type]

    def disclosure_package(self, found: Disclosure) -> dict[str, Any] | None:
        return shown_package(self, found)  # type: ignore[arg-type]

    def disclosure_log(
        self, f: sharing_selectors.LogFilter, page: int
    ) -> tuple[Any, dict[int, Any]]:
        return disclosure_log(self, f, page)  # type: ignore[arg-type]
