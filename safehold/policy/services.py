"""Writes to the policy: loading a pack as a new version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from safehold import requestmemo
from safehold.policy.loader import LoadResult, Problem, load_bytes, load_file
from safehold.policy.models import Controller, PackVersion
from safehold.policy.schema import Pack


class PackInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"the pack has {len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class Loaded:
    version: PackVersion
    created: bool
    result: LoadResult


def canonical(pack: Pack) -> tuple[dict[str, object], str]:
    """The pack as JSON-ready data, and a digest that ignores layout and comments."""
    document = pack.model_dump(mode="json", by_alias=True)
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return document, hashlib.sha256(encoded).hexdigest()


def read_pack(path: str | Path) -> LoadResult:
    return load_file(
        path,
        max_bytes=settings.SAFEHOLD_PACK_MAX_BYTES,
        max_nodes=settings.SAFEHOLD_PACK_MAX_NODES,
    )


def load_pack(source: str | Path | bytes, *, loaded_by: str = "", source_name: str = "") -> Loaded:
    """Store a valid pack as a new version; the same content again changes nothing."""
    if isinstance(source, bytes):
        result = load_bytes(
            source,
            max_bytes=settings.SAFEHOLD_PACK_MAX_BYTES,
            max_nodes=settings.SAFEHOLD_PACK_MAX_NODES,
        )
    else:
        result = read_pack(source)
        source_name = source_name or str(source)
    if result.pack is None or result.errors:
        raise PackInvalid(result.errors)
    pack = result.pack
    document, digest = canonical(pack)

    for _attempt in range(3):
        existing = PackVersion.objects.filter(pack_code=pack.code, digest=digest).first()
        if existing is not None:
            return Loaded(existing, False, result)
        try:
            with transaction.atomic():
                latest = PackVersion.objects.of(pack.code).aggregate(n=Max("version"))["n"] or 0
                version = PackVersion.objects.create(
                    pack_code=pack.code,
                    version=latest + 1,
                    name=pack.name,
                    schema_version=pack.schema_version,
                    digest=digest,
                    document=document,
                    source_text=result.text,
                    source_name=source_name[:255],
                    loaded_by=loaded_by[:150],
                )
                for controller in pack.controllers:
                    row, _ = Controller.objects.update_or_create(
                        code=controller.code,
                        defaults={"name": controller.name, "pack_version": version},
                    )
                    requestmemo.forget(("controller_version", row.pk))
            return Loaded(version, True, result)
        except IntegrityError:
            continue  # another load won the race; look again
    raise RuntimeError(f"could not store pack {pack.code}: concurrent loads kept colliding")
