"""Which data protection rights apply, derived from the lawful basis of each purpose.

The law decides how a right applies under each Article 6 basis (`law.RIGHTS_BY_BASIS`);
the pack states its purposes and their bases, and may state exceptions with a reason.
The notice prints the result, so it can never promise a right the basis does not give.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from safehold.policy import law
from safehold.policy.law import Applies
from safehold.policy.schema import Pack, Purpose, RightException

_RANK = {Applies.NO: 0, Applies.LIMITED: 1, Applies.YES: 2}

# Why a right is limited or does not apply, when the pack does not say (ICO guidance on
# lawful bases and individual rights).
_DERIVED_REASONS: dict[tuple[str, Applies], str] = {
    ("erasure", Applies.LIMITED): (
        "We can delete information only when we no longer need it to carry out our official "
        "tasks, to meet a legal duty, or to provide the service."
    ),
    ("erasure", Applies.NO): (
        "The law requires us to keep this information, so it cannot be deleted on request."
    ),
    ("portability", Applies.NO): (
        "This right applies only where we use information because you agreed or under a "
        "contract with you."
    ),
    ("portability", Applies.LIMITED): (
        "This right applies only to information we use because you agreed or under a "
        "contract with you."
    ),
    ("objection", Applies.LIMITED): (
        "You can object, and we will stop unless we have strong legitimate reasons to "
        "continue that override your interests, or we need the information for legal claims."
    ),
    ("objection", Applies.NO): (
        "This right applies only where we use information for a public task or our "
        "legitimate interests."
    ),
    ("withdraw-consent", Applies.NO): "We do not rely on your consent to use your information.",
    ("withdraw-consent", Applies.LIMITED): (
        "You can withdraw your consent where we rely on it; this does not affect what we did "
        "before you withdrew it."
    ),
}

APPLIES_WORDS = {
    Applies.YES: "Applies",
    Applies.LIMITED: "Applies in some cases",
    Applies.NO: "Does not apply",
}


@dataclass(frozen=True)
class RightStatement:
    code: str
    title: str
    citation: str
    plain: str
    applies: Applies
    where: list[str] = field(default_factory=list)
    """Names of the purposes the right applies to (fully or in part)."""
    reason: str | None = None
    qualifications: list[str] = field(default_factory=list)
    """Every further qualification the pack states (a right may have several)."""
    on_behalf: list[str] = field(default_factory=list)
    """Who may exercise the right for a younger child."""
    absolute: str | None = None
    """A part of the right no exception can limit (objecting to direct marketing)."""
    assumed: list[str] = field(default_factory=list)
    """Qualifications the pack assumes: for the DPO, never printed to the public."""

    @property
    def applies_words(self) -> str:
        return APPLIES_WORDS[self.applies]


def _best(right: str, purpose: Purpose) -> Applies:
    by_basis = law.RIGHTS_BY_BASIS[right]
    return max((by_basis[basis] for basis in purpose.lawful_basis), key=_RANK.__getitem__)


def _overall(values: list[Applies]) -> Applies:
    if values and all(v is Applies.YES for v in values):
        return Applies.YES
    if all(v is Applies.NO for v in values):
        return Applies.NO
    return Applies.LIMITED


def uses_consent(pack: Pack) -> bool:
    return any("consent" in purpose.lawful_basis for purpose in pack.purposes)


def consents(pack: Pack) -> list[str]:
    """Names of the consents a person can give and withdraw under this pack."""
    return [p.name for p in pack.preferences if p.kind == "consent" and p.withdrawable]


def _automated_reason(pack: Pack) -> str:
    decisions = pack.automated_decisions
    if decisions.used:
        return decisions.statement or (
            "We make some decisions by automated means. You can ask for a person to review a "
            "decision and to have the logic behind it explained to you."
        )
    not_used = "We do not make decisions about you by automated means alone, including profiling."
    return f"{not_used} {decisions.statement}" if decisions.statement else not_used


DIRECT_MARKETING = (
    "You can object at any time to our using your information for direct marketing, and we "
    "will then stop: this right is absolute and no exception applies (UK GDPR Article 21(2) "
    "and (3))."
)


def direct_marketing(pack: Pack) -> bool:
    return pack.rights.direct_marketing or any(p.direct_marketing for p in pack.purposes)


def _on_behalf(pack: Pack, code: str) -> list[str]:
    subjects = {s.code: s.name for s in pack.subjects}
    lines = []
    for rule in pack.rights.on_behalf_of_child:
        if rule.rights and code not in {r.value for r in rule.rights}:
            continue
        who = ", ".join(subjects.get(c, c) for c in rule.by)
        line = f"For a child under {rule.child_under}, this right may be exercised by: {who}."
        if rule.note:
            line += f" {' '.join(rule.note.split())}"
        lines.append(line)
    return lines


def derive_rights(pack: Pack) -> list[RightStatement]:
    """Every right, in the order of `law.RIGHTS`, with how it applies under this pack."""
    statements: list[RightStatement] = []
    grouped: dict[str, list[RightException]] = {}
    for e in pack.rights.exceptions:
        grouped.setdefault(e.right.value, []).append(e)
    purpose_names = {p.code: p.name for p in pack.purposes}
    all_purposes = [p.name for p in pack.purposes]
    for code, provision in law.RIGHTS.items():
        per_purpose = [(p.name, _best(code, p)) for p in pack.purposes]
        applies = _overall([value for _, value in per_purpose])
        where = [name for name, value in per_purpose if value is not Applies.NO]
        reason = _DERIVED_REASONS.get((code, applies))

        if code == "withdraw-consent" and applies is Applies.NO and consents(pack):
            # No purpose rests on consent, but some sharing or use does.
            applies = Applies.LIMITED
            reason = (
                "You can change your mind at any time about what you have agreed to: "
                f"{', '.join(consents(pack))}."
            )
        if code == "automated-decisions":
            reason = _automated_reason(pack)

        qualifications: list[str] = []
        assumed: list[str] = []
        stated = [e for e in grouped.get(code, []) if code != "complain"]
        if stated:
            # Several qualifications: each printed; the right applies as the most generous.
            applies = max((e.applies for e in stated), key=_RANK.__getitem__)
            if len({e.applies for e in stated}) > 1:
                applies = Applies.LIMITED
            texts: list[str] = []
            for e in stated:
                scope = ", ".join(purpose_names.get(c, c) for c in e.purposes)
                text = " ".join(e.reason.split())
                text = f"For {scope}: {text}" if scope else text
                if e.assumed:
                    assumed.append(f"{text} ({' '.join(e.assumed.split())})")
                else:
                    texts.append(text)
            reason = texts[0] if texts else _DERIVED_REASONS.get((code, applies))
            qualifications = texts[1:]
            if applies is Applies.NO:
                where = []
            elif applies is Applies.YES or not where:
                where = list(all_purposes)

        marked = [p.name for p in pack.purposes if p.objectable or p.direct_marketing]
        if code == "objection" and marked:
            # The pack says which processing is objectable; the gate stops exactly that.
            if not stated:
                applies, where = Applies.LIMITED, marked
                reason = reason or _DERIVED_REASONS[("objection", Applies.LIMITED)]
            qualifications.append(
                "If you object, we stop using your information for "
                f"{', '.join(marked)} while we decide, and for good if we agree."
            )
        if code == "objection" and direct_marketing(pack) and applies is Applies.NO:
            # The basis never removes the right to object to direct marketing.
            applies, where = Applies.LIMITED, list(all_purposes)
        if code == "complain":
            applies, where, reason = Applies.YES, list(all_purposes), None
        statements.append(
            RightStatement(
                code=code,
                title=provision.title,
                citation=provision.citation,
                plain=provision.plain,
                applies=applies,
                where=where,
                reason=reason,
                qualifications=qualifications,
                on_behalf=_on_behalf(pack, code),
                absolute=(
                    DIRECT_MARKETING if code == "objection" and direct_marketing(pack) else None
                ),
                assumed=assumed,
            )
        )
    return statements
