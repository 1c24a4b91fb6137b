"""A young person's page, and adding a young person or a case.

The page shows who they are, the people around them and a timeline of the work across their
cases, all as far as the gate lets this member of staff see, each read audited; a person out of
reach is a 403 page that says why and offers break-glass where the role may use it. A young
person is added with their first case: nobody reaches a person except through a case.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from safehold.access.gate import (
    Gate,
    Refused,
    RelatedPerson,
    Shown,
    ShownCase,
    ShownPerson,
    Withheld,
)
from safehold.access.policy import Distance
from safehold.records.models import (
    Assessment,
    Case,
    Contact,
    Outcome,
    Plan,
    Relationship,
    Report,
    VictimLink,
)
from safehold.records.search import case_reference, person_reference
from safehold.records.validation import as_id
from safehold.web import selectors
from safehold.web.addresses import address
from safehold.web.cases import RECORDS, reads_audited_together, record_url, refused_page, with_gate
from safehold.web.display import Cell, Display, age, label_of
from safehold.web.edits import CLOSE_FIELDS, edit_url, field_label, value_cell
from safehold.web.forms import CASE_FIELDS, PERSON_FIELDS, CaseForm, PersonForm
from safehold.web.govuk import date_time, day
from safehold.web.selectors import TIMELINE_DATES, TimelineEntry

# --- the young person's page ----------------------------------------------------------------


@require_GET
@with_gate
@reads_audited_together
def person(request: HttpRequest, gate: Gate, person_id: int) -> HttpResponse:
    # Through the gate: the cases of theirs this member of staff may read (RefusedCase, and
    # the 403 page, if none), the people around them and the timeline, each read audited.
    shown = gate.young_person(person_id)
    related = gate.related_people(shown.cases)
    # The timeline a page at a time, newest first: this page's entries are among the newest
    # (page x size) of each kind, so that is all the gate reads (and audits).
    page = _timeline_page(request)
    timeline = selectors.timeline(gate, shown.cases, limit=page * TIMELINE_PAGE + 1)
    more = len(timeline) > page * TIMELINE_PAGE
    display = Display(gate.policy.pack)
    current = shown.current
    summary = _summary(shown, timeline, display)
    cases = [_case_row(case, shown, display) for case in shown.cases]
    people = {
        kind: [_related_row(r, display) for r in related if r.kind == kind]
        for kind in ("family", "professional", "related", "victim")
    }
    window = timeline[(page - 1) * TIMELINE_PAGE : page * TIMELINE_PAGE]
    items = [_timeline_item(entry, shown, display) for entry in window]
    details = _details(gate, shown, display)
    flags = _flag_history(shown, display)
    _add_change_links(gate, shown, cases, items)
    nearest = min(shown.cases, key=lambda c: c.distance, default=None)
    flag_links = _flag_links(gate, shown, nearest)
    for kind, rows in people.items():
        for row, r in zip(rows, [r for r in related if r.kind == kind], strict=True):
            if kind != "victim" and nearest is not None and gate.writable("relationship", nearest):
                row["change_url"] = address("web:relationship-edit", person_id, r.link.pk)
            elif kind == "victim" and r.case_id is not None:
                # Through the case whose offence they are a victim of, where it may be written.
                case = next((c for c in shown.cases if c.case_id == r.case_id), None)
                if case is not None and gate.writable("victimlink", case):
                    row["change_url"] = address("web:victimlink-edit", r.case_id, r.link.pk)
    cells = [
        *(c for row in details for c in [row["value"]]),
        *(c for row in flags for c in row),
        *(c for _, c in summary),
        *(c for row in cases for c in row["cells"]),
        *(c for rows in people.values() for row in rows for c in row["cells"]),
        *(c for item in items for _, c in item["fields"]),
    ]
    return render(
        request,
        "web/people/person.html",
        {
            "alerts": _alerts(shown, display, timezone.localdate()),
            "name": label_of(shown.person, display),
            "person_id": person_id,
            "summary": summary,
            "details": details,
            "flag_history": flags,
            "flag_links": flag_links,
            "cases": cases,
            "people": people,
            "timeline": items,
            "timeline_pages": _timeline_pagination(page, more),
            "actions": _actions(gate, current) if current is not None else [],
            "open_case_url": address("web:case-new", person_id)
            if gate.may_write("case", CASE_FIELDS)
            else None,
            "audit_url": address("web:person-audit", person_id)
            if gate.is_dpo or gate.allocates
            else None,
            "break_glass_url": _break_glass_offer(gate, current),
            **_sharing(gate, shown),
            "reasons": display.reasons(cells),
            "messages": messages.get_messages(request),
        },
    )


def _sharing(gate: Gate, shown: ShownPerson) -> dict[str, Any]:
    """The latest few disclosures about them, through the gate, and where to share from; not
    for a role that neither shares nor records (it sees no "shared with")."""
    from safehold.access.policy import Distance

    person_id, current = shown.person_id, shown.current

    shares = gate.policy.widest(gate.role, "share") != Distance.NONE
    if not (shares or gate.is_dpo or gate.allocates):
        return {}
    shared = gate.shared_with(person_id, limit=5, cases=shown.cases)
    return {
        "sharing_url": address("web:person-sharing", person_id),
        "shared_with": shared,
        # Linked only where the entry opens for them (an extract run: the DPO's alone).
        "openable": {d.pk for d in shared if gate.opens_disclosure(d)},
        "share_url": address("web:case-share", current.case_id)
        if shares and current is not None
        else None,
    }


TIMELINE_PAGE = 20
TIMELINE_MAX_PAGE = 200  # 4,000 entries back: beyond that, a report, not a page


def _timeline_page(request: HttpRequest) -> int:
    text = request.GET.get("timeline", "1")
    return min(as_id(text) or 1, TIMELINE_MAX_PAGE)


def _timeline_pagination(page: int, more: bool) -> dict[str, Any] | None:
    """GOV.UK pagination's previous and next links, for a timeline of unknown length."""
    if page == 1 and not more:
        return None
    params: dict[str, Any] = {"landmarkLabel": "Pages of the timeline"}
    if page > 1:
        params["previous"] = {
            "href": f"?timeline={page - 1}#timeline",
            "labelText": "Newer entries",
        }
    if more:
        params["next"] = {"href": f"?timeline={page + 1}#timeline", "labelText": "Older entries"}
    return params


# Every field of a person's own record, in the order the details list shows them.
DETAIL_FIELDS = (*PERSON_FIELDS, "last_contact_on")


def _details(gate: Gate, shown: ShownPerson, display: Display) -> list[dict[str, Any]]:
    """Every field of the person's own record, shown or withheld (never silently missing),
    each with a change link where this member of staff may correct it."""
    values = shown.person.values
    # Written through the nearest of their cases, as the edit page does (Gate.person).
    nearest = min(shown.cases, key=lambda c: c.distance, default=None)
    writable = gate.writable("person", nearest) if nearest is not None else frozenset()
    edit = address("web:person-edit", shown.person_id)
    rows = []
    for name in DETAIL_FIELDS:
        value = values[name]
        label = field_label("person", name) if name != "last_contact_on" else "Last contact"
        cell = value_cell(display, "person", name, value)
        may_change = name in writable and not isinstance(value, Withheld)
        rows.append(
            {
                "key": label,
                "value": cell,
                "change": f"{edit}#id_{name}" if may_change else None,
            }
        )
    return rows


def _flags_newest_first(shown: ShownPerson) -> list[Shown]:
    return sorted(
        shown.flags,
        key=lambda f: (
            f.values["started_on"] if isinstance(f.values["started_on"], date) else date.min
        ),
        reverse=True,
    )


def _flag_links(gate: Gate, shown: ShownPerson, nearest: ShownCase | None) -> list[str | None]:
    """A change link for each row of the flag history (in its order), where this member of
    staff may correct or end a flag of the person's own record (through their nearest case,
    as the edit page writes). A case's own facts are changed on the case's facts page."""
    may = nearest is not None and bool(gate.writable("personflag", nearest) & {"ended_on"})
    flags = _flags_newest_first(shown)
    return [
        address("web:flag-edit", shown.person_id, f.pk) if may and f.pk not in shown.facts else None
        for f in flags
    ]


def _flag_history(shown: ShownPerson, display: Display) -> list[list[Cell]]:
    """Every flag the person holds or held, newest first, with when it started and ended."""
    today = timezone.localdate()
    rows = []
    for flag in _flags_newest_first(shown):
        ended = flag.values["ended_on"]
        to = display(ended)
        if ended is None or (isinstance(ended, date) and ended >= today):
            to = Cell(f"Current{f' (until {to.text})' if to.text else ''}")
        name = display.flag(flag.values["flag"])
        if flag.values.get("holds") is False:
            # Recorded as known not to hold (docs/adr/0016): said so, not shown as a flag.
            name, to = Cell(f"{name.text}: recorded as not"), Cell("")
        rows.append([name, display(flag.values["started_on"]), to])
    return rows


def _add_change_links(
    gate: Gate, shown: ShownPerson, cases: list[dict[str, Any]], items: list[dict[str, Any]]
) -> None:
    """A change link on each timeline record, and a close link on each case, where this
    member of staff may write there (break-glass never writes)."""
    by_case = {c.case_id: c for c in shown.cases}
    for row in cases:
        case = by_case[row["case_id"]]
        if gate.may_write("case", CLOSE_FIELDS, case):
            row["close_url"] = address("web:case-close", case.case_id)
        if gate.policy.pack.flags:
            row["facts_url"] = address("web:case-facts", case.case_id)
        if gate.policy.pack.statuses:
            row["statuses_url"] = address("web:case-statuses", case.case_id)
        if any(e.of in ("person", "case") for e in gate.policy.pack.events):
            row["events_url"] = address("web:case-events", case.case_id)
    for item in items:
        record, pk = item["anchor"].rsplit("-", 1)
        if record in RECORDS and gate.writable(record, by_case[item["case_id"]]):
            item["edit_url"] = edit_url(record, item["case_id"], int(pk))
        if record == "plan" and gate.writable("planaction", by_case[item["case_id"]]):
            item["action_urls"] = [
                address("web:planaction-edit", item["case_id"], int(pk), action_id)
                for action_id in item["action_ids"]
            ]


def _summary(
    shown: ShownPerson, timeline: list[TimelineEntry], display: Display
) -> list[tuple[str, Cell]]:
    person = shown.person.values
    today = timezone.localdate()
    born = display(person["date_of_birth"])
    years = age(person["date_of_birth"], today)
    if years is not None:
        born = Cell(f"{born.text} (age {years})")
    rows = [
        ("Name", display.name(shown.person)),
        ("Date of birth", born),
        ("Flags", _flags(shown, display, today)),
    ]
    current = shown.current
    if current is not None:
        values = current.case.values
        opened = display(values["opened_on"])
        service = display.service(values["service"])
        rows.append(
            (
                "Current case",
                service
                if service.is_withheld
                else Cell(
                    f"{service.text}, case {case_reference(current.case_id)}"
                    + (f", opened {opened.text}" if opened.text else "")
                    + (" (closed)" if values["closed_on"] else "")
                ),
            )
        )
        rows.append(("Team", Cell(shown.teams.get(current.case_id, ""))))
        rows.append(
            ("Allocated worker", Cell(shown.workers.get(current.case_id) or "Not allocated"))
        )
        outcomes = [
            e for e in timeline if e.case_id == current.case_id and e.record.record == "outcome"
        ]
        # An outcome that has ended is not the current one (one whose end is withheld may be).
        live = next((e for e in outcomes if not _ended(e, today)), None)
        if live is None and outcomes:
            ended = display(outcomes[0].record.values["ends_on"])
            rows.append(("Outcome", Cell(f"None current (the last ended on {ended.text})")))
        else:
            rows.append(("Outcome", _outcome(live, display)))
    return rows


def _flags(shown: ShownPerson, display: Display, today: Any) -> Cell:
    names = set()
    for flag in shown.flags:
        value, ended = flag.values["flag"], flag.values["ended_on"]
        if isinstance(value, Withheld):
            return display(value)
        if ended and not isinstance(ended, Withheld) and ended < today:
            continue  # held once, not now
        if flag.values.get("holds") is False:
            continue  # recorded as not holding
        names.add(display.flag(value).text)
    return Cell(
        ", ".join(sorted(names)) or "No flags"
    )  # not "None", which reads like a missing value


def _alerts(shown: ShownPerson, display: Display, today: date) -> list[dict[str, str]]:
    """Safeguarding first: the pack's alert flags the young person holds now, from the flags
    the gate has shown (none where the role may not read them)."""
    alert = {f.code: f for f in display.pack.flags if f.alert}
    found = []
    for flag in shown.flags:
        code, started, ended = (flag.values[n] for n in ("flag", "started_on", "ended_on"))
        if isinstance(code, Withheld) or code not in alert:
            continue
        if flag.values.get("holds") is False:
            continue  # recorded as not holding (docs/adr/0016)
        if (isinstance(ended, date) and ended < today) or (
            isinstance(started, date) and started > today
        ):
            continue
        since = f"Since {day(started)}" if isinstance(started, date) else ""
        found.append(
            {
                "name": alert[code].name,
                "detail": ". ".join(t for t in (since, alert[code].description or "") if t),
            }
        )
    return sorted(found, key=lambda a: a["name"])


def _ended(entry: TimelineEntry, today: date) -> bool:
    ends = entry.record.values["ends_on"]
    return isinstance(ends, date) and ends < today


def _outcome(entry: TimelineEntry | None, display: Display) -> Cell:
    if entry is None:
        return Cell("None recorded")
    values = entry.record.values
    kind = display.choice(values["kind"], Outcome.Kind.choices)
    if kind.is_withheld:
        return kind
    starts, ends = display(values["starts_on"]), display(values["ends_on"])
    dates = f" from {starts.text}" if starts.text else ""
    dates += f" to {ends.text}" if ends.text else ""
    return Cell(kind.text + dates)


def _case_row(case: ShownCase, shown: ShownPerson, display: Display) -> dict[str, Any]:
    values = case.case.values
    how = {
        Distance.ALLOCATED: "Allocated to you",
        Distance.TEAM: "Your team's case",
        Distance.SERVICE: "Your service's case",
        Distance.CONTROLLER: "Your organisation's case",
    }.get(case.distance, "")
    if case.break_glass:
        how = "Break-glass access"
    return {
        "case_id": case.case_id,
        "cells": [
            display.service(values["service"]),
            display(values["opened_on"]),
            display(values["closed_on"]),
        ],
        "team": shown.teams.get(case.case_id, ""),
        "worker": shown.workers.get(case.case_id) or "Not allocated",
        "how": how,
    }


def _related_row(related: RelatedPerson, display: Display) -> dict[str, Any]:
    values = related.person.values
    if related.kind == "victim":
        values = related.link.values
        link = display.choice(values["contact_consent"], VictimLink.Consent.choices)
        rj = display.choice(values["restorative_justice"], VictimLink.RestorativeJustice.choices)
        cells = [display.name(related.person), link, rj]
    else:
        kind = display.choice(related.link.values["kind"], Relationship.Kind.choices)
        lives = display(related.link.values["lives_with"])
        cells = [
            display.name(related.person),
            kind,
            lives,
            display(values.get("phone")),
        ]
    return {"cells": cells}


# What each kind of record shows on the timeline: its title field and the fields under it.
TIMELINE_FIELDS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "contact": ("Contact", "kind", [("Notes", "notes")]),
    "assessment": (
        "Assessment",
        "kind",
        [
            ("Completed", "completed_on"),
            ("Summary", "summary"),
            ("Health findings", "health_findings"),
        ],
    ),
    "plan": ("Plan", "kind", [("Review", "review_on"), ("Summary", "summary")]),
    "offence": (
        "Offence",
        "offence_type",
        [("What happened", "description"), ("Gravity score", "gravity")],
    ),
    "outcome": ("Outcome", "kind", [("Ends", "ends_on"), ("Requirements", "requirements")]),
    "report": ("Report", "kind", [("Due", "due_on"), ("Copy given", "copy_given_on")]),
}
KIND_CHOICES = {
    "contact": Contact.Kind.choices,
    "assessment": Assessment.Kind.choices,
    "plan": Plan.Kind.choices,
    "outcome": Outcome.Kind.choices,
    "report": Report.Kind.choices,
}


def _timeline_item(entry: TimelineEntry, shown: ShownPerson, display: Display) -> dict[str, Any]:
    record = entry.record.record
    title, title_field, fields = TIMELINE_FIELDS[record]
    values = entry.record.values
    heading = display.choice(values[title_field], KIND_CHOICES.get(record, []))
    case = next((c for c in shown.cases if c.case_id == entry.case_id), None)
    service = display.service(case.case.values["service"]) if case is not None else Cell()
    shown_fields = [(label, display(values[name])) for label, name in fields]
    shown_fields = [(label, cell) for label, cell in shown_fields if cell.text or cell.is_withheld]
    return {
        "title": title,
        "heading": heading,
        "byline": entry.recorded_by,
        "when": entry.when,
        "when_text": _when_text(entry),
        "recorded_at": entry.recorded_at,
        "case_id": entry.case_id,
        "service": service,
        "fields": shown_fields,
        "actions": [
            (display(a.values["description"]), display(a.values["due_on"])) for a in entry.actions
        ],
        "action_ids": [a.pk for a in entry.actions],
        "anchor": f"{record}-{entry.record.pk}",
    }


DATED_BY = {str(model._meta.model_name): name for model, name in TIMELINE_DATES.items()}


def _when_text(entry: TimelineEntry) -> str:
    """The record's own date (and time, for a contact); when it was recorded, if withheld."""
    value = entry.record.values[DATED_BY[entry.record.record]]
    if isinstance(value, datetime):
        return date_time(value)
    if isinstance(value, date):
        return day(value)
    return f"Recorded {date_time(entry.recorded_at)}"


def _actions(gate: Gate, current: ShownCase) -> list[dict[str, str]]:
    """The records this member of staff may add to the current case."""
    return [
        {"href": record_url(kind, current.case_id), "text": f"Record {what}"}
        for kind, (form_class, model, what, _) in RECORDS.items()
        if gate.may_write(str(model._meta.model_name), form_class.needs, current)
    ]


def _break_glass_offer(gate: Gate, current: ShownCase | None) -> str | None:
    # A case seen from a distance, with much withheld: breaking glass would show it whole.
    if (
        current is None
        or current.break_glass
        or current.distance == Distance.ALLOCATED
        or not gate.may_break_glass
    ):
        return None
    return address("web:break-glass", current.case_id)


# --- adding a young person, or a case -------------------------------------------------------


def _placement(gate: Gate) -> dict[str, Any]:
    """What a new case may be: the pack's services the member of staff's teams deliver, their
    teams, and (for a role that allocates) the workers of those teams."""
    user = gate.user
    teams = list(user.teams.order_by("name").values_list("pk", "name", "services"))
    delivered = {code for _, _, codes in teams for code in codes}
    services = [
        (s.code, s.name) for s in gate.policy.pack.services if not delivered or s.code in delivered
    ]
    workers = None
    if gate.allocates:
        workers = [
            (u.pk, u.get_full_name() or u.get_username())
            for u in gate.case_holders([pk for pk, _, _ in teams]).order_by(
                "last_name", "first_name", "username"
            )
        ]
    return {
        "services": services,
        "teams": [(pk, name) for pk, name, _ in teams],
        "workers": workers,
    }


def _new_case(gate: Gate, form: CaseForm) -> Case:
    data = form.cleaned_data
    return Case(
        team_id=data["team"],
        allocated_to_id=data.get("allocated_to", gate.user.pk) if gate.allocates else gate.user.pk,
    )


@require_http_methods(["GET", "POST"])
@with_gate
def new_person(request: HttpRequest, gate: Gate) -> HttpResponse:
    # The first case is allocated to the one who adds the person (or, for a manager, to the
    # worker they choose): may they write a person and a case there at all?
    for record, needs in (("person", ("given_name", "family_name")), ("case", CASE_FIELDS)):
        may = gate.may_write(record, needs, audit=request.method == "POST")
        if not may:
            return refused_page(request, may.rule, heading="You cannot add a young person")
    form = PersonForm(request.POST if request.method == "POST" else None, **_placement(gate))
    writable = gate.writable("person")
    for name in PERSON_FIELDS:
        if name not in writable:
            del form.fields[name]
    status = 200
    duplicates = None
    checked = ""
    if form.is_valid():
        person_values = form.values([n for n in PERSON_FIELDS if n in form.fields])
        # First, anyone already held who may be this young person: shown if the role may
        # read them, never named otherwise. Asked again whenever the name or date changes.
        checked = _duplicate_key(form.cleaned_data)
        if request.POST.get("checked") != checked:
            duplicates = gate.possible_duplicates(
                form.cleaned_data.get("given_name", ""),
                form.cleaned_data.get("family_name", ""),
                form.cleaned_data.get("date_of_birth"),
            )
            if not (duplicates.shown or duplicates.hidden):
                duplicates = None
    if form.is_valid() and duplicates is None:
        try:
            case = gate.open_case(
                _new_case(gate, form), form.values(CASE_FIELDS), person_values=person_values
            )
        except Refused as refused:
            form.add_error(None, f"You cannot add this young person: {refused.decision.rule}")
            status = 403
        except ValidationError as invalid:
            form.add_record_errors(invalid)
            status = 400
        else:
            messages.success(request, "Young person added, with their first case")
            return redirect("web:person", person_id=case.person_id)
    elif request.method == "POST" and duplicates is None:
        status = 400
    display = Display(gate.policy.pack)
    return render(
        request,
        "web/people/person_form.html",
        {
            "form": form,
            "person_fields": [n for n in PERSON_FIELDS if n in form.fields],
            "duplicates": [_duplicate_row(d, display) for d in duplicates.shown]
            if duplicates
            else [],
            "hidden_duplicates": bool(duplicates and duplicates.hidden),
            "checked": checked if duplicates else "",
        },
        status=status,
    )


def _duplicate_key(data: dict[str, Any]) -> str:
    """The name and date of birth the duplicate check was made for."""
    born = data.get("date_of_birth")
    names = (data.get("given_name", ""), data.get("family_name", ""))
    return "|".join([*(n.strip().lower() for n in names), born.isoformat() if born else ""])


def _duplicate_row(shown: ShownCase, display: Display) -> dict[str, Any]:
    return {
        "label": label_of(shown, display),
        "person_url": address("web:person", shown.person_id),
        "new_case_url": address("web:case-new", shown.person_id),
        "reference": person_reference(shown.person_id),
        "born": display(shown.person.values["date_of_birth"]),
        "service": display.service(shown.case.values["service"]),
        # A closing date, if the role may read it (a withheld one says nothing).
        "closed": isinstance(shown.case.values["closed_on"], date),
    }


@require_http_methods(["GET", "POST"])
@with_gate
def new_case(request: HttpRequest, gate: Gate, person_id: int) -> HttpResponse:
    shown = gate.person(person_id)  # through their nearest case; refused if none is in reach
    display = Display(gate.policy.pack)
    may = gate.may_write("case", CASE_FIELDS, audit=request.method == "POST")
    if not may:
        return refused_page(request, may.rule, heading="You cannot open a case")
    form = CaseForm(request.POST if request.method == "POST" else None, **_placement(gate))
    status = 200
    if form.is_valid():
        try:
            gate.open_case(_new_case(gate, form), form.values(CASE_FIELDS), person_id=person_id)
        except Refused as refused:
            form.add_error(None, f"You cannot open this case: {refused.decision.rule}")
            status = 403
        except ValidationError as invalid:
            form.add_record_errors(invalid)
            status = 400
        else:
            messages.success(request, "Case opened")
            return redirect("web:person", person_id=person_id)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "web/people/case_form.html",
        {
            "form": form,
            "name": label_of(shown.person, display),
            "person_url": address("web:person", person_id),
        },
        status=status,
    )
