"""Demo sharing for `safehold demo --living`: consents given, one refused, one withdrawn, an
objection, a few shares (one refused, one overridden with a manager's approval) and a run of
each extract, all through the gate as the staff who would do them, so all is audited."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from safehold.access.models import User
from safehold.access.policy import Distance
from safehold.policy import selectors
from safehold.policy.models import Controller
from safehold.records.models import Case
from safehold.sharing.models import Capacity, ConsentState
from safehold.sharing.services import ConsentInput, ConsentProblem

ASSESSMENT = "Understands what would be shared, with whom and why; assessed at the review meeting."
REASON = (
    "School reports a disclosure of harm at home this morning; the health team needs to know "
    "today to arrange an assessment."
)


@dataclass
class Shared:
    consents: int = 0
    shares: int = 0
    refused: int = 0
    extracts: int = 0


def sharing_demo(*, pack: str | None = None) -> Shared:
    from safehold.access.gate import Gate, Refused
    from safehold.access.gate.sharing import RefusedShare, ShareOrder
    from safehold.sharing import extracts

    done = Shared()
    today = timezone.localdate()
    for controller in Controller.objects.order_by("code"):
        the_pack = selectors.pack_of(selectors.controller_version(controller.pk))
        if pack and the_pack.code != pack:
            continue
        roles = {r.code: r for r in the_pack.roles}
        staff = list(User.objects.filter(controller=controller, is_active=True).order_by("pk"))
        workers = [u for u in staff if roles.get(u.role) and roles[u.role].holds_cases]
        sharers = [
            u for u in workers if Gate(u).policy.widest(u.role, "share") == Distance.ALLOCATED
        ]
        # The one with the most open cases.
        sharer = max(
            sharers,
            key=lambda u: Case.objects.filter(allocated_to=u, closed_on=None).count(),
            default=None,
        )
        approver = next(
            (u for u in staff if roles.get(u.role) and roles[u.role].approves_disclosures), None
        )
        if sharer is None:
            continue
        cases = list(
            Case.objects.filter(allocated_to=sharer, closed_on=None, restricted=False)
            .select_related("person")
            .order_by("pk")[:8]
        )
        if len(cases) < 4:
            continue
        gate = Gate(sharer)

        def consent(
            case: Case, code: str, state: str, days: int, gate: Any = gate, pack: Any = the_pack
        ) -> Any:
            done.consents += 1
            return _consent(gate, pack, case, code, state, today - timedelta(days=days))

        consents = [p for p in the_pack.preferences if p.kind == "consent"]
        others = [p for p in the_pack.preferences if p.kind != "consent"]
        for pref in consents:
            consent(cases[0], pref.code, ConsentState.GIVEN, 40)
            consent(cases[1], pref.code, ConsentState.REFUSED, 30)
            given = consent(cases[2], pref.code, ConsentState.GIVEN, 60)
            gate.withdraw_consent(
                given.pk,
                on=today - timedelta(days=10),
                how="verbal",
                given_by="young-person",
                evidence="Told their case manager at a home visit",
            )
            done.consents += 1
        for pref in others[:1]:
            consent(cases[3], pref.code, ConsentState.GIVEN, 20)
        # Shares: each recipient's first gateway, for the first cases; the pack decides.
        for n, recipient in enumerate(
            [r for r in the_pack.recipients if any(s.gateways for s in r.shares)][:6]
        ):
            share = next(s for s in recipient.shares if s.gateways)
            purpose = (share.purposes or [the_pack.purposes[0].code])[0]
            for gateway in share.gateways:
                order = ShareOrder(
                    recipient.code,
                    purpose,
                    gateway,
                    records=("person", "case"),
                    reason=REASON,
                    reference=f"Request {today:%Y}/{40 + n}",
                    approver_id=approver.pk if approver else None,
                    recipient_contact=f"Duty officer, {recipient.name}"[:300],
                )
                try:
                    gate.share(cases[n % 3].pk, order)
                    done.shares += 1
                except RefusedShare:
                    done.refused += 1
                except Refused:
                    pass
        # Where a gateway is consent: shared for the person who agreed, refused (and logged)
        # for the one who refused.
        kinds = {g.code: g.kind for g in the_pack.gateways}
        for recipient in the_pack.recipients:
            for share in recipient.shares:
                chosen = next((g for g in share.gateways if kinds.get(g) == "consent"), None)
                if chosen is None:
                    continue
                purpose = (share.purposes or [the_pack.purposes[0].code])[0]
                for case in (cases[0], cases[1]):
                    order = ShareOrder(
                        recipient.code, purpose, chosen, records=("person",), channel="post"
                    )
                    try:
                        gate.share(case.pk, order)
                        done.shares += 1
                    except RefusedShare:
                        done.refused += 1
                break
        for x in the_pack.extracts:
            try:
                extracts.run(x.code, io.StringIO(), controller=controller.code)
                done.extracts += 1
            except Exception:  # noqa: S112 - a demo without a pseudonym key skips it
                continue
    return done


def _consent(gate: Any, pack: Any, case: Case, code: str, state: str, on: Any) -> Any:
    pref = next(p for p in pack.preferences if p.code == code)
    by = "young-person" if "young-person" in pref.given_by else pref.given_by[0]
    data = ConsentInput(
        preference=code,
        state=state,
        given_by=by,
        how="written",
        on=on,
        evidence="Signed consent form, scanned to the case file",
        capacity=Capacity.COMPETENT,
        capacity_reason=ASSESSMENT,
    )
    try:
        return gate.record_consent(case.person_id, data)
    except ConsentProblem:
        data = ConsentInput(**{**data.__dict__, "capacity": Capacity.NOT_ASSESSED})
        return gate.record_consent(case.person_id, data)
