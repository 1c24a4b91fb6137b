"""A record's history (its old values, docs/adr/0007) is disposed of with the record."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from safehold.records.models import Case, Change, Contact, Person
from safehold.retention.models import DisposalRecord
from safehold.retention.sweep import sweep
from tests.retention.conftest import Place, approve_all, due_case


def _change(*, case: Case | None = None, person: Person | None = None, **values: object) -> None:
    defaults: dict[str, object] = {
        "record_type": "person",
        "record_id": person.pk if person else 0,
        "field": "address",
        "old": "1 Old Road",
        "new": "1 High Street",
        "version": 2,
        "changed_at": timezone.now(),
        "audit_seq": 1,
    }
    defaults.update(values)
    Change.objects.create(case=case, person=person, **defaults)


def test_a_case_files_history_is_destroyed_with_it(yos: Place) -> None:
    case = due_case(yos)
    contact = Contact.objects.get(case=case)
    _change(case=case, record_type="contact", record_id=contact.pk, field="notes")
    _change(person=case.person)  # the person's own: not part of the case file
    approve_all(yos)
    sweep()
    assert not Change.objects.filter(case_id=case.pk).exists()
    assert Change.objects.filter(person=case.person).exists()
    assert DisposalRecord.objects.get().counts["change"] == 1


def test_an_anonymised_case_file_keeps_no_old_values(yps: Place) -> None:
    case = due_case(yps, service="court-sentenced")
    _change(case=case, record_type="case", record_id=case.pk, field="closed_on")
    approve_all(yps, action="anonymise")
    sweep()
    assert Case.objects.filter(pk=case.pk).exists()  # the shape stays
    assert not Change.objects.filter(case_id=case.pk).exists()


def test_a_persons_history_goes_with_them(yos: Place) -> None:
    person = yos.person(born=datetime(1930, 1, 1, tzinfo=UTC).date())
    _change(person=person)
    Person.objects.filter(pk=person.pk).update(updated_at=datetime(2010, 1, 1, tzinfo=UTC))
    approve_all(yos)
    sweep()
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not Change.objects.exists()
    assert DisposalRecord.objects.get(kind="person").counts == {"person": 1, "change": 1}
