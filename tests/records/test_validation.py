"""A record's rules (records/validation.py), whoever writes: Gate.write checks them, so the API,
the forms and any command (which all write through the gate) refuse the same values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone as dj_timezone

from safehold.access.gate import Gate
from safehold.audit.models import AuditEvent
from safehold.records import validation
from safehold.records.models import Contact, Outcome, Person, Plan
from tests.access.conftest import World

PLUS_14 = timezone(timedelta(hours=14))
MINUS_14 = timezone(timedelta(hours=-14))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_14), False),  # year 10000 in UTC
        (datetime(1, 1, 1, tzinfo=PLUS_14), False),  # year 0 in UTC
        (datetime(1899, 12, 31, 23, 0, tzinfo=UTC), False),
        (datetime(1900, 1, 1, 0, 0, tzinfo=UTC), True),
        (datetime(2025, 6, 1, 10, 0, tzinfo=UTC), True),
    ],
)
def test_a_contact_happened_between_1900_and_tomorrow(value: datetime, ok: bool) -> None:
    assert (validation.date_problem("contact", "occurred_at", value, "When") is None) is ok


def test_tomorrow_is_allowed_the_day_after_is_not() -> None:
    today = dj_timezone.localdate()
    assert validation.date_problem("offence", "committed_on", today + timedelta(1), "D") is None
    assert validation.date_problem("offence", "committed_on", today + timedelta(2), "D")


def test_a_date_of_birth_gives_an_age_someone_could_have() -> None:
    today = dj_timezone.localdate()
    born = "date_of_birth"
    assert validation.date_problem("person", born, today, "Born") is None
    assert validation.date_problem("person", born, date(today.year - 119, 1, 1), "Born") is None
    assert validation.date_problem("person", born, date(today.year - 121, 1, 1), "Born")
    assert validation.date_problem("person", born, date(9999, 1, 1), "Born")
    assert validation.date_problem("person", born, today + timedelta(1), "Born")


def test_dates_in_order() -> None:
    label = str.upper
    backwards = {"starts_on": date(2025, 2, 1), "ends_on": date(2025, 1, 1)}
    assert validation.order_problems("outcome", backwards, label) == {
        "ends_on": "ENDS_ON must be the same as or after the start date"
    }
    same = {"starts_on": date(2025, 2, 1), "review_on": date(2025, 2, 1)}
    assert set(validation.order_problems("plan", same, label)) == {"review_on"}
    assert validation.order_problems("outcome", {"starts_on": date(2025, 2, 1)}, label) == {}


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (
            Contact,
            {"kind": "phone", "occurred_at": datetime(9999, 12, 31, tzinfo=MINUS_14)},
            "occurred_at",
        ),
        (Contact, {"kind": "phone", "occurred_at": dj_timezone.now(), "notes": "a\x00b"}, "notes"),
        (Contact, {"kind": "phone", "occurred_at": dj_timezone.now(), "notes": "\ud800"}, "notes"),
        (Contact, {"kind": "phone", "occurred_at": dj_timezone.now(), "notes": None}, "notes"),
        (Contact, {"kind": "nope", "occurred_at": dj_timezone.now()}, "kind"),
        (
            Outcome,
            {"kind": "yro", "starts_on": date(2025, 2, 1), "ends_on": date(2025, 1, 1)},
            "ends_on",
        ),
        (Plan, {"kind": "safety", "starts_on": date(9999, 1, 1)}, "starts_on"),
    ],
)
def test_gate_write_refuses_what_the_record_cannot_hold(
    cambridgeshire: World, model: type, values: dict, field: str
) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    with pytest.raises(ValidationError) as raised:
        Gate(user).write(model(case=case, created_by=user), values, case=case)
    assert list(raised.value.message_dict) == [field]
    assert not model.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_gate_write_checks_a_person_too(cambridgeshire: World) -> None:
    user = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=user)
    person = Person.objects.get(pk=case.person_id)
    with pytest.raises(ValidationError):
        Gate(user).write(person, {"date_of_birth": date(9999, 1, 1)}, case=case)
    person.refresh_from_db()
    assert person.date_of_birth == date(2009, 5, 1)
