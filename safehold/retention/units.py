"""Which rows belong to which retention unit, and how a unit's rows are anonymised.

The case file is found by walking the model graph from `Case` along every relation that
cascades: a new kind of case record joins the case file without a change here (and a test
fails if a model of `safehold.records` belongs to no unit). Break-glass grants into a case
(`access.BreakGlass`, which protects the case from deletion) belong to its case file too: they
name the case and hold the reason typed for opening it; the audit log keeps the event itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from django.db import models
from django.db.models import CASCADE, Q
from django.db.models.functions import TruncYear
from django.utils import timezone

from safehold.access.models import BreakGlass
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import Case, Change, Person, PersonFlag, Relationship
from safehold.retention.lookups import among
from safehold.retention.models import UnitKind
from safehold.sharing.models import ConsentRecord, DisclosureSubject, RecordedEvent


@dataclass(frozen=True)
class Part:
    """One model of a unit, and the lookup from it to the unit's key (case or person id)."""

    model: type[models.Model]
    to_key: str  # e.g. "case_id", "plan__case_id", "pk"
    # Only these rows of the model (a person's flags, not their cases' facts, which are in
    # the case files).
    where: Q | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        return str(self.model._meta.model_name)

    def rows(self, keys: list[int]) -> models.QuerySet[Any]:
        """The part's rows in the units `keys`."""
        rows = self.model._default_manager.filter(
            among("id" if self.to_key == "pk" else self.to_key, keys)
        )
        return rows.filter(self.where) if self.where is not None else rows


@cache
def case_file_parts() -> tuple[Part, ...]:
    """The case and everything that cascades from it, parents before children."""
    parts = [Part(Case, "pk"), Part(BreakGlass, "case_id")]
    seen: set[type[models.Model]] = {Case, BreakGlass}
    queue: list[Part] = [parts[0]]
    while queue:
        parent = queue.pop(0)
        # Hidden relations too (records point at their case with related_name="+"), as
        # Django's own deletion collector follows them.
        for relation in parent.model._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and not relation.concrete):
                continue
            if not (relation.one_to_many or relation.one_to_one):
                continue
            child = relation.related_model
            if relation.on_delete is not CASCADE or child in seen:  # type: ignore[union-attr]
                continue
            assert isinstance(child, type) and issubclass(child, models.Model)
            name = relation.field.name  # type: ignore[union-attr]
            to_key = f"{name}_id" if parent.model is Case else f"{name}__{parent.to_key}"
            part = Part(child, to_key)
            parts.append(part)
            seen.add(child)
            queue.append(part)
    return tuple(parts)


NON_CASE_FILE_PARTS: tuple[Part, ...] = (
    Part(PersonFlag, "person_id", Q(case__isnull=True)),
    # The dates of the person's own events (a case's are in its case file, by the walk).
    Part(RecordedEvent, "person_id", Q(case__isnull=True)),
    Part(Relationship, "person_id"),
    # Consents, objections and preferences, and the extract runs that covered the person
    # (a share from a case is in that case file, by the walk above).
    Part(ConsentRecord, "person_id"),
    Part(DisclosureSubject, "person_id"),
)
# A person's own history (their record's old values) goes with them; the history of a case
# and its records is in the case file, by the walk above.
PERSON_PARTS: tuple[Part, ...] = (Part(Person, "pk"), Part(Change, "person_id"))


def parts_of(kind: str) -> tuple[Part, ...]:
    if kind == UnitKind.CASE_FILE:
        return case_file_parts()
    if kind == UnitKind.NON_CASE_FILE:
        return NON_CASE_FILE_PARTS
    return PERSON_PARTS


def covered_models() -> dict[type[models.Model], str]:
    """Every model that holds personal data, and the kind of unit its rows belong to."""
    covered: dict[type[models.Model], str] = {}
    for kind in UnitKind.values:
        for part in parts_of(kind):
            covered.setdefault(part.model, kind)
    return covered


# --- anonymising --------------------------------------------------------------------------------


def anonymous_value(field: models.Field[Any, Any]) -> Any:
    """What an identifying field is overwritten with: nothing where the column allows it; a
    date that must stay becomes 1 January of its year (kept for statistics), in SQL."""
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.CharField | models.TextField):
        return ""
    if field.null:
        return None
    if isinstance(field, models.DateTimeField):
        return TruncYear(field.name, output_field=models.DateTimeField())
    if isinstance(field, models.DateField):
        return TruncYear(field.name, output_field=models.DateField())
    raise ValueError(f"{field.model.__name__}.{field.name} has no anonymous value")


def anonymise_fields(record: str, held: Iterable[str]) -> list[str]:
    """The personal-data fields of a record that fall in the categories to anonymise.

    `held` is the set of `record.field` names those categories hold; an empty rule category
    list means every category, which the caller passes as every field."""
    names = set(held)
    return [name for name in RECORD_FIELDS.get(record, ()) if f"{record}.{name}" in names]


def field_of(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete field of a model (not a reverse relation), by name or attribute name."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{model.__name__}.{name} is not a field"
    return field


def column_of(model: type[models.Model], name: str) -> str:
    column = field_of(model, name).column
    assert column, f"{model.__name__}.{name} has no column"
    return column


def anonymise(part: Part, keys: list[int], fields: list[str]) -> int:
    """Overwrite `fields` on every row of `part` in the units `keys`; the number of rows."""
    rows = part.rows(keys)
    if not fields:
        return rows.count()
    values = {name: anonymous_value(field_of(part.model, name)) for name in fields}
    return rows.update(**values)


def local_date(value: datetime | date | None) -> date | None:
    if value is None or not isinstance(value, datetime):
        return value
    return timezone.localdate(value) if timezone.is_aware(value) else value.date()
