"""Reads of the policy: which pack versions exist and what they say."""

from __future__ import annotations

from functools import lru_cache

from safehold import requestmemo
from safehold.policy.models import PackVersion
from safehold.policy.schema import Pack


@lru_cache(maxsize=64)
def _pack_of(version_id: int, digest: str) -> Pack:
    # Versions never change once stored, so a parsed pack is cached by id and digest.
    document = PackVersion.objects.values_list("document", flat=True).get(pk=version_id)
    return Pack.model_validate(document)


def pack_of(version: PackVersion) -> Pack:
    return _pack_of(version.pk, version.digest)


def controller_version(controller_id: int) -> PackVersion:
    """The pack version a controller works under now, by name only: its document is parsed
    once per process by pack_of, not fetched again on every request; and within a request
    it is read once (the gate and the page's layout both ask)."""
    return requestmemo.remember(
        ("controller_version", controller_id),
        lambda: PackVersion.objects.only("pack_code", "version", "digest").get(
            controllers=controller_id
        ),
    )


def controller_pack(controller_id: int) -> Pack:
    return pack_of(controller_version(controller_id))


def current_version(code: str) -> PackVersion | None:
    return PackVersion.objects.of(code).order_by("-version").defer("source_text").first()


def current_pack(code: str) -> Pack | None:
    version = current_version(code)
    return pack_of(version) if version is not None else None


def pack_at(code: str, version: int) -> Pack | None:
    found = PackVersion.objects.of(code).filter(version=version).first()
    return pack_of(found) if found is not None else None


def versions(code: str) -> list[PackVersion]:
    return list(PackVersion.objects.of(code).defer("document", "source_text").order_by("-version"))


def published_packs() -> list[tuple[str, str]]:
    """(code, name) of the newest version of every pack, by name."""
    return list(PackVersion.objects.current().order_by("name").values_list("pack_code", "name"))
