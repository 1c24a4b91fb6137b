"""Share as a gate action: decided from the pack, explained, logged whether or not anything
went, audited; consent, withdrawal, objections, overrides and conditions in time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from safehold.access.gate import Gate, Refused
from safehold.access.gate.sharing import RefusedShare, ShareOrder
from safehold.audit.models import AuditEvent
from safehold.records.models import Offence, PersonFlag
from safehold.sharing.models import Disclosure
from tests.access.conftest import World
from tests.sharing.conftest import allocated, given, variant

pytestmark = pytest.mark.django_db


def last_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()  # type: ignore[return-value]


def test_a_share_outside_the_pack_is_refused(sought: World) -> None:
    user, case = allocated(sought)
    gate = Gate(user)
    with pytest.raises(RefusedShare) as refused:
        gate.share(case.pk, ShareOrder("tabloid-press", "statutory-youth-justice", "safeguarding"))
    assert "'tabloid-press' is not a recipient the pack declares" in str(refused.value)
    # Outside the purposes the pack gives the recipient, or its gateways: refused too.
    with pytest.raises(RefusedShare, match="declares no sharing with Police for the purpose"):
        gate.share(case.pk, ShareOrder("police", "planning-research", "crime-prevention"))
    with pytest.raises(RefusedShare, match="may go only under 'safeguarding', 'crime-prevention'"):
        gate.share(case.pk, ShareOrder("police", "statutory-youth-justice", "your-agreement"))
    assert Disclosure.objects.filter(outcome="refused").count() == 3


def test_a_refused_share_is_logged_with_its_reason(sought: World) -> None:
    user, case = allocated(sought)
    order = ShareOrder("nhs", "statutory-youth-justice", "your-agreement", records=("person",))
    with pytest.raises(RefusedShare):
        Gate(user).share(case.pk, order)
    logged = Disclosure.objects.get()
    assert logged.outcome == "refused"
    assert logged.consent_status == "none"
    assert "needs the consent 'Agreeing to share information with other services" in logged.rule
    assert logged.package is None and logged.channel == ""
    event = last_audit()
    assert (event.action, event.decision, event.recipient) == ("refuse", "refused", "nhs")
    assert event.record_id == logged.pk and event.person_id == case.person_id
    assert "needs the consent" in event.rule


def test_a_share_needing_consent_names_the_consent(luton: World) -> None:
    user, case = allocated(luton)
    Offence.objects.create(
        case=case,
        pack_version_id=luton.version_id,
        committed_on=date(2024, 12, 1),
        description="Theft from a shop",
    )
    gate = Gate(user)
    order = ShareOrder("police", "coordinate-agencies", "your-agreement", records=("offence",))
    decision = gate.explain_share(case.pk, order)
    assert not decision
    assert (
        "needs the consent 'Agreeing to give further information to other agencies' "
        in decision.rule
    )
    assert "(further-information-to-agencies), and it is not recorded" in decision.rule
    assert not Disclosure.objects.exists(), "explaining shares nothing and logs no disclosure"
    gate.record_consent(case.person_id, given("further-information-to-agencies"))
    disclosure = gate.share(case.pk, order)
    assert disclosure.outcome == "shared" and disclosure.consent_status == "given"
    assert disclosure.consent_record is not None
    assert disclosure.package["records"]["offence"][0]["description"] == "Theft from a shop"
    assert disclosure.items[0]["record"] == "offence"
    event = last_audit()
    assert (event.action, event.decision, event.recipient) == ("disclose", "allowed", "police")
    assert event.categories == "offending"
    # The same records under the law need no consent, but a reference.
    law = ShareOrder("police", "coordinate-agencies", "required-by-law", records=("offence",))
    with pytest.raises(RefusedShare, match="needs the reference"):
        gate.share(case.pk, law)


def test_a_withdrawal_stops_the_next_share(luton: World) -> None:
    user, case = allocated(luton)
    gate = Gate(user)
    order = ShareOrder("social-care", "coordinate-agencies", "your-agreement", records=("case",))
    consent = gate.record_consent(case.person_id, given("further-information-to-agencies"))
    # case.* is 'involvement' in Luton: the consent does not cover it, nothing may go.
    assert not gate.explain_share(case.pk, order)
    order = ShareOrder("social-care", "coordinate-agencies", "your-agreement", records=("report",))
    from safehold.records.models import Report

    Report.objects.create(
        case=case,
        pack_version_id=luton.version_id,
        kind="psr",
        due_on=date(2025, 3, 1),
        body="Report",
    )
    assert gate.share(case.pk, order).consent_status == "given"
    withdrawal = gate.withdraw_consent(
        consent.pk, on=date.today(), how="verbal", given_by="young-person"
    )
    assert withdrawal.withdraws_id == consent.pk
    consent.refresh_from_db()
    assert consent.state == "given", "a withdrawal never rewrites history"
    with pytest.raises(RefusedShare, match="and it is withdrawn"):
        gate.share(case.pk, order)


def test_override_needs_a_reason_and_a_second_person(sought: World) -> None:
    user, case = allocated(sought)
    manager = sought.staff("team-manager")
    gate = Gate(user)

    def order(**more: Any) -> ShareOrder:
        return ShareOrder(
            "nhs", "statutory-youth-justice", "safeguarding", records=("person",), **more
        )

    with pytest.raises(RefusedShare, match="needs a reason of 10 characters or more"):
        gate.share(case.pk, order())
    reason = "Risk of serious harm reported by school today"
    with pytest.raises(RefusedShare, match="approval by someone whose role approves"):
        gate.share(case.pk, order(reason=reason))
    with pytest.raises(RefusedShare, match="approval by a second person, not the one sharing"):
        gate.share(case.pk, order(reason=reason, approver_id=user.pk))
    shared = gate.share(case.pk, order(reason=reason, approver_id=manager.pk))
    assert shared.consent_status == "overridden"
    assert shared.approved_by == manager and shared.reason == reason
    # Health is never sent to the police; nor anything by a role without a share grant.
    police = gate.explain_share(
        case.pk, ShareOrder("police", "statutory-youth-justice", "safeguarding", reason=reason)
    )
    assert police and "health_needs" not in police.fields["person"]
    assert police.not_sent["person.health_needs"] == "the pack says it is never sent"


def test_an_objection_stops_what_it_withholds(luton: World) -> None:
    user, case = allocated(luton)
    PersonFlag.objects.create(person_id=case.person_id, flag="lives-at-home")
    gate = Gate(user)
    order = ShareOrder("parents", "health-needs", "health-care", records=("person",))
    decision = gate.explain_share(case.pk, order)
    assert decision and decision.fields["person"] == ("health_needs",)
    gate.record_consent(case.person_id, given("health-not-shared-with-parents"))
    with pytest.raises(RefusedShare, match="Not sharing your health information with your parents"):
        gate.share(case.pk, order)


def test_a_share_depends_on_the_conditions_the_pack_states(luton: World) -> None:
    user, case = allocated(luton)
    order = ShareOrder("parents", "health-needs", "health-care", records=("person",))
    assert "not recorded" in Gate(user).explain_share(case.pk, order).rule
    PersonFlag.objects.create(person_id=case.person_id, flag="lives-at-home", holds=False)
    assert "not met" in Gate(user).explain_share(case.pk, order).rule


def test_conditions_in_time(cambridgeshire: World) -> None:
    def after_closing(data: dict[str, Any]) -> None:
        police = next(r for r in data["recipients"] if r["code"] == "courts")
        police["shares"][0]["when"] = {"after": "case-closed", "within": "30 days"}

    world = variant(cambridgeshire, after_closing)
    user, case = allocated(world)
    order = ShareOrder(
        "courts", "statutory-youth-justice", "court-order", reference="Order 12/2025"
    )
    assert (
        "after the date the service ended, which has not happened"
        in Gate(user).explain_share(case.pk, order).rule
    )
    case.closed_on = date.today() - timedelta(days=3)
    case.save()
    assert Gate(user).explain_share(case.pk, order)
    case.closed_on = date.today() - timedelta(days=60)
    case.save()
    assert "within 30 days of" in Gate(user).explain_share(case.pk, order).rule


def test_direct_marketing_objection_is_absolute(luton: World) -> None:
    def marketing(data: dict[str, Any]) -> None:
        data["preferences"].append(
            {
                "code": "no-marketing",
                "name": "No marketing",
                "kind": "objection",
                "statement": "You can object to marketing at any time.",
                "given_by": ["young-person"],
                "direct_marketing": True,
                "withholds": {"recipients": ["police"]},
            }
        )

    world = variant(luton, marketing)
    user, case = allocated(world)
    gate = Gate(user)
    gate.record_consent(case.person_id, given("no-marketing"))
    order = ShareOrder(
        "police",
        "coordinate-agencies",
        "required-by-law",
        records=("person",),
        reference="Letter 4",
    )
    with pytest.raises(RefusedShare, match="absolute, nothing overrides it"):
        gate.share(case.pk, order)


def test_an_ordinary_objection_gives_way_to_the_law(luton: World) -> None:
    def objection(data: dict[str, Any]) -> None:
        data["preferences"].append(
            {
                "code": "object-police",
                "name": "Objecting to sharing with the police",
                "kind": "objection",
                "statement": "You can object.",
                "given_by": ["young-person"],
                "withholds": {"recipients": ["police"]},
            }
        )

    world = variant(luton, objection)
    user, case = allocated(world)
    gate = Gate(user)
    gate.record_consent(case.person_id, given("object-police"))
    service = ShareOrder(
        "police", "coordinate-agencies", "coordinating-the-work", records=("person",)
    )
    with pytest.raises(RefusedShare, match="Objecting to sharing with the police"):
        gate.share(case.pk, service)
    law = ShareOrder(
        "police",
        "coordinate-agencies",
        "required-by-law",
        records=("person",),
        reference="Letter 4",
    )
    assert gate.share(case.pk, law).outcome == "shared"


def test_roles_without_a_share_grant_and_break_glass_share_nothing(luton: World) -> None:
    worker, case = allocated(luton, role="youth-worker")
    order = ShareOrder(
        "police", "coordinate-agencies", "coordinating-the-work", records=("person",)
    )
    with pytest.raises(RefusedShare, match="no grant of role 'youth-worker' allows share"):
        Gate(worker).share(case.pk, order)
    officer = luton.staff("youth-justice-officer", team=luton.other_team)
    with pytest.raises(Refused):
        Gate(officer).share(case.pk, order)
    Gate(officer).break_glass(case.pk, "Police report the young person missing tonight")
    with pytest.raises(RefusedShare, match=r"at (service|controller) distance"):
        Gate(officer).share(case.pk, order)


def test_a_child_under_16_decides_only_when_assessed(luton: World) -> None:
    from safehold.sharing.services import ConsentProblem

    user, case = allocated(luton, person=luton.person(date_of_birth=date(2014, 1, 1)))
    gate = Gate(user)
    with pytest.raises(ConsentProblem, match="Gillick"):
        gate.record_consent(case.person_id, given("further-information-to-agencies"))
    record = gate.record_consent(
        case.person_id,
        given(
            "further-information-to-agencies",
            capacity="competent",
            capacity_reason="Understands what is shared and why; discussed twice",
        ),
    )
    assert record.capacity_by == user
    with pytest.raises(ConsentProblem, match="only where the child cannot"):
        gate.record_consent(case.person_id, given("further-information-to-agencies", by="parent"))
    event = last_audit()
    assert (event.action, event.record_type, event.record_id) == (
        "create",
        "consentrecord",
        record.pk,
    )


def test_a_share_whose_reasons_are_explained_needs_them_stated(cambridgeshire: World) -> None:
    """Cambridgeshire's notice: the reasons for sharing with other services "will be
    explained to you": no agreement is waited for, and the reasons are recorded."""
    user, case = allocated(cambridgeshire)
    gate = Gate(user)
    order = ShareOrder("nhs", "statutory-youth-justice", "better-support", records=("person",))
    with pytest.raises(RefusedShare, match="needs a reason of 10 characters or more"):
        gate.share(case.pk, order)
    reason = "To arrange a health assessment the family asked about"
    shared = gate.share(
        case.pk,
        ShareOrder(
            "nhs", "statutory-youth-justice", "better-support", records=("person",), reason=reason
        ),
    )
    assert shared.consent_status == "not-needed" and shared.reason == reason
