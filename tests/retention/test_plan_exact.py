"""What the plan's speed must not change: the remembering reckoner answers as `reckon` does
for every pack's rules and random facts; COPY's text keeps awkward text whole; and the plan
whose writes run in a thread of their own (PostgreSQL) decides every unit as the plan inside
one transaction does, holds, rights requests and restrictions included."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from safehold.policy.loader import load_file
from safehold.policy.schema import Pack, RetentionRule, Unit
from safehold.retention import planner
from safehold.retention.models import RetentionUnit
from safehold.retention.planner import writing
from safehold.retention.rules import NEVER, TO_COME, Facts, Reckoner, needs, reckon, rules_for
from tests.retention.conftest import EXAMPLE
from tests.retention.test_rules import keep_rule

PACKS = Path(__file__).resolve().parents[2] / "packs"

# Every form of period, each with and without a floor (`not_before`), which the reckoner
# applies after the period it remembers.
FORMS = [
    "{birthday: 25}",
    "{for: 6 years, after: case-closed}",
    "{if: {flag: looked-after}, then: {birthday: 75}}",
    "{if: {flag: licence}, then: {for: 10 years, after: order-ended}, else: {birthday: 18}}",
    "{earliest: [{for: 5 years, after: case-closed}, {birthday: 18}]}",
    "{latest: [{for: 2 years, after: order-ended}, {birthday: 21}]}",
    "{if: {age_at: {event: order-ended, at_least: 18}}, then: {for: 6 years, after: order-ended}}",
    "{no_period_stated: in line with the Children Act 2004}",
]


def _rule_sets() -> list[list[RetentionRule]]:
    sets: list[list[RetentionRule]] = []
    for path in sorted(PACKS.glob("*.yaml")):
        pack = load_file(path).pack
        assert isinstance(pack, Pack)
        services = [s.code for s in pack.services]
        sets += [rules_for(pack, Unit.CASE_FILE, s) for s in services]
        sets += [rules_for(pack, Unit.PERSON) + rules_for(pack, Unit.NON_CASE)]
    forms = [
        keep_rule(keep, code=f"form-{i}", **({"not_before": "case-closed"} if i % 2 else {}))
        for i, keep in enumerate(FORMS * 2)
    ]
    sets += [forms, forms[:3], forms[5:9], [forms[1], forms[7]]]
    return [rules for rules in sets if rules]


def _value(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.1:
        return TO_COME
    if roll < 0.15:
        return NEVER
    if roll < 0.2:
        return None
    # Few distinct dates, so that the reckoner's memory is exercised, leap days among them.
    return date(1990, 2, 28) + timedelta(days=rng.randrange(0, 40) * 365 + rng.randrange(3))


def _answer(reckoning: Any) -> tuple[Any, ...]:
    return (
        reckoning.basis,
        reckoning.keep_until,
        reckoning.rule_code,
        reckoning.action,
        reckoning.events,
        reckoning.reason,
        reckoning.longer,
        reckoning.floored,
        reckoning.note,
    )


@pytest.mark.parametrize("rules", _rule_sets(), ids=lambda rules: "+".join(r.code for r in rules))
def test_the_reckoner_answers_as_reckon_does(rules: list[RetentionRule]):
    rng = random.Random(9)  # noqa: S311 - reproducible test data, not secrets
    read = needs(rules)
    codes = tuple(sorted(read.events))
    flags = sorted(read.flags | {"looked-after", "licence"})
    longer = frozenset(flags[::2])
    reckoner = Reckoner(rules, codes, longer)
    for _ in range(3000):
        values = [_value(rng) for _ in codes]
        holding = frozenset(f for f in flags if rng.random() < 0.3)
        unknown = frozenset(f for f in flags if f not in holding and rng.random() < 0.3)
        expected = reckon(
            rules, Facts(dict(zip(codes, values, strict=True)), holding, unknown, longer)
        )
        assert _answer(reckoner.values(values, holding, unknown)) == _answer(expected), values


def test_example_rules_are_among_those_checked():
    # The forms of docs/adr/0016's example (relatives' birthdays, goes-with) are in the packs
    # checked above only through Cambridgeshire's file plus EXAMPLE: check them too.
    rules = [RetentionRule.model_validate(r) for r in EXAMPLE["retention"]]
    rng = random.Random(16)  # noqa: S311 - reproducible test data, not secrets
    for unit_rules in ([rules[0]], [rules[1]], [rules[2], rules[3]]):
        codes = tuple(sorted(needs(unit_rules).events))
        reckoner = Reckoner(unit_rules, codes)
        for _ in range(500):
            values = [_value(rng) for _ in codes]
            expected = reckon(unit_rules, Facts(dict(zip(codes, values, strict=True))))
            assert _answer(reckoner.values(values, frozenset())) == _answer(expected)


POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: COPY, and a writer thread"
)


@POSTGRES_ONLY
def test_copy_text_keeps_awkward_text_whole(yos: Any):
    yos.full_case(yos.person(born=date(2000, 1, 1)), closed_on=date(2020, 1, 1))
    today, now = timezone.localdate(), timezone.now()
    packs, holds = planner.Packs(), planner.Holds.load()
    (case_file,) = planner.propose_case_files(planner.Scope(0, 10**9), packs, holds, today, now)
    awkward = "tab\there, new\nline, return\r, back\\slash \\N and \\t, é"
    case_file.values.update(note=awkward, held_by=awkward[::-1], service="a\\b\tc")
    assert writing._insert_copy([case_file])
    stored = RetentionUnit.objects.get(kind="case-file")
    assert (stored.note, stored.held_by, stored.service) == (awkward, awkward[::-1], "a\\b\tc")
    assert stored.keep_until == case_file.values["keep_until"]
    assert stored.computed_at == now


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_writes_in_a_thread_decide_as_writes_in_the_transaction(erased_log: None):
    from safehold.retention import services as retention_services
    from safehold.rights import services as rights_services
    from tests.retention.conftest import make_place

    yos = make_place("cambridgeshire-yos")
    people = []
    for i in range(40):
        person = yos.person(born=date(1990 + i % 15, 1 + i % 12, 1 + i % 28))
        if i % 4 == 0:
            yos.flag(person, "looked-after")
        case = yos.full_case(person, closed_on=date(2010 + i % 12, 3, 31)) if i % 3 else None
        if i % 3 == 0:
            yos.case(person, closed_on=None if i % 2 else date(2012, 1, 1))
        people.append((person, case))
    # What suspends disposal: a hold on a case, one on a person, open rights requests (one of
    # them for restriction).
    review = date(2030, 1, 1)
    retention_services.place_hold(by=yos.dpo, reason="Inquiry", review_on=review, case=people[1][1])
    retention_services.place_hold(by=yos.dpo, reason="Claim", review_on=review, person=people[2][0])
    rights_services.receive(people[4][0], "access", received_on=date(2026, 1, 1))
    rights_services.receive(people[5][0], "restriction", received_on=date(2026, 1, 1))
    decided = "kind", "key", "rule", "action", "basis", "keep_until", "held_by", "status", "note"

    planner.plan(chunk=7)  # outside a transaction: each chunk written by the writer thread
    threaded = set(RetentionUnit.objects.values_list(*decided))
    assert any(held for *_, held, _, _ in threaded)
    RetentionUnit.objects.all().delete()
    with transaction.atomic():  # inside one: written at once, in it, as before
        planner.plan(chunk=7)
    assert set(RetentionUnit.objects.values_list(*decided)) == threaded


def _unit_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'retention_unit'")
        return {name for (name,) in cursor.fetchall()}


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_first_plan_builds_the_indexes_after_and_a_stopped_one_is_mended(erased_log: None):
    from tests.retention.conftest import make_place

    yos = make_place("cambridgeshire-yos")
    for i in range(12):
        yos.case(yos.person(born=date(1990 + i, 1, 1)), closed_on=date(2012, 1, 1))
    wanted = {i.name for i in RetentionUnit._meta.indexes}
    assert wanted <= _unit_indexes()
    partial = {i.name for i in RetentionUnit._meta.indexes if i.condition is not None}
    dropped: list[set[str]] = []

    def progress(what: str, done: int, total: int) -> None:
        dropped.append(wanted - _unit_indexes())

    planner.plan(chunk=5, progress=progress)  # from nothing, outside a transaction
    # The indexes over every unit are built once, at the end, not row by row; the partial
    # ones, which no new unit enters, stay (the people's plan reads through one).
    assert dropped[0] == wanted - partial == {"retention_unit_queue", "retention_unit_due"}
    assert wanted <= _unit_indexes()
    assert RetentionUnit.objects.filter(kind="case-file").count() == 12

    # A first plan stopped half way leaves an index missing: the next plan builds it first.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX retention_unit_queue")
    again = planner.plan()
    assert wanted <= _unit_indexes()
    assert again.written == 0
    # Built as the migration built it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'retention_unit_queue'")
        (definition,) = cursor.fetchone()
    assert "(controller_id, status, rule)" in definition


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_recorded_events_read_ahead_decide_as_in_the_transaction(erased_log: None):
    # The whole plan reads each next chunk in a thread of its own (ADR 0038), the dates staff
    # record among what it reads (ADR 0039): the same units as the plan inside a transaction.
    import yaml

    from safehold.policy.services import load_pack
    from safehold.sharing.models import RecordedEvent
    from tests.builders import PACKS
    from tests.retention.conftest import place_of

    data = yaml.safe_load((PACKS / "cambridgeshire-yos.yaml").read_text())
    data.setdefault("events", []).extend(
        [
            {"code": "panel-met", "name": "The referral panel met", "of": "case"},
            {"code": "moved-school", "name": "Moved to another school", "of": "person"},
        ]
    )
    for code, unit, event in (
        ("after-panel", "case-file", "panel-met"),
        ("after-move", "case-file", "moved-school"),
        ("flags-after-move", "non-case-file", "moved-school"),
    ):
        data["retention"].append(
            {
                "code": code,
                "name": code,
                "statement": f"Kept for 2 years after {event}.",
                "unit": unit,
                "keep": {"for": "2 years", "after": event},
                "action": "destroy",
            }
        )
    place = place_of(load_pack(yaml.safe_dump(data, sort_keys=False).encode()).version)
    for i in range(40):
        person = place.person(born=date(1990 + i % 15, 1 + i % 12, 1 + i % 28))
        place.flag(person, "looked-after", holds=i % 4 == 0)
        place.flag(person, "child-protection-plan", holds=False)
        case = place.case(person, closed_on=date(2010 + i % 12, 3, 31))
        if i % 3 == 0:
            RecordedEvent.objects.create(
                person=person, case=case, event="panel-met", on=date(2012, 5, 1 + i % 20)
            )
        if i % 2 == 0:
            RecordedEvent.objects.create(
                person=person, event="moved-school", on=date(2013, 6, 1 + i % 20)
            )
    decided = "kind", "key", "rule", "basis", "keep_until", "status", "note", "anchors"

    def units() -> list[tuple[Any, ...]]:
        return sorted(
            (*row[:-1], sorted(row[-1].items(), key=str))
            for row in RetentionUnit.objects.values_list(*decided)
        )

    planner.plan(chunk=7)  # outside a transaction: read ahead and written in threads
    threaded = units()
    dated = [row for row in threaded if dict(row[-1]).get("panel-met") not in (None, "to-come")]
    assert len(dated) == 14 and any(
        dict(row[-1]).get("moved-school") == "to-come" for row in threaded
    )
    RetentionUnit.objects.all().delete()
    with transaction.atomic():
        planner.plan(chunk=7)
    assert units() == threaded
