"""Every record field Safehold stores belongs to exactly one data category of a pack.

The gate reads, writes and redacts by category, and withholds from everyone a field no
category holds; so each shipped pack must place every field of `FIELDS`, and place the
fields the law treats specially (health, ethnic origin, offences) in categories marked so.
The checks that enforce this are tested here too, on the minimal pack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from safehold.policy.loader import LoadResult, load_bytes, load_file
from safehold.policy.schema import Pack
from safehold.records.fields import CRIMINAL_OFFENCE_FIELDS, FIELDS, SPECIAL_CATEGORY_FIELDS
from tests.builders import PACK_FILES, minimal
from tests.policy.helpers import by_code, holder

# Article 9 data wherever a pack holds it.
SPECIAL_FIELDS = sorted(SPECIAL_CATEGORY_FIELDS)
OFFENCE_FIELDS = sorted(CRIMINAL_OFFENCE_FIELDS)


def _load(path: Path) -> Pack:
    result = load_file(path)
    assert result.pack is not None and not result.errors, result.problems
    return result.pack


@pytest.fixture(scope="module", params=PACK_FILES, ids=[p.stem for p in PACK_FILES])
def shipped(request: pytest.FixtureRequest) -> Pack:
    return _load(request.param)


def test_packs_are_shipped():
    assert {p.stem for p in PACK_FILES} >= {
        "cambridgeshire-yos",
        "leicestershire-cfws",
        "luton-yps",
    }


# --- the shipped packs ------------------------------------------------------------------------


def test_every_field_is_held_by_exactly_one_category(shipped: Pack):
    held: dict[str, list[str]] = {}
    for category in shipped.categories:
        for name in category.holds:
            held.setdefault(name, []).append(category.code)
    assert set(held) - FIELDS == set(), "a category holds a field Safehold does not record"
    assert sorted(FIELDS - set(held)) == [], "no category holds these fields"
    assert {name: codes for name, codes in held.items() if len(codes) > 1} == {}


def test_no_category_lists_a_field_twice(shipped: Pack):
    for category in shipped.categories:
        assert len(category.holds) == len(set(category.holds)), category.code


@pytest.mark.parametrize("field", SPECIAL_FIELDS)
def test_health_is_held_as_special_category_data(shipped: Pack, field: str):
    assert by_code(shipped.categories, holder(shipped, field)).special_category


def test_ethnicity(shipped: Pack):
    """Held in a special category where the notice names it; a pack that has a category for
    ethnicity holds the field there."""
    # Ethnic origin is Article 9 data whether or not a notice names it; the packs whose notice
    # is silent hold it in an 'ethnicity' category marked as assumed.
    category = by_code(shipped.categories, holder(shipped, "person.ethnicity"))
    assert category.code == "ethnicity"
    assert category.special_category


@pytest.mark.parametrize("field", OFFENCE_FIELDS)
def test_offences_are_held_as_criminal_offence_data(shipped: Pack, field: str):
    assert by_code(shipped.categories, holder(shipped, field)).criminal_offence


def test_every_purpose_using_special_or_offence_fields_states_its_condition(shipped: Pack):
    """A field is only as protected as the purposes that use its category."""
    categories = {c.code: c for c in shipped.categories}
    for purpose in shipped.purposes:
        used = [categories[code] for code in purpose.categories]
        if any(c.special_category and c.holds for c in used):
            assert purpose.special_category_conditions, purpose.code
        if any(c.criminal_offence and c.holds for c in used):
            assert purpose.criminal_offence_conditions, purpose.code


def test_no_holds_warning_for_shipped_packs():
    for path in PACK_FILES:
        result = load_file(path)
        assert not [w for w in result.warnings if "no category holds" in w.message], path.stem


# --- the checks, on the minimal pack ------------------------------------------------------------


def categories(**holds: list[str]) -> list[dict[str, Any]]:
    """The minimal pack's three categories, each holding the fields given for its code."""
    return [
        {"code": "identity", "name": "Names", "holds": holds.get("identity", [])},
        {
            "code": "health",
            "name": "Health",
            "special_category": True,
            "holds": holds.get("health", []),
        },
        {
            "code": "offending",
            "name": "Offences",
            "criminal_offence": True,
            "holds": holds.get("offending", []),
        },
    ]


def everything(**extra: list[str]) -> list[dict[str, Any]]:
    """Categories holding every field once (health and offences where they belong), plus any
    `extra` fields appended to a category."""
    rest = sorted(FIELDS - set(SPECIAL_FIELDS) - set(OFFENCE_FIELDS))
    holds = {"identity": rest, "health": list(SPECIAL_FIELDS), "offending": OFFENCE_FIELDS}
    return categories(**{code: holds[code] + extra.get(code, []) for code in holds})


def load(text: str) -> LoadResult:
    return load_bytes(text.encode())


def lines_of(text: str, needle: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]


def test_every_field_held_is_clean():
    result = load(minimal(categories=everything()))
    assert result.ok, result.problems
    assert result.problems == []


def test_an_unknown_field_is_an_error_with_a_suggestion():
    text = minimal(categories=everything(identity=["person.ethnicty"]))
    result = load(text)
    (error,) = result.errors
    assert "'person.ethnicty' is not a field Safehold records" in error.message
    assert "did you mean 'person.ethnicity'" in error.message
    assert [error.line] == lines_of(text, "person.ethnicty")


def test_an_unknown_field_with_nothing_close_names_no_suggestion():
    result = load(minimal(categories=everything(identity=["widget.colour"])))
    (error,) = result.errors
    assert "'widget.colour' is not a field Safehold records" in error.message
    assert "did you mean" not in error.message


def test_a_field_in_two_categories_is_an_error_naming_the_first():
    # person.sex is held by identity; the health category claims it too.
    text = minimal(categories=everything(health=["person.sex"]))
    result = load(text)
    first, second = lines_of(text, "- person.sex")
    (error,) = result.errors
    assert error.line == second
    assert "'person.sex' is already held by the category 'identity'" in error.message
    assert f"(line {first})" in error.message
    assert "exactly one category" in error.message


def test_a_field_twice_in_one_category_is_also_an_error():
    text = minimal(categories=everything(identity=["person.sex"]))
    result = load(text)
    first, second = lines_of(text, "- person.sex")
    (error,) = result.errors
    assert (error.line, f"(line {first})" in error.message) == (second, True)


def test_a_field_not_of_the_form_record_field_is_refused():
    result = load(minimal(categories=everything(identity=["Person.Given Name"])))
    assert not result.ok
    assert result.errors


def test_no_holds_is_a_warning_listing_every_field():
    result = load(minimal(categories=categories()))
    assert result.ok, result.errors
    (warning,) = [w for w in result.warnings if "no category holds" in w.message]
    assert f"no category holds {len(FIELDS)} of the record fields" in warning.message
    assert "the gate withholds them from everyone" in warning.message
    for name in FIELDS:
        assert name in warning.message


def test_a_field_left_out_is_named_in_the_warning():
    cats = everything()
    cats[0]["holds"] = [f for f in cats[0]["holds"] if f != "person.school"]
    result = load(minimal(categories=cats))
    assert result.ok, result.errors
    (warning,) = result.warnings
    assert warning.message == (
        "no category holds 1 of the record fields Safehold stores, so the gate withholds "
        "them from everyone: person.school"
    )
