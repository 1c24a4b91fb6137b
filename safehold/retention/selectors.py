"""Reads for the data protection officer: the review queue, the gaps, what falls due when,
holds and destruction records. Grouped in SQL; nothing here loads a unit per row of a table.

None of this is personal data but the ids of cases and people, and dates computed from them;
the pages that show it are for the DPO only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from safehold.policy import selectors as policy_selectors
from safehold.policy.schema import Pack
from safehold.policy.wording import describe_keep
from safehold.retention.models import (
    FINISHED,
    DisposalRecord,
    LegalHold,
    RetentionUnit,
    ServiceDate,
    UnitKind,
    UnitStatus,
)
from safehold.retention.rules import GAPS, Basis, add_months

PEOPLE = ""  # the "service" of person-level units: they belong to no one service


def pack_of(controller_id: int) -> Pack:
    return policy_selectors.controller_pack(controller_id)


@dataclass
class RuleGroup:
    """Due units of one kind under one rule: a section of the review queue."""

    kind: str
    rule: str
    action: str
    name: str
    statement: str
    keep: str
    due: int = 0
    approved: int = 0
    oldest: date | None = None

    @property
    def is_review(self) -> bool:
        return self.action == "review"


def review_queue(controller_id: int) -> list[RuleGroup]:
    """Due and approved units, grouped by kind and rule, with the rule in the pack's words."""
    pack = pack_of(controller_id)
    rules = {r.code: r for r in pack.retention}
    rows = (
        RetentionUnit.objects.of_controller(controller_id)
        .filter(status__in=[UnitStatus.DUE, UnitStatus.APPROVED])
        .values("kind", "rule", "action")
        .annotate(
            due=Count("pk", filter=Q(status=UnitStatus.DUE)),
            approved=Count("pk", filter=Q(status=UnitStatus.APPROVED)),
            oldest=Min("keep_until"),
        )
        .order_by("kind", "rule")
    )
    groups = []
    for row in rows:
        rule = rules.get(row["rule"])
        groups.append(
            RuleGroup(
                kind=row["kind"],
                rule=row["rule"],
                action=row["action"],
                name=rule.name if rule else row["rule"],
                statement=rule.statement if rule else "",
                keep=describe_keep(rule.keep, pack) if rule else "",
                due=row["due"],
                approved=row["approved"],
                oldest=row["oldest"],
            )
        )
    return groups


def queue_units(controller_id: int, kind: str, rule: str) -> QuerySet[RetentionUnit]:
    return (
        RetentionUnit.objects.of_controller(controller_id)
        .filter(kind=kind, rule=rule, status__in=[UnitStatus.DUE, UnitStatus.APPROVED])
        .select_related("approved_by")
        .order_by("keep_until", "pk")
    )


@dataclass
class Gap:
    kind: str
    basis: str
    rule: str
    note: str
    units: int


def gaps(controller_id: int) -> list[Gap]:
    """Units with no date because the pack states no period, no rule covers them, or a fact
    was never recorded: 'no period stated', shown, never kept silently for ever."""
    rows = (
        RetentionUnit.objects.of_controller(controller_id)
        .exclude(status__in=FINISHED)
        .filter(basis__in=[b.value for b in GAPS])
        .values("kind", "basis", "rule")
        .annotate(units=Count("pk"), note=Min("note"))
        .order_by("kind", "basis", "rule")
    )
    return [Gap(r["kind"], r["basis"], r["rule"], r["note"], r["units"]) for r in rows]


@dataclass
class ServiceSummary:
    service: str
    name: str
    by_status: dict[str, int] = field(default_factory=dict)
    held: int = 0
    gaps: int = 0
    pending: int = 0

    @property
    def live(self) -> int:
        return sum(n for s, n in self.by_status.items() if s not in FINISHED)


def summary_by_service(controller_id: int) -> list[ServiceSummary]:
    """For each service (and for people's own records), units by status, held and gaps."""
    pack = pack_of(controller_id)
    names = {s.code: s.name for s in pack.services}
    found: dict[str, ServiceSummary] = {}
    rows = (
        RetentionUnit.objects.of_controller(controller_id)
        .values("service", "status")
        .annotate(
            n=Count("pk"),
            held=Count("pk", filter=~Q(held_by="")),
            gaps=Count("pk", filter=Q(basis__in=[b.value for b in GAPS])),
            pending=Count("pk", filter=Q(basis="pending")),
        )
    )
    for row in rows:
        service = row["service"]
        summary = found.setdefault(
            service,
            ServiceSummary(
                service,
                names.get(service, service)
                if service
                else "People and information not in a case file",
            ),
        )
        summary.by_status[row["status"]] = row["n"]
        if row["status"] not in FINISHED:
            summary.held += row["held"]
            summary.gaps += row["gaps"]
            summary.pending += row["pending"]
    order = {code: i for i, code in enumerate(names)}
    return sorted(found.values(), key=lambda s: (s.service == PEOPLE, order.get(s.service, 99)))


@dataclass(frozen=True)
class Month:
    start: date
    units: int

    @property
    def label(self) -> str:
        return f"{self.start:%B %Y}"

    @property
    def short(self) -> str:
        return f"{self.start:%b %y}"


def due_by_month(
    controller_id: int, *, service: str | None = None, months: int = 24, today: date | None = None
) -> list[Month]:
    """How many units fall due in each of the next `months` calendar months (this month
    first), whether or not a hold will stop them then. Already due ones are not counted."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    end = add_months(first, months)
    qs = RetentionUnit.objects.of_controller(controller_id).exclude(status__in=FINISHED)
    if service is not None:
        qs = qs.filter(service=service)
    counts = dict(
        qs.filter(keep_until__gt=today, keep_until__lt=end)
        .annotate(month=TruncMonth("keep_until"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return [
        Month(start, counts.get(start, 0))
        for start in (add_months(first, i) for i in range(months))
    ]


def holds(controller_id: int, *, active: bool = True) -> QuerySet[LegalHold]:
    qs = LegalHold.objects.filter(controller_id=controller_id).select_related(
        "placed_by", "lifted_by"
    )
    qs = qs.filter(lifted_at__isnull=active)
    return qs.order_by("review_on", "pk") if active else qs.order_by("-lifted_at")


def disposals(controller_id: int) -> QuerySet[DisposalRecord]:
    return (
        DisposalRecord.objects.filter(controller_id=controller_id)
        .select_related("approved_by", "pack_version")
        .order_by("-disposed_at", "-pk")
    )


def kind_words(kind: str) -> str:
    return UnitKind(kind).label


@dataclass(frozen=True)
class Workload:
    """What retention asks of the DPO now, for their home page: counted in two queries."""

    due: int  # due for review
    approved: int  # approved, waiting for the sweep
    gaps: int  # no date: no period stated, no rule, or a fact missing
    upcoming: int  # falling due in the next 24 months (the summary's chart, in all)
    holds: int  # legal holds in force
    holds_to_review: int  # of which the review date has come


def workload(controller_id: int, *, today: date | None = None) -> Workload:
    today = today or timezone.localdate()
    end = add_months(today.replace(day=1), 24)
    live = ~Q(status__in=FINISHED)
    units = RetentionUnit.objects.of_controller(controller_id).aggregate(
        due=Count("pk", filter=Q(status=UnitStatus.DUE)),
        approved=Count("pk", filter=Q(status=UnitStatus.APPROVED)),
        gaps=Count("pk", filter=live & Q(basis__in=[b.value for b in GAPS])),
        upcoming=Count("pk", filter=live & Q(keep_until__gt=today, keep_until__lt=end)),
    )
    holds = LegalHold.objects.filter(controller_id=controller_id, lifted_at__isnull=True).aggregate(
        holds=Count("pk"), holds_to_review=Count("pk", filter=Q(review_on__lte=today))
    )
    return Workload(**units, **holds)


# --- dates of services -------------------------------------------------------------------------


@dataclass
class ServiceDateRow:
    """One event of one service: the date in force, who set it, and what waits for it."""

    service: str
    service_name: str
    event: str
    event_name: str
    on: date | None
    set_by: str
    set_at: datetime | None
    waiting: int


def service_dates(controller_id: int) -> list[ServiceDateRow]:
    """Every (service, event of a service) of the pack with its date: the latest the DPO set,
    else the pack's own; and how many units of the service wait for an event (one grouped
    query)."""
    pack = pack_of(controller_id)
    events = [e for e in pack.events if e.of == "service"]
    latest: dict[tuple[str, str], ServiceDate] = {}
    for row in (
        ServiceDate.objects.filter(controller_id=controller_id)
        .select_related("set_by")
        .order_by("pk")
    ):
        latest[(row.service, row.event)] = row
    waiting = dict(
        RetentionUnit.objects.of_controller(controller_id)
        # The planner names a service's event in words ("waiting for the end date of the
        # contract for ..."); other events by code ("waiting for: case-closed").
        .filter(basis=Basis.PENDING, note__startswith="waiting for ")
        .exclude(note__startswith="waiting for:")
        .values("service")
        .annotate(n=Count("pk"))
        .values_list("service", "n")
    )
    rows = []
    for service in pack.services:
        for event in events:
            set_row = latest.get((service.code, event.code))
            rows.append(
                ServiceDateRow(
                    service.code,
                    service.name,
                    event.code,
                    event.name,
                    set_row.on if set_row else service.dates.get(event.code),
                    (set_row.set_by.get_username() if set_row else "the pack"),
                    set_row.set_at if set_row else None,
                    waiting.get(service.code, 0),
                )
            )
    return rows


def service_date_history(controller_id: int, limit: int = 50) -> list[ServiceDate]:
    """Who set which date when, newest first."""
    return list(
        ServiceDate.objects.filter(controller_id=controller_id)
        .select_related("set_by")
        .order_by("-pk")[:limit]
    )
