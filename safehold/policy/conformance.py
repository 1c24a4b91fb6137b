"""The conformance report: every statement of a pack, and what enforces it.

Each statement has an id (`purpose:statutory-youth-justice`, `recipient:police`, ...) and
is either *enforced* by a mechanism of `enforcement.MECHANISMS` (which names the tests that
prove it), or *stated only*. Stated only is a gap unless the pack accepts it, with a reason:
a commitment by its own `stated_only`, anything else by `accepted_gaps` (ids or patterns
such as `recipient:*`). CI fails on an unaccepted gap (tests/policy/test_conformance.py).

A recipient is enforced by the share rules (docs/adr/0020) when every share with it names
the gateways the gate checks; an internal recipient that names none is the service's own
staff, reached through their roles; any other is stated only.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from safehold.policy.enforcement import MECHANISMS, Mechanism
from safehold.policy.law import Applies
from safehold.policy.rights import derive_rights
from safehold.policy.schema import NoPeriod, Pack
from safehold.policy.wording import describe_keep, has_gap

Status = Literal["enforced", "accepted", "gap"]

STATUS_WORDS: dict[Status, str] = {
    "enforced": "Enforced",
    "accepted": "Stated only (accepted)",
    "gap": "Stated only (not accepted: a gap)",
}


@dataclass(frozen=True)
class Statement:
    id: str
    kind: str
    text: str
    mechanism: Mechanism | None = None
    accepted: str | None = None
    """The DPO's reason for accepting it as stated only."""
    assumed: str | None = None
    """Why the pack states this although the published notice does not."""

    @property
    def status(self) -> Status:
        if self.mechanism is not None:
            return "enforced"
        return "accepted" if self.accepted else "gap"

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]


@dataclass(frozen=True)
class Report:
    pack_code: str
    pack_name: str
    statements: list[Statement]

    def count(self, status: Status) -> int:
        return sum(1 for s in self.statements if s.status == status)

    @property
    def gaps(self) -> list[Statement]:
        return [s for s in self.statements if s.status == "gap"]

    @property
    def summary(self) -> str:
        return (
            f"{len(self.statements)} statements, {self.count('enforced')} enforced, "
            f"{self.count('accepted')} stated-only accepted, {self.count('gap')} gaps"
        )


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _raw_statements(pack: Pack) -> list[Statement]:
    """Every statement, with the mechanism its kind has (or none)."""
    m = MECHANISMS
    found: list[Statement] = []
    for category in pack.categories:
        found.append(
            Statement(
                f"category:{category.code}",
                "data category",
                f"We hold {category.name}.",
                m["gate-redacts-by-category"] if category.holds else None,
            )
        )
    for purpose in pack.purposes:
        found.append(
            Statement(
                f"purpose:{purpose.code}",
                "purpose",
                f"{purpose.name}: {', '.join(purpose.lawful_basis)}.",
                m["check-conditions"],
                assumed=purpose.assumed_words,
            )
        )
        if purpose.objectable or purpose.direct_marketing:
            found.append(
                Statement(
                    f"purpose:{purpose.code}:objectable",
                    "purpose",
                    f"{purpose.name}: you can object, and it stops for you"
                    + (
                        " at once and for good (direct marketing)."
                        if purpose.direct_marketing
                        else " until we decide your objection."
                    ),
                    m["objection-stops-processing"],
                )
            )
        if purpose.law_enforcement:
            found.append(
                Statement(
                    f"purpose:{purpose.code}:logging",
                    "purpose",
                    f"{purpose.name}: consultation and disclosure are logged (DPA 2018 s62).",
                    m["audit-every-access"],
                )
            )
    for role in pack.roles:
        found.append(
            Statement(
                f"role:{role.code}",
                "role",
                f"{role.name} sees only what its role and relationship to the case allow.",
                m["gate-role-and-allocation"],
            )
        )
    for recipient in pack.recipients:
        gated = bool(recipient.shares) and all(share.gateways for share in recipient.shares)
        internal = recipient.kind == "internal" and not any(s.gateways for s in recipient.shares)
        found.append(
            Statement(
                f"recipient:{recipient.code}",
                "recipient",
                f"We share with {recipient.name} under the stated conditions.",
                m["share-decided-and-logged"]
                if gated
                else m["gate-role-and-allocation"]
                if internal
                else None,
            )
        )
    for preference in pack.preferences:
        found.append(
            Statement(
                f"preference:{preference.code}",
                "consent or preference",
                _words(preference.statement),
                m["consent-enforced"] if preference.kind == "consent" else m["objection-honoured"],
                assumed=preference.assumed,
            )
        )
    for extract in pack.extracts:
        found.append(
            Statement(
                f"extract:{extract.code}",
                "recurring extract",
                _words(extract.statement) or f"{extract.name}.",
                m["recurring-extract"],
            )
        )
    for rule in pack.retention:
        gap = has_gap(rule.keep) or isinstance(rule.keep, NoPeriod)
        found.append(
            Statement(
                f"retention:{rule.code}",
                "retention rule",
                f"{rule.name}: {describe_keep(rule.keep, pack)}.",
                m["retention-gap-held"] if gap else m["retention-rule"],
                assumed=rule.assumed,
            )
        )
    objectable = any(p.objectable or p.direct_marketing for p in pack.purposes)
    for right in derive_rights(pack):
        if right.applies is Applies.NO:
            continue
        found.append(
            Statement(
                f"right:{right.code}",
                "right",
                f"{right.title}: {right.applies_words.lower()}.",
                m["notice-printed-from-pack"]
                if right.code == "informed"
                else m["objection-stops-processing"]
                if right.code == "objection" and objectable
                else None,
                assumed="; ".join(right.assumed) or None,
            )
        )
    found.append(
        Statement(
            "right:answered-within-a-month",
            "right",
            "We will respond within one month of receiving a request, extended by up to two "
            "months only if we tell you why within the first month.",
            m["rights-statutory-clock"],
        )
    )
    if pack.rights.second_approval or pack.rights.access_shows_who_has_seen:
        promised = []
        if pack.rights.access_shows_who_has_seen:
            promised.append("a copy of your information lists who has seen your record")
        if pack.rights.second_approval:
            promised.append("a second member of staff checks every copy before it is sent")
        found.append(
            Statement(
                "right:access-copy",
                "right",
                f"{'; '.join(promised)[:1].upper()}{'; '.join(promised)[1:]}.",
                m["rights-access-bundle-reviewed"],
            )
        )
    found.append(
        Statement(
            "right:requests-suspend-disposal",
            "right",
            "Nothing is disposed of while a rights request about it is open.",
            m["rights-request-suspends-disposal"],
        )
    )
    scope = pack.transfer_scope
    found.append(
        Statement(
            "transfers",
            "international transfers",
            _words(scope.statement) or f"Transfers: {scope.scope}.",
            m["check-transfer-scope"],
            assumed=scope.assumed,
        )
    )
    for number, measure in enumerate(pack.security_measures, 1):
        found.append(
            Statement(
                f"security:{number}",
                "security measure",
                _words(measure.text),
                m.get(measure.enforced_by or ""),
                accepted=measure.stated_only,
            )
        )
    for commitment in pack.commitments:
        mechanism = m.get(commitment.enforced_by or "")
        found.append(
            Statement(
                f"commitment:{commitment.code}",
                "commitment",
                _words(commitment.text),
                mechanism,
                accepted=commitment.stated_only,
            )
        )
    if "statistics" in pack.model_fields_set:
        from safehold.statistics.profiles import from_schema

        found.append(
            Statement(
                "statistics:suppression",
                "statistics",
                from_schema(pack.statistics.suppression).describe(),
                m["statistics-disclosure-control"],
            )
        )
        for opt_out in pack.statistics.opt_outs:
            found.append(
                Statement(
                    f"statistics:opt-out:{opt_out.preference}",
                    "statistics",
                    f"People who chose '{opt_out.preference}' are left out of "
                    f"{', '.join(opt_out.outputs)}.",
                    m["statistics-opt-out"],
                )
            )
    for kind in pack.statuses:
        measures = (
            f"the {kind.indicator} indicator"
            if kind.indicator
            else f"the early-help outcome area {kind.outcome_area}"
            if kind.outcome_area
            else "the case record"
        )
        found.append(
            Statement(
                f"status:{kind.code}",
                "status",
                f"{kind.name} is recorded with its dates (in the category {kind.category}) for "
                f"{measures}.",
                m["dated-status-history"],
            )
        )
    found.append(
        Statement(
            "audit",
            "audit",
            "Every access to and change of personal data is recorded.",
            m["audit-every-access"],
        )
    )
    return found


def accepted_reason(pack: Pack, statement_id: str) -> str | None:
    for gap in pack.accepted_gaps:
        if any(fnmatchcase(statement_id, pattern) for pattern in gap.statements):
            return _words(gap.reason)
    return None


def conformance(pack: Pack) -> Report:
    statements = []
    for s in _raw_statements(pack):
        accepted = s.accepted or (None if s.mechanism else accepted_reason(pack, s.id))
        statements.append(
            Statement(s.id, s.kind, s.text, s.mechanism, accepted and _words(accepted), s.assumed)
        )
    return Report(pack.code, pack.name, statements)


def report_text(report: Report) -> str:
    """The report for a terminal: one block per statement, then the summary line."""
    lines = [f"Conformance of {report.pack_name} ({report.pack_code})", ""]
    for s in report.statements:
        lines.append(f"{s.id}: {s.status_words}")
        lines.append(f"  {s.text}")
        if s.assumed:
            lines.append(f"  Assumed: {_words(s.assumed)}")
        if s.mechanism is not None:
            lines.append(f"  {s.mechanism.kind}: {s.mechanism.code}: {s.mechanism.summary}")
            lines += [f"  test: {t}" for t in s.mechanism.tests]
        elif s.accepted:
            lines.append(f"  Accepted: {s.accepted}")
        else:
            lines.append(
                "  Not enforced and not accepted: accept it in 'accepted_gaps' or enforce it"
            )
    lines += ["", report.summary]
    return "\n".join(lines) + "\n"


def annex_lines(report: Report) -> list[str]:
    """The notice's short annex: how many of its statements the system enforces, and how."""
    kinds: dict[str, int] = {}
    for s in report.statements:
        if s.mechanism is not None:
            kinds[s.mechanism.kind] = kinds.get(s.mechanism.kind, 0) + 1
    enforced = report.count("enforced")
    lines = [
        f"Of the {len(report.statements)} statements in this notice, the system enforces "
        f"{enforced}. The others are stated only: our staff keep them, and the system does not "
        "yet check them."
    ]
    lines += [f"{count} by {ANNEX_WORDS[kind]}" for kind, count in sorted(kinds.items())]
    return lines


ANNEX_WORDS = {
    "gate grant": "access control (who may see what)",
    "retention rule": "retention (when information is disposed of)",
    "share rule": "sharing rules",
    "rights workflow": "the handling of rights requests",
    "check": "checks made on this notice itself",
    "audit": "the audit log of every access and change",
    "sign-in": "staff sign-in (a password and a code from an app)",
    "statistics": "disclosure control of published statistics",
    "status": "dated statuses recorded on a case",
}
