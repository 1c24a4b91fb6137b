"""Objection (UK GDPR Article 21): what the pack marks objectable, and the objections in force.

A purpose the pack marks `objectable` (processing for a public task or legitimate interests)
or `direct_marketing` can be objected to. An objection is recorded per purpose
(`models.Objection`), from a rights request of objection or from an objection recorded with
the person's consents (a pack preference of kind `objection` whose `withholds.purposes` names
objectable purposes). While it is pending or upheld, the gate stops that processing for that
person: their cases under it are not read (refused with the objection named), shares for it
are refused, regular returns for it leave them out. The DPO decides: upheld, or overruled with
the compelling grounds; an objection to direct marketing is upheld when made and cannot be
overruled (Article 21(3)).

Nothing here is specific to one pack: the pack says which processing is objectable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from safehold.policy.schema import Pack, Purpose
from safehold.rights.models import Objection, ObjectionState

if TYPE_CHECKING:
    from safehold.access.models import User
    from safehold.rights.models import RightsRequest
    from safehold.sharing.models import ConsentRecord


class CannotOverrule(ValueError):
    """An objection to direct marketing is absolute."""


def objectable(pack: Pack) -> dict[str, Purpose]:
    """The purposes a person may object to, by code."""
    return {p.code: p for p in pack.purposes if p.objectable or p.direct_marketing}


def services_by_purpose(pack: Pack) -> dict[str, list[str]]:
    """For each objectable purpose, the services whose cases are processed under it (the
    first purpose serving a service is its cases' purpose, as the gate audits them)."""
    marked = objectable(pack)
    found: dict[str, list[str]] = {}
    for service in pack.services:
        first = next(
            (p.code for p in pack.purposes if not p.services or service.code in p.services), ""
        )
        if first in marked:
            found.setdefault(first, []).append(service.code)
    return found


def stopped(pack: Pack, override: str = "", person_ref: str = "person_id") -> Q | None:
    """A filter of the cases whose processing an objection in force stops, or None when the
    pack marks nothing objectable: for each objectable purpose, its services' cases of a
    person who objected to it (or every case of theirs, when one purpose, `override`, is the
    purpose of every read)."""
    conditions: list[Q] = []

    def objected(purpose: str) -> Exists:
        return Exists(
            Objection.objects.in_force().filter(person_id=OuterRef(person_ref), purpose=purpose)
        )

    if override:
        return Q(objected(override)) if override in objectable(pack) else None
    for purpose, services in services_by_purpose(pack).items():
        conditions.append(Q(service__in=services) & Q(objected(purpose)))
    if not conditions:
        return None
    combined = conditions[0]
    for more in conditions[1:]:
        combined |= more
    return combined


def in_force(person_id: int, purpose: str) -> Objection | None:
    return (
        Objection.objects.in_force()
        .filter(person_id=person_id, purpose=purpose)
        .order_by("made_on", "pk")
        .first()
    )


def words(found: Objection) -> str:
    """The objection, as a refusal names it."""
    state = "upheld" if found.state == ObjectionState.UPHELD else "not yet decided"
    absolute = "; an objection to direct marketing cannot be overridden" * found.direct_marketing
    return (
        f"the person objected to '{found.purpose_name}' (UK GDPR Article 21) on "
        f"{found.made_on.day} {found.made_on:%B %Y}, by {found.source}: {state}, so it stops "
        f"for them{absolute}"
    )


def _rows(
    *,
    controller_id: int,
    person_id: int,
    purposes: Iterable[Purpose],
    made_on: date,
    request: RightsRequest | None = None,
    consent_record: ConsentRecord | None = None,
) -> list[Objection]:
    return Objection.objects.bulk_create(
        [
            Objection(
                controller_id=controller_id,
                person_id=person_id,
                purpose=p.code,
                purpose_name=p.name[:300],
                direct_marketing=p.direct_marketing,
                # Direct marketing stops at once and for good (Article 21(3)).
                state=ObjectionState.UPHELD if p.direct_marketing else ObjectionState.PENDING,
                made_on=made_on,
                request=request,
                consent_record=consent_record,
            )
            for p in purposes
        ]
    )


def from_request(request: RightsRequest, pack: Pack, purposes: Sequence[str]) -> list[Objection]:
    """A request of objection: to the purposes named, or every objectable purpose."""
    marked = objectable(pack)
    unknown = [c for c in purposes if c not in marked]
    if unknown:
        raise ValueError(f"not processing the notice says can be objected to: {unknown}")
    chosen = [marked[c] for c in purposes] if purposes else list(marked.values())
    return _rows(
        controller_id=request.controller_id,
        person_id=request.person_id,
        purposes=chosen,
        made_on=request.received_on,
        request=request,
    )


def decide(request: RightsRequest, *, upheld: bool, reason: str, by: User) -> tuple[int, int]:
    """The DPO's decision on a request's objections: upheld, or overruled (the compelling
    grounds in `reason`). Direct marketing stays upheld; if that is all there is, overruling
    is refused (CannotOverrule). Returns (upheld, overruled)."""
    rows = Objection.objects.filter(request=request, state=ObjectionState.PENDING)
    marketing = Objection.objects.filter(request=request, direct_marketing=True).exists()
    now = timezone.now()
    if upheld:
        return rows.update(
            state=ObjectionState.UPHELD, reason=reason, decided_by=by, decided_at=now
        ), 0
    if marketing and not rows.filter(direct_marketing=False).exists():
        raise CannotOverrule(
            "An objection to direct marketing cannot be overridden (UK GDPR Article 21(3)): "
            "that processing stopped when the objection was made"
        )
    return 0, rows.filter(direct_marketing=False).update(
        state=ObjectionState.OVERRULED, reason=reason, decided_by=by, decided_at=now
    )


def from_consent(record: ConsentRecord, pack: Pack) -> list[Objection]:
    """An objection recorded with the person's consents: to each objectable purpose its
    preference withholds (a preference withholding everything, to every one)."""
    preference = next((p for p in pack.preferences if p.code == record.preference), None)
    if preference is None or preference.kind != "objection" or preference.withholds is None:
        return []
    marked = objectable(pack)
    named = preference.withholds.purposes
    chosen = [marked[c] for c in named if c in marked] if named else list(marked.values())
    return _rows(
        controller_id=record.controller_id,
        person_id=record.person_id,
        purposes=chosen,
        made_on=record.on,
        consent_record=record,
    )


def withdrawn(original: ConsentRecord) -> int:
    """The person withdrew the objection recorded with their consents."""
    return Objection.objects.filter(consent_record=original).update(
        state=ObjectionState.WITHDRAWN, decided_at=timezone.now()
    )


def of_person(person_id: int) -> list[Objection]:
    return list(Objection.objects.filter(person_id=person_id).order_by("made_on", "pk"))


def describe(rows: Iterable[Objection]) -> list[dict[str, Any]]:
    return [
        {"purpose": r.purpose_name, "state": r.get_state_display(), "reason": r.reason}
        for r in rows
    ]
