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
