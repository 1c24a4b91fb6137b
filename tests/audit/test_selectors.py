"""Who has seen this young person's record, and why: one indexed query."""

from __future__ import annotations

import pytest
from django.db import connection

from safehold.audit.models import Action, Decision
from safehold.audit.selectors import actor_history, case_history, who_has_seen
from safehold.audit.services import append
from tests.audit.conftest import entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return (
        django_user_model.objects.create(username="ann.case-manager"),
        django_user_model.objects.create(username="bob.police"),
    )


def test_who_has_seen_a_young_person_answers_who_when_what_why_and_to_whom(
    staff, django_assert_num_queries
) -> None:
    ann, bob = staff
    append([entry(person_id=7, actor_id=ann.pk, actor_label=ann.username)])
    append([entry(person_id=8, actor_id=ann.pk, actor_label=ann.username)])
    append(
        [
            entry(
                person_id=7,
                actor_id=bob.pk,
                actor_label=bob.username,
                action=Action.BREAK_GLASS,
                reason="Missing from home overnight; police need a recent photo.",
                purpose="",
                categories=["identity"],
            ),
            entry(
                person_id=7,
                actor_id=bob.pk,
                actor_label=bob.username,
                action=Action.READ,
                decision=Decision.REFUSED,
                rule="role police may not read health",
                categories=["health"],
            ),
        ]
    )
    append(
        [
            entry(
                person_id=7,
                actor_id=None,
                actor_label="job:sharing",
                action=Action.DISCLOSE,
                recipient="police",
                purpose="safeguarding",
                case_id=None,
            )
        ]
    )

    with django_assert_num_queries(1):
        seen = [
            (e.seq, e.actor.username if e.actor else e.actor_label, e.action, e.decision)
            for e in who_has_seen(7)
        ]
    assert seen == [
        (5, "job:sharing", "disclose", "allowed"),
        (4, "bob.police", "read", "refused"),
        (3, "bob.police", "break-glass", "allowed"),
        (1, "ann.case-manager", "read", "allowed"),
    ]
    latest = who_has_seen(7).first()
    assert latest is not None and latest.recipient == "police" and latest.purpose == "safeguarding"
    glass = who_has_seen(7).get(seq=3)
    assert glass.reason.startswith("Missing from home") and glass.category_codes == ("identity",)
    assert list(who_has_seen(9)) == []


def test_case_and_staff_histories(staff) -> None:
    ann, bob = staff
    append([entry(case_id=1, actor_id=ann.pk), entry(case_id=2, actor_id=bob.pk)])
    append([entry(case_id=1, actor_id=bob.pk)])
    assert [e.seq for e in case_history(1)] == [3, 1]
    assert [e.seq for e in actor_history(bob.pk)] == [3, 2]


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (lambda: who_has_seen(7), "audit_person_at_idx"),
        (lambda: case_history(7), "audit_case_at_idx"),
        (lambda: actor_history(7), "audit_actor_at_idx"),
    ],
)
def test_the_histories_use_their_index(query, index) -> None:
    append([entry(person_id=p, case_id=p) for p in range(50)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # a tiny table would otherwise be scanned
            cursor.execute("SET LOCAL enable_seqscan = off")
    assert index in query().explain()
