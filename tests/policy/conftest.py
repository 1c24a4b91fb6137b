"""Packs for the notice, rights and record-of-processing tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from safehold.policy.loader import LoadResult, load_bytes, load_file
from safehold.policy.schema import Pack
from tests.builders import PACKS, minimal
from tests.policy.helpers import load_pack


@pytest.fixture(scope="session")
def cambridgeshire() -> Pack:
    result = load_file(PACKS / "cambridgeshire-yos.yaml")
    assert result.pack is not None, result.problems
    return result.pack


@pytest.fixture
def build() -> Callable[..., Pack]:
    """A valid pack: the minimal one with top-level sections replaced."""

    def make(**changes: object) -> Pack:
        result = load_bytes(minimal(**changes).encode())
        assert result.pack is not None and not result.errors, result.problems
        return result.pack

    return make


# The pack test modules (test_pack_*.py) name their pack in `PACK`; these load it once each.


@pytest.fixture(scope="module")
def pack_result(request: pytest.FixtureRequest) -> LoadResult:
    return load_pack(request.module.PACK)


@pytest.fixture(scope="module")
def pack(pack_result: LoadResult) -> Pack:
    assert pack_result.ok, [p.format("pack") for p in pack_result.errors]
    assert pack_result.pack is not None
    return pack_result.pack
