"""Retention rules and sharing conditions in plain English."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from safehold.policy.loader import load_bytes
from safehold.policy.schema import Condition, Keep, Pack
from safehold.policy.wording import (
    describe_conditions,
    describe_keep,
    has_gap,
    join_words,
    ordinal,
)
from tests.builders import minimal

KEEP: TypeAdapter[Any] = TypeAdapter(Keep)


@pytest.fixture(scope="module")
def pack() -> Pack:
    text = minimal(
        flags=[
            {"code": "looked-after", "name": "Looked after by the Local Authority"},
            {"code": "child-protection-plan", "name": "Subject of a Child Protection Plan"},
            {"code": "sen", "name": "Has special educational needs"},
        ],
        events=[
            {"code": "contract-ended", "name": "Contract for the service ended", "of": "service"},
        ],
    )
    result = load_bytes(text.encode())
    assert result.pack is not None, result.problems
    return result.pack


def words(keep: dict[str, Any], pack: Pack | None = None, **options: bool) -> str:
    return describe_keep(KEEP.validate_python(keep), pack, **options)


def test_birthday() -> None:
    assert words({"birthday": 25}) == "until the 25th birthday"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinals(number: int, expected: str) -> None:
    assert ordinal(number) == expected


def test_period_after_builtin_event() -> None:
    assert words({"for": "12 months", "after": "case-closed"}) == (
        "12 months after the date the service ended"
    )
    assert words({"for": "1 year", "after": "last-contact"}) == (
        "1 year after the last contact with the person"
    )


def test_event_declared_by_the_pack(pack: Pack) -> None:
    assert words({"for": "3 years", "after": "contract-ended"}, pack) == (
        "3 years after the contract for the service ended"
    )


def test_whichever_is_first() -> None:
    keep = {"earliest": [{"for": "5 years", "after": "case-closed"}, {"birthday": 18}]}
    assert words(keep) == (
        "5 years after the date the service ended or until the 18th birthday, whichever is first"
    )


def test_whichever_is_last() -> None:
    keep = {"latest": [{"birthday": 25}, {"for": "10 years", "after": "last-contact"}]}
    assert words(keep).endswith("whichever is last")


def test_condition_on_flags_uses_the_packs_names(pack: Pack) -> None:
    keep = {
        "if": {"any": [{"flag": "looked-after"}, {"flag": "child-protection-plan"}]},
        "then": {"birthday": 75},
    }
    assert words(keep, pack) == (
        "until the 75th birthday if looked after by the Local Authority "
        "or subject of a Child Protection Plan"
    )


def test_condition_with_otherwise(pack: Pack) -> None:
    keep = {"if": {"flag": "sen"}, "then": {"birthday": 26}, "else": {"birthday": 22}}
    assert words(keep, pack) == (
        "until the 26th birthday if has special educational needs; otherwise until the 22nd birthday"
    )


def test_age_condition() -> None:
    keep = {
        "if": {"age_at": {"event": "order-ended", "at_least": 18}},
        "then": {"for": "6 years", "after": "order-ended"},
    }
    assert words(keep) == (
        "6 years after the end of the court order if aged 18 or over at the end of the court order"
    )


def test_negated_and_nested_conditions(pack: Pack) -> None:
    assert words({"if": {"not": {"flag": "looked-after"}}, "then": {"birthday": 25}}, pack) == (
        "until the 25th birthday if not looked after by the Local Authority"
    )
    nested = {
        "if": {
            "all": [
                {"flag": "sen"},
                {"any": [{"flag": "looked-after"}, {"flag": "child-protection-plan"}]},
            ]
        },
        "then": {"birthday": 30},
    }
    assert "has special educational needs and (looked after by the Local Authority or " in words(
        nested, pack
    )
    neither = {
        "if": {"not": {"any": [{"flag": "sen"}, {"flag": "looked-after"}]}},
        "then": {"birthday": 18},
    }
    assert "if neither has special educational needs nor looked after" in words(neither, pack)
    under = {
        "if": {"not": {"age_at": {"event": "order-ended", "at_least": 18}}},
        "then": {"birthday": 18},
    }
    assert words(under).endswith("if under 18 at the end of the court order")


def test_condition_inside_whichever(pack: Pack) -> None:
    keep = {
        "earliest": [
            {"if": {"flag": "sen"}, "then": {"birthday": 26}},
            {"for": "5 years", "after": "case-closed"},
        ]
    }
    assert words(keep, pack) == (
        "(until the 26th birthday if has special educational needs) or "
        "5 years after the date the service ended, whichever is first"
    )


def test_no_period_is_a_gap() -> None:
    keep = {"no_period_stated": "The retention schedule is not published."}
    text = words(keep)
    assert text.startswith("no period is stated")
    assert "retention schedule is not published" in text
    assert has_gap(KEEP.validate_python({"earliest": [keep, {"birthday": 18}]}))
    assert not has_gap(KEEP.validate_python({"birthday": 18}))


def test_second_person() -> None:
    assert words({"birthday": 22}, you=True) == "until your 22nd birthday"


def test_unknown_codes_still_read() -> None:
    assert words({"for": "2 years", "after": "panel-review"}) == "2 years after the panel review"


def test_condition_words() -> None:
    assert describe_conditions([Condition.CONSENT, Condition.REQUIRED_BY_LAW]) == (
        "if you agree or when the law requires us to"
    )
    assert describe_conditions(["safeguarding-risk"]) == (
        "when there is a risk to the safety of you or other people"
    )
    assert describe_conditions([]) == "not stated"


def test_join_words() -> None:
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"], "or") == "a or b"
    assert join_words(["a", "b", "c"]) == "a, b and c"


# --- issue 12: the new retention forms, regenerated as sentences -----------------------------


def _rule(pack_yaml_rule: str, **extra: Any) -> Any:
    from safehold.policy.schema import RetentionRule

    keep = yaml_load(pack_yaml_rule)
    return RetentionRule.model_validate(
        {
            "code": "r",
            "name": "R",
            "statement": "S.",
            "unit": "case-file",
            "keep": keep,
            **extra,
        }
    )


def yaml_load(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def test_a_floor_in_words() -> None:
    """Luton's sentenced rule, with its floor."""
    from safehold.policy.wording import describe_rule

    rule = _rule(
        "{earliest: [{for: 5 years, after: case-closed}, {birthday: 18}]}",
        not_before="case-closed",
    )
    assert describe_rule(rule) == (
        "5 years after the date the service ended or until the 18th birthday, whichever is "
        "first, but never before the date the service ended"
    )


def test_the_young_persons_birthday_and_goes_with_in_words() -> None:
    assert describe_keep(KEEP.validate_python({"birthday": 25, "of": "young-person"})) == (
        "until the young person's 25th birthday"
    )
    # Never "your" 25th birthday: the reader is the family member.
    assert describe_keep(
        KEEP.validate_python({"birthday": 25, "of": "young-person"}), you=True
    ) == ("until the young person's 25th birthday")
    assert describe_keep(KEEP.validate_python({"goes_with": "case-file"})) == (
        "for as long as the case files it belongs to are kept, and no longer"
    )


def test_how_an_unrecorded_fact_is_read_in_words() -> None:
    from safehold.policy.wording import describe_rule

    text = minimal(
        flags=[
            {
                "code": "licence",
                "name": "The order was a licence",
                "of": "case",
                "unknown": "longer",
            },
            {"code": "looked-after", "name": "Looked after by the Local Authority"},
        ],
    )
    result = load_bytes(text.encode())
    assert result.pack is not None
    licence = _rule("{if: {flag: licence}, then: {for: 10 years, after: case-closed}}")
    assert describe_rule(licence, result.pack) == (
        "10 years after the date the service ended if the order was a licence; where it is "
        "not recorded whether the order was a licence, the longer period applies"
    )
    looked_after = _rule("{if: {flag: looked-after}, then: {birthday: 75}}")
    assert describe_rule(looked_after, result.pack) == (
        "until the 75th birthday if looked after by the Local Authority; where it is not "
        "recorded whether looked after by the Local Authority, a person reviews it before "
        "anything is deleted"
    )


def test_an_end_of_contract_in_words(pack: Pack) -> None:
    keep = KEEP.validate_python({"for": "3 years", "after": "contract-ended"})
    assert describe_keep(keep, pack) == "3 years after the contract for the service ended"
