"""The statistics pages: for managers and statistics-only roles, protected figures only,
every view and download audited as an aggregate use, bad filters as GOV.UK errors."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from openpyxl import load_workbook

from safehold.access.models import User
from safehold.audit.models import AuditEvent
from tests.access.conftest import World
from tests.statistics.test_runs import Q3, population, population_like

pytestmark = pytest.mark.django_db

PAGE = "/statistics/open-cases/?period=2026Q3"


@pytest.fixture
def manager(cambridgeshire: World) -> User:
    population(cambridgeshire)
    return cambridgeshire.staff("team-manager")


def test_the_index_lists_every_output(
    manager: User, verified_client: Callable[[User], Client]
) -> None:
    page = BeautifulSoup(verified_client(manager).get("/statistics/").content, "html.parser")
    links = [a["href"] for a in page.select("main a.govuk-link")]
    assert "/statistics/open-cases/" in links and "/statistics/closures/" in links
    nav = [a.get_text(strip=True) for a in page.select(".govuk-service-navigation a")]
    assert "Statistics" in nav


def test_a_manager_sees_the_chart_the_table_and_how_it_was_protected(
    manager: User, verified_client: Callable[[User], Client]
) -> None:
    response = verified_client(manager).get(PAGE)
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == "Open cases: July to September 2026"
    assert (
        page.select_one("svg[role=img] title").get_text().startswith("Open cases each quarter, Oct")
    )
    tables = page.select("table")
    assert len(tables) == 2  # the chart's, and the breakdown
    heads = [th.get_text(strip=True) for th in tables[1].select("thead th")]
    assert heads == ["Service", "Female", "Male", "Total", "Share of the total"]
    rows = {
        tr.select_one("th").get_text(strip=True): [
            td.get_text(strip=True) for td in tr.select("td")
        ]
        for tr in tables[1].select("tbody tr")
    }
    # 5 girls and 6 boys in court orders, 1 and 1 in pre-court: hidden. The pack always
    # shows the overall total (13), so pre-court's total (2) would be 13 less court orders'
    # 11: secondary suppression hides the 11 too, and its share.
    court, pre_court = list(rows)[:2]
    assert rows[court] == ["c", "c", "c", "c"]
    assert rows[pre_court] == ["c", "c", "c", "c"]
    assert rows["Total"] == ["c", "c", "13", "100.0%"]
    assert "Numbers from 1 to 9 are shown as 'c'" in page.get_text()
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.actor_id, event.person_id) == ("aggregate", manager.pk, None)


def test_filters_change_the_table_and_bad_ones_are_errors(
    manager: User, verified_client: Callable[[User], Client]
) -> None:
    client = verified_client(manager)
    page = BeautifulSoup(
        client.get("/statistics/referrals/?period=2026Q3&by=age-band&split=none").content,
        "html.parser",
    )
    heads = [th.get_text(strip=True) for th in page.select("table")[1].select("thead th")]
    assert heads == ["Age at the end of the quarter", "Cases", "Share of the total"]
    before = AuditEvent.objects.count()
    bad = client.get("/statistics/referrals/?period=2026Q9&by=reason")
    assert bad.status_code == 400
    page = BeautifulSoup(bad.content, "html.parser")
    summary = page.select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert "Choose a quarter from the list" in summary
    assert "Choose what the rows show" in summary
    assert AuditEvent.objects.count() == before  # nothing was run
    assert client.get("/statistics/no-such-output/").status_code == 404


def test_downloads_as_csv_and_xlsx(
    manager: User, verified_client: Callable[[User], Client]
) -> None:
    client = verified_client(manager)
    csv = client.get("/statistics/open-cases/csv/?period=2026Q3")
    assert csv["Content-Type"].startswith("text/csv")
    assert 'filename="open-cases-2026Q3.csv"' in csv["Content-Disposition"]
    assert csv.content.decode().splitlines()[0] == "Service,Female,Male,Total"
    xlsx = client.get("/statistics/open-cases/xlsx/?period=2026Q3")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["2026Q3", "By quarter"]
    assert client.get("/statistics/open-cases/pdf/").status_code == 404
    assert AuditEvent.objects.filter(actor_id=manager.pk, action="aggregate").count() == 2


def test_a_case_worker_is_refused_with_the_rule_and_audited(
    cambridgeshire: World, verified_client: Callable[[User], Client]
) -> None:
    worker = cambridgeshire.staff("youth-justice-officer")
    client = verified_client(worker)
    index = client.get("/statistics/")
    assert index.status_code == 403
    assert "neither manages cases nor is for statistics" in index.content.decode()
    for path in (PAGE, "/statistics/open-cases/csv/"):
        response = client.get(path)
        assert response.status_code == 403, path
    refused = AuditEvent.objects.filter(actor_id=worker.pk, decision="refused")
    assert refused.count() == 2


def test_a_statistics_only_role_has_real_outputs(
    statistics_world: World, verified_client: Callable[[User], Client]
) -> None:
    population_like(statistics_world)
    role = next(r for r in statistics_world.pack.roles if r.statistics_only)
    analyst = statistics_world.staff(role.code)
    response = verified_client(analyst).get("/statistics/referrals/?period=2026Q3&split=none")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    total = page.select("table")[1].select("tbody tr")[-1]
    # Twelve referrals in July 2026, all in the first service: published under either rule.
    assert [c.get_text(strip=True) for c in total.select("th, td")] == ["Total", "12", "100.0%"]


def test_the_page_takes_a_constant_number_of_queries(
    cambridgeshire: World,
    verified_client: Callable[[User], Client],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    manager = cambridgeshire.staff("team-manager")
    client = verified_client(manager)
    for i in range(30):
        cambridgeshire.case(
            person=cambridgeshire.person(sex="Female" if i % 3 else "Male"),
            opened_on=date(2026, 7, 1 + i % 28),
        )
    with django_assert_max_num_queries(25):  # type: ignore[operator]
        assert client.get(PAGE + "&by=team").status_code == 200
    assert Q3.code == "2026Q3"
