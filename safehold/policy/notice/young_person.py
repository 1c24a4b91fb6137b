"""The young person's notice: the same facts in plain words and short sentences, spoken to
the young person.
"""

from __future__ import annotations

from safehold.policy.law import Applies
from safehold.policy.notice.document import (
    Block,
    Bullets,
    Fact,
    Facts,
    Para,
    Section,
    Span,
    date_words,
)
from safehold.policy.notice.full import (
    annex_blocks,
    commitments,
    how_to_ask,
    outside_uk_statement,
    sections_of,
)
from safehold.policy.notice.words import (
    NoticeIndex,
    contact_lines,
    pack_wording,
    provision_plain,
    supervisory_authority,
)
from safehold.policy.rights import derive_rights
from safehold.policy.schema import (
    Contact,
    Gateway,
    GatewayKind,
    Pack,
    Recipient,
    Share,
)
from safehold.policy.wording import (
    describe_action,
    describe_conditions,
    describe_rule,
    join_words,
    lower_first,
    sentence,
)

# --- the young person's sections ----------------------------------------------------------------

_YP_HEADINGS = {
    "who-we-are": "About this notice",
    "what-we-hold": "What we write down",
    "why": "Why we have it",
    "sharing": "Who we tell",
    "retention": "How long we keep it",
    "rights": "What you can ask us to do",
    "consents": "Things you can agree to or say no to",
    "security": "Keeping it safe",
    "automated-decisions": "Decisions made by computers",
    "changes": "If this notice changes",
    "complaints": "If you are not happy",
    "acknowledgement": "Saying you have had this notice",
    "enforcement": "How we make sure we keep these promises",
}


def _yp_who(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    run_by = join_words(c.name for c in pack.controllers)
    blocks: list[Block] = [Para(f"This notice is from {pack.name}. It is run by {run_by}.")]
    contact = ix.request_contact()
    if contact is not None:
        blocks.append(Para("If something here is not clear, ask us:"))
        blocks.append(Facts(contact_lines(contact)))
    return blocks


def _yp_hold(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    about = join_words(ix.subject_names((s.code for s in pack.subjects), plain=True))
    items = [Span(c.plain or lower_first(c.name)) for c in pack.categories]
    blocks: list[Block] = [
        Para(f"We write down information about {about}."),
        Bullets(items, intro="This can include:"),
    ]
    special = [c.plain or lower_first(c.name) for c in pack.categories if c.special_category]
    criminal = [c.plain or lower_first(c.name) for c in pack.categories if c.criminal_offence]
    if special:
        blocks.append(
            Para(
                f"Some of it is extra private, like {join_words(special)}. The law protects it more."
            )
        )
    if criminal:
        blocks.append(
            Para(f"Information about {join_words(criminal)} is also protected more by the law.")
        )
    return blocks


def _yp_why(ix: NoticeIndex) -> list[Block]:
    items = []
    for purpose in ix.pack.purposes:
        what = purpose.plain or purpose.name
        if purpose.assumed_about("lawful_basis"):
            items.append(Span(sentence(what)))
            continue
        because = join_words((provision_plain(b) for b in purpose.lawful_basis), "and")
        items.append(Span(f"{sentence(what)} We can do this because {because}."))
    return [Bullets(items, intro="We use it:")]


# Each kind of legal gateway in a young person's words (the full notice names the law).
_YP_GATEWAY = {
    GatewayKind.CONSENT: "if you agree",
    GatewayKind.LAW: "because a law says we can or must",
    GatewayKind.COURT_ORDER: "when a court tells us to",
    GatewayKind.SAFEGUARDING: "without asking you, if you or someone else may be in danger",
    GatewayKind.SERVICE: "because it is part of the help we give you",
}


def _yp_gateway(ix: NoticeIndex, gateway: Gateway) -> str:
    words = _YP_GATEWAY[gateway.kind]
    if gateway.kind == GatewayKind.LAW and gateway.legislation:
        # An Act's title, never an article: the young person's version names no provisions.
        words += f" (the {join_words(ix.legislation_titles(gateway.legislation))})"
    return words


def _yp_consent(ix: NoticeIndex, share: Share, gateways: dict[str, Gateway]) -> str:
    """Whether the young person's agreement decides, from the rule the gate applies
    (`safehold.sharing.decide.consent_dependence`): without it, only under the share's other
    gateways, each in words."""
    from safehold.sharing.decide import consent_dependence

    dependence = consent_dependence(share, gateways)
    if dependence == "required":
        return "Only if you agree. You can change your mind at any time, and then we stop."
    if dependence == "sought":
        others = [
            gateways[g]
            for g in share.gateways
            if g in gateways and gateways[g].kind != GatewayKind.CONSENT
        ]
        text = "We ask you first."
        if others:
            text += " If you say no, we only tell them " + join_words(
                (_yp_gateway(ix, g) for g in others), "or"
            )
        if any(g.kind == GatewayKind.SAFEGUARDING for g in others):
            approval = share.override is not None and share.override.approval == "second-person"
            text += ", and we write down why" + (
                ", and a manager must say yes too" if approval else ""
            )
        return text.rstrip(".") + "."
    return "We do not need you to agree to this."


def _yp_share_rows(ix: NoticeIndex, share: Share, number: int | None) -> list[Fact]:
    """One share of a recipient in the young person's words: when, why we are allowed to,
    what goes (and never goes), whether they can tell it is you, and whether you decide."""
    from safehold.policy.notice.full import _when_words, item_words

    suffix = f" ({number})" if number else ""
    gateways = {g.code: g for g in ix.pack.gateways}
    rows: list[Fact] = []
    when = describe_conditions(share.conditions) if share.conditions else "sometimes"
    rows.append(Fact(f"When{suffix}", [Span(sentence(when))]))
    named = [gateways[g] for g in share.gateways if g in gateways]
    if named:
        rows.append(
            Fact(
                f"Why we are allowed to{suffix}",
                [Span(sentence(_yp_gateway(ix, g))) for g in named],
            )
        )
    if share.items:
        what = join_words(item_words(i) for i in share.items)
    else:
        what = join_words(ix.category_names(share.categories, plain=True))
    rows.append(Fact(f"What we tell them{suffix}", [Span(sentence(what))]))
    if share.never:
        rows.append(
            Fact(
                f"What we never tell them{suffix}",
                [Span(sentence(join_words(item_words(i) for i in share.never)))],
            )
        )
    if share.when is not None:
        rows.append(
            Fact(f"Only{suffix}", [Span(sentence(share.when.statement or _when_words(ix, share)))])
        )
    if share.identifiable == "anonymised":
        rows.append(Fact(f"Can they tell it is you?{suffix}", [Span("No.")]))
    elif share.identifiable == "pseudonymised":
        rows.append(
            Fact(
                f"Can they tell it is you?{suffix}",
                [Span("No. They get a code instead of your name, and cannot turn it back.")],
            )
        )
    decide = [Span(_yp_consent(ix, share, gateways))]
    if share.explained_to_subject:
        decide.append(Span("We will tell you why we are sharing it."))
    rows.append(Fact(f"Do you have to agree?{suffix}", decide))
    return rows


def _yp_recipient(ix: NoticeIndex, recipient: Recipient) -> Facts:
    numbered = len(recipient.shares) > 1
    rows: list[Fact] = []
    for number, share in enumerate(recipient.shares, 1):
        rows += _yp_share_rows(ix, share, number if numbered else None)
    # The objections and preferences the gate applies to this recipient (as
    # `SharePolicy.withholding` picks them), for any purpose it shares for.
    purposes = {p for s in recipient.shares for p in s.purposes}
    say_no = [
        p.name
        for p in ix.pack.preferences
        if p.kind != "consent"
        and p.withholds is not None
        and (not p.withholds.recipients or recipient.code in p.withholds.recipients)
        and (
            not p.withholds.purposes
            or not purposes
            or any(not s.purposes for s in recipient.shares)
            or purposes & set(p.withholds.purposes)
        )
    ]
    lines = []
    if recipient.can_object:
        lines.append(
            Span("You can say no to this. We stop unless the law or a court says we must.")
        )
    lines += [Span(f"You can ask for this: {lower_first(n)}.") for n in say_no]
    if lines:
        rows.append(Fact("Saying no", lines))
    return Facts(rows, title=recipient.name)


def _yp_sharing(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    if pack.recipients:
        blocks.append(
            Para(
                "These are the people and places we may tell about you, and the rules we "
                "follow. Our computer system checks these rules each time, and keeps a list of "
                "everything we share."
            )
        )
        blocks += [_yp_recipient(ix, r) for r in pack.recipients]
    else:
        blocks.append(Para("This notice does not list anyone we share information with."))
    blocks.append(Para(outside_uk_statement(pack)))
    return blocks


def _yp_retention(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    if not pack.retention:
        return [Para("This notice does not say how long we keep information.")]
    items = []
    for rule in pack.retention:
        if rule.assumed:
            keep = lower_first(" ".join(rule.statement.split()).rstrip("."))
        else:
            keep = describe_rule(rule, pack, you=about_the_young_person(ix, rule.categories))
        items.append(Span(f"{rule.name}: {keep}. Then it is {describe_action(rule.action)}."))
    return [Bullets(items, intro="We keep:")]


def about_the_young_person(ix: NoticeIndex, categories: list[str]) -> bool:
    """Whether information is the young person's own, so the notice can say 'your': a rule on
    a parent's records is not about 'your 25th birthday'."""
    readers = set(ix.pack.notice.young_person_subjects)
    chosen = [ix.categories[c] for c in categories if c in ix.categories]
    if not chosen:
        chosen = list(ix.pack.categories)
    return any(not c.subjects or readers & set(c.subjects) for c in chosen)


def _yp_rights(ix: NoticeIndex) -> list[Block]:
    items = []
    cannot = []
    for right in derive_rights(ix.pack):
        extra = " ".join(sentence(q) for q in ([right.reason] if right.reason else []))
        extra += "".join(f" {sentence(q)}" for q in right.qualifications)
        extra += "".join(f" {line}" for line in right.on_behalf)
        if right.absolute:
            extra += (
                " You can always tell us to stop using your information for direct marketing, "
                "and we will stop."
            )
        extra = f" {extra.strip()}" if extra.strip() else ""
        if right.applies is Applies.YES:
            items.append(Span(f"{right.plain}.{extra}"))
        elif right.applies is Applies.LIMITED:
            items.append(Span(f"in some cases, {right.plain}.{extra}"))
        else:
            cannot.append(Span(f"{right.plain}.{extra}"))
    blocks: list[Block] = [Bullets(items, intro="You have the right:")]
    if cannot:
        blocks.append(Bullets(cannot, intro="Here the law does not give you the right:"))
    blocks += how_to_ask(ix, plain=True)
    blocks.append(Para("We will answer within one month."))
    return blocks


def _yp_consents(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    if not pack.preferences:
        return [Para("There is nothing in this notice you need to agree to.")]
    items = []
    for preference in pack.preferences:
        text = f"{preference.name}: {' '.join(preference.statement.split())}"
        if preference.ask:
            text += f" Tell {lower_first(preference.ask.rstrip('.'))}."
        if preference.withdrawable:
            text += " You can change your mind."
        items.append(Span(text))
    return [Bullets(items)]


def _yp_security(ix: NoticeIndex) -> list[Block]:
    blocks: list[Block] = [Para("Only people who need to see your information can see it.")]
    if ix.pack.security:
        blocks.append(Bullets([Span(s.text) for s in ix.pack.security_measures]))
    return blocks


def _yp_automated(ix: NoticeIndex) -> list[Block]:
    if ix.pack.automated_decisions.used:
        return [
            Para(
                "Sometimes a computer helps make a decision about you. You can ask for a "
                "person to check it and explain it."
            )
        ]
    return [Para("A computer never makes decisions about you on its own. A person always does.")]


def _yp_changes(ix: NoticeIndex, wording: list[str]) -> list[Block]:
    blocks: list[Block] = []
    if not wording:
        blocks.append(Para("If we change this notice, the new one will be on this page."))
    if ix.pack.notice.published:
        blocks.append(
            Para(f"This notice was last changed on {date_words(ix.pack.notice.published)}.")
        )
    return blocks


def _yp_complaints(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    contact = ix.request_contact() or next(
        (c for c in pack.contacts if "complaints" in c.for_), None
    )
    dpo = next((c.dpo for c in pack.controllers if c.dpo is not None), None)
    who: Contact | None = contact or dpo
    if who is not None:
        blocks.append(Para("Tell us. You can contact:"))
        blocks.append(Facts(contact_lines(who)))
    authority = supervisory_authority(pack)
    reach = [authority.website or "", *(p.number for p in authority.phone)]
    how = join_words([r for r in reach if r], "or")
    text = f"You can also complain to the {authority.name}"
    text += f" ({how})." if how else "."
    blocks.append(Para(text))
    if authority.complain_first:
        blocks.append(Para("They would like you to tell us first."))
    return blocks


def _yp_acknowledgement(ix: NoticeIndex) -> list[Block]:
    ack = ix.pack.notice.acknowledgement
    if ack.required:
        return [Para("We will ask you to sign to say you have had this notice.")]
    return [Para("You do not need to sign anything.")]


def young_person_sections(pack: Pack) -> list[Section]:
    ix = NoticeIndex(pack)
    builders = {
        "who-we-are": _yp_who,
        "what-we-hold": _yp_hold,
        "why": _yp_why,
        "sharing": _yp_sharing,
        "retention": _yp_retention,
        "rights": _yp_rights,
        "consents": _yp_consents,
        "security": _yp_security,
        "automated-decisions": _yp_automated,
        "complaints": _yp_complaints,
        "acknowledgement": _yp_acknowledgement,
        "enforcement": annex_blocks,
    }
    sections = []
    for section_id in sections_of(pack):
        wording = pack_wording(pack, section_id, "young-person")
        blocks = _yp_changes(ix, wording) if section_id == "changes" else builders[section_id](ix)
        blocks = blocks + commitments(ix, section_id, plain=True)
        sections.append(Section(section_id, _YP_HEADINGS[section_id], wording, blocks))
    return sections
