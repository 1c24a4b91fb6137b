"""The policy pack schema: a privacy notice written as data.

These pydantic models are the contract between a service's data protection officer, who
writes the pack, and the system, which enforces it. They say what a pack *may* state and
in what shape; cross-references between sections (a recipient naming a category that does
not exist, say) are checked in `checks.py`, so that every problem is reported together.

Names are chosen for the people who write packs: a field is called what the notice calls it.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from safehold.policy.law import ARTICLE_6, ARTICLE_9, ARTICLE_10, SCHEDULE_1, Applies, Right

SCHEMA_VERSION = 1

Code = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64),
    Field(description="A short identifier: lower-case letters, digits and hyphens."),
]
CodeOrAll = Annotated[
    str,
    StringConstraints(pattern=r"^([a-z0-9][a-z0-9-]*|\*)$", max_length=64),
    Field(description="A code, or '*' for all."),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]


class Strict(BaseModel):
    """Every pack section refuses fields it does not know: a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- who we are ------------------------------------------------------------------------------


class Phone(Strict):
    number: Text
    label: Text | None = Field(None, description="e.g. 'local rate', 'national rate'.")


def _phones(value: Any) -> Any:
    # A single number, or a list of numbers, is easier to write than the full form.
    if isinstance(value, str | int):
        return [{"number": str(value)}]
    if isinstance(value, list):
        return [{"number": str(v)} if isinstance(v, str | int) else v for v in value]
    return value


Phones = Annotated[
    list[Phone],
    BeforeValidator(_phones),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {"type": "string"},
                            {
                                "type": "object",
                                "properties": {
                                    "number": {"type": "string"},
                                    "label": {"type": "string"},
                                },
                                "required": ["number"],
                                "additionalProperties": False,
                            },
                        ]
                    },
                },
            ]
        }
    ),
]


class Contact(Strict):
    name: Text | None = None
    team: Text | None = None
    email: Email | None = None
    phone: Phones = []
    post: Text | None = Field(None, description="Postal address, lines separated by newlines.")
    website: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if not (self.email or self.phone or self.post or self.website):
            raise PydanticCustomError(
                "contact_unreachable",
                "a contact needs at least one way to reach it: email, phone, post or website",
            )
        return self


class ControllerRole(StrEnum):
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint-controller"
    PROCESSOR = "processor"


class Controller(Strict):
    code: Code
    name: Text
    role: ControllerRole = ControllerRole.CONTROLLER
    address: Text | None = None
    ico_registration: Text | None = None
    dpo: Contact | None = Field(None, description="The Data Protection Officer's contact details.")
    acts_for: list[Code] = Field(
        [],
        description="Controllers this one acts for (a provider working for several authorities).",
    )


class SupervisoryAuthority(Contact):
    name: Text = "Information Commissioner's Office"
    complain_first: bool = Field(
        False,
        description="The authority expects a complaint to the controller first.",
    )


class ContactPoint(Contact):
    """A named route: where to send rights requests, changes of circumstance, complaints."""

    code: Code
    for_: list[
        Literal[
            "rights-requests", "complaints", "changes", "questions", "service", "data-protection"
        ]
    ] = Field(alias="for", min_length=1)

    model_config = ConfigDict(populate_by_name=True)


class LegislationKind(StrEnum):
    ACT = "act"
    REGULATION = "regulation"
    CODE_OF_PRACTICE = "code-of-practice"
    FRAMEWORK = "framework"
    GUIDANCE = "guidance"


class Legislation(Strict):
    code: Code
    title: Text
    kind: LegislationKind = LegislationKind.ACT
    url: Text | None = None


class Partner(Strict):
    name: Text
    kind: Literal[
        "council", "police", "health", "probation", "social-care", "education", "voluntary", "other"
    ] = "other"


# --- what we hold, about whom -------------------------------------------------------------------


class Service(Strict):
    code: Code
    name: Text
    description: Text | None = None
    controller: Code = Field(description="The controller (data owner) for this service's records.")
    statutory_basis: list[Code] = Field([], description="Legislation codes.")
    age_min: int | None = Field(None, ge=0, le=120)
    age_max: int | None = Field(None, ge=0, le=120)
    dates: dict[Code, date] = Field(
        {}, description="Dates of this service's own events, e.g. contract-ended: 2027-03-31."
    )
    acting_as: Literal["controller", "processor"] = Field(
        "controller",
        description=(
            "The organisation's part in this service: 'processor' where it runs the service "
            "under contract for another controller (named in 'on_behalf_of')."
        ),
    )
    on_behalf_of: Code | None = Field(
        None, description="The controller a processor runs this service for (a controller code)."
    )

    @model_validator(mode="after")
    def _processor_for_whom(self) -> Service:
        if self.acting_as == "processor" and self.on_behalf_of is None:
            raise PydanticCustomError(
                "processor_for_whom",
                "a service run as a processor must say for which controller, in 'on_behalf_of'",
            )
        if self.acting_as == "controller" and self.on_behalf_of is not None:
            raise PydanticCustomError(
                "controller_for_whom",
                "'on_behalf_of' is only for a service run as a processor ('acting_as: processor')",
            )
        return self


class Subject(Strict):
    code: Code
    name: Text
    description: Text | None = None
    plain: Text | None = Field(None, description="The young person's version.")


class DataCategory(Strict):
    code: Code
    name: Text
    description: Text | None = None
    examples: list[Text] = []
    special_category: bool = Field(False, description="UK GDPR Article 9 data.")
    criminal_offence: bool = Field(False, description="UK GDPR Article 10 data.")
    subjects: list[Code] = Field([], description="Whose data this is; empty means anyone's.")
    holds: list[Annotated[str, StringConstraints(pattern=r"^[a-z]+\.[a-z_]+$")]] = Field(
        [],
        description=(
            "The record fields this category covers, as record.field (e.g. person.ethnicity); "
            "`safehold pack fields` lists them. The gate reads and redacts by category."
        ),
    )
    plain: Text | None = None
    sources: list[Text] = Field(
        [],
        description=(
            "Where this information comes from (UK GDPR Article 14(2)(f)), e.g. 'the police', "
            "'schools', 'you'."
        ),
    )
    provided: Literal["provided", "observed"] | None = Field(
        None,
        description=(
            "For data portability (UK GDPR Article 20): 'provided' where the person gives us "
            "this information themselves (their details, what they fill in), 'observed' where "
            "it is recorded from their use of the service (ICO guidance counts both); unset "
            "where it is what we or others record or infer (assessments, notes, reports), "
            "which is not ported."
        ),
    )


class Flag(Strict):
    """A fact about a person or case that rules depend on (looked after, SEN, ...).

    A fact is recorded as holding or as not holding (a `PersonFlag`, on the person or, for
    `of: case`, on one case); one nobody recorded is unknown, and `unknown` says how a rule
    reads it. It never shortens a period silently (docs/adr/0016)."""

    code: Code
    name: Text
    of: Literal["person", "case"] = "person"
    description: Text | None = None
    unknown: Literal["review", "longer"] = Field(
        "review",
        description=(
            "While nobody has recorded whether this holds: 'review' makes the unit a gap the "
            "DPO sees ('not recorded: ...'); 'longer' applies whichever reading keeps longer."
        ),
    )
    alert: bool = Field(
        False,
        description=(
            "A safeguarding alert (a child protection plan, looked after, a risk): while a "
            "person holds it, it stands out at the top of their page and on caseloads, to "
            "the roles that may read its category."
        ),
    )


INDICATORS: tuple[str, ...] = (
    "accommodation",
    "ete",
    "send",
    "mental-health",
    "substance-misuse",
    "restorative-justice",
    "serious-violence",
)


# The Supporting Families / Families First headline outcome areas (early help).
OUTCOME_AREAS: tuple[str, ...] = (
    "education",
    "early-years",
    "health",
    "substance-use",
    "family-relationships",
    "abuse-and-exploitation",
    "crime",
    "domestic-abuse",
    "housing",
    "financial-stability",
)


class StatusValue(Strict):
    code: Code
    name: Text
    counts_as: Literal["need", "achieved"] | None = Field(
        None,
        description=(
            "For an early-help outcome area: 'need' if this value records a need identified, "
            "'achieved' if it records the outcome achieved."
        ),
    )


class StatusKind(Strict):
    """A dated status recorded on a young person's case (docs/adr/0027): one of its values
    from a date until another is recorded or it is ended, the history kept. Statistics count
    each child's status on the day their order ended (and began)."""

    code: Code
    name: Text
    category: Code = Field(
        description="The data category its values are in: who may read and record it."
    )
    description: Text | None = None
    indicator: Literal[INDICATORS] | None = Field(  # type: ignore[valid-type]
        None,
        description=(
            "The Youth Justice Board key performance indicator it records (one kind each): "
            + ", ".join(INDICATORS)
            + "."
        ),
    )
    outcome_area: Literal[OUTCOME_AREAS] | None = Field(  # type: ignore[valid-type]
        None,
        description=(
            "The early-help headline outcome area it records (one kind each): "
            + ", ".join(OUTCOME_AREAS)
            + "; its values say which mean a need and which the outcome achieved."
        ),
    )
    values: list[StatusValue] = Field(
        min_length=1, description="Its values, in the order a reader expects (worst to best)."
    )


class Event(Strict):
    """An event a pack anchors rules on, beyond those the system records itself."""

    code: Code
    name: Text
    of: Literal["person", "case", "service"]
    description: Text | None = None


# --- why: purposes and their lawful basis -------------------------------------------------------


def _vocabulary(vocab: dict[str, Any], what: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and value not in vocab:
            raise PydanticCustomError(
                "unknown_provision",
                "'{value}' is not a known {what}; use one of: {choices}",
                {"value": value, "what": what, "choices": ", ".join(vocab)},
            )
        return value

    return BeforeValidator(check)


Article6 = Annotated[str, _vocabulary(ARTICLE_6, "Article 6 lawful basis")]
Article9 = Annotated[
    str, _vocabulary({**ARTICLE_9, **SCHEDULE_1}, "Article 9 or Schedule 1 condition")
]
Article10 = Annotated[str, _vocabulary(ARTICLE_10, "Article 10 condition")]


PurposeFact = Literal[
    "lawful_basis",
    "special_category_conditions",
    "criminal_offence_conditions",
    "law_enforcement",
    "identifiable",
]
# What a purpose's `assumed`, written as plain text, covers.
_ASSUMED_BY_TEXT = frozenset(
    {"lawful_basis", "special_category_conditions", "criminal_offence_conditions"}
)


class Purpose(Strict):
    code: Code
    name: Text
    description: Text | None = None
    plain: Text | None = None
    services: list[Code] = Field([], description="Services this purpose serves; empty means all.")
    controllers: list[Code] = Field(
        [],
        description=(
            "The controllers this purpose belongs to; empty means those of its services (or "
            "every controller when it names no services)."
        ),
    )
    subjects: list[Code] = []
    categories: list[Code] = Field(min_length=1)
    lawful_basis: list[Article6] = Field(min_length=1, description="UK GDPR Article 6(1).")
    special_category_conditions: list[Article9] = Field(
        [], description="UK GDPR Article 9(2) and DPA 2018 Schedule 1 conditions."
    )
    criminal_offence_conditions: list[Article10] = Field(
        [], description="UK GDPR Article 10 / DPA 2018 Schedule 1 conditions."
    )
    law_enforcement: bool = Field(
        False,
        description="Processing under DPA 2018 Part 3: consultation and disclosure are logged.",
    )
    objectable: bool = Field(
        False,
        description=(
            "The person may object to this processing (UK GDPR Article 21(1): processing for a "
            "public task or legitimate interests): an objection stops it for them, through the "
            "gate, until the DPO decides it."
        ),
    )
    direct_marketing: bool = Field(
        False,
        description=(
            "This processing is direct marketing: objectable, and an objection stops it at "
            "once and for good (UK GDPR Article 21(2) and (3)); nothing overrides it."
        ),
    )
    legislation: list[Code] = []
    identifiable: Literal["yes", "pseudonymised", "anonymised"] = "yes"
    assumed: Text | dict[PurposeFact, Text] | None = Field(
        None,
        description=(
            "Why a fact here is stated although the published notice is silent: text for the "
            "lawful basis and all its conditions, or a reason per fact (e.g. "
            "{criminal_offence_conditions: why}). Assumed facts are shown as assumed to the "
            "DPO and in the record of processing, never printed in the public notice."
        ),
    )

    @property
    def assumed_words(self) -> str | None:
        """Every assumption of this purpose in one line, for the DPO."""
        if self.assumed is None or isinstance(self.assumed, str):
            return self.assumed
        return "; ".join(f"{fact.replace('_', ' ')}: {why}" for fact, why in self.assumed.items())

    def assumed_about(self, fact: PurposeFact) -> str | None:
        """Why `fact` is assumed, or None when the notice states it."""
        if isinstance(self.assumed, str):
            return self.assumed if fact in _ASSUMED_BY_TEXT else None
        return (self.assumed or {}).get(fact)


# --- who can see it, inside the service ---------------------------------------------------------


class Relationship(StrEnum):
    ALLOCATED = "allocated"
    TEAM = "team"
    SERVICE = "service"
    CONTROLLER = "controller"


class Grant(Strict):
    categories: list[CodeOrAll] = Field(min_length=1, description="Category codes, or '*' for all.")
    actions: list[Literal["read", "write", "export", "share"]] = Field(
        min_length=1,
        description="'share': may disclose these categories to a recipient the pack declares.",
    )
    relationship: Relationship = Field(
        Relationship.ALLOCATED,
        description="The widest relationship to a case at which this grant holds.",
    )


class Role(Strict):
    code: Code
    name: Text
    description: Text | None = None
    grants: list[Grant] = []
    break_glass: bool = Field(False, description="May read outside allocation, with a reason.")
    approves_disclosures: bool = False
    allocates_cases: bool = Field(
        False, description="May allocate and reallocate the cases of its teams (a manager)."
    )
    manages_policy: bool = False
    statistics_only: bool = Field(
        False,
        description="Sees aggregate statistics only, never a single person or case: the gate "
        "refuses every record to it, whatever its grants.",
    )
    holds_cases: bool = Field(
        False,
        description=(
            "Cases can be allocated to it (a case worker). When not stated: true if a grant "
            "holds at 'allocated' (the role works on the cases allocated to it) and the role "
            "is not statistics-only; so a manager or a DPO holds none unless the pack says so."
        ),
        # The default depends on the grants (below), so the schema states none.
        json_schema_extra=lambda schema: schema.pop("default", None),  # type: ignore[arg-type]
    )

    @model_validator(mode="before")
    @classmethod
    def _default_holds_cases(cls, data: Any) -> Any:
        if isinstance(data, dict) and "holds_cases" not in data:
            return {**data, "holds_cases": holds_cases_by_default(data)}
        return data


def holds_cases_by_default(role: dict[str, Any]) -> bool:
    """Whether a role (as written in the pack) holds cases when the pack does not say: it has a
    grant that holds at 'allocated' and is not statistics-only. `checks.py` uses it too."""
    if role.get("statistics_only") is True:
        return False
    grants = role.get("grants")
    return isinstance(grants, list) and any(
        (
            grant.get("relationship", "allocated")
            if isinstance(grant, dict)
            else getattr(grant, "relationship", None)
        )
        == "allocated"
        for grant in grants
    )


# A role's powers over individual records, besides its grants: none is a statistics-only role's.
ROLE_POWERS = ("break_glass", "allocates_cases", "manages_policy", "approves_disclosures")


# --- who we share with --------------------------------------------------------------------------


class Condition(StrEnum):
    ALWAYS = "always"
    NECESSARY = "necessary-for-service"
    CONSENT = "consent"
    REQUIRED_BY_LAW = "required-by-law"
    SAFEGUARDING_RISK = "safeguarding-risk"
    CRIME_PREVENTION = "crime-prevention"
    PROFESSIONAL_JUDGEMENT = "professional-judgement"


CONDITION_WORDS = {
    Condition.ALWAYS: "routinely, as part of the service",
    Condition.NECESSARY: "when it is necessary to provide the service",
    Condition.CONSENT: "if you agree",
    Condition.REQUIRED_BY_LAW: "when the law requires us to",
    Condition.SAFEGUARDING_RISK: "when there is a risk to the safety of you or other people",
    Condition.CRIME_PREVENTION: "for the prevention and detection of crime",
    Condition.PROFESSIONAL_JUDGEMENT: "when a professional decides it is needed, and we explain why",
}


class GatewayKind(StrEnum):
    """What kind of legal gateway a disclosure goes under; the gate treats each differently."""

    CONSENT = "consent"  # the person's current consent (a pack consent covering the share)
    LAW = "law"  # a statute permits or requires it (e.g. Crime and Disorder Act 1998 s.115)
    COURT_ORDER = "court-order"  # a court orders it: the order is recorded as the reference
    SAFEGUARDING = "safeguarding"  # without consent to protect someone (DPA 2018 Sch 1 para 18)
    SERVICE = "service"  # necessary to provide the service itself (public task, a processor)


GATEWAY_WORDS = {
    GatewayKind.CONSENT: "with your consent",
    GatewayKind.LAW: "where the law allows or requires it",
    GatewayKind.COURT_ORDER: "when a court orders it",
    GatewayKind.SAFEGUARDING: "without consent, when someone's safety is at risk",
    GatewayKind.SERVICE: "when it is needed to provide the service",
}


class Gateway(Strict):
    """A legal gateway disclosures may go under: a statute, a court order, consent,
    safeguarding without consent. Shares name the gateways they may use."""

    code: Code
    name: Text
    kind: GatewayKind
    legislation: list[Code] = Field([], description="Legislation codes it rests on.")
    provision: Text | None = Field(None, description="e.g. 'section 115', 'Schedule 8 para 4'.")
    reference_required: bool | None = Field(
        None,
        description=(
            "A disclosure under it must record a reference (the order's number, the request's "
            "letter). When not stated: true for a court order."
        ),
    )
    statement: Text | None = Field(None, description="The notice's own words for it.")

    @property
    def needs_reference(self) -> bool:
        if self.reference_required is None:
            return self.kind == GatewayKind.COURT_ORDER
        return self.reference_required


# Items derived from fields, for sharing less than the field: what each reads.
DERIVED_ITEMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "initials": ("the person's initials", ("person.given_name", "person.family_name")),
    "year-of-birth": ("the year of birth", ("person.date_of_birth",)),
    "month-of-birth": ("the month and year of birth", ("person.date_of_birth",)),
    "age": ("the person's age today", ("person.date_of_birth",)),
    "postcode-district": ("the first part of the postcode", ("person.postcode",)),
    "sex": ("sex", ("person.sex",)),
}
_ITEM = re.compile(r"^[a-z]+\.[a-z_]+$")


def _item(value: Any) -> Any:
    if isinstance(value, str) and not (_ITEM.match(value) or value in DERIVED_ITEMS):
        raise PydanticCustomError(
            "share_item",
            "'{value}' is not an item: write a field as record.field (e.g. person.sex) or one "
            "of the derived items: {choices}",
            {"value": value, "choices": ", ".join(DERIVED_ITEMS)},
        )
    return value


Item = Annotated[
    str,
    BeforeValidator(_item),
    Field(description="A field as record.field, or a derived item (initials, year-of-birth, ...)."),
]


class Override(Strict):
    """Sharing without consent where consent would normally be sought: what it needs."""

    approval: Literal["none", "second-person"] = Field(
        "none",
        description=(
            "'second-person': another member of staff whose role approves disclosures must "
            "approve it (named in the log); a stated reason is always required."
        ),
    )
    approvers: list[Code] = Field(
        [], description="Roles that may approve; empty means roles that approve disclosures."
    )


class ShareWhen(Strict):
    """A condition in time: only after an event, before one, or within a period of one."""

    after: Code | None = Field(None, description="An event (e.g. case-closed) that has happened.")
    before: Code | None = Field(None, description="An event that has not happened yet.")
    within: PeriodText | None = Field(
        None, description="With 'after': only within this period of the event."
    )
    statement: Text | None = Field(None, description="The notice's words, e.g. 'when you leave'.")

    @model_validator(mode="after")
    def _some(self) -> ShareWhen:
        if self.after is None and self.before is None:
            raise PydanticCustomError(
                "share_when", "a condition in time needs 'after' or 'before' an event"
            )
        if self.within is not None and self.after is None:
            raise PydanticCustomError("share_within", "'within' counts from 'after': add it")
        return self


ConsentDependence = Literal["not-needed", "sought", "required"]


class Share(Strict):
    categories: list[CodeOrAll] = Field(min_length=1, description="Category codes, or '*' for all.")
    purposes: list[Code] = []
    conditions: list[Condition] = Field(
        [], description="Any one of these allows the share. Empty means not stated (a gap)."
    )
    if_: Cond | None = Field(
        None,
        alias="if",
        description="Only for people or cases meeting this, e.g. {flag: looked-after}.",
    )
    identifiable: Literal["yes", "pseudonymised", "anonymised"] = "yes"
    explained_to_subject: bool = False
    note: Text | None = None
    gateways: list[Code] = Field(
        [],
        description=(
            "The legal gateways (pack 'gateways') a disclosure under this share may use; the "
            "gate refuses a disclosure under any other. Empty: the share is stated, not enforced."
        ),
    )
    consent: ConsentDependence | None = Field(
        None,
        description=(
            "'required': only with a current consent; 'sought': consent is normally sought, and "
            "going without it is an override (a reason, and approval where 'override' says); "
            "'not-needed'. When not stated: from the gateways (only consent: required; consent "
            "and others: sought; no consent gateway: not-needed)."
        ),
    )
    override: Override | None = Field(
        None, description="What sharing without consent needs, where consent is sought."
    )
    items: list[Item] = Field(
        [],
        description=(
            "Exactly what goes, instead of whole categories: fields and derived items "
            "(initials, year-of-birth, postcode-district, ...)."
        ),
    )
    never: list[Item] = Field([], description="Fields never sent under this share.")
    when: ShareWhen | None = Field(None, description="A condition in time.")
    model_config = ConfigDict(populate_by_name=True)


class Extract(Strict):
    """A recurring extract: the same items about everyone in scope, to one recipient, run by a
    command or a page; each run is one disclosure listing whom it covered."""

    code: Code
    name: Text
    recipient: Code
    purpose: Code
    gateway: Code
    controller: Code | None = Field(None, description="Whose people; empty: the first controller.")
    services: list[Code] = Field([], description="People with a case of these; empty: any.")
    items: list[Item] = Field(min_length=1)
    identifiable: Literal["pseudonymised", "anonymised", "yes"] = "pseudonymised"
    consent: list[Code] = Field(
        [],
        description=(
            "Consents (pack preferences) a person must currently have given to be included; "
            "empty means the gateway needs none."
        ),
    )
    schedule: Text | None = Field(None, description="How often it runs, e.g. 'every quarter'.")
    statement: Text | None = None


class RecipientKind(StrEnum):
    INTERNAL = "internal"
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint-controller"
    PROCESSOR = "processor"
    PERSON = "person"


class Recipient(Strict):
    code: Code
    name: Text
    kind: RecipientKind = RecipientKind.CONTROLLER
    description: Text | None = None
    examples: list[Text] = []
    shares: list[Share] = []
    can_object: bool = Field(False, description="The data subject may object to this sharing.")
    country: Text = "United Kingdom"
    transfer_safeguard: Text | None = None


# --- consents and preferences -------------------------------------------------------------------


class Effect(Strict):
    categories: list[CodeOrAll] = Field(["*"], min_length=1)
    recipients: list[Code] = []
    purposes: list[Code] = []


class Preference(Strict):
    code: Code
    name: Text
    kind: Literal["consent", "preference", "objection", "opt-out"]
    statement: Text = Field(description="What the person is told, in the notice's words.")
    given_by: list[Code] = Field(min_length=1, description="Subjects who may give or withdraw it.")
    ask: Text | None = Field(None, description="Whom to tell, e.g. 'your case manager'.")
    withdrawable: bool = True
    allows: Effect | None = Field(None, description="What it permits while given.")
    withholds: Effect | None = Field(None, description="What it stops while given.")
    url: Text | None = None
    direct_marketing: bool = Field(
        False,
        description=(
            "An objection to direct marketing: absolute (UK GDPR Article 21(3)); nothing "
            "overrides it."
        ),
    )
    assumed: Text | None = Field(
        None, description="Why the pack states this although the published notice does not."
    )

    @model_validator(mode="after")
    def _has_effect(self) -> Preference:
        if self.allows is None and self.withholds is None:
            raise PydanticCustomError(
                "preference_effect",
                "a consent or preference must say what it 'allows' or 'withholds'",
            )
        return self


# --- how long we keep it ------------------------------------------------------------------------

_PERIOD = re.compile(r"^\s*(\d{1,4})\s*([a-zA-Z]+)\s*$")
PERIOD_UNITS = {
    "year": "years",
    "years": "years",
    "month": "months",
    "months": "months",
    "week": "weeks",
    "weeks": "weeks",
    "day": "days",
    "days": "days",
}


class Period(Strict):
    amount: int = Field(ge=0, le=200)
    unit: Literal["years", "months", "weeks", "days"]

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"


def _period(value: Any) -> Any:
    if isinstance(value, dict | Period):
        return value
    text = str(value)
    match = _PERIOD.match(text)
    if not match or match.group(2).lower() not in PERIOD_UNITS:
        import difflib

        word = match.group(2).lower() if match else ""
        hint = difflib.get_close_matches(word, PERIOD_UNITS, n=1)
        raise PydanticCustomError(
            "period",
            "'{value}' is not a period: write a number then years, months, weeks or days, "
            "e.g. '5 years'{hint}",
            {
                "value": text,
                "hint": f" (did you mean '{match.group(1)} {hint[0]}'?)" if hint and match else "",
            },
        )
    return {"amount": int(match.group(1)), "unit": PERIOD_UNITS[match.group(2).lower()]}


PeriodText = Annotated[
    Period,
    BeforeValidator(_period),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*\d{1,4}\s*(year|years|month|months|week|weeks|day|days)\s*$",
            "description": "A period such as '5 years' or '12 months'.",
        }
    ),
]


class FlagIs(Strict):
    flag: Code


class AgeAt(Strict):
    event: Code
    at_least: int | None = Field(None, ge=0, le=120)
    under: int | None = Field(None, ge=0, le=120)

    @model_validator(mode="after")
    def _bound(self) -> AgeAt:
        if self.at_least is None and self.under is None:
            raise PydanticCustomError("age_bound", "an age condition needs 'at_least' or 'under'")
        return self


class AgeAtIs(Strict):
    age_at: AgeAt


class AnyOf(Strict):
    any: list[Cond] = Field(min_length=1)


class AllOf(Strict):
    all: list[Cond] = Field(min_length=1)


class NotCond(Strict):
    not_: Cond = Field(alias="not")
    model_config = ConfigDict(populate_by_name=True)


def _tag_by_key(kinds: dict[str, str]) -> Any:
    """Pick a union member by the one key that names it, so errors speak of that form only."""

    def tag(value: Any) -> str | None:
        if isinstance(value, BaseModel):
            return _TAG_OF_MODEL.get(type(value))
        if isinstance(value, dict):
            found = [kinds[k] for k in value if k in kinds]
            return found[0] if len(found) == 1 else None
        return None

    return tag


_TAG_OF_MODEL: dict[type[BaseModel], str] = {}

_COND_KEYS = {"flag": "flag", "age_at": "age_at", "any": "any", "all": "all", "not": "not"}

Cond = Annotated[
    Annotated[FlagIs, Tag("flag")]
    | Annotated[AgeAtIs, Tag("age_at")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[NotCond, Tag("not")],
    Discriminator(
        _tag_by_key(_COND_KEYS),
        custom_error_type="condition",
        custom_error_message=(
            "a condition is exactly one of: flag, age_at, any, all, not (e.g. {flag: looked-after})"
        ),
    ),
]


class After(Strict):
    """N years (months, ...) after an event: `{for: 5 years, after: case-closed}`."""

    for_: PeriodText = Field(alias="for")
    after: Code
    model_config = ConfigDict(populate_by_name=True)


class Birthday(Strict):
    """Until a birthday: `{birthday: 25}` is the 25th birthday; `{birthday: 25, of:
    young-person}` is the 25th birthday of the young person a family member's record is
    linked to by their relationship (the latest, if several)."""

    birthday: int = Field(ge=1, le=120)
    of: Literal["young-person"] | None = Field(
        None,
        description=(
            "Whose birthday: 'young-person' is the child or young person the unit's person is "
            "related to (a parent's, carer's or sibling's record); empty means the person's own."
        ),
    )


class GoesWith(Strict):
    """`{goes_with: case-file}`: kept as long as the case files it belongs to (the person's
    own, and those of the young people their relationships name), and disposed of once the
    last of them has been."""

    goes_with: Literal["case-file"]


class Earliest(Strict):
    earliest: list[Keep] = Field(min_length=2)


class Latest(Strict):
    latest: list[Keep] = Field(min_length=2)


class When(Strict):
    """`{if: <condition>, then: <period>, else: <period>}`; without `else` the rule does not
    apply when the condition is false (another rule may)."""

    if_: Cond = Field(alias="if")
    then: Keep
    else_: Keep | None = Field(None, alias="else")
    model_config = ConfigDict(populate_by_name=True)


class NoPeriod(Strict):
    """The notice states no period: flagged as a gap, never silently kept forever."""

    no_period_stated: Text


_KEEP_KEYS = {
    "for": "for",
    "birthday": "birthday",
    "goes_with": "goes_with",
    "earliest": "earliest",
    "latest": "latest",
    "if": "if",
    "no_period_stated": "none",
}

Keep = Annotated[
    Annotated[After, Tag("for")]
    | Annotated[Birthday, Tag("birthday")]
    | Annotated[GoesWith, Tag("goes_with")]
    | Annotated[Earliest, Tag("earliest")]
    | Annotated[Latest, Tag("latest")]
    | Annotated[When, Tag("if")]
    | Annotated[NoPeriod, Tag("none")],
    Discriminator(
        _tag_by_key(_KEEP_KEYS),
        custom_error_type="keep",
        custom_error_message=(
            "a retention period is exactly one of: {for: N years, after: EVENT}, "
            "{birthday: N}, {goes_with: case-file}, {earliest: [...]}, {latest: [...]}, {if: ..., then: ...}, "
            "or {no_period_stated: why}"
        ),
    ),
]


class Unit(StrEnum):
    CASE_FILE = "case-file"
    NON_CASE = "non-case-file"
    PERSON = "person"


class Action(StrEnum):
    DESTROY = "destroy"
    ANONYMISE = "anonymise"
    ARCHIVE = "archive"
    REVIEW = "review"


class RetentionRule(Strict):
    code: Code
    name: Text
    statement: Text = Field(description="The notice's own sentence for this rule.")
    unit: Unit
    services: list[Code] = Field([], description="Empty means every service.")
    categories: list[Code] = Field([], description="Empty means every category.")
    keep: Keep
    not_before: Code | None = Field(
        None,
        description=(
            "A floor: an event (e.g. case-closed) before which nothing is due, whatever the "
            "period says. A unit the floor holds back is dated on the event and its action "
            "becomes review, with the reason."
        ),
    )
    action: Action = Action.REVIEW
    legislation: list[Code] = []
    assumed: Text | None = None


# --- rights -------------------------------------------------------------------------------------


class RightException(Strict):
    """A qualification of a right; a right may have several (one per purpose, say)."""

    right: Right
    applies: Applies
    reason: Text
    purposes: list[Code] = Field([], description="The purposes it qualifies; empty means all.")
    assumed: Text | None = None


class OnBehalfOfChild(Strict):
    """Who may exercise a right for a younger child (a parent acts with the child's authority,
    or where the child cannot)."""

    rights: list[Right] = Field([], description="The rights concerned; empty means every right.")
    child_under: int = Field(ge=1, le=18, description="For a child younger than this.")
    by: list[Code] = Field(min_length=1, description="Subjects who may act for the child.")
    note: Text | None = None


class Rights(Strict):
    request_to: Code | None = Field(None, description="Contact point code for rights requests.")
    in_writing: bool = False
    help_from: Text | None = Field(
        None, description="e.g. 'Your Case Manager can help you write this down.'"
    )
    exemptions_note: Text | None = None
    exceptions: list[RightException] = []
    proactive_disclosure: Text | None = Field(
        None, description="What the service gives people without being asked."
    )
    on_behalf_of_child: list[OnBehalfOfChild] = []
    direct_marketing: bool = Field(
        False,
        description=(
            "Information is used for direct marketing: the right to object to it is absolute "
            "(UK GDPR Article 21(2) and (3)) and is printed as such."
        ),
    )
    second_approval: bool = Field(
        False,
        description=(
            "A second member of staff, not the one who reviewed it, approves a copy of "
            "someone's information (a subject access bundle) before it is released."
        ),
    )
    access_shows_who_has_seen: bool = Field(
        False,
        description="A copy of someone's information includes who has seen their record.",
    )
    answers_kept: PeriodText = Field(
        Period(amount=6, unit="years"),
        description=(
            "How long a released copy of someone's information (the subject access bundle "
            "as sent) is kept after the request closed, to show what was disclosed; then it "
            "is deleted and only its digest and the redaction log stay. Default: 6 years, "
            "the limitation period for a claim about it (Limitation Act 1980)."
        ),
    )
    bank_holidays: Literal["england", "wales", "scotland", "northern-ireland"] = Field(
        "england",
        description=(
            "The controller's nation, whose bank holidays move a request's due date on to the "
            "next working day (england and wales share one calendar)."
        ),
    )


class AutomatedDecisions(Strict):
    used: bool = False
    statement: Text | None = None


# --- the notice's own words, and its promises --------------------------------------------------


NoticeSection = Literal[
    "intro",
    "what-we-hold",
    "why",
    "lawful-basis",
    "sharing",
    "security",
    "retention",
    "rights",
    "changes",
    "complaints",
    "contact",
]


class Commitment(Strict):
    """A promise the notice makes (security, breach notification, "we never ..."): printed in
    the notice with what keeps it, or marked as stated only."""

    code: Code
    text: Text
    enforced_by: Code | None = Field(
        None,
        description=(
            "The mechanism that enforces it (`safehold pack conformance` lists them); none "
            "means stated only."
        ),
    )
    stated_only: Text | None = Field(
        None,
        description="Why the system does not enforce it: the DPO accepts this gap, with a reason.",
    )
    section: NoticeSection = Field("security", description="Where the notice prints it.")
    printed: bool = Field(True, description="False keeps it out of the notice (a warning).")

    @model_validator(mode="after")
    def _enforced_or_accepted(self) -> Commitment:
        if self.enforced_by is not None and self.stated_only is not None:
            raise PydanticCustomError(
                "commitment_both",
                "a commitment is either 'enforced_by' a mechanism or 'stated_only', not both",
            )
        return self


class SecurityMeasure(Strict):
    """A security measure (Article 30(1)(g)) that names what in the system enforces it: the
    conformance report then shows it enforced, with that mechanism and the tests that prove it.
    A measure the system cannot keep (training, contracts, paper files) is `stated_only` with
    the DPO's reason, or written as plain text and accepted as a gap."""

    text: Text
    enforced_by: Code | None = Field(
        None,
        description=(
            "The mechanism that enforces it (`safehold pack conformance` lists them): e.g. "
            "the audit log, two-factor sign-in, role-based access."
        ),
    )
    stated_only: Text | None = Field(
        None,
        description="Why the system does not enforce it: the DPO accepts this gap, with a reason.",
    )

    @model_validator(mode="after")
    def _enforced_or_accepted(self) -> SecurityMeasure:
        if self.enforced_by is not None and self.stated_only is not None:
            raise PydanticCustomError(
                "security_both",
                "a security measure is either 'enforced_by' a mechanism or 'stated_only', not both",
            )
        return self


class Acknowledgement(Strict):
    required: bool = False
    by: list[Code] = []
    text: Text | None = None


class Notice(Strict):
    title: Text
    summary: Text | None = None
    published: date | None = None
    wording: dict[NoticeSection, Text] = Field(
        {}, description="The notice's own words for a section, shown before the generated facts."
    )
    young_person: dict[NoticeSection, Text] = Field(
        {}, description="Plain-words version of a section for the young person's notice."
    )
    acknowledgement: Acknowledgement = Acknowledgement()
    changes: Text | None = Field(None, description="What happens if the notice changes.")
    further_reading: list[Text] = []
    young_person_subjects: list[Code] = Field(
        ["young-person"],
        description=(
            "The subjects the young person's version speaks to as 'you'; information about "
            "anyone else is described as theirs."
        ),
    )
    enforcement_annex: bool = Field(
        False, description="Print a short 'how this notice is enforced' annex, generated."
    )


class Transfers(Strict):
    """Where information may go: the territorial scope the notice states."""

    scope: Literal["uk-only", "uk-and-eea", "adequacy", "safeguards"] = Field(
        description=(
            "uk-only; uk-and-eea; adequacy (countries the UK recognises as adequate); "
            "safeguards (elsewhere, under safeguards such as the UK IDTA)."
        )
    )
    countries: list[Text] = []
    safeguards: Text | None = None
    statement: Text | None = Field(None, description="The notice's own words, when it has them.")
    assumed: Text | None = None


class AcceptedGap(Strict):
    """Statements the system does not enforce, accepted by the DPO with a reason."""

    statements: list[
        Annotated[str, StringConstraints(pattern=r"^[a-z-]+(:[a-z0-9*][a-z0-9*:-]*)?$")]
    ] = Field(
        min_length=1,
        description="Statement ids from `safehold pack conformance`, e.g. 'recipient:*'.",
    )
    reason: Text
    accepted_by: Text | None = None


# --- the pack -----------------------------------------------------------------------------------


# --- statistics -------------------------------------------------------------------------------


class Suppression(Strict):
    """How a published table is protected (safehold/statistics/disclosure.py). Start from a
    published practice (`anchor`) and change any field, or state every field."""

    anchor: Literal["nhs-england", "dfe", "uk-llc"] | None = Field(
        None,
        description=(
            "Published practice to start from: 'nhs-england' (1 to 7 hidden as '*', the rest "
            "rounded to 5), 'dfe' ('c' for 1 and 2, with secondary suppression), 'uk-llc' "
            "(under 10 hidden, at least two in every row and column)."
        ),
    )
    threshold: int | None = Field(
        None, ge=1, le=1000, description="Counts from 1 to one less than this are hidden."
    )
    rounding: int | None = Field(
        None, ge=1, le=1000, description="Every published count is rounded to this base."
    )
    symbol: Annotated[str, StringConstraints(min_length=1, max_length=8)] | None = Field(
        None, description="What a hidden figure is shown as."
    )
    secondary: bool | None = Field(
        None,
        description=(
            "Hide other figures too, so that no hidden one can be worked out from the totals."
        ),
    )
    suppress_zero: bool | None = Field(None, description="Whether a zero is hidden too.")
    exempt: list[Literal["cells", "row-totals", "column-totals", "grand-total"]] | None = Field(
        None, description="Levels always shown, whatever their size (e.g. the overall total)."
    )


class StatisticsOutput(Strict):
    output: Code = Field(description="An output's code (`safehold stats list`).")
    suppression: Suppression


class OptOut(Strict):
    """People who opted out of the secondary use of their information (for example the NHS
    National Data Opt-out for health-derived data) are left out of the outputs it covers. The
    choice is the pack's opt-out or objection (`preferences`); a person's is recorded against
    them under the preference's code, in force until withdrawn."""

    preference: Code = Field(description="A preference of kind 'opt-out' or 'objection'.")
    outputs: list[CodeOrAll] = Field(min_length=1)


WIDER_SERVICE_LINKS: tuple[str, ...] = ("looked-after", "child-protection-plan", "child-in-need")


class WiderServiceLink(Strict):
    """Which of the pack's flags record a link to wider services, for the Youth Justice Board's
    indicator: a child is counted under the first link (in this order) any of its flags holds
    for on the day the order ended."""

    link: Literal[WIDER_SERVICE_LINKS]  # type: ignore[valid-type]
    flags: list[Code] = Field(min_length=1)


class Statistics(Strict):
    suppression: Suppression = Field(
        Suppression(), description="Every output's profile unless `outputs` gives its own."
    )
    outputs: list[StatisticsOutput] = []
    opt_outs: list[OptOut] = []
    wider_services: list[WiderServiceLink] = Field(
        [],
        description=(
            "The flags that mean a child is looked after, on a child protection plan or a "
            "child in need (the links-to-wider-services indicator); without it, none is counted."
        ),
    )


class Pack(Strict):
    schema_version: Literal[1] = Field(
        description="The pack schema version this file is written for."
    )
    code: Code = Field(description="The pack's identifier, used in the notice's web address.")
    name: Text
    notice: Notice
    controllers: list[Controller] = Field(min_length=1)
    supervisory_authority: SupervisoryAuthority | None = None
    contacts: list[ContactPoint] = []
    partners: list[Partner] = []
    legislation: list[Legislation] = []
    services: list[Service] = Field(min_length=1)
    subjects: list[Subject] = Field(min_length=1)
    categories: list[DataCategory] = Field(min_length=1)
    flags: list[Flag] = []
    statuses: list[StatusKind] = Field(
        [], description="Dated statuses recorded on a young person's case (a history)."
    )
    events: list[Event] = []
    purposes: list[Purpose] = Field(min_length=1)
    roles: list[Role] = []
    gateways: list[Gateway] = Field(
        [], description="Legal gateways disclosures may go under (shares name them)."
    )
    recipients: list[Recipient] = []
    preferences: list[Preference] = []
    extracts: list[Extract] = Field([], description="Recurring extracts (national returns).")
    retention: list[RetentionRule] = []
    rights: Rights = Rights()
    automated_decisions: AutomatedDecisions = AutomatedDecisions()
    transfers_outside_uk: bool = False
    transfers: Transfers | None = Field(
        None, description="The territorial scope of transfers; when absent, from the yes/no."
    )
    security: list[Text | SecurityMeasure] = Field(
        [],
        description=(
            "Article 30(1)(g): security measures, each as text or with the mechanism that "
            "enforces it."
        ),
    )
    commitments: list[Commitment] = []
    accepted_gaps: list[AcceptedGap] = Field(
        [], description="Statements the DPO accepts as stated only, each with a reason."
    )
    statistics: Statistics = Field(
        Statistics(), description="How published statistics are protected, and opt-outs."
    )

    @property
    def security_measures(self) -> list[SecurityMeasure]:
        """Every security measure, those written as plain text as measures stating nothing
        about what enforces them."""
        return [
            m if isinstance(m, SecurityMeasure) else SecurityMeasure(text=m) for m in self.security
        ]

    @property
    def transfer_scope(self) -> Transfers:
        if self.transfers is not None:
            return self.transfers
        return Transfers(scope="safeguards" if self.transfers_outside_uk else "uk-only")


_TAG_OF_MODEL.update(
    {
        FlagIs: "flag",
        AgeAtIs: "age_at",
        AnyOf: "any",
        AllOf: "all",
        NotCond: "not",
        After: "for",
        Birthday: "birthday",
        GoesWith: "goes_with",
        Earliest: "earliest",
        Latest: "latest",
        When: "if",
        NoPeriod: "none",
    }
)
for _model in (
    AnyOf,
    AllOf,
    NotCond,
    Earliest,
    Latest,
    When,
    ShareWhen,
    Share,
    Recipient,
    Extract,
    Pack,
):
    _model.model_rebuild()

# Events the system records itself; packs may declare more in `events`.
BUILTIN_EVENTS: dict[str, tuple[str, str]] = {
    "date-of-birth": ("person", "date of birth"),
    "last-contact": ("person", "the last contact with the person"),
    "case-opened": ("case", "the date the case was opened"),
    "case-closed": ("case", "the date the service ended"),
    "order-ended": ("case", "the end of the court order"),
    "case-last-contact": ("case", "the last contact on the case"),
    "record-created": ("record", "the date the record was made"),
    "record-updated": ("record", "the date the record was last changed"),
    "case-files-disposed": ("record", "the day the last case file it belongs to was disposed of"),
}
