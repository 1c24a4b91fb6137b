"""Django forms in GOV.UK Frontend macros: the parameters of a field, and the error summary.

Registered as Jinja globals (`safehold/jinja2.py`), for every form of the service:

    {{ govukErrorSummary(govuk_error_summary(form)) if form.errors }}
    {{ govukInput(govuk_field(form.username, autocomplete="username", spellcheck=false)) }}
    {{ govuk_date_time(event.at) }}   {# 6 January 2025 at 2:30pm, in the service's time zone #}

`govuk_field` gives a macro the field's id, name, label, hint, the value typed (never a
password's) and its error message; keyword arguments add to or override them, so a template
states only what is particular to its field (a hint, a width, `idPrefix` for radios).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils import timezone


def _first_field(form: forms.BaseForm) -> BoundField | None:
    return next(iter(form.visible_fields()), None)


def error_message(field: BoundField) -> dict[str, str] | None:
    """A field's errors as a GOV.UK `errorMessage`, or None."""
    if not field.errors:
        return None
    return {"text": " ".join(str(e) for e in field.errors)}


def error_summary(form: forms.BaseForm, title: str = "There is a problem") -> dict[str, Any]:
    """Parameters for `govukErrorSummary`: every error, in the order of the fields, each
    linking to its field. Errors of the whole form link to its first field."""
    items: list[dict[str, str]] = []
    first = _first_field(form)
    for error in form.non_field_errors():
        item = {"text": str(error)}
        if first is not None:
            item["href"] = f"#{first.auto_id}"
        items.append(item)
    for field in form:
        for error in field.errors:
            items.append({"text": str(error), "href": f"#{field.auto_id}"})
    return {"titleText": title, "errorList": items}


def field(bound: BoundField, **params: Any) -> dict[str, Any]:
    """Parameters for a GOV.UK input macro from a Django bound field."""
    result: dict[str, Any] = {
        "id": bound.auto_id,
        "idPrefix": bound.auto_id,
        "name": bound.html_name,
        "label": {"text": bound.label},
    }
    if bound.help_text:
        result["hint"] = {"text": str(bound.help_text)}
    # What was typed comes back after an error, except a password.
    if not isinstance(bound.field.widget, forms.PasswordInput):
        value = bound.value()
        if value is not None:
            result["value"] = value
    message = error_message(bound)
    if message is not None:
        result["errorMessage"] = message
    result.update(params)
    return result


def time_of_day(value: datetime) -> str:
    """A time as GOV.UK writes it, in the service's time zone: 9:05am, 2:30pm."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local:%I:%M}".lstrip("0") + ("am" if local.hour < 12 else "pm")


def day(value: date) -> str:
    """A date as GOV.UK writes it: 6 January 2025."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.day} {value:%B %Y}"


def date_time(value: datetime) -> str:
    """6 January 2025 at 2:30pm."""
    return f"{day(value)} at {time_of_day(value)}"


JINJA_GLOBALS = {
    "govuk_field": field,
    "govuk_error_summary": error_summary,
    "govuk_error_message": error_message,
    "govuk_date": day,
    "govuk_date_time": date_time,
    "govuk_time": time_of_day,
}
