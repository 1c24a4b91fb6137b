"""Statistics: aggregate outputs and case-level returns, decided and audited through the gate.

Thin doors: the decisions and audit entries are `safehold.statistics`' (docs/adr/0022), which
import the gate's types, so they are imported here when called.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from safehold.access.gate.deciding import Deciding
from safehold.access.policy import Decision

if TYPE_CHECKING:
    from safehold.statistics.periods import Quarter
    from safehold.statistics.returns import Definition


class Aggregating(Deciding):
    """Figures about many people, never one; and returns released as exports."""

    def aggregate(
        self, output: str, period: str, categories: Iterable[str], detail: str
    ) -> Decision:
        """One run of a statistics output: decided (statistics-only roles, managers, the DPO)
        and audited as an aggregate use, naming no one; `Refused` otherwise."""
        from safehold.statistics.access import aggregate

        return aggregate(self, output, period, categories, detail)  # type: ignore[arg-type]

    def case_level_return(self, definition: Definition, quarter: Quarter) -> Iterator[list[str]]:
        """A case-level return's rows: refused unless this role may export every category it
        needs across the controller; one export audit entry per order released."""
        from safehold.statistics.returns import build

        return build(self, definition, quarter)  # type: ignore[arg-type]
