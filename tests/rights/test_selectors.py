"""Reads of rights requests: the DPO's open requests, oldest first."""

from __future__ import annotations

from datetime import date

from safehold.rights import selectors, services
from tests.retention.conftest import Place, make_place


def test_open_requests_oldest_first_with_the_count_beyond_those_shown(yos: Place) -> None:
    received = [date(2026, 3, d) for d in (9, 2, 5, 7)]
    requests = [services.receive(yos.person(), "access", received_on=d) for d in received]
    services.close(requests[0], closed_on=date(2026, 3, 20))
    services.receive(make_place("luton-yps").person(), "erasure", received_on=date(2026, 1, 1))
    count, shown = selectors.open_requests(yos.controller.pk, limit=2)
    assert count == 3
    assert [r.received_on for r in shown] == [date(2026, 3, 2), date(2026, 3, 5)]
    count, shown = selectors.open_requests(yos.controller.pk)
    assert (count, len(shown)) == (3, 3)
