"""The full notice's sections (also the printed booklet), in the order a privacy notice is
read, each with the pack's own words first and then the facts the system enforces.
"""

from __future__ import annotations

from safehold.policy.law import NATION_NAMES, Applies
from safehold.policy.notice.document import (
    Block,
    Bullets,
    Fact,
    Facts,
    Heading,
    Inset,
    Para,
    Section,
    Span,
    Table,
    Variant,
    WarningText,
    date_words,
)
from safehold.policy.notice.words import (
    AS_STATED,
    CONTACT_USE_WORDS,
    NOT_STATED,
    PREFERENCE_KIND_WORDS,
    RECIPIENT_KIND_WORDS,
    ROLE_WORDS,
    SECTION_ORDER,
    WORDING_KEYS,
    NoticeIndex,
    contact_key,
    contact_lines,
    is_uk,
    pack_wording,
    paragraphs_of,
    provision_label,
    supervisory_authority,
    website_span,
)
from safehold.policy.rights import RightStatement, derive_rights
from safehold.policy.schema import (
    Contact,
    ContactPoint,
    Extract,
    Gateway,
    Pack,
    Preference,
    Purpose,
    Recipient,
    Service,
    Share,
)
from safehold.policy.wording import (
    describe_action,
    describe_conditions,
    describe_rule,
    has_gap,
    join_words,
    lower_first,
    sentence,
)

# --- the full notice's sections -----------------------------------------------------------------


def _who_we_are(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    for controller in pack.controllers:
        rows = [Fact("Role", [Span(ROLE_WORDS[controller.role])])]
        if controller.address:
            rows.append(Fact("Address", [Span(controller.address)]))
        if controller.ico_registration:
            rows.append(Fact("ICO registration number", [Span(controller.ico_registration)]))
        if controller.acts_for:
            rows.append(
                Fact("Acts for", [Span(n) for n in ix.controller_names(controller.acts_for)])
            )
        blocks.append(Facts(rows, title=controller.name))
    several = len(pack.controllers) > 1 or any(s.acting_as == "processor" for s in pack.services)
    head = ["Service", "What it is", "Law", "Ages"] + (["Data controller"] if several else [])
    service_rows = []
    for service in pack.services:
        if service.age_min is not None and service.age_max is not None:
            ages = f"{service.age_min} to {service.age_max}"
        elif service.age_min is not None:
            ages = f"{service.age_min} and over"
        elif service.age_max is not None:
            ages = f"up to {service.age_max}"
        else:
            ages = ""
        row = [
            service.name,
            " ".join((service.description or "").split()),
            join_words(ix.legislation_titles(service.statutory_basis)),
            ages,
        ]
        if several:
            row.append(service_role_words(ix, service))
        service_rows.append(row)
    blocks.append(Table(head, service_rows, caption="Our services").without_empty_columns())
    if pack.partners:
        blocks.append(
            Bullets([Span(p.name) for p in pack.partners], intro="We work in partnership with:")
        )
    return blocks


def service_role_words(ix: NoticeIndex, service: Service) -> str:
    """Who is responsible for a service's records: its controller, or the controller a
    processor runs it for."""
    runner = ix.controller_names([service.controller])[0]
    if service.acting_as == "processor" and service.on_behalf_of:
        owner = ix.controller_names([service.on_behalf_of])[0]
        return f"{owner} (controller); {runner} runs it for them as processor"
    return runner


def _what_we_hold(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    subjects = [
        Span(f"{s.name}: {s.description}" if s.description else s.name) for s in pack.subjects
    ]
    rows = []
    for category in pack.categories:
        kinds = []
        if category.special_category:
            kinds.append("Special category data (UK GDPR Article 9)")
        if category.criminal_offence:
            kinds.append("Criminal offence data (UK GDPR Article 10)")
        whose = join_words(ix.subject_names(category.subjects)) if category.subjects else "Anyone"
        rows.append(
            [
                category.name,
                ", ".join(category.examples) or (category.description or ""),
                whose,
                "; ".join(kinds) or "Personal data",
                sentence(join_words(category.sources)) if category.sources else "",
            ]
        )
    return [
        Bullets(subjects, intro="We hold information about:"),
        Table(
            ["Information", "For example", "About whom", "Kind of data", "Where it comes from"],
            rows,
            caption="The information we hold",
        ).without_empty_columns(),
    ]


def _purpose_facts(ix: NoticeIndex, purpose: Purpose) -> Facts:
    rows: list[Fact] = []
    if purpose.description:
        rows.append(Fact("What we do", [Span(" ".join(purpose.description.split()))]))
    if purpose.services:
        rows.append(Fact("Services", [Span(n) for n in ix.service_names(purpose.services)]))
    if purpose.subjects:
        rows.append(Fact("About", [Span(n) for n in ix.subject_names(purpose.subjects)]))
    rows.append(Fact("Information used", [Span(n) for n in ix.category_names(purpose.categories)]))
    # Where the published notice is silent, the pack's assumption is for the DPO (the
    # conformance page and the record of processing), never printed here as the notice's word.
    if purpose.assumed_about("lawful_basis"):
        rows.append(Fact("Lawful basis", [Span(NOT_STATED)]))
    else:
        rows.append(
            Fact("Lawful basis", [Span(provision_label(code)) for code in purpose.lawful_basis])
        )
    if purpose.special_category_conditions and not purpose.assumed_about(
        "special_category_conditions"
    ):
        rows.append(
            Fact(
                "Special category data condition",
                [Span(provision_label(c)) for c in purpose.special_category_conditions],
            )
        )
    if purpose.criminal_offence_conditions and not purpose.assumed_about(
        "criminal_offence_conditions"
    ):
        rows.append(
            Fact(
                "Criminal offence data condition",
                [Span(provision_label(c)) for c in purpose.criminal_offence_conditions],
            )
        )
    if purpose.law_enforcement and not purpose.assumed_about("law_enforcement"):
        rows.append(
            Fact(
                "Law enforcement",
                [
                    Span(
                        "Some of this is for law enforcement purposes under Part 3 of the Data "
                        "Protection Act 2018: we keep a log of who consulted or disclosed it, "
                        "when and why."
                    )
                ],
            )
        )
    if purpose.legislation:
        rows.append(
            Fact("Legislation", [Span(t) for t in ix.legislation_titles(purpose.legislation)])
        )
    if purpose.identifiable != "yes" and not purpose.assumed_about("identifiable"):
        rows.append(Fact("Identifying people", [Span(_identifiable_words(purpose.identifiable))]))
    return Facts(rows, title=purpose.name)


def _identifiable_words(identifiable: str) -> str:
    if identifiable == "anonymised":
        return "Anonymised: no one can be identified from it."
    if identifiable == "pseudonymised":
        return "Pseudonymised: names and other direct identifiers are removed or replaced."
    return "Identifiable."


def _why(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = [_purpose_facts(ix, p) for p in pack.purposes]
    if pack.legislation:
        items = [Span(law_.title, law_.url) for law_ in pack.legislation]
        blocks.append(Bullets(items, intro="The laws and frameworks we work under:"))
    return blocks


def _share_rows(ix: NoticeIndex, share: Share, number: int | None) -> list[Fact]:
    suffix = f" ({number})" if number else ""
    rows = [Fact(f"What we share{suffix}", [Span(n) for n in ix.category_names(share.categories)])]
    if share.purposes:
        rows.append(Fact(f"What for{suffix}", [Span(n) for n in ix.purpose_names(share.purposes)]))
    rows.append(Fact(f"When{suffix}", [Span(sentence(describe_conditions(share.conditions)))]))
    notes = []
    rows += _gateway_rows(ix, share, suffix)
    if share.identifiable != "yes":
        notes.append(Span(_identifiable_words(share.identifiable)))
    if share.explained_to_subject:
        notes.append(Span("We will explain to you why we are sharing it."))
    if share.note:
        notes.append(Span(" ".join(share.note.split())))
    if notes:
        rows.append(Fact(f"Notes{suffix}", notes))
    return rows


def item_words(item: str) -> str:
    """A share's item in words: a derived item's name, or the field's ('case: opened on')."""
    from safehold.policy.schema import DERIVED_ITEMS

    if item in DERIVED_ITEMS:
        return DERIVED_ITEMS[item][0]
    record, _, name = item.partition(".")
    words = name.replace("_", " ")
    return f"your {words}" if record == "person" else f"{record}: {words}"


def consent_words(share: Share, gateways: dict[str, Gateway]) -> str | None:
    """What the person's consent decides about a share, from the pack (the same rule the
    gate applies: `safehold.sharing.decide.consent_dependence`)."""
    from safehold.sharing.decide import consent_dependence

    dependence = consent_dependence(share, gateways)
    if dependence == "required":
        return "Only with your consent. You can withdraw it at any time."
    if dependence == "sought":
        approval = share.override is not None and share.override.approval == "second-person"
        return (
            "We ask for your consent first. Without it we share only where someone's safety is "
            "at risk, and the member of staff must record why"
            + (" and a manager must approve it" if approval else "")
            + "."
        )
    return None


def _gateway_rows(ix: NoticeIndex, share: Share, suffix: str) -> list[Fact]:
    gateways = {g.code: g for g in ix.pack.gateways}
    rows: list[Fact] = []
    named = [gateways[g] for g in share.gateways if g in gateways]
    if named:
        rows.append(
            Fact(
                f"Legal basis for sharing{suffix}",
                [
                    Span(
                        g.name
                        + (f" ({g.provision})" if g.provision and g.provision not in g.name else "")
                    )
                    for g in named
                ],
            )
        )
    words = consent_words(share, gateways)
    if words:
        rows.append(Fact(f"Your consent{suffix}", [Span(words)]))
    if share.items:
        rows.append(
            Fact(
                f"Exactly what{suffix}",
                [Span(sentence(join_words(item_words(i) for i in share.items)))],
            )
        )
    if share.never:
        rows.append(
            Fact(
                f"Never shared{suffix}",
                [Span(sentence(join_words(item_words(i) for i in share.never)))],
            )
        )
    if share.when is not None:
        when = share.when.statement or _when_words(ix, share)
        rows.append(Fact(f"Only{suffix}", [Span(sentence(when))]))
    return rows


def _when_words(ix: NoticeIndex, share: Share) -> str:
    from safehold.policy.schema import BUILTIN_EVENTS

    names = {e.code: e.name for e in ix.pack.events} | {k: v[1] for k, v in BUILTIN_EVENTS.items()}
    when = share.when
    assert when is not None
    parts = []
    if when.after:
        parts.append(
            (f"within {when.within} after " if when.within else "after ")
            + names.get(when.after, when.after)
        )
    if when.before:
        parts.append("before " + names.get(when.before, when.before))
    return " and ".join(parts)


def _extract_facts(ix: NoticeIndex, extract: Extract) -> Facts:
    recipients = {r.code: r.name for r in ix.pack.recipients}
    rows = [
        Fact("To", [Span(recipients.get(extract.recipient, extract.recipient))]),
        Fact("What for", [Span(n) for n in ix.purpose_names([extract.purpose])]),
        Fact("What", [Span(sentence(join_words(item_words(i) for i in extract.items)))]),
        Fact("Identifiable?", [Span(_identifiable_words(extract.identifiable))]),
    ]
    if extract.consent:
        names = {p.code: p.name for p in ix.pack.preferences}
        rows.append(
            Fact(
                "Your consent",
                [
                    Span(
                        "Only if you have agreed to: "
                        + join_words(names.get(c, c) for c in extract.consent)
                        + ". If you withdraw, you are left out of every later return."
                    )
                ],
            )
        )
    if extract.schedule:
        rows.append(Fact("How often", [Span(sentence(extract.schedule))]))
    if extract.statement:
        rows.append(Fact("Notes", [Span(" ".join(extract.statement.split()))]))
    return Facts(rows, title=extract.name)


def _recipient_facts(ix: NoticeIndex, recipient: Recipient) -> list[Block]:
    rows: list[Fact] = []
    if recipient.description:
        rows.append(Fact("Who they are", [Span(" ".join(recipient.description.split()))]))
    if recipient.examples:
        rows.append(Fact("For example", [Span(join_words(recipient.examples))]))
    rows.append(Fact("Kind", [Span(sentence(RECIPIENT_KIND_WORDS[recipient.kind]))]))
    many = len(recipient.shares) > 1
    for number, share in enumerate(recipient.shares, 1):
        rows += _share_rows(ix, share, number if many else None)
    rows.append(
        Fact(
            "Can you object?",
            [Span("Yes, you can object to this sharing." if recipient.can_object else "No.")],
        )
    )
    if is_uk(recipient.country):
        where = (
            f"In the UK ({recipient.country})."
            if recipient.country != "United Kingdom"
            else "In the UK."
        )
        rows.append(Fact("Where", [Span(where)]))
    else:
        safeguard = recipient.transfer_safeguard or "not stated"
        rows.append(
            Fact(
                "Where",
                [
                    Span(f"{recipient.country}, outside the UK."),
                    Span(f"Safeguard: {safeguard}"),
                ],
            )
        )
    blocks: list[Block] = [Facts(rows, title=recipient.name)]
    if not recipient.shares or any(not s.conditions for s in recipient.shares):
        blocks.append(
            WarningText(
                f"This notice does not say when we share information with {recipient.name}."
            )
        )
    return blocks


TRANSFER_WORDS = {
    "uk-only": "We do not send your information outside the UK.",
    "uk-and-eea": (
        "Your information stays in the UK and the European Economic Area (EEA); we do not "
        "send it anywhere else."
    ),
    "adequacy": (
        "We send information outside the UK only to countries the UK recognises as protecting "
        "it adequately (UK adequacy regulations)."
    ),
    "safeguards": "Some information may be sent outside the UK, with safeguards to protect it.",
}


def outside_uk_statement(pack: Pack) -> str:
    """The territorial scope the notice states, then where any recipient abroad is."""
    scope = pack.transfer_scope
    if scope.assumed:
        words = " ".join((scope.statement or "").split()) or (
            "This notice does not say whether information is sent outside the UK."
        )
    else:
        words = " ".join((scope.statement or "").split()) or TRANSFER_WORDS[scope.scope]
        if scope.countries:
            words += f" Countries: {join_words(scope.countries)}."
        if scope.safeguards:
            words += f" Safeguards: {' '.join(scope.safeguards.split())}"
            words = words if words.endswith(".") else words + "."
    abroad = [r for r in pack.recipients if not is_uk(r.country)]
    if abroad:
        names = join_words(f"{r.name} ({r.country})" for r in abroad)
        words += f" We send some information outside the UK: to {names}."
    return words


def _sharing(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    if not pack.recipients:
        blocks.append(Para("This notice does not list anyone we share information with."))
    for recipient in pack.recipients:
        blocks += _recipient_facts(ix, recipient)
    if pack.extracts:
        blocks.append(Para("We also send regular returns:"))
        blocks += [_extract_facts(ix, x) for x in pack.extracts]
    blocks.append(Para(outside_uk_statement(pack)))
    blocks += statistics_blocks(pack)
    return blocks


def statistics_blocks(pack: Pack) -> list[Block]:
    """What the pack promises about published statistics, where it states it."""
    if "statistics" not in pack.model_fields_set:
        return []
    from safehold.statistics.profiles import from_schema

    blocks: list[Block] = [
        Heading("Statistics"),
        Para(
            "When we publish statistics or send them to government, they are totals about "
            "many people, never about one. " + from_schema(pack.statistics.suppression).describe()
        ),
    ]
    blocks += status_blocks(pack)
    names = {p.code: p.name for p in pack.preferences}
    for opt_out in pack.statistics.opt_outs:
        covered = "all our statistics" if "*" in opt_out.outputs else "the statistics it covers"
        blocks.append(
            Para(
                f"If you have chosen the {names.get(opt_out.preference, opt_out.preference)}, "
                f"you are left out of {covered}."
            )
        )
    return blocks


def status_blocks(pack: Pack) -> list[Block]:
    """The dated statuses the pack records for statistics: which, and what is counted."""
    measured = [k for k in pack.statuses if k.indicator]
    areas = [k for k in pack.statuses if k.outcome_area]
    blocks: list[Block] = []
    if measured:
        names = join_words([k.name.lower() for k in measured])
        blocks.append(
            Para(
                f"We record, with the dates they began and ended, a young person's {names}. "
                "The figures we send the Youth Justice Board count each child's position on "
                "the day their order or out-of-court disposal ended, as totals."
            )
        )
    if areas:
        names = join_words([k.name.lower() for k in areas])
        blocks.append(
            Para(
                f"For early help, we record with dates the needs a family has in these areas: "
                f"{names}. The figures we report count the needs identified at the start and "
                "the outcomes achieved by the end, as totals."
            )
        )
    return blocks


def _retention(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    if not pack.retention:
        return [WarningText("This notice does not state how long we keep information.")]
    rows = []
    gaps = []
    for rule in pack.retention:
        what = rule.name
        if rule.services:
            what += f" ({join_words(ix.service_names(rule.services))})"
        rows.append(
            [
                what,
                " ".join(rule.statement.split()),
                # An assumed reading is the DPO's, not the notice's: the public sees the words.
                AS_STATED if rule.assumed else sentence(describe_rule(rule, pack)),
                sentence(f"It is {describe_action(rule.action)}"),
            ]
        )
        if has_gap(rule.keep):
            gaps.append(rule.name)
    blocks: list[Block] = [
        Table(
            ["Information", "What we say", "How long we keep it", "What happens then"],
            rows,
            caption="How long we keep information",
        )
    ]
    if gaps:
        blocks.append(
            WarningText(
                f"No retention period is stated for: {join_words(gaps)}. "
                "We review this information rather than keeping it indefinitely."
            )
        )
    return blocks


def _right_lines(right: RightStatement, ix: NoticeIndex) -> list[Span]:
    lines = [Span(f"{right.applies_words}: the right {right.plain}.")]
    if right.reason:
        lines.append(Span(sentence(" ".join(right.reason.split()))))
    lines += [Span(sentence(q)) for q in right.qualifications]
    if right.absolute:
        lines.append(Span(f"Absolute: {right.absolute}"))
    lines += [Span(line) for line in right.on_behalf]
    if right.applies is not Applies.NO and 0 < len(right.where) < len(ix.pack.purposes):
        lines.append(Span(f"This applies to: {join_words(right.where)}."))
    lines.append(Span(f"({right.citation})"))
    return lines


def how_to_ask(ix: NoticeIndex, *, plain: bool) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    contact = ix.request_contact()
    if contact is not None:
        blocks.append(Para("To ask, contact:" if plain else "Where to send a request:"))
        blocks.append(Facts(contact_lines(contact)))
    if pack.rights.in_writing:
        blocks.append(
            Para("Please ask in writing." if plain else "Requests should be made in writing.")
        )
    if pack.rights.help_from:
        blocks.append(Inset(pack.rights.help_from))
    return blocks


def _clock_words(pack: Pack) -> str:
    return (
        "The month runs from the day we receive your request to the same date next month (or "
        "that month's last day). If that is a weekend or a bank holiday in "
        f"{NATION_NAMES[pack.rights.bank_holidays]}, we answer by the next working day. If we "
        "need proof of who you are or need you to tell us more about what you want, the time "
        "stops until we have it, then carries on."
    )


def _rights(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    rights = derive_rights(pack)
    blocks: list[Block] = [Facts([Fact(r.title, _right_lines(r, ix)) for r in rights])]
    blocks += how_to_ask(ix, plain=False)
    blocks.append(
        Para(
            "We will respond within one month of receiving your request. If a request is "
            "complex, we may extend this by up to two further months and will tell you why "
            "(UK GDPR Article 12(3))."
        )
    )
    blocks.append(Para(_clock_words(pack)))
    copy = []
    if pack.rights.access_shows_who_has_seen:
        copy.append("Your copy lists who has looked at your record.")
    if pack.rights.second_approval:
        copy.append("A second member of staff checks every copy before we send it.")
    if copy:
        blocks.append(Para(" ".join(copy)))
    if pack.rights.exemptions_note:
        blocks.append(Inset(pack.rights.exemptions_note))
    if pack.rights.proactive_disclosure:
        blocks.append(Para(" ".join(pack.rights.proactive_disclosure.split())))
    return blocks


def _preference_facts(ix: NoticeIndex, preference: Preference) -> Facts:
    rows = [
        Fact("What it is", [Span(" ".join(preference.statement.split()))]),
        Fact("Kind", [Span(PREFERENCE_KIND_WORDS[preference.kind])]),
        Fact("Who can give it", [Span(join_words(ix.subject_names(preference.given_by)))]),
    ]
    if preference.ask:
        rows.append(Fact("Who to ask", [Span(sentence(preference.ask))]))
    rows.append(
        Fact(
            "Can you change your mind?",
            [Span("Yes, at any time." if preference.withdrawable else "No.")],
        )
    )
    if preference.url:
        rows.append(Fact("More information", [website_span(preference.url)]))
    return Facts(rows, title=preference.name)


def _consents(ix: NoticeIndex) -> list[Block]:
    if not ix.pack.preferences:
        return [Para("This notice does not list any consents or preferences you can give.")]
    return [_preference_facts(ix, p) for p in ix.pack.preferences]


def _security(ix: NoticeIndex) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    if pack.security:
        blocks.append(
            Bullets([Span(s.text) for s in pack.security_measures], intro="We keep it secure:")
        )
    else:
        blocks.append(WarningText("This notice does not describe the security measures we use."))
    blocks.append(Para(outside_uk_statement(pack)))
    return blocks


def _automated(ix: NoticeIndex) -> list[Block]:
    decisions = ix.pack.automated_decisions
    blocks: list[Block] = [
        Para(
            "We use automated decision-making."
            if decisions.used
            else "We do not make decisions about you by automated means alone, including profiling."
        )
    ]
    if decisions.statement:
        blocks.append(Para(" ".join(decisions.statement.split())))
    return blocks


def _changes(ix: NoticeIndex, wording: list[str]) -> list[Block]:
    notice = ix.pack.notice
    blocks: list[Block] = [Para(p) for p in paragraphs_of(notice.changes)]
    if not blocks and not wording:
        blocks.append(Para("The current version of this notice is always published on this page."))
    if notice.published:
        blocks.append(Para(f"This notice was last updated on {date_words(notice.published)}."))
    return blocks


def _complaints(ix: NoticeIndex, *, plain: bool = False) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    dpo_cards: list[tuple[tuple[object, ...], list[str], Contact]] = []
    for controller in pack.controllers:
        if controller.dpo is None:
            continue
        key = contact_key(controller.dpo)
        for seen_key, names, _contact in dpo_cards:
            if seen_key == key:
                names.append(controller.name)
                break
        else:
            dpo_cards.append((key, [controller.name], controller.dpo))

    uses: dict[tuple[object, ...], list[str]] = {}
    points: list[ContactPoint] = []
    dpo_keys = {key for key, _names, _contact in dpo_cards}
    for point in pack.contacts:
        use = [CONTACT_USE_WORDS[f] for f in point.for_]
        if contact_key(point) in dpo_keys:
            uses.setdefault(contact_key(point), []).extend(use)
        else:
            points.append(point)

    for key, names, contact in dpo_cards:
        rows = contact_lines(contact)
        if uses.get(key):
            rows.insert(
                0,
                Fact("Contact them about", [Span(sentence(join_words(dict.fromkeys(uses[key]))))]),
            )
        blocks.append(Facts(rows, title=f"Data Protection Officer: {join_words(names)}"))
    for point in points:
        rows = [
            Fact(
                "Contact them about",
                [Span(sentence(join_words(CONTACT_USE_WORDS[f] for f in point.for_)))],
            )
        ]
        rows += contact_lines(point)
        blocks.append(Facts(rows, title=point.name or point.team or "Contact"))

    authority = supervisory_authority(pack)
    blocks.append(Heading("The supervisory authority"))
    blocks.append(
        Para(
            f"You have the right to complain to the {authority.name}, which regulates data "
            "protection in the UK."
        )
    )
    if authority.complain_first:
        blocks.append(
            Inset(
                f"The {authority.name} would like you to complain to us first, and to have "
                "our response, before you contact them."
            )
        )
    rows = contact_lines(authority)
    blocks.append(Facts(rows, title=authority.name))
    if pack.notice.further_reading:
        blocks.append(
            Bullets([Span(t) for t in pack.notice.further_reading], intro="Further information:")
        )
    return blocks


def _acknowledgement(ix: NoticeIndex) -> list[Block]:
    ack = ix.pack.notice.acknowledgement
    blocks: list[Block] = []
    if ack.text:
        blocks += [Para(p) for p in paragraphs_of(ack.text)]
    if ack.required:
        who = join_words(ix.subject_names(ack.by, plain=True)) if ack.by else "you"
        blocks.append(
            Para(f"We will ask {lower_first(who)} to confirm that this notice has been received.")
        )
    elif not ack.text:
        blocks.append(
            Para("You do not need to sign anything to say you have received this notice.")
        )
    return blocks


_HEADINGS = {
    "who-we-are": "Who we are",
    "what-we-hold": "What information we hold",
    "why": "Why we have it and our lawful basis",
    "sharing": "Who we share it with and why",
    "retention": "How long we keep it",
    "rights": "Your rights",
    "consents": "Consents and preferences",
    "security": "How we keep it secure",
    "automated-decisions": "Automated decisions",
    "changes": "Changes to this notice",
    "complaints": "Complaints and contacts",
    "acknowledgement": "Acknowledgement",
    "enforcement": "How this notice is enforced",
}


def commitments(ix: NoticeIndex, section: str, *, plain: bool) -> list[Block]:
    """The notice's promises printed in their section, each saying what keeps it."""
    from safehold.policy.conformance import ANNEX_WORDS
    from safehold.policy.enforcement import MECHANISMS

    items = []
    for commitment in ix.pack.commitments:
        if not commitment.printed or _WORDING_KEYS_OF.get(commitment.section) != section:
            continue
        text = " ".join(commitment.text.split())
        mechanism = MECHANISMS.get(commitment.enforced_by or "")
        if plain:
            items.append(Span(text))
        elif mechanism is not None:
            how = ANNEX_WORDS[mechanism.kind]
            items.append(Span(f"{text} How we keep it: the system enforces it, by {how}."))
        else:
            items.append(Span(f"{text} How we keep it: stated only; the system does not check it."))
    if not items:
        return []
    return [Bullets(items, intro="What we promise:" if plain else "Our commitments:")]


_WORDING_KEYS_OF: dict[str, str] = {
    key: section for section, keys in WORDING_KEYS.items() for key in keys
}


def annex_blocks(ix: NoticeIndex) -> list[Block]:
    from safehold.policy.conformance import annex_lines, conformance

    first, *rest = annex_lines(conformance(ix.pack))
    return (
        [Para(first), Bullets([Span(line) for line in rest], intro="What enforces them:")]
        if rest
        else [Para(first)]
    )


def sections_of(pack: Pack) -> tuple[str, ...]:
    return SECTION_ORDER + (("enforcement",) if pack.notice.enforcement_annex else ())


def full_sections(pack: Pack, variant: Variant) -> list[Section]:
    ix = NoticeIndex(pack)
    builders = {
        "who-we-are": _who_we_are,
        "what-we-hold": _what_we_hold,
        "why": _why,
        "sharing": _sharing,
        "retention": _retention,
        "rights": _rights,
        "consents": _consents,
        "security": _security,
        "automated-decisions": _automated,
        "complaints": _complaints,
        "acknowledgement": _acknowledgement,
        "enforcement": annex_blocks,
    }
    sections = []
    for section_id in sections_of(pack):
        wording = pack_wording(pack, section_id, variant)
        blocks = _changes(ix, wording) if section_id == "changes" else builders[section_id](ix)
        blocks = blocks + commitments(ix, section_id, plain=False)
        sections.append(Section(section_id, _HEADINGS[section_id], wording, blocks))
    return sections
