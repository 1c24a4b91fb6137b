"""How the pack's codes read in a notice: the order of sections, labels of categories and
legal provisions, contacts, the pack's own wording for a section, and `NoticeIndex`, a pack
looked up by code.
"""

from __future__ import annotations

from collections.abc import Iterable

from safehold.policy import law
from safehold.policy.notice.document import Fact, Span, Variant
from safehold.policy.schema import (
    Contact,
    ContactPoint,
    ControllerRole,
    DataCategory,
    NoticeSection,
    Pack,
    RecipientKind,
    SupervisoryAuthority,
)
from safehold.policy.wording import (
    lower_first,
)

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
WORDING_KEYS: dict[str, tuple[NoticeSection, ...]] = {
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

ROLE_WORDS = {
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

PREFERENCE_KIND_WORDS = {
    "consent": "Something you can agree to",
    "preference": "A choice you can make",
    "objection": "Something you can object to",
    "opt-out": "Something you can opt out of",
}

CONTACT_USE_WORDS = {
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


def paragraphs_of(text: str | None) -> list[str]:
    if not text:
        return []
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def website_span(url: str) -> Span:
    href = url if url.startswith(("http://", "https://")) else f"https://{url}"
    return Span(url, href)


def _email(address: str) -> Span:
    return Span(address, f"mailto:{address}")


def is_uk(country: str) -> bool:
    return country.strip().lower() in law.UK_COUNTRIES


class NoticeIndex:
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
        rows.append(Fact("Website", [website_span(contact.website)]))
    if contact.note:
        rows.append(Fact("Note", [Span(contact.note)]))
    return rows


def contact_key(contact: Contact) -> tuple[object, ...]:
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


def pack_wording(pack: Pack, section: str, variant: Variant) -> list[str]:
    texts = pack.notice.young_person if variant == "young-person" else pack.notice.wording
    paragraphs: list[str] = []
    for key in WORDING_KEYS.get(section, ()):
        paragraphs += paragraphs_of(texts.get(key))
    return paragraphs
