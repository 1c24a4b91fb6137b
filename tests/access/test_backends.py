"""`access.backends.StaffBackend`: the user's row comes with what every staff page asks next
(the pack version, whether break-glass is in force, their teams with the services each
delivers), remembered for the request, so the gate reads none of them again."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from safehold import requestmemo
from safehold.access.backends import StaffBackend
from safehold.access.gate import Gate
from safehold.access.models import Team, User
from tests.access.conftest import World


def test_the_teams_come_with_the_user(cambridgeshire: World) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    third = Team.objects.create(
        controller=cambridgeshire.controller, name="East", services=["prevention", "bail"]
    )
    officer.teams.add(cambridgeshire.other_team, third)
    expected = sorted(officer.teams.values_list("pk", "services"))
    assert len(expected) == 3
    with requestmemo.scope():
        with CaptureQueriesContext(connection) as loading:
            user = StaffBackend().get_user(officer.pk)
        assert user is not None and len(loading) == 1
        with CaptureQueriesContext(connection) as deciding:
            gate = Gate(user)
            team_ids, services = gate.team_ids, gate.services
        assert len(deciding) == 0  # the pack version, the grants and the teams: none read
    assert team_ids == [pk for pk, _ in expected]
    assert services == sorted({s for _, codes in expected for s in codes})
    assert "bail" in services
    # Outside a request, read as before, and the same.
    fresh = Gate(User.objects.get(pk=officer.pk))
    assert (fresh.team_ids, fresh.services) == (team_ids, services)


def test_a_user_of_no_team_has_none(cambridgeshire: World) -> None:
    loner = User.objects.create(
        username="loner", role="youth-justice-officer", controller=cambridgeshire.controller
    )
    with requestmemo.scope():
        user = StaffBackend().get_user(loner.pk)
        assert user is not None
        with CaptureQueriesContext(connection) as deciding:
            gate = Gate(user)
            assert (gate.team_ids, gate.services) == ([], [])
        assert len(deciding) == 0
