"""My caseload, the team caseload and allocation: who may see which, filtering, sorting and
paging in SQL, the audit of every case listed, and the same queries whatever the list."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from safehold.access.models import User
from safehold.audit.models import Action, AuditEvent
from safehold.records.models import Case, PersonFlag
from safehold.web import cases
from tests.access.conftest import World
from tests.web.casework import count_queries, luton_world, make_case


@pytest.fixture
def officer(cambridgeshire: World) -> User:
    return cambridgeshire.staff("youth-justice-officer", username="casey")


@pytest.fixture
def manager(cambridgeshire: World) -> User:
    return cambridgeshire.staff("team-manager", username="morgan")


def html_of(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


# --- my caseload ----------------------------------------------------------------------------


def test_caseload_lists_my_open_cases_and_links_to_the_person(
    cambridgeshire: World, officer: User, verified_client
) -> None:
    mine = cambridgeshire.case(
        allocated_to=officer, person=cambridgeshire.person(given_name="Jordan")
    )
    cambridgeshire.case(person=cambridgeshire.person(given_name="Teamcase"))
    cambridgeshire.case(
        allocated_to=officer,
        person=cambridgeshire.person(given_name="Closedcase"),
        closed_on=date(2025, 3, 1),
    )
    client = verified_client(officer)
    for url in ("/",):
        html = html_of(client, url)
        assert f'href="/people/{mine.person_id}/"' in html
        assert "Jordan Example" in html and "1 May 2009" in html
        assert "Teamcase" not in html and "Closedcase" not in html
        assert "1 case" in html
    # Every case listed is audited, as a list, under the young person's id.
    events = AuditEvent.objects.filter(actor=officer, action=Action.LIST)
    assert set(events.values_list("case_id", "person_id")) == {(mine.pk, mine.person_id)}


def test_caseload_needs_the_second_factor(officer: User, unverified_client) -> None:
    response = unverified_client(officer).get("/")
    assert response.status_code == 302 and "/sign-in/two-factor/" in response["Location"]


def test_caseload_filters_sorts_and_pages(
    cambridgeshire: World, officer: User, verified_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cases, "PER_PAGE", 2)
    services = [s.code for s in cambridgeshire.pack.services]
    for i, family in enumerate(["Cole", "Adams", "Brown"]):
        make_case(
            cambridgeshire,
            allocated_to=officer,
            person=cambridgeshire.person(family_name=family),
            service=services[i % 2],
        )
    flagged = cambridgeshire.case(
        allocated_to=officer,
        person=cambridgeshire.person(family_name="Fox"),
        closed_on=date(2025, 6, 1),
    )
    PersonFlag.objects.create(person=flagged.person, flag="looked-after")
    client = verified_client(officer)

    html = html_of(client, "/")
    assert html.index("Adams") < html.index("Brown") and "Cole" not in html  # page 1 of 2
    assert 'aria-sort="ascending"' in html and 'value="-name"' in html
    assert 'class="govuk-pagination' in html and "?page=2" in html
    html = html_of(client, "/?page=2")
    assert "Cole" in html and "Adams" not in html
    html = html_of(client, "/?sort=-name")
    assert html.index("Cole") < html.index("Brown") and 'aria-sort="descending"' in html
    html = html_of(client, f"/?service={services[1]}")
    assert "Adams" in html and "Cole" not in html and "Selected filters" in html
    html = html_of(client, "/?name=col")
    assert "Cole" in html and "Adams" not in html
    html = html_of(client, "/?status=all&flag=looked-after")
    assert "Fox" in html and "Cole" not in html and "Closed" in html
    html = html_of(client, "/?name=nobody")
    assert "No cases match these filters" in html


def test_caseload_offers_no_filter_the_role_may_not_use(db: None, verified_client) -> None:
    luton = luton_world()
    worker = luton.staff("youth-worker")  # reads no care status (flags)
    luton.case(allocated_to=worker)
    client = verified_client(worker)
    html = html_of(client, "/")
    assert 'name="flag"' not in html and 'name="name"' in html
    html = html_of(client, "/?flag=looked-after")
    assert "Your role cannot filter by this" in html and "care-status" in html


def test_caseload_queries_do_not_grow_with_the_list(
    cambridgeshire: World, officer: User, verified_client, django_assert_num_queries
) -> None:
    client = verified_client(officer)
    cambridgeshire.case(allocated_to=officer)
    html_of(client, "/")  # the first append creates the chain head
    few = count_queries(lambda: html_of(client, "/?sort=date_of_birth"))
    # Issue 9 asks for 10. Today 8: the session, the user (with the pack version, whether any
    # break-glass is in force and their teams: safehold/access/backends.py) and the second
    # factor; the page with its total (COUNT OVER); the alerts' flags; one audit append of 3
    # for the list and the alerts together (gate/batching.py). The session is written only
    # when its clock has run down (web/sessions.py).
    assert few <= 8, few
    for _ in range(12):
        cambridgeshire.case(allocated_to=officer)
    with django_assert_num_queries(few):
        html = html_of(client, "/?sort=date_of_birth")
    assert "13 cases" in html


def test_a_user_of_no_controller_is_refused(db: None, verified_client) -> None:
    nobody = User.objects.create(username="visitor")
    html = html_of(verified_client(nobody), "/", status=403)
    assert "only staff of a controller" in html


# --- the team caseload and allocation -------------------------------------------------------


def test_team_caseload_is_for_roles_that_allocate(
    cambridgeshire: World, officer: User, manager: User, verified_client
) -> None:
    held = cambridgeshire.case(
        allocated_to=officer, person=cambridgeshire.person(given_name="Held")
    )
    waiting = cambridgeshire.case(person=cambridgeshire.person(given_name="Waiting"))
    cambridgeshire.case(
        team=cambridgeshire.other_team, person=cambridgeshire.person(given_name="Southern")
    )
    html = html_of(verified_client(manager), "/team/")
    assert "Held Example" in html and "Waiting Example" in html and "Southern" not in html
    assert "casey" in html and "Not allocated" in html
    assert f'href="/team/cases/{waiting.pk}/allocate/"' in html
    assert f'href="/team/cases/{held.pk}/allocate/"' in html
    assert 'href="/team/"' in html  # the navigation offers it
    html = html_of(verified_client(officer), "/team/", status=403)
    assert "does not allocate cases" in html


def test_team_caseload_puts_unallocated_cases_first_and_filters_by_allocation(
    cambridgeshire: World, officer: User, manager: User, verified_client
) -> None:
    for family in ("Adams", "Brown"):
        cambridgeshire.case(allocated_to=officer, person=cambridgeshire.person(family_name=family))
    for family in ("Young", "Zeller"):
        cambridgeshire.case(person=cambridgeshire.person(family_name=family))
    cambridgeshire.case(
        person=cambridgeshire.person(family_name="Closed"), closed_on=date(2025, 2, 1)
    )
    client = verified_client(manager)
    html = html_of(client, "/team/")
    order = [html.index(f"Sam {family}") for family in ("Young", "Zeller", "Adams", "Brown")]
    assert order == sorted(order)  # waiting first, then by name
    assert "2 cases are waiting for allocation" in html
    assert 'href="?allocation=unallocated"' in html
    assert 'name="allocation"' in html  # the filter offers it
    # Each worker's open caseload, where the manager allocates; not the manager's own.
    caseloads = html[html.index('id="caseloads"') :]
    assert "casey" in caseloads and ">2<" in caseloads and "morgan" not in caseloads
    html = html_of(client, "/team/?allocation=unallocated")
    assert "Sam Young" in html and "Sam Zeller" in html and "Sam Adams" not in html
    assert "2 cases" in html and "Not allocated" in html  # a selected filter, removable
    html = html_of(client, "/team/?allocation=allocated&sort=-name")
    assert html.index("Sam Brown") < html.index("Sam Adams") and "Sam Young" not in html
    # A value that is not a choice is ignored; my caseload has no such filter.
    assert "Sam Young" in html_of(client, "/team/?allocation=bogus")
    assert 'name="allocation"' not in html_of(verified_client(officer), "/caseload/")


def test_team_caseload_queries_do_not_grow_with_the_list(
    cambridgeshire: World, manager: User, verified_client, django_assert_num_queries
) -> None:
    client = verified_client(manager)
    cambridgeshire.case()
    html_of(client, "/team/")
    few = count_queries(lambda: html_of(client, "/team/"))
    for _ in range(5):
        cambridgeshire.case(allocated_to=manager)
        cambridgeshire.case(allocated_to=cambridgeshire.staff("youth-justice-officer"))
        cambridgeshire.case()  # waiting for allocation
    with django_assert_num_queries(few):
        html = html_of(client, "/team/")
    assert "6 cases are waiting for allocation" in html
    with django_assert_num_queries(few):
        html_of(client, "/team/?allocation=unallocated&sort=-opened")


def test_a_manager_allocates_and_reallocates(
    cambridgeshire: World, officer: User, manager: User, verified_client
) -> None:
    case = cambridgeshire.case(person=cambridgeshire.person(given_name="Waiting"))
    client = verified_client(manager)
    cambridgeshire.staff("data-protection-officer", username="dana")
    cambridgeshire.case(allocated_to=officer)
    html = html_of(client, f"/team/cases/{case.pk}/allocate/")
    assert "Waiting Example" in html and "casey" in html
    # Only those whose role holds cases, each with their current caseload.
    assert "dana" not in html and f'value="{manager.pk}"' not in html
    assert "Holds 1 open case" in html
    response = client.post(f"/team/cases/{case.pk}/allocate/", {"worker": officer.pk})
    assert response.status_code == 302 and response["Location"] == "/team/"
    case.refresh_from_db()
    assert case.allocated_to == officer
    html = html_of(client, "/team/")
    assert f"Case C{case.pk} (Waiting Example) is now held by casey" in html
    assert AuditEvent.objects.filter(action=Action.UPDATE, case_id=case.pk).count() == 1
    other = cambridgeshire.staff("youth-justice-officer", username="robin")
    response = client.post(f"/team/cases/{case.pk}/allocate/", {"worker": other.pk})
    case.refresh_from_db()
    assert case.allocated_to == other


def test_allocation_errors_and_refusals(
    cambridgeshire: World, officer: User, manager: User, verified_client
) -> None:
    case = cambridgeshire.case()
    theirs = cambridgeshire.case(team=cambridgeshire.other_team)
    client = verified_client(manager)
    response = client.post(f"/team/cases/{case.pk}/allocate/", {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and 'href="#id_worker"' in html
    assert "Select who should hold this case" in html
    html = html_of(client, f"/team/cases/{theirs.pk}/allocate/", status=403)
    assert "team that is not yours" in html
    response = verified_client(officer).post(
        f"/team/cases/{case.pk}/allocate/", {"worker": officer.pk}
    )
    assert response.status_code == 403 and "does not allocate cases" in response.content.decode()
    assert Case.objects.get(pk=case.pk).allocated_to is None
    refusals = AuditEvent.objects.filter(action=Action.REFUSE)
    assert set(refusals.values_list("actor_id", flat=True)) == {manager.pk, officer.pk}


def test_every_page_showing_personal_data_is_audited(
    cambridgeshire: World, officer: User, manager: User, verified_client
) -> None:
    case = cambridgeshire.case(allocated_to=officer)
    pages = [
        (officer, "/", Action.LIST),
        (manager, "/team/", Action.LIST),
        (manager, f"/team/cases/{case.pk}/allocate/", Action.READ),
        (officer, f"/people/{case.person_id}/", Action.READ),
        (officer, f"/people/{case.person_id}/cases/new/", Action.READ),
        *(
            (officer, f"/cases/{case.pk}/{kind}s/new/", Action.READ)
            for kind in ("contact", "assessment", "plan", "offence", "outcome")
        ),
    ]
    for user, url, action in pages:
        before = AuditEvent.objects.filter(actor=user, action=action, person_id=case.person_id)
        count = before.count()
        html_of(verified_client(user), url)
        assert before.count() > count, url


# --- safeguarding and due dates -------------------------------------------------------------


def test_caseload_shows_safeguarding_and_what_is_due(
    cambridgeshire: World, officer: User, verified_client
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from safehold.records.models import PersonFlag, Plan, PlanAction

    today = timezone.localdate()
    flagged = cambridgeshire.case(
        allocated_to=officer, person=cambridgeshire.person(family_name="Flagged")
    )
    PersonFlag.objects.create(person=flagged.person, flag="child-protection-plan")
    late = cambridgeshire.case(
        allocated_to=officer, person=cambridgeshire.person(family_name="Late")
    )
    plan = Plan.objects.create(
        case=late,
        pack_version_id=cambridgeshire.version_id,
        kind="intervention",
        starts_on=today - timedelta(days=30),
    )
    PlanAction.objects.create(plan=plan, description="Call", due_on=today - timedelta(days=2))
    client = verified_client(officer)
    html = html_of(client, "/")
    assert ">Safeguarding<" in html and "Subject of a Child Protection Plan" in html
    assert "Overdue" in html and "Plan action" in html
    html = html_of(client, "/?due=overdue")
    assert "Sam Late" in html and "1 case" in html and "Flagged" not in html
    html = html_of(client, "/?sort=due")
    assert html.index("Late") < html.index("Flagged")
    assert 'name="due"' in html


def test_caseload_with_alerts_and_due_dates_costs_the_same_queries(
    cambridgeshire: World, officer: User, verified_client, django_assert_num_queries
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from safehold.records.models import PersonFlag, Plan, PlanAction

    today = timezone.localdate()

    def flagged_and_due() -> None:
        case = cambridgeshire.case(allocated_to=officer)
        PersonFlag.objects.create(person=case.person, flag="looked-after")
        plan = Plan.objects.create(
            case=case,
            pack_version_id=cambridgeshire.version_id,
            kind="intervention",
            starts_on=today,
            review_on=today + timedelta(days=3),
        )
        PlanAction.objects.create(plan=plan, description="x", due_on=today - timedelta(days=1))

    client = verified_client(officer)
    flagged_and_due()
    html_of(client, "/?sort=due")
    few = count_queries(lambda: html_of(client, "/?sort=due"))
    for _ in range(10):
        flagged_and_due()
    with django_assert_num_queries(few):
        html = html_of(client, "/?sort=due")
    assert html.count("Overdue") >= 11


def test_allocation_queries_do_not_grow_with_the_team(
    cambridgeshire: World, manager: User, verified_client, django_assert_num_queries
) -> None:
    case = cambridgeshire.case()
    client = verified_client(manager)
    cambridgeshire.staff("youth-justice-officer")
    html_of(client, f"/team/cases/{case.pk}/allocate/")
    few = count_queries(lambda: html_of(client, f"/team/cases/{case.pk}/allocate/"))
    for _ in range(5):
        worker = cambridgeshire.staff("youth-justice-officer")
        cambridgeshire.case(allocated_to=worker)
        cambridgeshire.case(allocated_to=worker, closed_on=date(2025, 2, 1))
    with django_assert_num_queries(few):
        html = html_of(client, f"/team/cases/{case.pk}/allocate/")
    assert html.count("Holds 1 open case") == 5
