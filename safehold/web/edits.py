"""Correcting what is recorded: a young person's details, their flags (ended with an end
date, never deleted) and relationships, each record of a case and each action of a plan, and
closing a case with its date and reason.

Every change goes through `Gate.write`, which writes only what differs, keeps the old value in
the record's history with the audit event (the right to rectification in practice), and
checks the version the form was opened at (a hidden field). If someone saved the record in the
meantime, nothing is written: the page says so, shows what they changed, and keeps what this
person typed, so that saving again is a decision made knowing both (docs/adr/0007).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from safehold.access.gate import Gate, Refused, Shown, ShownCase, ShownChange, Stale, Withheld
from safehold.access.gate.parts import MODELS as PART_MODELS
from safehold.records.models import Case, Person
from safehold.records.search import case_reference
from safehold.records.validation import as_id
from safehold.web.addresses import address
from safehold.web.cases import RECORDS, refused_page, with_gate
from safehold.web.display import Cell, Display, label_of
from safehold.web.forms import (
    SEX_CHOICES,
    CloseCaseForm,
    FlagForm,
    GovukForm,
    PersonDetailsForm,
    PlanActionEditForm,
    RelationshipForm,
    VictimLinkForm,
    initial_from,
    record_values,
)

CLOSE_FIELDS = ("closed_on", "closed_reason")


def edit_url(kind: str, case_id: int, record_id: int) -> str:
    return address(f"web:{kind}-edit", case_id, record_id)


def value_cell(display: Display, record: str, field: str, value: Any) -> Cell:
    """A stored value in words: a choice by its label, a service by its name."""
    if record == "case" and field == "service":
        return display.service(value)
    if record == "personflag" and field == "flag":
        return display.flag(value)
    if record == "person" and field == "sex":
        return display.choice(value, SEX_CHOICES)
    model = _model(record)
    choices = getattr(model._meta.get_field(field), "choices", None) if model else None
    if choices:
        return display.choice(value, choices)
    return display(value)


def field_label(record: str, field: str) -> str:
    """What a form calls a field, without "(optional)"."""
    form = _FORMS.get(record)
    bound = form.base_fields.get(field) if form is not None else None
    if bound is None and form is not None:
        # A field the form fills from others (a contact's date and time).
        bound = next(
            (form.base_fields[n] for n, f in form.record_fields.items() if f == field), None
        )
    label = str(bound.label) if bound is not None and bound.label else field.replace("_", " ")
    return label.removesuffix(" (optional)")


def change_rows(changes: list[ShownChange], display: Display) -> list[dict[str, Any]]:
    return [
        {
            "label": field_label(c.record, c.field),
            "old": value_cell(display, c.record, c.field, c.old),
            "new": value_cell(display, c.record, c.field, c.new),
            "by": c.by,
            "at": c.at,
        }
        for c in changes
    ]


# --- a young person's details ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@with_gate
def edit_person(request: HttpRequest, gate: Gate, person_id: int) -> HttpResponse:
    shown = gate.person(person_id)  # through their nearest case; refused if none is in reach
    display = Display(gate.policy.pack)
    form = PersonDetailsForm(
        request.POST if request.method == "POST" else None,
        initial=initial_from(PersonDetailsForm(), shown.person.values),
    )
    fields = _correctable(gate, shown, shown.person, "person")
    if not fields:
        may = gate.may_write("person", ["given_name"], shown, audit=request.method == "POST")
        return refused_page(request, may.rule, heading="You cannot change these details")
    form.keep_only(fields)
    return _edit(
        request,
        gate,
        shown,
        form,
        shown.person,
        heading="Change their details",
        caption=label_of(shown, display),
        back_url=address("web:person", person_id) + "#details",
        success="Details changed",
    )


# --- a record of a case ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@with_gate
def edit_record(
    request: HttpRequest, gate: Gate, case_id: int, kind: str, record_id: int
) -> HttpResponse:
    form_class, model, what, title = RECORDS[kind]
    record = str(model._meta.model_name)
    shown = gate.case(case_id)
    found = gate.record(shown, model, record_id)
    if found is None:
        raise Http404(f"Case {case_id} has no {title.lower()} {record_id}")
    display = Display(gate.policy.pack)
    form = form_class(
        request.POST if request.method == "POST" else None,
        initial=initial_from(form_class(), found.values),
    )
    fields = _correctable(gate, shown, found, record)
    if not fields:
        may = gate.may_write(record, form_class.needs, shown, audit=request.method == "POST")
        return refused_page(request, may.rule, heading=f"You cannot change this {title.lower()}")
    form.keep_only(fields)
    service = display.service(shown.case.values["service"])
    return _edit(
        request,
        gate,
        shown,
        form,
        found,
        heading=f"Change {what}",
        caption=f"{label_of(shown, display)}"
        + (f", {service.text}" if service.text else "")
        + f" (case {case_reference(case_id)})",
        back_url=address("web:person", shown.person_id) + f"#{record}-{record_id}",
        success=f"{title} changed",
    )


# --- a person's flags and relationships, a plan's actions ---------------------------------------


@require_http_methods(["GET", "POST"])
@with_gate
def edit_flag(request: HttpRequest, gate: Gate, person_id: int, flag_id: int) -> HttpResponse:
    """Correct a flag, or end it with an end date: the flag's history (from-to) stays."""
    shown = gate.person(person_id)
    found = gate.part(shown, "personflag", flag_id)
    if found is None:
        raise Http404("No such flag of this person")
    display = Display(gate.policy.pack)
    name = display.flag(found.values["flag"])
    return _edit_part(
        request,
        gate,
        shown,
        found,
        FlagForm,
        heading=f"Change the flag: {name.text}" if name.text else "Change the flag",
        caption=label_of(shown, display),
        back_url=address("web:person", person_id) + "#flags",
        success="Flag changed",
    )


@require_http_methods(["GET", "POST"])
@with_gate
def edit_relationship(
    request: HttpRequest, gate: Gate, person_id: int, relationship_id: int
) -> HttpResponse:
    shown = gate.person(person_id)
    found = gate.part(shown, "relationship", relationship_id)
    if found is None:
        raise Http404("No such relationship of this person")
    display = Display(gate.policy.pack)
    return _edit_part(
        request,
        gate,
        shown,
        found,
        RelationshipForm,
        heading="Change the relationship",
        caption=label_of(shown, display),
        back_url=address("web:person", person_id) + "#related",
        success="Relationship changed",
    )


@require_http_methods(["GET", "POST"])
@with_gate
def edit_victim_link(request: HttpRequest, gate: Gate, case_id: int, link_id: int) -> HttpResponse:
    """Change a victim's answers to contact and to restorative justice, through the case whose
    offence they are a victim of."""
    shown = gate.case(case_id)
    found = gate.part(shown, "victimlink", link_id)
    if found is None:
        raise Http404("No such victim of this case's offences")
    display = Display(gate.policy.pack)
    return _edit_part(
        request,
        gate,
        shown,
        found,
        VictimLinkForm,
        heading="Change what a victim agreed to",
        caption=f"{label_of(shown, display)} (case {case_reference(case_id)})",
        back_url=address("web:person", shown.person_id) + "#related",
        success="Victim's answers changed",
    )


@require_http_methods(["GET", "POST"])
@with_gate
def edit_plan_action(
    request: HttpRequest, gate: Gate, case_id: int, plan_id: int, action_id: int
) -> HttpResponse:
    """Change what a plan's action says, when it is due, or mark it done."""
    shown = gate.case(case_id)
    found = gate.part(shown, "planaction", action_id, plan_id=plan_id)
    if found is None:
        raise Http404("No such action of this plan")
    display = Display(gate.policy.pack)
    service = display.service(shown.case.values["service"])
    return _edit_part(
        request,
        gate,
        shown,
        found,
        PlanActionEditForm,
        heading="Change the plan's action",
        caption=f"{label_of(shown, display)}"
        + (f", {service.text}" if service.text else "")
        + f" (case {case_reference(case_id)})",
        back_url=address("web:person", shown.person_id) + f"#plan-{plan_id}",
        success="Action changed",
    )


def _edit_part(
    request: HttpRequest,
    gate: Gate,
    shown: ShownCase,
    found: Shown,
    form_class: type[GovukForm],
    **page: str,
) -> HttpResponse:
    form = form_class(
        request.POST if request.method == "POST" else None,
        initial=initial_from(form_class(), found.values),
    )
    fields = _correctable(gate, shown, found, found.record)
    if not fields:
        may = gate.may_write(found.record, form_class.needs, shown, audit=request.method == "POST")
        return refused_page(request, may.rule, heading="You cannot change this")
    form.keep_only(fields)
    return _edit(request, gate, shown, form, found, **page)


# --- closing a case --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@with_gate
def close_case(request: HttpRequest, gate: Gate, case_id: int) -> HttpResponse:
    shown = gate.case(case_id)
    display = Display(gate.policy.pack)
    may = gate.may_write("case", CLOSE_FIELDS, shown, audit=request.method == "POST")
    if not may:
        return refused_page(request, may.rule, heading="You cannot close this case")
    values = shown.case.values
    opened = values["opened_on"]
    form = CloseCaseForm(
        request.POST if request.method == "POST" else None,
        initial=initial_from(CloseCaseForm(), values),
        opened_on=None if isinstance(opened, Withheld) else opened,
    )
    service = display.service(values["service"])
    closed = values["closed_on"]
    return _edit(
        request,
        gate,
        shown,
        form,
        shown.case,
        heading="Change how the case closed" if closed else "Close the case",
        caption=f"{label_of(shown, display)}"
        + (f", {service.text}" if service.text else "")
        + f" (case {case_reference(case_id)})",
        back_url=address("web:person", shown.person_id),
        success=f"Case {case_reference(case_id)} closed",
        button="Close the case" if not closed else "Save changes",
    )


# --- the shared flow -------------------------------------------------------------------------


def _correctable(gate: Gate, shown: ShownCase, record: Shown, name: str) -> frozenset[str]:
    """Fields this member of staff may both write and read: a form never opens on a value
    it may not show, nor blanks one it could not see."""
    readable = {n for n, v in record.values.items() if not isinstance(v, Withheld)}
    return gate.writable(name, shown) & readable


def _posted_version(request: HttpRequest, current: int | None) -> int | None:
    posted = request.POST.get("version", "")
    found = as_id(posted)
    return found if found is not None else current


def _target(gate: Gate, shown: ShownCase, record: Shown) -> tuple[Model, Case]:
    case = gate.case_to_write(shown)
    if record.record == "person":
        return case.person, case
    if record.record == "case":
        return case, case
    if record.record in PART_MODELS:
        return gate.part_to_write(record.record, shown, record.pk), case
    model = RECORDS[record.record][1]
    return model._default_manager.get(case=case, pk=record.pk), case


def _edit(
    request: HttpRequest,
    gate: Gate,
    shown: ShownCase,
    form: GovukForm,
    record: Shown,
    *,
    heading: str,
    caption: str,
    back_url: str,
    success: str,
    button: str = "Save changes",
) -> HttpResponse:
    display = Display(gate.policy.pack)
    version = record.version
    conflict: list[dict[str, Any]] | None = None
    status = 200
    if request.method == "POST":
        # The version the form was opened at: kept through any error, so that a save made
        # after someone else's is still caught.
        version = _posted_version(request, record.version)
        if form.is_valid():
            obj, case = _target(gate, shown, record)
            try:
                gate.write(obj, record_values(form, type(obj)), case=case, version=version)
            except Stale as stale:
                changes = gate.changes_since(shown, record.record, record.pk, version or 0)
                conflict = change_rows(changes, display)
                version = stale.current
                status = 409
            except Refused as refused:
                form.add_error(None, f"You cannot change this: {refused.decision.rule}")
                status = 403
            except ValidationError as invalid:
                form.add_record_errors(invalid)
                status = 400
            else:
                messages.success(request, success)
                return redirect(back_url)
        else:
            status = 400
    errors = form.error_summary() if form.errors else None
    return render(
        request,
        "web/edits/edit.html",
        {
            "form": form,
            "heading": heading,
            "caption": caption,
            "back_url": back_url,
            "button": button,
            "version": version,
            "conflict": conflict,
            "errors": errors,
        },
        status=status,
    )


_FORMS: dict[str, type[GovukForm]] = {
    "person": PersonDetailsForm,
    "case": CloseCaseForm,
    "personflag": FlagForm,
    "relationship": RelationshipForm,
    "planaction": PlanActionEditForm,
    "victimlink": VictimLinkForm,
    **{str(model._meta.model_name): form for form, model, _, _ in RECORDS.values()},
}


def _model(record: str) -> type[Model] | None:
    if record == "person":
        return Person
    if record == "case":
        return Case
    if record in PART_MODELS:
        return PART_MODELS[record]
    found = RECORDS.get(record)
    return found[1] if found is not None else None
