"""Every piece of personal data belongs to a retention unit."""

from __future__ import annotations

from django.apps import apps

from safehold.access.models import BreakGlass
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import (
    Assessment,
    Case,
    CaseStatus,
    Change,
    Contact,
    Offence,
    Outcome,
    Person,
    PersonFlag,
    Plan,
    PlanAction,
    Relationship,
    Report,
    VictimLink,
)
from safehold.retention.models import UnitKind
from safehold.retention.units import case_file_parts, covered_models, parts_of
from safehold.sharing.models import ConsentRecord, Disclosure, DisclosureSubject, RecordedEvent


def test_every_model_of_records_belongs_to_a_unit():
    """Fails when a model that holds personal data is added to `safehold.records` (or to
    the field registry) without a retention unit that disposes of its rows."""
    covered = covered_models()
    records = set(apps.get_app_config("records").get_models())
    assert records - set(covered) == set(), "models of safehold.records in no retention unit"
    in_registry = {model for model in covered if model._meta.model_name in RECORD_FIELDS}
    assert {m._meta.model_name for m in in_registry} == set(RECORD_FIELDS)


def test_which_unit_holds_what():
    covered = covered_models()
    assert {m for m, kind in covered.items() if kind == UnitKind.CASE_FILE} == {
        Case,
        Contact,
        Assessment,
        Plan,
        PlanAction,
        Offence,
        VictimLink,
        Outcome,
        Report,
        BreakGlass,
        Change,  # a case's and its records' history (a person's own is in the person unit)
        Disclosure,  # the disclosure log of shares from the case
        DisclosureSubject,  # (under a disclosure; an extract run's are the person's, below)
        PersonFlag,  # a case's own facts; a person's flags (no case) are not in a case file
        CaseStatus,  # dated statuses on the case (docs/adr/0027)
        RecordedEvent,  # a case's own events; a person's (no case) are not in a case file
    }
    assert {m for m, kind in covered.items() if kind == UnitKind.NON_CASE_FILE} == {
        Relationship,
        ConsentRecord,
    }
    assert [p.model for p in parts_of(UnitKind.NON_CASE_FILE)] == [
        PersonFlag,
        RecordedEvent,
        Relationship,
        ConsentRecord,
        DisclosureSubject,
    ]
    assert {m for m, kind in covered.items() if kind == UnitKind.PERSON} == {Person}
    assert [p.model for p in parts_of(UnitKind.PERSON)] == [Person, Change]


def test_case_file_parts_reach_the_case():
    paths = {part.model: part.to_key for part in case_file_parts()}
    assert paths[Case] == "pk"
    assert paths[Contact] == "case_id"
    assert paths[PlanAction] == "plan__case_id"
    assert paths[VictimLink] == "offence__case_id"
    # Parents come before their children, so counts and deletes read in order.
    order = [part.model for part in case_file_parts()]
    assert order.index(Plan) < order.index(PlanAction)
