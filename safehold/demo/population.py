"""The people and their cases: young people with their families, victims and professionals,
cases of the pack's services and their contacts, assessments, plans, offences, outcomes
and reports, a chunk at a time (`World`).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from safehold.access.models import Team, User
from safehold.access.policy import AccessPolicy
from safehold.audit.services import AuditEntry, append
from safehold.demo.base import audit_entry, services_of
from safehold.demo.rows import Chunk, write_rows
from safehold.demo.staff import TEAM_NAMES, Workforce
from safehold.demo.vocabulary import (
    ACTIONS,
    ASSESSMENTS,
    BAIL_CONDITIONS,
    CONTACT_NOTES,
    CONTACT_TABLE,
    CONTACTS,
    DURATION_DAYS,
    ETHNICITY_TABLE,
    HEALTH_NEEDS,
    ITEMS,
    LEVELS,
    MENTAL_HEALTH,
    OFFENCES,
    PLACES,
    PLANS,
    PROPERTIES,
    STRENGTHS,
    SUBSTANCE_USE,
    TOPICS,
    YOUNG_AGES,
    YOUNG_CASE_KINDS,
    YRO_REQUIREMENTS,
    Pools,
    between,
    pick,
    service_kind,
    weighted,
    years_before,
)
from safehold.policy import selectors
from safehold.policy.models import Controller
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import (
    Assessment,
    Case,
    CaseStatus,
    Contact,
    Offence,
    Outcome,
    Person,
    PersonFlag,
    Plan,
    PlanAction,
    Relationship,
    Report,
    Tracked,
    VictimLink,
)

# Who the people are: about a third young people, the rest their families, victims and the
# professionals around them; about ten case records per person overall.
SHARE_YOUNG = 0.32
SHARE_VICTIM = 0.12
SHARE_PROFESSIONAL = 0.06


@dataclass
class Household:
    young: int  # the young person's chunk-local id
    given_name: str
    born: date
    parent: str  # how notes name the main parent or carer, e.g. "mum (Sarah)"
    looked_after: bool
    lives_at_home: bool
    last_contact: date | None = None


# Why cases close, weighted by kind of work (most complete); drawn from the case's own numbers,
# not the generator's stream, so adding reasons changed no other synthetic value.
CLOSED_REASONS: dict[str, tuple[str, ...]] = {
    "court": ("completed",) * 14 + ("revoked",) * 2 + ("custody",) * 2 + ("transferred", "moved"),
    "out-of-court": ("completed",) * 16 + ("no-further-action",) * 2 + ("moved", "transferred"),
    "prevention": ("completed",) * 12 + ("declined",) * 4 + ("no-further-action",) * 3 + ("moved",),
}


def closed_reason(kind: str, person: int, opened: date) -> str:
    reasons = CLOSED_REASONS.get(kind, ("completed",))
    return reasons[(person * 7919 + opened.toordinal()) % len(reasons)]


@dataclass
class CaseInfo:
    id: int
    kind: str
    service: str
    opened_on: date
    closed_on: date | None


class World:
    """One controller's demo: its pack, teams and staff, and the making of its people."""

    def __init__(
        self,
        controller: Controller,
        account: User,
        pools: Pools,
        teams: list[Team],
        workforce: Workforce,
        offset: int,
        teams_created: int,
    ) -> None:
        self.controller = controller
        self.account = account
        self.pools = pools
        self.teams = teams
        self.workforce = workforce
        self.offset = offset
        self.teams_created = teams_created
        version = controller.pack_version
        self.pack = selectors.pack_of(version)
        self.version_id = version.pk
        self.label = f"{self.pack.code} v{version.version}"
        self.policy = AccessPolicy(self.pack, version.pk, self.label)
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.services: dict[str, list[str]] = {}
        for code in services_of(controller):
            kind = service_kind(code)
            if kind is not None:
                self.services.setdefault(kind, []).append(code)
        kinds = [(k, w) for k, w in YOUNG_CASE_KINDS if k in self.services]
        self.young_kinds = weighted(kinds) if kinds else None
        self.flags = [f.code for f in self.pack.flags if f.of == "person"]
        self.roles = workforce.case_roles

    @classmethod
    def set_up(
        cls,
        controller: Controller,
        account: User,
        pools: Pools,
        password_hash: str | None,
        seed: int,
    ) -> World:
        rng = random.Random(f"{seed}:{controller.code}:staff")  # noqa: S311 - synthetic data
        version = controller.pack_version
        pack = selectors.pack_of(version)
        services = services_of(controller)
        existing = {t.name: t for t in Team.objects.filter(controller=controller)}
        missing = [
            Team(controller=controller, name=name, services=services)
            for name in TEAM_NAMES
            if name not in existing
        ]
        with transaction.atomic():
            Team.objects.bulk_create(missing)
            if missing:
                label = f"{pack.code} v{version.version}"
                append([audit_entry(label, "team", missing, [], version.pk)])
        made = {t.name: t for t in missing}
        teams = [existing.get(name) or made[name] for name in TEAM_NAMES]
        workforce = Workforce(controller, pack, teams, password_hash, pools, rng)
        offset = Person.objects.filter(controller=controller).count()
        return cls(controller, account, pools, teams, workforce, offset, len(missing))

    # --- people ----------------------------------------------------------------------------

    def person(
        self,
        chunk: Chunk,
        rng: random.Random,
        *,
        born: date,
        female: bool,
        family: str | None = None,
        home: tuple[str, str] | None = None,
        ethnicity: str | None = None,
        **values: Any,
    ) -> tuple[int, str]:
        """A person: their chunk-local id and given name."""
        pools = self.pools
        given = rng.choice(pools.female if female else pools.male)
        family = family or rng.choice(pools.surnames)
        address, postcode = home or self.address(rng)
        adult = born <= years_before(self.today, 18)
        email = ""
        if adult and rng.random() < 0.6:
            domain = rng.choice(("example.com", "example.org", "example.net"))
            email = f"{given}.{family}{rng.randint(1, 99)}@{domain}".lower().replace(" ", "")
        phone = ""
        if adult or rng.random() < 0.7:
            phone = rng.choice(pools.mobiles if rng.random() < 0.8 else pools.landlines)
        local = chunk.add(
            Person,
            given_name=given,
            family_name=family,
            preferred_name=given[:3] if len(given) > 4 and rng.random() < 0.05 else "",
            date_of_birth=born,
            sex="Female" if female else "Male",
            ethnicity=ethnicity or pick(rng, ETHNICITY_TABLE),
            address=address,
            postcode=postcode,
            phone=phone,
            email=email,
            restricted=rng.random() < 0.002,
            **values,
        )
        return local, given

    def address(self, rng: random.Random) -> tuple[str, str]:
        pools = self.pools
        line = f"{rng.randint(1, 180)} {rng.choice(pools.streets)}\n{rng.choice(pools.towns)}"
        return line, rng.choice(pools.postcodes)

    def born(self, rng: random.Random, low: int, high: int) -> date:
        """A date of birth of someone aged between `low` and `high` (inclusive) today."""
        return years_before(self.today, rng.randint(low, high)) - timedelta(
            days=rng.randint(0, 364)
        )

    def household(self, chunk: Chunk, rng: random.Random, relatives: int) -> Household:
        """A young person aged 10-18, their main parent or carer and `relatives - 1` more."""
        # Youth justice caseloads are mostly boys of 14 to 17.
        age = rng.choice(YOUNG_AGES)
        born = years_before(self.today, age) - timedelta(days=rng.randint(0, 364))
        if age >= 16 and rng.random() < 0.3:
            school = f"{rng.choice(self.pools.towns)} College"
        elif age >= 16 and rng.random() < 0.15:
            school = "Not in education, employment or training"
        else:
            school = rng.choice(self.pools.schools)
        home = self.address(rng)
        ethnicity = pick(rng, ETHNICITY_TABLE)
        family_name = rng.choice(self.pools.surnames)
        young, given = self.person(
            chunk,
            rng,
            born=born,
            female=rng.random() < 0.22,
            family=family_name,
            home=home,
            ethnicity=ethnicity,
            school=school,
            health_needs=rng.choice(HEALTH_NEEDS) if rng.random() < 0.4 else "",
        )
        looked_after = rng.random() < 0.08
        house = Household(young, given, born, "the family", looked_after, False)
        members: list[tuple[str, str, bool]] = []  # kind, what notes call them, female
        if relatives:
            if looked_after:
                members.append(("carer", "foster carer", rng.random() < 0.7))
            else:
                mother = rng.random() < 0.85
                members.append(("parent", "mum" if mother else "dad", mother))
        for _ in range(relatives - 1):
            kind = rng.choice(("parent", "parent", "sibling", "sibling", "family", "carer"))
            female = rng.random() < 0.5
            if kind == "parent" and members[0][0] == "parent":
                female = not members[0][2]
            word = {
                "parent": ("dad", "mum"),
                "sibling": ("brother", "sister"),
                "family": ("grandad", "nan"),
                "carer": ("carer", "carer"),
            }[kind][female]
            members.append((kind, word, female))
        for i, (kind, word, female) in enumerate(members):
            if kind == "sibling":
                relative_born = self.born(rng, max(1, age - 6), age + 6)
            elif kind == "family":
                relative_born = self.born(rng, age + 40, age + 65)
            else:
                relative_born = self.born(rng, age + 18, age + 45)
            lives_with = (i == 0 and not looked_after) or (
                (kind == "carer") if looked_after else rng.random() < 0.55
            )
            same_name = kind in ("parent", "sibling") and rng.random() < 0.85
            relative, relative_name = self.person(
                chunk,
                rng,
                born=relative_born,
                female=female,
                family=family_name if same_name else None,
                home=home if lives_with else None,
                ethnicity=ethnicity if kind != "carer" else None,
            )
            if i == 0:
                house.parent = f"{word} ({relative_name})"
                house.lives_at_home = lives_with and not looked_after
            chunk.add(
                Relationship, person_id=young, other_id=relative, kind=kind, lives_with=lives_with
            )
        self.person_flags(chunk, rng, house)
        return house

    def person_flags(self, chunk: Chunk, rng: random.Random, house: Household) -> None:
        for code in self.flags:
            if "looked-after" in code or code == "cla":
                held = house.looked_after
            elif "lives-at-home" in code:
                held = house.lives_at_home
            elif "protection" in code:
                held = rng.random() < 0.06
            elif code in ("sen", "send", "ehcp") or "special-educational" in code:
                held = rng.random() < 0.18
            else:
                held = rng.random() < 0.05
            if held:
                started = between(rng, house.born + timedelta(days=365), self.today)
                ended = between(rng, started, self.today) if rng.random() < 0.25 else None
                chunk.add(
                    PersonFlag,
                    person_id=house.young,
                    flag=code,
                    started_on=started,
                    ended_on=ended,
                )
            elif rng.random() < 0.9:
                # Recorded as not holding; the rest nobody recorded, so the DPO's page shows
                # the gaps an unrecorded fact makes (docs/adr/0016).
                chunk.add(PersonFlag, person_id=house.young, flag=code, holds=False)

    # --- cases -----------------------------------------------------------------------------

    def case(
        self,
        chunk: Chunk,
        rng: random.Random,
        person: int,
        kind: str,
        *,
        open_case: bool,
        earliest: date,
    ) -> CaseInfo:
        service = rng.choice(self.services[kind])
        low, high = DURATION_DAYS[kind]
        length = rng.randint(low, high)
        closed: date | None
        if open_case:
            opened = between(rng, max(earliest, self.today - timedelta(days=length)), self.today)
            closed = None
        else:
            opened = between(rng, earliest, self.today - timedelta(days=length))
            closed = min(opened + timedelta(days=length), self.today)
        role = self.role_for(rng, kind)
        worker = None
        if role is not None and not (open_case and rng.random() < 0.05):  # awaiting allocation
            worker = self.workforce.allocate(role, open_case)
        local = chunk.add(
            Case,
            person_id=person,
            service=service,
            team_id=(worker.team if worker else rng.choice(self.teams)).pk,
            # The worker may be hired in this chunk: their id is known when the chunk is written.
            allocated_to_id=worker.user if worker else None,
            opened_on=opened,
            closed_on=closed,
            closed_reason=closed_reason(kind, person, opened) if closed else "",
        )
        return CaseInfo(local, kind, service, opened, closed)

    def role_for(self, rng: random.Random, kind: str) -> str | None:
        roles = self.roles
        if not roles:
            return None
        words = {
            "victim": ("victim",),
            "prevention": ("family", "youth-worker", "early-help"),
        }.get(kind, ("youth-justice", "case-manager"))
        primary = next((r for r in roles if any(w in r for w in words)), None)
        if primary is None:
            primary = next((r for r in roles if "youth-justice" in r), roles[0])
        others = [r for r in roles if r != primary]
        # Seconded workers (police, health, education, probation) hold some cases themselves.
        if others and rng.random() < 0.15:
            return rng.choice(others)
        return primary

    def records(
        self, chunk: Chunk, rng: random.Random, case: CaseInfo, name: str, parent: str
    ) -> tuple[date | None, list[tuple[int, date]]]:
        """A case's contacts, assessments, plans, offences, outcomes and reports. Returns the
        date of the last contact, and the offences that had a victim (id, date committed)."""
        opened, end = case.opened_on, case.closed_on or self.today
        days = max((end - opened).days, 0)
        kind = case.kind
        low, high = CONTACTS[kind]
        count = rng.randint(low, high)
        longest = DURATION_DAYS[kind][1]
        if case.closed_on is None:  # an open case has had only part of its contacts yet
            count = max(1, count * min(days, longest) // longest)
        last: date | None = None
        tz = self.tz
        for _ in range(count):
            day = opened + timedelta(days=rng.randint(0, days))
            contact_kind = pick(rng, CONTACT_TABLE)
            chunk.add(
                Contact,
                case_id=case.id,
                kind=contact_kind,
                occurred_at=datetime(
                    day.year,
                    day.month,
                    day.day,
                    rng.randint(9, 17),
                    rng.choice((0, 15, 30, 45)),
                    tzinfo=tz,
                ),
                notes=rng.choice(CONTACT_NOTES[contact_kind]).format(
                    yp=name,
                    parent=parent,
                    topic=rng.choice(TOPICS),
                    pct=rng.randint(40, 100),
                    hours=rng.randint(1, 4),
                ),
            )
            if last is None or day > last:
                last = day
        self.assessments(chunk, rng, case, days)
        self.plans(chunk, rng, case, name, days)
        if kind == "prevention":
            self.outcome_areas(chunk, rng, case)
        victimable: list[tuple[int, date]] = []
        if kind in ("court", "out-of-court", "bail"):
            victimable = self.offending(chunk, rng, case)
        return last, victimable

    def assessments(self, chunk: Chunk, rng: random.Random, case: CaseInfo, days: int) -> None:
        for kind, chance in ASSESSMENTS[case.kind]:
            if rng.random() >= chance:
                continue
            done = case.opened_on + timedelta(days=rng.randint(0, min(days, 40)))
            findings = ""
            if kind == "assetplus":
                summary = (
                    f"AssetPlus: likelihood of reoffending {rng.choice(LEVELS)}; risk of serious "
                    f"harm {rng.choice(LEVELS)}; safety and wellbeing {rng.choice(LEVELS)}. "
                    f"Intervention level: {rng.choice(('standard', 'enhanced', 'intensive'))}."
                )
            elif kind == "chat":
                summary = "CHAT health screening with the YOT health worker."
                findings = (
                    f"Physical health: {rng.choice(('no concerns', 'asthma', 'poor sleep'))}. "
                    f"Mental health: {rng.choice(MENTAL_HEALTH)}. "
                    f"Speech and language: {rng.choice(('no concerns', 'SALT referral made'))}. "
                    f"Substance use: {rng.choice(SUBSTANCE_USE)}."
                )
            else:
                summary = (
                    f"Early help assessment with the family. Strengths: {rng.choice(STRENGTHS)}. "
                    f"Needs: {rng.choice(TOPICS)}."
                )
            chunk.add(
                Assessment,
                case_id=case.id,
                kind=kind,
                completed_on=done if done <= self.today and rng.random() < 0.9 else None,
                summary=summary,
                health_findings=findings,
            )

    def plans(self, chunk: Chunk, rng: random.Random, case: CaseInfo, name: str, days: int) -> None:
        for kind, chance in PLANS[case.kind]:
            if rng.random() >= chance:
                continue
            starts = case.opened_on + timedelta(days=rng.randint(0, min(days, 30)))
            plan = chunk.add(
                Plan,
                case_id=case.id,
                kind=kind,
                starts_on=starts,
                review_on=starts + timedelta(days=rng.choice((42, 84, 90))),
                summary=f"Plan agreed with {name}: {rng.choice(TOPICS)} and {rng.choice(TOPICS)}.",
            )
            for description in rng.sample(ACTIONS, rng.randint(2, 4)):
                due = starts + timedelta(days=rng.randint(14, 120))
                done = None
                if due <= self.today and rng.random() < (0.9 if case.closed_on else 0.5):
                    done = min(due + timedelta(days=rng.randint(-10, 10)), self.today)
                chunk.add(
                    PlanAction, plan_id=plan, description=description, due_on=due, done_on=done
                )

    def offending(self, chunk: Chunk, rng: random.Random, case: CaseInfo) -> list[tuple[int, date]]:
        victimable = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            offence_type, text, gravity, victim = rng.choice(OFFENCES)
            committed = case.opened_on - timedelta(days=rng.randint(14, 180))
            offence = chunk.add(
                Offence,
                case_id=case.id,
                committed_on=committed,
                description=text.format(
                    item=rng.choice(ITEMS),
                    place=rng.choice(PLACES),
                    property=rng.choice(PROPERTIES),
                    value=rng.randint(20, 900),
                ),
                offence_type=offence_type,
                gravity=gravity,
            )
            if victim:
                victimable.append((offence, committed))
        kind, starts, ends, requirements = self.outcome(rng, case)
        chunk.add(
            Outcome,
            case_id=case.id,
            kind=kind,
            starts_on=starts,
            ends_on=ends,
            requirements=requirements,
        )
        if kind != "bail":
            self.statuses(chunk, rng, case, starts, ends)
        court = f"{rng.choice(self.pools.towns)} Youth Court"
        if kind in ("yro", "dto") and rng.random() < 0.85:
            proposal = "a youth rehabilitation order" if kind == "yro" else "custody"
            body = f"Pre-sentence report for {court}. Proposal: {proposal}."
            self.report(chunk, rng, case, "psr", starts, body)
        if kind == "referral-order" and rng.random() < 0.9:
            body = (
                "Report to the youth offender panel. Progress against the contract: "
                f"{rng.choice(('good', 'mixed', 'poor'))}; {rng.choice(TOPICS)} discussed."
            )
            self.report(
                chunk, rng, case, "panel", starts + timedelta(days=rng.randint(10, 25)), body
            )
        return victimable

    def outcome(self, rng: random.Random, case: CaseInfo) -> tuple[str, date, date | None, str]:
        starts = case.opened_on
        if case.kind == "bail":
            conditions = ", ".join(rng.sample(BAIL_CONDITIONS, rng.randint(2, 4)))
            ends = starts + timedelta(days=rng.randint(14, 90))
            return "bail", starts, ends, f"Bail conditions: {conditions}."
        if case.kind == "court":
            order = rng.choices(("referral-order", "yro", "dto"), (45, 40, 15))[0]
            if order == "referral-order":
                months = rng.randint(3, 12)
                text = (
                    f"Referral order, {months} months; contract: {rng.randint(4, 20)} hours of "
                    "reparation and victim awareness sessions."
                )
            elif order == "yro":
                months = rng.randint(6, 24)
                chosen = rng.sample(YRO_REQUIREMENTS, rng.randint(2, 4))
                text = f"Youth rehabilitation order with requirements: {'; '.join(chosen)}."
            else:
                months = rng.choice((4, 6, 8, 10, 12, 18, 24))
                text = f"Detention and training order, {months} months: half in custody."
            return order, starts, starts + timedelta(days=months * 30), text
        code = case.service
        if "conditional" in code:
            outcome = "youth-conditional-caution"
        elif "caution" in code:
            outcome = "youth-caution"
        elif "diversion" in code:
            outcome = "diversion"
        else:
            outcome = rng.choice(("youth-caution", "youth-conditional-caution", "diversion"))
        sessions = rng.randint(2, 8)
        text = {
            "youth-caution": "Youth caution; voluntary support offered.",
            "youth-conditional-caution": (
                f"Conditions: attend {sessions} sessions with the service; write a letter of "
                "apology."
            ),
            "diversion": f"Deferred prosecution: a diversion programme of {sessions} sessions.",
        }[outcome]
        return outcome, starts, starts + timedelta(days=sessions * 14), text

    def statuses(
        self, chunk: Chunk, rng: random.Random, case: CaseInfo, starts: date, ends: date | None
    ) -> None:
        """A plausible history of each of the pack's statuses over an order: a value assessed
        soon after it began (its values run worst to best, most children starting low), and,
        for many, a later change, mostly for the better; a few never recorded."""
        last = min(ends or self.today, self.today)
        for kind in self.pack.statuses:
            if rng.random() < 0.12:
                continue  # not recorded: the indicator counts it as such
            count = len(kind.values)
            at = starts + timedelta(days=rng.randint(0, 21))
            if at > self.today:
                continue
            index = min(int(rng.triangular(0, count, 0.8 * (count - 1) / 2)), count - 1)
            values = [(at, index)]
            if (last - at).days > 30 and rng.random() < 0.55:
                moved = min(max(index + rng.choice((-1, 1, 1, 1, 2)), 0), count - 1)
                # Past the worst or the best value is no change: nothing to record again.
                if moved != index:
                    values.append((between(rng, at + timedelta(days=14), last), moved))
            for n, (day, i) in enumerate(values):
                following = values[n + 1][0] if n + 1 < len(values) else None
                chunk.add(
                    CaseStatus,
                    case_id=case.id,
                    kind=kind.code,
                    value=kind.values[i].code,
                    started_on=day,
                    ended_on=following - timedelta(days=1) if following else None,
                    version=1,
                )

    def outcome_areas(self, chunk: Chunk, rng: random.Random, case: CaseInfo) -> None:
        """Early help: some of the pack's outcome areas recorded on a family's case, most as a
        need at the start; by the close, many achieved, some improving, some not."""
        end = min(case.closed_on or self.today, self.today)
        for kind in self.pack.statuses:
            if not kind.outcome_area or rng.random() >= 0.4:
                continue
            need = next((v for v in kind.values if v.counts_as == "need"), None)
            done = next((v for v in kind.values if v.counts_as == "achieved"), None)
            others = [v for v in kind.values if v.counts_as is None]
            if need is None or done is None:
                continue
            first = need if rng.random() < 0.75 or not others else others[0]
            start = case.opened_on + timedelta(days=rng.randint(0, 21))
            if start > end:
                continue
            history = [(start, first)]
            if first is need and (end - start).days > 28:
                later = done if rng.random() < 0.55 else rng.choice([need, *others])
                if later is not need:
                    history.append((between(rng, start + timedelta(days=14), end), later))
            for n, (day, value) in enumerate(history):
                following = history[n + 1][0] if n + 1 < len(history) else None
                chunk.add(
                    CaseStatus,
                    case_id=case.id,
                    kind=kind.code,
                    value=value.code,
                    started_on=day,
                    ended_on=following - timedelta(days=1) if following else None,
                    version=1,
                )

    def report(
        self, chunk: Chunk, rng: random.Random, case: CaseInfo, kind: str, due: date, body: str
    ) -> None:
        # The young person is given a copy before court or panel, most of the time.
        given = due - timedelta(days=rng.randint(1, 3)) if rng.random() < 0.85 else None
        chunk.add(
            Report,
            case_id=case.id,
            kind=kind,
            due_on=due,
            body=body,
            copy_given_on=given if given is not None and given <= self.today else None,
        )

    # --- a chunk ---------------------------------------------------------------------------

    def chunk(self, rng: random.Random, size: int) -> Chunk:
        """`size` people (young people, families, victims, professionals) and their records."""
        young_count = max(1, round(size * SHARE_YOUNG))
        victims = round(size * SHARE_VICTIM)
        professionals = round(size * SHARE_PROFESSIONAL)
        family = size - young_count - victims - professionals
        while family < 0:  # a handful of people: fewer victims and professionals
            if victims:
                victims -= 1
            elif professionals:
                professionals -= 1
            family += 1
        # Everyone gets a parent or carer first, then the other relatives go at random.
        relatives = [1 if i < family else 0 for i in range(young_count)]
        for _ in range(max(0, family - young_count)):
            relatives[rng.randrange(young_count)] += 1

        chunk = Chunk()
        households = [self.household(chunk, rng, n) for n in relatives]

        staff = [
            self.person(chunk, rng, born=self.born(rng, 25, 60), female=rng.random() < 0.7)[0]
            for _ in range(professionals)
        ]
        if staff:
            for house in households:
                if house.looked_after or rng.random() < 0.25:
                    social = house.looked_after or rng.random() < 0.5
                    chunk.add(
                        Relationship,
                        person_id=house.young,
                        other_id=rng.choice(staff),
                        kind="social-worker" if social else "professional",
                        lives_with=False,
                    )

        victimable: list[tuple[int, date]] = []
        six_years_ago = self.today - timedelta(days=6 * 365)
        for house in households:
            if self.young_kinds is None:
                break
            earliest = max(years_before(house.born, -10), six_years_ago)
            count = rng.choice((1, 1, 1, 1, 2, 2, 3))
            for n in range(count):
                kind = pick(rng, self.young_kinds)
                case = self.case(
                    chunk,
                    rng,
                    house.young,
                    kind,
                    open_case=n == count - 1 and rng.random() < 0.4,
                    earliest=earliest,
                )
                seen, offences = self.records(chunk, rng, case, house.given_name, house.parent)
                victimable.extend(offences)
                if seen is not None and (house.last_contact is None or seen > house.last_contact):
                    house.last_contact = seen
            chunk.tables[Person].rows[house.young]["last_contact_on"] = house.last_contact

        for _ in range(victims):
            child = rng.random() < 0.3
            born = self.born(rng, 10, 17) if child else self.born(rng, 18, 80)
            victim, given = self.person(chunk, rng, born=born, female=rng.random() < 0.5)
            if victimable:
                offence, committed = victimable.pop(rng.randrange(len(victimable)))
                consent = rng.choices(("given", "refused", "unknown"), (45, 25, 30))[0]
                recorded = min(committed + timedelta(days=rng.randint(7, 60)), self.today)
                rj, rj_on = self.restorative_justice(offence, victim, consent, recorded)
                chunk.add(
                    VictimLink,
                    offence_id=offence,
                    victim_id=victim,
                    contact_consent=consent,
                    consent_recorded_on=recorded if consent != "unknown" else None,
                    restorative_justice=rj,
                    rj_recorded_on=rj_on,
                )
            if "victim" in self.services and rng.random() < 0.5:
                case = self.case(
                    chunk,
                    rng,
                    victim,
                    "victim",
                    open_case=rng.random() < 0.3,
                    earliest=self.today - timedelta(days=3 * 365),
                )
                seen, _ = self.records(chunk, rng, case, given, "the family")
                chunk.tables[Person].rows[victim]["last_contact_on"] = seen
        return chunk

    def restorative_justice(
        self, offence: int, victim: int, consent: str, recorded: date
    ) -> tuple[str, date | None]:
        """A victim's answer to restorative justice and the day it was recorded: offered only
        to a victim who agreed to be contacted, some weeks after. Drawn from its own generator
        (seeded by the link) so the rest of the population is the same as before."""
        if consent != "given":
            return "not-offered", None
        rng = random.Random(offence * 100_003 + victim)  # noqa: S311 - synthetic data
        answer = rng.choices(("engaged", "declined", "offered", "not-offered"), (40, 25, 20, 15))[0]
        if answer == "not-offered":
            return answer, None
        return answer, min(recorded + timedelta(days=rng.randint(14, 90)), self.today)

    # --- writing ---------------------------------------------------------------------------

    def write(self, chunk: Chunk) -> Counter[str]:
        """Write a chunk, parents before children, and audit it, in one transaction."""
        written = Counter[str]()
        entries: list[AuditEntry] = []
        now = timezone.now()
        with transaction.atomic():
            hired = self.workforce.take_pending()
            if hired:
                users = User.objects.bulk_create([w.user for w in hired])
                User.teams.through.objects.bulk_create(
                    User.teams.through(user_id=w.user.pk, team_id=w.team.pk) for w in hired
                )
                written["user"] = len(users)
                entries.append(
                    audit_entry(self.label, "user", [u.pk for u in users], [], self.version_id)
                )
            for row in chunk.tables[Case].rows:
                if row["allocated_to_id"] is not None:
                    row["allocated_to_id"] = row["allocated_to_id"].pk
            ids_of: dict[type[models.Model], Sequence[int]] = {}
            for model, rows in chunk.tables.items():
                if not rows.rows:
                    ids_of[model] = ()
                    continue
                constants: dict[str, Any] = {}
                if issubclass(model, Tracked):
                    constants = {
                        "pack_version_id": self.version_id,
                        "created_by_id": self.account.pk,
                        "created_at": now,
                        "updated_at": now,
                    }
                if model in (Person, Case):
                    constants["controller_id"] = self.controller.pk
                ids = ids_of[model] = write_rows(rows, constants, ids_of)
                record = str(model._meta.model_name)
                written[record] = len(ids)
                categories = (
                    {k.category for k in self.pack.statuses}  # each kind's own category
                    if model is CaseStatus
                    else {self.policy.category(record, name) for name in RECORD_FIELDS[record]}
                )
                entries.append(
                    audit_entry(
                        self.label, record, ids, [c for c in categories if c], self.version_id
                    )
                )
            # Last, so that the audit chain's head is locked only at the end of the transaction.
            append(entries)
        return written
