"""A share decided from the pack alone: pure functions of the pack and the facts about one
person, so the gate, the `share explain` command and the tests derive the same answer.

The order of the checks is the order of the explanation a member of staff reads: who may
share, with whom the pack lets us share for this purpose, under which gateway, when, what
may go, what the person has said (objections and preferences, then consent), and what the
gateway itself needs (a reason, a reference, a second person's approval).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from safehold.access.policy import AccessPolicy, Distance
from safehold.policy.schema import (
    DERIVED_ITEMS,
    GATEWAY_WORDS,
    ConsentDependence,
    Gateway,
    GatewayKind,
    Pack,
    Preference,
    Share,
)
from safehold.records.fields import RECORD_FIELDS
from safehold.retention import rules

MIN_REASON = 10
# Gateways under which the law, not the person, decides: objections and preferences give way.
LAW_DECIDES = frozenset({GatewayKind.LAW, GatewayKind.COURT_ORDER})


@dataclass(frozen=True)
class PersonState:
    """What the person has said, as the decision needs it: for each pack preference, the
    state of its newest record ('given', 'refused', 'withdrawn', 'expired'; absent: none),
    with that record's id."""

    states: Mapping[str, str] = field(default_factory=dict)
    record_ids: Mapping[str, int] = field(default_factory=dict)

    def state(self, code: str) -> str:
        return self.states.get(code, "none")


@dataclass(frozen=True)
class Facts:
    """The person and case facts a share's conditions read."""

    events: Mapping[str, date | None] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()
    unknown_flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Request:
    recipient: str
    purpose: str
    gateway: str
    records: tuple[str, ...] = ("person",)  # the kinds of record chosen: person, case, report, ...
    reason: str = ""
    reference: str = ""
    approver_role: str | None = None  # the approver's pack role, if one is named
    approver_is_self: bool = False


@dataclass
class ShareDecision:
    allowed: bool
    rule: str  # the one line that decided it
    reasons: list[str]  # the whole explanation, in order
    consent_status: str = "not-needed"
    consent_preference: str | None = None
    consent_record_id: int | None = None
    share_index: int | None = None
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # record -> fields going
    derived: tuple[str, ...] = ()  # derived items going
    not_sent: dict[str, str] = field(default_factory=dict)  # "record.field" or category -> why
    categories: frozenset[str] = frozenset()
    identifiable: str = "yes"
    needs_reason: bool = False
    needs_reference: bool = False
    needs_approval: bool = False
    override: bool = False

    def __bool__(self) -> bool:
        return self.allowed


def consent_dependence(share: Share, gateways: Mapping[str, Gateway]) -> ConsentDependence:
    """The pack's word, or from the gateways: only consent is 'required'; consent and others
    'sought'; no consent gateway 'not-needed'."""
    if share.consent is not None:
        return share.consent
    kinds = {gateways[g].kind for g in share.gateways if g in gateways}
    if GatewayKind.CONSENT not in kinds:
        return "not-needed"
    return "required" if kinds == {GatewayKind.CONSENT} else "sought"


def covers(effect_codes: list[str], code: str) -> bool:
    return not effect_codes or code in effect_codes


def _categories_of(values: list[str], all_categories: frozenset[str]) -> frozenset[str]:
    return all_categories if "*" in values else frozenset(values)


def item_fields(item: str) -> tuple[str, ...]:
    """The fields an item reads: itself, or what a derived item is made from."""
    return DERIVED_ITEMS[item][1] if item in DERIVED_ITEMS else (item,)


class SharePolicy:
    """The pack's sharing statements, compiled once per gate."""

    def __init__(self, access: AccessPolicy) -> None:
        self.access = access
        self.pack: Pack = access.pack
        self.gateways = {g.code: g for g in self.pack.gateways}
        self.recipients = {r.code: r for r in self.pack.recipients}
        self.preferences = {p.code: p for p in self.pack.preferences}
        self.label = access.label or self.pack.code

    # --- what the pack offers -------------------------------------------------------------

    def shares_for(self, recipient: str, purpose: str) -> list[tuple[int, Share]]:
        r = self.recipients.get(recipient)
        if r is None:
            return []
        return [
            (i, s) for i, s in enumerate(r.shares, 1) if not s.purposes or purpose in s.purposes
        ]

    def purposes_for(self, recipient: str) -> list[str]:
        r = self.recipients.get(recipient)
        found: list[str] = []
        for s in r.shares if r else []:
            for p in s.purposes or [p.code for p in self.pack.purposes]:
                if p not in found:
                    found.append(p)
        return found

    def gateways_for(self, recipient: str, purpose: str) -> list[str]:
        found: list[str] = []
        for _, s in self.shares_for(recipient, purpose):
            found += [g for g in s.gateways if g not in found]
        return found

    def consents_covering(
        self, recipient: str, purpose: str, categories: Iterable[str]
    ) -> list[Preference]:
        """The pack's consents whose 'allows' covers this recipient, purpose and categories."""
        wanted = set(categories)
        found = []
        for p in self.pack.preferences:
            if p.kind != "consent" or p.allows is None:
                continue
            allows = p.allows
            allowed = _categories_of(allows.categories, self.access.all_categories)
            if (
                covers(allows.recipients, recipient)
                and covers(allows.purposes, purpose)
                and wanted & allowed
            ):
                found.append(p)
        return found

    def withholding(self, recipient: str, purpose: str) -> list[Preference]:
        """Objections, preferences and opt-outs that can stop this recipient and purpose."""
        return [
            p
            for p in self.pack.preferences
            if p.kind != "consent"
            and p.withholds is not None
            and covers(p.withholds.recipients, recipient)
            and covers(p.withholds.purposes, purpose)
        ]

    # --- the decision ---------------------------------------------------------------------

    def decide(
        self,
        role: str,
        distance: Distance,
        request: Request,
        person: PersonState,
        facts: Facts,
        today: date,
    ) -> ShareDecision:
        reasons: list[str] = []
        where = self.label

        def refuse(rule: str, **extra: object) -> ShareDecision:
            reasons.append(rule)
            return ShareDecision(False, f"{where}: {rule}", reasons, **extra)  # type: ignore[arg-type]

        # 1. who may share, at what distance
        if self.access.statistics_only(role):
            return refuse(f"role '{role}' is for statistics only and shares nothing")
        shareable = self.access.categories(role, "share", distance)
        if not shareable:
            return refuse(
                f"no grant of role '{role}' allows share at {distance.name.lower()} distance"
            )
        reasons.append(
            f"role '{role}' may share {', '.join(sorted(shareable))} at "
            f"{distance.name.lower()} distance"
        )
        # 2. a recipient and purpose the pack declares
        recipient = self.recipients.get(request.recipient)
        if recipient is None:
            return refuse(f"'{request.recipient}' is not a recipient the pack declares")
        shares = self.shares_for(recipient.code, request.purpose)
        if not shares:
            return refuse(
                f"the pack declares no sharing with {recipient.name} for the purpose "
                f"'{request.purpose}'"
            )
        # 3. a gateway one of those shares names
        gateway = self.gateways.get(request.gateway)
        named = [(i, s) for i, s in shares if request.gateway in s.gateways]
        if gateway is None or not named:
            offered = self.gateways_for(recipient.code, request.purpose)
            return refuse(
                f"sharing with {recipient.name} for '{request.purpose}' may go only under "
                + (", ".join(f"'{g}'" for g in offered) if offered else "no stated gateway")
                + f", not '{request.gateway}'"
            )
        # 4. what may go: the chosen records' fields, by the share's categories and items
        wanted = self._wanted_fields(request.records)
        best: (
            tuple[int, Share, dict[str, tuple[str, ...]], tuple[str, ...], dict[str, str]] | None
        ) = None
        for i, share in named:
            going, derived, not_sent = self._going(share, shareable, wanted)
            if best is None or len(going) + len(derived) > len(best[2]) + len(best[3]):
                best = (i, share, going, derived, not_sent)
        assert best is not None
        index, share, going, derived, not_sent = best
        rule_name = f"recipient '{recipient.code}' share {index}"
        reasons.append(f"{rule_name} covers '{request.purpose}' under '{gateway.code}'")
        # 5. conditions: the person or case (flags, ages) and time
        problem = self._condition(share, facts, today)
        if problem:
            return refuse(f"{rule_name} applies only {problem}", share_index=index)
        # 6. objections and preferences
        for pref in self.withholding(recipient.code, request.purpose):
            if person.state(pref.code) != "given":
                continue
            if pref.direct_marketing:
                return refuse(
                    f"the person objects to direct marketing ('{pref.name}'): absolute, nothing "
                    "overrides it",
                    share_index=index,
                )
            if gateway.kind in LAW_DECIDES:
                reasons.append(
                    f"'{pref.name}' is recorded, but under '{gateway.code}' the law decides"
                )
                continue
            assert pref.withholds is not None
            withheld = _categories_of(pref.withholds.categories, self.access.all_categories)
            for record, names in list(going.items()):
                kept = tuple(n for n in names if self.access.category(record, n) not in withheld)
                for n in names:
                    if n not in kept:
                        not_sent[f"{record}.{n}"] = f"the person's preference '{pref.name}'"
                going[record] = kept
            derived = tuple(
                d for d in derived if not any(self._category(f) in withheld for f in item_fields(d))
            )
            going = {r: n for r, n in going.items() if n}
            reasons.append(f"'{pref.name}' is recorded: {', '.join(sorted(withheld))} not sent")
        if not going and not derived:
            return refuse(
                f"nothing of the chosen records may go to {recipient.name} under {rule_name}"
                + (f" ({'; '.join(sorted(set(not_sent.values())))})" if not_sent else ""),
                share_index=index,
                not_sent=not_sent,
            )
        categories = frozenset(
            c
            for record, names in going.items()
            for n in names
            if (c := self.access.category(record, n))
        ) | frozenset(self._category(f) for d in derived for f in item_fields(d))
        # 7. consent
        dependence = consent_dependence(share, self.gateways)
        status = "not-needed"
        consent_code: str | None = None
        record_id: int | None = None
        needs_approval = override = False
        # Safeguarding always states its reason; so does a share whose reasons the notice
        # promises to explain to the person (`explained_to_subject`): the reasons recorded.
        needs_reason = gateway.kind == GatewayKind.SAFEGUARDING or share.explained_to_subject
        if gateway.kind == GatewayKind.CONSENT or (
            dependence == "required" and gateway.kind not in LAW_DECIDES
        ):
            consents = self.consents_covering(recipient.code, request.purpose, categories)
            if not consents:
                return refuse(
                    f"{rule_name} needs consent, and the pack states no consent covering "
                    f"{recipient.name} for '{request.purpose}'",
                    share_index=index,
                    consent_status="none",
                )
            given = [chosen for chosen in consents if person.state(chosen.code) == "given"]
            if not given:
                chosen = consents[0]
                state = person.state(chosen.code)
                return refuse(
                    f"{rule_name} needs the consent '{chosen.name}' ({chosen.code}), and it is "
                    + ("not recorded" if state == "none" else state),
                    share_index=index,
                    consent_status=state,
                    consent_preference=chosen.code,
                    consent_record_id=person.record_ids.get(chosen.code),
                )
            chosen = given[0]
            assert chosen.allows is not None
            allowed = _categories_of(chosen.allows.categories, self.access.all_categories)
            for record, names in list(going.items()):
                kept = tuple(n for n in names if self.access.category(record, n) in allowed)
                for n in names:
                    if n not in kept:
                        not_sent[f"{record}.{n}"] = f"the consent '{chosen.name}' does not cover it"
                going[record] = kept
            going = {r: n for r, n in going.items() if n}
            status, consent_code, record_id = (
                "given",
                chosen.code,
                person.record_ids.get(chosen.code),
            )
            reasons.append(f"the consent '{chosen.name}' is given")
        elif dependence == "sought" and gateway.kind == GatewayKind.SAFEGUARDING:
            consents = self.consents_covering(recipient.code, request.purpose, categories)
            states = {c.code: person.state(c.code) for c in consents}
            consent_code = next(iter(states), None)
            if consent_code and states[consent_code] == "given":
                status = "given"
                record_id = person.record_ids.get(consent_code)
                reasons.append("consent is given; it is shared under safeguarding as well")
            else:
                status, override = "overridden", True
                record_id = person.record_ids.get(consent_code) if consent_code else None
                needs_approval = (
                    share.override is not None and share.override.approval == "second-person"
                )
                reasons.append(
                    "consent is normally sought for this share; going without it is an "
                    "override and needs a stated reason"
                    + (" and a second person's approval" if needs_approval else "")
                )
        # 8. what the gateway needs
        needs_reference = gateway.needs_reference
        missing: list[str] = []
        if (needs_reason or override) and len(request.reason.strip()) < MIN_REASON:
            missing.append(f"a reason of {MIN_REASON} characters or more")
        if needs_reference and not request.reference.strip():
            missing.append(f"the reference of the {gateway.name.lower()}")
        if needs_approval:
            approvers = set(share.override.approvers if share.override else [])
            ok_role = request.approver_role is not None and (
                request.approver_role in approvers
                if approvers
                else bool((r := self.access.role(request.approver_role)) and r.approves_disclosures)
            )
            if request.approver_is_self:
                missing.append("approval by a second person, not the one sharing")
            elif not ok_role:
                missing.append("approval by someone whose role approves disclosures")
        extra = {
            "share_index": index,
            "consent_status": status,
            "consent_preference": consent_code,
            "consent_record_id": record_id,
            "fields": going,
            "derived": derived,
            "not_sent": not_sent,
            "categories": categories,
            "identifiable": share.identifiable,
            "needs_reason": needs_reason or override,
            "needs_reference": needs_reference,
            "needs_approval": needs_approval,
            "override": override,
        }
        if missing:
            return refuse(
                f"{rule_name} under '{gateway.code}' needs " + " and ".join(missing), **extra
            )
        rule = (
            f"{where}: {rule_name} allows it under '{gateway.code}' ({GATEWAY_WORDS[gateway.kind]})"
        )
        reasons.append(rule)
        return ShareDecision(True, rule, reasons, **extra)  # type: ignore[arg-type]

    def _category(self, dotted: str) -> str:
        record, name = dotted.split(".", 1)
        return self.access.category(record, name) or ""

    @staticmethod
    def _wanted_fields(records: Iterable[str]) -> dict[str, tuple[str, ...]]:
        return {r: RECORD_FIELDS[r] for r in records if r in RECORD_FIELDS}

    def _going(
        self, share: Share, shareable: frozenset[str], wanted: dict[str, tuple[str, ...]]
    ) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...], dict[str, str]]:
        """The fields and derived items of the chosen records this share lets go, with why
        each other one does not."""
        allowed = _categories_of(share.categories, self.access.all_categories) & shareable
        never = {f for item in share.never for f in item_fields(item)}
        listed = set(share.items)
        going: dict[str, tuple[str, ...]] = {}
        not_sent: dict[str, str] = {}
        for record, names in wanted.items():
            kept = []
            for n in names:
                dotted = f"{record}.{n}"
                category = self.access.category(record, n)
                if category is None:
                    not_sent[dotted] = "the pack puts it in no category"
                elif category not in shareable:
                    not_sent[dotted] = "your role may not share it"
                elif category not in allowed:
                    not_sent[dotted] = "this share does not include its category"
                elif dotted in never:
                    not_sent[dotted] = "the pack says it is never sent"
                elif listed and dotted not in listed:
                    not_sent[dotted] = "the share names exact items, and not this one"
                else:
                    kept.append(n)
            if kept:
                going[record] = tuple(kept)
        derived = tuple(
            d
            for d in share.items
            if d in DERIVED_ITEMS
            and any(f.split(".")[0] in wanted for f in item_fields(d))
            and all(self._category(f) in allowed for f in item_fields(d))
        )
        return going, derived, not_sent

    def _condition(self, share: Share, facts: Facts, today: date) -> str | None:
        """Why the share's conditions do not hold now, or None."""
        if share.if_ is not None:
            truth = rules.test(
                share.if_,
                rules.Facts(
                    events={k: v for k, v in facts.events.items() if v is not None},
                    flags=facts.flags,
                    unknown=facts.unknown_flags,
                ),
            )
            if truth.value is not True:
                return "to people it states a condition for, and it is " + (
                    "not recorded" if truth.value is None else "not met"
                )
        when = share.when
        if when is None:
            return None
        if when.after is not None:
            happened = facts.events.get(when.after)
            if happened is None or happened > today:
                return f"after {self._event(when.after)}, which has not happened"
            if when.within is not None and rules.add_period(happened, when.within) < today:
                return f"within {when.within} of {self._event(when.after)}, which has passed"
        if when.before is not None:
            happened = facts.events.get(when.before)
            if happened is not None and happened <= today:
                return f"before {self._event(when.before)}, which has happened"
        return None

    def _event(self, code: str) -> str:
        from safehold.policy.schema import BUILTIN_EVENTS

        for e in self.pack.events:
            if e.code == code:
                return e.name
        return BUILTIN_EVENTS.get(code, ("", code))[1]
