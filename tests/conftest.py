"""Fixtures every test package may use: the gate's worlds (a shipped pack, teams, staff)."""

from tests.access.conftest import (  # noqa: F401
    cambridgeshire,
    statistics_world,
    world,
)
