"""The gate's matrix through the API: every role x data category x relationship to the case x
action (list, read, write, export), for every shipped pack.

The expected outcome of each cell is derived here from the pack's grants (`tests/access/
test_gate.may`), not from the gate's own policy code; every allowed response must leave an
allowed audit event and every refusal a refused one. A withheld field's raw value must appear
nowhere in the answer; tests/api/test_withheld_values.py searches every answer and page for
every withheld value, and tries every filter. The matrix runs for a token and for the browser's
session: break-glass is the person's at the browser, never a token's. A statistics-only role reaches no one,
whatever its grants: the matrix runs again on each pack that has one, with that role given
every grant there is.
"""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from safehold.access.gate import Gate
from safehold.audit.models import AuditEvent
from safehold.policy.schema import Pack, Role
from safehold.records.fields import RECORD_FIELDS
from safehold.records.models import Case, Contact
from tests.access.conftest import World
from tests.access.test_gate import category_of, may, sees_case
from tests.api.conftest import session_api, token_api

WHERE = ("allocated", "same-team", "other-team", "break-glass")


def reach(role: Role, where: str, action: str, caller: str = "session") -> str:
    """Break-glass reads as if allocated, and never writes or exports beyond true distance.
    A role that may not break glass stands at its true distance (another team's case), and
    so does an API token: break-glass is the person's at the browser, never an integration's."""
    if where == "break-glass":
        glass = role.break_glass and action in {"list", "read"} and caller == "session"
        return "allocated" if glass else "other-team"
    return where


def visible(pack: Pack, role: Role, where: str, caller: str) -> bool:
    return sees_case(pack, role, reach(role, where, "read", caller))


def audited(user_id: int, case: Case, decision: str, after: int) -> bool:
    return AuditEvent.objects.filter(
        actor_id=user_id, case_id=case.pk, decision=decision, seq__gt=after
    ).exists()


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def check_fields(
    pack: Pack, role: Role, action: str, where: str, caller: str, case: Case, body: str
) -> None:
    """Each field is under `values` or under `withheld` as the pack says; and the raw value of
    a withheld field is nowhere in the answer (not copied beside it, not in another field)."""
    shown = json.loads(body)
    for record, obj in (("case", case), ("person", case.person)):
        for name in RECORD_FIELDS[record]:
            allowed = may(
                pack,
                role,
                action,
                category_of(pack, record, name),
                reach(role, where, action, caller),
            )
            assert (name in shown[record]["values"]) == allowed, (role.code, action, where, name)
            assert (name in shown[record]["withheld"]) != allowed, (role.code, action, where, name)
            raw = getattr(obj, name)
            if not allowed and raw not in (None, "") and not isinstance(raw, bool | int):
                assert json.dumps(raw, default=str) not in body, (role.code, action, where, name)


@pytest.mark.parametrize("caller", ["token", "session"])
def test_matrix_through_the_api(world: World, caller: str) -> None:
    run_matrix(world, world.pack.roles, caller)


def test_statistics_roles_with_every_grant_through_the_api(statistics_world: World) -> None:
    roles = [role for role in statistics_world.pack.roles if role.statistics_only]
    assert roles and all(role.grants for role in roles)
    run_matrix(statistics_world, roles, "token")


def run_matrix(world: World, roles: list[Role], caller: str) -> None:
    pack = world.pack
    for role in roles:
        user = world.staff(role.code)
        cases = {
            "allocated": world.case(allocated_to=user),
            "same-team": world.case(allocated_to=None),
            "other-team": world.case(team=world.other_team),
            "break-glass": world.case(team=world.other_team),
        }
        if role.break_glass:
            Gate(user).break_glass(cases["break-glass"].pk, "Urgent safeguarding call from police")
        api = token_api(user) if caller == "token" else session_api(user)

        # list
        page = api.get("/cases", mine="false", open="false", limit=200).json()
        listed = {item["id"] for item in page["items"]}
        if not any(visible(pack, role, where, caller) for where in cases):
            assert page["count"] == 0, (role.code, "count")
        for where, case in cases.items():
            assert (case.pk in listed) == visible(pack, role, where, caller), (
                role.code,
                "list",
                where,
            )

        for where, case in cases.items():
            # read
            before = last_seq()
            response = api.get(f"/cases/{case.pk}")
            if not visible(pack, role, where, caller):
                assert response.status_code == 403, (role.code, "read", where)
                assert audited(user.pk, case, "refused", before)
                continue
            assert response.status_code == 200, (role.code, "read", where)
            assert audited(user.pk, case, "allowed", before)
            check_fields(pack, role, "read", where, caller, case, response.content.decode())

            # write: a contact, all of whose fields must be writable
            before = last_seq()
            body = {"kind": "phone", "occurred_at": timezone.now(), "notes": "Matrix"}
            response = api.post(f"/cases/{case.pk}/contacts", body)
            writable = all(
                may(
                    pack,
                    role,
                    "write",
                    category_of(pack, "contact", f),
                    reach(role, where, "write", caller),
                )
                for f in body
            )
            assert (response.status_code == 201) == writable, (role.code, "write", where)
            assert response.status_code in {201, 403}
            assert audited(user.pk, case, "allowed" if writable else "refused", before)
            assert Contact.objects.filter(case=case).exists() == writable

            # export
            before = last_seq()
            response = api.get(f"/cases/{case.pk}/export")
            exportable = any(
                may(pack, role, "export", c.code, reach(role, where, "export", caller))
                for c in pack.categories
            )
            assert (response.status_code == 200) == exportable, (role.code, "export", where)
            if exportable:
                assert AuditEvent.objects.filter(
                    actor_id=user.pk, case_id=case.pk, action="export", seq__gt=before
                ).exists()
                check_fields(pack, role, "export", where, caller, case, response.content.decode())
            else:
                assert audited(user.pk, case, "refused", before)
