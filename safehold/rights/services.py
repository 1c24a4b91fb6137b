"""Writes to rights requests: receiving one, its identity checks, a child's understanding, the
clock's pauses and extension, and closing it.

Every write recomputes the request's due date by `rights.clock` (the one rule, shared with
`safehold rights due`), adds a step to its history and is audited. Opening or closing a request
changes what retention may dispose of, so each recomputes the person's retention units in the
same transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from safehold.access.models import User
from safehold.audit.models import Action, Decision
from safehold.audit.services import AuditEntry, append
from safehold.policy import selectors as policy
from safehold.policy.law import RIGHTS
from safehold.records.models import Person
from safehold.rights import clock
from safehold.rights.models import WITHHOLDING as WITHHOLDING_GROUNDS
from safehold.rights.models import (
    Channel,
    CompiledBundle,
    Identity,
    Outcome,
    PauseReason,
    Requester,
    RequestPause,
    RequestStatus,
    RequestStep,
    RightsRequest,
    YesNo,
)


class RequestProblem(ValueError):
    """A change the request cannot take, with the field it is about (for a form's error)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _label(by: User | None) -> str:
    return (by.get_full_name() or by.get_username()) if by else "system"


def _pack_code(controller_id: int) -> str:
    return policy.pack_of(policy.controller_version(controller_id)).code


def nation_of(controller_id: int) -> str:
    """The nation whose bank holidays the controller's pack counts."""
    return policy.pack_of(policy.controller_version(controller_id)).rights.bank_holidays


def clock_of(request: RightsRequest, pauses: list[RequestPause] | None = None) -> clock.Clock:
    """The request's clock, from its received date, pauses and extension."""
    if pauses is None:
        pauses = list(request.pauses.all()) if request.pk else []
    return clock.compute(
        request.received_on,
        pauses=[clock.Pause(p.started_on, p.ended_on) for p in pauses],
        extension_told=request.extension_told_on,
        nation=request.nation,
    )


def _step(request: RightsRequest, by: User | None, what: str, action: str = Action.UPDATE) -> None:
    """One step of the request's history, and its audit entry, in the caller's transaction."""
    RequestStep.objects.create(request=request, by=by, what=what)
    append(
        [
            AuditEntry(
                actor_label=_label(by),
                actor_id=by.pk if by else None,
                action=Action(action),
                decision=Decision.ALLOWED,
                rule=(
                    f"{_pack_code(request.controller_id)}: the data protection officer handles "
                    "rights requests"
                ),
                person_id=request.person_id,
                record_type="rightsrequest",
                record_id=request.pk,
                purpose="rights-request",
                reason=what[:500],
            )
        ]
    )


def _reclock(request: RightsRequest, field: str = "received_on") -> None:
    try:
        request.due_on = clock_of(request).due
    except clock.ClockError as exc:
        raise RequestProblem(field, _sentence(exc)) from None


def receive(
    person: Person,
    kind: str,
    *,
    received_on: date,
    by: User | None = None,
    requester: str = Requester.SELF,
    requester_name: str = "",
    authority: str = "",
    channel: str = Channel.LETTER,
    asked: str = "",
    identity: str = Identity.NOT_CHECKED,
    identity_note: str = "",
    objected: tuple[str, ...] = (),
) -> RightsRequest:
    """Record a request under one of the rights (policy/law.py RIGHTS); it is open at once and
    its clock runs from `received_on`. An objection (Article 21) is to the purposes
    `objected` (the pack's objectable purposes; none named: all of them), and stops that
    processing for the person at once, until decided (`rights.objections`)."""
    if kind not in RIGHTS:
        raise ValueError(f"'{kind}' is not a right; use one of: {', '.join(RIGHTS)}")
    if requester != Requester.SELF and not authority.strip():
        raise RequestProblem(
            "authority", "Say what shows the requester may act for the person (their authority)"
        )
    from safehold.retention.services import recompute_for_person

    with transaction.atomic():
        request = RightsRequest(
            person=person,
            controller_id=person.controller_id,
            kind=kind,
            received_on=received_on,
            created_by=by,
            requester=requester,
            requester_name=requester_name.strip(),
            authority=authority.strip(),
            channel=channel,
            asked=asked.strip(),
            identity=identity,
            identity_note=identity_note.strip(),
            nation=nation_of(person.controller_id),
        )
        _reclock(request)
        request.save()
        who = Requester(requester).label
        if requester_name.strip():
            who += f" ({requester_name.strip()})"
        _step(
            request,
            by,
            f"Received on {_day(received_on)} by {Channel(channel).label.lower()}, "
            f"from {who[0].lower()}{who[1:]}: {RIGHTS[kind].title.lower()}.",
            Action.CREATE,
        )
        if kind == "objection":
            _object(request, objected, by)
        recompute_for_person(person.pk)
    return request


def _object(request: RightsRequest, objected: tuple[str, ...], by: User | None) -> None:
    from safehold.rights import objections

    pack = policy.pack_of(policy.controller_version(request.controller_id))
    try:
        rows = objections.from_request(request, pack, objected)
    except ValueError as exc:
        raise RequestProblem("objected", _sentence(exc)) from None
    if not rows:
        _step(request, by, "The notice marks no processing as objectable: decide it as asked.")
        return
    names = ", ".join(r.purpose_name for r in rows)
    marketing = [r.purpose_name for r in rows if r.direct_marketing]
    _step(
        request,
        by,
        f"Objection to: {names}. That processing stops for the person until decided"
        + (f"; direct marketing ({', '.join(marketing)}) stops for good" if marketing else "")
        + ".",
    )


def record_identity(request: RightsRequest, identity: str, note: str, *, by: User) -> None:
    """The identity check: asked for (the clock may be paused for it), confirmed, not needed."""
    with transaction.atomic():
        request.identity = Identity(identity)
        request.identity_note = note.strip()
        request.save(update_fields=["identity", "identity_note"])
        words = f"Identity: {Identity(identity).label.lower()}"
        _step(request, by, f"{words}. {note.strip()}".strip())


def decide_understanding(
    request: RightsRequest, *, understands: str, authorised: str, reason: str, by: User
) -> None:
    """For a child: whether they can understand their rights, and whether they authorised the
    person acting for them. There is no fixed age in England and Wales (12 is the common
    starting point), so the record says who decided and why."""
    if understands not in YesNo.values:
        raise RequestProblem("understands", "Say whether the child can understand their rights")
    if request.requester != Requester.SELF and authorised not in YesNo.values:
        raise RequestProblem(
            "authorised", "Say whether the child authorised the person acting for them"
        )
    if not reason.strip():
        raise RequestProblem("reason", "Say why: what the decision rests on")
    with transaction.atomic():
        request.child_understands = understands
        request.child_authorised = authorised if request.requester != Requester.SELF else ""
        request.understanding_by = by
        request.understanding_reason = reason.strip()
        request.save(
            update_fields=[
                "child_understands",
                "child_authorised",
                "understanding_by",
                "understanding_reason",
            ]
        )
        words = "can" if understands == YesNo.YES else "cannot"
        what = f"Decided the child {words} understand their rights"
        if request.child_authorised:
            what += (
                "; the child authorised the requester"
                if authorised == YesNo.YES
                else "; the child did not authorise the requester"
            )
        _step(request, by, f"{what}: {reason.strip()}")


def pause(request: RightsRequest, *, on: date, reason: str, by: User) -> RequestPause:
    """Stop the clock while identity or clarification is awaited (Article 12A)."""
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != RequestStatus.OPEN:
            raise RequestProblem("on", "The request is closed: its clock cannot be paused")
        pauses = list(locked.pauses.all())
        if pauses and pauses[-1].ended_on is None:
            raise RequestProblem("on", "The clock is already paused")
        new = RequestPause(request=locked, started_on=on, reason=PauseReason(reason))
        try:
            clock_of(locked, [*pauses, new])
        except clock.ClockError as exc:
            raise RequestProblem("on", _sentence(exc)) from None
        new.save()
        locked.due_on = None
        locked.save(update_fields=["due_on"])
        request.due_on = None
        _step(
            locked,
            by,
            f"Clock paused on {_day(on)}: {PauseReason(reason).label.lower()}.",
        )
    return new


def resume(request: RightsRequest, *, on: date, by: User) -> None:
    """Restart the clock with the days it had left."""
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        pauses = list(locked.pauses.all())
        if not pauses or pauses[-1].ended_on is not None:
            raise RequestProblem("on", "The clock is not paused")
        pauses[-1].ended_on = on
        try:
            found = clock_of(locked, pauses)
        except clock.ClockError as exc:
            raise RequestProblem("on", _sentence(exc)) from None
        pauses[-1].save(update_fields=["ended_on"])
        locked.due_on = request.due_on = found.due
        locked.save(update_fields=["due_on"])
        assert found.due is not None
        _step(
            locked,
            by,
            f"Clock resumed on {_day(on)}; now due {_day(found.due)}.",
        )


def extend(request: RightsRequest, *, told_on: date, reason: str, by: User) -> None:
    """Extend by two further months; only if the requester is told within the first month."""
    if not reason.strip():
        raise RequestProblem("reason", "Say why the request is complex or numerous")
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if locked.extension_told_on is not None:
            raise RequestProblem("told_on", "The request has been extended already")
        locked.extension_told_on = told_on
        locked.extension_reason = reason.strip()
        _reclock(locked, "told_on")
        locked.save(update_fields=["extension_told_on", "extension_reason", "due_on"])
        request.extension_told_on, request.extension_reason, request.due_on = (
            locked.extension_told_on,
            locked.extension_reason,
            locked.due_on,
        )
        due = f"now due {_day(locked.due_on)}" if locked.due_on else "clock paused"
        _step(
            locked,
            by,
            f"Extended by two months; the requester was told on {_day(told_on)} "
            f"({due}): {reason.strip()}",
        )


def close(
    request: RightsRequest,
    *,
    closed_on: date,
    outcome: str = Outcome.ANSWERED,
    note: str = "",
    by: User | None = None,
) -> RightsRequest:
    from safehold.retention.services import recompute_for_person

    if closed_on < request.received_on:
        raise RequestProblem("closed_on", "The request cannot close before it was received")
    if outcome in (Outcome.REFUSED, Outcome.PART) and not note.strip():
        raise RequestProblem("note", "Say on what ground the request was refused")
    with transaction.atomic():
        request.status = RequestStatus.CLOSED
        request.closed_on = closed_on
        request.outcome = Outcome(outcome)
        request.outcome_note = note.strip()
        # A paused clock has no due date; closing while paused is answered with it resumed.
        open_pause = request.pauses.filter(ended_on__isnull=True).first()
        if open_pause is not None:
            open_pause.ended_on = max(closed_on, open_pause.started_on)
            open_pause.save(update_fields=["ended_on"])
            request.due_on = clock_of(request).due
        request.save(update_fields=["status", "closed_on", "outcome", "outcome_note", "due_on"])
        # The compilation kept for review goes: what was released, if anything, is kept.
        CompiledBundle.objects.filter(request=request).delete()
        on_time = request.on_time
        timing = "" if on_time is None else (" on time" if on_time else " late")
        _step(
            request,
            by,
            f"Closed on {_day(closed_on)}{timing}: {Outcome(outcome).label.lower()}."
            + (f" {note.strip()}" if note.strip() else ""),
        )
        recompute_for_person(request.person_id)
    return request


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[0].upper() + text[1:] if text else text


# --- the subject access bundle -----------------------------------------------------------------


def propose(request: RightsRequest, compiled: Any) -> None:
    """Put each proposal of this compilation in the redaction log (once)."""
    from safehold.rights.models import Redaction

    Redaction.objects.bulk_create(
        [
            Redaction(
                request=request,
                key=p.key,
                field=p.field,
                start=p.start,
                end=p.end,
                text=p.text,
                entity=p.entity,
                whose=p.whose[:300],
                found_by=p.found_by,
            )
            for p in compiled.proposals
        ],
        ignore_conflicts=True,
        batch_size=500,
    )


def decide_redactions(
    request: RightsRequest, decisions: dict[int, tuple[str, str]], *, by: User
) -> int:
    """The reviewer's decision on each proposal: withhold or disclose, with its legal ground
    and an optional note. Returns how many were decided."""
    from safehold.rights.models import Ground, Redaction, Release

    if Release.objects.filter(request=request, released_at__isnull=False).exists():
        raise RequestProblem("decisions", "The bundle has been released: its log is closed")
    now = timezone.now()
    rows = {r.pk: r for r in Redaction.objects.filter(request=request, pk__in=list(decisions))}
    changed = []
    for pk, (ground, note) in decisions.items():
        row = rows.get(pk)
        if row is None or not ground:
            continue
        row.ground = Ground(ground)
        row.note = note.strip()
        row.decided_by = by
        row.decided_at = now
        changed.append(row)
    with transaction.atomic():
        Redaction.objects.bulk_update(changed, ["ground", "note", "decided_by", "decided_at"])
        # A decision changed after an approval needs approving again.
        Release.objects.filter(request=request, released_at__isnull=True).delete()
        if changed:
            withheld = sum(1 for r in changed if r.withheld)
            _step(
                request,
                by,
                f"Redaction review: {len(changed)} decided ({withheld} withheld, "
                f"{len(changed) - withheld} disclosed).",
            )
    return len(changed)


def _deciders(request: RightsRequest) -> set[int]:
    from safehold.rights.models import Redaction

    return set(
        Redaction.objects.filter(request=request, decided_by__isnull=False)
        .values_list("decided_by", flat=True)
        .distinct()
    )


def approve_release(request: RightsRequest, compiled: Any, *, by: User) -> None:
    """A second person approves the bundle for release: not anyone who decided a redaction."""
    from safehold.rights.models import Release

    _check_decided(request, compiled)
    if by.pk in _deciders(request):
        raise RequestProblem(
            "approve", "A second person must approve: you reviewed some of the redactions"
        )
    with transaction.atomic():
        Release.objects.update_or_create(
            request=request, defaults={"approved_by": by, "approved_at": timezone.now()}
        )
        _step(request, by, "Approved the bundle for release (second person).")


def _check_decided(request: RightsRequest, compiled: Any) -> dict[tuple[Any, ...], Any]:
    from safehold.rights.models import Redaction

    rows = {
        (r.key, r.field, r.start, r.end, r.text): r
        for r in Redaction.objects.filter(request=request, decided_at__isnull=False)
    }
    pending = [p for p in compiled.proposals if p.ident not in rows]
    if pending:
        raise RequestProblem("release", f"{len(pending)} proposed redaction(s) are not yet decided")
    return rows


def release(
    request: RightsRequest, compiled: Any, *, by: User, pack: Any, second_approval: bool
) -> dict[str, Any]:
    """Release the bundle: the reviewed redactions applied, the covering letter, kept with its
    digest; every entry released is audited as a disclosure to the requester, the log records
    what was disclosed, and the request closes."""
    from safehold.rights import bundle
    from safehold.rights.models import Outcome, Redaction, Release

    rows = _check_decided(request, compiled)
    existing = Release.objects.filter(request=request).first()
    if existing and existing.released_at:
        raise RequestProblem("release", "The bundle has been released already")
    if second_approval and not (existing and existing.approved_at):
        raise RequestProblem("release", "A second person must approve the bundle first")
    in_bundle = {p.ident for p in compiled.proposals}
    withheld = [ident for ident, r in rows.items() if r.withheld and ident in in_bundle]
    sections = bundle.apply(compiled, withheld, set(rows))
    data = bundle.content(compiled, sections, bundle.letter(pack, compiled, request.received_on))
    data["portable"] = bundle.portable(pack, compiled, sections)
    now = timezone.now()
    with transaction.atomic():
        Release.objects.update_or_create(
            request=request,
            defaults={
                "released_by": by,
                "released_at": now,
                "content": data,
                "digest": bundle.digest(data),
            },
        )
        decided = Redaction.objects.filter(request=request, pk__in=[r.pk for r in rows.values()])
        decided.filter(ground__in=[g.value for g in WITHHOLDING_GROUNDS]).update(disclosed=False)
        decided.exclude(ground__in=[g.value for g in WITHHOLDING_GROUNDS]).update(disclosed=True)
        rule = (
            f"{policy.controller_version(request.controller_id)}: right of access (UK GDPR "
            "Article 15), reviewed"
        )
        entries = [
            AuditEntry(
                actor_label=_label(by),
                actor_id=by.pk,
                action=Action.DISCLOSE,
                decision=Decision.ALLOWED,
                rule=rule,
                person_id=request.person_id,
                record_type=entry.key.split(":")[0],
                record_id=_id_of(entry.key),
                purpose="rights-request",
                recipient="requester",
                reason=f"subject access bundle of {request.reference}",
            )
            for section in sections
            for entry in section.entries
            if section.id not in {"retention", "seen"}
        ]
        append(entries)
        _step(
            request,
            by,
            f"Released the bundle: {len(entries)} entries, {len(withheld)} redaction(s).",
        )
        close(
            request,
            closed_on=timezone.localdate(),
            outcome=Outcome.PART if withheld else Outcome.ANSWERED,
            note=(
                f"{len(withheld)} item(s) of other people's information withheld; see the "
                "redaction log."
                if withheld
                else ""
            ),
            by=by,
        )
    return data


def _id_of(key: str) -> int | None:
    last = key.rsplit(":", 1)[-1]
    return int(last) if last.isdigit() else None


# --- rectification, erasure, restriction, objection ------------------------------------------

DECIDED_RIGHTS = frozenset({"rectification", "erasure", "restriction", "objection"})


def decide(
    request: RightsRequest,
    *,
    accept: bool,
    ground: str = "",
    reason: str = "",
    statement: str = "",
    by: User,
) -> None:
    """The DPO's decision on a request under rectification, erasure, restriction or objection.

    - Refused: the ground and reason are recorded (for rectification, with the person's own
      statement, kept with the request) and the request closes.
    - Rectification accepted: the correction is made on the record's edit page, through the
      gate (old value kept, `records.Change`); the request records it and closes.
    - Restriction accepted: processing of the person is restricted at once
      (`Person.restricted`, the gate's Article 18 restriction) until the request ends or is
      lifted (`lift_restriction`).
    - Objection: the processing objected to stopped when it was received; upheld, it stays
      stopped; overruled (compelling grounds, legal claims), it resumes, except direct
      marketing, which cannot be overruled (`rights.objections`). The request closes.
    - Erasure accepted: the request closes, which makes what the person's own units hold due
      that day under the rule `erasure-request` (retention/planner/holds.py, docs/adr/0021); the units
      due now are approved for destruction at once, by this decision, and the retention sweep
      disposes of them with a destruction record and an audit entry each. What is still held
      (an open case, a legal hold, a person's record while their case files remain) waits in
      the retention queue under the same rule.
    """
    from safehold.rights.models import Decision as Decided
    from safehold.rights.models import RefusalGround

    if request.kind not in DECIDED_RIGHTS:
        raise RequestProblem("decision", "Only rectification, erasure, restriction and objection")
    if request.status != RequestStatus.OPEN:
        raise RequestProblem("decision", "The request is closed")
    if not accept and ground not in RefusalGround.values:
        raise RequestProblem("ground", "Select the ground for refusing")
    if not reason.strip():
        raise RequestProblem("reason", "Enter the reason, as the requester will be told it")
    if request.kind == "objection":
        _decide_objection(request, accept=accept, ground=ground, reason=reason, by=by)
        return
    with transaction.atomic():
        request.decision = Decided.ACCEPTED if accept else Decided.REFUSED
        request.refusal_ground = "" if accept else ground
        request.statement = statement.strip()
        request.save(update_fields=["decision", "refusal_ground", "statement"])
        if accept and request.kind in {"restriction", "objection"}:
            _restrict(request, True, by)
        words = "Accepted" if accept else f"Refused: {RefusalGround(ground).label}"
        _step(request, by, f"{words}. {reason.strip()}")
        if request.kind in {"restriction", "objection"} and accept and request.restriction_set:
            return  # open while processing stays restricted; lifted when it ends
        if request.restriction_set:
            _restrict(request, False, by)
        close(
            request,
            closed_on=timezone.localdate(),
            outcome=Outcome.ANSWERED if accept else Outcome.REFUSED,
            note=reason.strip(),
            by=by,
        )
        if accept and request.kind == "erasure":
            _approve_erasure(request, by)


def _decide_objection(
    request: RightsRequest, *, accept: bool, ground: str, reason: str, by: User
) -> None:
    """Upheld: the processing objected to stays stopped for the person. Overruled (compelling
    legitimate grounds, or legal claims): it resumes; direct marketing never does."""
    from safehold.rights import objections
    from safehold.rights.models import Decision as Decided
    from safehold.rights.models import RefusalGround

    with transaction.atomic():
        try:
            upheld, overruled = objections.decide(
                request, upheld=accept, reason=reason.strip(), by=by
            )
        except objections.CannotOverrule as exc:
            raise RequestProblem("decision", str(exc)) from None
        request.decision = Decided.ACCEPTED if accept else Decided.REFUSED
        request.refusal_ground = "" if accept else ground
        request.save(update_fields=["decision", "refusal_ground"])
        words = "Upheld" if accept else f"Overruled: {RefusalGround(ground).label}"
        counts = f" ({upheld} upheld)" if accept else f" ({overruled} overruled)"
        _step(request, by, f"{words}{counts}. {reason.strip()}")
        if request.restriction_set:
            _restrict(request, False, by)
        close(
            request,
            closed_on=timezone.localdate(),
            outcome=Outcome.ANSWERED if accept else Outcome.REFUSED,
            note=reason.strip(),
            by=by,
        )


def _approve_erasure(request: RightsRequest, by: User) -> None:
    from safehold.retention import services as retention
    from safehold.retention.models import RetentionUnit

    due = list(
        RetentionUnit.objects.due()
        .filter(person_id=request.person_id, rule="erasure-request")
        .values_list("pk", flat=True)
    )
    approved = retention.approve(due, by, action="destroy") if due else 0
    waiting = (
        RetentionUnit.objects.filter(person_id=request.person_id, rule="erasure-request")
        .exclude(pk__in=due)
        .exclude(status__in=["disposed", "archived"])
        .count()
    )
    _step(
        request,
        by,
        f"Erasure: {approved} item(s) approved for destruction by the retention sweep"
        + (f"; {waiting} still held, in the retention queue" if waiting else "")
        + ".",
    )


def restrict_while_deciding(request: RightsRequest, *, by: User) -> None:
    """Restrict processing of the person while a request under rectification, restriction or
    objection is decided (Article 18(1)(a) and (d))."""
    if request.kind not in {"rectification", "restriction", "objection"}:
        raise RequestProblem("restrict", "Only while accuracy or an objection is decided")
    with transaction.atomic():
        _restrict(request, True, by)


def lift_restriction(request: RightsRequest, *, by: User, reason: str) -> None:
    if not request.restriction_set:
        raise RequestProblem("lift", "The request has not restricted processing")
    if not reason.strip():
        raise RequestProblem("reason", "Enter why the restriction ends (the person is told first)")
    with transaction.atomic():
        _restrict(request, False, by)
        _step(request, by, f"Restriction lifted: {reason.strip()}")
        if request.status == RequestStatus.OPEN and request.decision:
            close(request, closed_on=timezone.localdate(), note=reason.strip(), by=by)


def _restrict(request: RightsRequest, on: bool, by: User) -> None:
    from safehold.records.models import Person

    others = RightsRequest.objects.filter(
        person_id=request.person_id, restriction_set=True, status=RequestStatus.OPEN
    ).exclude(pk=request.pk)
    if on and Person.objects.filter(pk=request.person_id, restricted=True).exists():
        _step(request, by, "Processing of the person is restricted already")
        return  # restricted by something else: this request will not lift it
    request.restriction_set = on
    request.save(update_fields=["restriction_set"])
    if not on and others.exists():
        return  # another open request still restricts the person
    Person.objects.filter(pk=request.person_id).update(restricted=on)
    _step(
        request,
        by,
        "Processing restricted (UK GDPR Article 18): only the data protection officer may "
        "read the record"
        if on
        else "Restriction of processing ended",
    )


# --- keeping what was released --------------------------------------------------------------


def answers_cutoff(today: date, pack: Any) -> date:
    """Copies released for requests closed before this date are past the pack's
    `rights.answers_kept` (kept at least the whole period)."""
    from safehold.retention.rules import add_months, add_years

    period = pack.rights.answers_kept
    if period.unit == "years":
        return add_years(today, -period.amount)
    if period.unit == "months":
        return add_months(today, -period.amount)
    days = period.amount * (7 if period.unit == "weeks" else 1)
    return date.fromordinal(today.toordinal() - days)


def delete_old_answers(*, today: date | None = None, dry_run: bool = False) -> int:
    """Delete the copies released (the bundle as sent) once the pack's `rights.answers_kept`
    has passed since the request closed: one UPDATE per controller, one audit entry per copy
    (its digest and the redaction log stay). Returns how many."""
    from safehold.rights.models import Release

    today = today or timezone.localdate()
    total = 0
    controllers = (
        Release.objects.filter(content__isnull=False)
        .values_list("request__controller_id", flat=True)
        .distinct()
    )
    for controller_id in list(controllers):
        version = policy.controller_version(controller_id)
        pack = policy.pack_of(version)
        due = Release.objects.filter(
            content__isnull=False,
            request__controller_id=controller_id,
            request__status=RequestStatus.CLOSED,
            request__closed_on__lt=answers_cutoff(today, pack),
        )
        rows = list(due.values_list("request_id", "request__person_id"))
        total += len(rows)
        if dry_run or not rows:
            continue
        with transaction.atomic():
            due.update(content=None, content_deleted_at=timezone.now())
            append(
                [
                    AuditEntry(
                        actor_label="system",
                        actor_id=None,
                        action=Action.DELETE,
                        decision=Decision.ALLOWED,
                        rule=(
                            f"{version}: a released copy is kept {pack.rights.answers_kept} "
                            "after the request closed (rights.answers_kept)"
                        ),
                        person_id=person_id,
                        record_type="release",
                        record_id=request_id,
                        purpose="rights-request",
                    )
                    for request_id, person_id in rows
                ]
            )
    return total
