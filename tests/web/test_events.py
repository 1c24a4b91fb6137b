"""The events page of a case: the dates of the events the pack declares for a person or a
case, recorded and changed through the gate (audited, checked against the version the page was
opened at, the old date kept in the history)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from safehold.audit.models import AuditEvent
from safehold.records.models import Change
from safehold.sharing.models import RecordedEvent
from tests.access.conftest import World
from tests.sharing.conftest import allocated, variant
from tests.sharing.test_recorded_events import with_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cambridgeshire: World) -> World:
    return variant(cambridgeshire, with_events)


def test_the_events_page_records_and_changes_a_date(world: World, verified_client) -> None:
    user, case = allocated(world)
    client: Client = verified_client(user)
    person = client.get(f"/people/{case.person_id}/").content.decode()
    url = f"/cases/{case.pk}/events/"
    assert f'href="{url}"' in person
    page = client.get(url).content.decode()
    assert "Moved to another school" in page and "The referral panel met" in page
    response = client.post(
        url,
        {"moved-school-day": "3", "moved-school-month": "2", "moved-school-year": "2025"},
    )
    assert response.status_code == 302, response.content.decode()
    row = RecordedEvent.objects.get()
    assert (row.event, row.on, row.case_id, row.version) == (
        "moved-school",
        date(2025, 2, 3),
        None,
        1,
    )
    assert AuditEvent.objects.filter(
        action="create", record_type="recordedevent", record_id=row.pk, actor=user
    ).exists()
    # A change: checked against the version the page was opened at, the old date kept.
    sent = {
        "version-moved-school": "1",
        "moved-school-day": "4",
        "moved-school-month": "2",
        "moved-school-year": "2025",
    }
    assert client.post(url, sent).status_code == 302
    change = Change.objects.get(record_type="recordedevent", record_id=row.pk)
    assert (change.field, change.old, change.new) == ("on", "2025-02-03", "2025-02-04")
    # Someone else saved since: 409, nothing written.
    stale = client.post(url, {**sent, "moved-school-day": "9"})
    assert stale.status_code == 409
    assert "Someone else changed this" in stale.content.decode()
    row.refresh_from_db()
    assert row.on == date(2025, 2, 4)
    # A recorded date cannot be emptied; a future one is refused.
    emptied = client.post(url, {"version-moved-school": "2"})
    assert emptied.status_code == 400
    future = client.post(
        url,
        {
            "version-moved-school": "2",
            "moved-school-day": "1",
            "moved-school-month": "1",
            "moved-school-year": str(date.today().year + 2),
        },
    )
    assert future.status_code == 400
