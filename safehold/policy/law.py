"""The fixed legal vocabulary a pack refers to: UK GDPR articles and DPA 2018 conditions.

Packs name these by code; the code knows what each means in law (so rights can be derived
from a lawful basis, and a notice can cite the article) while the pack states the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Provision:
    code: str
    citation: str
    title: str
    plain: str


def _index(*items: Provision) -> dict[str, Provision]:
    return {item.code: item for item in items}


ARTICLE_6: dict[str, Provision] = _index(
    Provision("consent", "UK GDPR Article 6(1)(a)", "Consent", "you have agreed to it"),
    Provision("contract", "UK GDPR Article 6(1)(b)", "Contract", "we have a contract with you"),
    Provision(
        "legal-obligation", "UK GDPR Article 6(1)(c)", "Legal obligation", "the law says we must"
    ),
    Provision(
        "vital-interests", "UK GDPR Article 6(1)(d)", "Vital interests", "to protect someone's life"
    ),
    Provision(
        "public-task",
        "UK GDPR Article 6(1)(e)",
        "Public task",
        "it is part of our official job, set out in law",
    ),
    Provision(
        "legitimate-interests",
        "UK GDPR Article 6(1)(f)",
        "Legitimate interests",
        "we have a good reason that does not override your rights",
    ),
)

ARTICLE_9: dict[str, Provision] = _index(
    Provision("explicit-consent", "UK GDPR Article 9(2)(a)", "Explicit consent", "you agreed"),
    Provision(
        "employment-social-protection",
        "UK GDPR Article 9(2)(b)",
        "Employment, social security and social protection law",
        "employment or social protection law needs it",
    ),
    Provision("vital-interests", "UK GDPR Article 9(2)(c)", "Vital interests", "to protect life"),
    Provision("not-for-profit", "UK GDPR Article 9(2)(d)", "Not-for-profit bodies", "a charity"),
    Provision(
        "made-public",
        "UK GDPR Article 9(2)(e)",
        "Made public by the data subject",
        "you made it public",
    ),
    Provision("legal-claims", "UK GDPR Article 9(2)(f)", "Legal claims", "for a court case"),
    Provision(
        "substantial-public-interest",
        "UK GDPR Article 9(2)(g)",
        "Reasons of substantial public interest",
        "it is important for the public",
    ),
    Provision(
        "health-social-care",
        "UK GDPR Article 9(2)(h)",
        "Health or social care",
        "to give you health or social care",
    ),
    Provision("public-health", "UK GDPR Article 9(2)(i)", "Public health", "for public health"),
    Provision(
        "archiving-research",
        "UK GDPR Article 9(2)(j)",
        "Archiving, research and statistics",
        "for research or statistics",
    ),
)

# Article 9 conditions that, in UK law, also need a DPA 2018 Schedule 1 condition.
ARTICLE_9_NEEDS_SCHEDULE_1 = frozenset(
    {
        "employment-social-protection",
        "substantial-public-interest",
        "health-social-care",
        "public-health",
        "archiving-research",
    }
)

SCHEDULE_1: dict[str, Provision] = _index(
    Provision(
        "sch1-p1-1",
        "DPA 2018 Schedule 1 paragraph 1",
        "Employment and social protection",
        "work or social protection law",
    ),
    Provision(
        "sch1-p1-2",
        "DPA 2018 Schedule 1 paragraph 2",
        "Health or social care purposes",
        "health or social care",
    ),
    Provision("sch1-p1-3", "DPA 2018 Schedule 1 paragraph 3", "Public health", "public health"),
    Provision("sch1-p1-4", "DPA 2018 Schedule 1 paragraph 4", "Research", "research or statistics"),
    Provision(
        "sch1-p2-6",
        "DPA 2018 Schedule 1 paragraph 6",
        "Statutory and government purposes",
        "a law gives us the job",
    ),
    Provision(
        "sch1-p2-8",
        "DPA 2018 Schedule 1 paragraph 8",
        "Equality of opportunity or treatment",
        "equality monitoring",
    ),
    Provision(
        "sch1-p2-10",
        "DPA 2018 Schedule 1 paragraph 10",
        "Preventing or detecting unlawful acts",
        "to prevent or detect crime",
    ),
    Provision(
        "sch1-p2-12",
        "DPA 2018 Schedule 1 paragraph 12",
        "Regulatory requirements",
        "a regulator needs it",
    ),
    Provision(
        "sch1-p2-16",
        "DPA 2018 Schedule 1 paragraph 16",
        "Support for individuals with a particular disability or medical condition",
        "to support you",
    ),
    Provision("sch1-p2-17", "DPA 2018 Schedule 1 paragraph 17", "Counselling", "for counselling"),
    Provision(
        "sch1-p2-18",
        "DPA 2018 Schedule 1 paragraph 18",
        "Safeguarding of children and individuals at risk",
        "to keep children and people at risk safe",
    ),
    Provision(
        "sch1-p3-29",
        "DPA 2018 Schedule 1 paragraph 29",
        "Consent (criminal offence data)",
        "you agreed",
    ),
    Provision(
        "sch1-p3-30",
        "DPA 2018 Schedule 1 paragraph 30",
        "Protecting individual's vital interests",
        "to protect life",
    ),
    Provision("sch1-p3-33", "DPA 2018 Schedule 1 paragraph 33", "Legal claims", "for a court case"),
    Provision(
        "sch1-p3-36",
        "DPA 2018 Schedule 1 paragraph 36",
        "Extension of Part 2 conditions to criminal offence data",
        "the same reasons as above",
    ),
)

# Article 10: criminal offence data may be processed under the control of official authority,
# or where a DPA 2018 Schedule 1 condition authorises it (section 10(5)).
ARTICLE_10: dict[str, Provision] = _index(
    Provision(
        "official-authority",
        "UK GDPR Article 10",
        "Under the control of official authority",
        "a public body with legal powers does it",
    ),
    Provision(
        "law-enforcement",
        "DPA 2018 Part 3 (sections 31 and 35)",
        "Law enforcement purposes",
        "to prevent, investigate or deal with crime",
    ),
    *SCHEDULE_1.values(),
)


class Right(StrEnum):
    INFORMED = "informed"
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    OBJECTION = "objection"
    AUTOMATED_DECISIONS = "automated-decisions"
    WITHDRAW_CONSENT = "withdraw-consent"
    COMPLAIN = "complain"


class Applies(StrEnum):
    YES = "applies"
    LIMITED = "limited"
    NO = "does-not-apply"


RIGHTS: dict[str, Provision] = _index(
    Provision(
        "informed",
        "UK GDPR Articles 13 and 14",
        "Right to be informed",
        "to be told what we do with your information",
    ),
    Provision(
        "access", "UK GDPR Article 15", "Right of access", "to get a copy of your information"
    ),
    Provision(
        "rectification",
        "UK GDPR Article 16",
        "Right to rectification",
        "to have wrong information corrected",
    ),
    Provision(
        "erasure", "UK GDPR Article 17", "Right to erasure", "to ask us to delete information"
    ),
    Provision(
        "restriction",
        "UK GDPR Article 18",
        "Right to restrict processing",
        "to ask us to stop using information for a while",
    ),
    Provision(
        "portability",
        "UK GDPR Article 20",
        "Right to data portability",
        "to get your information in a form you can give to someone else",
    ),
    Provision(
        "objection",
        "UK GDPR Article 21",
        "Right to object",
        "to object to how we use your information",
    ),
    Provision(
        "automated-decisions",
        "UK GDPR Article 22",
        "Rights about automated decision-making and profiling",
        "to have a person, not a computer, make decisions about you",
    ),
    Provision(
        "withdraw-consent",
        "UK GDPR Article 7(3)",
        "Right to withdraw consent",
        "to change your mind about something you agreed to",
    ),
    Provision(
        "complain",
        "UK GDPR Article 77",
        "Right to complain to the supervisory authority",
        "to complain to the Information Commissioner",
    ),
)

# How each right applies under each Article 6 basis (ICO guidance on lawful basis and rights).
_ALL = {b: Applies.YES for b in ARTICLE_6}
RIGHTS_BY_BASIS: dict[str, dict[str, Applies]] = {
    "informed": _ALL,
    "access": _ALL,
    "rectification": _ALL,
    "restriction": _ALL,
    "complain": _ALL,
    "automated-decisions": _ALL,
    "erasure": {
        "consent": Applies.YES,
        "contract": Applies.LIMITED,
        "legal-obligation": Applies.NO,
        "vital-interests": Applies.LIMITED,
        "public-task": Applies.LIMITED,
        "legitimate-interests": Applies.YES,
    },
    "portability": {
        "consent": Applies.YES,
        "contract": Applies.YES,
        "legal-obligation": Applies.NO,
        "vital-interests": Applies.NO,
        "public-task": Applies.NO,
        "legitimate-interests": Applies.NO,
    },
    "objection": {
        "consent": Applies.NO,
        "contract": Applies.NO,
        "legal-obligation": Applies.NO,
        "vital-interests": Applies.NO,
        "public-task": Applies.LIMITED,
        "legitimate-interests": Applies.LIMITED,
    },
    "withdraw-consent": {
        "consent": Applies.YES,
        **{b: Applies.NO for b in ARTICLE_6 if b != "consent"},
    },
}

UK_COUNTRIES = frozenset(
    {"united kingdom", "uk", "england", "wales", "scotland", "northern ireland", "great britain"}
)

# The European Economic Area: the EU's member states with Iceland, Liechtenstein and Norway
# (for a notice whose transfers stay within "the UK and the EEA").
EEA_COUNTRIES = frozenset(
    name.lower()
    for name in (
        "Austria",
        "Belgium",
        "Bulgaria",
        "Croatia",
        "Cyprus",
        "Czechia",
        "Czech Republic",
        "Denmark",
        "Estonia",
        "Finland",
        "France",
        "Germany",
        "Greece",
        "Hungary",
        "Ireland",
        "Italy",
        "Latvia",
        "Lithuania",
        "Luxembourg",
        "Malta",
        "Netherlands",
        "Poland",
        "Portugal",
        "Romania",
        "Slovakia",
        "Slovenia",
        "Spain",
        "Sweden",
        "Iceland",
        "Liechtenstein",
        "Norway",
    )
)


# The UK's nations whose bank holidays move a rights request's due date (a pack's
# `rights.bank_holidays`), with the calendar's name; England and Wales share one.
NATION_NAMES: dict[str, str] = {
    "england": "England and Wales",
    "wales": "England and Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}
