"""The public privacy pages: no sign-in, 404 for an unknown notice, the right content types."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from safehold.policy import services
from tests.builders import PACKS

CODE = "cambridgeshire-yos"
PAGES = [
    f"/privacy/{CODE}/",
    f"/privacy/{CODE}/print/",
    f"/privacy/{CODE}/young-people/",
    f"/privacy/{CODE}/record-of-processing.csv",
    f"/privacy/{CODE}/record-of-processing.json",
]


@pytest.fixture
def loaded(db: None) -> None:
    services.load_pack(PACKS / "cambridgeshire-yos.yaml")


@pytest.fixture
def client() -> Client:
    return Client()  # never signed in


def test_index_lists_published_notices(loaded: None, client: Client) -> None:
    response = client.get("/privacy/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cambridgeshire Youth Offending Service" in html
    assert f'href="/privacy/{CODE}/"' in html
    assert f'href="/privacy/{CODE}/young-people/"' in html


def test_index_without_notices(db: None, client: Client) -> None:
    response = client.get("/privacy/")
    assert response.status_code == 200
    assert "No privacy notices have been published yet." in response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_public_without_sign_in(loaded: None, client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.get("Location")


@pytest.mark.parametrize("url", ["/privacy/", *PAGES])
def test_get_only(loaded: None, client: Client, url: str) -> None:
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("url", [page.replace(CODE, "no-such-notice") for page in PAGES])
def test_unknown_code_is_404(loaded: None, client: Client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_notice_pages(loaded: None, client: Client) -> None:
    full = client.get(f"/privacy/{CODE}/")
    assert full["Content-Type"] == "text/html; charset=utf-8"
    html = full.content.decode()
    assert "Youth Offending service privacy notice" in html
    assert "Data.protection@cambridgeshire.gov.uk" in html
    assert "Right to data portability" in html

    printed = client.get(f"/privacy/{CODE}/print/").content.decode()
    assert "Print this notice" in printed and "app-no-print" in printed

    young = client.get(f"/privacy/{CODE}/young-people/").content.decode()
    assert "What we do with your information" in young
    assert "Article 6(1)(e)" not in young


def test_record_of_processing_csv(loaded: None, client: Client) -> None:
    response = client.get(f"/privacy/{CODE}/record-of-processing.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"{CODE}-record-of-processing.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["purpose_code"] for r in rows] == [
        "statutory-youth-justice",
        "victim-support",
        "volunteer-management",
        "planning-research",
    ]


def test_record_of_processing_json(loaded: None, client: Client) -> None:
    response = client.get(f"/privacy/{CODE}/record-of-processing.json")
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["pack"] == CODE
    assert len(data["records"]) == 4


def test_newest_version_is_shown(loaded: None, client: Client) -> None:
    text = (PACKS / "cambridgeshire-yos.yaml").read_text()
    changed = text.replace(
        "title: Youth Offending service privacy notice", "title: Youth Offending privacy notice v2"
    )
    services.load_pack(changed.encode(), source_name="changed")
    html = client.get(f"/privacy/{CODE}/").content.decode()
    assert "Youth Offending privacy notice v2" in html
