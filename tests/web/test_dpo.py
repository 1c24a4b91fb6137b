"""The data protection officer's home: what waits for them, counted in a few queries, with
links to where it is done; and where each role lands from the service's root."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safehold.access.models import BreakGlass, User
from safehold.retention import planner, services
from safehold.retention.models import RetentionUnit
from safehold.rights import services as rights
from safehold.web.staff import optional_url
from tests.retention.conftest import Place, due_case, make_place
from tests.web.casework import count_queries

NAME = "Quillfeather"


@pytest.fixture
def yos(db: None) -> Place:
    return make_place("cambridgeshire-yos")


def html(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def row(body: str, key: str) -> str:
    """The value of the summary list row with this key, as HTML."""
    start = body.index(key)
    return body[start : body.index("</div>", start)]


def busy(yos: Place, n: int) -> None:
    """`n` of everything the DPO's home counts."""
    today = timezone.localdate()
    officer = yos.staff("youth-justice-officer")
    for _ in range(n):
        due_case(yos, person=yos.person(born=date(1990, 5, 1), family_name=NAME))
        case = due_case(yos)  # held, below, so not due
        yos.case(yos.person(born=None), closed_on=date(2020, 1, 1))  # a gap: no date of birth
        soon = yos.person(born=date(today.year - 25, today.month, 1) + timedelta(days=95))
        yos.case(soon, closed_on=date(2020, 1, 1))  # falls due within 24 months
        services.place_hold(
            by=yos.dpo, reason="Claim pending", review_on=today - timedelta(days=1), case=case
        )
        BreakGlass.objects.create(
            user=officer, case=case, reason="Urgent welfare", expires_at=timezone.now()
        )
        rights.receive(case.person, "access", received_on=today - timedelta(days=10), by=yos.dpo)
    planner.plan()


def test_the_dpo_home_counts_what_waits_with_links(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    busy(yos, 2)
    # One use is reviewed already.
    BreakGlass.objects.filter(pk=BreakGlass.objects.first().pk).update(  # type: ignore[union-attr]
        reviewed_at=timezone.now(), reviewed_by=yos.dpo
    )
    body = html(verified_client(yos.dpo), "/data-protection/")
    assert NAME not in body
    due = RetentionUnit.objects.due().count()
    assert due  # the long-closed cases are due (the held ones are not)
    assert f'href="/retention/queue/">{due} items' in row(body, "Due for review")
    # The two without a date of birth.
    assert 'href="/retention/#gaps">2 items' in row(body, "No retention period")
    assert 'href="/retention/#due">2 items' in row(body, "Falling due in the next 24 months")
    assert 'href="/retention/holds/">2 holds' in row(body, "In force")
    assert 'href="/retention/holds/">2 holds' in row(body, "Review date reached")
    review = optional_url("web:break-glass-review")  # a link only once the list is routed
    assert (f'href="{review}">1 use' if review else "1 use") in row(body, "Not yet reviewed")
    # Received 10 days ago: due in about three weeks, two of them, soonest first.
    assert 'href="/data-protection/requests/?show=all">2 requests' in row(body, "All open")
    assert "No requests" in row(body, "Overdue")
    assert "Right of access" in body
    assert "Data protection" in body  # the navigation marks it


def test_the_dpo_home_without_work_and_without_rights_requests(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    body = html(verified_client(yos.dpo), "/data-protection/")
    assert "No items" in body and "No holds" in body and "No uses" in body
    assert "No requests" in row(body, "All open")
    assert "Soonest due" not in body  # the table appears only when there are some


def test_only_the_dpo_has_a_home_here(
    yos: Place, verified_client: Callable[[User], Client], client: Client
) -> None:
    assert client.get("/data-protection/").status_code == 302  # to sign in
    for role in ("youth-justice-officer", "team-manager"):
        body = html(verified_client(yos.staff(role)), "/data-protection/", status=403)
        assert "for the data protection officer" in body


def test_the_dpo_home_costs_the_same_queries_however_much_waits(
    yos: Place, verified_client: Callable[[User], Client], django_assert_num_queries
) -> None:
    client = verified_client(yos.dpo)
    busy(yos, 1)
    html(client, "/data-protection/")
    few = count_queries(lambda: html(client, "/data-protection/"))
    busy(yos, 4)
    with django_assert_num_queries(few):
        html(client, "/data-protection/")


# --- where each role lands ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "landing", "nav", "not_nav"),
    [
        ("youth-justice-officer", None, ["/caseload/"], ["/team/", "/data-protection/"]),
        ("team-manager", "/team/", ["/team/"], ["/caseload/", "/data-protection/"]),
        (
            "data-protection-officer",
            "/data-protection/",
            ["/data-protection/", "/retention/"],
            ["/caseload/", "/team/"],
        ),
    ],
)
def test_the_root_sends_each_role_to_its_work(
    yos: Place,
    verified_client: Callable[[User], Client],
    role: str,
    landing: str | None,
    nav: list[str],
    not_nav: list[str],
) -> None:
    user = yos.dpo if role == "data-protection-officer" else yos.staff(role)
    client = verified_client(user)
    response = client.get("/")
    if landing is None:  # a case worker's caseload is the root itself
        assert response.status_code == 200 and "My caseload" in response.content.decode()
        body = response.content.decode()
    else:
        assert (response.status_code, response["Location"]) == (302, landing)
        body = html(client, landing)
    navigation = body[body.index("govuk-service-navigation") : body.index("</nav>")]
    for path in nav:
        assert f'href="{path}"' in navigation, path
    for path in not_nav:
        assert f'href="{path}"' not in navigation, path


def test_a_head_of_service_who_allocates_and_manages_policy_lands_on_the_team_caseload(
    db: None, verified_client: Callable[[User], Client]
) -> None:
    yps = make_place("luton-yps")  # its DPO role is the head of service
    client = verified_client(yps.dpo)
    assert client.get("/")["Location"] == "/team/"
    navigation = html(client, "/team/")
    assert 'href="/data-protection/"' in navigation and 'href="/caseload/"' not in navigation
    assert html(client, "/data-protection/")


def test_the_conformance_page_lists_every_statement_with_its_proof(
    yos: Place, verified_client: Callable[[User], Client], client: Client
) -> None:
    from safehold.policy.conformance import conformance
    from safehold.policy.selectors import controller_pack

    report = conformance(controller_pack(yos.dpo.controller_id))
    home = html(verified_client(yos.dpo), "/data-protection/")
    assert 'href="/data-protection/conformance/"' in home
    assert f"How the notice is enforced</a>: {report.summary}." in home

    body = html(verified_client(yos.dpo), "/data-protection/conformance/")
    assert body.count('<tr class="govuk-table__row">') == len(report.statements) + 1
    assert "commitment:minimum-necessary" in body
    assert "<code>tests/access/test_gate.py::test_every_role_category_and_distance</code>" in body
    # Sharing is enforced (docs/adr/0020); what is still stated only says why.
    assert "Accepted: statistics and research extracts not yet built" in body
    # Cambridgeshire's 25 years is assumed, and shown so to the DPO with the pack's reason.
    assert re.search(r'govuk-tag--grey">\s*Assumed\s*</strong>', body)
    assert "The notice says &#34;25 years&#34; without an anchor" in body
    assert client.get("/data-protection/conformance/").status_code == 302
    for role in ("youth-justice-officer", "team-manager"):
        html(verified_client(yos.staff(role)), "/data-protection/conformance/", status=403)
