"""Rights follow from each purpose's lawful basis; a pack may state exceptions."""

from __future__ import annotations

from collections.abc import Callable

from safehold.policy.law import RIGHTS, Applies
from safehold.policy.rights import RightStatement, derive_rights
from safehold.policy.schema import Pack


def by_code(pack: Pack) -> dict[str, RightStatement]:
    return {r.code: r for r in derive_rights(pack)}


def purpose(code: str, *bases: str) -> dict[str, object]:
    return {
        "code": code,
        "name": code.title(),
        "categories": ["identity"],
        "lawful_basis": list(bases),
    }


def test_every_right_in_law_order(cambridgeshire: Pack) -> None:
    rights = derive_rights(cambridgeshire)
    assert [r.code for r in rights] == list(RIGHTS)
    for right in rights:
        assert right.title == RIGHTS[right.code].title
        assert right.citation == RIGHTS[right.code].citation


def test_cambridgeshire_rights(cambridgeshire: Pack) -> None:
    rights = by_code(cambridgeshire)
    for code in ("informed", "access", "rectification", "restriction", "complain"):
        assert rights[code].applies is Applies.YES
    # Public task and legal obligation: erasure only in some cases.
    assert rights["erasure"].applies is Applies.LIMITED
    assert rights["erasure"].reason
    # The pack's exceptions override the derivation, with their reason.
    assert rights["portability"].applies is Applies.LIMITED
    assert rights["portability"].reason is not None
    assert "commonly-used electronic format" in rights["portability"].reason
    assert rights["objection"].applies is Applies.YES
    assert rights["objection"].reason == (
        "Generally to make a complaint about any aspect of our use of your data."
    )
    # No purpose rests on consent, and the notice asks for none (sharing with the NHS is
    # explained, not asked; docs/adr/0029): there is no consent to withdraw.
    assert rights["withdraw-consent"].applies is Applies.NO
    automated = rights["automated-decisions"].reason or ""
    assert "do not make decisions about you by automated means" in automated
    assert "logic behind this" in automated


def test_best_basis_of_a_purpose_and_partial_purposes(build: Callable[..., Pack]) -> None:
    pack = build(
        purposes=[
            purpose("by-consent", "consent"),
            purpose("statutory", "public-task", "legal-obligation"),
        ],
        recipients=[],
    )
    rights = by_code(pack)
    portability = rights["portability"]
    assert portability.applies is Applies.LIMITED
    assert portability.where == ["By-Consent"]
    assert rights["erasure"].applies is Applies.LIMITED
    assert rights["erasure"].where == ["By-Consent", "Statutory"]
    assert rights["withdraw-consent"].applies is Applies.LIMITED
    assert rights["objection"].where == ["Statutory"]


def test_all_consent(build: Callable[..., Pack]) -> None:
    rights = by_code(build(purposes=[purpose("by-consent", "consent")], recipients=[]))
    assert rights["withdraw-consent"].applies is Applies.YES
    assert rights["portability"].applies is Applies.YES
    assert rights["erasure"].applies is Applies.YES
    assert rights["objection"].applies is Applies.NO


def test_legal_obligation_only(build: Callable[..., Pack]) -> None:
    rights = by_code(build(purposes=[purpose("duty", "legal-obligation")], recipients=[]))
    assert rights["erasure"].applies is Applies.NO
    assert rights["portability"].applies is Applies.NO
    assert rights["objection"].applies is Applies.NO
    assert rights["access"].applies is Applies.YES


def test_consent_to_share_can_be_withdrawn(build: Callable[..., Pack]) -> None:
    pack = build(
        preferences=[
            {
                "code": "share-with-school",
                "name": "Sharing with your school",
                "kind": "consent",
                "statement": "We will tell your school about your progress if you agree.",
                "given_by": ["young-person"],
                "allows": {"categories": ["identity"], "recipients": ["courts"]},
            }
        ]
    )
    right = by_code(pack)["withdraw-consent"]
    assert right.applies is Applies.LIMITED
    assert right.reason is not None and "Sharing with your school" in right.reason


def test_exceptions_cannot_remove_the_right_to_complain(build: Callable[..., Pack]) -> None:
    pack = build(
        rights={
            "exceptions": [
                {"right": "complain", "applies": "does-not-apply", "reason": "No."},
                {"right": "access", "applies": "limited", "reason": "Exemptions may apply."},
            ]
        }
    )
    rights = by_code(pack)
    assert rights["complain"].applies is Applies.YES
    assert rights["access"].applies is Applies.LIMITED
    assert rights["access"].reason == "Exemptions may apply."


def test_automated_decisions_used(build: Callable[..., Pack]) -> None:
    pack = build(
        automated_decisions={
            "used": True,
            "statement": "A score helps decide who is offered a place.",
        }
    )
    assert (
        by_code(pack)["automated-decisions"].reason
        == "A score helps decide who is offered a place."
    )
