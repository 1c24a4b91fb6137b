"""How long we keep it: the data protection officer's retention pages.

The review queue (due units grouped by rule; approve one, several or a whole group), legal
holds (place and lift), destruction records, and a summary per service with what falls due in
the next 24 months. Only a member of staff whose pack role manages the policy may see them.

Units and holds are named as a person would name them: a case by its reference (C173) and its
young person's name, a person by name and reference (P316), the names read through the gate
as one list and audited (`Gate.read_names`); nothing else personal is shown. A hold is placed on
a person or case found by searching (`Gate.find_people`, through `web.picking`), never on a
number typed by hand.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safehold.access.gate import Gate
from safehold.access.models import User
from safehold.policy.schema import Action
from safehold.policy.wording import describe_action
from safehold.records.validation import as_id
from safehold.retention import selectors, services
from safehold.retention.models import HoldScope, LegalHold, RetentionUnit, UnitKind
from safehold.web import picking
from safehold.web.dpo import dpo_only
from safehold.web.forms import DateField, GovukForm, choice, long_text, text
from safehold.web.picking import PicksFound

PER_GROUP = 50
PER_PAGE = 50
DECISIONS = [
    (Action.DESTROY.value, "Destroy it"),
    (Action.ANONYMISE.value, "Anonymise it"),
    (Action.ARCHIVE.value, "Archive it (only the data protection officer can then see it)"),
]


# Every page here is the data protection officer's (`dpo_only`); anyone else is shown this.
NOT_ALLOWED = "web/retention/not_allowed.html"


def _page(request: HttpRequest, active: str) -> dict[str, Any]:
    """What every retention page's layout needs: its tab, and the messages to show."""
    return {
        "nav_active": "retention",
        "retention_tab": active,
        "messages": messages.get_messages(request),
    }


# --- the summary and chart --------------------------------------------------------------------


@require_GET
@dpo_only(NOT_ALLOWED)
def summary(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    services_ = selectors.summary_by_service(controller_id)
    service = request.GET.get("service")
    known = {s.service for s in services_}
    if service not in known:
        service = None
    months = selectors.due_by_month(controller_id, service=service)
    chart_name = next((s.name for s in services_ if s.service == service), "every service")
    return render(
        request,
        "web/retention/summary.html",
        {
            "services": services_,
            "gaps": selectors.gaps(controller_id),
            "months": months,
            "chart": _chart(months),
            "service": service,
            "chart_name": chart_name,
            "kind_words": dict(UnitKind.choices),
            **_page(request, "summary"),
        },
    )


def _chart(months: list[selectors.Month]) -> dict[str, Any]:
    """An SVG bar chart's geometry, computed here so the template only draws it."""
    top = max((m.units for m in months), default=0)
    scale = _nice(top)
    height, bar_gap, width = 200, 6, 28
    bars = []
    for i, month in enumerate(months):
        h = round(height * month.units / scale) if scale else 0
        bars.append(
            {
                "x": 50 + i * (width + bar_gap),
                "y": 10 + height - h,
                "width": width,
                "height": h,
                "month": month,
            }
        )
    ticks = (
        [{"value": scale * i // 4, "y": 10 + height - height * i // 4} for i in range(5)]
        if scale
        else []
    )
    return {
        "bars": bars,
        "ticks": ticks,
        "width": 50 + len(months) * (width + bar_gap) + 10,
        "height": height + 60,
        "base": 10 + height,
        "total": sum(m.units for m in months),
    }


def _nice(top: int) -> int:
    """A round number at or above `top`, divisible by 4, for the chart's scale."""
    if top <= 0:
        return 0
    step = 1
    while step * 4 < top:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step * 4


# --- the review queue -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@dpo_only(NOT_ALLOWED)
def queue(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    if request.method == "POST":
        return _approve(request, user)
    groups = []
    listed: list[RetentionUnit] = []
    for group in selectors.review_queue(controller_id):
        units = list(selectors.queue_units(controller_id, group.kind, group.rule)[:PER_GROUP])
        listed += units
        groups.append({"group": group, "units": units, "id": f"{group.kind}--{group.rule}"})
    labels = _unit_labels(Gate(user), listed)
    return render(
        request,
        "web/retention/queue.html",
        {
            "groups": groups,
            "decisions": DECISIONS,
            "per_group": PER_GROUP,
            "action_words": {a.value: describe_action(a) for a in Action},
            "kind_words": dict(UnitKind.choices),
            "labels": labels,
            **_page(request, "queue"),
        },
    )


def _unit_labels(gate: Gate, units: list[RetentionUnit]) -> dict[int, str]:
    """What each unit is, in words: a case file by its reference and its young person's name,
    a person's records by their name and reference (the names read through the gate as one
    list, audited), with the service's name."""
    names = gate.read_names(
        people=[u.key for u in units if u.kind != UnitKind.CASE_FILE],
        cases=[u.key for u in units if u.kind == UnitKind.CASE_FILE],
    )
    services = {s.code: s.name for s in gate.policy.pack.services}
    labels = {}
    for unit in units:
        if unit.kind == UnitKind.CASE_FILE:
            named = names.case(unit.key)
            label = f"Case {named.reference}" + (f" of {named.name}" if named.name else "")
        else:
            label = names.person(unit.key).label
        if unit.service:
            label += f", {services.get(unit.service, unit.service)}"
        labels[unit.pk] = label
    return labels


def _approve(request: HttpRequest, user: User) -> HttpResponse:
    assert user.controller_id is not None
    kind, rule = request.POST.get("kind", ""), request.POST.get("rule", "")
    decision = request.POST.get("decision", "")
    units = selectors.queue_units(user.controller_id, kind, rule).filter(status="due")
    if request.POST.get("all") != "yes":
        chosen = [pk for text in request.POST.getlist("unit") if (pk := as_id(text)) is not None]
        units = units.filter(pk__in=chosen)
    ids = list(units.values_list("pk", flat=True))
    if not ids:
        messages.error(request, "Select at least one item to approve")
        return redirect(f"{request.path}#{kind}--{rule}")
    try:
        approved = services.approve(ids, user, action=decision)
    except ValueError as error:
        messages.error(request, str(error).capitalize())
        return redirect(f"{request.path}#{kind}--{rule}")
    messages.success(
        request,
        f"{approved:,} approved for disposal under '{rule}'. The next sweep disposes of them.",
    )
    return redirect(request.path)


# --- legal holds ------------------------------------------------------------------------------


HOLD_ABOUT = "Everything about this person"


class HoldForm(PicksFound):
    """Place a legal hold on a person or a case picked from a search, or on a whole service."""

    target = choice("What do you want to hold?", [], required="Select what to hold")
    reason = long_text("Why is it held?", required="Enter why it is held", rows=3)
    review_on = DateField(
        what="Review date",
        required_message="Enter the review date",
        rule=("legalhold", "review_on"),
    )

    def __init__(
        self, *args: Any, controller_id: int, found: list[picking.Found], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.controller_id = controller_id
        pack = selectors.pack_of(controller_id)
        self.services = [(f"service:{s.code}", f"Everything of {s.name}") for s in pack.services]
        self.offer("target", found, self.services)

    def params(self, name: str, **extra: Any) -> dict[str, Any]:
        result = super().params(name, **extra)
        if name == "target":
            services = {value for value, _ in self.services} | {"service:"}
            items: list[dict[str, Any]] = []
            for item in result["items"]:
                if item["value"] in services and items and items[-1]["value"] not in services:
                    items.append({"divider": "or", "value": "service:"})
                items.append(item)
            result["items"] = items
        return result

    def clean_review_on(self) -> date:
        value: date = self.cleaned_data["review_on"]
        if value <= timezone.localdate():
            raise forms.ValidationError(
                "Review date must be in the future", params={"parts": ["day", "month", "year"]}
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = data.get("target", "")
        kind, _, key = str(target).partition(":")
        if kind == "person":
            person = picking.chosen_person(target, self.controller_id)
            if person is None:
                self.add_error("target", "Select what to hold")
            data["hold_on"] = {"person": person}
        elif kind == "case":
            case = picking.chosen_case(target, self.controller_id)
            if case is None:
                self.add_error("target", "Select what to hold")
            data["hold_on"] = {"case": case}
        elif kind == "service":
            data["hold_on"] = {"service": key}
        return data


def _hold_labels(gate: Gate, holds: list[LegalHold]) -> dict[int, str]:
    """What each hold is on, in words: the person's name and reference, or the case's (read
    through the gate as a list, audited), or the service's name."""
    names = gate.read_names(people=[h.person_id for h in holds], cases=[h.case_id for h in holds])
    services = {s.code: s.name for s in gate.policy.pack.services}
    labels = {}
    for hold in holds:
        if hold.scope == HoldScope.PERSON:
            labels[hold.pk] = names.person(hold.person_id).label
        elif hold.scope == HoldScope.CASE:
            named = names.case(hold.case_id)
            labels[hold.pk] = f"Case {named.reference}" + (
                f" of {named.name}" if named.name else ""
            )
        else:
            labels[hold.pk] = f"Everything of {services.get(hold.service, hold.service)}"
    return labels


@require_http_methods(["GET", "POST"])
@dpo_only(NOT_ALLOWED)
def holds(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    gate = Gate(user)
    q = picking.search_words(request)
    found = picking.found(gate, q, cases=True, about=HOLD_ABOUT)
    form = HoldForm(
        request.POST if request.method == "POST" else None,
        controller_id=controller_id,
        found=found,
    )
    if request.method == "POST" and form.is_valid():
        hold = services.place_hold(
            by=user,
            reason=form.cleaned_data["reason"],
            review_on=form.cleaned_data["review_on"],
            **form.cleaned_data["hold_on"],
        )
        label = _hold_labels(gate, [hold])[hold.pk]
        messages.success(request, f"Legal hold placed on {label}.")
        return redirect(request.path)
    return _holds_page(request, gate, controller_id, form, q=q, found=found)


class LiftForm(GovukForm):
    """Why a hold is lifted (each hold's row has its own, by its prefix)."""

    reason = text("Why lift it?", required="Enter why the hold is lifted")


def _holds_page(
    request: HttpRequest,
    gate: Gate,
    controller_id: int,
    form: HoldForm,
    *,
    q: str = "",
    found: list[picking.Found] | None = None,
    lifting: LiftForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The holds in place (each with its form to lift it), the form to place one, and the
    holds lifted recently. `lifting`: a lift that was not valid, shown with its error."""
    active = list(selectors.holds(controller_id))
    lifted = list(selectors.holds(controller_id, active=False)[:20])
    lift_forms = {hold.pk: LiftForm(prefix=f"lift-{hold.pk}") for hold in active}
    if lifting is not None and lifting.prefix:
        lift_forms[int(lifting.prefix.removeprefix("lift-"))] = lifting
    return render(
        request,
        "web/retention/holds.html",
        {
            "form": form,
            "q": q,
            "searched": bool(q),
            "found": found or [],
            "active": active,
            "lifted": lifted,
            "lift_forms": lift_forms,
            "lifting": lifting,
            "labels": _hold_labels(gate, active + lifted),
            "suggested_review": timezone.localdate() + timedelta(days=180),
            "today": timezone.localdate(),
            **_page(request, "holds"),
        },
        status=status,
    )


@require_POST
@dpo_only(NOT_ALLOWED)
def lift_hold(request: HttpRequest, user: User, controller_id: int, hold_id: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold, pk=hold_id, controller_id=controller_id)
    form = LiftForm(request.POST, prefix=f"lift-{hold.pk}")
    if not form.is_valid():
        page = HoldForm(None, controller_id=controller_id, found=[])
        return _holds_page(request, Gate(user), controller_id, page, lifting=form, status=400)
    services.lift_hold(hold, user, reason=form.cleaned_data["reason"])
    messages.success(request, f"Legal hold on {_hold_labels(Gate(user), [hold])[hold.pk]} lifted.")
    return redirect("web:retention-holds")


# --- dates of services ---------------------------------------------------------------------------


class ServiceDateForm(GovukForm):
    """Set the date of an event of a service (the end of its contract): data the DPO keeps,
    not a pack edit."""

    which = choice("Which date", [], required="Select the service and the date to set")
    on = DateField(what="Date", required_message="Enter the date")
    note = long_text("Why, or where it comes from (optional)", rows=2)

    def __init__(self, *args: Any, controller_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pack = selectors.pack_of(controller_id)
        which = self.fields["which"]
        assert isinstance(which, forms.ChoiceField)
        which.choices = [
            (f"{s.code}|{e.code}", f"{s.name}: {e.name}")
            for s in pack.services
            for e in pack.events
            if e.of == "service"
        ]
        self.fields["note"].required = False


@require_http_methods(["GET", "POST"])
@dpo_only(NOT_ALLOWED)
def service_dates(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    """The dates that belong to a service or its contract, with their history. Setting one
    dates the units that waited for it (docs/adr/0016)."""
    form = ServiceDateForm(
        request.POST if request.method == "POST" else None, controller_id=controller_id
    )
    if request.method == "POST" and form.is_valid():
        service, event = form.cleaned_data["which"].split("|", 1)
        row = services.set_service_date(
            by=user,
            service=service,
            event=event,
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"] or "",
        )
        messages.success(request, f"Date set: {row.on:%-d %B %Y}.")
        return redirect(request.path)
    return render(
        request,
        "web/retention/service_dates.html",
        {
            "form": form,
            "rows": selectors.service_dates(controller_id),
            "history": selectors.service_date_history(controller_id),
            **_page(request, "service-dates"),
        },
    )


# --- destruction records ----------------------------------------------------------------------


@require_GET
@dpo_only(NOT_ALLOWED)
def disposals(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    page = Paginator(selectors.disposals(controller_id), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/retention/disposals.html",
        {"page": page, "kind_words": dict(UnitKind.choices), **_page(request, "disposals")},
    )
