"""Pages render with production's hashed static files (a manifest), not only the test storage:
a template that asks for a folder or a missing file works in tests and fails in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.access.conftest import World
from tests.api.conftest import session_api

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


@pytest.fixture
def hashed_static(tmp_path: Path) -> Any:
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield tmp_path


def test_public_and_staff_pages_render_with_hashed_static(
    hashed_static: Path, cambridgeshire: World
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer")
    case = cambridgeshire.case(allocated_to=officer)
    client = session_api(officer).client
    for path in ("/privacy/", "/privacy/cambridgeshire-yos/", "/", f"/people/{case.person_id}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        # The stylesheet is the hashed copy collectstatic wrote.
        assert "/static/css/app." in html and "/static/css/app.css" not in html, path
