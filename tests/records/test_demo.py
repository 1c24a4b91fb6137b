"""`safehold demo`: a synthetic population, in bulk, valid against the pack it is made for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safehold.access.models import Team, User
from safehold.audit.models import Action, AuditEvent
from safehold.audit.services import verify_chain
from safehold.demo import services as demo
from safehold.demo import staff as demo_staff
from safehold.policy import selectors
from safehold.policy.models import Controller
from safehold.policy.schema import Pack
from safehold.policy.services import load_pack
from safehold.records.models import (
    Assessment,
    Case,
    CaseStatus,
    Contact,
    Outcome,
    Person,
    PersonFlag,
    Plan,
    Relationship,
    Report,
    Tracked,
    VictimLink,
)
from tests.builders import PACK_FILES

PACKS = {path.stem: path for path in PACK_FILES}


def age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@pytest.fixture
def loaded(db: None) -> Callable[[str], Pack]:
    def load(code: str) -> Pack:
        return selectors.pack_of(load_pack(PACKS[code]).version)

    return load


@pytest.mark.parametrize("code", sorted(PACKS))
def test_a_population_valid_against_its_pack(loaded: Callable[[str], Pack], code: str) -> None:
    pack = loaded(code)
    summary = demo.generate(100, pack=code)

    controller = Controller.objects.get(pack_version__pack_code=code)
    assert Person.objects.count() == summary.counts["person"] == 100
    # Every record type appears (flags only where the pack has person flags).
    expected = {m._meta.model_name for m in demo.RECORD_MODELS}
    if not [f for f in pack.flags if f.of == "person"]:
        expected.discard("personflag")
    for model in demo.RECORD_MODELS:
        count = model._default_manager.count()
        assert count == summary.counts[str(model._meta.model_name)]
        assert (count > 0) == (model._meta.model_name in expected), model
    assert 5 <= summary.case_records / 100 <= 15, "about ten case records a person"

    # Every record was made under the controller's current pack version, by the demo.
    account = User.objects.get(username=demo.DEMO_USERNAME)
    for model in demo.RECORD_MODELS:
        if issubclass(model, Tracked):
            qs = model._default_manager.all()
            assert not qs.exclude(pack_version_id=controller.pack_version_id).exists(), model
            assert not qs.exclude(created_by=account).exists(), model

    # Only codes the pack knows, and only the record kinds the models allow.
    services = {s.code for s in pack.services if s.controller == controller.code}
    assert set(Case.objects.values_list("service", flat=True)) <= services
    flags = {f.code for f in pack.flags if f.of == "person"}
    assert set(PersonFlag.objects.values_list("flag", flat=True)) <= flags
    for model, choices in (
        (Contact, Contact.Kind),
        (Assessment, Assessment.Kind),
        (Plan, Plan.Kind),
        (Outcome, Outcome.Kind),
        (Report, Report.Kind),
        (Relationship, Relationship.Kind),
    ):
        assert set(model._default_manager.values_list("kind", flat=True)) <= set(choices.values)
    consents = set(VictimLink.objects.values_list("contact_consent", flat=True))
    assert consents <= set(VictimLink.Consent.values)
    # Restorative justice offered only to victims who agreed to contact, each answer dated.
    answers = VictimLink.objects.exclude(restorative_justice="not-offered")
    assert answers.exists()
    assert set(answers.values_list("restorative_justice", flat=True)) <= set(
        VictimLink.RestorativeJustice.values
    )
    assert not answers.exclude(contact_consent="given").exists()
    assert not answers.filter(rj_recorded_on__isnull=True).exists()

    # Staff for every role of the pack; teams with the pack's services.
    roles = {r.code for r in pack.roles}
    staff = User.objects.filter(controller=controller)
    assert set(staff.values_list("role", flat=True)) == roles
    assert not staff.filter(teams=None).exists()
    for team in Team.objects.filter(controller=controller):
        assert set(team.services) == services


def test_young_people_are_10_to_18_and_cases_respect_dates(loaded: Callable[[str], Pack]) -> None:
    loaded("cambridgeshire-yos")
    demo.generate(100, pack="cambridgeshire-yos")
    today = timezone.localdate()
    young = Person.objects.filter(Q(relationships__isnull=False) | Q(cases__service="court-orders"))
    ages = {age(born, today) for born in young.values_list("date_of_birth", flat=True)}
    assert ages and min(ages) >= 10 and max(ages) <= 18
    assert not Case.objects.filter(closed_on__lt=models.F("opened_on")).exists()
    assert not Case.objects.filter(opened_on__gt=today).exists()
    # Family members and victims are not all children.
    assert Person.objects.filter(
        related_to__kind="parent", date_of_birth__lt=date(2000, 1, 1)
    ).exists()


def test_caseloads_go_to_case_managers_and_fill_up(
    loaded: Callable[[str], Pack], monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = loaded("luton-yps")
    # A full caseload of 4 rather than 50, so that a small population fills some.
    monkeypatch.setattr(demo_staff, "FULL_CASELOAD", 4)  # where the workforce reads it
    demo.generate(300, pack="luton-yps")
    case_roles = {
        r.code
        for r in pack.roles
        if any(g.relationship == "allocated" and "read" in g.actions for g in r.grants)
    }
    allocated = Case.objects.filter(allocated_to__isnull=False)
    assert set(allocated.values_list("allocated_to__role", flat=True)) <= case_roles
    loads = (
        allocated.filter(closed_on__isnull=True)
        .values("allocated_to")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    assert max(loads) == 4, "some caseloads are full, none is over"
    # A case is held by its worker's team.
    assert not allocated.exclude(team__members=models.F("allocated_to")).exists()


def test_audited_in_batches(loaded: Callable[[str], Pack]) -> None:
    loaded("leicestershire-cfws")
    summary = demo.generate(120, pack="leicestershire-cfws", chunk_size=60)
    events = AuditEvent.objects.filter(actor_label=demo.DEMO_ACTOR)
    assert not events.exclude(action=Action.CREATE).exists()
    assert all(demo.REASON in reason for reason in events.values_list("reason", flat=True))
    # One event per record type per chunk (two chunks), and one for the teams.
    by_type = dict(events.values_list("record_type").annotate(n=Count("pk")))
    assert by_type.pop("team") == 1
    assert set(by_type) == {name for name, n in summary.counts.items() if n and name != "team"}
    assert by_type["person"] == 2 and by_type["contact"] == 2
    contacts = events.filter(record_type="contact").first()
    assert contacts is not None and "contact-records" in contacts.category_codes
    assert verify_chain().ok


def queries(people: int, chunk: int) -> int:
    """Queries to generate `people`, rolled back so every count starts from the same state."""
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        demo.generate(people, pack="cambridgeshire-yos", chunk_size=chunk)
        transaction.set_rollback(True)
    return len(captured)


def test_queries_grow_with_chunks_not_people(loaded: Callable[[str], Pack]) -> None:
    loaded("cambridgeshire-yos")
    queries(10, 10)  # warm the pack cache
    one_chunk = queries(20, 1_000)
    assert queries(400, 1_000) == one_chunk
    assert one_chunk < queries(400, 200) <= 2 * one_chunk


def test_if_empty_does_nothing_the_second_time(loaded: Callable[[str], Pack]) -> None:
    loaded("cambridgeshire-yos")
    out = StringIO()
    call_command("demo", people=30, pack="cambridgeshire-yos", if_empty=True, stdout=out)
    assert "chunk 1/1 cambridgeshire-cc: 30 people" in out.getvalue()
    assert "Generated 30 people" in out.getvalue()
    out = StringIO()
    call_command("demo", people=30, pack="cambridgeshire-yos", if_empty=True, stdout=out)
    assert "Nothing generated" in out.getvalue()
    assert Person.objects.count() == 30


def test_refuses_a_database_with_real_people_unless_forced(loaded: Callable[[str], Pack]) -> None:
    loaded("cambridgeshire-yos")
    controller = Controller.objects.get()
    Person.objects.create(
        controller=controller,
        pack_version_id=controller.pack_version_id,
        given_name="Real",
        family_name="Person",
    )
    with pytest.raises(CommandError, match="--force"):
        call_command("demo", people=10, stdout=StringIO())
    assert Person.objects.count() == 1
    assert not User.objects.filter(username=demo.DEMO_USERNAME).exists()
    call_command("demo", people=10, force=True, stdout=StringIO())
    assert Person.objects.count() == 11
    # Demo people alone are no reason to refuse.
    Person.objects.filter(given_name="Real").delete()
    call_command("demo", people=10, stdout=StringIO())
    assert Person.objects.count() == 20


def test_staff_passwords(loaded: Callable[[str], Pack]) -> None:
    loaded("cambridgeshire-yos")
    with pytest.raises(CommandError, match="too weak"):
        call_command("demo", people=10, password="demo", stdout=StringIO())
    assert not Person.objects.exists()

    demo.generate(10, pack="cambridgeshire-yos")
    assert not any(u.has_usable_password() for u in User.objects.all())

    strong = "correct horse battery staple 42"
    demo.generate(10, pack="cambridgeshire-yos", password=strong)
    newest = User.objects.exclude(username=demo.DEMO_USERNAME).order_by("-pk").first()
    assert newest is not None and newest.check_password(strong)
    assert not User.objects.get(username=demo.DEMO_USERNAME).has_usable_password()


def test_a_weak_password_only_in_debug(loaded: Callable[[str], Pack]) -> None:
    loaded("cambridgeshire-yos")
    with override_settings(DEBUG=True):
        demo.generate(10, pack="cambridgeshire-yos", password="demo")
    user = User.objects.filter(role="youth-justice-officer").first()
    assert user is not None and user.check_password("demo")


def test_every_loaded_pack_shares_the_people(loaded: Callable[[str], Pack]) -> None:
    for code in PACKS:
        loaded(code)
    summary = demo.generate(31)
    assert len(summary.controllers) == 3
    shares = sorted(Person.objects.values_list("controller").annotate(n=Count("pk")))
    assert sorted(n for _, n in shares) == [10, 10, 11]


def test_same_seed_same_people(loaded: Callable[[str], Pack]) -> None:
    loaded("luton-yps")

    def names(seed: int) -> list[tuple[str, str]]:
        with transaction.atomic():
            demo.generate(20, pack="luton-yps", seed=seed)
            found = list(Person.objects.order_by("pk").values_list("given_name", "family_name"))
            transaction.set_rollback(True)
        return found

    assert names(1) == names(1) != names(2)


def test_unknown_pack(db: None) -> None:
    with pytest.raises(CommandError, match="no pack is loaded"):
        call_command("demo", people=10, stdout=StringIO())
    load_pack(PACKS["luton-yps"])
    with pytest.raises(CommandError, match="loaded packs: luton-yps"):
        call_command("demo", people=10, pack="nope", stdout=StringIO())


def test_a_living_service_gives_every_dpo_page_something(loaded: Callable[[str], Pack]) -> None:
    from safehold.access.models import BreakGlass
    from safehold.retention import planner
    from safehold.retention.models import LegalHold, RetentionUnit

    loaded("cambridgeshire-yos")
    demo.generate(60, pack="cambridgeshire-yos")
    living = demo.living_service(pack="cambridgeshire-yos")
    planner.plan()

    today = timezone.localdate()
    assert living.former == len(demo.FORMER_AGES)
    # Former young people's case files: some past their date (the queue), some within the
    # 24 months the summary charts, each with contacts from when the work was done.
    assert RetentionUnit.objects.filter(status="due").exists()
    soon = RetentionUnit.objects.filter(
        keep_until__gt=today, keep_until__lte=date(today.year + 2, today.month, 1)
    )
    assert soon.exists()
    assert Case.objects.filter(closed_on__lt=date(today.year - 5, 1, 1)).exists()
    # Legal holds placed by the DPO, audited; held units are not queued.
    assert LegalHold.objects.filter(lifted_at=None).count() == living.holds == 2
    assert RetentionUnit.objects.exclude(held_by="").exists()
    # A break-glass use, and what was read during it, in the audit log.
    glass = BreakGlass.objects.get()
    assert living.break_glass == 1
    reads = AuditEvent.objects.filter(
        actor=glass.user, action=Action.READ, person_id=glass.case.person_id
    )
    assert reads.exists()
    assert verify_chain().ok


def test_make_run_prints_who_can_sign_in(loaded: Callable[[str], Pack]) -> None:
    loaded("cambridgeshire-yos")
    out = StringIO()
    call_command("demo", people=30, pack="cambridgeshire-yos", living=True, stdout=out)
    assert "former young people, 2 legal holds, 1 break-glass use(s) and 11 rights requests" in (
        out.getvalue()
    )
    out = StringIO()
    call_command("staff", pack="cambridgeshire-yos", per_role=1, stdout=out)
    listing = out.getvalue()
    assert "Cambridgeshire County Council (cambridgeshire-yos):" in listing
    officer = User.objects.filter(role="youth-justice-officer").order_by("pk").first()
    assert officer is not None
    assert f"Youth offending case manager  {officer.username} ({officer.get_full_name()})" in (
        listing
    )
    assert "Data Protection Officer" in listing and "safehold-demo" not in listing


def test_staff_names_a_pack_that_is_not_loaded(loaded: Callable[[str], Pack]) -> None:
    from django.core.management.base import CommandError

    loaded("cambridgeshire-yos")
    with pytest.raises(CommandError, match="no loaded pack is called 'nosuch'"):
        call_command("staff", pack="nosuch", stdout=StringIO())


def test_a_status_changes_to_another_value_never_the_same(loaded: Callable[[str], Pack]) -> None:
    """Each entry of a case's status history is a change: the demo never records a value
    again straight after itself (a move past the worst or best value is no change at all)."""
    loaded("cambridgeshire-yos")
    demo.generate(150, pack="cambridgeshire-yos", seed=7)
    rows = CaseStatus.objects.order_by("case_id", "kind", "started_on").values_list(
        "case_id", "kind", "value"
    )
    assert rows.exists()
    repeated = [
        (case_id, kind, value)
        for (case_id, kind, value), before in zip(rows[1:], rows, strict=False)
        if (case_id, kind, value) == before
    ]
    assert not repeated, repeated[:5]
