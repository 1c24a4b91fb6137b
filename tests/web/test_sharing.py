"""The sharing and consent pages: record and withdraw a consent, share from a case with the
decision explained first, one disclosure and its package, the person's shared-with, and the
DPO's disclosure log with filters; each through the gate and audited."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from safehold.access.gate import Gate
from safehold.access.gate.sharing import ShareOrder
from safehold.audit.models import AuditEvent
from safehold.sharing import extracts
from safehold.sharing.models import ConsentRecord, Disclosure
from tests.access.conftest import World
from tests.sharing.conftest import allocated, consent_sought, given, variant
from tests.web.conftest import make_verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def consenting(cambridgeshire: World) -> World:
    """Cambridgeshire with a consent asked before sharing with the NHS (a variant)."""
    return variant(cambridgeshire, consent_sought)


def _date(prefix: str, d: date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(d.day),
        f"{prefix}-month": str(d.month),
        f"{prefix}-year": str(d.year),
    }


def test_record_and_withdraw_a_consent(consenting: World) -> None:
    user, case = allocated(consenting)
    client = make_verified_client(user)
    page = client.get(f"/people/{case.person_id}/consents/new/")
    assert page.status_code == 200
    assert "Agreeing to share information with other services" in page.content.decode()
    empty = client.post(f"/people/{case.person_id}/consents/new/", {})
    assert empty.status_code == 200 and "Choose what the consent" in empty.content.decode()
    answer = client.post(
        f"/people/{case.person_id}/consents/new/",
        {
            "preference": "sharing-with-other-services",
            "state": "given",
            "given_by": "young-person",
            "how": "written",
            "capacity": "not-assessed",
            **_date("on", date(2025, 6, 2)),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    record = ConsentRecord.objects.get()
    sharing = client.get(f"/people/{case.person_id}/sharing/").content.decode()
    assert "Agreeing to share information with other services" in sharing
    assert f"/consents/{record.pk}/withdraw/" in sharing
    withdrawn = client.post(
        f"/people/{case.person_id}/consents/{record.pk}/withdraw/",
        {"given_by": "young-person", "how": "verbal", **_date("on", date.today())},
    )
    assert withdrawn.status_code == 302
    assert list(ConsentRecord.objects.order_by("pk").values_list("state", flat=True)) == [
        "given",
        "withdrawn",
    ]
    assert AuditEvent.objects.filter(record_type="consentrecord", action="create").count() == 2


def test_share_from_a_case_explains_before_sending(consenting: World) -> None:
    user, case = allocated(consenting)
    manager = consenting.staff("team-manager")
    client = make_verified_client(user)
    url = f"/cases/{case.pk}/share/"
    assert client.get(url).status_code == 200
    form = {
        "recipient": "nhs",
        "purpose": "statutory-youth-justice",
        "gateway": "safeguarding",
        "records": ["person", "case"],
        "channel": "secure-email",
        "reason": "Risk of serious harm reported by school today",
    }
    check = client.post(url, {**form, "action": "check"})
    body = check.content.decode()
    assert check.status_code == 200 and "This cannot be shared as it stands" in body
    assert "approval by someone whose role approves disclosures" in body
    assert not Disclosure.objects.exists(), "checking sends nothing"
    form["approver"] = str(manager.pk)
    check = client.post(url, {**form, "action": "check"}).content.decode()
    assert "This can be shared" in check and "Share now" in check
    sent = client.post(url, {**form, "action": "share"})
    disclosure = Disclosure.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/disclosures/{disclosure.pk}/"
    page = client.get(sent["Location"]).content.decode()
    assert "Shared with Other services such as the NHS" in page
    assert "Shared without consent (overridden)" in page
    package = client.get(f"/disclosures/{disclosure.pk}/package.json")
    assert (
        package["Content-Disposition"] == f'attachment; filename="disclosure-{disclosure.pk}.json"'
    )
    assert json.loads(package.content)["records"]["person"][0]["family_name"] == "Example"
    person = client.get(f"/people/{case.person_id}/").content.decode()
    assert "Shared with" in person and "Other services such as the NHS" in person


def test_a_refused_share_is_shown_and_logged(consenting: World) -> None:
    user, case = allocated(consenting)
    client = make_verified_client(user)
    refused = client.post(
        f"/cases/{case.pk}/share/",
        {
            "recipient": "nhs",
            "purpose": "statutory-youth-justice",
            "gateway": "your-agreement",
            "records": ["person"],
            "channel": "post",
            "action": "share",
        },
    )
    assert refused.status_code == 403
    assert "Not shared:" in refused.content.decode()
    assert Disclosure.objects.get().outcome == "refused"


def test_dpo_disclosure_log_filters(consenting: World, django_assert_max_num_queries) -> None:
    user, case = allocated(consenting)
    gate = Gate(user)
    for n in range(3):
        other = consenting.case(
            allocated_to=user, person=consenting.person(family_name=f"Person{n}")
        )
        gate.share(
            other.pk,
            ShareOrder("courts", "statutory-youth-justice", "court-order", reference=f"Order {n}"),
        )
    gate.record_consent(case.person_id, given("sharing-with-other-services"))
    gate.share(case.pk, ShareOrder("nhs", "statutory-youth-justice", "your-agreement"))
    dpo = consenting.staff("data-protection-officer")
    client = make_verified_client(dpo)
    with django_assert_max_num_queries(30):
        page = client.get("/data-protection/disclosures/")
    body = page.content.decode()
    assert page.status_code == 200 and "Showing 1 to 4 of 4 decisions" in body
    assert "Person0" in body and "Courts" in body
    only_nhs = client.get("/data-protection/disclosures/?recipient=nhs").content.decode()
    assert "Showing 1 to 1 of 1 decisions" in only_nhs
    assert (
        client.get("/data-protection/disclosures/?outcome=refused").content.decode().count("View")
        == 0
    )
    # Not for case workers.
    assert make_verified_client(user).get("/data-protection/disclosures/").status_code == 403


def test_dpo_runs_a_regular_return(consenting: World) -> None:
    user, _case = allocated(consenting)
    dpo = consenting.staff("data-protection-officer")
    client = make_verified_client(dpo)
    page = client.get("/data-protection/extracts/").content.decode()
    assert "Business planning and research return" in page and "Never run" in page
    assert client.post("/data-protection/extracts/", {}).status_code == 200  # "Choose the return"
    answer = client.post("/data-protection/extracts/", {"extract": "planning-research-return"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    body = answer.content.decode()
    assert body.startswith("pseudonym,year-of-birth") and "Example" not in body
    run = Disclosure.objects.get(extract="planning-research-return")
    assert run.by == dpo and run.people_count == 1
    assert AuditEvent.objects.filter(action="disclose", record_id=run.pk, actor_id=dpo.pk).exists()
    assert "1 person" in client.get("/data-protection/extracts/").content.decode()
    assert make_verified_client(user).get("/data-protection/extracts/").status_code == 403


def test_a_regular_return_is_linked_only_for_whom_it_opens(cambridgeshire: World) -> None:
    # An extract run that covered a young person is listed on their page and their sharing
    # page; it opens for the DPO alone, so only the DPO gets a link to it. A case manager
    # sees whom it went to, with no link to a page that would refuse them.
    user, case = allocated(cambridgeshire)
    dpo = cambridgeshire.staff("data-protection-officer")
    run = extracts.run("planning-research-return", io.StringIO()).disclosure
    link = f'href="/disclosures/{run.pk}/"'
    for path in (f"/people/{case.person_id}/", f"/people/{case.person_id}/sharing/"):
        mine = make_verified_client(user).get(path).content.decode()
        assert run.recipient_name in mine and link not in mine, path
        assert make_verified_client(user).get(f"/disclosures/{run.pk}/").status_code == 403
        assert link in make_verified_client(dpo).get(path).content.decode(), path
    sharing = make_verified_client(user).get(f"/people/{case.person_id}/sharing/")
    assert "Data protection officer only" in sharing.content.decode()
    # When, by whom and the last cell keep their words whole (not "Schedul ed", "Vi e w").
    assert sharing.content.decode().count('class="govuk-table__cell app-words-whole"') == 3
