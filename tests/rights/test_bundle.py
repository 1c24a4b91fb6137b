"""The subject access bundle: compiled through the gate across services, third parties found
from the records' links and by the recognisers, every one reviewed before release, a second
person's approval, the redaction log, and the release audited and closing the request."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.models import Q

from safehold.audit.models import AuditEvent
from safehold.policy import selectors as policy
from safehold.records.models import Assessment, Contact, Offence, Relationship, VictimLink
from safehold.rights import services
from safehold.rights.bundle import WITHHELD_MARK, compile_bundle
from safehold.rights.models import Ground, Redaction, Release, RightsRequest
from tests.access.conftest import World
from tests.retention.conftest import Place

MUM, VICTIM, WORKER = ("Marguerite", "Fenwick"), ("Ozzie", "Blackthorn"), ("Priya", "Tennant")
MUM_PHONE = "07700 900461"


def world(yos: Place) -> tuple[RightsRequest, dict[str, object]]:
    child = yos.person(given_name="Kai", family_name="Fenwick", phone="07700 900999")
    services_ = [s.code for s in yos.pack.services]
    first = yos.full_case(child, service=services_[0])
    second = yos.case(child, service=services_[1])
    mum = yos.person(given_name=MUM[0], family_name=MUM[1], phone=MUM_PHONE, born=date(1985, 1, 1))
    worker = yos.person(given_name=WORKER[0], family_name=WORKER[1], born=date(1980, 1, 1))
    yos.relate(child, mum, Relationship.Kind.PARENT)
    yos.relate(child, worker, Relationship.Kind.SOCIAL_WORKER)
    victim = yos.person(given_name=VICTIM[0], family_name=VICTIM[1], born=date(1970, 1, 1))
    VictimLink.objects.create(offence=Offence.objects.get(case=first), victim=victim)
    Contact.objects.create(
        case=second,
        kind="home-visit",
        occurred_at=datetime(2024, 5, 1, 10, tzinfo=UTC),
        notes=(
            f"Kai at home with {MUM[0]} {MUM[1]} (call her on {MUM_PHONE}). Kai said "
            f"{VICTIM[0]} had started it; his friend lives at 14 Mill Road, CB4 2XY. "
            "Kai's own number is 07700 900999. Fenwick family doing well."
        ),
        pack_version_id=yos.version_id,
    )
    Assessment.objects.create(
        case=second,
        kind="early-help",
        summary=f"Seen with social worker {WORKER[0]} {WORKER[1]}.",
        pack_version_id=yos.version_id,
    )
    request = services.receive(child, "access", received_on=date(2026, 3, 2), by=yos.dpo)
    return request, {"child": child, "first": first, "second": second}


def pack_of(yos: Place):
    return policy.pack_of(policy.controller_version(yos.controller.pk))


def test_the_bundle_holds_every_record_and_proposes_every_third_party(yos: Place) -> None:
    request, _made = world(yos)
    compiled = compile_bundle(yos.dpo, request.person_id, pack=pack_of(yos))
    assert compiled.name == "Kai Fenwick"
    keys = {e.key for s in compiled.sections for e in s.entries}
    # Every record of both services' cases, each exported through the gate and audited.
    for model in ("contact", "assessment", "plan", "offence", "outcome", "report"):
        assert any(k.startswith(f"{model}:") for k in keys), model
    assert {s.title.split(",")[0] for s in compiled.sections if s.id.startswith("case-")} == {
        s.name for s in yos.pack.services[:2]
    }
    exported = AuditEvent.objects.filter(
        actor_id=yos.dpo.pk, action="export", person_id=request.person_id
    )
    assert exported.count() >= 8
    assert set(exported.values_list("purpose", flat=True)) == {"rights-request"}
    texts = {(p.text, p.found_by) for p in compiled.proposals}
    found = {t for t, _ in texts}
    # The family member, the professional and the victim: their entries and in free text.
    for name in (*MUM, *VICTIM, *WORKER):
        assert any(name in t for t in found), name
    assert f"{MUM[0]} {MUM[1]}" in found and MUM_PHONE in found and VICTIM[0] in found
    # Someone else's street address and postcode, by the recognisers.
    assert ("14 Mill Road", "recogniser") in texts and ("CB4 2XY", "recogniser") in texts
    # Not the person's own number, nor the family name they share with their mother.
    assert "07700 900999" not in found
    assert not any(p.text == "Fenwick" and p.key.startswith("contact:") for p in compiled.proposals)


def test_nothing_is_released_unreviewed_and_the_log_matches(yos: Place) -> None:
    request, _made = world(yos)
    pack = pack_of(yos)
    assert pack.rights.second_approval
    compiled = compile_bundle(yos.dpo, request.person_id, pack=pack)
    services.propose(request, compiled)
    services.propose(request, compiled)  # once only
    rows = list(Redaction.objects.filter(request=request))
    assert len(rows) == len(compiled.proposals)
    with pytest.raises(services.RequestProblem, match="not yet decided"):
        services.release(request, compiled, by=yos.dpo, pack=pack, second_approval=True)
    # Decide all but one: still nothing leaves.
    reviewer = yos.dpo
    decisions = {
        r.pk: (Ground.PROFESSIONAL if WORKER[0] in r.text else Ground.THIRD_PARTY, "") for r in rows
    }
    last = rows[-1].pk
    services.decide_redactions(
        request, {k: v for k, v in decisions.items() if k != last}, by=reviewer
    )
    with pytest.raises(services.RequestProblem, match="1 proposed redaction"):
        services.approve_release(request, compiled, by=yos.staff("data-protection-officer"))
    services.decide_redactions(request, {last: decisions[last]}, by=reviewer)
    # The reviewer may not approve their own review; a second DPO may.
    with pytest.raises(services.RequestProblem, match="second person"):
        services.approve_release(request, compiled, by=reviewer)
    with pytest.raises(services.RequestProblem, match="approve the bundle first"):
        services.release(request, compiled, by=reviewer, pack=pack, second_approval=True)
    second = yos.staff("data-protection-officer")
    services.approve_release(request, compiled, by=second)
    data = services.release(request, compiled, by=reviewer, pack=pack, second_approval=True)

    released = json.dumps(data)
    for name in (f"{MUM[0]} {MUM[1]}", MUM_PHONE, VICTIM[0], VICTIM[1], "14 Mill Road"):
        assert name not in released, name
    assert WORKER[0] in released  # disclosed: a professional acting in their role
    assert WITHHELD_MARK in released and "Kai at home with" in released
    assert "Kai's own number is 07700 900999" in released
    letter = data["letter"]
    assert letter["purposes"] and letter["rights"] and letter["retention"]
    # The log: who decided what on which ground, and whether it was disclosed.
    log = Redaction.objects.filter(request=request)
    assert log.filter(disclosed=False).count() == sum(
        1 for g, _ in decisions.values() if g == Ground.THIRD_PARTY
    )
    assert set(log.filter(disclosed=True).values_list("ground", flat=True)) == {Ground.PROFESSIONAL}
    assert set(log.values_list("decided_by", flat=True)) == {reviewer.pk}
    request.refresh_from_db()
    assert (request.status, request.outcome) == ("closed", "part")
    release = Release.objects.get(request=request)
    assert (release.approved_by, release.released_by) == (second, reviewer)
    assert len(release.digest) == 64
    assert (
        AuditEvent.objects.filter(
            action="disclose", person_id=request.person_id, reason__contains=request.reference
        ).count()
        >= 8
    )


def test_the_bundle_holds_consents_and_the_disclosure_log_with_their_third_parties(
    yos: Place,
) -> None:
    """Consents given, refused and withdrawn (with the capacity assessment) and what was shared
    with whom under which gateway, read through the gate as the DPO under the rights purpose;
    the people named in them proposed for redaction like any record's."""
    from safehold.access.gate import Gate
    from safehold.access.gate.sharing import ShareOrder
    from safehold.sharing.models import Capacity
    from tests.sharing.conftest import given

    request, made = world(yos)
    child = made["child"]
    worker = yos.staff("youth-justice-officer")
    first = made["first"]
    first.allocated_to = worker
    first.save(update_fields=["allocated_to"])
    gate = Gate(worker)
    gate.record_consent(child.pk, given("national-data-opt-out"))
    parent = gate.record_consent(
        child.pk,
        given(
            "national-data-opt-out",
            by="family-member",
            given_by_name=f"{MUM[0]} {MUM[1]}",
            capacity=Capacity.NOT_COMPETENT,
            capacity_reason=f"Kai was in hospital; {MUM[0]} decided for him that week.",
        ),
    )
    gate.withdraw_consent(parent.pk, on=date(2025, 7, 1), how="verbal", given_by="young-person")
    shared = gate.share(
        first.pk,
        ShareOrder(
            "police",
            "statutory-youth-justice",
            "safeguarding",
            records=("person",),
            reason=f"Threats to {VICTIM[0]} {VICTIM[1]} reported at the visit.",
            recipient_contact="DC Harriet Stone, public protection unit",
        ),
    )
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()

    compiled = compile_bundle(yos.dpo, request.person_id, pack=pack_of(yos))
    by_id = {s.id: s for s in compiled.sections}
    consents = by_id["consents"]
    assert len(consents.entries) == 3  # the opt-out, the parent's consent and its withdrawal
    states = sorted(v.text for e in consents.entries for v in e.values if v.name == "state")
    assert states == ["Given", "Given", "Withdrawn"]
    mine = next(e for e in consents.entries if e.key == f"consentrecord:{parent.pk}")
    capacity = {v.name: v.text for v in mine.values}
    assert capacity["capacity"] == "Not able to decide for themselves"
    assert "in hospital" in capacity["capacity_reason"]
    log = by_id["disclosures"]
    assert [e.key for e in log.entries] == [f"disclosure:{shared.pk}"]
    entry = {v.name: v.text for v in log.entries[0].values}
    assert entry["recipient_name"] == "Police" and entry["outcome"] == "Shared"
    assert "safe" in entry["gateway"].lower()
    assert entry["items"].startswith("person (")
    # Read through the gate as the DPO, for the rights request, audited.
    reads = AuditEvent.objects.filter(
        seq__gt=before, actor_id=yos.dpo.pk, record_type__in=["consentrecord", "disclosure"]
    )
    assert set(reads.values_list("record_type", flat=True)) == {"consentrecord", "disclosure"}
    assert set(reads.values_list("purpose", flat=True)) == {"rights-request"}
    # The parent who decided, the victim in the reason and the police officer: proposed.
    proposed = {(p.key.split(":")[0], p.text) for p in compiled.proposals}
    assert ("consentrecord", f"{MUM[0]} {MUM[1]}") in proposed
    assert ("consentrecord", MUM[0]) in proposed  # in the capacity reason's free text
    assert ("disclosure", f"{VICTIM[0]} {VICTIM[1]}") in proposed
    assert ("disclosure", "DC Harriet Stone, public protection unit") in proposed

    # Withheld at release once decided so; the rest of each entry goes.
    services.propose(request, compiled)
    services.decide_redactions(
        request,
        {r.pk: (Ground.THIRD_PARTY, "") for r in Redaction.objects.filter(request=request)},
        by=yos.dpo,
    )
    services.approve_release(request, compiled, by=yos.staff("data-protection-officer"))
    data = services.release(request, compiled, by=yos.dpo, pack=pack_of(yos), second_approval=True)
    released = json.dumps(data)
    assert "Harriet Stone" not in released and f"{VICTIM[0]} {VICTIM[1]}" not in released
    assert "Police" in released and "reported at the visit" in released
    assert data["letter"]["shared_with"] == ["Police"]
    assert AuditEvent.objects.filter(
        action="disclose", record_type="disclosure", record_id=shared.pk, recipient="requester"
    ).exists()


def test_portability_is_what_the_person_provided_machine_readable(yos: Place) -> None:
    """Article 20: the fields of the categories the pack marks provided (or observed) and
    the consents the person decided themselves, as data; not the bundle."""
    from safehold.access.gate import Gate
    from tests.sharing.conftest import given

    _access, made = world(yos)
    child = made["child"]
    request = services.receive(child, "portability", received_on=date(2026, 3, 2), by=yos.dpo)
    Gate(yos.dpo).record_consent(child.pk, given("national-data-opt-out"))
    pack = pack_of(yos)
    compiled = compile_bundle(yos.dpo, child.pk, pack=pack)
    services.propose(request, compiled)
    services.decide_redactions(
        request,
        {r.pk: (Ground.THIRD_PARTY, "") for r in Redaction.objects.filter(request=request)},
        by=yos.dpo,
    )
    services.approve_release(request, compiled, by=yos.staff("data-protection-officer"))
    data = services.release(request, compiled, by=yos.dpo, pack=pack, second_approval=True)
    ported = data["portable"]
    assert ported["format"] == "safehold-portability/1"
    provided = {c.code for c in pack.categories if c.provided == "provided"}
    assert provided == {"identity", "contact"}
    (person,) = ported["records"]["person"]
    assert person["given_name"] == "Kai" and person["phone"] == "07700 900999"
    assert person["date_of_birth"] == "2008-05-01"  # data, not words
    assert "health_needs" not in person  # health: what we record, not what they gave us
    # What staff recorded or inferred is not ported: contacts' notes, assessments, offences.
    assert set(ported["records"]) == {"person"}
    text = json.dumps(ported)
    assert MUM[0] not in text and MUM_PHONE not in text and VICTIM[0] not in text
    assert [c["state"] for c in ported["consents"]] == ["given"]
    assert ported["consents"][0]["given_by"] == "young-person"


def test_a_released_copy_is_kept_for_the_packs_period_then_deleted(yos: Place) -> None:
    from datetime import timedelta

    from django.core.management import call_command

    request, _made = world(yos)
    pack = pack_of(yos)
    assert str(pack.rights.answers_kept) == "6 years"  # the documented default
    compiled = compile_bundle(yos.dpo, request.person_id, pack=pack)
    services.propose(request, compiled)
    services.decide_redactions(
        request,
        {r.pk: (Ground.THIRD_PARTY, "") for r in Redaction.objects.filter(request=request)},
        by=yos.dpo,
    )
    services.approve_release(request, compiled, by=yos.staff("data-protection-officer"))
    services.release(request, compiled, by=yos.dpo, pack=pack, second_approval=True)
    request.refresh_from_db()
    closed = request.closed_on
    assert closed is not None
    almost = closed.replace(year=closed.year + 6)
    assert services.delete_old_answers(today=almost) == 0
    assert services.delete_old_answers(today=almost + timedelta(days=1), dry_run=True) == 1
    release = Release.objects.get(request=request)
    assert release.content is not None
    assert services.delete_old_answers(today=almost + timedelta(days=1)) == 1
    release.refresh_from_db()
    assert release.content is None and release.content_deleted_at and len(release.digest) == 64
    assert Redaction.objects.filter(request=request).exists()  # the log stays
    assert AuditEvent.objects.filter(
        action="delete", record_type="release", record_id=request.pk
    ).exists()
    call_command("rights", "sweep", "--dry-run")  # nothing left to delete, and says so


def test_the_bundle_holds_the_cases_dated_statuses_and_recorded_events(
    cambridgeshire: World,
) -> None:
    """Dated statuses (each value with its dates) and the recorded dates of the pack's events
    are case records like any other: in the case's section, read through the gate as the
    DPO under the rights purpose and audited; a person's event is shown once, not per case."""
    from safehold.access.gate import Gate
    from safehold.sharing.models import RecordedEvent
    from tests.sharing.conftest import allocated, variant
    from tests.sharing.test_recorded_events import with_events

    world = variant(cambridgeshire, with_events)
    worker, case = allocated(world)
    second = world.case(allocated_to=worker, person=case.person)
    gate = Gate(worker)
    shown = next(c for c in gate.young_person(case.person_id).cases if c.case_id == case.pk)
    gate.record_status(shown, "accommodation", "unsuitable", date(2025, 1, 6))
    now = gate.record_status(shown, "accommodation", "suitable", date(2025, 3, 3))
    moved = RecordedEvent(person_id=case.person_id)
    gate.write(moved, {"event": "moved-school", "on": date(2025, 4, 1)}, case=case)
    dpo = world.staff("data-protection-officer")
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()

    compiled = compile_bundle(dpo, case.person_id, pack=world.pack)
    by_id = {s.id: s for s in compiled.sections}
    history = [
        {v.name: v.text for v in e.values}
        for e in by_id[f"case-{case.pk}"].entries
        if e.key.startswith("casestatus:")
    ]
    assert history == [
        {
            "value": "Unsuitable accommodation",
            "started_on": "6 January 2025",
            "ended_on": "2 March 2025",
        },
        {"value": "Suitable accommodation", "started_on": "3 March 2025"},
    ]
    assert f"casestatus:{now.pk}" in {e.key for e in by_id[f"case-{case.pk}"].entries}
    events = [
        e for s in compiled.sections for e in s.entries if e.key == f"recordedevent:{moved.pk}"
    ]
    assert [(e.title, [v.text for v in e.values]) for e in events] == [
        ("Moved to another school", ["1 April 2025"])
    ]
    assert not [e for e in by_id[f"case-{second.pk}"].entries if e.key.startswith("casestatus:")]
    reads = AuditEvent.objects.filter(seq__gt=before, actor_id=dpo.pk, purpose="rights-request")
    assert {"casestatus", "recordedevent"} <= set(reads.values_list("record_type", flat=True))


def test_how_long_each_part_is_kept_is_the_persons_own_units_and_their_case_files(
    yos: Place,
) -> None:
    """The retention section is found by the units' (key, kind), not by a scan on person: the
    person's own unit (keyed by the person) and a case file of each case shown (keyed by the
    case), never a unit of another kind whose key happens to equal one of those numbers."""
    from safehold.retention import planner
    from safehold.retention.models import RetentionUnit, UnitKind

    request, made = world(yos)
    planner.plan()
    child_id = request.person_id
    cases = [made["first"].pk, made["second"].pk]  # type: ignore[attr-defined]
    theirs = RetentionUnit.objects.filter(
        Q(kind=UnitKind.CASE_FILE, key__in=cases)
        | Q(kind__in=[UnitKind.PERSON, UnitKind.NON_CASE_FILE], key=child_id)
    ).count()
    assert theirs == 4  # two case files, their own record, what is not in a case file
    # Someone else's case file numbered as the child is, and someone else's person unit
    # numbered as the child's first case: same keys, other kinds.
    template = RetentionUnit.objects.get(kind=UnitKind.CASE_FILE, key=cases[0])
    other = yos.person(given_name="Nobody", family_name="Else", born=date(2008, 1, 1))
    # (Where the ids coincide, as on a fresh SQLite database, the child's own case 1 is not
    # someone else's: another person's case stands in for it.)
    not_theirs = child_id if child_id not in cases else yos.case(other).pk
    for kind, key, note in (
        (UnitKind.CASE_FILE, not_theirs, "someone else's case file"),
        (UnitKind.PERSON, next(c for c in cases if c != child_id), "someone else's record"),
    ):
        RetentionUnit.objects.filter(kind=kind, key=key).delete()
        RetentionUnit.objects.create(
            kind=kind,
            key=key,
            controller=yos.controller,
            person=other,
            pack_version_id=template.pack_version_id,
            basis="no-rule",
            note=note,
            computed_at=template.computed_at,
        )
    compiled = compile_bundle(yos.dpo, child_id, pack=pack_of(yos))
    assert len(compiled.retention) == theirs
    assert sum(line.startswith("The case file of") for line in compiled.retention) == 2
    assert not any("someone else" in line for line in compiled.retention)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_the_retention_units_are_sought_by_their_index_not_scanned(yos: Place) -> None:
    """With sequential scans priced out, the plan must still find a way through an index: a
    filter on a column the unit table does not index (person_id) has none, so it would scan
    every unit of a million people on every compile."""
    from safehold.rights.bundle import retention_units

    units = retention_units(41, [7, 9])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = units.explain()
    assert "Seq Scan" not in plan, plan
    assert "retention_unit_kind_key" in plan, plan
