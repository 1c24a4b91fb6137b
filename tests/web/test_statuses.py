"""The status pages (web/statuses.py): a value recorded from a date, changed from the version
the page was opened at, a stale save refused with what it says now (docs/adr/0027)."""

from __future__ import annotations

from django.test import Client

from safehold.access.models import User
from safehold.records.models import CaseStatus
from tests.access.conftest import World


def test_the_pages_record_change_and_refuse_a_stale_save(
    cambridgeshire: World, verified_client
) -> None:
    officer: User = cambridgeshire.staff("youth-justice-officer", username="casey")
    case = cambridgeshire.case(allocated_to=officer)
    client: Client = verified_client(officer)
    assert (
        f"/cases/{case.pk}/statuses/" in client.get(f"/people/{case.person_id}/").content.decode()
    )
    url = f"/cases/{case.pk}/statuses/ete/"
    response = client.post(
        url,
        {
            "value": "none",
            "started_on-day": "5",
            "started_on-month": "1",
            "started_on-year": "2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = CaseStatus.objects.get(case=case, kind="ete")
    page = client.get(f"/cases/{case.pk}/statuses/").content.decode()
    assert "Not in education, training or employment" in page
    change = f"/cases/{case.pk}/statuses/ete/{row.pk}/edit/"
    assert f'href="{change}"' in page
    form = {
        "value": "full-time",
        "started_on-day": "5",
        "started_on-month": "1",
        "started_on-year": "2026",
        "version": "1",
    }
    assert client.post(change, form).status_code == 302
    stale = client.post(change, form | {"value": "part-time"})
    assert stale.status_code == 409
    assert "Someone else changed this" in stale.content.decode()
    row.refresh_from_db()
    assert (row.value, row.version) == ("full-time", 2)
    bad = client.post(url, {"value": "none"})
    assert bad.status_code == 400 and "Enter the date it began" in bad.content.decode()


def test_a_refused_save_says_why_in_words(cambridgeshire: World, verified_client, monkeypatch):
    # The page let the form open, then the gate refused the save (a grant changed between the
    # two): the error names the role and what it may not do, not the gate's rule codes.
    from safehold.access.gate import Gate, Refused
    from safehold.access.policy import Decision

    officer: User = cambridgeshire.staff("youth-justice-officer", username="casey")
    case = cambridgeshire.case(allocated_to=officer)
    client: Client = verified_client(officer)
    rule = (
        f"{cambridgeshire.pack.code} v1: no grant of role 'youth-justice-officer' allows "
        "update of 'education' at allocated distance"
    )

    def refuse(*args, **kwargs):
        raise Refused(Decision(False, rule))

    monkeypatch.setattr(Gate, "record_status", refuse)
    response = client.post(
        f"/cases/{case.pk}/statuses/ete/",
        {
            "value": "none",
            "started_on-day": "5",
            "started_on-month": "1",
            "started_on-year": "2026",
        },
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert (
        "You cannot record this. A Youth offending case manager may not update education needs"
        " on cases allocated to them." in body
    )
    assert "no grant of role" not in body and "youth-justice-officer" not in body
    assert not CaseStatus.objects.filter(case=case).exists()
