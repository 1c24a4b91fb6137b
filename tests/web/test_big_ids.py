"""Ids past PostgreSQL's bigint in a page's path name nothing: 404, never a 500 (issue 14)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.access.conftest import World

BIG = 2**63


@pytest.mark.parametrize(
    "path",
    [
        f"/people/{BIG}/",
        f"/people/{BIG}/audit/",
        f"/people/{BIG}/cases/new/",
        f"/cases/{BIG}/contacts/new/",
        f"/cases/{BIG}/break-glass/",
        f"/team/cases/{BIG}/allocate/",
        f"/retention/holds/{BIG}/lift/",
        f"/people/{10**40}/",
    ],
)
def test_an_id_past_bigint_is_not_found(cambridgeshire: World, verified_client, path: str) -> None:
    client: Client = verified_client(cambridgeshire.staff("youth-justice-officer"))
    assert client.get(path).status_code == 404
