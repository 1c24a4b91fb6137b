"""The DPO's review of break-glass access (issue 15): who, which young person (by name), the
reason, when and what was read during the access, from the audit log; marked reviewed with a
note, itself audited. For the DPO only; paged; constant queries whatever the page holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safehold.access.gate import Gate
from safehold.access.models import BreakGlass, User
from safehold.audit.models import Action, AuditEvent, Decision
from safehold.records.models import Case, Contact
from tests.access.conftest import World, make_world
from tests.builders import PACK_FILES
from tests.web.conftest import make_verified_client

REASON = "Police report he is missing from home tonight"


@pytest.fixture
def dpo(cambridgeshire: World) -> User:
    return cambridgeshire.staff("data-protection-officer", username="dana")


def broken(world: World, officer: User, family_name: str = "Faraway") -> Case:
    """An officer breaks glass into another team's case and reads it, and its contacts."""
    case = world.case(team=world.other_team, person=world.person(family_name=family_name))
    Contact.objects.create(
        case=case,
        kind="phone",
        occurred_at="2025-02-03T10:00:00Z",
        pack_version_id=world.version_id,
    )
    gate = Gate(officer)
    gate.break_glass(case.pk, REASON)
    gate.records(gate.case(case.pk), Contact)
    return case


def test_the_dpo_sees_who_which_child_why_when_and_what_was_read(
    cambridgeshire: World, dpo: User
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer", username="casey")
    officer.first_name, officer.last_name = "Casey", "Jones"
    officer.save()
    case = broken(cambridgeshire, officer)
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = make_verified_client(dpo).get("/break-glass/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Casey Jones" in html
    assert "Sam Faraway" in html and f"/people/{case.person_id}/" in html
    assert f"Reference P{case.person_id}" in html  # a name and reference, as staff quote it
    assert REASON in html
    assert "Read the case" in html and "Read contacts" in html
    assert "To review" in html
    # The DPO's own reading of the list is audited, about the young person.
    assert AuditEvent.objects.filter(
        seq__gt=before, actor_id=dpo.pk, person_id=case.person_id, action=Action.LIST
    ).exists()


def test_reviewed_with_a_note_and_audited(cambridgeshire: World, dpo: User) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    broken(cambridgeshire, officer)
    glass = BreakGlass.objects.get()
    client = make_verified_client(dpo)
    url = f"/break-glass/{glass.pk}/"
    response = client.post(url, {"note": ""})
    assert response.status_code == 400
    assert "Enter what you found" in response.content.decode()
    response = client.post(url, {"note": "Justified: the police called the duty line."})
    assert response.status_code == 302
    glass.refresh_from_db()
    assert glass.reviewed_by == dpo and glass.reviewed_at is not None
    assert glass.review_note == "Justified: the police called the duty line."
    event = AuditEvent.objects.get(record_type="breakglass", action=Action.UPDATE)
    assert (event.actor_id, event.case_id, event.record_id, event.reason) == (
        dpo.pk,
        glass.case_id,
        glass.pk,
        "Justified: the police called the duty line.",
    )
    html = client.get("/break-glass/").content.decode()
    assert "Reviewed" in html and "To review" not in html
    # Reviewed once: a second post changes nothing.
    client.post(url, {"note": "Changed my mind"})
    glass.refresh_from_db()
    assert glass.review_note == "Justified: the police called the duty line."


def test_only_the_dpo_and_every_refusal_is_audited(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    manager = cambridgeshire.staff("team-manager")
    broken(cambridgeshire, officer)
    glass = BreakGlass.objects.get()
    for user in (officer, manager):
        client = make_verified_client(user)
        assert client.get("/break-glass/").status_code == 403
        assert client.post(f"/break-glass/{glass.pk}/", {"note": "Fine"}).status_code == 403
        assert (
            AuditEvent.objects.filter(
                actor_id=user.pk, record_type="breakglass", decision=Decision.REFUSED
            ).count()
            == 2
        )
    glass.refresh_from_db()
    assert glass.reviewed_at is None


def test_another_controllers_access_is_not_there(cambridgeshire: World, dpo: User) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    broken(cambridgeshire, officer)
    glass = BreakGlass.objects.get()
    luton = make_world(next(p for p in PACK_FILES if p.stem == "luton-yps"))
    other_dpo = luton.staff("head-of-service")  # manages Luton's policy
    client = make_verified_client(other_dpo)
    assert client.get(f"/break-glass/{glass.pk}/").status_code == 403
    assert "Faraway" not in client.get("/break-glass/").content.decode()
    # As for an access that does not exist at all.
    assert make_verified_client(dpo).get(f"/break-glass/{glass.pk + 100}/").status_code == 403


def test_the_list_costs_the_same_queries_whatever_its_length(
    cambridgeshire: World, dpo: User
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    client = make_verified_client(dpo)
    broken(cambridgeshire, officer, "First")
    client.get("/break-glass/")  # warm: the chain head's first append, sessions

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/break-glass/").status_code == 200
        return len(captured)

    few = queries()
    for i in range(6):
        broken(cambridgeshire, officer, f"Person{i}")
    assert queries() == few
    html = client.get("/break-glass/").content.decode()
    assert html.count("To review") >= 7
