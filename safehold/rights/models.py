"""What rights you have: the requests people make under them, and their statutory clock.

A request records who it is about, who made it and with what authority, how it came in, what
is asked, the identity checks, and for a child whether they understand their rights and
authorised the person acting for them (who decided, and why). Its clock (`rights.clock`) is
kept as `due_on`, recomputed at every change from the received date, the pauses
(`RequestPause`) and the extension, so lists sort and count in SQL. `RequestStep` is the
request's own history, in words. While any request of a person is open, nothing about them is
disposed of.

The person is referred to by id without a database constraint: a request outlives the person
it was about (an erasure request, once done, must still be provable).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from safehold.policy.law import RIGHTS

RIGHT_CHOICES = [(code, provision.title) for code, provision in RIGHTS.items()]


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Requester(models.TextChoices):
    SELF = "self", "The person themselves"
    PARENT = "parent", "A parent or carer"
    REPRESENTATIVE = "representative", "A solicitor or advocate with authority"
    OTHER = "other", "Someone else acting with authority"


class Channel(models.TextChoices):
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    WEB = "web", "Online form"
    PHONE = "phone", "Telephone"
    IN_PERSON = "in-person", "In person"
    STAFF = "staff", "Through a member of staff"


class Identity(models.TextChoices):
    NOT_CHECKED = "not-checked", "Not yet checked"
    AWAITED = "awaited", "Asked for, awaited"
    CONFIRMED = "confirmed", "Confirmed"
    NOT_NEEDED = "not-needed", "Not needed (already known to the service)"


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class Outcome(models.TextChoices):
    ANSWERED = "answered", "Answered in full"
    PART = "part", "Answered in part (some refused or withheld)"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn by the requester"


class PauseReason(models.TextChoices):
    IDENTITY = "identity", "Awaiting proof of identity"
    CLARIFICATION = "clarification", "Awaiting clarification of the request"


class RightsRequestQuerySet(models.QuerySet["RightsRequest"]):
    def open(self) -> RightsRequestQuerySet:
        return self.filter(status=RequestStatus.OPEN)


class RightsRequest(models.Model):
    person = models.ForeignKey(
        "records.Person",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    controller = models.ForeignKey("policy.Controller", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=RIGHT_CHOICES)
    received_on = models.DateField()
    # Who asked, how, and for what.
    requester = models.CharField(max_length=16, choices=Requester.choices, default=Requester.SELF)
    requester_name = models.CharField(max_length=200, blank=True)
    authority = models.TextField(
        blank=True, help_text="What shows the requester may act for the person."
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.LETTER)
    asked = models.TextField(blank=True, help_text="What is asked, in the requester's terms.")
    identity = models.CharField(
        max_length=16, choices=Identity.choices, default=Identity.NOT_CHECKED
    )
    identity_note = models.TextField(blank=True)
    # For a child: can they understand their rights, did they authorise who acts for them.
    child_understands = models.CharField(max_length=3, choices=YesNo.choices, blank=True)
    child_authorised = models.CharField(max_length=3, choices=YesNo.choices, blank=True)
    understanding_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    understanding_reason = models.TextField(blank=True)
    # The clock: the nation whose bank holidays count, the extension, the due date it gives.
    nation = models.CharField(max_length=20, default="england")
    extension_told_on = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    due_on = models.DateField(null=True, blank=True, help_text="None while paused.")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    # Rectification, erasure, restriction, objection: the decision, its ground, the person's
    # own statement where a correction is refused, and a restriction set from the request.
    decision = models.CharField(max_length=10, blank=True)
    refusal_ground = models.CharField(max_length=20, blank=True)
    statement = models.TextField(blank=True, help_text="The person's statement, kept with it.")
    restriction_set = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RightsRequestQuerySet.as_manager()

    class Meta:
        db_table = "rights_request"
        indexes = [
            models.Index(fields=["status", "person"], name="rights_request_open"),
            models.Index(fields=["controller", "status", "due_on"], name="rights_request_due"),
            models.Index(fields=["controller", "received_on"], name="rights_request_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | models.Q(status="closed", closed_on__isnull=False),
                name="rights_request_closed_on",
            )
        ]

    def __str__(self) -> str:
        return f"Rights request {self.pk}"

    @property
    def reference(self) -> str:
        return f"R{self.pk}"

    @property
    def on_time(self) -> bool | None:
        if self.closed_on is None or self.due_on is None:
            return None
        return self.closed_on <= self.due_on


class RequestPause(models.Model):
    """The clock stopped while identity or clarification was awaited (Article 12A)."""

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="pauses")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=PauseReason.choices)

    class Meta:
        db_table = "rights_pause"
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(ended_on__isnull=True),
                name="rights_pause_one_open",
            )
        ]


class RequestStep(models.Model):
    """What was done on a request, when and by whom, in words: its history."""

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    what = models.TextField()

    class Meta:
        db_table = "rights_step"
        ordering = ["at", "pk"]


class Ground(models.TextChoices):
    """Why a third party's information is withheld from, or disclosed in, a bundle."""

    THIRD_PARTY = "sch2-16", "Withhold: another person's information (DPA 2018 Sch 2 para 16)"
    SOCIAL_WORK = (
        "sch3-social-work",
        ("Withhold: serious harm, social work data (DPA 2018 Sch 3 Part 3)"),
    )
    HEALTH = "sch3-health", "Withhold: serious harm, health data (DPA 2018 Sch 3 Part 2)"
    CRIME = "sch2-2", "Withhold: crime and taxation (DPA 2018 Sch 2 para 2)"
    CONSENTED = "consented", "Disclose: the other person consented"
    REASONABLE = (
        "reasonable",
        ("Disclose: reasonable without consent (DPA 2018 Sch 2 para 16(1)(b) and its factors)"),
    )
    KNOWN = "known", "Disclose: already known to the requester"
    PROFESSIONAL = "professional", "Disclose: a professional acting in their role"


WITHHOLDING = frozenset({Ground.THIRD_PARTY, Ground.SOCIAL_WORK, Ground.HEALTH, Ground.CRIME})


class Redaction(models.Model):
    """The redaction log: one proposal to withhold another person's information from a
    subject access bundle, where it was found and how, and the reviewer's decision with its
    legal ground; at release, whether it was disclosed."""

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="redactions")
    key = models.CharField(max_length=80, help_text="The bundle entry: record:id.")
    field = models.CharField(max_length=64)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    entity = models.CharField(max_length=16)
    whose = models.CharField(max_length=300)
    found_by = models.CharField(max_length=16)
    proposed_at = models.DateTimeField(auto_now_add=True)
    ground = models.CharField(max_length=20, choices=Ground.choices, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    disclosed = models.BooleanField(null=True, help_text="At release: whether it was disclosed.")

    class Meta:
        db_table = "rights_redaction"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "key", "field", "start", "end", "text"],
                name="rights_redaction_once",
            )
        ]

    @property
    def withheld(self) -> bool:
        return self.ground in WITHHOLDING


class Release(models.Model):
    """A subject access bundle: its second-person approval and its release. What was released
    is kept (the redacted bundle and covering letter as JSON, with its digest) so the
    controller can show what it sent."""

    request = models.OneToOneField(RightsRequest, on_delete=models.CASCADE, related_name="release")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    content = models.JSONField(null=True, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    # Kept for the pack's `rights.answers_kept` after the request closed, then deleted (the
    # digest and the redaction log stay as evidence of what was decided and sent).
    content_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "rights_release"


class Decision(models.TextChoices):
    """The DPO's decision on a request under one of the other rights."""

    ACCEPTED = "accepted", "Accepted"
    REFUSED = "refused", "Refused"


class RefusalGround(models.TextChoices):
    """Why a request of rectification, erasure, restriction or objection is refused."""

    ACCURATE = "accurate", "The information is accurate (a record of what was said or assessed)"
    LEGAL_OBLIGATION = (
        "legal-obligation",
        ("Erasure does not apply: we process it to meet a legal obligation (Article 17(3)(b))"),
    )
    PUBLIC_TASK = (
        "public-task",
        ("Erasure does not apply: we need it for our public task (Article 17(3)(b))"),
    )
    LEGAL_CLAIMS = "legal-claims", "It is needed for legal claims (Article 17(3)(e))"
    COMPELLING = (
        "compelling",
        ("Compelling legitimate grounds override the objection (Article 21(1))"),
    )
    MANIFESTLY_UNFOUNDED = "unfounded", "Manifestly unfounded or excessive (Article 12(5))"


class ObjectionState(models.TextChoices):
    PENDING = "pending", "Objected, not yet decided"
    UPHELD = "upheld", "Upheld"
    OVERRULED = "overruled", "Overruled"
    WITHDRAWN = "withdrawn", "Withdrawn"


OBJECTION_IN_FORCE = (ObjectionState.PENDING, ObjectionState.UPHELD)


class ObjectionQuerySet(models.QuerySet["Objection"]):
    def in_force(self) -> ObjectionQuerySet:
        """Pending or upheld: the processing objected to stops for the person (Article 21)."""
        return self.filter(state__in=OBJECTION_IN_FORCE)


class Objection(models.Model):
    """A person's objection to one processing (a purpose the pack marks objectable), from a
    rights request or from an objection recorded with their consents (sharing). While it is
    pending or upheld the gate stops that purpose's processing for them; overruled (with the
    compelling grounds) or withdrawn it no longer does. An objection to direct marketing is
    upheld when made and is never overruled (Article 21(3))."""

    controller = models.ForeignKey("policy.Controller", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "records.Person", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    purpose = models.CharField(max_length=64, help_text="The pack's purpose code.")
    purpose_name = models.CharField(max_length=300)
    direct_marketing = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=ObjectionState.choices)
    made_on = models.DateField()
    request = models.ForeignKey(
        RightsRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="objections"
    )
    consent_record = models.ForeignKey(
        "sharing.ConsentRecord",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.TextField(blank=True, help_text="The decision's reason, as told.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        db_table = "rights_objection"
        indexes = [
            models.Index(fields=["person", "purpose", "state"], name="rights_objection_person")
        ]

    def __str__(self) -> str:
        return f"Objection {self.pk}"

    @property
    def source(self) -> str:
        if self.request_id:
            return f"request R{self.request_id}"
        return "an objection recorded with their consents"


class CompiledBundle(models.Model):
    """A request's bundle as compiled through the gate, kept while it is reviewed so each view
    of the review reads it instead of compiling again; compiled again only when the DPO asks.
    It is deleted when the request closes (what was released is kept in `Release`)."""

    request = models.OneToOneField(RightsRequest, on_delete=models.CASCADE, related_name="compiled")
    content = models.JSONField()
    records = models.IntegerField(default=0)
    compiled_at = models.DateTimeField()
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "rights_compiled_bundle"
