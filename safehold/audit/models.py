"""The audit log as stored: one row per event, chained by hash, and the head of the chain.

Rows are written only by `services.append` and never changed: the database refuses UPDATE,
DELETE and TRUNCATE (triggers in migration 0002). Person, case and record are plain integers,
not foreign keys, so an entry outlives the record it describes and the records app can change
without touching the log.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    READ = "read", "Read"
    LIST = "list", "Listed"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    REFUSE = "refuse", "Refused"
    BREAK_GLASS = "break-glass", "Break-glass access"
    DISCLOSE = "disclose", "Disclosed"
    RETENTION_DISPOSE = "retention-dispose", "Disposed of under a retention rule"
    AGGREGATE = "aggregate", "Aggregate statistics"


class Decision(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    REFUSED = "refused", "Refused"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def about_person(self, person_id: int) -> AuditEventQuerySet:
        return self.filter(person_id=person_id)

    def about_case(self, case_id: int) -> AuditEventQuerySet:
        return self.filter(case_id=case_id)

    def by_actor(self, actor_id: int) -> AuditEventQuerySet:
        return self.filter(actor_id=actor_id)

    def between(self, start: datetime | None, end: datetime | None) -> AuditEventQuerySet:
        qs = self
        if start is not None:
            qs = qs.filter(at__gte=start)
        if end is not None:
            qs = qs.filter(at__lt=end)
        return qs

    def refused(self) -> AuditEventQuerySet:
        return self.filter(decision=Decision.REFUSED)

    def newest_first(self) -> AuditEventQuerySet:
        # Rows of one batch share `at`; seq breaks the tie in the order they were chained.
        return self.order_by("-at", "-seq")

    def in_chain_order(self) -> AuditEventQuerySet:
        return self.order_by("seq")


class AuditEvent(models.Model):
    # The position in the chain: contiguous from 1, so a missing number is a deleted entry.
    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(help_text="When the entry was appended (UTC, microseconds).")
    # PROTECT: staff are deactivated, never deleted, while the log names them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # covered by the (actor, at) index
        help_text="Empty for system jobs.",
    )
    actor_label = models.CharField(
        max_length=150, help_text="Who, as named at the time: a username or a system job."
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    rule = models.TextField(help_text="The rule that allowed or refused it.")
    person_id = models.BigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    record_type = models.CharField(max_length=64, blank=True)
    record_id = models.BigIntegerField(null=True, blank=True)
    # Sorted, comma-joined codes: text round-trips exactly on every database, JSON may not.
    categories = models.TextField(blank=True, help_text="Data categories, e.g. 'health,identity'.")
    purpose = models.CharField(max_length=64, blank=True, help_text="The purpose code: why.")
    reason = models.TextField(blank=True, help_text="The break-glass reason, in the user's words.")
    recipient = models.CharField(max_length=64, blank=True, help_text="For disclosures: to whom.")
    pack_version_id = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        db_table = "audit_event"
        indexes = [
            # Partial: system entries about no one stay out of the person and case indexes.
            models.Index(
                fields=["person_id", "at"],
                name="audit_person_at_idx",
                condition=models.Q(person_id__isnull=False),
            ),
            models.Index(
                fields=["case_id", "at"],
                name="audit_case_at_idx",
                condition=models.Q(case_id__isnull=False),
            ),
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive"),
            models.CheckConstraint(
                condition=models.Q(decision__in=Decision.values), name="audit_decision_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(self.categories.split(",")) if self.categories else ()


class ChainHead(models.Model):
    """The last entry of the chain. Appenders lock this one row, which serialises them."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(help_text="Sequence number of the last entry; 0 when empty.")
    hash = models.CharField(max_length=64, help_text="Hash of the last entry.")

    class Meta:
        db_table = "audit_chainhead"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chainhead_single_row")
        ]

    def __str__(self) -> str:
        return f"audit chain head #{self.seq}"
