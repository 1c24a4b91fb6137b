"""Reads of personal data for rights requests, through the gate only.

The DPO's request pages name the people the requests are about: each name is read through the
nearest case the DPO may see, by `Gate.show_cases`, audited as one list (purpose: the rights
request). A person the gate does not show is named by their reference only.
"""

from __future__ import annotations

from collections.abc import Iterable

from safehold.access.gate import Gate, ShownCase

PURPOSE = "rights-request"


def people(gate: Gate, person_ids: Iterable[int]) -> dict[int, ShownCase]:
    """Each person through their nearest readable case, in one query and one audit batch."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    nearest: dict[int, object] = {}
    rows = (
        gate.cases()
        .select_related("person")
        .filter(person_id__in=ids)
        .order_by("person_id", "gate_distance", "-pk")  # type: ignore[misc]
    )
    for case in rows:
        nearest.setdefault(case.person_id, case)
    shown = gate.show_cases(nearest.values())  # type: ignore[arg-type]
    return {s.person_id: s for s in shown}
