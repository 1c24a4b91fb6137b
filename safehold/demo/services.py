"""`generate`: the run of `safehold demo --people N`, chunk by chunk, for one pack's
controllers or every loaded pack's, and the planner's statistics afterwards.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, models

from safehold.access.models import Team, User
from safehold.demo.base import (
    DEFAULT_CHUNK,
    DEFAULT_SEED,
    DEMO_ACTOR,
    DEMO_USERNAME,
    REASON,
    DemoRefused,
    controllers_to_fill,
    demo_account,
    holds_real_people,
)
from safehold.demo.living import FORMER_AGES, Living, living_service
from safehold.demo.population import World
from safehold.demo.rows import CASE_RECORDS, RECORD_MODELS
from safehold.demo.vocabulary import Pools
from safehold.records.models import (
    Person,
)


@dataclass
class Summary:
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    skipped: str = ""
    controllers: list[str] = field(default_factory=list)

    @property
    def case_records(self) -> int:
        return sum(self.counts[name] for name in CASE_RECORDS)


def check_password(password: str | None) -> None:
    """Outside DEBUG a demo password must pass the same validators as any other."""
    if password is None or settings.DEBUG:
        return
    try:
        validate_password(password)
    except ValidationError as exc:
        raise DemoRefused(
            "the demo password is too weak outside development (SAFEHOLD_DEBUG): "
            + " ".join(exc.messages)
        ) from None


def generate(
    people: int,
    *,
    pack: str | None = None,
    seed: int = DEFAULT_SEED,
    password: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    force: bool = False,
    if_empty: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Generate `people` synthetic people and their records for one pack's controllers (or
    every loaded pack's, sharing the people out evenly), and return what was written."""
    started = time.perf_counter()
    say = progress or (lambda _line: None)
    if people < 1:
        raise DemoRefused("ask for at least one person")
    if chunk_size < 1:
        raise DemoRefused("the chunk size must be at least one person")
    check_password(password)
    if if_empty and Person.objects.exists():
        return Summary(skipped="people already exist (--if-empty)")
    controllers = controllers_to_fill(pack)
    if not force and holds_real_people():
        raise DemoRefused(
            "this database holds people the demo did not make; use --force to add to it anyway"
        )
    account = demo_account()
    # One hash for every demo account: hashing is deliberately slow, and the password is the
    # same for all of them anyway.
    password_hash = make_password(password) if password is not None else None
    pools = Pools.of(seed)

    summary = Summary(controllers=[c.code for c in controllers])
    shares = _split(people, len(controllers))
    chunks = [
        (controller, start, min(chunk_size, share - start))
        for controller, share in zip(controllers, shares, strict=True)
        for start in range(0, share, chunk_size)
    ]
    worlds: dict[int, World] = {}
    for number, (controller, start, size) in enumerate(chunks, 1):
        chunk_started = time.perf_counter()
        if controller.pk not in worlds:
            worlds[controller.pk] = World.set_up(controller, account, pools, password_hash, seed)
            summary.counts["team"] += worlds[controller.pk].teams_created
        world = worlds[controller.pk]
        rng = random.Random(f"{seed}:{controller.code}:{world.offset + start}")  # noqa: S311
        written = world.write(world.chunk(rng, size))
        summary.counts.update(written)
        records = sum(written[name] for name in CASE_RECORDS)
        say(
            f"chunk {number}/{len(chunks)} {controller.code}: {written['person']:,} people, "
            f"{records:,} case records in {time.perf_counter() - chunk_started:.1f}s "
            f"(elapsed {time.perf_counter() - started:.1f}s)"
        )
    analyze_started = time.perf_counter()
    analyze()
    say(f"statistics for the query planner in {time.perf_counter() - analyze_started:.1f}s")
    summary.seconds = time.perf_counter() - started
    return summary


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load, so that the first queries on the new
    rows are planned for their real numbers (autovacuum would get there, later)."""
    written: tuple[type[models.Model], ...] = (*RECORD_MODELS, User, Team)
    tables = [m._meta.db_table for m in written]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        elif connection.vendor == "sqlite":
            # Sampled (analysis_limit), so it takes a moment, not a scan of every index.
            cursor.execute("PRAGMA analysis_limit = 1000")
            for table in tables:
                cursor.execute("ANALYZE " + connection.ops.quote_name(table))


def _split(total: int, parts: int) -> list[int]:
    return [total * (i + 1) // parts - total * i // parts for i in range(parts)]


__all__ = [
    "CASE_RECORDS",
    "DEFAULT_CHUNK",
    "DEFAULT_SEED",
    "DEMO_ACTOR",
    "DEMO_USERNAME",
    "FORMER_AGES",
    "REASON",
    "RECORD_MODELS",
    "DemoRefused",
    "Living",
    "Summary",
    "analyze",
    "check_password",
    "demo_account",
    "generate",
    "holds_real_people",
    "living_service",
]
