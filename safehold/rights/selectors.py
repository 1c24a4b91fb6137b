"""Reads of rights requests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, TextChoices
from django.db.models.functions import TruncMonth

from safehold.rights.clock import add_months
from safehold.rights.models import RequestPause, RightsRequest


def open_requests_by_person(person_ids: Iterable[int] | None = None) -> dict[int, int]:
    """person id -> the id of their oldest open request, for everyone (or these people)."""
    qs = RightsRequest.objects.open()
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    found: dict[int, int] = {}
    for person_id, request_id in qs.order_by("-pk").values_list("person_id", "pk"):
        found[person_id] = request_id
    return found


def open_requests(controller_id: int, *, limit: int = 20) -> tuple[int, list[RightsRequest]]:
    """A controller's open requests, oldest received first (the first `limit`), and how many
    are open in all. No names: the person is referred to by their record's number."""
    qs = RightsRequest.objects.open().filter(controller_id=controller_id)
    rows = list(qs.order_by("received_on", "pk")[:limit])
    return (len(rows) if len(rows) < limit else qs.count()), rows


# --- the DPO's list, by due date ----------------------------------------------------------------

WEEK = 7


class Show(TextChoices):
    """The views of the open requests, each a filter in SQL."""

    ALL = "all", "All open"
    OVERDUE = "overdue", "Overdue"
    WEEK = "week", "Due in the next 7 days"
    PAUSED = "paused", "Paused"
    EXTENDED = "extended", "Extended"


def _shown(qs: QuerySet[RightsRequest], show: Show, today: date) -> QuerySet[RightsRequest]:
    if show is Show.OVERDUE:
        return qs.filter(due_on__lt=today)
    if show is Show.WEEK:
        return qs.filter(due_on__gte=today, due_on__lte=today + timedelta(days=WEEK))
    if show is Show.PAUSED:
        return qs.filter(due_on__isnull=True)
    if show is Show.EXTENDED:
        return qs.filter(extension_told_on__isnull=False)
    return qs


def counts(controller_id: int, today: date) -> dict[Show, int]:
    """How many open requests each view holds, in one query."""
    week = today + timedelta(days=WEEK)
    found = (
        RightsRequest.objects.open()
        .filter(controller_id=controller_id)
        .aggregate(
            all=Count("pk"),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            week=Count("pk", filter=Q(due_on__gte=today, due_on__lte=week)),
            paused=Count("pk", filter=Q(due_on__isnull=True)),
            extended=Count("pk", filter=Q(extension_told_on__isnull=False)),
        )
    )
    return {show: found[show.value] for show in Show}


def by_due_date(controller_id: int, show: Show, today: date) -> QuerySet[RightsRequest]:
    """Open requests, soonest due first (paused ones, which have no due date, last), with
    their open pause and who recorded them; for a page of them."""
    open_pause = RequestPause.objects.filter(request=OuterRef("pk"), ended_on__isnull=True)
    qs = RightsRequest.objects.open().filter(controller_id=controller_id)
    return (
        _shown(qs, show, today)
        .annotate(paused_since=Subquery(open_pause.values("started_on")[:1]))
        .order_by(F("due_on").asc(nulls_last=True), "received_on", "pk")
    )


@dataclass(frozen=True)
class Month:
    start: date
    received: int
    closed: int
    on_time: int

    @property
    def label(self) -> str:
        return f"{self.start:%B %Y}"

    @property
    def short(self) -> str:
        return f"{self.start:%b %y}"

    @property
    def rate(self) -> int | None:
        """Answered on time, as a whole percentage of those closed that month."""
        return round(100 * self.on_time / self.closed) if self.closed else None


def by_month(controller_id: int, *, months: int = 12, today: date) -> list[Month]:
    """Requests received each of the last `months` calendar months (this one last), and those
    closed each month with how many were on time (closed by the due date): two queries."""
    first = add_months(today.replace(day=1), -(months - 1))
    base = RightsRequest.objects.filter(controller_id=controller_id)
    received = dict(
        base.filter(received_on__gte=first)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    closed = {
        month: (n, on_time)
        for month, n, on_time in base.filter(closed_on__gte=first)
        .annotate(month=TruncMonth("closed_on"))
        .values("month")
        .annotate(
            n=Count("pk"),
            in_time=Count("pk", filter=Q(closed_on__lte=F("due_on"))),
        )
        .values_list("month", "n", "in_time")
    }
    return [
        Month(start, received.get(start, 0), *closed.get(start, (0, 0)))
        for start in (add_months(first, i) for i in range(months))
    ]
