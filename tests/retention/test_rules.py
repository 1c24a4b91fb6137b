"""The evaluator: calendar arithmetic, conditions, and several rules at once, on pure data.

Every form of DESIGN.md's "Retention rules" is reckoned here with real dates; the notices'
own sentences, on the shipped packs and the database, are in test_notices.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from safehold.policy.schema import RetentionRule
from safehold.retention.rules import (
    NEVER,
    TO_COME,
    Basis,
    Facts,
    add_months,
    add_years,
    age_on,
    birthday,
    evaluate,
    needs,
    reckon,
    rules_for,
)
from tests.policy.test_retention_forms import load as load_text
from tests.policy.test_retention_forms import pack_text, rule


def keep_rule(
    keep: str, *, code: str = "rule", action: str = "destroy", **more: Any
) -> RetentionRule:
    data = {**rule(keep, action=action), "code": code, **more}
    return RetentionRule.model_validate(data)


def facts(flags: tuple[str, ...] = (), **events: Any) -> Facts:
    return Facts({k.replace("_", "-"): v for k, v in events.items()}, frozenset(flags))


def until(keep: str, f: Facts) -> date | None:
    answer = evaluate(keep_rule(keep).keep, f)
    assert answer.basis == Basis.DATED, answer
    return answer.until


# --- the calendar -------------------------------------------------------------------------------


def test_years_months_weeks_days():
    assert add_years(date(2008, 5, 1), 25) == date(2033, 5, 1)
    assert add_months(date(2024, 3, 31), 12) == date(2025, 3, 31)
    assert until("{for: 2 weeks, after: case-closed}", facts(case_closed=date(2024, 3, 31))) == (
        date(2024, 4, 14)
    )
    assert until("{for: 30 days, after: case-closed}", facts(case_closed=date(2024, 3, 31))) == (
        date(2024, 4, 30)
    )


def test_past_the_calendar_is_kept_to_its_end_not_an_error():
    # A date of birth in 9999 (refused now, but held from before) once raised in the planner.
    assert add_years(date(9999, 1, 1), 25) == date.max
    assert add_months(date(9999, 6, 1), 12) == date.max
    assert until("{for: 30 days, after: case-closed}", facts(case_closed=date(9999, 12, 20))) == (
        date.max
    )
    assert age_on(date(9999, 1, 1), date(2026, 1, 1)) < 0


@pytest.mark.parametrize(
    ("born", "age", "on"),
    [
        # A leap-day birthday is 1 March in a common year, never 28 February: not a day early.
        (date(2008, 2, 29), 18, date(2026, 3, 1)),
        (date(2008, 2, 29), 25, date(2033, 3, 1)),
        (date(2008, 2, 29), 24, date(2032, 2, 29)),  # 2032 is a leap year: the day itself
        (date(2008, 2, 29), 22, date(2030, 3, 1)),
        (date(2008, 2, 28), 18, date(2026, 2, 28)),
        (date(2008, 3, 1), 18, date(2026, 3, 1)),
    ],
)
def test_leap_day_birthdays(born: date, age: int, on: date):
    assert birthday(born, age) == on
    assert age_on(born, on) == age
    assert age_on(born, date.fromordinal(on.toordinal() - 1)) == age - 1


def test_month_ends_move_forward_not_back():
    """'12 months after' 29 February 2024 is 1 March 2025; one month after 31 January is
    1 March, never the end of February: a period is never cut short."""
    assert add_months(date(2024, 2, 29), 12) == date(2025, 3, 1)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 3, 1)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 3, 1)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 3, 1)
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)


# --- every form of the design brief, with real dates -----------------------------------------------

BORN = date(2008, 5, 1)
ENDED = date(2024, 3, 31)


@pytest.mark.parametrize(
    ("keep", "given", "expected"),
    [
        pytest.param(
            "{for: 25 years, after: date-of-birth}",
            facts(date_of_birth=BORN),
            date(2033, 5, 1),
            id="25 years from date of birth",
        ),
        pytest.param(
            "{if: {any: [{flag: looked-after}, {flag: child-protection-plan}]}, "
            "then: {for: 75 years, after: date-of-birth}}",
            facts(("child-protection-plan",), date_of_birth=BORN),
            date(2083, 5, 1),
            id="75 years if the child had a child protection plan",
        ),
        pytest.param(
            "{earliest: [{for: 5 years, after: case-closed}, {birthday: 18}]}",
            facts(date_of_birth=date(2010, 9, 15), case_closed=ENDED),
            date(2028, 9, 15),
            id="5 years after the service ended or the 18th birthday: the birthday first",
        ),
        pytest.param(
            "{earliest: [{for: 5 years, after: case-closed}, {birthday: 18}]}",
            facts(date_of_birth=date(2005, 1, 10), case_closed=date(2019, 3, 31)),
            date(2023, 1, 10),
            id="5 years after the service ended or the 18th birthday: the 18th first",
        ),
        pytest.param(
            "{for: 12 months, after: case-closed}",
            facts(case_closed=ENDED),
            date(2025, 3, 31),
            id="12 months after the service ended",
        ),
        pytest.param(
            "{if: {flag: sen}, then: {birthday: 26}, else: {birthday: 22}}",
            facts(date_of_birth=BORN),
            date(2030, 5, 1),
            id="destroyed on the 22nd birthday",
        ),
        pytest.param(
            "{if: {flag: sen}, then: {birthday: 26}, else: {birthday: 22}}",
            facts(("sen",), date_of_birth=BORN),
            date(2034, 5, 1),
            id="or the 26th where the young person has SEN",
        ),
        pytest.param(
            "{for: 10 years, after: last-contact}",
            facts(last_contact=date(2024, 6, 3)),
            date(2034, 6, 3),
            id="10 years after the last contact",
        ),
        pytest.param(
            "{for: 3 years, after: contract-ended}",
            facts(contract_ended=date(2027, 3, 31)),
            date(2030, 3, 31),
            id="3 years after the contract for the service ended",
        ),
        pytest.param(
            "{if: {age_at: {event: order-ended, at_least: 18}}, "
            "then: {for: 6 years, after: order-ended}}",
            facts(date_of_birth=date(2005, 7, 1), order_ended=date(2024, 1, 31)),
            date(2030, 1, 31),
            id="6 years from the end of a supervision order if the person was over 18",
        ),
    ],
)
def test_design_forms(keep: str, given: Facts, expected: date):
    assert until(keep, given) == expected


def test_age_condition_false_under_18_and_on_a_leap_day():
    keep = keep_rule(
        "{if: {age_at: {event: order-ended, at_least: 18}}, then: {for: 6 years, after: order-ended}}"
    ).keep
    # Born 29 February 2004: 17 on 28 February 2022, 18 on 1 March 2022.
    young = evaluate(keep, facts(date_of_birth=date(2004, 2, 29), order_ended=date(2022, 2, 28)))
    assert young.basis is None  # without 'else' the rule does not apply
    adult = evaluate(keep, facts(date_of_birth=date(2004, 2, 29), order_ended=date(2022, 3, 1)))
    assert adult.until == date(2028, 3, 1)


def test_age_condition_never_true_without_an_order():
    keep = keep_rule(
        "{if: {age_at: {event: order-ended, at_least: 18}}, then: {for: 6 years, after: order-ended}}"
    ).keep
    assert evaluate(keep, facts(date_of_birth=BORN, order_ended=NEVER)).basis is None


# --- what is not yet known --------------------------------------------------------------------


def test_an_open_case_waits_for_its_end():
    answer = evaluate(
        keep_rule("{for: 12 months, after: case-closed}").keep, facts(case_closed=TO_COME)
    )
    assert (answer.basis, answer.events) == (Basis.PENDING, ("case-closed",))


def test_an_event_still_to_come_never_shortens_a_period():
    """Earliest of (5 years after the end, 18th birthday) for an open case: the birthday may
    be past, but the end is not known, so no date yet."""
    keep = keep_rule("{earliest: [{for: 5 years, after: case-closed}, {birthday: 18}]}").keep
    answer = evaluate(keep, facts(date_of_birth=date(2000, 1, 1), case_closed=TO_COME))
    assert answer.basis == Basis.PENDING


def test_missing_date_of_birth_is_a_gap():
    answer = evaluate(keep_rule("{birthday: 25}").keep, facts())
    assert (answer.basis, answer.events) == (Basis.MISSING, ("date-of-birth",))
    assert answer.basis.is_gap


def test_conditions_are_three_valued():
    keep = keep_rule(
        "{if: {all: [{flag: sen}, {age_at: {event: order-ended, under: 18}}]}, then: {birthday: 26}}"
    ).keep
    # False beats unknown in 'all': no SEN, so the rule does not apply whatever the order.
    assert evaluate(keep, facts(date_of_birth=BORN, order_ended=TO_COME)).basis is None
    pending = evaluate(keep, facts(("sen",), date_of_birth=BORN, order_ended=TO_COME))
    assert (pending.basis, pending.events) == (Basis.PENDING, ("order-ended",))
    negated = keep_rule("{if: {not: {flag: sen}}, then: {birthday: 22}}").keep
    assert evaluate(negated, facts(("sen",), date_of_birth=BORN)).basis is None
    assert evaluate(negated, facts(date_of_birth=BORN)).until == date(2030, 5, 1)


def test_latest_of_two():
    keep = keep_rule("{latest: [{for: 6 years, after: case-closed}, {birthday: 25}]}").keep
    assert evaluate(keep, facts(date_of_birth=BORN, case_closed=ENDED)).until == date(2033, 5, 1)
    assert evaluate(keep, facts(date_of_birth=date(2000, 1, 1), case_closed=ENDED)).until == (
        date(2030, 3, 31)
    )


# --- several rules ------------------------------------------------------------------------------


def test_longest_wins_and_names_its_rule():
    short = keep_rule("{birthday: 25}", code="short", action="destroy")
    long = keep_rule(
        "{if: {flag: looked-after}, then: {birthday: 75}}", code="long", action="destroy"
    )
    plain = reckon([short, long], facts(date_of_birth=BORN))
    assert (plain.basis, plain.keep_until, plain.rule_code) == (
        Basis.DATED,
        date(2033, 5, 1),
        "short",
    )
    looked_after = reckon([short, long], facts(("looked-after",), date_of_birth=BORN))
    assert (looked_after.keep_until, looked_after.rule_code) == (date(2083, 5, 1), "long")


def test_a_tie_goes_to_the_more_careful_action():
    destroy = keep_rule("{birthday: 25}", code="destroy", action="destroy")
    review = keep_rule("{for: 25 years, after: date-of-birth}", code="review", action="review")
    assert reckon([destroy, review], facts(date_of_birth=BORN)).rule_code == "review"


def test_a_gap_in_any_applying_rule_is_a_gap_of_the_unit():
    dated = keep_rule("{for: 5 years, after: case-closed}", code="dated")
    gap = keep_rule(
        "{if: {flag: looked-after}, then: {no_period_stated: Not published.}}", code="gap"
    )
    assert reckon([dated, gap], facts(case_closed=ENDED)).keep_until == date(2029, 3, 31)
    flagged = reckon([dated, gap], facts(("looked-after",), case_closed=ENDED))
    assert (flagged.basis, flagged.keep_until, flagged.rule_code) == (Basis.NO_PERIOD, None, "gap")
    assert flagged.note == "no period stated: Not published."


def test_no_rule_is_a_gap():
    only_looked_after = keep_rule("{if: {flag: looked-after}, then: {birthday: 75}}")
    answer = reckon([only_looked_after], facts(date_of_birth=BORN))
    assert (answer.basis, answer.rule) == (Basis.NO_RULE, None)
    assert reckon([], facts()).basis == Basis.NO_RULE


def test_rules_by_unit_and_service():
    result = load_text(
        pack_text(
            {**rule("{birthday: 25}"), "code": "orders", "services": ["court-orders"]},
            {**rule("{birthday: 18}"), "code": "everyone"},
            {**rule("{birthday: 30}"), "code": "people", "unit": "person"},
        )
    )
    assert result.pack is not None, result.errors
    pack = result.pack
    assert [r.code for r in rules_for(pack, "case-file", "court-orders")] == ["orders", "everyone"]
    assert [r.code for r in rules_for(pack, "case-file", "other")] == ["everyone"]
    assert [r.code for r in rules_for(pack, "person")] == ["people"]


def test_needs_reads_only_what_the_rules_name():
    found = needs(
        [
            keep_rule("{earliest: [{for: 5 years, after: case-closed}, {birthday: 18}]}"),
            keep_rule(
                "{if: {any: [{flag: sen}, {age_at: {event: order-ended, under: 18}}]}, then: {birthday: 26}}"
            ),
        ]
    )
    assert found.events == {"case-closed", "date-of-birth", "order-ended"}
    assert found.flags == {"sen"}
