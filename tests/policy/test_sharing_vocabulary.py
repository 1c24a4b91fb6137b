"""The sharing vocabulary in a pack: gateways, consent dependence, overrides, items, time
conditions and extracts; every problem named with its line."""

from __future__ import annotations

from typing import Any

import pytest

from safehold.policy.loader import load_bytes
from safehold.sharing.items import initials, postcode_district
from tests.builders import minimal

GATEWAYS = [
    {"code": "agreement", "name": "Your agreement", "kind": "consent"},
    {"code": "order", "name": "A court order", "kind": "court-order", "legislation": ["cda-1998"]},
]


def recipient(**share: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": "police",
            "name": "Police",
            "shares": [{"categories": ["identity"], "conditions": ["consent"], **share}],
        }
    ]


def problems(**sections: Any) -> list[str]:
    text = minimal(gateways=GATEWAYS, **sections)
    result = load_bytes(text.encode())
    lines = text.splitlines()
    return [f"{p.line}:{lines[p.line - 1].strip()}|{p.message}" for p in result.problems]


def test_a_pack_with_gateways_items_and_an_extract_is_valid() -> None:
    text = minimal(
        gateways=GATEWAYS,
        recipients=recipient(
            gateways=["agreement", "order"],
            consent="sought",
            override={"approval": "second-person"},
            items=["initials", "year-of-birth", "person.family_name"],
            never=["person.address"],
            when={"after": "case-opened", "within": "2 years"},
        ),
        extracts=[
            {
                "code": "return",
                "name": "A return",
                "recipient": "police",
                "purpose": "youth-justice",
                "gateway": "order",
                "items": ["initials", "postcode-district"],
            }
        ],
    )
    result = load_bytes(text.encode())
    assert not [p.message for p in result.errors]
    assert result.pack is not None
    share = result.pack.recipients[0].shares[0]
    assert share.override is not None and share.override.approval == "second-person"
    assert result.pack.gateways[1].needs_reference  # a court order's reference by default


@pytest.mark.parametrize(
    ("sections", "expected", "on"),
    [
        (
            {"recipients": recipient(gateways=["agrement"])},
            "names the legal gateway 'agrement', which the pack does not define; did you mean "
            "'agreement'?",
            "agrement",
        ),
        (
            {"recipients": recipient(items=["initals"])},
            "'initals' is not an item",
            "initals",
        ),
        (
            {"recipients": recipient(items=["person.nickname"])},
            "'person.nickname', which is not a field Safehold records",
            "person.nickname",
        ),
        (
            {"recipients": recipient(gateways=["order"], consent="required")},
            "consent is 'required' but none of the share's gateways is of kind consent",
            "required",
        ),
        (
            {"recipients": recipient(when={"within": "2 years"})},
            "a condition in time needs 'after' or 'before' an event",
            "when",
        ),
        (
            {"recipients": recipient(when={"after": "case-closd"})},
            "'case-closd', an event that does not exist",
            "case-closd",
        ),
        (
            {
                "extracts": [
                    {
                        "code": "x",
                        "name": "X",
                        "recipient": "nobody",
                        "purpose": "youth-justice",
                        "gateway": "order",
                        "items": ["initials"],
                    }
                ]
            },
            "extract 'x' names the recipient 'nobody'",
            "nobody",
        ),
    ],
)
def test_problems_name_the_line(sections: dict[str, Any], expected: str, on: str) -> None:
    found = problems(**sections)
    assert any(expected in f.split("|", 1)[1] and on in f.split("|", 1)[0] for f in found), found


def test_derived_items() -> None:
    assert postcode_district("cb1 1aa") == "CB1"
    assert postcode_district("SW1A2AA") == "SW1A"
    assert postcode_district("") == ""
    assert initials("Sam", "Example") == "SE"
    assert initials("", "Example") == "E"
