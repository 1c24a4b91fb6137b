"""Find a person: the search box on every staff page, and its results page."""

from __future__ import annotations

from datetime import date

from safehold.audit.models import Action, AuditEvent
from tests.access.conftest import World
from tests.web.casework import count_queries


def test_every_staff_page_has_the_search_box(cambridgeshire: World, verified_client) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    client = verified_client(officer)
    for url in ("/", f"/people/{case.person_id}/", "/people/new/", "/people/find/"):
        html = client.get(url).content.decode()
        assert 'action="/people/find/"' in html and 'name="q"' in html, url


def test_finds_by_name_date_of_birth_and_reference(cambridgeshire: World, verified_client) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    person = cambridgeshire.person(
        given_name="Marcus", family_name="Okonkwo", date_of_birth=date(2010, 3, 27)
    )
    cambridgeshire.case(allocated_to=officer, person=person)
    cambridgeshire.case(
        team=cambridgeshire.other_team,
        person=cambridgeshire.person(given_name="Marcus", family_name="Okonkwo"),
    )
    client = verified_client(officer)
    for q in ("okonkwo marcus", "Markus Okonkow", "27/3/2010", f"P{person.pk}"):
        html = client.get("/people/find/", {"q": q}).content.decode()
        assert "1 person found" in html, q
        assert f'href="/people/{person.pk}/"' in html and "27 March 2010" in html
    listed = AuditEvent.objects.filter(actor=officer, action=Action.LIST)
    assert set(listed.values_list("person_id", flat=True)) == {person.pk}


def test_nothing_found_and_a_date_that_is_not_a_day(cambridgeshire: World, verified_client) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    client = verified_client(officer)
    html = client.get("/people/find/", {"q": "Nobody Atall"}).content.decode()
    assert "No one found" in html
    response = client.get("/people/find/", {"q": "31/2/2010"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "Enter a real date of birth" in html


def test_the_results_cost_the_same_queries_however_many(
    cambridgeshire: World, verified_client
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    client = verified_client(officer)
    cambridgeshire.case(allocated_to=officer, person=cambridgeshire.person(family_name="Lowe"))
    client.get("/people/find/", {"q": "Lowe"})
    few = count_queries(lambda: client.get("/people/find/", {"q": "Lowe"}))
    for _ in range(10):
        cambridgeshire.case(allocated_to=officer, person=cambridgeshire.person(family_name="Lowe"))
    many = count_queries(lambda: client.get("/people/find/", {"q": "Lowe"}))
    assert many == few
    assert "11 people found" in client.get("/people/find/", {"q": "Lowe"}).content.decode()


def test_results_show_safeguarding_alerts(cambridgeshire: World, verified_client) -> None:
    from safehold.records.models import PersonFlag

    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(
        allocated_to=officer, person=cambridgeshire.person(family_name="Pemberton")
    )
    PersonFlag.objects.create(person=case.person, flag="looked-after")
    html = verified_client(officer).get("/people/find/", {"q": "Pemberton"}).content.decode()
    assert "Looked after by the Local Authority" in html


def test_numbers_past_any_id_find_nothing_rather_than_fail(
    cambridgeshire: World, verified_client
) -> None:
    """A reference or page number no record could have (past the bigint, or past the digits
    Python's int will read) answers like any search that finds no one: never a 500."""
    officer = cambridgeshire.staff("youth-justice-officer")
    client = verified_client(officer)
    for q in ("case 99999999999999999999999", "person " + "9" * 5000):
        response = client.get("/people/find/", {"q": q})
        assert response.status_code == 200, q
    for url in ("/caseload/?page=" + "9" * 5000, "/caseload/?page=99999999999999999999999"):
        assert client.get(url).status_code == 200, url
