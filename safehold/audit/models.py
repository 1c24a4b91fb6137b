"""The audit log as stored: one row per event, chained by hash, and the head of the chain.

Rows are written only by `services.append` and never changed: the database refuses UPDATE,
DELETE and TRUNCATE (triggers in migration 0002). Person, case and record are plain integers,
not foreign keys, so an entry outlives the record it describes and the records app can change
without touching the log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
        """Events about this person: named in the event itself, or one of a list's subjects."""
        return self.about(person_id=person_id)

    def about_case(self, case_id: int) -> AuditEventQuerySet:
        return self.about(case_id=case_id)

    def about(self, **ids: int) -> AuditEventQuerySet:
        """Events whose own columns, or one of whose subjects, match `ids` (person_id, case_id,
        record_id): each side on its own index."""
        # Distinct: a list may name one person many times (a case each); the array stays small.
        listed = AuditSubject.objects.filter(**ids).order_by().values("event_id").distinct()
        return self.filter(models.Q(**ids) | models.Q(seq__listed_in=listed))

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


class ListedIn(models.Lookup):
    """`seq IN (subquery)`, written as PostgreSQL can OR it with another index condition:
    `= ANY(ARRAY(subquery))` is computed once and looked up in the primary key (a bitmap OR of
    two index scans), where `IN (subquery)` in an OR is a filter on a scan of the whole log.
    SQLite ORs the two indexes for IN as it is."""

    lookup_name = "listed_in"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        template = "%s = ANY(ARRAY%s)" if connection.vendor == "postgresql" else "%s IN %s"
        return template % (lhs, rhs), (*lhs_params, *rhs_params)


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

    def about(self) -> list[tuple[int | None, int | None, int | None]]:
        """Whom and what this event is about, as (person, case, record) ids: its own, or for a
        list its subjects in order (prefetch `subjects` to read many events' at once)."""
        subjects = [(s.person_id, s.case_id, s.record_id) for s in self.subjects.all()]
        return subjects or [(self.person_id, self.case_id, self.record_id)]


AuditEvent._meta.get_field("seq").register_lookup(ListedIn)


class AuditSubject(models.Model):
    """One of the people, cases or records a list event is about (a caseload's cases, a search's
    people, a batch of names). The event's hash covers them all (chain format v2), so a subject
    added, removed, changed or moved breaks the chain like an edited event. No foreign key to
    what is described, as for events; the link to the event is not checked by the database
    either (a check per row at every append), because verify proves each subject belongs."""

    pk = models.CompositePrimaryKey("event", "position")
    event = models.ForeignKey(
        AuditEvent,
        on_delete=models.DO_NOTHING,
        db_column="seq",
        db_constraint=False,
        db_index=False,  # the primary key (seq, position) leads with it
        related_name="subjects",
    )
    position = models.IntegerField(help_text="Its place in the event's list, from 0.")
    person_id = models.BigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    record_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        db_table = "audit_subject"
        ordering = ("event_id", "position")
        indexes = [
            # "Who has seen this child" and "this case": one index range each, in chain order.
            models.Index(
                fields=["person_id", "event"],
                name="audit_subject_person_idx",
                condition=models.Q(person_id__isnull=False),
            ),
            models.Index(
                fields=["case_id", "event"],
                name="audit_subject_case_idx",
                condition=models.Q(case_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.event_id}.{self.position} person {self.person_id} case {self.case_id}"


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
