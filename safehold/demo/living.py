"""`safehold demo --living`: what a service that has run for years holds, beyond the
population: former young people whose files are due or soon will be, legal holds, and a
break-glass use with what was read during it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from safehold.access.models import Team, User
from safehold.access.policy import AccessPolicy
from safehold.audit.services import append
from safehold.demo.base import (
    DEFAULT_SEED,
    audit_entry,
    controllers_to_fill,
    demo_account,
    services_of,
)
from safehold.demo.vocabulary import (
    ETHNICITY_TABLE,
    Pools,
    between,
    pick,
    service_kind,
    years_before,
)
from safehold.policy import selectors
from safehold.policy.models import Controller
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import (
    Case,
    Contact,
    Person,
    PersonFlag,
)

# --- a service that has been running for years ---------------------------------------------

# Former young people: their ages today. Their cases closed before their 18th birthday, so
# under the packs' rules some are past disposal (a 25th birthday, 5 years after the service),
# some fall due within two years, and the youngest later.
FORMER_AGES = (19, 20, 21, 22, 23, 23, 24, 24, 25, 25, 26, 26, 27, 28, 29, 31)
HOLD_REASONS = (
    "Civil claim against the council about the care this young person received: keep "
    "everything about them until the claim is settled (legal services ref. LS-2026-0412).",
    "Independent review of this case by the youth justice board: keep the case file until "
    "the review reports.",
)
GLASS_REASON = (
    "Police called out of hours: the young person is missing and the police need the "
    "address and health needs held on this case."
)


@dataclass
class Living:
    former: int = 0
    holds: int = 0
    break_glass: int = 0
    requests: int = 0


def living_service(*, pack: str | None = None, seed: int = DEFAULT_SEED) -> Living:
    """What a service that has run for years holds, beyond `generate`'s population: former
    young people whose case files have fallen due or soon will, legal holds placed by the data
    protection officer, and a break-glass use with what was read during it. Run after
    `generate` (its staff and cases) and before `safehold retention plan`, which dates the
    units and marks those held. Every write is the demo's (created_by `safehold-demo`) or
    through the services a member of staff would use (holds, the gate), so each is audited."""
    from safehold.access.gate import Gate, Refused  # the gate needs the loaded packs
    from safehold.retention import services as retention
    from safehold.web.selectors import timeline

    living = Living()
    account = demo_account()
    for controller in controllers_to_fill(pack):
        rng = random.Random(f"{seed}:{controller.code}:living")  # noqa: S311 - synthetic data
        former = _former_young_people(controller, account, rng)
        living.former += len(former)
        staff = User.objects.filter(controller=controller, is_active=True).order_by("pk")
        roles = {r.code: r for r in selectors.pack_of(controller.pack_version).roles}
        dpo = next((u for u in staff if roles.get(u.role) and roles[u.role].manages_policy), None)
        if dpo is not None and former:
            today = timezone.localdate()
            oldest = Person.objects.get(pk=former[-1][0])
            retention.place_hold(
                by=dpo, reason=HOLD_REASONS[0], review_on=today + timedelta(days=180), person=oldest
            )
            case = Case.objects.get(pk=former[len(former) // 2][1])
            retention.place_hold(
                by=dpo, reason=HOLD_REASONS[1], review_on=today + timedelta(days=90), case=case
            )
            living.holds += 2
        if dpo is not None:
            from safehold.rights.demo import requests_for

            living.requests += requests_for(controller.pk, dpo, timezone.localdate())
        glass = next((u for u in staff if roles.get(u.role) and roles[u.role].break_glass), None)
        if glass is not None:
            target = (
                Case.objects.filter(controller=controller, closed_on=None, restricted=False)
                .exclude(team__in=glass.teams.all())
                .exclude(allocated_to=glass)
                .order_by("pk")
                .first()
            )
            if target is not None:
                try:
                    Gate(glass).break_glass(target.pk, GLASS_REASON, minutes=1)
                    # What was read during it: the young person's page, through the gate.
                    reader = Gate(glass)
                    shown = reader.young_person(target.person_id)
                    timeline(reader, shown.cases)
                    living.break_glass += 1
                except Refused:
                    pass  # a pack whose role may not break glass after all
    return living


def _former_young_people(
    controller: Controller, account: User, rng: random.Random
) -> list[tuple[int, int]]:
    """Young people the service worked with years ago, each with a closed case of its youth
    work and a few contacts; returns (person id, case id), youngest first."""
    version = controller.pack_version
    pack = selectors.pack_of(version)
    kinds = {code: service_kind(code) for code in services_of(controller)}
    services = [c for c, k in kinds.items() if k in ("court", "out-of-court")] or [
        c for c, k in kinds.items() if k not in (None, "victim")
    ]
    teams = list(Team.objects.filter(controller=controller).order_by("pk"))
    if not services or not teams:
        return []
    workers = list(User.objects.filter(controller=controller, teams__in=teams).distinct())
    label = f"{pack.code} v{version.version}"
    pools = Pools.of(rng.randint(0, 10**6))
    today = timezone.localdate()
    made: list[tuple[int, int]] = []
    with transaction.atomic():
        for age in FORMER_AGES:
            born = years_before(today, age) - timedelta(days=rng.randint(0, 364))
            opened = years_before(born, -15) + timedelta(days=rng.randint(0, 700))
            closed = min(opened + timedelta(days=rng.randint(120, 400)), years_before(born, -18))
            female = rng.random() < 0.25
            given = rng.choice(pools.female if female else pools.male)
            family = rng.choice(pools.surnames)
            line = f"{rng.randint(1, 180)} {rng.choice(pools.streets)}\n{rng.choice(pools.towns)}"
            person = Person.objects.create(
                controller=controller,
                pack_version=version,
                created_by=account,
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex="Female" if female else "Male",
                ethnicity=pick(rng, ETHNICITY_TABLE),
                address=line,
                postcode=rng.choice(pools.postcodes),
                school=rng.choice(pools.schools),
                last_contact_on=closed,
            )
            team = rng.choice(teams)
            case = Case.objects.create(
                person=person,
                controller=controller,
                pack_version=version,
                created_by=account,
                service=rng.choice(services),
                team=team,
                allocated_to=rng.choice(workers) if workers else None,
                opened_on=opened,
                closed_on=closed,
            )
            for n in range(3):
                day = between(rng, opened, closed)
                Contact.objects.create(
                    case=case,
                    pack_version=version,
                    created_by=account,
                    kind=rng.choice(("home-visit", "office", "phone")),
                    occurred_at=timezone.make_aware(datetime.combine(day, datetime.min.time()))
                    + timedelta(hours=rng.randint(9, 17)),
                    notes=f"{given} seen{' at home' if n == 0 else ''}; work on the plan "
                    "went well.",
                )
            # Their file was closed with its facts recorded (not looked after, no plan...):
            # a fact nobody recorded would hold the file for review instead (docs/adr/0016).
            PersonFlag.objects.bulk_create(
                PersonFlag(person=person, flag=f.code, holds=False)
                for f in pack.flags
                if f.of == "person"
            )
            made.append((person.pk, case.pk))
            # Written when the work was done, not today: rules count from the last change.
            when = timezone.make_aware(datetime.combine(closed, datetime.min.time()))
            Person.objects.filter(pk=person.pk).update(created_at=when, updated_at=when)
            Case.objects.filter(pk=case.pk).update(created_at=when, updated_at=when)
            Contact.objects.filter(case=case).update(created_at=when, updated_at=when)
        people = [p for p, _ in made]
        cases = [c for _, c in made]
        contacts = list(Contact.objects.filter(case_id__in=cases).values_list("pk", flat=True))
        flags = list(PersonFlag.objects.filter(person_id__in=people).values_list("pk", flat=True))
        policy = AccessPolicy(pack, version.pk, label)
        append(
            [
                audit_entry(
                    label,
                    record,
                    ids,
                    [c for c in {policy.category(record, n) for n in RECORD_FIELDS[record]} if c],
                    version.pk,
                )
                for record, ids in (
                    ("person", people),
                    ("case", cases),
                    ("contact", contacts),
                    ("personflag", flags),
                )
                if ids
            ]
        )
    return made
