"""What rights you have: the requests people make under them.

Minimal for now (the rights issue grows it: clocks, identity, bundles, exemptions). Retention
needs one fact from it already: while any request of a person is open, nothing about them is
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
        indexes = [models.Index(fields=["status", "person"], name="rights_request_open")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | models.Q(status="closed", closed_on__isnull=False),
                name="rights_request_closed_on",
            )
        ]

    def __str__(self) -> str:
        return f"Rights request {self.pk}"
