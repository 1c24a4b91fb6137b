"""Staff, teams and the roles a pack defines. The gate (`access/gate/`) reads these."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Team(models.Model):
    """A team of a controller's service (e.g. 'North YOT'), holding cases."""

    controller = models.ForeignKey(
        "policy.Controller", on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(max_length=200)
    services = models.JSONField(
        default=list, blank=True, help_text="Codes of the pack services this team delivers."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["controller", "name"], name="team_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Their role is one of the pack's roles, by code."""

    role = models.CharField(max_length=64, blank=True, help_text="A role code from the pack.")
    controller = models.ForeignKey(
        "policy.Controller", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="members")

    class Meta:
        db_table = "access_user"


class BreakGlassQuerySet(models.QuerySet["BreakGlass"]):
    def active(self, at: datetime | None = None) -> BreakGlassQuerySet:
        return self.filter(expires_at__gt=at or timezone.now())

    def in_force(self, at: datetime | None = None) -> BreakGlassQuerySet:
        """Active grants that still open their case: restriction of processing (Article 18)
        holds even against break-glass, including a restriction placed after the glass broke."""
        return self.active(at).filter(case__restricted=False, case__person__restricted=False)


class BreakGlass(models.Model):
    """Emergency access to a case outside one's allocation: a typed reason, a time limit, and
    a flag for the DPO to review."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass")
    case = models.ForeignKey("records.Case", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(blank=True, help_text="What the DPO found on review.")

    objects = BreakGlassQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["user", "expires_at"]),
            # The DPO's review list: those still to review first, newest first.
            models.Index(fields=["reviewed_at", "started_at"], name="breakglass_review_idx"),
        ]


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, at: datetime | None = None) -> ApiTokenQuerySet:
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for an integration, acting as one member of staff through the gate.

    Only a SHA-256 digest is stored: the token is shown once, when it is issued.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to tell it.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()
