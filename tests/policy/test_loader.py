"""Reading pack files: every problem with its line, and hostile input refused cleanly."""

from __future__ import annotations

import pytest

from safehold.policy.loader import load_bytes, load_file
from tests.builders import MINIMAL, minimal


def messages(text: str | bytes, **limits: int) -> list[str]:
    raw = text.encode() if isinstance(text, str) else text
    return [
        f"{p.line}:{p.column}: {p.level}: {p.message}" for p in load_bytes(raw, **limits).problems
    ]


def test_minimal_pack_is_valid() -> None:
    result = load_bytes(MINIMAL.encode())
    assert result.ok, result.problems
    assert result.pack is not None and result.pack.code == "test-yjs"


def test_every_problem_is_reported_with_its_line() -> None:
    broken = MINIMAL.replace("keep: {birthday: 25}", "keep: {for: 5 yaers, after: case-closd}")
    broken = broken.replace("conditions: [required-by-law]", "conditions: [whenever]")
    broken = broken.replace('categories: ["*"]', "categories: [helth]")
    found = messages(broken)
    lines = broken.splitlines()
    keep_line = next(i for i, line in enumerate(lines, 1) if "5 yaers" in line)
    share_line = next(i for i, line in enumerate(lines, 1) if "helth" in line)
    assert any(m.startswith(f"{keep_line}:") and "'5 yaers' is not a period" in m for m in found)
    assert any("did you mean '5 years'" in m for m in found)
    assert any(
        m.startswith(f"{keep_line}:") and "'case-closd', an event that does not exist" in m
        for m in found
    )
    assert any(m.startswith(f"{share_line}:") and "'whenever' is not allowed" in m for m in found)
    assert any(
        m.startswith(f"{share_line}:") and "data category 'helth'" in m and "'health'" in m
        for m in found
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {
                "purposes": [
                    {
                        "code": "p",
                        "name": "P",
                        "categories": ["health"],
                        "lawful_basis": ["public-task"],
                    }
                ]
            },
            "uses special category data (health) but states no Article 9 condition",
        ),
        (
            {
                "purposes": [
                    {
                        "code": "p",
                        "name": "P",
                        "categories": ["offending"],
                        "lawful_basis": ["public-task"],
                    }
                ]
            },
            "uses criminal offence data (offending) but states no Article 10 condition",
        ),
        (
            {
                "subjects": [
                    {"code": "young-person", "name": "A"},
                    {"code": "young-person", "name": "B"},
                ]
            },
            "the data subject code 'young-person' is used twice",
        ),
        (
            {
                "recipients": [
                    {
                        "code": "police",
                        "name": "Police",
                        "shares": [{"categories": ["offences"], "conditions": ["always"]}],
                    }
                ]
            },
            "names the data category 'offences', which the pack does not define (the pack's categories are: identity, health, offending)",
        ),
        (
            {
                "purposes": [
                    {
                        "code": "p",
                        "name": "P",
                        "categories": ["identity"],
                        "lawful_basis": ["public-tasks"],
                    }
                ]
            },
            "'public-tasks' is not a known Article 6 lawful basis",
        ),
        (
            {
                "recipients": [
                    {
                        "code": "us",
                        "name": "US cloud",
                        "country": "United States",
                        "shares": [{"categories": ["identity"], "conditions": ["always"]}],
                    }
                ]
            },
            "information is not sent outside the UK",
        ),
        ({"bogus": 1}, "'bogus' is not something a pack can say here"),
        ({"code": "Test YJS"}, "'Test YJS' is not a valid code"),
    ],
)
def test_errors_in_words_a_dpo_understands(change: dict[str, object], expected: str) -> None:
    result = load_bytes(minimal(**change).encode())
    assert not result.ok
    assert any(expected in p.message and p.level == "error" for p in result.problems), [
        p.message for p in result.problems
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {
                "recipients": [
                    {"code": "police", "name": "Police", "shares": [{"categories": ["identity"]}]}
                ]
            },
            "recipient 'police' has no stated condition for sharing",
        ),
        (
            {
                "retention": [
                    {
                        "code": "r",
                        "name": "R",
                        "statement": "S",
                        "unit": "case-file",
                        "categories": ["identity"],
                        "keep": {"birthday": 25},
                    }
                ]
            },
            "no retention rule covers the category 'health'",
        ),
        (
            {
                "retention": [
                    {
                        "code": "r",
                        "name": "R",
                        "statement": "S",
                        "unit": "case-file",
                        "keep": {"no_period_stated": "the schedule is not published"},
                    }
                ]
            },
            "states no retention period",
        ),
    ],
)
def test_gaps_are_warnings_not_errors(change: dict[str, object], expected: str) -> None:
    result = load_bytes(minimal(**change).encode())
    assert result.ok, [p.message for p in result.errors]
    assert any(expected in p.message for p in result.warnings), [p.message for p in result.warnings]


def test_missing_field_is_reported_at_its_section() -> None:
    text = MINIMAL.replace("    statement: Case files are kept until the 25th birthday.\n", "")
    result = load_bytes(text.encode())
    problem = next(p for p in result.errors if "'statement' is required" in p.message)
    assert problem.line == text.splitlines().index("  - code: case-file") + 1


def test_duplicate_key_is_an_error_with_both_lines() -> None:
    text = MINIMAL.replace("name: Test Youth Justice Service", "name: A\nname: B")
    found = messages(text)
    assert any(
        m.startswith("4:1: error: 'name' is written twice") and "first at line 3" in m
        for m in found
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "the file is empty"),
        (b"   \n# just a comment\n", "the file is empty"),
        (b"schema_version: 1\ncode: [unclosed\n", "not valid YAML"),
        (b"code: a\n  bad indent: b\n", "not valid YAML"),
        (b"- a\n- b\n", "a pack is a set of named sections"),
        (b"code: caf\xe9\n", "not UTF-8"),
        (b"code: a\x00b\n", "NUL character"),
    ],
)
def test_bad_files_get_a_clear_error(raw: bytes, expected: str) -> None:
    result = load_bytes(raw)
    assert not result.ok and result.pack is None
    assert len(result.errors) == 1
    assert expected in result.errors[0].message


def test_yaml_tags_are_refused_not_obeyed() -> None:
    text = MINIMAL.replace(
        "name: Test Youth Justice Service", "name: !!python/object/apply:os.system [echo hi]"
    )
    result = load_bytes(text.encode())
    assert [p.message for p in result.errors] == [
        "the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed in a pack"
    ]
    assert result.errors[0].line == 3


def test_non_utf8_error_names_the_line() -> None:
    result = load_bytes(b"schema_version: 1\ncode: ok\nname: Caf\xe9\n")
    assert (result.errors[0].line, result.errors[0].column) == (3, 10)


def test_ten_megabyte_file_is_refused_before_reading(tmp_path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (1024 * 1024))
    result = load_file(big)
    assert not result.ok and "a pack may be at most 1.0 MiB" in result.errors[0].message


def test_a_million_entries_is_refused() -> None:
    million = ("codes: [" + ",".join("a" for _ in range(1_000_000)) + "]\n").encode()
    assert "may be at most" in load_bytes(million).errors[0].message
    # Even with the size limit lifted, the entry limit stops it while it is being read.
    result = load_bytes(million, max_bytes=10 * 1024 * 1024)
    assert "more than 50,000 entries" in result.errors[0].message


def test_alias_bomb_is_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for name, prev in zip("bcdefghij", "abcdefghi", strict=True):
        bomb += f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    result = load_bytes(bomb.encode())
    assert "through YAML aliases" in result.errors[0].message


def test_deep_nesting_is_refused() -> None:
    result = load_bytes(("a: " + "[" * 5000 + "]" * 5000 + "\n").encode())
    assert not result.ok and result.errors


def test_missing_file_and_folder(tmp_path) -> None:
    assert "there is no file" in load_file(tmp_path / "nope.yaml").errors[0].message
    assert "is a folder" in load_file(tmp_path).errors[0].message


# --- statistics-only roles -------------------------------------------------------------------

ANALYST = {"code": "analyst", "name": "Performance analyst", "statistics_only": True}
HEALTH_GRANT = {
    "categories": ["health"],
    "actions": ["read", "export"],
    "relationship": "controller",
}


def test_grants_on_a_statistics_role_are_warned_of_at_their_line() -> None:
    """The gate shows a statistics-only role no person or case whatever its grants: a pack
    that grants it something is told, where it does so, that the grant reaches no one."""
    text = minimal(roles=[{**ANALYST, "grants": [HEALTH_GRANT]}])
    result = load_bytes(text.encode())
    assert result.ok, [p.message for p in result.errors]
    (warning,) = [w for w in result.warnings if "statistics" in w.message]
    assert "role 'analyst' is for statistics only" in warning.message
    assert "reach no person or case" in warning.message
    grants_line = next(i for i, line in enumerate(text.splitlines(), 1) if "grants:" in line)
    assert warning.line in {grants_line, grants_line + 1}


def test_a_statistics_role_without_grants_and_an_ordinary_role_with_them_are_quiet() -> None:
    officer = {"code": "officer", "name": "Officer", "grants": [HEALTH_GRANT]}
    result = load_bytes(minimal(roles=[ANALYST, officer]).encode())
    assert result.ok and not [w for w in result.warnings if "statistics" in w.message]


@pytest.mark.parametrize(
    "power", ["break_glass", "allocates_cases", "manages_policy", "approves_disclosures"]
)
def test_a_statistics_role_with_a_power_over_records_is_an_error(power: str) -> None:
    result = load_bytes(minimal(roles=[{**ANALYST, power: True}]).encode())
    assert not result.ok
    assert any(
        p.level == "error" and f"'{power}'" in p.message and "statistics only" in p.message
        for p in result.problems
    ), [p.message for p in result.problems]


# --- who holds cases ------------------------------------------------------------------------

WORKER = {
    "code": "worker",
    "name": "Worker",
    "grants": [{"categories": ["*"], "actions": ["read"]}],
}
MANAGER = {
    "code": "manager",
    "name": "Manager",
    "allocates_cases": True,
    "grants": [{"categories": ["*"], "actions": ["read"], "relationship": "team"}],
}


def roles_of(*roles: dict[str, object]) -> dict[str, bool]:
    result = load_bytes(minimal(roles=list(roles)).encode())
    assert result.pack is not None, [p.message for p in result.problems]
    return {role.code: role.holds_cases for role in result.pack.roles}


def test_a_role_holds_cases_by_default_when_it_works_on_its_allocated_cases() -> None:
    statistics = {
        "code": "analyst",
        "name": "Analyst",
        "statistics_only": True,
        "grants": [{"categories": ["identity"], "actions": ["read"]}],
    }
    assert roles_of(WORKER, MANAGER, statistics) == {
        "worker": True,
        "manager": False,
        "analyst": False,
    }
    # The pack's word wins either way.
    assert roles_of({**WORKER, "holds_cases": False}, {**MANAGER, "holds_cases": True}) == {
        "worker": False,
        "manager": True,
    }


@pytest.mark.parametrize(
    ("roles", "level", "expected"),
    [
        (
            [MANAGER],
            "warning",
            "role 'manager' allocates cases, but no role of the pack holds them",
        ),
        (
            [{"code": "reader", "name": "Reader", "holds_cases": True}],
            "warning",
            "role 'reader' holds cases but no grant lets it read them",
        ),
        (
            [{**WORKER, "statistics_only": True, "holds_cases": True}],
            "error",
            "role 'worker' is statistics-only, so it cannot hold cases",
        ),
    ],
)
def test_who_holds_cases_is_checked(
    roles: list[dict[str, object]], level: str, expected: str
) -> None:
    text = minimal(roles=roles)
    found = load_bytes(text.encode()).problems
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "roles:" in row)
    assert any(p.level == level and expected in p.message and p.line > line for p in found), [
        p.message for p in found
    ]
    assert not any(
        expected in p.message
        for p in load_bytes(minimal(roles=[WORKER, MANAGER]).encode()).problems
    )
