"""Objection (UK GDPR Article 21): the pack marks which processing is objectable; an objection
stops exactly that processing for the person through the gate until decided, refusals name
it, the decision (upheld or overruled with its reason) changes it, and direct marketing stops
at once and for good."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from safehold.access.gate import Gate, Refused, ShareOrder
from safehold.access.gate.sharing import RefusedShare
from safehold.policy.loader import load_bytes
from safehold.policy.rights import derive_rights
from safehold.rights import services
from safehold.rights.models import Objection
from tests.access.conftest import World
from tests.builders import minimal
from tests.sharing.conftest import given, variant

pytestmark = pytest.mark.django_db

NEWSLETTER = {
    "code": "newsletter",
    "name": "Telling you about our volunteering events",
    "services": ["volunteering"],
    "categories": ["identity", "contact"],
    "lawful_basis": ["consent"],
    "direct_marketing": True,
}
OBJECT_TO_PLANNING = {
    "code": "object-to-planning",
    "name": "Objecting to planning and research",
    "kind": "objection",
    "statement": "You can object to our using your information for planning and research.",
    "given_by": ["young-person", "family-member"],
    "withholds": {"purposes": ["planning-research"]},
}


def _objectable(data: dict[str, Any]) -> None:
    for purpose in data["purposes"]:
        if purpose["code"] in {"victim-support", "planning-research"}:
            purpose["objectable"] = True
    data["purposes"].insert(0, NEWSLETTER)
    data["preferences"].append(OBJECT_TO_PLANNING)


@pytest.fixture
def yos(cambridgeshire: World) -> World:
    return variant(cambridgeshire, _objectable)


def _readable(user: Any, case_id: int) -> bool:
    return Gate(user).cases().filter(pk=case_id).exists()


def test_an_objection_stops_objectable_processing_and_the_rest_continues(yos: World) -> None:
    worker = yos.staff("youth-justice-officer")
    person = yos.person()
    victims = yos.case(person=person, service="victim-support", allocated_to=worker)
    youth = yos.case(person=person, service="court-orders", allocated_to=worker)
    assert _readable(worker, victims.pk) and _readable(worker, youth.pk)

    request = services.receive(
        person, "objection", received_on=date(2026, 3, 2), objected=("victim-support",)
    )
    # Stopped at once, before any decision; the refusal names the objection.
    assert not _readable(worker, victims.pk)
    with pytest.raises(Refused) as refused:
        Gate(worker).case(victims.pk)
    victim_support = next(p.name for p in yos.pack.purposes if p.code == "victim-support")
    assert f"objected to '{victim_support}'" in str(refused.value)
    assert "Article 21" in str(refused.value) and f"request R{request.pk}" in str(refused.value)
    # Processing the pack does not mark objectable continues: the youth justice case.
    assert _readable(worker, youth.pk)
    Gate(worker).case(youth.pk)
    # Another person's case under the same purpose is not touched.
    other = yos.case(service="victim-support", allocated_to=worker)
    assert _readable(worker, other.pk)
    # The DPO still reads it, to decide.
    dpo = yos.staff("data-protection-officer")
    assert _readable(dpo, victims.pk)


def test_a_decided_objection_upheld_stays_stopped_overruled_resumes(yos: World) -> None:
    worker = yos.staff("youth-justice-officer")
    dpo = yos.staff("data-protection-officer")
    upheld_case = yos.case(service="victim-support", allocated_to=worker)
    overruled_case = yos.case(service="victim-support", allocated_to=worker)
    upheld = services.receive(upheld_case.person, "objection", received_on=date(2026, 3, 2))
    overruled = services.receive(overruled_case.person, "objection", received_on=date(2026, 3, 2))
    # No purposes named: every objectable one.
    assert set(Objection.objects.filter(request=upheld).values_list("purpose", flat=True)) == {
        "victim-support",
        "planning-research",
        "newsletter",
    }
    services.decide(upheld, accept=True, reason="No grounds to continue.", by=dpo)
    assert not _readable(worker, upheld_case.pk)
    with pytest.raises(Refused, match="upheld, so it stops"):
        Gate(worker).case(upheld_case.pk)
    # Overruled with the compelling grounds: the objectable processing resumes; direct
    # marketing, objected to in the same request, stays stopped.
    services.decide(
        overruled,
        accept=False,
        ground="compelling",
        reason="Continuing support is needed to protect the person at risk.",
        by=dpo,
    )
    assert _readable(worker, overruled_case.pk)
    states = dict(Objection.objects.filter(request=overruled).values_list("purpose", "state"))
    assert states == {
        "victim-support": "overruled",
        "planning-research": "overruled",
        "newsletter": "upheld",
    }
    row = Objection.objects.get(request=overruled, purpose="victim-support")
    assert row.reason.startswith("Continuing support") and row.decided_by == dpo
    overruled.refresh_from_db()
    assert (overruled.status, overruled.outcome) == ("closed", "refused")


def test_direct_marketing_stops_at_once_and_cannot_be_overruled(yos: World) -> None:
    worker = yos.staff("youth-justice-officer")
    dpo = yos.staff("data-protection-officer")
    case = yos.case(service="volunteering", allocated_to=worker)
    assert _readable(worker, case.pk)
    request = services.receive(
        case.person, "objection", received_on=date(2026, 3, 2), objected=("newsletter",)
    )
    assert Objection.objects.get(request=request).state == "upheld"  # at once, no decision
    assert not _readable(worker, case.pk)
    with pytest.raises(services.RequestProblem, match="cannot be overridden"):
        services.decide(request, accept=False, ground="compelling", reason="We want to.", by=dpo)
    assert not _readable(worker, case.pk)
    with pytest.raises(Refused, match="direct marketing cannot be overridden"):
        Gate(worker).case(case.pk)
    # Only the pack's objectable processing can be objected to.
    with pytest.raises(services.RequestProblem, match="objected to"):
        services.receive(
            case.person,
            "objection",
            received_on=date(2026, 3, 2),
            objected=("statutory-youth-justice",),
        )


def test_an_objection_recorded_with_consents_stops_shares_and_returns_until_withdrawn(
    yos: World,
) -> None:
    from safehold.sharing.extracts import find, population

    worker = yos.staff("youth-justice-officer")
    case = yos.case(allocated_to=worker, service="court-orders")
    gate = Gate(worker)
    order = ShareOrder("wider-council-planning", "planning-research", "within-the-council")
    assert gate.explain_share(case.pk, order)
    pack, _v, extract, controller = find("planning-research-return")
    assert population(pack, extract, controller.pk, date.today()).filter(person_id=case.person_id)

    objection = gate.record_consent(case.person_id, given("object-to-planning"))
    with pytest.raises(RefusedShare, match="objected to 'Business planning and research'"):
        gate.share(case.pk, order)
    assert not population(pack, extract, controller.pk, date.today()).filter(
        person_id=case.person_id
    )
    # The case itself is read under youth justice, which is not objectable: it continues.
    assert _readable(worker, case.pk)
    gate.withdraw_consent(objection.pk, on=date(2025, 7, 1), how="verbal", given_by="young-person")
    assert gate.explain_share(case.pk, order)
    assert population(pack, extract, controller.pk, date.today()).filter(person_id=case.person_id)


def test_the_notice_prints_what_can_be_objected_to(yos: World) -> None:
    from safehold.policy.conformance import conformance
    from safehold.policy.notice.render import notice_text

    marked = [p.name for p in yos.pack.purposes if p.objectable or p.direct_marketing]
    assert len(marked) == 3
    objection = next(r for r in derive_rights(yos.pack) if r.code == "objection")
    said = " ".join(objection.qualifications)
    assert all(name in said for name in marked)
    assert objection.absolute and "direct marketing" in objection.absolute
    text = " ".join(notice_text(yos.pack).split())
    assert f"we stop using your information for {', '.join(marked)}" in text
    # Counted by the conformance report: each objectable purpose enforced, with its tests.
    report = conformance(yos.pack)
    counted = [s for s in report.statements if s.id.endswith(":objectable")]
    assert len(counted) == 3
    assert {s.mechanism.code for s in counted if s.mechanism} == {"objection-stops-processing"}


def test_objectable_only_where_the_law_gives_the_right() -> None:
    text = minimal()
    import yaml

    data = yaml.safe_load(text)
    data["purposes"][0]["lawful_basis"] = ["legal-obligation"]
    data["purposes"][0]["objectable"] = True
    text = yaml.safe_dump(data, sort_keys=False)
    result = load_bytes(text.encode())
    found = [p for p in result.problems if "objectable" in p.message]
    assert found and found[0].level == "error"
    assert "objectable" in text.splitlines()[found[0].line - 1]
