"""The outputs: what each counts, over which period, broken down how; counted in SQL.

Each output is a base queryset of cases for a controller and a quarter (open at its end,
opened in it, closed in it) and a pair of dimensions (rows and columns) computed in the
database: `GROUP BY` the two, `COUNT(*)`, one query a table, one for the quarters' series.
Python only lays the grouped counts (at most a few hundred) into a table.

Nothing here decides who may see an output or protects it: `runs.py` does, through the gate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from safehold.access.models import Team
from safehold.policy.schema import Pack, StatusKind
from safehold.records.models import (
    Assessment,
    Case,
    CaseStatus,
    Outcome,
    PersonFlag,
    VictimLink,
)
from safehold.statistics.codes import OUTPUT_CODES
from safehold.statistics.periods import Quarter, years_before

NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str  # as a column heading: "Service"
    # The record fields it reads, as `record.field` (for the audit entry's categories).
    fields: tuple[str, ...]


DIMENSIONS: dict[str, Dimension] = {
    d.code: d
    for d in (
        Dimension("service", "Service", ("case.service",)),
        Dimension("team", "Team", ("case.team",)),
        Dimension("age-band", "Age at the end of the quarter", ("person.date_of_birth",)),
        Dimension("sex", "Sex", ("person.sex",)),
        Dimension("ethnicity", "Ethnicity", ("person.ethnicity",)),
        Dimension("reason", "Reason for closing", ("case.closed_reason",)),
        Dimension("disposal", "Disposal", ("outcome.kind",)),
        Dimension("completed", "Completed", ("case.closed_reason",)),
        Dimension("consent", "Consent to contact", ("victimlink.contact_consent",)),
        Dimension("rj-answer", "Restorative justice", ("victimlink.restorative_justice",)),
        Dimension(
            "wider-services",
            "Wider services at the end of the order",
            ("personflag.flag", "personflag.holds", "personflag.started_on", "personflag.ended_on"),
        ),
        # A status's fields are in the category the pack gives its kind (runs.py adds it).
        Dimension("status-end", "At the end of the order", ()),
        Dimension("status-start", "At the start of the order", ()),
        Dimension("outcome-area", "Outcome area", ()),
        Dimension("area-result", "Need and outcome", ()),
    )
}

AGE_BANDS: tuple[tuple[str, int | None, int | None], ...] = (
    ("Under 10", None, 10),
    ("10 to 14", 10, 15),
    ("15 to 17", 15, 18),
    ("18 and over", 18, None),
)


@dataclass(frozen=True)
class Output:
    code: str
    title: str
    group: str
    counts: str  # what one is: "cases"
    description: str
    fields: tuple[str, ...]  # the record fields every table of it reads
    dimensions: tuple[str, ...]
    default_by: str
    default_split: str | None
    # What is counted in a quarter, of the cases `qs`, under the pack (its statuses).
    cases: Callable[[QuerySet[Case], Quarter, Pack], QuerySet[Any]]
    # The output's total for each quarter, in one query.
    series: Callable[[QuerySet[Case], Sequence[Quarter], Pack], list[int]]
    # The path from what is counted to its case: '' for cases, 'case__' for orders.
    prefix: str = ""
    # The Youth Justice Board indicator whose status (the pack's `statuses`) it counts.
    indicator: str | None = None
    # Whether it counts the pack's early-help outcome areas (statuses with `outcome_area`).
    areas: bool = False


def _open_at(q: Quarter) -> Q:
    return Q(opened_on__lte=q.end) & (Q(closed_on__isnull=True) | Q(closed_on__gt=q.end))


def _opened_in(q: Quarter) -> Q:
    return Q(opened_on__gte=q.start, opened_on__lte=q.end)


def _closed_in(q: Quarter) -> Q:
    return Q(closed_on__gte=q.start, closed_on__lte=q.end)


def _chats() -> QuerySet[Assessment]:
    return Assessment.objects.filter(kind=Assessment.Kind.CHAT)


def _screened(qs: QuerySet[Case], q: Quarter, pack: Pack) -> QuerySet[Case]:
    done = _chats().filter(completed_on__gte=q.start, completed_on__lte=q.end)
    return qs.filter(pk__in=done.values("case_id"))


OUT_OF_COURT = ("youth-caution", "youth-conditional-caution", "diversion")
COURT_ORDERS = tuple(sorted(str(k) for k in Outcome.COURT_ORDERS))


def _case_series(in_quarter: Callable[[Quarter], Q]) -> Callable[..., list[int]]:
    """Counts of cases by a condition on the case itself: one scan, a filtered count each."""

    def series(qs: QuerySet[Case], quarters: Sequence[Quarter], pack: Pack) -> list[int]:
        counts = qs.aggregate(
            **{f"q{i}": Count("pk", filter=in_quarter(q)) for i, q in enumerate(quarters)}
        )
        return [counts[f"q{i}"] for i in range(len(quarters))]

    return series


def _record_series(
    records: Callable[[], QuerySet[Any]], day: str, *, per_case: bool = True
) -> Callable[..., list[int]]:
    """Counts of the cases with a record (a CHAT completed) dated in each quarter, or of the
    records themselves (orders ending): one scan of those quarters' records."""

    def series(qs: QuerySet[Case], quarters: Sequence[Quarter], pack: Pack) -> list[int]:
        rows = records().filter(
            case_id__in=qs.values("pk"),
            **{f"{day}__gte": quarters[0].start, f"{day}__lte": quarters[-1].end},
        )
        counts = rows.aggregate(
            **{
                f"q{i}": Count(
                    "case_id" if per_case else "pk",
                    distinct=per_case,
                    filter=Q(**{f"{day}__gte": q.start, f"{day}__lte": q.end}),
                )
                for i, q in enumerate(quarters)
            }
        )
        return [counts[f"q{i}"] for i in range(len(quarters))]

    return series


def _victims(qs: QuerySet[Case], q: Quarter, pack: Pack) -> QuerySet[Any]:
    """Victims of the offences on the cases counted whose consent was recorded in the quarter."""
    return VictimLink.objects.filter(
        consent_recorded_on__gte=q.start,
        consent_recorded_on__lte=q.end,
        offence__case_id__in=qs.values("pk"),
    )


def _victims_rj(qs: QuerySet[Case], q: Quarter, pack: Pack) -> QuerySet[Any]:
    """Victims of the offences on the cases counted whose restorative-justice answer was
    recorded in the quarter."""
    return VictimLink.objects.filter(
        rj_recorded_on__gte=q.start,
        rj_recorded_on__lte=q.end,
        offence__case_id__in=qs.values("pk"),
    )


def _victim_series_by(day: str) -> Callable[[QuerySet[Case], Sequence[Quarter], Pack], list[int]]:
    """Victims counted by the quarter their answer (consent, restorative justice) was
    recorded in: one aggregate query for all the quarters."""

    def series(qs: QuerySet[Case], quarters: Sequence[Quarter], pack: Pack) -> list[int]:
        rows = VictimLink.objects.filter(
            offence__case_id__in=qs.values("pk"),
            **{f"{day}__gte": quarters[0].start, f"{day}__lte": quarters[-1].end},
        )
        counts = rows.aggregate(
            **{
                f"q{i}": Count("pk", filter=Q(**{f"{day}__gte": q.start, f"{day}__lte": q.end}))
                for i, q in enumerate(quarters)
            }
        )
        return [counts[f"q{i}"] for i in range(len(quarters))]

    return series


def _orders(kinds: tuple[str, ...]) -> Callable[[], QuerySet[Outcome]]:
    return lambda: Outcome.objects.filter(kind__in=kinds)


def _cohort(kinds: tuple[str, ...]) -> Callable[[QuerySet[Case], Quarter, Pack], QuerySet[Any]]:
    """The cohort: the orders (outcomes) of these kinds that ended in the quarter, of the
    cases counted (a semi-join); an indicator counts each child's state on that day."""

    def orders(qs: QuerySet[Case], q: Quarter, pack: Pack) -> QuerySet[Any]:
        return Outcome.objects.filter(
            kind__in=kinds, ends_on__gte=q.start, ends_on__lte=q.end, case_id__in=qs.values("pk")
        )

    return orders


def _held_at_order_end(codes: Iterable[str]) -> Exists:
    """A person flag held on the day the order ended (dated: started by then, not ended)."""
    return Exists(
        PersonFlag.objects.filter(
            Q(started_on__isnull=True) | Q(started_on__lte=OuterRef("ends_on")),
            Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("ends_on")),
            person_id=OuterRef("case__person_id"),
            case__isnull=True,
            flag__in=list(codes),
            holds=True,
        )
    )


# The links, in the order a child is counted under the first that holds; which of a pack's
# flags mean each is the pack's (`statistics.wider_services`).
WIDER_SERVICES: dict[str, str] = {
    "looked-after": "Looked after",
    "child-protection-plan": "Child protection plan",
    "child-in-need": "Child in need",
}
NEITHER = "None of these recorded"


def wider_services(pack: Pack) -> list[tuple[str, tuple[str, ...]]]:
    """Each link the pack records, with its flags, in the indicator's order."""
    flags = {w.link: tuple(w.flags) for w in pack.statistics.wider_services}
    return [(label, flags[link]) for link, label in WIDER_SERVICES.items() if link in flags]


def status_kind(pack: Pack, indicator: str | None) -> StatusKind | None:
    """The pack's status that records an indicator, if it has one."""
    return next((k for k in pack.statuses if indicator and k.indicator == indicator), None)


def area_kinds(pack: Pack) -> list[StatusKind]:
    """The pack's statuses that record early-help outcome areas, in the headline order."""
    from safehold.policy.schema import OUTCOME_AREAS

    kinds = [k for k in pack.statuses if k.outcome_area]
    return sorted(kinds, key=lambda k: OUTCOME_AREAS.index(str(k.outcome_area)))


def available(output: Output, pack: Pack) -> bool:
    """Whether the pack records what the output counts (an indicator needs its status)."""
    if output.areas:
        return bool(area_kinds(pack))
    return output.indicator is None or status_kind(pack, output.indicator) is not None


NEED_ACHIEVED = "Need at the start, outcome achieved"
NEED_NOT_ACHIEVED = "Need at the start, not achieved"
NO_NEED = "No need recorded at the start"


def _in_force_at_close() -> Q:
    return Q(started_on__lte=F("case__closed_on")) & (
        Q(ended_on__isnull=True) | Q(ended_on__gte=F("case__closed_on"))
    )


def _areas(qs: QuerySet[Case], q: Quarter, pack: Pack) -> QuerySet[Any]:
    """Early help: for each case closed in the quarter and each outcome area recorded on it,
    its status in force on the day it closed (one row per case and area), with the first
    value the area was recorded with (the need at the start)."""
    first = (
        CaseStatus.objects.filter(case_id=OuterRef("case_id"), kind=OuterRef("kind"))
        .order_by("started_on", "pk")
        .values("value")[:1]
    )
    return CaseStatus.objects.filter(
        _in_force_at_close(),
        kind__in=[k.code for k in area_kinds(pack)],
        case_id__in=qs.filter(_closed_in(q)).values("pk"),
    ).annotate(first_value=Subquery(first))


def _area_series(qs: QuerySet[Case], quarters: Sequence[Quarter], pack: Pack) -> list[int]:
    rows = CaseStatus.objects.filter(
        _in_force_at_close(),
        kind__in=[k.code for k in area_kinds(pack)],
        case_id__in=qs.values("pk"),
        case__closed_on__gte=quarters[0].start,
        case__closed_on__lte=quarters[-1].end,
    )
    counts = rows.aggregate(
        **{
            f"q{i}": Count("pk", filter=Q(case__closed_on__gte=q.start, case__closed_on__lte=q.end))
            for i, q in enumerate(quarters)
        }
    )
    return [counts[f"q{i}"] for i in range(len(quarters))]


def _area_result(pack: Pack) -> Any:
    """Need at the start (the first value recorded counts as a need) and the outcome achieved
    (the value in force at the close counts as achieved), value codes per kind."""
    need = Q()
    achieved = Q()
    for kind in area_kinds(pack):
        needs = [v.code for v in kind.values if v.counts_as == "need"]
        done = [v.code for v in kind.values if v.counts_as == "achieved"]
        need |= Q(kind=kind.code, first_value__in=needs)
        achieved |= Q(kind=kind.code, value__in=done)
    return SqlCase(
        When(need & achieved, then=Value(NEED_ACHIEVED)),
        When(need, then=Value(NEED_NOT_ACHIEVED)),
        default=Value(NO_NEED),
    )


def _status_on(kind: str, day: str) -> Any:
    """The value of a status kind in force on the order's `day` (its start or end), from the
    case's dated history: begun by then and not ended before; the latest begun if two."""
    return Coalesce(
        Subquery(
            CaseStatus.objects.filter(
                Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef(day)),
                case_id=OuterRef("case_id"),
                kind=kind,
                started_on__lte=OuterRef(day),
            )
            .order_by("-started_on", "-pk")
            .values("value")[:1]
        ),
        Value(""),
    )


_PEOPLE = ("service", "team", "age-band", "sex", "ethnicity")
CASELOAD = "Caseload and flow"
YJB = "Youth Justice Board indicators"

OUTPUTS: dict[str, Output] = {
    o.code: o
    for o in (
        Output(
            code="open-cases",
            title="Open cases",
            group=CASELOAD,
            counts="cases",
            description="Cases open on the last day of the quarter.",
            fields=("case.opened_on", "case.closed_on"),
            dimensions=_PEOPLE,
            default_by="service",
            default_split="sex",
            cases=lambda qs, q, pack: qs.filter(_open_at(q)),
            series=_case_series(_open_at),
        ),
        Output(
            code="referrals",
            title="Referrals",
            group=CASELOAD,
            counts="cases",
            description="Cases opened during the quarter (a referral accepted).",
            fields=("case.opened_on",),
            dimensions=_PEOPLE,
            default_by="service",
            default_split="age-band",
            cases=lambda qs, q, pack: qs.filter(_opened_in(q)),
            series=_case_series(_opened_in),
        ),
        Output(
            code="closures",
            title="Closures",
            group=CASELOAD,
            counts="cases",
            description="Cases closed during the quarter, by the reason recorded.",
            fields=("case.closed_on", "case.closed_reason"),
            dimensions=(*_PEOPLE, "reason"),
            default_by="reason",
            default_split="sex",
            cases=lambda qs, q, pack: qs.filter(_closed_in(q)),
            series=_case_series(_closed_in),
        ),
        Output(
            code="out-of-court-disposals",
            title="Out-of-court disposals ending",
            group=YJB,
            counts="orders",
            description=(
                "Youth cautions, youth conditional cautions and diversions that ended "
                "during the quarter, by the disposal and whether the case was completed."
            ),
            fields=("outcome.kind", "outcome.ends_on"),
            dimensions=(*_PEOPLE, "disposal", "completed"),
            default_by="disposal",
            default_split="completed",
            cases=_cohort(OUT_OF_COURT),
            series=_record_series(_orders(OUT_OF_COURT), "ends_on", per_case=False),
            prefix="case__",
        ),
        Output(
            code="wider-services",
            title="Links to wider services",
            group=YJB,
            counts="orders",
            description=(
                "Court orders and out-of-court disposals that ended during the quarter, by "
                "whether the child was looked after, on a child protection plan or a child in "
                "need on the day it ended (as recorded, with dates)."
            ),
            fields=("outcome.kind", "outcome.ends_on"),
            dimensions=(*_PEOPLE, "wider-services", "disposal"),
            default_by="wider-services",
            default_split="sex",
            cases=_cohort(COURT_ORDERS + OUT_OF_COURT),
            series=_record_series(_orders(COURT_ORDERS + OUT_OF_COURT), "ends_on", per_case=False),
            prefix="case__",
        ),
        Output(
            code="health-screening",
            title="Health screening (CHAT)",
            group=YJB,
            counts="cases",
            description=(
                "Cases with a CHAT health assessment completed during the quarter: the mental "
                "health and substance misuse indicator's first step (screened)."
            ),
            fields=("assessment.kind", "assessment.completed_on"),
            dimensions=_PEOPLE,
            default_by="service",
            default_split="sex",
            cases=_screened,
            series=_record_series(_chats, "completed_on"),
        ),
        Output(
            code="victims",
            title="Victims asked about contact",
            group=YJB,
            counts="victims",
            description=(
                "Victims of the offences on our cases whose consent to be contacted was "
                "recorded during the quarter, by their answer (the victims indicator's first "
                "step; whether they engaged in restorative justice is the next output)."
            ),
            fields=("victimlink.contact_consent", "victimlink.consent_recorded_on"),
            dimensions=(*_PEOPLE, "consent"),
            default_by="consent",
            default_split="service",
            cases=_victims,
            series=_victim_series_by("consent_recorded_on"),
            prefix="offence__case__",
        ),
        Output(
            code="victims-restorative-justice",
            title="Victims and restorative justice",
            group=YJB,
            counts="victims",
            description=(
                "Victims of the offences on our cases whose answer to restorative justice was "
                "recorded during the quarter, by their answer: the victims indicator's count of "
                "victims engaged in restorative justice, recorded on each victim."
            ),
            fields=("victimlink.restorative_justice", "victimlink.rj_recorded_on"),
            dimensions=(*_PEOPLE, "rj-answer"),
            default_by="rj-answer",
            default_split="service",
            cases=_victims_rj,
            series=_victim_series_by("rj_recorded_on"),
            prefix="offence__case__",
        ),
        *(
            Output(
                code=code,
                title=title,
                group=YJB,
                counts="orders",
                description=(
                    "Court orders and out-of-court disposals that ended during the quarter, by "
                    f"the child's {what} recorded on the day it ended (and, in the columns, on "
                    "the day it began), from the dated history on their case."
                ),
                fields=("outcome.kind", "outcome.starts_on", "outcome.ends_on"),
                dimensions=("status-end", "status-start", *_PEOPLE, "disposal"),
                default_by="status-end",
                default_split="status-start",
                cases=_cohort(COURT_ORDERS + OUT_OF_COURT),
                series=_record_series(
                    _orders(COURT_ORDERS + OUT_OF_COURT), "ends_on", per_case=False
                ),
                prefix="case__",
                indicator=code,
            )
            for code, title, what in (
                ("accommodation", "Suitable accommodation", "accommodation"),
                ("ete", "Education, training and employment", "education, training or work"),
                ("send", "Special educational needs (SEND/ALN)", "special educational needs"),
                ("mental-health", "Mental health", "mental health need and intervention"),
                ("substance-misuse", "Substance misuse", "substance misuse need and intervention"),
                (
                    "restorative-justice",
                    "Restorative justice on the child's case",
                    "victims' engagement",
                ),
                ("serious-violence", "Serious violence", "proven serious violence offences"),
            )
        ),
        Output(
            code="early-help-outcomes",
            title="Early help outcomes",
            group="Early help outcomes",
            counts="needs",
            description=(
                "Cases closed during the quarter, for each Supporting Families headline outcome "
                "area recorded on them: whether a need was identified at the start and whether "
                "the outcome was achieved by the day the case closed, from the dated history."
            ),
            fields=("case.closed_on",),
            dimensions=("outcome-area", "area-result", *_PEOPLE),
            default_by="outcome-area",
            default_split="area-result",
            cases=_areas,
            series=_area_series,
            prefix="case__",
            areas=True,
        ),
    )
}


# --- counting -----------------------------------------------------------------------------


def base(controller_id: int, *, service: str | None, opted_out: Iterable[str]) -> QuerySet[Case]:
    """A controller's cases, for one service or all, without the people who opted out of the
    output's use: an opt-out in force is recorded against the person (not a case) under the
    preference's code, until it is withdrawn (`ended_on`)."""
    qs = Case.objects.filter(controller_id=controller_id)
    if service:
        qs = qs.filter(service=service)
    flags = sorted(set(opted_out))
    if flags:
        qs = qs.filter(
            ~Exists(
                PersonFlag.objects.filter(
                    person_id=OuterRef("person_id"),
                    case__isnull=True,
                    flag__in=flags,
                    holds=True,
                    ended_on__isnull=True,
                )
            )
        )
    return qs


def _expression(
    dimension: str, quarter: Quarter, p: str = "", *, pack: Pack, indicator: str | None = None
) -> Any:
    """The dimension as SQL; `p` the path to the case ('case__' when counting its orders)."""
    if dimension == "outcome-area":
        return F("kind")  # an area's own status
    if dimension == "area-result":
        return _area_result(pack)
    if dimension in ("status-end", "status-start"):
        kind = status_kind(pack, indicator)
        assert kind is not None, "runs.py offers only the outputs a pack records"
        return _status_on(kind.code, "ends_on" if dimension == "status-end" else "starts_on")
    if dimension == "service":
        return F(f"{p}service")
    if dimension == "team":
        return F(f"{p}team_id")
    if dimension == "sex":
        return Coalesce(F(f"{p}person__sex"), Value(""))
    if dimension == "ethnicity":
        return Coalesce(F(f"{p}person__ethnicity"), Value(""))
    if dimension == "reason":
        return F(f"{p}closed_reason")
    if dimension == "disposal":
        return F("kind")  # an order's own kind
    if dimension == "consent":
        return F("contact_consent")  # a victim's own record
    if dimension == "rj-answer":
        return F("restorative_justice")  # a victim's own record
    if dimension == "completed":
        return SqlCase(
            When(**{f"{p}closed_reason": Case.ClosedReason.COMPLETED}, then=Value("Completed")),
            When(**{f"{p}closed_on__isnull": True}, then=Value("Still open")),
            default=Value("Not completed"),
        )
    if dimension == "wider-services":
        # The first that holds, in this order: a child is counted once.
        return SqlCase(
            *(
                When(_held_at_order_end(codes), then=Value(label))
                for label, codes in wider_services(pack)
            ),
            default=Value(NEITHER),
        )
    if dimension == "age-band":
        end = quarter.end
        whens = []
        for label, low, high in AGE_BANDS:
            # Aged at least `low` and under `high` on the last day of the quarter.
            born = f"{p}person__date_of_birth"
            condition = Q(**{f"{born}__isnull": False})
            if low is not None:
                condition &= Q(**{f"{born}__lte": years_before(end, low)})
            if high is not None:
                condition &= Q(**{f"{born}__gt": years_before(end, high)})
            whens.append(When(condition, then=Value(label)))
        return SqlCase(*whens, default=Value(NOT_RECORDED))
    raise KeyError(dimension)


def grouped(
    output: Output,
    qs: QuerySet[Case],
    quarter: Quarter,
    by: str,
    split: str | None,
    pack: Pack,
) -> dict[tuple[Any, Any], int]:
    """Counts by (row value, column value) in one GROUP BY query."""
    cases = output.cases(qs, quarter, pack)
    ind = output.indicator
    annotations = {"row_": _expression(by, quarter, output.prefix, pack=pack, indicator=ind)}
    if split:
        annotations["col_"] = _expression(split, quarter, output.prefix, pack=pack, indicator=ind)
    names = list(annotations)
    rows = cases.annotate(**annotations).values(*names).annotate(n=Count("pk")).order_by()
    return {(r["row_"], r.get("col_")): r["n"] for r in rows}


def series(
    output: Output, qs: QuerySet[Case], quarters: Sequence[Quarter], pack: Pack
) -> list[int]:
    """The output's total for each quarter, in one query (a filtered count per quarter)."""
    return output.series(qs, quarters, pack)


# --- labels -------------------------------------------------------------------------------


def labels(
    dimension: str,
    values: Iterable[Any],
    pack: Pack,
    controller_id: int,
    indicator: str | None = None,
) -> list[tuple[Any, str]]:
    """Each value of a dimension with its words, in the order a reader expects; the values a
    dimension always has (every service, every age band) are listed even where none count."""
    present = set(values)
    if dimension == "outcome-area":
        return [(k.code, k.name) for k in area_kinds(pack)]
    if dimension == "area-result":
        return [(v, v) for v in (NEED_ACHIEVED, NEED_NOT_ACHIEVED, NO_NEED)]
    if dimension in ("status-end", "status-start"):
        kind = status_kind(pack, indicator)
        known = [(v.code, v.name) for v in kind.values] if kind else []
        codes = {c for c, _ in known}
        # A value the pack no longer has (recorded under an older version) keeps its code.
        return known + sorted((v, str(v)) for v in present - codes - {""}) + [("", NOT_RECORDED)]
    if dimension == "service":
        known = [(s.code, s.name) for s in pack.services]
        codes = {c for c, _ in known}
        return known + sorted((v, str(v)) for v in present - codes)
    if dimension == "team":
        teams = Team.objects.filter(controller_id=controller_id).order_by("name")
        return [(pk, name) for pk, name in teams.values_list("pk", "name")]
    if dimension == "age-band":
        bands = [(label, label) for label, _, _ in AGE_BANDS]
        return bands + ([(NOT_RECORDED, NOT_RECORDED)] if NOT_RECORDED in present else [])
    if dimension == "disposal":
        shown = present | set(OUT_OF_COURT)
        return [(k, str(words)) for k, words in Outcome.Kind.choices if k in shown]
    if dimension == "completed":
        return [(v, v) for v in ("Completed", "Not completed", "Still open")]
    if dimension == "consent":
        return [(code, str(words)) for code, words in VictimLink.Consent.choices]
    if dimension == "rj-answer":
        return [(code, str(words)) for code, words in VictimLink.RestorativeJustice.choices]
    if dimension == "wider-services":
        return [(label, label) for label, _ in wider_services(pack)] + [(NEITHER, NEITHER)]
    if dimension == "reason":
        reasons = [(code, str(words)) for code, words in Case.ClosedReason.choices]
        return reasons + ([("", NOT_RECORDED)] if "" in present else [])
    # Sex and ethnicity: the values recorded, in words as recorded, blanks last.
    recorded = sorted(v for v in present if v)
    return [(v, _words(v)) for v in recorded] + ([("", NOT_RECORDED)] if "" in present else [])


def _words(value: str) -> str:
    text = str(value).replace("-", " ").replace("_", " ")
    return text[:1].upper() + text[1:]


def quarter_end(q: Quarter) -> date:
    return q.end


assert tuple(OUTPUTS) == OUTPUT_CODES, "codes.py lists every output, in order"
