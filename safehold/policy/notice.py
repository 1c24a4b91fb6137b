"""The privacy notice, printed from the pack.

`notice_document` turns a pack into a structured document: sections in the order a
privacy notice is read, each with the pack's own words first (when it has them) and then
the facts the system enforces. The HTML variants, the Markdown and the plain text are all
renderings of that one document, so they can never say different things.

Variants:

- ``full``: the public web page;
- ``print``: the same facts laid out as a printable booklet;
- ``young-person``: plain words, short sentences, spoken to the young person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar, Literal

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from safehold.policy import law
from safehold.policy.law import Applies
from safehold.policy.rights import RightStatement, derive_rights
from safehold.policy.schema import (
    Contact,
    ContactPoint,
    ControllerRole,
    DataCategory,
    Extract,
    Gateway,
    NoticeSection,
    Pack,
    Preference,
    Purpose,
    Recipient,
    RecipientKind,
    Service,
    Share,
    SupervisoryAuthority,
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

Variant = Literal["full", "print", "young-person"]
VARIANTS: tuple[Variant, ...] = ("full", "print", "young-person")

TEMPLATES: dict[Variant, str] = {
    "full": "policy/notice.html",
    "print": "policy/notice_print.html",
    "young-person": "policy/notice_young_person.html",
}

# --- the document -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A piece of text, optionally a link."""

    text: str
    href: str | None = None

    def plain(self) -> str:
        if self.href and self.href.removeprefix("mailto:") != self.text:
            return f"{self.text} ({self.href})"
        return self.text

    def markdown(self) -> str:
        text = _md_escape(self.text)
        return f"[{text}]({self.href})" if self.href else text


@dataclass(frozen=True)
class Fact:
    key: str
    lines: list[Span]


@dataclass(frozen=True)
class Para:
    kind: ClassVar[str] = "para"
    text: str


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    text: str


@dataclass(frozen=True)
class Bullets:
    kind: ClassVar[str] = "bullets"
    items: list[Span]
    intro: str | None = None


@dataclass(frozen=True)
class Facts:
    """Key and value pairs: a summary list, or a summary card when it has a title."""

    kind: ClassVar[str] = "facts"
    rows: list[Fact]
    title: str | None = None


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    head: list[str]
    rows: list[list[str]]
    caption: str | None = None

    def without_empty_columns(self) -> Table:
        """The table without columns that no row fills in (the first column always stays)."""
        keep = [
            i for i in range(len(self.head)) if i == 0 or any(row[i].strip() for row in self.rows)
        ]
        return Table(
            [self.head[i] for i in keep],
            [[row[i] for i in keep] for row in self.rows],
            self.caption,
        )

    def params(self) -> dict[str, object]:
        """The table as `govukTable` parameters (text only, so the macro escapes it)."""
        return {
            "caption": self.caption,
            "captionClasses": "govuk-table__caption--m",
            "firstCellIsHeader": True,
            "head": [{"text": h} for h in self.head],
            "rows": [[{"text": c} for c in row] for row in self.rows],
        }


@dataclass(frozen=True)
class Inset:
    kind: ClassVar[str] = "inset"
    text: str


@dataclass(frozen=True)
class WarningText:
    """A gap or a caution the reader must not miss."""

    kind: ClassVar[str] = "warning"
    text: str


Block = Para | Heading | Bullets | Facts | Table | Inset | WarningText


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    wording: list[str] = field(default_factory=list)
    """The pack's own words for this section, paragraph by paragraph."""
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class NoticeDocument:
    code: str
    name: str
    title: str
    variant: Variant
    summary: list[str]
    published: date | None
    sections: list[Section]

    @property
    def published_words(self) -> str | None:
        return _date_words(self.published) if self.published else None


# --- small helpers ------------------------------------------------------------------------------

SECTION_ORDER = (
    "who-we-are",
    "what-we-hold",
    "why",
    "sharing",
    "retention",
    "rights",
    "consents",
    "security",
    "automated-decisions",
    "changes",
    "complaints",
    "acknowledgement",
)

# Which of the pack's own section texts belong to each section of the document.
_WORDING_KEYS: dict[str, tuple[NoticeSection, ...]] = {
    "who-we-are": ("intro",),
    "what-we-hold": ("what-we-hold",),
    "why": ("why", "lawful-basis"),
    "sharing": ("sharing",),
    "retention": ("retention",),
    "rights": ("rights",),
    "security": ("security",),
    "changes": ("changes",),
    "complaints": ("complaints", "contact"),
}

_ROLE_WORDS = {
    ControllerRole.CONTROLLER: "Data controller",
    ControllerRole.JOINT_CONTROLLER: "Joint controller",
    ControllerRole.PROCESSOR: "Processor, acting on a controller's instructions",
}

RECIPIENT_KIND_WORDS = {
    RecipientKind.INTERNAL: "part of our own organisation",
    RecipientKind.CONTROLLER: "another organisation, responsible for the information it receives",
    RecipientKind.JOINT_CONTROLLER: "an organisation jointly responsible for the information with us",
    RecipientKind.PROCESSOR: "an organisation that works on our behalf and only on our instructions",
    RecipientKind.PERSON: "a person",
}

_PREFERENCE_KIND_WORDS = {
    "consent": "Something you can agree to",
    "preference": "A choice you can make",
    "objection": "Something you can object to",
    "opt-out": "Something you can opt out of",
}

_CONTACT_USE_WORDS = {
    "rights-requests": "requests about your rights",
    "complaints": "complaints",
    "changes": "telling us about changes",
    "questions": "questions",
    "service": "the service",
    "data-protection": "data protection",
}

_ALL_INFORMATION = "all the information we hold"
NOT_STATED = "Not stated in this notice."
AS_STATED = "As stated."


def _date_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _paragraphs(text: str | None) -> list[str]:
    if not text:
        return []
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _md_escape(text: str) -> str:
    for char in ("\\", "*", "_", "[", "]", "|", "`"):
        text = text.replace(char, "\\" + char)
    return text


def _website(url: str) -> Span:
    href = url if url.startswith(("http://", "https://")) else f"https://{url}"
    return Span(url, href)


def _email(address: str) -> Span:
    return Span(address, f"mailto:{address}")


def is_uk(country: str) -> bool:
    return country.strip().lower() in law.UK_COUNTRIES


class _Index:
    """Look-ups from codes to the things a pack names."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.categories = {c.code: c for c in pack.categories}
        self.subjects = {s.code: s for s in pack.subjects}
        self.purposes = {p.code: p for p in pack.purposes}
        self.services = {s.code: s for s in pack.services}
        self.controllers = {c.code: c for c in pack.controllers}
        self.legislation = {law_.code: law_ for law_ in pack.legislation}
        self.contacts = {c.code: c for c in pack.contacts}

    def category_names(self, codes: Iterable[str], *, plain: bool = False) -> list[str]:
        names: list[str] = []
        for code in codes:
            if code == "*":
                return [_ALL_INFORMATION]
            category = self.categories.get(code)
            if category is None:
                names.append(code)
            elif plain:
                names.append(category.plain or lower_first(category.name))
            else:
                names.append(category_label(category))
        return names

    def purpose_names(self, codes: Iterable[str], *, plain: bool = False) -> list[str]:
        names = []
        for code in codes:
            purpose = self.purposes.get(code)
            if purpose is None:
                names.append(code)
            else:
                names.append((purpose.plain or purpose.name) if plain else purpose.name)
        return names

    def service_names(self, codes: Iterable[str]) -> list[str]:
        return [self.services[c].name if c in self.services else c for c in codes]

    def subject_names(self, codes: Iterable[str], *, plain: bool = False) -> list[str]:
        names = []
        for code in codes:
            subject = self.subjects.get(code)
            if subject is None:
                names.append(code)
            else:
                names.append(
                    (subject.plain or lower_first(subject.name)) if plain else subject.name
                )
        return names

    def legislation_titles(self, codes: Iterable[str]) -> list[str]:
        return [self.legislation[c].title if c in self.legislation else c for c in codes]

    def controller_names(self, codes: Iterable[str]) -> list[str]:
        return [self.controllers[c].name if c in self.controllers else c for c in codes]

    def request_contact(self) -> ContactPoint | None:
        code = self.pack.rights.request_to
        if code and code in self.contacts:
            return self.contacts[code]
        return next((c for c in self.pack.contacts if "rights-requests" in c.for_), None)


def category_label(category: DataCategory) -> str:
    marks = []
    if category.special_category:
        marks.append("special category data")
    if category.criminal_offence:
        marks.append("criminal offence data")
    return f"{category.name} ({' and '.join(marks)})" if marks else category.name


def provision_label(code: str) -> str:
    """'Public task (UK GDPR Article 6(1)(e))' for any Article 6/9/10 or Schedule 1 code."""
    for table in (law.ARTICLE_6, law.ARTICLE_9, law.SCHEDULE_1, law.ARTICLE_10):
        if code in table:
            provision = table[code]
            return f"{provision.title} ({provision.citation})"
    return code


def provision_plain(code: str) -> str:
    for table in (law.ARTICLE_6, law.ARTICLE_9, law.SCHEDULE_1, law.ARTICLE_10):
        if code in table:
            return table[code].plain
    return code


def supervisory_authority(pack: Pack) -> SupervisoryAuthority:
    """The pack's supervisory authority; in the UK that is the ICO when a pack is silent."""
    return pack.supervisory_authority or SupervisoryAuthority(website="https://ico.org.uk")


def contact_lines(contact: Contact) -> list[Fact]:
    rows: list[Fact] = []
    if contact.name:
        rows.append(Fact("Name", [Span(contact.name)]))
    if contact.team:
        rows.append(Fact("Team", [Span(contact.team)]))
    if contact.email:
        rows.append(Fact("Email", [_email(contact.email)]))
    if contact.phone:
        phones = [Span(f"{p.number} ({p.label})" if p.label else p.number) for p in contact.phone]
        rows.append(Fact("Telephone", phones))
    if contact.post:
        rows.append(
            Fact("Post", [Span(line.strip()) for line in contact.post.splitlines() if line.strip()])
        )
    if contact.website:
        rows.append(Fact("Website", [_website(contact.website)]))
    if contact.note:
        rows.append(Fact("Note", [Span(contact.note)]))
    return rows


def _contact_key(contact: Contact) -> tuple[object, ...]:
    return (
        (contact.email or "").lower(),
        tuple(p.number for p in contact.phone),
        " ".join((contact.post or "").split()),
    )


def contact_summary(contact: Contact) -> str:
    """One line: 'Data Protection Officer, Data.protection@..., 01223 699137'."""
    parts = [contact.name or contact.team or ""]
    parts += [contact.email or ""]
    parts += [p.number for p in contact.phone]
    if not (contact.email or contact.phone) and contact.post:
        parts.append(" ".join(contact.post.split()))
    if not (contact.email or contact.phone or contact.post) and contact.website:
        parts.append(contact.website)
    return ", ".join(p for p in parts if p)


def _wording(pack: Pack, section: str, variant: Variant) -> list[str]:
    texts = pack.notice.young_person if variant == "young-person" else pack.notice.wording
    paragraphs: list[str] = []
    for key in _WORDING_KEYS.get(section, ()):
        paragraphs += _paragraphs(texts.get(key))
    return paragraphs


# --- the full notice's sections -----------------------------------------------------------------


def _who_we_are(ix: _Index) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    for controller in pack.controllers:
        rows = [Fact("Role", [Span(_ROLE_WORDS[controller.role])])]
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


def service_role_words(ix: _Index, service: Service) -> str:
    """Who is responsible for a service's records: its controller, or the controller a
    processor runs it for."""
    runner = ix.controller_names([service.controller])[0]
    if service.acting_as == "processor" and service.on_behalf_of:
        owner = ix.controller_names([service.on_behalf_of])[0]
        return f"{owner} (controller); {runner} runs it for them as processor"
    return runner


def _what_we_hold(ix: _Index) -> list[Block]:
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


def _purpose_facts(ix: _Index, purpose: Purpose) -> Facts:
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


def _why(ix: _Index) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = [_purpose_facts(ix, p) for p in pack.purposes]
    if pack.legislation:
        items = [Span(law_.title, law_.url) for law_ in pack.legislation]
        blocks.append(Bullets(items, intro="The laws and frameworks we work under:"))
    return blocks


def _share_rows(ix: _Index, share: Share, number: int | None) -> list[Fact]:
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


def _gateway_rows(ix: _Index, share: Share, suffix: str) -> list[Fact]:
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


def _when_words(ix: _Index, share: Share) -> str:
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


def _extract_facts(ix: _Index, extract: Extract) -> Facts:
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


def _recipient_facts(ix: _Index, recipient: Recipient) -> list[Block]:
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


def _sharing(ix: _Index) -> list[Block]:
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
    return blocks


def _retention(ix: _Index) -> list[Block]:
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


def _right_lines(right: RightStatement, ix: _Index) -> list[Span]:
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


def _how_to_ask(ix: _Index, *, plain: bool) -> list[Block]:
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


def _rights(ix: _Index) -> list[Block]:
    pack = ix.pack
    rights = derive_rights(pack)
    blocks: list[Block] = [Facts([Fact(r.title, _right_lines(r, ix)) for r in rights])]
    blocks += _how_to_ask(ix, plain=False)
    blocks.append(
        Para(
            "We will respond within one month of receiving your request. If a request is "
            "complex, we may extend this by up to two further months and will tell you why "
            "(UK GDPR Article 12(3))."
        )
    )
    if pack.rights.exemptions_note:
        blocks.append(Inset(pack.rights.exemptions_note))
    if pack.rights.proactive_disclosure:
        blocks.append(Para(" ".join(pack.rights.proactive_disclosure.split())))
    return blocks


def _preference_facts(ix: _Index, preference: Preference) -> Facts:
    rows = [
        Fact("What it is", [Span(" ".join(preference.statement.split()))]),
        Fact("Kind", [Span(_PREFERENCE_KIND_WORDS[preference.kind])]),
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
        rows.append(Fact("More information", [_website(preference.url)]))
    return Facts(rows, title=preference.name)


def _consents(ix: _Index) -> list[Block]:
    if not ix.pack.preferences:
        return [Para("This notice does not list any consents or preferences you can give.")]
    return [_preference_facts(ix, p) for p in ix.pack.preferences]


def _security(ix: _Index) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    if pack.security:
        blocks.append(Bullets([Span(s) for s in pack.security], intro="We keep it secure:"))
    else:
        blocks.append(WarningText("This notice does not describe the security measures we use."))
    blocks.append(Para(outside_uk_statement(pack)))
    return blocks


def _automated(ix: _Index) -> list[Block]:
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


def _changes(ix: _Index, wording: list[str]) -> list[Block]:
    notice = ix.pack.notice
    blocks: list[Block] = [Para(p) for p in _paragraphs(notice.changes)]
    if not blocks and not wording:
        blocks.append(Para("The current version of this notice is always published on this page."))
    if notice.published:
        blocks.append(Para(f"This notice was last updated on {_date_words(notice.published)}."))
    return blocks


def _complaints(ix: _Index, *, plain: bool = False) -> list[Block]:
    pack = ix.pack
    blocks: list[Block] = []
    dpo_cards: list[tuple[tuple[object, ...], list[str], Contact]] = []
    for controller in pack.controllers:
        if controller.dpo is None:
            continue
        key = _contact_key(controller.dpo)
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
        use = [_CONTACT_USE_WORDS[f] for f in point.for_]
        if _contact_key(point) in dpo_keys:
            uses.setdefault(_contact_key(point), []).extend(use)
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
                [Span(sentence(join_words(_CONTACT_USE_WORDS[f] for f in point.for_)))],
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


def _acknowledgement(ix: _Index) -> list[Block]:
    ack = ix.pack.notice.acknowledgement
    blocks: list[Block] = []
    if ack.text:
        blocks += [Para(p) for p in _paragraphs(ack.text)]
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


def _commitments(ix: _Index, section: str, *, plain: bool) -> list[Block]:
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
    key: section for section, keys in _WORDING_KEYS.items() for key in keys
}


def _annex(ix: _Index) -> list[Block]:
    from safehold.policy.conformance import annex_lines, conformance

    first, *rest = annex_lines(conformance(ix.pack))
    return (
        [Para(first), Bullets([Span(line) for line in rest], intro="What enforces them:")]
        if rest
        else [Para(first)]
    )


def _sections_of(pack: Pack) -> tuple[str, ...]:
    return SECTION_ORDER + (("enforcement",) if pack.notice.enforcement_annex else ())


def _full_sections(pack: Pack, variant: Variant) -> list[Section]:
    ix = _Index(pack)
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
        "enforcement": _annex,
    }
    sections = []
    for section_id in _sections_of(pack):
        wording = _wording(pack, section_id, variant)
        blocks = _changes(ix, wording) if section_id == "changes" else builders[section_id](ix)
        blocks = blocks + _commitments(ix, section_id, plain=False)
        sections.append(Section(section_id, _HEADINGS[section_id], wording, blocks))
    return sections


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


def _yp_who(ix: _Index) -> list[Block]:
    pack = ix.pack
    run_by = join_words(c.name for c in pack.controllers)
    blocks: list[Block] = [Para(f"This notice is from {pack.name}. It is run by {run_by}.")]
    contact = ix.request_contact()
    if contact is not None:
        blocks.append(Para("If something here is not clear, ask us:"))
        blocks.append(Facts(contact_lines(contact)))
    return blocks


def _yp_hold(ix: _Index) -> list[Block]:
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


def _yp_why(ix: _Index) -> list[Block]:
    items = []
    for purpose in ix.pack.purposes:
        what = purpose.plain or purpose.name
        if purpose.assumed_about("lawful_basis"):
            items.append(Span(sentence(what)))
            continue
        because = join_words((provision_plain(b) for b in purpose.lawful_basis), "and")
        items.append(Span(f"{sentence(what)} We can do this because {because}."))
    return [Bullets(items, intro="We use it:")]


def _yp_sharing(ix: _Index) -> list[Block]:
    pack = ix.pack
    items = []
    for recipient in pack.recipients:
        when = join_words(
            dict.fromkeys(
                describe_conditions(s.conditions) if s.conditions else "sometimes"
                for s in recipient.shares
            ),
            "or",
        )
        text = f"{recipient.name}: {when or 'sometimes'}."
        if any(s.identifiable == "anonymised" for s in recipient.shares):
            text += " They cannot tell who you are from it."
        if any(s.explained_to_subject for s in recipient.shares) and "explain" not in when:
            text += " We will tell you why."
        if recipient.can_object:
            text += " You can say no to this."
        items.append(Span(text))
    blocks: list[Block] = []
    if items:
        blocks.append(Bullets(items, intro="We may tell:"))
    else:
        blocks.append(Para("This notice does not list anyone we share information with."))
    blocks.append(Para(outside_uk_statement(pack)))
    return blocks


def _yp_retention(ix: _Index) -> list[Block]:
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


def about_the_young_person(ix: _Index, categories: list[str]) -> bool:
    """Whether information is the young person's own, so the notice can say 'your': a rule on
    a parent's records is not about 'your 25th birthday'."""
    readers = set(ix.pack.notice.young_person_subjects)
    chosen = [ix.categories[c] for c in categories if c in ix.categories]
    if not chosen:
        chosen = list(ix.pack.categories)
    return any(not c.subjects or readers & set(c.subjects) for c in chosen)


def _yp_rights(ix: _Index) -> list[Block]:
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
    blocks += _how_to_ask(ix, plain=True)
    blocks.append(Para("We will answer within one month."))
    return blocks


def _yp_consents(ix: _Index) -> list[Block]:
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


def _yp_security(ix: _Index) -> list[Block]:
    blocks: list[Block] = [Para("Only people who need to see your information can see it.")]
    if ix.pack.security:
        blocks.append(Bullets([Span(s) for s in ix.pack.security]))
    return blocks


def _yp_automated(ix: _Index) -> list[Block]:
    if ix.pack.automated_decisions.used:
        return [
            Para(
                "Sometimes a computer helps make a decision about you. You can ask for a "
                "person to check it and explain it."
            )
        ]
    return [Para("A computer never makes decisions about you on its own. A person always does.")]


def _yp_changes(ix: _Index, wording: list[str]) -> list[Block]:
    blocks: list[Block] = []
    if not wording:
        blocks.append(Para("If we change this notice, the new one will be on this page."))
    if ix.pack.notice.published:
        blocks.append(
            Para(f"This notice was last changed on {_date_words(ix.pack.notice.published)}.")
        )
    return blocks


def _yp_complaints(ix: _Index) -> list[Block]:
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


def _yp_acknowledgement(ix: _Index) -> list[Block]:
    ack = ix.pack.notice.acknowledgement
    if ack.required:
        return [Para("We will ask you to sign to say you have had this notice.")]
    return [Para("You do not need to sign anything.")]


def _young_person_sections(pack: Pack) -> list[Section]:
    ix = _Index(pack)
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
        "enforcement": _annex,
    }
    sections = []
    for section_id in _sections_of(pack):
        wording = _wording(pack, section_id, "young-person")
        blocks = _yp_changes(ix, wording) if section_id == "changes" else builders[section_id](ix)
        blocks = blocks + _commitments(ix, section_id, plain=True)
        sections.append(Section(section_id, _YP_HEADINGS[section_id], wording, blocks))
    return sections


# --- building and rendering ---------------------------------------------------------------------


def notice_document(pack: Pack, variant: Variant = "full") -> NoticeDocument:
    if variant not in VARIANTS:
        raise ValueError(f"unknown notice variant {variant!r}; use one of {', '.join(VARIANTS)}")
    if variant == "young-person":
        sections = _young_person_sections(pack)
        summary: list[str] = []
    else:
        sections = _full_sections(pack, variant)
        summary = _paragraphs(pack.notice.summary)
    return NoticeDocument(
        code=pack.code,
        name=pack.name,
        title=pack.notice.title,
        variant=variant,
        summary=summary,
        published=pack.notice.published,
        sections=sections,
    )


def notice_links(code: str) -> dict[str, str]:
    """Web addresses of the notice's variants and its record of processing, where routed."""
    names = {
        "full": "web:privacy-notice",
        "print": "web:privacy-notice-print",
        "young-person": "web:privacy-notice-young-people",
        "ropa-csv": "web:privacy-ropa-csv",
        "ropa-json": "web:privacy-ropa-json",
        "index": "web:privacy-index",
    }
    links: dict[str, str] = {}
    for key, name in names.items():
        try:
            links[key] = reverse(name) if key == "index" else reverse(name, args=[code])
        except NoReverseMatch:
            continue
    return links


def render_html(pack: Pack, variant: Variant = "full", *, csp_nonce: str = "") -> str:
    """The notice as a complete web page; `csp_nonce` lets its inline scripts run under the
    response's Content-Security-Policy."""
    document = notice_document(pack, variant)
    context = {"notice": document, "links": notice_links(pack.code), "cspNonce": csp_nonce}
    return render_to_string(TEMPLATES[variant], context)


# --- Markdown and plain text ------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return _md_escape(" ".join(text.split()))


def _markdown_block(block: Block) -> list[str]:
    if isinstance(block, Para):
        return [_md_escape(block.text), ""]
    if isinstance(block, Heading):
        return [f"### {_md_escape(block.text)}", ""]
    if isinstance(block, Bullets):
        lines = [_md_escape(block.intro), ""] if block.intro else []
        return [*lines, *(f"- {item.markdown()}" for item in block.items), ""]
    if isinstance(block, Facts):
        lines = [f"#### {_md_escape(block.title)}", ""] if block.title else []
        for fact in block.rows:
            values = [span.markdown() for span in fact.lines]
            if len(values) == 1:
                lines.append(f"- **{_md_escape(fact.key)}:** {values[0]}")
            else:
                lines.append(f"- **{_md_escape(fact.key)}:**")
                lines += [f"  - {value}" for value in values]
        return [*lines, ""]
    if isinstance(block, Table):
        lines = [f"*{_md_escape(block.caption)}*", ""] if block.caption else []
        lines.append("| " + " | ".join(_md_cell(h) for h in block.head) + " |")
        lines.append("|" + "|".join(" --- " for _ in block.head) + "|")
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
        return [*lines, ""]
    if isinstance(block, Inset):
        return [f"> {_md_escape(block.text)}", ""]
    return [f"> **Warning:** {_md_escape(block.text)}", ""]


def document_markdown(document: NoticeDocument) -> str:
    lines = [f"# {_md_escape(document.title)}", "", f"*{_md_escape(document.name)}*", ""]
    for paragraph in document.summary:
        lines += [_md_escape(paragraph), ""]
    for section in document.sections:
        lines += [f"## {_md_escape(section.heading)}", ""]
        for paragraph in section.wording:
            lines += [_md_escape(paragraph), ""]
        for block in section.blocks:
            lines += _markdown_block(block)
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(pack: Pack, variant: Variant = "full") -> str:
    """The notice in Markdown (the full notice unless another variant is asked for)."""
    return document_markdown(notice_document(pack, variant))


def _text_block(block: Block) -> list[str]:
    if isinstance(block, Para | Inset):
        return [block.text, ""]
    if isinstance(block, WarningText):
        return [f"Warning: {block.text}", ""]
    if isinstance(block, Heading):
        return [block.text, ""]
    if isinstance(block, Bullets):
        lines = [block.intro] if block.intro else []
        return [*lines, *(f"  * {item.plain()}" for item in block.items), ""]
    if isinstance(block, Facts):
        lines = [block.title] if block.title else []
        for fact in block.rows:
            lines.append(f"  {fact.key}: {'; '.join(span.plain() for span in fact.lines)}")
        return [*lines, ""]
    lines = [block.caption] if block.caption else []
    for row in block.rows:
        lines.append(
            "  " + "; ".join(f"{h}: {c}" for h, c in zip(block.head, row, strict=False) if c)
        )
    return [*lines, ""]


def document_text(document: NoticeDocument) -> str:
    lines = [document.title, document.name, ""]
    lines += [p for paragraph in document.summary for p in (paragraph, "")]
    for section in document.sections:
        lines += [section.heading, "=" * len(section.heading), ""]
        lines += [p for paragraph in section.wording for p in (paragraph, "")]
        for block in section.blocks:
            lines += _text_block(block)
    return "\n".join(lines).rstrip() + "\n"


def notice_text(pack: Pack, variant: Variant = "full") -> str:
    """The notice as plain text (the full notice unless another variant is asked for)."""
    return document_text(notice_document(pack, variant))
