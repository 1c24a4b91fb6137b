"""Signing staff in: Django's ModelBackend, with what every staff page asks next read in the
same query as the member of staff.

Every signed-in request loads its user; the gate and the page's layout then ask for the
controller's pack version, for the user's break-glass grants in force and (for any distance
but their own cases) for their teams (docs/adr/0019: once per request, through
`safehold.requestmemo`). Here the user's row comes with the pack version's name
(`policy.selectors.controller_version` reads no more), whether any grant is in force (when
none is, the grants are known to be none without a second query) and their teams with each
team's services, as JSON (docs/adr/0030). All are remembered for the request only, so
nothing is read stale across requests.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Exists, F, OuterRef
from django.db.models.expressions import RawSQL

from safehold import requestmemo
from safehold.access.models import BreakGlass, Team, User
from safehold.access.selectors import TEAMS
from safehold.policy.models import PackVersion

PACK_VERSION_FIELDS = ("id", "pack_code", "version", "digest")

# The user's teams as one JSON text, [[team id, [service, ...]], ...], in a subquery of the
# user's row: `[]` for none. The services are a JSON column, put in as JSON, not as text.
TEAMS_JSON = {
    "sqlite": "SELECT JSON_GROUP_ARRAY(JSON_ARRAY(t.{id}, JSON(t.{services})))",
    "postgresql": "SELECT COALESCE(JSON_AGG(JSON_BUILD_ARRAY(t.{id}, t.{services})), '[]')::text",
}


def _teams_json() -> RawSQL | None:
    select = TEAMS_JSON.get(connection.vendor)
    if select is None:
        return None  # another database: the gate reads the teams itself when it needs them
    q = connection.ops.quote_name
    through = User.teams.through._meta
    sql = (
        select.format(id=q("id"), services=q("services"))
        + f" FROM {q(Team._meta.db_table)} t INNER JOIN {q(through.db_table)} m"
        + f" ON m.{q('team_id')} = t.{q('id')}"
        + f" WHERE m.{q('user_id')} = {q(User._meta.db_table)}.{q('id')}"
    )
    return RawSQL(sql, ())  # noqa: S611 - names from the models, no values


class StaffBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        teams = _teams_json()
        found = (
            User._default_manager.annotate(
                glass_now=Exists(BreakGlass.objects.in_force().filter(user_id=OuterRef("pk"))),
                **{f"pack_{n}": F(f"controller__pack_version__{n}") for n in PACK_VERSION_FIELDS},
                **({"teams_json": teams} if teams is not None else {}),
            )
            .filter(pk=user_id)
            .first()
        )
        if found is None or not self.user_can_authenticate(found):
            return None
        values = [getattr(found, f"pack_{n}") for n in PACK_VERSION_FIELDS]
        if found.controller_id is not None and values[0] is not None:
            version = PackVersion.from_db(None, list(PACK_VERSION_FIELDS), values)
            requestmemo.remember(("controller_version", found.controller_id), lambda: version)
        if not found.glass_now:
            requestmemo.remember(("glass_in_force", found.pk), list)
        if teams is not None:
            listed = json.loads(found.teams_json)  # type: ignore[attr-defined]
            pairs = sorted(((pk, services) for pk, services in listed), key=lambda t: t[0])
            requestmemo.remember((TEAMS, found.pk), lambda: pairs)
        return found
