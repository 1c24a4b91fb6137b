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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from safehold.access.models import User
from safehold.access.policy import AccessPolicy
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import AuditEntry, append
from safehold.policy import selectors as policy_selectors
from safehold.policy.models import Controller
from safehold.policy.schema import DERIVED_ITEMS, Extract, Pack
from safehold.records.models import Case
from safehold.records.search import person_reference
from safehold.sharing.decide import SharePolicy, item_fields
from safehold.sharing.items import postcode_district, value_of
from safehold.sharing.models import (
    Channel,
    ConsentRecord,
    ConsentState,
    ConsentStatus,
    Disclosure,
    DisclosureSubject,
    Outcome,
)
from safehold.sharing.pseudonyms import key, pseudonymiser

CHUNK = 5000
# Whom a run covered is written this many at a time (one statement each).
SUBJECTS_CHUNK = 100_000


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


def population(pack: Pack, extract: Extract, controller_id: int, today: Any) -> QuerySet[Case]:
    """The latest case of the extract's services of each person it may cover (one grouped
    scan of the cases): the controller's people, not restricted, with every consent it
    needs in force, no preference withholding it and no objection (Article 21) to its
    purpose. A person's newest record of each preference is found by the (person,
    preference, -id) index, one probe a person in scope, then whether it is in force:
    cheaper than a set-based reading, measured."""
    scope = Case.objects.all()
    if extract.services:
        scope = scope.filter(service__in=extract.services)
    latest = scope.order_by().values("person_id").annotate(latest=Max("pk")).values("latest")
    cases = Case.objects.filter(
        pk__in=latest, person__controller_id=controller_id, person__restricted=False
    )
    policy = SharePolicy(AccessPolicy(pack))
    withholding = [p.code for p in policy.withholding(extract.recipient, extract.purpose)]
    for n, code in enumerate([*extract.consent, *withholding]):
        newest = ConsentRecord.objects.filter(person_id=OuterRef("person_id"), preference=code)
        cases = cases.annotate(**{f"newest_{n}": Subquery(newest.order_by("-pk").values("pk")[:1])})
        in_force = ConsentRecord.objects.filter(
            Q(until__isnull=True) | Q(until__gte=today),
            pk=OuterRef(f"newest_{n}"),
            state=ConsentState.GIVEN,
            on__lte=today,
        )
        if code in extract.consent:
            cases = cases.filter(Exists(in_force))
        else:
            cases = cases.exclude(Exists(in_force))
    # An objection in force to the extract's purpose (Article 21) leaves the person out,
    # unless the law or a court requires the return (that processing is not objectable).
    from safehold.policy.schema import GatewayKind
    from safehold.rights import objections

    gateway = next((g for g in pack.gateways if g.code == extract.gateway), None)
    required = gateway is not None and gateway.kind in (GatewayKind.LAW, GatewayKind.COURT_ORDER)
    stopped = objections.stopped(pack, extract.purpose, person_ref="person_id")
    if stopped is not None and not required:
        cases = cases.exclude(stopped)
    return cases


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


def rows(cases: QuerySet[Case], extract: Extract, today: Any) -> Iterator[tuple[int, list[Any]]]:
    """Each person's id and their items, in id order, from one query over `population`'s
    cases joined to their people; each item read by a getter chosen once."""
    person_fields, case_fields = columns(extract)
    names = ["person_id", *(f"person__{n}" for n in person_fields), *case_fields]
    qs = cases.order_by("person_id").values_list(*names)
    at = {name: i for i, name in enumerate(names)}
    getters = [_getter(item, at, today) for item in extract.items]
    for row in qs.iterator(chunk_size=CHUNK):
        yield row[0], [get(row) for get in getters]


def _getter(item: str, at: dict[str, int], today: Any) -> Callable[[tuple[Any, ...]], Any]:
    """How to read one item from a row of `rows`' query."""
    if item in DERIVED_ITEMS:
        fields = [f.split(".", 1)[1] for f in DERIVED_ITEMS[item][1]]
        where = [(name, at[f"person__{name}"]) for name in fields]
        fast = _derived_getter(item, [i for _, i in where])
        if fast is not None:
            return fast

        def derived(row: tuple[Any, ...]) -> Any:
            return value_of(item, _Row({name: row[i] for name, i in where}), today)

        return derived
    record, name = item.split(".", 1)
    i = at[f"person__{name}"] if record == "person" else at[name]

    def plain(row: tuple[Any, ...]) -> Any:
        value = row[i]
        return value.isoformat() if hasattr(value, "isoformat") else value

    return plain


def _derived_getter(item: str, at: list[int]) -> Callable[[tuple[Any, ...]], Any] | None:
    """The derived items of one field read straight from the row (`items.value_of` says
    what each is); None for the others."""
    if item == "year-of-birth":
        (i,) = at
        return lambda row: row[i].year if row[i] else None
    if item == "month-of-birth":
        (i,) = at
        return lambda row: row[i].strftime("%Y-%m") if row[i] else None
    if item == "postcode-district":
        (i,) = at
        return lambda row: postcode_district(row[i] or "") or None
    if item == "sex":
        (i,) = at
        return lambda row: row[i] or None
    return None


class _Row:
    def __init__(self, row: dict[str, Any]) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row.get(name)


def _add_subjects(disclosure_id: int, people: list[int]) -> None:
    """Whom a run covered, in one statement: the ids as one array on PostgreSQL, one
    prepared INSERT on SQLite; no model instance a row."""
    table = DisclosureSubject._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (disclosure_id, person_id) SELECT %s, unnest(%s::bigint[])",
                [disclosure_id, people],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {table} (disclosure_id, person_id) VALUES (%s, %s)",  # noqa: S608
                [(disclosure_id, p) for p in people],
            )


def run(code: str, out: IO[str], *, controller: str | None = None, by: User | None = None) -> Run:
    pack, version_id, extract, owner = find(code, controller)
    # The rule names the pack version, as the gate's rules do: the pages put it in words.
    version_label = str(policy_selectors.controller_version(owner.pk))
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
        rule = f"{version_label}: extract '{extract.code}' refused: " + "; ".join(found)
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
        f"{version_label}: extract '{extract.code}' to '{extract.recipient}' for "
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
        covered: list[int] = []
        if extract.identifiable == "pseudonymised":
            keyed = pseudonymiser(extract.recipient, secret)
            for person_id, values in rows(
                population(pack, extract, owner.pk, today), extract, today
            ):
                writer.writerow([keyed(person_id), *values])
                covered.append(person_id)
        else:
            lead = extract.identifiable == "yes"
            for person_id, values in rows(
                population(pack, extract, owner.pk, today), extract, today
            ):
                writer.writerow([person_reference(person_id), *values] if lead else values)
                covered.append(person_id)
        count = len(covered)
        for start in range(0, count, SUBJECTS_CHUNK):
            _add_subjects(d.pk, covered[start : start + SUBJECTS_CHUNK])
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
