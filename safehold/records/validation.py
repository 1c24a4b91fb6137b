"""What a record's values may be, whoever sends them: the API, a page's form or a command.

One place, called by `Gate.write` before anything is saved (so no caller can skip it), by the
API's input schemas (ids, text) and by the forms' date fields (for their own messages). A value
that passes is one both databases can store and read back, and one that makes sense for the
record: a contact between 1900 and tomorrow, a date of birth that gives an age a person can
have, an outcome that does not end before it starts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone

# PostgreSQL's bigint, and so every primary key: a larger id names nothing and cannot be sent.
MAX_ID = 2**63 - 1
EARLIEST = date(1900, 1, 1)
OLDEST = 120  # years: an age anyone the service holds (a child, a parent, a victim) could have
PLANNED_YEARS = 10  # how far ahead a plan, order, report or review can be set
# NUL (PostgreSQL text cannot hold it) and lone UTF-16 surrogates (not Unicode text at all:
# neither database can encode them).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def as_id(text: str) -> int | None:
    """A number typed or posted as an id (or a page, a version): None unless it is 1 to
    MAX_ID. Past that nothing can exist, and the database (or Python's int, past 4,300
    digits) would raise instead of answering."""
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Span:
    """The dates a field may hold, worked out from today (the service's local date)."""

    earliest: Callable[[date], date]
    latest: Callable[[date], date]
    too_early: str  # "{label} must be ..." with {date}
    too_late: str


# Things that have happened: not before 1900, and not after tomorrow (a day of leeway for an
# integration whose clock or time zone runs ahead of ours).
HAPPENED = Span(
    lambda today: EARLIEST,
    lambda today: today + timedelta(days=1),
    "{label} must be on or after {date}",
    "{label} must be today or in the past",
)
# Things planned: a plan, an order, a report due, a review; not more than ten years ahead.
PLANNED = Span(
    lambda today: EARLIEST,
    lambda today: today.replace(year=today.year + PLANNED_YEARS),
    "{label} must be on or after {date}",
    "{label} must be before {date}",
)
BIRTH = Span(
    lambda today: _years_before(today, OLDEST),
    lambda today: today,
    "{label} must be after {date}",
    "{label} must be today or in the past",
)

# record (a model's name) -> field -> span. Every date and time a person or integration sends.
DATES: dict[str, dict[str, Span]] = {
    "person": {"date_of_birth": BIRTH, "last_contact_on": HAPPENED},
    "personflag": {"started_on": HAPPENED, "ended_on": PLANNED},
    "recordedevent": {"on": HAPPENED},
    "case": {"opened_on": HAPPENED, "closed_on": HAPPENED},
    "contact": {"occurred_at": HAPPENED},
    "assessment": {"completed_on": HAPPENED},
    "plan": {"starts_on": PLANNED, "review_on": PLANNED},
    "planaction": {"due_on": PLANNED, "done_on": HAPPENED},
    "offence": {"committed_on": HAPPENED},
    "victimlink": {"consent_recorded_on": HAPPENED, "rj_recorded_on": HAPPENED},
    "outcome": {"starts_on": PLANNED, "ends_on": PLANNED},
    "report": {"due_on": PLANNED, "copy_given_on": HAPPENED},
    "legalhold": {"review_on": PLANNED},
}
# record -> (earlier field, later field, may they be the same day, message).
ORDER: dict[str, tuple[tuple[str, str, bool, str], ...]] = {
    "case": (("opened_on", "closed_on", True, "must be on or after the date the case opened"),),
    "personflag": (("started_on", "ended_on", True, "must be on or after the start date"),),
    "plan": (("starts_on", "review_on", False, "must be after the start date"),),
    "outcome": (("starts_on", "ends_on", True, "must be the same as or after the start date"),),
}


def label_of(model: type[models.Model], name: str) -> str:
    field = _field(model, name)
    verbose = str(field.verbose_name) if field is not None else name.replace("_", " ")
    return verbose[:1].upper() + verbose[1:]


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            # Compared in UTC, as it is stored: -14:00 on 31 December 9999 is year 10000 there.
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                return date.max if value.year > 1 else date.min
        return value.date()
    return value


def date_problem(record: str, name: str, value: Any, label: str) -> str | None:
    """Why `value` cannot be the `name` of a `record` ("{label} must be ..."), or None if it
    can (or the field has no span)."""
    span = DATES.get(record, {}).get(name)
    if span is None or not isinstance(value, date):
        return None
    today = timezone.localdate()
    day = _as_date(value)
    earliest, latest = span.earliest(today), span.latest(today)
    if day < earliest:
        return span.too_early.format(label=label, date=f"{earliest:%-d %B %Y}")
    if day > latest:
        return span.too_late.format(label=label, date=f"{latest:%-d %B %Y}")
    return None


def order_problems(
    record: str, values: Mapping[str, Any], label: Callable[[str], str]
) -> dict[str, str]:
    """Dates out of order ("{label} must be after the start date"), by the later field."""
    found = {}
    for earlier, later, same_day, message in ORDER.get(record, ()):
        first, last = values.get(earlier), values.get(later)
        if first is None or last is None:
            continue
        if last < first or (last == first and not same_day):
            found[later] = f"{label(later)} {message}"
    return found


def text_problem(value: Any) -> str | None:
    if isinstance(value, str) and UNSTORABLE.search(value):
        return "must not contain NUL characters or unpaired surrogates"
    return None


def check(obj: models.Model, names: Iterable[str]) -> None:
    """Check the fields `names` of `obj` (their new values already set on it), and the order
    of dates that depend on them (against the other date as held): the rules above, then
    Django's own field checks (choices, lengths, emails). ValidationError, by field."""
    model = type(obj)
    record = str(model._meta.model_name)
    names = list(dict.fromkeys(names))
    errors: dict[str, list[str]] = {}
    for name in names:
        value = getattr(obj, name, None)
        field = _field(model, name)
        label = label_of(model, name)
        if value is None and field is not None and not field.null:
            # Django's clean_fields() lets None through for a field that may be blank.
            errors[name] = [f"{label} cannot be null"]
            continue
        problem = text_problem(value)
        if problem is not None:
            errors[name] = [f"{label} {problem}"]
            continue
        problem = date_problem(record, name, value, label)
        if problem is not None:
            errors[name] = [problem]
    every = {f.name for f in model._meta.concrete_fields}
    try:
        obj.clean_fields(exclude=every - (set(names) - set(errors)))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if any(name in names for pair in ORDER.get(record, ()) for name in pair[:2]):
        held = {name: getattr(obj, name, None) for pair in ORDER[record] for name in pair[:2]}
        for name, message in order_problems(
            record, {k: v for k, v in held.items() if k not in errors}, partial(label_of, model)
        ).items():
            errors.setdefault(name, []).append(message)
    if errors:
        raise ValidationError(errors)


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None
