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

# How many young people at the top of each caseload have something they may withdraw.
FIRST_ON_CASELOAD = 3
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
        approver = next(
            (u for u in staff if roles.get(u.role) and roles[u.role].approves_disclosures), None
        )
        # Open cases of the staff who may share them, each worked on by the member of staff
        # it is allocated to (a small demo has only a case or two each).
        cases = list(
            Case.objects.filter(allocated_to__in=sharers, closed_on=None, restricted=False)
            .select_related("person", "allocated_to")
            .order_by("pk")[:8]
        )
        if not cases:
            continue
        gates: dict[int, Any] = {}

        def gate_of(case: Case, gates: dict[int, Any] = gates) -> Any:
            user = case.allocated_to
            assert user is not None
            return gates.setdefault(user.pk, Gate(user))

        def nth(n: int, cases: list[Case] = cases) -> Case:
            return cases[n % len(cases)]

        def consent(
            case: Case, code: str, state: str, days: int, gate: Any = None, pack: Any = the_pack
        ) -> Any:
            done.consents += 1
            return _consent(
                gate or gate_of(case), pack, case, code, state, today - timedelta(days=days)
            )

        consents = [p for p in the_pack.preferences if p.kind == "consent"]
        others = [p for p in the_pack.preferences if p.kind != "consent"]
        for pref in consents:
            consent(nth(0), pref.code, ConsentState.GIVEN, 40)
            consent(nth(1), pref.code, ConsentState.REFUSED, 30)
            given = consent(nth(2), pref.code, ConsentState.GIVEN, 60)
            gate_of(nth(2)).withdraw_consent(
                given.pk,
                on=today - timedelta(days=10),
                how="verbal",
                given_by="young-person",
                evidence="Told their case manager at a home visit",
            )
            done.consents += 1
        for pref in others[:1]:
            consent(nth(3), pref.code, ConsentState.GIVEN, 20)
        # The first young people on each caseload (in its order, by name) have something
        # given that they may withdraw, so whoever opens them finds the withdraw page.
        withdrawable = [p for p in [*others, *consents] if p.withdrawable][:1]
        for worker in workers if withdrawable else []:
            first = (
                Case.objects.filter(allocated_to=worker, restricted=False)
                .order_by("person__family_name", "person__given_name", "pk")
                .select_related("person")[:FIRST_ON_CASELOAD]
            )
            for case in first:
                try:
                    consent(case, withdrawable[0].code, ConsentState.GIVEN, 15, gate=Gate(worker))
                except (Refused, ConsentProblem):
                    continue  # a role that may not record it, or already recorded
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
                    gate_of(nth(n % 3)).share(nth(n % 3).pk, order)
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
                for case in (nth(0), nth(1)):
                    order = ShareOrder(
                        recipient.code, purpose, chosen, records=("person",), channel="post"
                    )
                    try:
                        gate_of(case).share(case.pk, order)
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
