"""Fixtures every test package may use: the gate's worlds (a shipped pack, teams, staff)."""

from pathlib import Path
from typing import Any

import pytest

from tests.access.conftest import (  # noqa: F401
    cambridgeshire,
    statistics_world,
    world,
)


@pytest.fixture(autouse=True)
def _audit_checkpoints(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test's audit checkpoints in a directory of its own: test databases start new logs,
    which earlier tests' signed checkpoints would rightly call rewritten."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("checkpoints")
    return settings.AUDIT_CHECKPOINT_DIR
