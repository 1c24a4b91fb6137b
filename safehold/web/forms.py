"""The forms of the case pages, as Django forms rendered with GOV.UK Frontend macros.

Every form here is a `GovukForm`: `form.macro(name)` names the macro a field needs and
`form.params(name)` gives that macro its parameters (built on `safehold.web.govuk.field`), so
the templates stay a list of fields. Dates are GOV.UK date inputs (`DateField`): three boxes,
day, month and year, with the Design System's error messages, and what was typed in each box
comes back after any error. Forms offer only the fields the gate lets this member of staff
write (`Gate.writable`); the gate checks again when the record is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import timezone

from safehold.access.gate import Withheld
from safehold.records import validation
from safehold.records.models import (
    Assessment,
    Case,
    Contact,
    Outcome,
    Plan,
    RelationshipKind,
    Report,
    VictimLinkConsent,
    VictimLinkRestorativeJustice,
)
from safehold.web import govuk

DATE_PARTS = ("day", "month", "year")
DATE_WIDTHS = {
    "day": "govuk-input--width-2",
    "month": "govuk-input--width-2",
    "year": "govuk-input--width-4",
}
DATE_HINT = "For example, 27 3 2025"
BIRTH_HINT = "For example, 27 3 2009"


# --- dates ----------------------------------------------------------------------------------


class DateInput(forms.Widget):
    """Three boxes named `<name>-day`, `<name>-month` and `<name>-year`, as govukDateInput
    names them; the value is what was typed in each, kept as typed."""

    def value_from_datadict(
        self, data: Mapping[str, Any], files: Mapping[str, Any], name: str
    ) -> tuple[str, ...]:
        return tuple(str(data.get(f"{name}-{part}", "")).strip() for part in DATE_PARTS)

    def value_omitted_from_data(
        self, data: Mapping[str, Any], files: Mapping[str, Any], name: str
    ) -> bool:
        return not any(f"{name}-{part}" in data for part in DATE_PARTS)


class DateField(forms.Field):
    """A date typed as day, month and year, with the GOV.UK Design System's messages: "Enter
    the date of birth", "Date of birth must include a month", "Date of birth must be a real
    date", "Year must include 4 numbers", "Date of birth must be in the past". Each error
    names the boxes to highlight (`params["parts"]`)."""

    widget = DateInput

    def __init__(
        self,
        *,
        what: str,
        required_message: str | None = None,
        past: bool = False,
        not_future: bool = False,
        rule: tuple[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label", what if kwargs.get("required", True) else f"{what} (optional)")
        kwargs.setdefault("help_text", DATE_HINT)
        super().__init__(**kwargs)
        self.what = what  # how the messages name it: "Date of birth"
        self.required_message = required_message or f"Enter the {what[0].lower()}{what[1:]}"
        self.past = past
        self.not_future = not_future
        # (record, field): the dates the record itself allows (records.validation), in this
        # field's words; Gate.write checks them again, whoever writes.
        self.rule = rule

    def to_python(self, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value
        parts = dict(zip(DATE_PARTS, value, strict=True))
        if not any(parts.values()):
            return None
        missing = [p for p in DATE_PARTS if not parts[p]]
        if missing:
            raise ValidationError(
                f"{self.what} must include a {' and '.join(missing)}",
                code="incomplete",
                params={"parts": missing},
            )
        wrong = [p for p in DATE_PARTS if not parts[p].isdigit()]
        if wrong:
            raise ValidationError(
                f"{self.what} must be a real date", code="invalid", params={"parts": wrong}
            )
        if len(parts["year"]) != 4:
            raise ValidationError(
                "Year must include 4 numbers", code="year", params={"parts": ["year"]}
            )
        try:
            return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            raise ValidationError(
                f"{self.what} must be a real date",
                code="invalid",
                params={"parts": list(DATE_PARTS)},
            ) from None

    def validate(self, value: date | None) -> None:
        if value is None:
            if self.required:
                raise ValidationError(
                    self.required_message, code="required", params={"parts": list(DATE_PARTS)}
                )
            return
        today = timezone.localdate()
        if self.past and value >= today:
            raise ValidationError(
                f"{self.what} must be in the past", code="past", params={"parts": list(DATE_PARTS)}
            )
        if self.not_future and value > today:
            raise ValidationError(
                f"{self.what} must be today or in the past",
                code="future",
                params={"parts": list(DATE_PARTS)},
            )
        problem = validation.date_problem(*self.rule, value, self.what) if self.rule else None
        if problem is not None:
            raise ValidationError(problem, code="range", params={"parts": list(DATE_PARTS)})


def _typed_parts(bound: BoundField) -> dict[str, str]:
    value = bound.value()
    if isinstance(value, date):
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
    if isinstance(value, (tuple, list)) and len(value) == len(DATE_PARTS):
        return dict(zip(DATE_PARTS, (str(v) for v in value), strict=True))
    return dict.fromkeys(DATE_PARTS, "")


def _error_parts(bound: BoundField) -> list[str]:
    """The boxes of a date input to highlight: those its first error names."""
    errors = bound.form.errors.as_data().get(bound.name) if bound.form.is_bound else None
    if not errors:
        return []
    params = errors[0].params or {}
    return list(params.get("parts", DATE_PARTS))


def time_of(text: str) -> time | None:
    """A time as people type it: 14:30, 2:30pm, 2pm, 9.15."""
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?", text.strip().lower())
    if not match:
        raise ValueError(text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif match.group(2) is None:
        raise ValueError(text)  # "14" alone is not a time
    return time(hour, minute)  # ValueError beyond 23:59


# --- rendering ------------------------------------------------------------------------------


class GovukForm(forms.Form):
    """A form whose fields render through GOV.UK macros: see the module's docstring."""

    label_classes = "govuk-label--s"

    def macro(self, name: str) -> str:
        """The macro the field needs: date, radios, select, textarea or input."""
        field = self.fields[name]
        widget = field.widget
        if isinstance(field, DateField):
            return "date"
        if isinstance(widget, forms.RadioSelect):
            return "radios"
        if isinstance(widget, forms.Select):
            return "select"
        if isinstance(widget, forms.Textarea):
            return "textarea"
        return "input"

    def params(self, name: str, **extra: Any) -> dict[str, Any]:
        """The parameters of the field's GOV.UK macro; `extra` adds to or overrides them."""
        bound = self[name]
        kind = self.macro(name)
        if kind == "date":
            result = self._date_params(bound)
        else:
            result = govuk.field(bound, label={"text": bound.label, "classes": self.label_classes})
            if kind in ("radios", "select"):
                result.update(self._choice_params(bound, kind))
            elif kind == "input" and isinstance(bound.field, forms.EmailField):
                result.update({"type": "email", "spellcheck": False, "autocomplete": "off"})
            elif kind == "textarea":
                result["rows"] = bound.field.widget.attrs.get("rows", 5)
            if bound.field.widget.attrs.get("class"):
                result["classes"] = bound.field.widget.attrs["class"]
            if isinstance(bound.field, forms.IntegerField):
                result["inputmode"] = "numeric"
        result.update(extra)
        return result

    def _choice_params(self, bound: BoundField, kind: str) -> dict[str, Any]:
        value = bound.value()
        chosen = "" if value is None else str(value)
        choices = [(str(v), str(t)) for v, t in bound.field.choices]  # type: ignore[attr-defined]
        if kind == "select":
            return {
                "items": [{"value": v, "text": t, "selected": v == chosen} for v, t in choices],
                "value": chosen,
            }
        return {
            "label": None,
            "fieldset": {"legend": {"text": bound.label, "classes": "govuk-fieldset__legend--s"}},
            "items": [{"value": v, "text": t, "checked": v == chosen} for v, t in choices],
        }

    def _date_params(self, bound: BoundField) -> dict[str, Any]:
        typed = _typed_parts(bound)
        wrong = _error_parts(bound)
        result: dict[str, Any] = {
            "id": bound.auto_id,
            "namePrefix": bound.html_name,
            "fieldset": {"legend": {"text": bound.label, "classes": "govuk-fieldset__legend--s"}},
            "items": [
                {
                    "name": part,
                    "value": typed[part],
                    "classes": DATE_WIDTHS[part] + (" govuk-input--error" if part in wrong else ""),
                }
                for part in DATE_PARTS
            ],
        }
        if bound.help_text:
            result["hint"] = {"text": str(bound.help_text)}
        message = govuk.error_message(bound)
        if message is not None:
            result["errorMessage"] = message
        return result

    def error_summary(self) -> dict[str, Any]:
        """`govukErrorSummary` parameters: every error, linked to its field; for a date,
        to the first box that is wrong."""
        result = govuk.error_summary(self)
        for item in result["errorList"]:
            href = item.get("href", "")
            for name in self.fields:
                if href == f"#{self[name].auto_id}" and self.macro(name) == "date":
                    item["href"] = f"{href}-{(_error_parts(self[name]) or ['day'])[0]}"
        return result

    # A form of a record: its fields -> the record's fields they fill (the rest are not
    # personal data), and the record's fields it cannot be saved without.
    record_fields: dict[str, str] = {}
    needs: tuple[str, ...] = ()

    def add_record_errors(self, exc: ValidationError) -> None:
        """The record's own rules, as Gate.write found them, on the fields that filled them."""
        for name, messages in exc.message_dict.items():
            target = next((f for f in self.fields if self.record_fields.get(f, f) == name), None)
            for message in messages:
                self.add_error(target, message)

    def keep_only(self, writable: Iterable[str]) -> None:
        """Offer only the record's fields this member of staff may write."""
        allowed = set(writable)
        for name in list(self.fields):
            if self.record_fields.get(name, name) not in allowed:
                del self.fields[name]

    def values(self, names: Iterable[str] | None = None) -> dict[str, Any]:
        """The record's fields as cleaned, those given only: an empty optional field is not
        written, so it needs no permission."""
        if names is None:
            names = dict.fromkeys(
                self.record_fields[n] for n in self.fields if n in self.record_fields
            )
        return {
            n: self.cleaned_data[n]
            for n in names
            if n in self.cleaned_data and self.cleaned_data[n] not in (None, "")
        }


def text(
    label: str, *, required: str | None = None, max_length: int = 200, **kwargs: Any
) -> forms.CharField:
    """A text box; `required` is the message when it is left empty (None: optional)."""
    if required is None:
        label = f"{label} (optional)"
    return forms.CharField(
        label=label,
        required=required is not None,
        max_length=max_length,
        error_messages={
            "required": required or "",
            "max_length": f"{label.removesuffix(' (optional)')} must be {max_length:,} characters "
            "or fewer",
        },
        **kwargs,
    )


def width(chars: int) -> forms.TextInput:
    """A text box as wide as its answer (GOV.UK's fixed-width inputs)."""
    return forms.TextInput(attrs={"class": f"govuk-input--width-{chars}"})


def long_text(
    label: str, *, required: str | None = None, rows: int = 5, **kwargs: Any
) -> forms.CharField:
    return text(
        label,
        required=required,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def choice(
    label: str,
    choices: Iterable[tuple[str, str]],
    *,
    required: str | None,
    radios: bool = True,
    **kwargs: Any,
) -> forms.ChoiceField:
    """Radios (or a select); `required` is the message when nothing is chosen (None:
    optional, and the label says so)."""
    message = required or f"Choose {label[0].lower()}{label[1:].rstrip('?')}"
    return forms.ChoiceField(
        label=label if required is not None else f"{label} (optional)",
        choices=list(choices),
        required=required is not None,
        widget=forms.RadioSelect if radios else forms.Select,
        error_messages={"required": message, "invalid_choice": message},
        **kwargs,
    )


def order_dates(form: GovukForm, record: str) -> dict[str, Any]:
    """The record's rule for the order of its dates (records.validation), in the form's words."""
    data = forms.Form.clean(form) or {}

    def label(name: str) -> str:
        field = form.fields[name]
        return field.what if isinstance(field, DateField) else str(field.label)

    for name, message in validation.order_problems(record, data, label).items():
        form.add_error(
            name, ValidationError(message, code="order", params={"parts": list(DATE_PARTS)})
        )
    return data


# --- a young person and their cases ---------------------------------------------------------

SEX_CHOICES = [
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("not-known", "Not known"),
]
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "address",
    "postcode",
    "phone",
    "email",
    "school",
    "health_needs",
)
CASE_FIELDS = ("service", "opened_on")
NOT_ALLOCATED = ""


class CaseForm(GovukForm):
    """Opening a case: the service, the team, the worker and the date it opened."""

    service = choice("Service", [], required="Select the service")
    team = forms.TypedChoiceField(
        label="Team",
        coerce=int,
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the team", "invalid_choice": "Select the team"},
    )
    allocated_to = forms.TypedChoiceField(
        label="Allocate to",
        coerce=int,
        empty_value=None,
        required=False,
        choices=[],
        widget=forms.Select,
        error_messages={"invalid_choice": "Select a worker of the team"},
    )
    opened_on = DateField(
        what="Date the case opened",
        required_message="Enter the date the case opened",
        not_future=True,
        rule=("case", "opened_on"),
    )

    def __init__(
        self,
        *args: Any,
        services: Sequence[tuple[str, str]],
        teams: Sequence[tuple[int, str]],
        workers: Sequence[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("opened_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = list(services)  # type: ignore[attr-defined]
        self.fields["team"].choices = list(teams)  # type: ignore[attr-defined]
        if len(teams) == 1:
            self.fields["team"].initial = teams[0][0]
        if workers is None:
            # A role that does not allocate opens cases for itself.
            del self.fields["allocated_to"]
        else:
            self.fields["allocated_to"].choices = [  # type: ignore[attr-defined]
                (NOT_ALLOCATED, "Not allocated yet"),
                *workers,
            ]


class PersonForm(CaseForm):
    """A young person new to the service, with their first case."""

    given_name = text("First name", required="Enter their first name", max_length=100)
    family_name = text("Last name", required="Enter their last name", max_length=100)
    preferred_name = text("Preferred name", max_length=100)
    date_of_birth = DateField(
        what="Date of birth",
        required_message="Enter their date of birth",
        past=True,
        help_text=BIRTH_HINT,
        rule=("person", "date_of_birth"),
    )
    sex = forms.ChoiceField(
        label="Sex (optional)",
        choices=SEX_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select their sex"},
    )
    ethnicity = text("Ethnicity", max_length=100)
    address = long_text("Address")
    postcode = text("Postcode", max_length=10, widget=width(10))
    phone = text("Phone number", max_length=40, widget=width(20))
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    school = text("School or college", max_length=200)
    health_needs = long_text("Health needs")

    field_order = [*PERSON_FIELDS, "service", "team", "allocated_to", "opened_on"]


# --- records of a case ----------------------------------------------------------------------


class ContactForm(GovukForm):
    kind = choice("Type of contact", Contact.Kind.choices, required="Select the type of contact")
    occurred_on = DateField(
        what="Date of the contact",
        required_message="Enter the date of the contact",
        not_future=True,
        rule=("contact", "occurred_at"),
    )
    occurred_time = forms.CharField(
        label="Time (optional)",
        required=False,
        max_length=10,
        help_text="For example, 14:30 or 2:30pm",
        widget=width(5),
    )
    notes = long_text("Notes")

    # The form's date and time make the record's one field, occurred_at.
    record_fields = {
        "kind": "kind",
        "occurred_on": "occurred_at",
        "occurred_time": "occurred_at",
        "notes": "notes",
    }
    needs = ("kind", "occurred_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = data.get("occurred_time", "")
        moment: time | None = None
        if typed:
            try:
                moment = time_of(typed)
            except ValueError:
                self.add_error("occurred_time", "Enter a real time, like 14:30 or 2:30pm")
                return data
        on = data.get("occurred_on")
        if on is None:
            return data
        now = timezone.now()
        if moment is not None:
            # A time typed is a claim about when: it cannot be later than now.
            at = timezone.make_aware(datetime.combine(on, moment))
            if at > now:
                self.add_error("occurred_time", "Time of the contact must be in the past")
        else:
            # No time: the date is the claim, and DateField has checked it is not in the
            # future. The record still needs a moment: midday, not midnight, or now if the
            # contact was earlier today and it is not yet midday.
            at = min(timezone.make_aware(datetime.combine(on, time(12, 0))), now)
        data["occurred_at"] = at
        return data


class AssessmentForm(GovukForm):
    kind = choice(
        "Type of assessment", Assessment.Kind.choices, required="Select the type of assessment"
    )
    completed_on = DateField(
        what="Date completed", required=False, not_future=True, rule=("assessment", "completed_on")
    )
    summary = long_text("Summary")
    health_findings = long_text("Health findings")

    record_fields = {n: n for n in ("kind", "completed_on", "summary", "health_findings")}
    needs = ("kind",)


class PlanForm(GovukForm):
    kind = choice("Type of plan", Plan.Kind.choices, required="Select the type of plan")
    starts_on = DateField(
        what="Start date", required_message="Enter the start date", rule=("plan", "starts_on")
    )
    review_on = DateField(what="Review date", required=False, rule=("plan", "review_on"))
    summary = long_text("Summary")

    record_fields = {n: n for n in ("kind", "starts_on", "review_on", "summary")}
    needs = ("kind", "starts_on")

    def clean(self) -> dict[str, Any]:
        return order_dates(self, "plan")


class PlanActionForm(GovukForm):
    description = long_text("What will be done", rows=2)
    due_on = DateField(what="Date due", required=False, rule=("planaction", "due_on"))

    record_fields = {"description": "description", "due_on": "due_on"}
    needs = ("description",)
    label_classes = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("due_on") and not data.get("description"):
            self.add_error("description", "Enter what will be done, or remove the date due")
        return data


class BasePlanActionFormSet(forms.BaseFormSet):
    def actions(self) -> list[dict[str, Any]]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data.get("description")]


PlanActionFormSet = forms.formset_factory(
    PlanActionForm, formset=BasePlanActionFormSet, extra=3, max_num=3, absolute_max=3
)


class OffenceForm(GovukForm):
    description = long_text("What happened", required="Enter what happened")
    offence_type = text(
        "Type of offence", max_length=100, help_text="For example, theft or assault"
    )
    committed_on = DateField(
        what="Date of the offence",
        required=False,
        not_future=True,
        rule=("offence", "committed_on"),
    )
    gravity = forms.IntegerField(
        label="Gravity score (optional)",
        help_text="From 1 to 8, as the Youth Justice Board's gravity matrix scores it",
        required=False,
        min_value=1,
        max_value=8,
        widget=width(2),  # GOV.UK asks for text with a numeric keyboard, never type=number
        error_messages={
            "invalid": "Gravity score must be a whole number from 1 to 8",
            "min_value": "Gravity score must be a whole number from 1 to 8",
            "max_value": "Gravity score must be a whole number from 1 to 8",
        },
    )

    record_fields = {n: n for n in ("description", "offence_type", "committed_on", "gravity")}
    needs = ("description",)


class OutcomeForm(GovukForm):
    kind = choice("Outcome", Outcome.Kind.choices, required="Select the outcome")
    starts_on = DateField(
        what="Start date", required_message="Enter the start date", rule=("outcome", "starts_on")
    )
    ends_on = DateField(what="End date", required=False, rule=("outcome", "ends_on"))
    requirements = long_text("Requirements", help_text="What the order or disposal requires")

    record_fields = {n: n for n in ("kind", "starts_on", "ends_on", "requirements")}
    needs = ("kind", "starts_on")

    def clean(self) -> dict[str, Any]:
        return order_dates(self, "outcome")


# --- allocation and lists -------------------------------------------------------------------


class AllocateForm(GovukForm):
    worker = forms.TypedChoiceField(
        label="Who should hold this case?",
        coerce=int,
        choices=[],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who should hold this case",
            "invalid_choice": "Select who should hold this case",
        },
    )

    def __init__(
        self,
        *args: Any,
        workers: Sequence[tuple[int, str]],
        caseloads: dict[int, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].choices = list(workers)  # type: ignore[attr-defined]
        self.caseloads = caseloads or {}

    def params(self, name: str, **extra: Any) -> dict[str, Any]:
        """Each worker's radio says how many open cases they hold, to share the work fairly."""
        result = super().params(name, **extra)
        if name == "worker":
            for item in result["items"]:
                count = self.caseloads.get(int(item["value"]))
                if count is not None:
                    item["hint"] = {"text": f"Holds {count} open case{'' if count == 1 else 's'}"}
        return result


class CaseFilterForm(GovukForm):
    """The filter of a caseload (MOJ filter pattern), read from the query string."""

    name = forms.CharField(label="Name", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Cases",
        required=False,
        choices=[("open", "Open"), ("closed", "Closed"), ("all", "Open and closed")],
        widget=forms.RadioSelect,
    )
    service = forms.ChoiceField(
        label="Service", required=False, choices=[], widget=forms.RadioSelect
    )
    flag = forms.ChoiceField(label="Flag", required=False, choices=[], widget=forms.RadioSelect)
    due = forms.ChoiceField(
        label="Due",
        required=False,
        choices=[
            ("", "Any time or nothing due"),
            ("overdue", "Overdue"),
            ("soon", "Due in the next 14 days"),
        ],
        widget=forms.RadioSelect,
    )
    # The team caseload only (see `team`).
    allocation = forms.ChoiceField(
        label="Allocation",
        required=False,
        choices=[("", "Any"), ("unallocated", "Not allocated"), ("allocated", "Allocated")],
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args: Any,
        services: Sequence[tuple[str, str]],
        flags: Sequence[tuple[str, str]],
        team: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "Any service"), *services]  # type: ignore[attr-defined]
        self.fields["flag"].choices = [("", "Any or none"), *flags]  # type: ignore[attr-defined]
        if not team:
            del self.fields["allocation"]


# --- reports, closing a case, and correcting what is recorded ---------------------------------


class ReportForm(GovukForm):
    kind = choice("Type of report", Report.Kind.choices, required="Select the type of report")
    due_on = DateField(what="Date due", required=False, rule=("report", "due_on"))
    body = long_text("Report", rows=10)
    copy_given_on = DateField(
        what="Date the young person was given a copy",
        required=False,
        not_future=True,
        help_text="Before court, where the report is for a court. " + DATE_HINT,
        rule=("report", "copy_given_on"),
    )

    record_fields = {n: n for n in ("kind", "due_on", "body", "copy_given_on")}
    needs = ("kind",)


class CloseCaseForm(GovukForm):
    """Closing a case: when the service ended, and why (retention often counts from it)."""

    closed_on = DateField(
        what="Date the case closed",
        required_message="Enter the date the case closed",
        not_future=True,
        rule=("case", "closed_on"),
    )
    closed_reason = choice(
        "Why did the case close?",
        Case.ClosedReason.choices,
        required="Select why the case closed",
    )

    record_fields = {"closed_on": "closed_on", "closed_reason": "closed_reason"}
    needs = ("closed_on", "closed_reason")

    def __init__(self, *args: Any, opened_on: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened_on = opened_on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        closed = data.get("closed_on")
        if closed and self.opened_on and closed < self.opened_on:
            self.add_error(
                "closed_on",
                ValidationError(
                    f"Date the case closed must be the same as or after the date it opened "
                    f"({govuk.day(self.opened_on)})",
                    code="order",
                    params={"parts": list(DATE_PARTS)},
                ),
            )
        return data


class PersonDetailsForm(GovukForm):
    """A young person's own details, to correct them (the fields of PersonForm, without a
    case)."""

    record_fields = {n: n for n in PERSON_FIELDS}


PersonDetailsForm.base_fields = {n: PersonForm.base_fields[n] for n in PERSON_FIELDS}


def initial_from(form: GovukForm, values: Mapping[str, Any]) -> dict[str, Any]:
    """A form's initial values from a record as the gate showed it: only the fields shown
    (a withheld value is never put in a form). A contact's moment fills its date and time."""
    initial: dict[str, Any] = {}
    for name in form.fields:
        field = form.record_fields.get(name, name)
        value = values.get(field)
        if value is None or isinstance(value, Withheld):
            continue
        if field == "occurred_at" and isinstance(value, datetime):
            local = timezone.localtime(value)
            initial[name] = local.date() if name == "occurred_on" else local.strftime("%H:%M")
        else:
            initial[name] = value
    return initial


def record_values(form: GovukForm, model: type[Any]) -> dict[str, Any]:
    """Every record field the form offers, as cleaned, for a change: an emptied field is
    written as empty (the gate writes only what differs from the record)."""
    values: dict[str, Any] = {}
    for name in dict.fromkeys(form.record_fields.get(n, n) for n in form.fields):
        value = form.cleaned_data.get(name)
        field = model._meta.get_field(name)
        if value in (None, "") and not field.null:
            value = ""
        elif value == "":
            value = None
        values[name] = value
    return values


# --- a person's flags, relationships, a plan's actions, a case's facts ------------------------


def yes_no(label: str, *, yes: str = "Yes", no: str = "No", required: str) -> forms.Field:
    """A question answered yes or no, as radios: True or False."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("True", yes), ("False", no)],
        coerce=lambda v: v == "True",
        widget=forms.RadioSelect,
        error_messages={"required": required, "invalid_choice": required},
    )


class FlagForm(GovukForm):
    """Correct a flag of a person, or end it: its history stays (from-to), never deleted."""

    holds = yes_no(
        "Does this apply to them?",
        yes="Yes",
        no="No, it is known not to apply",
        required="Select whether this applies to them",
    )
    started_on = DateField(what="Start date", required=False, rule=("personflag", "started_on"))
    ended_on = DateField(
        what="End date",
        required=False,
        rule=("personflag", "ended_on"),
        help_text="When it stopped applying. Leave empty while it still applies.",
    )

    needs = ("holds",)

    def clean(self) -> dict[str, Any]:
        return order_dates(self, "personflag")


class RelationshipForm(GovukForm):
    kind = choice(
        "How are they related?", RelationshipKind.choices, required="Select how they are related"
    )
    lives_with = yes_no("Do they live together?", required="Select whether they live together")

    needs = ("kind",)


class VictimLinkForm(GovukForm):
    """A victim's answers: to being contacted, and to restorative justice, each dated so the
    quarter it was recorded in is counted (statistics: victims, victims-restorative-justice)."""

    contact_consent = choice(
        "Have they agreed to be contacted?",
        VictimLinkConsent.choices,
        required="Select whether they agreed to be contacted",
    )
    consent_recorded_on = DateField(
        what="Date their answer to contact was recorded",
        required=False,
        rule=("victimlink", "consent_recorded_on"),
    )
    restorative_justice = choice(
        "Restorative justice",
        VictimLinkRestorativeJustice.choices,
        required="Select their answer to restorative justice",
    )
    rj_recorded_on = DateField(
        what="Date their answer to restorative justice was recorded",
        required=False,
        rule=("victimlink", "rj_recorded_on"),
    )

    needs = ("restorative_justice",)


class PlanActionEditForm(GovukForm):
    description = long_text("What will be done", required="Enter what will be done", rows=3)
    due_on = DateField(what="Date due", required=False, rule=("planaction", "due_on"))
    done_on = DateField(
        what="Date done",
        required=False,
        rule=("planaction", "done_on"),
        help_text="When it was done. Leave empty until it is.",
    )

    needs = ("description",)
