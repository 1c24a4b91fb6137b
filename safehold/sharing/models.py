"""Who we share with and why: consents, objections and preferences as records about a person,
and the disclosure log.

A consent record is never changed: giving, refusing and withdrawing are each a new row, so a
withdrawal takes effect from then on and history stays as it was. A disclosure row is the
decision about one share (or one run of a recurring extract) whether or not anything went:
the rule used, the recipient, purpose, gateway, consent state, override and approver, and
exactly which records and fields left. Both are personal data about the person and go with
them when their records are disposed of.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q


class ConsentState(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class How(models.TextChoices):
    WRITTEN = "written", "In writing"
    VERBAL = "verbal", "Verbally"
    ELECTRONIC = "electronic", "Electronically"


class Capacity(models.TextChoices):
    """A child's capacity to decide for themselves (Gillick competence / Fraser guidelines)."""

    COMPETENT = "competent", "Able to decide for themselves"
    NOT_COMPETENT = "not-competent", "Not able to decide for themselves"
    NOT_ASSESSED = "not-assessed", "Not assessed"
    ADULT = "adult", "An adult deciding for themselves"


class ConsentRecordQuerySet(models.QuerySet["ConsentRecord"]):
    def of_person(self, person_id: int) -> ConsentRecordQuerySet:
        return self.filter(person_id=person_id)

    def latest_per_preference(self) -> ConsentRecordQuerySet:
        """The newest record of each (person, preference): what holds now, if in force."""
        newer = ConsentRecord.objects.filter(
            person_id=models.OuterRef("person_id"),
            preference=models.OuterRef("preference"),
            pk__gt=models.OuterRef("pk"),
        )
        return self.filter(~models.Exists(newer))

    def in_force(self, on: date) -> ConsentRecordQuerySet:
        """Given (or an objection or preference stated) and not yet expired on `on`."""
        return self.latest_per_preference().filter(
            Q(until__isnull=True) | Q(until__gte=on), state=ConsentState.GIVEN, on__lte=on
        )


class ConsentRecord(models.Model):
    """A consent, an objection or a preference given, refused or withdrawn: one event."""

    controller = models.ForeignKey("policy.Controller", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "records.Person", on_delete=models.CASCADE, related_name="consent_records"
    )
    preference = models.CharField(max_length=64, help_text="The pack's preference code.")
    kind = models.CharField(max_length=20, help_text="consent, preference, objection or opt-out.")
    state = models.CharField(max_length=20, choices=ConsentState.choices)
    given_by = models.CharField(
        max_length=64, help_text="The pack subject who decided: the young person, a parent."
    )
    given_by_name = models.CharField(max_length=200, blank=True)
    how = models.CharField(max_length=20, choices=How.choices)
    evidence = models.TextField(blank=True, help_text="Where the signed form is, what was said.")
    on = models.DateField(help_text="When it was given, refused or withdrawn.")
    until = models.DateField(null=True, blank=True, help_text="When a consent runs out.")
    capacity = models.CharField(max_length=20, choices=Capacity.choices)
    capacity_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    capacity_reason = models.TextField(blank=True)
    withdraws = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="withdrawals"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    pack_version = models.ForeignKey(
        "policy.PackVersion", on_delete=models.PROTECT, related_name="+"
    )

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["person", "preference", "-id"])]

    def __str__(self) -> str:
        return f"{self.preference} {self.state} ({self.pk})"


class Outcome(models.TextChoices):
    SHARED = "shared", "Shared"
    REFUSED = "refused", "Not shared"


class ConsentStatus(models.TextChoices):
    """The consent state a disclosure was decided in."""

    GIVEN = "given", "Consent given"
    NONE = "none", "No consent recorded"
    REFUSED = "refused", "Consent refused"
    WITHDRAWN = "withdrawn", "Consent withdrawn"
    EXPIRED = "expired", "Consent expired"
    OVERRIDDEN = "overridden", "Shared without consent (overridden)"
    NOT_NEEDED = "not-needed", "Consent not needed"


class Channel(models.TextChoices):
    SECURE_EMAIL = "secure-email", "Secure email"
    PORTAL = "portal", "Secure portal or upload"
    POST = "post", "Post"
    IN_PERSON = "in-person", "In person"
    PHONE = "phone", "Telephone"
    FILE = "file", "File (recurring extract)"


class DisclosureQuerySet(models.QuerySet["Disclosure"]):
    def about_person(self, person_id: int) -> DisclosureQuerySet:
        """Shares from the person's cases and the extract runs that covered them."""
        return self.filter(
            Q(person_id=person_id)
            | Q(pk__in=DisclosureSubject.objects.filter(person_id=person_id).values("disclosure"))
        )

    def newest_first(self) -> DisclosureQuerySet:
        return self.order_by("-at", "-pk")


class Disclosure(models.Model):
    """One share decision, or one run of a recurring extract: the disclosure log."""

    controller = models.ForeignKey("policy.Controller", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "records.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="disclosures",
        help_text="Empty for an extract run (its people are DisclosureSubjects).",
    )
    case = models.ForeignKey(
        "records.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recipient = models.CharField(max_length=64, help_text="The pack's recipient code.")
    recipient_name = models.CharField(max_length=300)
    recipient_contact = models.CharField(
        max_length=300, blank=True, help_text="The organisation and role of whoever received it."
    )
    purpose = models.CharField(max_length=64)
    gateway = models.CharField(max_length=64, blank=True)
    rule = models.TextField(help_text="The pack's share or extract used, and the gate's reasons.")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    consent_status = models.CharField(max_length=20, choices=ConsentStatus.choices)
    consent_record = models.ForeignKey(
        ConsentRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True, help_text="Why it was shared (an override's reason).")
    reference = models.CharField(max_length=200, blank=True, help_text="e.g. a court order.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    categories = models.JSONField(default=list)
    items = models.JSONField(
        default=list, help_text="What went: [{record, id, fields}], or the extract's items."
    )
    package = models.JSONField(
        null=True, blank=True, help_text="The values sent, as sent: the downloadable package."
    )
    identifiable = models.CharField(max_length=20, default="yes")
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    extract = models.CharField(max_length=64, blank=True)
    people_count = models.IntegerField(default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_label = models.CharField(max_length=150)
    at = models.DateTimeField()
    pack_version = models.ForeignKey(
        "policy.PackVersion", on_delete=models.PROTECT, related_name="+"
    )

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["controller", "-at"]),
            models.Index(fields=["controller", "recipient", "-at"]),
            models.Index(fields=["person", "-at"]),
        ]

    def __str__(self) -> str:
        return f"Disclosure {self.pk}"


class DisclosureSubject(models.Model):
    """A person an extract run covered (the run itself is one Disclosure)."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey("records.Person", on_delete=models.CASCADE, related_name="+")


class RecordedEventQuerySet(models.QuerySet["RecordedEvent"]):
    def for_case(self, person_id: int, case_id: int) -> RecordedEventQuerySet:
        """The events of one case and its person's own (`of: person`) events."""
        return self.filter(Q(case_id=case_id) | Q(case__isnull=True), person_id=person_id)


class RecordedEvent(models.Model):
    """The date of an event a pack declares for a person or a case (`events[]`, `of: person`
    or `of: case`: a child moves school, a referral is made): what shares conditioned on it
    (`when: {after: moved-school}`) read. Events of a service are `retention.ServiceDate`.

    One row per person (`case` empty) or case and event: written through `Gate.write`
    (audited), a change of date checked against `version` and its old value kept in
    `records.Change`. Kept apart from the statistics' dated status history: these are the
    pack's own events, by code."""

    person = models.ForeignKey(
        "records.Person", on_delete=models.CASCADE, related_name="recorded_events"
    )
    # A case's events are part of its case file (they cascade from it); a person's are not.
    case = models.ForeignKey(
        "records.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event = models.CharField(max_length=64, help_text="The pack's event code.")
    on = models.DateField(help_text="When it happened.")
    version = models.PositiveIntegerField(default=1)
    pack_version = models.ForeignKey(
        "policy.PackVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = RecordedEventQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "event"],
                condition=Q(case__isnull=False),
                name="sharing_event_once_a_case",
            ),
            models.UniqueConstraint(
                fields=["person", "event"],
                condition=Q(case__isnull=True),
                name="sharing_event_once_a_person",
            ),
        ]
        indexes = [models.Index(fields=["person", "event"])]

    def __str__(self) -> str:
        return f"{self.event} on {self.on}"
