"""The case-level return page (web/statistics.py): the DPO releases a return for a quarter as
CSV through the gate's export check, one export audit entry per order released; a role that
may not export is refused (audited), and the page itself names no one."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from safehold.audit.models import AuditEvent
from safehold.records.models import Outcome
from tests.access.conftest import World
from tests.sharing.conftest import variant
from tests.statistics.test_returns import declaring_yjb


@pytest.fixture
def yjb(cambridgeshire: World) -> World:
    """Cambridgeshire with the Youth Justice Board declared, to whom the return goes."""
    return variant(cambridgeshire, declaring_yjb)


def test_the_dpo_downloads_a_return_and_each_order_is_audited(yjb: World, verified_client) -> None:
    dpo = yjb.staff("data-protection-officer")
    person = yjb.person(given_name="Zephyrine", family_name="Quillfeather")
    case = yjb.case(person=person, opened_on=date(2026, 1, 5))
    Outcome.objects.create(
        case=case,
        kind="yro",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 8, 31),
        pack_version_id=yjb.version_id,
    )
    client: Client = verified_client(dpo)
    page = client.get("/statistics/returns/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Quillfeather" not in text and "Download the return" in text
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    response = client.post("/statistics/returns/", {"code": "yjb-case-level", "period": "2026Q3"})
    assert response.status_code == 200, response.content.decode()[:3000]
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert len(body.strip().splitlines()) == 2  # the header and the one order
    exports = AuditEvent.objects.filter(seq__gt=before, action="export", actor_id=dpo.pk)
    assert list(exports.values_list("case_id", flat=True)) == [case.pk]


def test_a_role_that_may_not_export_is_refused_and_audited(yjb: World, verified_client) -> None:
    manager = yjb.staff("team-manager")
    client: Client = verified_client(manager)
    page = client.get("/statistics/returns/").content.decode()
    assert "may not release a case-level return" in page
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    response = client.post("/statistics/returns/", {"code": "yjb-case-level", "period": "2026Q3"})
    assert response.status_code == 403
    assert "You cannot release this return" in response.content.decode()
    refused = AuditEvent.objects.filter(seq__gt=before, actor_id=manager.pk)
    assert list(refused.values_list("action", flat=True)) == ["refuse"]
