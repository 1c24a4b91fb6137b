"""Running an output: through the gate, counted in SQL, protected by the pack's profile.

`run` is what pages, downloads and `safehold stats run` call. It decides nothing itself:
`Gate.aggregate` decides whether this member of staff may use aggregate statistics and audits
the run; then the counts are made for the gate's controller only, without the people who
opted out of this use, and protected before anything leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from safehold.access.gate import Gate
from safehold.statistics import outputs, profiles
from safehold.statistics.disclosure import Profile, Published, Table, protect
from safehold.statistics.outputs import DIMENSIONS, OUTPUTS, Dimension, Output
from safehold.statistics.periods import Quarter

SERIES_QUARTERS = 8


class BadRequest(ValueError):
    """A request for an output that does not exist or a breakdown it does not have."""


@dataclass(frozen=True)
class Result:
    output: Output
    quarter: Quarter
    by: Dimension
    split: Dimension | None
    service: str | None
    service_name: str
    table: Published
    quarters: tuple[Quarter, ...]
    series: Published  # the output's total for each quarter, protected the same way
    profile: Profile
    opted_out: tuple[str, ...]  # the names of the opt-outs applied
    controller: str


def find(code: str) -> Output:
    try:
        return OUTPUTS[code]
    except KeyError:
        raise BadRequest(
            f"there is no output '{code}': the outputs are {', '.join(OUTPUTS)}"
        ) from None


def run(
    gate: Gate,
    code: str,
    quarter: Quarter,
    *,
    by: str | None = None,
    split: str | None = "",
    service: str | None = None,
) -> Result:
    output = find(code)
    by = by or output.default_by
    split = output.default_split if split == "" else split
    for name, value in (("by", by), ("split", split)):
        if value is not None and value not in output.dimensions:
            raise BadRequest(
                f"{name}: '{output.title}' cannot be broken down by '{value}'; it can by "
                f"{', '.join(output.dimensions)}"
            )
    if split == by:
        split = None
    pack = gate.policy.pack
    if not outputs.available(output, pack):
        raise BadRequest(f"'{output.title}': the pack records no status for this indicator")
    kind = outputs.status_kind(pack, output.indicator)
    services = {s.code: s.name for s in pack.services}
    if service and service not in services:
        raise BadRequest(f"service: the pack has no service '{service}'")
    profile = profiles.profile_for(pack, code)
    flags = profiles.opted_out(pack, code)
    fields = {*output.fields, *DIMENSIONS[by].fields, *(DIMENSIONS[split].fields if split else ())}
    categories = {c for f in fields if (c := gate.policy.category(*f.split(".", 1))) is not None}
    if kind is not None and {by, split} & {"status-end", "status-start"}:
        categories.add(kind.category)
    if output.areas:  # every area's status is read, whatever the breakdown
        categories |= {k.category for k in outputs.area_kinds(pack)}
    detail = f"rows {by}" + (f", columns {split}" if split else "")
    detail += f", service {service}" if service else ""
    detail += f"; threshold {profile.threshold}, rounding {profile.rounding}"
    detail += ", secondary suppression" if profile.secondary else ""
    detail += f"; opt-outs left out: {', '.join(flags)}" if flags else ""
    gate.aggregate(code, quarter.code, categories, detail)

    controller_id = gate.user.controller_id
    assert controller_id is not None  # the gate refuses anyone without one
    qs = outputs.base(controller_id, service=service, opted_out=flags)
    counts = outputs.grouped(output, qs, quarter, by, split, pack)
    rows = outputs.labels(by, (r for r, _ in counts), pack, controller_id, output.indicator)
    if split:
        columns = outputs.labels(
            split, (c for _, c in counts), pack, controller_id, output.indicator
        )
    else:
        columns = [(None, output.counts.capitalize())]
    table = Table(
        rows=[label for _, label in rows],
        columns=[label for _, label in columns],
        cells=[[counts.get((r, c), 0) for c, _ in columns] for r, _ in rows],
        row_totals=bool(split),
        column_totals=True,
        grand_total=bool(split),
    )
    quarters = tuple(quarter.back(SERIES_QUARTERS))
    totals = outputs.series(output, qs, quarters, pack)
    series = Table(
        rows=[q.label for q in quarters],
        columns=[output.counts.capitalize()],
        cells=[[n] for n in totals],
        row_totals=False,
        column_totals=False,
        grand_total=False,
    )
    flag_names = {p.code: p.name for p in pack.preferences}
    return Result(
        output=output,
        quarter=quarter,
        by=DIMENSIONS[by],
        split=DIMENSIONS[split] if split else None,
        service=service,
        service_name=services.get(service or "", "Every service"),
        table=protect(table, profile),
        quarters=quarters,
        series=protect(series, profile),
        profile=profile,
        opted_out=tuple(flag_names.get(f, f) for f in flags),
        controller=next(
            (c.name for c in pack.controllers if c.code == _controller_code(gate)), pack.name
        ),
    )


def _controller_code(gate: Gate) -> str:
    from safehold.policy.models import Controller

    controllers = Controller.objects.filter(pk=gate.user.controller_id or 0)
    return controllers.values_list("code", flat=True).first() or ""
