"""Reads of rights requests."""

from __future__ import annotations

from collections.abc import Iterable

from safehold.rights.models import RightsRequest


def open_requests_by_person(person_ids: Iterable[int] | None = None) -> dict[int, int]:
    """person id -> the id of their oldest open request, for everyone (or these people)."""
    qs = RightsRequest.objects.open()
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    found: dict[int, int] = {}
    for person_id, request_id in qs.order_by("-pk").values_list("person_id", "pk"):
        found[person_id] = request_id
    return found


def open_requests(controller_id: int, *, limit: int = 20) -> tuple[int, list[RightsRequest]]:
    """A controller's open requests, oldest received first (the first `limit`), and how many
    are open in all. No names: the person is referred to by their record's number."""
    qs = RightsRequest.objects.open().filter(controller_id=controller_id)
    rows = list(qs.order_by("received_on", "pk")[:limit])
    return (len(rows) if len(rows) < limit else qs.count()), rows
