"""How long we keep it: retention units, legal holds, and the record of each disposal.

Every piece of personal data belongs to one retention unit (`units.py` says which model goes
where, and a test fails when a model is left out):

- a **case file**: a case and all its records (contacts, assessments, plans and their actions,
  offences and their victim links, outcomes, reports, break-glass grants into it);
- **information that is not part of a case file**: a person's flags and relationships, held
  about the person rather than in any one case;
- a **person**: the person's own record (name, date of birth, contact details, ...), disposed
  of only once no case file, no victim link and no other unit holds them.

A unit points at its case or person by id without a database constraint (as the audit log
does), so that it outlives what it describes: after disposal the unit stays as a tombstone,
its anchors wiped, and a `DisposalRecord` proves what rule disposed of what, holding no
personal data.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models

from safehold.policy.schema import Action, Unit
from safehold.retention.rules import Basis


class UnitKind(models.TextChoices):
    CASE_FILE = Unit.CASE_FILE.value, "Case file"
    NON_CASE_FILE = Unit.NON_CASE.value, "Information not part of a case file"
    PERSON = Unit.PERSON.value, "A person's own record"


class UnitStatus(models.TextChoices):
    ACTIVE = "active", "Kept"
    DUE = "due", "Due for review"
    APPROVED = "approved", "Approved for disposal"
    DISPOSED = "disposed", "Disposed of"
    ARCHIVED = "archived", "Archived"


FINISHED = (UnitStatus.DISPOSED, UnitStatus.ARCHIVED)

ACTION_CHOICES = [(a.value, a.value.capitalize()) for a in Action]
BASIS_CHOICES = [(b.value, b.value) for b in Basis]


class RetentionUnitQuerySet(models.QuerySet["RetentionUnit"]):
    def of_controller(self, controller_id: int) -> RetentionUnitQuerySet:
        return self.filter(controller_id=controller_id)

    def live(self) -> RetentionUnitQuerySet:
        return self.exclude(status__in=FINISHED)

    def due(self) -> RetentionUnitQuerySet:
        return self.filter(status=UnitStatus.DUE)

    def approved(self) -> RetentionUnitQuerySet:
        return self.filter(status=UnitStatus.APPROVED)

    def gaps(self) -> RetentionUnitQuerySet:
        return self.live().filter(basis__in=[b.value for b in Basis if b.is_gap])


class RetentionUnit(models.Model):
    kind = models.CharField(max_length=16, choices=UnitKind.choices)
    key = models.BigIntegerField(help_text="The case id for a case file; the person id otherwise.")
    # Few indexes on purpose: the plan rewrites this table in bulk. Units are found by
    # (kind, key), by controller for the dashboard, and by status for the queue and sweep.
    # Nor database constraints to the controller and pack version: the plan writes a million
    # rows at once and each would queue a check at commit; neither is ever deleted (PROTECT).
    controller = models.ForeignKey(
        "policy.Controller",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # No database constraint: the unit outlives the rows it describes (see the module doc).
    case = models.ForeignKey(
        "records.Case",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    person = models.ForeignKey(
        "records.Person",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="The person; for a case file, the person the case is about.",
    )
    service = models.CharField(max_length=64, blank=True, help_text="A case file's service.")
    pack_version = models.ForeignKey(
        "policy.PackVersion",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        help_text="The pack version the keep-until date was computed under.",
    )
    rule = models.CharField(max_length=64, blank=True, help_text="The rule that won.")
    action = models.CharField(max_length=16, choices=ACTION_CHOICES, blank=True)
    basis = models.CharField(max_length=16, choices=BASIS_CHOICES)
    keep_until = models.DateField(
        null=True,
        blank=True,
        help_text="Kept until this day; disposal may happen from it. Empty: see basis and note.",
    )
    anchors = models.JSONField(
        default=dict, blank=True, help_text="The facts the date was computed from."
    )
    note = models.CharField(max_length=300, blank=True, help_text="Why there is no date.")
    held_by = models.CharField(
        max_length=300, blank=True, help_text="Why disposal is suspended now (empty: it is not)."
    )
    status = models.CharField(max_length=16, choices=UnitStatus.choices, default=UnitStatus.ACTIVE)
    retain_until = models.DateField(
        null=True, blank=True, help_text="A reviewer decided to keep it longer: review again then."
    )
    retain_reason = models.TextField(blank=True, db_default="")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_action = models.CharField(
        max_length=16,
        choices=ACTION_CHOICES,
        blank=True,
        help_text="What the approver decided: the rule's action, or for 'review' their choice.",
    )
    computed_at = models.DateTimeField()
    disposed_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change: the planner writes only over the revision it read.
    revision = models.PositiveIntegerField(default=0)
    digest = models.CharField(
        max_length=16, blank=True, help_text="Of what the planner computed, to skip rewrites."
    )

    objects = RetentionUnitQuerySet.as_manager()

    class Meta:
        db_table = "retention_unit"
        constraints = [
            # The key first: units are looked up by lists and ranges of keys.
            models.UniqueConstraint(fields=["key", "kind"], name="retention_unit_kind_key"),
        ]
        indexes = [
            models.Index(fields=["controller", "status", "rule"], name="retention_unit_queue"),
            models.Index(fields=["controller", "keep_until"], name="retention_unit_due"),
            # Case files disposed of but whose rows stay (anonymised, archived): the planner
            # asks "is this case still a live case file?" of every case it counts.
            models.Index(
                fields=["key"],
                name="retention_unit_kept_case",
                condition=models.Q(kind="case-file", status__in=["disposed", "archived"]),
            ),
            # The sweep's work list: small, whatever the size of the table.
            models.Index(
                fields=["id"],
                name="retention_unit_approved",
                condition=models.Q(status="approved"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

    @property
    def final_action(self) -> str:
        return self.approved_action or self.action


class HoldScope(models.TextChoices):
    PERSON = "person", "A person"
    CASE = "case", "A case"
    SERVICE = "service", "A whole service"


class LegalHoldQuerySet(models.QuerySet["LegalHold"]):
    def active(self) -> LegalHoldQuerySet:
        return self.filter(lifted_at__isnull=True)


class LegalHold(models.Model):
    """Nothing under a hold is disposed of, whatever its rule says, until the hold is lifted:
    litigation, an inquiry, a complaint, a police investigation."""

    scope = models.CharField(max_length=8, choices=HoldScope.choices)
    controller = models.ForeignKey("policy.Controller", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "records.Person",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "records.Case",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    service = models.CharField(max_length=64, blank=True)
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    review_on = models.DateField(help_text="When the hold must be looked at again.")
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        db_table = "retention_legalhold"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="person", person__isnull=False, case__isnull=True, service="")
                    | models.Q(scope="case", case__isnull=False, person__isnull=True, service="")
                    | models.Q(scope="service", person__isnull=True, case__isnull=True)
                    & ~models.Q(service="")
                ),
                name="retention_legalhold_one_target",
            )
        ]
        indexes = [models.Index(fields=["controller", "lifted_at"], name="retention_hold_live")]

    def __str__(self) -> str:
        return f"Legal hold {self.pk}"

    @property
    def target(self) -> str:
        if self.scope == HoldScope.PERSON:
            return f"person {self.person_id}"
        if self.scope == HoldScope.CASE:
            return f"case {self.case_id}"
        return f"service {self.service}"


class DisposalRecord(models.Model):
    """The destruction record: what rule disposed of which unit, when, approved by whom, and
    how many records of each type went. Ids and counts only: no personal data."""

    # Written ten thousand at a time by the sweep: one index (controller, time) serves the
    # pages; the unit, pack version and approver are looked up from the record, not by them.
    unit = models.ForeignKey(
        RetentionUnit, on_delete=models.PROTECT, related_name="disposals", db_index=False
    )
    kind = models.CharField(max_length=16, choices=UnitKind.choices)
    key = models.BigIntegerField()
    controller = models.ForeignKey(
        "policy.Controller",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # never deleted (PROTECT); see RetentionUnit.controller
    )
    pack_version = models.ForeignKey(
        "policy.PackVersion",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    rule = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=ACTION_CHOICES, help_text="What was done.")
    due_on = models.DateField(help_text="The keep-until date the rule gave.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField()
    disposed_at = models.DateTimeField()
    counts = models.JSONField(help_text="Records disposed of, by record type.")
    sweep = models.CharField(max_length=40, help_text="The sweep run that did it.")

    class Meta:
        db_table = "retention_disposal"
        indexes = [models.Index(fields=["controller", "disposed_at"], name="retention_disp_at")]

    def __str__(self) -> str:
        return f"Disposal {self.pk} ({self.kind} {self.key})"

    @property
    def total(self) -> int:
        return sum(int(n) for n in self.counts.values())


class ServiceDateQuerySet(models.QuerySet["ServiceDate"]):
    def current(self, controller_id: int | None = None) -> dict[tuple[int, str, str], date | None]:
        """The date in force for each (controller, service, event): the latest one set (None
        where the last entry cleared it). A few rows per service: read whole."""
        rows = self.order_by("pk")
        if controller_id is not None:
            rows = rows.filter(controller_id=controller_id)
        return {
            (controller, service, event): on
            for controller, service, event, on in rows.values_list(
                "controller_id", "service", "event", "on"
            )
        }


class ServiceDate(models.Model):
    """A date that belongs to a service or its contract, not to a person (the end of the
    contract for the service), set by the DPO on a page rather than in the pack. Never
    updated: each change is a new row, so the history says who set what date when; the
    latest row for a service and event is the one in force (docs/adr/0016)."""

    controller = models.ForeignKey("policy.Controller", on_delete=models.PROTECT, related_name="+")
    service = models.CharField(max_length=64)
    event = models.CharField(max_length=64)
    on = models.DateField(null=True, blank=True, help_text="Empty: the date was withdrawn.")
    note = models.TextField(blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    objects = ServiceDateQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["controller", "service", "event"])]
