"""Each output's suppression profile and opt-outs, from the pack (or the shared default)."""

from __future__ import annotations

from dataclasses import replace

from safehold.policy.schema import Pack, Suppression
from safehold.statistics.disclosure import ANCHORS, DEFAULT, Anchor, Profile


def from_schema(stated: Suppression, base: Profile = DEFAULT) -> Profile:
    profile = ANCHORS[Anchor(stated.anchor)] if stated.anchor else base
    changes: dict[str, object] = {
        name: getattr(stated, name)
        for name in ("threshold", "rounding", "symbol", "secondary", "suppress_zero")
        if getattr(stated, name) is not None
    }
    if stated.exempt is not None:
        changes["exempt"] = frozenset(stated.exempt)
    return replace(profile, **changes)  # type: ignore[arg-type]


def profile_for(pack: Pack, output: str) -> Profile:
    """The output's own profile, else the pack's default, else the shared default."""
    default = from_schema(pack.statistics.suppression)
    own = next((o.suppression for o in pack.statistics.outputs if o.output == output), None)
    return from_schema(own, default) if own is not None else default


def opted_out(pack: Pack, output: str) -> list[str]:
    """The opt-outs (preference codes) whose holders are left out of this output."""
    return sorted(
        {o.preference for o in pack.statistics.opt_outs if "*" in o.outputs or output in o.outputs}
    )
