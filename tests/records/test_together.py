"""`records.together`: the timeline's kinds of record read in one query give back exactly what
a query of each kind would: the same rows (the newest of each kind, the actions of the plans
read), each an instance of its own model with the same values of the same types."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safehold.access.gate.values import staff_name
from safehold.records import together
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import (
    Assessment,
    Case,
    CaseRecord,
    Contact,
    Offence,
    Outcome,
    Plan,
    PlanAction,
    Report,
)
from tests.access.conftest import World

KINDS: list[type[CaseRecord]] = [Contact, Assessment, Plan, Offence, Outcome, Report]


def every_kind(world: World, case: Case, i: int, by: Any) -> None:
    """One of each kind with every field filled (text beyond ASCII, each type of value)."""
    v = {"case": case, "pack_version_id": world.version_id, "created_by": by}
    on = date(2024, 1, 1) + timedelta(days=i)
    Contact.objects.create(
        **v, kind="home-visit", occurred_at=timezone.now() - timedelta(hours=i), notes=f"Zoë {i}"
    )
    Assessment.objects.create(
        **v, kind="chat", completed_on=on, summary=f"S {i}", health_findings="Asthma ✓"
    )
    plan = Plan.objects.create(
        **v, kind="intervention", starts_on=on, review_on=on + timedelta(days=90), summary="P"
    )
    for n in range(2):
        PlanAction.objects.create(
            plan=plan, description=f"Action {i}.{n}", due_on=on, done_on=on if n else None
        )
    Offence.objects.create(
        **v, committed_on=on, description="Theft", offence_type="theft", gravity=3 + i
    )
    Outcome.objects.create(
        **v, kind="referral-order", starts_on=on, ends_on=on + timedelta(days=365)
    )
    Report.objects.create(
        **v, kind=Report.Kind.choices[0][0], due_on=on, body="Body", copy_given_on=on
    )


def row(obj: Any) -> dict[str, Any]:
    """What the gate reads of a record: its fields, ids, version, when and by whom."""
    names = RECORD_FIELDS[str(obj._meta.model_name)]
    values = {n: (type(getattr(obj, n)), getattr(obj, n)) for n in names}
    values["pk"] = obj.pk
    values["version"] = obj.version
    if isinstance(obj, PlanAction):
        values["plan_id"] = obj.plan_id
    else:
        values["case_id"] = obj.case_id
        values["created_at"] = obj.created_at
        values["by"] = staff_name(obj.created_by)
    return values


def test_one_query_reads_what_a_query_a_kind_reads(cambridgeshire: World) -> None:
    worker = cambridgeshire.staff("youth-justice-officer")
    worker.first_name, worker.last_name = "Sam", "Okoro"
    worker.save()
    person = cambridgeshire.person()
    first, second = cambridgeshire.case(person=person), cambridgeshire.case(person=person)
    elsewhere = cambridgeshire.case()  # another person's: never read
    for i in range(3):
        every_kind(cambridgeshire, first, i, worker)
        every_kind(cambridgeshire, second, i, None)
        every_kind(cambridgeshire, elsewhere, i, worker)
    cases = [first.pk, second.pk]

    with CaptureQueriesContext(connection) as captured:
        records, actions = together.newest(KINDS, cases, limit=4)
    assert len(captured) == 1

    expected = [
        r
        for model in KINDS
        for r in model._default_manager.filter(case_id__in=cases)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:4]
    ]
    assert [type(r) for r in records] == [type(r) for r in expected]
    assert [row(r) for r in records] == [row(r) for r in expected]
    assert len(records) == 4 * len(KINDS)  # the newest 4 of each kind's 6
    plans = [r.pk for r in expected if isinstance(r, Plan)]
    expected_actions = PlanAction.objects.filter(plan_id__in=plans).order_by("pk")
    assert [row(a) for a in actions] == [row(a) for a in expected_actions]
    assert len(actions) == 8
    assert any(r.created_by_id is None for r in records)
    assert {staff_name(r.created_by) for r in records} == {"Sam Okoro", ""}
    assert all(isinstance(r.created_at, datetime) for r in records)


def test_kinds_without_plans_read_no_actions(cambridgeshire: World) -> None:
    case = cambridgeshire.case()
    every_kind(cambridgeshire, case, 0, None)
    # Contact's date and time in a slot whose first part (Report's) holds a typed NULL: the
    # slot's type, not the first part's field, converts it.
    records, actions = together.newest([Report, Contact], [case.pk], limit=10)
    assert [type(r) for r in records] == [Report, Contact] and actions == []
    assert [row(r) for r in records] == [
        row(Report.objects.get(case=case)),
        row(Contact.objects.get(case=case)),
    ]
    assert together.newest(KINDS, [], limit=10) == ([], [])
