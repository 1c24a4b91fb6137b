"""The sign-in backend loads each request's member of staff by a query compiled once
(docs/adr/0031): it must answer what the query built afresh answers, for the user and the
moment asked about, not those it was compiled with."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from safehold import requestmemo
from safehold.access import selectors
from safehold.access.backends import StaffBackend, _compiled, staff_query
from safehold.access.models import BreakGlass, User
from tests.access.conftest import World

FIELDS = ("pk", "username", "role", "controller_id", "is_active", "last_login", "date_joined")
ANNOTATIONS = ("glass_now", "pack_id", "pack_pack_code", "pack_version", "pack_digest")


def assert_same(found: User | None, built: User | None) -> None:
    assert (found is None) == (built is None)
    if found is None or built is None:
        return
    for name in FIELDS:
        assert getattr(found, name) == getattr(built, name), name
    for name in ANNOTATIONS:
        assert bool(getattr(found, name)) == bool(getattr(built, name)), name
        if name != "glass_now":
            assert getattr(found, name) == getattr(built, name), name


def test_the_compiled_query_answers_as_the_query_built_afresh(cambridgeshire: World) -> None:
    now = timezone.now()
    officer = cambridgeshire.staff("youth-justice-officer")
    officer.last_login = now - timedelta(days=1)
    officer.save()
    other = cambridgeshire.staff("team-manager")
    case = cambridgeshire.case(team=cambridgeshire.other_team)
    BreakGlass.objects.create(
        user=officer, case=case, reason="Missing tonight", expires_at=now + timedelta(hours=1)
    )
    for user_id in (officer.pk, other.pk, officer.pk + other.pk + 1000):
        for at in (now, now + timedelta(hours=2)):  # the grant in force, then expired
            found = next(iter(_compiled().run(user_id, at)), None)
            assert_same(found, staff_query(user_id, at).first())
    in_force = next(iter(_compiled().run(officer.pk, now)))
    assert in_force.glass_now  # type: ignore[attr-defined]
    expired = next(iter(_compiled().run(officer.pk, now + timedelta(hours=2))))
    assert not expired.glass_now  # type: ignore[attr-defined]


def test_get_user_remembers_the_pack_and_no_glass_for_the_request(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    with requestmemo.scope():
        user = StaffBackend().get_user(str(officer.pk))  # as the session holds it
        assert user is not None and user.pk == officer.pk
        assert selectors.glass_in_force(user) == []
    assert StaffBackend().get_user("not a number") is None
    officer.is_active = False
    officer.save()
    assert StaffBackend().get_user(officer.pk) is None
