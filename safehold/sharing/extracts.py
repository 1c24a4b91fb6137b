"""Recurring extracts: the pack's items about everyone in scope, to one recipient, as CSV.

Set-based: one query selects the people (a case of the extract's services, not restricted,
every consent the extract needs currently given, no objection or preference withholding it),
with the items they need as columns (the person's own fields, and their latest case in scope
through correlated subqueries); rows are streamed to the file in chunks. Pseudonyms are keyed
hashes stable per recipient (`pseudonyms.py`). Each run is one disclosure listing whom it
covered (bulk-inserted), and one audit entry; a run the pack does not allow is refused, and
logged and audited as such.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from safehold.access.models import User
from safehold.access.policy import AccessPolicy
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import AuditEntry, append
from safehold.policy import selectors as policy_selectors
from safehold.policy.models import Controller
from safehold.policy.schema import DERIVED_ITEMS, Extract, Pack
from safehold.records.models import Case, Person
from safehold.sharing.decide import SharePolicy, item_fields
from safehold.sharing.items import value_of
from safehold.sharing.models import (
    Channel,
    ConsentRecord,
    ConsentState,
    ConsentStatus,
    Disclosure,
    DisclosureSubject,
    Outcome,
)
from safehold.sharing.pseudonyms import key, pseudonym

CHUNK = 5000


class ExtractRefused(Exception):
    def __init__(self, reason: str, disclosure: Disclosure | None = None) -> None:
        super().__init__(reason)
        self.disclosure = disclosure


@dataclass(frozen=True)
class Run:
    disclosure: Disclosure
    people: int


def find(code: str, controller: str | None = None) -> tuple[Pack, int, Extract, Controller]:
    """The extract `code` in the current pack of a controller (the one named, or the only one
    whose pack has it)."""
    found = []
    for c in Controller.objects.order_by("code"):
        if controller and c.code != controller:
            continue
        version = policy_selectors.controller_version(c.pk)
        pack = policy_selectors.pack_of(version)
        for x in pack.extracts:
            owner = x.controller or pack.controllers[0].code
            if x.code == code and owner == c.code:
                found.append((pack, version.pk, x, c))
    if not found:
        raise ExtractRefused(
            f"no loaded pack has an extract '{code}'"
            + (f" for '{controller}'" if controller else "")
        )
    if len(found) > 1:
        raise ExtractRefused(
            f"several controllers have an extract '{code}': name one with --controller"
        )
    return found[0]


def problems(pack: Pack, extract: Extract) -> list[str]:
    """Why the pack does not allow this extract as written (none: it does)."""
    policy = SharePolicy(AccessPolicy(pack))
    shares = [
        s
        for _, s in policy.shares_for(extract.recipient, extract.purpose)
        if extract.gateway in s.gateways
    ]
    if not shares:
        return [
            f"the pack declares no sharing with '{extract.recipient}' for '{extract.purpose}' "
            f"under '{extract.gateway}'"
        ]
    found = []
    for item in extract.items:
        fields = item_fields(item)
        if any(f.split(".")[0] not in ("person", "case") for f in fields):
            found.append(f"'{item}' is not about the person or their case")
            continue
        ok = any(
            all(
                (c := policy.access.category(*f.split(".", 1))) is not None
                and ("*" in s.categories or c in s.categories)
                # `never` is about the field itself; a derived item is less than the field.
                and (item in DERIVED_ITEMS or f not in s.never)
                for f in fields
            )
            for s in shares
        )
        if not ok:
            found.append(f"'{item}' is not in what the pack lets go to '{extract.recipient}'")
    return found


def population(pack: Pack, extract: Extract, controller_id: int, today: Any) -> QuerySet[Person]:
    cases = Case.objects.filter(person_id=OuterRef("pk"))
    if extract.services:
        cases = cases.filter(service__in=extract.services)
    people = Person.objects.filter(Exists(cases), controller_id=controller_id, restricted=False)
    policy = SharePolicy(AccessPolicy(pack))
    withholding = [p.code for p in policy.withholding(extract.recipient, extract.purpose)]
    # Each preference's newest record per person, by the (person, preference, -id) index: one
    # probe a person, then whether that record is in force. (A NOT EXISTS of a newer record
    # inside an EXISTS is planned as a nested loop over every consent on PostgreSQL.)
    for n, code in enumerate([*extract.consent, *withholding]):
        newest = ConsentRecord.objects.filter(person_id=OuterRef("pk"), preference=code)
        people = people.annotate(
            **{f"newest_{n}": Subquery(newest.order_by("-pk").values("pk")[:1])}
        )
        in_force = ConsentRecord.objects.filter(
            Q(until__isnull=True) | Q(until__gte=today),
            pk=OuterRef(f"newest_{n}"),
            state=ConsentState.GIVEN,
            on__lte=today,
        )
        if code in extract.consent:
            people = people.filter(Exists(in_force))
        else:
            people = people.exclude(Exists(in_force))
    # An objection in force to the extract's purpose (Article 21) leaves the person out,
    # unless the law or a court requires the return (that processing is not objectable).
    from safehold.policy.schema import GatewayKind
    from safehold.rights import objections

    gateway = next((g for g in pack.gateways if g.code == extract.gateway), None)
    required = gateway is not None and gateway.kind in (GatewayKind.LAW, GatewayKind.COURT_ORDER)
    stopped = objections.stopped(pack, extract.purpose, person_ref="pk")
    if stopped is not None and not required:
        people = people.exclude(stopped)
    return people


def columns(extract: Extract) -> tuple[list[str], list[str]]:
    """The person fields and case fields the items read."""
    person: list[str] = []
    case: list[str] = []
    for item in extract.items:
        for f in item_fields(item):
            record, name = f.split(".", 1)
            target = person if record == "person" else case
            if name not in target:
                target.append(name)
    return person, case


def rows(people: QuerySet[Person], extract: Extract, today: Any) -> Iterator[tuple[int, list[Any]]]:
    person_fields, case_fields = columns(extract)
    latest = Case.objects.filter(person_id=OuterRef("pk"))
    if extract.services:
        latest = latest.filter(service__in=extract.services)
    latest = latest.order_by("-pk")
    qs = people.annotate(
        **{f"case__{n}": Subquery(latest.values(n)[:1]) for n in case_fields}
    ).values("pk", *person_fields, *(f"case__{n}" for n in case_fields))
    for row in qs.order_by("pk").iterator(chunk_size=CHUNK):
        holder = _Row(row)
        values = []
        for item in extract.items:
            if item in DERIVED_ITEMS:
                values.append(value_of(item, holder, today))
            else:
                record, name = item.split(".", 1)
                value = row[name] if record == "person" else row[f"case__{name}"]
                values.append(value.isoformat() if hasattr(value, "isoformat") else value)
        yield row["pk"], values


class _Row:
    def __init__(self, row: dict[str, Any]) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row.get(name)


def run(code: str, out: IO[str], *, controller: str | None = None, by: User | None = None) -> Run:
    pack, version_id, extract, owner = find(code, controller)
    now = timezone.now()
    today = timezone.localdate(now)
    recipient = next(r for r in pack.recipients if r.code == extract.recipient)
    label = by.get_username() if by else f"extract:{extract.code}"
    found = problems(pack, extract)
    base: dict[str, Any] = {
        "controller_id": owner.pk,
        "recipient": extract.recipient,
        "recipient_name": recipient.name,
        "purpose": extract.purpose,
        "gateway": extract.gateway,
        "items": list(extract.items),
        "identifiable": extract.identifiable,
        "extract": extract.code,
        "by": by,
        "by_label": label,
        "at": now,
        "pack_version_id": version_id,
        "consent_status": ConsentStatus.GIVEN if extract.consent else ConsentStatus.NOT_NEEDED,
    }
    categories = sorted(
        {
            c
            for item in extract.items
            for f in item_fields(item)
            if (c := AccessPolicy(pack).category(*f.split(".", 1)))
        }
    )
    if found:
        rule = f"{pack.code}: extract '{extract.code}' refused: " + "; ".join(found)
        with transaction.atomic():
            d = Disclosure.objects.create(**base, rule=rule, outcome=Outcome.REFUSED)
            append(
                [
                    _entry(
                        label,
                        by,
                        Action.REFUSE,
                        AuditDecision.REFUSED,
                        rule,
                        d,
                        (),
                        extract,
                        version_id,
                    )
                ]
            )
        raise ExtractRefused(rule, d)
    secret = key() if extract.identifiable == "pseudonymised" else b""
    writer = csv.writer(out)
    subject = {"pseudonymised": ["pseudonym"], "yes": ["reference"], "anonymised": []}[
        extract.identifiable
    ]
    writer.writerow([*subject, *extract.items])
    rule = (
        f"{pack.code}: extract '{extract.code}' to '{extract.recipient}' for "
        f"'{extract.purpose}' under '{extract.gateway}'"
        + (
            f"; only people with current consent: {', '.join(extract.consent)}"
            if extract.consent
            else ""
        )
    )
    with transaction.atomic():
        d = Disclosure.objects.create(
            **base, rule=rule, outcome=Outcome.SHARED, categories=categories, channel=Channel.FILE
        )
        batch: list[DisclosureSubject] = []
        count = 0
        for person_id, values in rows(population(pack, extract, owner.pk, today), extract, today):
            if extract.identifiable == "pseudonymised":
                lead = [pseudonym(extract.recipient, person_id, secret)]
            elif extract.identifiable == "yes":
                lead = [f"P{person_id}"]
            else:
                lead = []
            writer.writerow([*lead, *values])
            batch.append(DisclosureSubject(disclosure_id=d.pk, person_id=person_id))
            count += 1
            if len(batch) >= CHUNK:
                DisclosureSubject.objects.bulk_create(batch)
                batch = []
        if batch:
            DisclosureSubject.objects.bulk_create(batch)
        Disclosure.objects.filter(pk=d.pk).update(people_count=count)
        d.people_count = count
        append(
            [
                _entry(
                    label,
                    by,
                    Action.DISCLOSE,
                    AuditDecision.ALLOWED,
                    f"{rule}; {count} people",
                    d,
                    categories,
                    extract,
                    version_id,
                )
            ]
        )
    return Run(d, count)


def _entry(
    label: str,
    by: User | None,
    action: str,
    decision: str,
    rule: str,
    d: Disclosure,
    categories: Any,
    extract: Extract,
    version_id: int,
) -> AuditEntry:
    return AuditEntry(
        actor_label=label,
        actor_id=by.pk if by else None,
        action=action,  # type: ignore[arg-type]
        decision=decision,  # type: ignore[arg-type]
        rule=rule,
        record_type="disclosure",
        record_id=d.pk,
        categories=categories,
        purpose=extract.purpose,
        recipient=extract.recipient,
        pack_version_id=version_id,
    )
