"""Who may use aggregate statistics, and the audit entry of every use.

Called by `Gate.aggregate` (the one gate), never directly by a page or a command: a
statistics-only role, a manager who allocates cases, and a data protection officer may run
an output; nobody else. An output reaches no single person, so the entry names none: it
records who ran which output for which period, the data categories it drew on, and how it
was protected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from safehold.access.policy import Decision
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import AuditEntry, append

if TYPE_CHECKING:
    from safehold.access.gate import Gate


def decide(gate: Gate) -> Decision:
    role = gate.policy.role(gate.role)
    where = gate.policy.label or gate.policy.pack.code
    if role is None:
        return Decision(False, f"{where}: role '{gate.role}' is not in the pack")
    if role.statistics_only:
        return Decision(
            True, f"{where}: role '{role.code}' is for statistics only: aggregate outputs"
        )
    if role.allocates_cases or role.manages_policy:
        power = "allocates cases" if role.allocates_cases else "manages the policy"
        return Decision(True, f"{where}: role '{role.code}' {power}: aggregate outputs")
    return Decision(
        False,
        f"{where}: role '{role.code}' neither manages cases nor is for statistics: "
        "aggregate outputs are for managers and analysts",
    )


def purpose(gate: Gate) -> str:
    """The pack's purpose for anonymised (else pseudonymised) statistics, if it states one."""
    purposes = gate.policy.pack.purposes
    for kind in ("anonymised", "pseudonymised"):
        code = next((p.code for p in purposes if p.identifiable == kind), "")
        if code:
            return code
    return ""


def aggregate(
    gate: Gate, output: str, period: str, categories: Iterable[str], detail: str
) -> Decision:
    """Decide and audit one run of an output; raise `Refused` (audited) if not allowed."""
    from safehold.access.gate import Refused

    decision = decide(gate)
    entry = AuditEntry(
        actor_label=gate.user.get_username(),
        actor_id=gate.user.pk,
        action=Action.AGGREGATE if decision.allowed else Action.REFUSE,
        decision=AuditDecision.ALLOWED if decision.allowed else AuditDecision.REFUSED,
        rule=f"{decision.rule}; {output} for {period}: {detail}",
        record_type="statistics",
        categories=sorted(set(categories)),
        purpose=(why := purpose(gate)),
        reason="" if why else "aggregate statistics, naming no one",
        pack_version_id=gate.policy.pack_version_id,
    )
    with transaction.atomic():
        append([entry])
    if not decision.allowed:
        raise Refused(decision)
    return decision
