"""What information we hold: people, the relationships between them, cases and their records.

Models are thin. Every field that holds personal data is listed in `fields.py`, where a pack
assigns it to one of its data categories; the gate reads and redacts by those categories.
Reads go through `safehold.access.gate`, never straight through these managers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Tracked(models.Model):
    """Who wrote a record, when, and under which pack version it was processed."""

    pack_version = models.ForeignKey(
        "policy.PackVersion", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Raised by one on every change the gate saves, and checked by it: an edit made from an
    # older version is refused, never saved over someone else's (docs/adr/0007).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class Person(Tracked):
    """Anyone we hold information about: a young person, a parent, a victim, a volunteer."""

    controller = models.ForeignKey("policy.Controller", on_delete=models.PROTECT, related_name="+")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=20, blank=True)
    ethnicity = models.CharField(max_length=100, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    school = models.CharField(max_length=200, blank=True)
    health_needs = models.TextField(blank=True)
    last_contact_on = models.DateField(null=True, blank=True)
    restricted = models.BooleanField(
        default=False, help_text="Restriction of processing (UK GDPR Article 18) is in force."
    )

    class Meta:
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        return f"Person {self.pk}"


class PersonFlag(models.Model):
    """A pack flag (looked after, child protection plan, SEN, ...) recorded for a person, or,
    with `case`, a fact about one of their cases (the order was a licence). `holds` False
    records that it is known not to hold; a flag with no row is unknown (docs/adr/0016)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flags")
    # A case's facts are part of its case file (they cascade from it); a person's are not.
    case = models.ForeignKey(
        "Case", on_delete=models.CASCADE, null=True, blank=True, related_name="facts"
    )
    flag = models.CharField(max_length=64)
    holds = models.BooleanField(default=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    # Raised by one on every change the gate saves, and checked by it (docs/adr/0007).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["flag", "person"])]


# Each record's choices are named for it (`Contact.Kind` is `ContactKind`): the API's schema
# names an enum by its class, and six enums all called "Kind" became one.
class RelationshipKind(models.TextChoices):
    PARENT = "parent", "Parent"
    CARER = "carer", "Carer"
    SIBLING = "sibling", "Sibling"
    FAMILY = "family", "Other family member"
    SOCIAL_WORKER = "social-worker", "Social worker"
    PROFESSIONAL = "professional", "Other professional"


class Relationship(models.Model):
    """How two people are connected: a parent of, a carer of, a sibling of, a social worker of."""

    Kind = RelationshipKind

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="related_to")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    lives_with = models.BooleanField(default=False)
    # Raised by one on every change the gate saves, and checked by it (docs/adr/0007).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "other", "kind"], name="relationship_unique"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("other")), name="relationship_not_self"
            ),
        ]


class Case(Tracked):
    """One episode of one service for one young person, held by a team, allocated to a worker."""

    class ClosedReason(models.TextChoices):
        COMPLETED = "completed", "The order or intervention was completed"
        REVOKED = "revoked", "The court revoked or replaced the order"
        CUSTODY = "custody", "Sentenced to custody"
        TRANSFERRED = "transferred", "Transferred to another service or area"
        MOVED = "moved", "Moved away"
        DECLINED = "declined", "Declined or stopped taking part (voluntary support)"
        NO_FURTHER_ACTION = "no-further-action", "No further action needed"
        DIED = "died", "Died"
        OPENED_IN_ERROR = "opened-in-error", "Opened in error"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    controller = models.ForeignKey("policy.Controller", on_delete=models.PROTECT, related_name="+")
    service = models.CharField(max_length=64, help_text="A service code from the pack.")
    team = models.ForeignKey("access.Team", on_delete=models.PROTECT, related_name="cases")
    allocated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="allocated_cases",
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    closed_reason = models.CharField(max_length=32, choices=ClosedReason.choices, blank=True)
    restricted = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["allocated_to", "closed_on"]),
            models.Index(fields=["team", "closed_on"]),
            models.Index(fields=["person"]),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}"


class CaseRecord(Tracked):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class ContactKind(models.TextChoices):
    HOME_VISIT = "home-visit", "Home visit"
    OFFICE = "office", "Office appointment"
    PHONE = "phone", "Phone call"
    GROUP = "group", "Group work"
    SCHOOL = "school", "School visit"
    OTHER = "other", "Other"


class Contact(CaseRecord):
    Kind = ContactKind

    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    notes = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "occurred_at"])]


class AssessmentKind(models.TextChoices):
    ASSETPLUS = "assetplus", "AssetPlus"
    CHAT = "chat", "CHAT health assessment"
    EARLY_HELP = "early-help", "Early help assessment"


class Assessment(CaseRecord):
    Kind = AssessmentKind

    kind = models.CharField(max_length=20, choices=Kind.choices)
    completed_on = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    health_findings = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "completed_on"])]


class PlanKind(models.TextChoices):
    INTERVENTION = "intervention", "Intervention plan"
    SAFETY = "safety", "Safety and wellbeing plan"
    FAMILY = "family", "Family support plan"


class Plan(CaseRecord):
    Kind = PlanKind

    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)


class PlanAction(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    # Raised by one on every change the gate saves, and checked by it (docs/adr/0007).
    version = models.PositiveIntegerField(default=1)


class Offence(CaseRecord):
    committed_on = models.DateField(null=True, blank=True)
    description = models.TextField()
    offence_type = models.CharField(max_length=100, blank=True)
    gravity = models.PositiveSmallIntegerField(null=True, blank=True)


class VictimLinkConsent(models.TextChoices):
    GIVEN = "given", "Agreed to contact"
    REFUSED = "refused", "Refused contact"
    UNKNOWN = "unknown", "Not yet asked"


class VictimLinkRestorativeJustice(models.TextChoices):
    NOT_OFFERED = "not-offered", "Not offered yet"
    OFFERED = "offered", "Offered, not taken up yet"
    ENGAGED = "engaged", "Engaged in restorative justice"
    DECLINED = "declined", "Declined"


class VictimLink(models.Model):
    """A victim of an offence, whether they agreed to be contacted by the service, and their
    answer to restorative justice: the YJB counts victims, so both are recorded per victim
    (docs/adr/0027), each with the date it was recorded."""

    Consent = VictimLinkConsent
    RestorativeJustice = VictimLinkRestorativeJustice

    offence = models.ForeignKey(Offence, on_delete=models.CASCADE, related_name="victims")
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="victim_of")
    contact_consent = models.CharField(max_length=10, choices=Consent.choices, default="unknown")
    consent_recorded_on = models.DateField(null=True, blank=True)
    restorative_justice = models.CharField(
        max_length=12, choices=RestorativeJustice.choices, default="not-offered"
    )
    rj_recorded_on = models.DateField(null=True, blank=True)
    # Raised by one on every change the gate saves, and checked by it (docs/adr/0007).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offence", "victim"], name="victim_link_unique")
        ]


class OutcomeKind(models.TextChoices):
    REFERRAL_ORDER = "referral-order", "Referral order"
    YRO = "yro", "Youth rehabilitation order"
    DTO = "dto", "Detention and training order"
    YOUTH_CAUTION = "youth-caution", "Youth caution"
    YCC = "youth-conditional-caution", "Youth conditional caution"
    DIVERSION = "diversion", "Diversion"
    BAIL = "bail", "Bail"


class Outcome(CaseRecord):
    Kind = OutcomeKind

    kind = models.CharField(max_length=30, choices=Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    requirements = models.TextField(blank=True)

    COURT_ORDERS = frozenset({Kind.REFERRAL_ORDER, Kind.YRO, Kind.DTO})


class CaseStatus(CaseRecord):
    """A dated status of one of the pack's kinds (`statuses`: accommodation, education or
    training, an identified need and what was done about it) on a young person's case: one
    value from `started_on` until `ended_on` (open while in force). Recording a new value
    ends the one in force the day before, so the rows of a kind are the case's history; a
    correction keeps the old value in `Change`. Its fields are in the data category the pack
    gives the kind, so the gate decides and redacts row by row (docs/adr/0027)."""

    kind = models.CharField(max_length=64)
    value = models.CharField(max_length=64)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "kind", "started_on"])]


class ReportKind(models.TextChoices):
    PSR = "psr", "Pre-sentence report"
    PANEL = "panel", "Referral order panel report"


class Report(CaseRecord):
    Kind = ReportKind

    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_on = models.DateField(null=True, blank=True)
    body = models.TextField(blank=True)
    copy_given_on = models.DateField(
        null=True, blank=True, help_text="When the young person was given a copy, before court."
    )


class Change(models.Model):
    """One field of one record as it was before a change, and what it became: the history
    that rectification leaves (docs/adr/0007). Written only by the gate, with the audit event
    of the update (`audit_seq`); read through the gate, redacted by the category of the field
    it changed. It is disposed of with what it describes: a case and its records' changes
    with the case file (`case`), a person's own with the person (`person`), never kept by the
    append-only audit log."""

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    record_type = models.CharField(max_length=32)  # a key of fields.RECORD_FIELDS
    record_id = models.BigIntegerField()
    field = models.CharField(max_length=64)
    old = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    new = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    version = models.PositiveIntegerField(help_text="The record's version this change made.")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    audit_seq = models.BigIntegerField(help_text="The audit event of the update.")

    class Meta:
        indexes = [
            models.Index(fields=["record_type", "record_id", "version"]),
            models.Index(fields=["audit_seq"]),
        ]
        constraints = [
            # A person's own record, or a case's: one unit disposes of it, never both.
            models.CheckConstraint(
                condition=models.Q(case__isnull=False, person__isnull=True)
                | models.Q(case__isnull=True, person__isnull=False),
                name="change_of_case_or_person",
            )
        ]
