"""The one gate: every read and write of personal data passes here, and is audited.

The gate decides from the policy pack (the role's grants), the member of staff's distance to
the case (allocated, same team, same service, same controller), restriction of processing
and break-glass. Lists are filtered in SQL; fields are redacted by the data category the pack
puts them in; every decision names the rule that made it and is written to the audit log.

`Gate` is one class, the one door, made of one part per verb of the notice (docs/adr/0018):

- `deciding`   distance to a case, the pack's decisions, the rule behind each
- `auditing`   the audit entries of every read, write and refusal; who has seen a record
- `reading`    lists of cases, one case, one person, records and their history, what is due
- `writing`    new records, corrections, a new person with their case, allocation
- `exporting`  a case and its records for export
- `breakglass` break-glass and the DPO's review of it
- `finding`    finding people and possible duplicates
- `naming`     names and references for lists that name people (docs/adr/0023)
- `parts`      a person's flags and relationships, a plan's actions, a case's facts
- `sharing`    sharing with recipients (decided by `sharing.decide`), the disclosure log; and
  `consenting`, consents, objections and preferences recorded and withdrawn (docs/adr/0020)
- `statuses`   dated statuses on a case, kind by kind by their category (docs/adr/0027)
- `aggregating` statistics: aggregate outputs and case-level returns (docs/adr/0022)
- `answering`  what a rights request keeps: the bundle under review, the redaction log, the
  release (docs/adr/0028)
- `values`     what the gate hands back (`Shown`, `ShownCase`, `Withheld`, ...) and `Refused`
"""

from __future__ import annotations

from safehold.access.gate.aggregating import Aggregating
from safehold.access.gate.answering import Answering
from safehold.access.gate.breakglass import BreakingGlass
from safehold.access.gate.exporting import Exporting
from safehold.access.gate.finding import Finding
from safehold.access.gate.naming import Named, Names, Naming
from safehold.access.gate.parts import EventDate, Fact, Parts
from safehold.access.gate.sharing import RefusedShare, ShareOrder, Sharing
from safehold.access.gate.statuses import Statuses, StatusHistory, StatusRow
from safehold.access.gate.values import (
    BREAK_GLASS_MINUTES,
    DUE_PARTS,
    DUE_SOON_DAYS,
    FAR_FUTURE,
    NAME_FIELDS,
    PERSON_RECORDS,
    PROFESSIONAL_KINDS,
    RELATED_FIELDS,
    Due,
    Duplicates,
    FoundPeople,
    GlassRead,
    GlassUse,
    Redaction,
    Refused,
    RefusedCase,
    RelatedPerson,
    Shown,
    ShownCase,
    ShownChange,
    ShownPerson,
    ShownRecord,
    Stale,
    Withheld,
    staff_name,
)
from safehold.access.gate.writing import Writing


class Gate(
    Writing,
    Exporting,
    BreakingGlass,
    Finding,
    Sharing,
    Aggregating,
    Naming,
    Parts,
    Statuses,
    Answering,
):
    """The gate for one member of staff, for one request or job."""


__all__ = [
    "BREAK_GLASS_MINUTES",
    "DUE_PARTS",
    "DUE_SOON_DAYS",
    "FAR_FUTURE",
    "NAME_FIELDS",
    "PERSON_RECORDS",
    "PROFESSIONAL_KINDS",
    "RELATED_FIELDS",
    "Due",
    "Duplicates",
    "EventDate",
    "Fact",
    "FoundPeople",
    "Gate",
    "GlassRead",
    "GlassUse",
    "Named",
    "Names",
    "Redaction",
    "Refused",
    "RefusedCase",
    "RefusedShare",
    "RelatedPerson",
    "ShareOrder",
    "Shown",
    "ShownCase",
    "ShownChange",
    "ShownPerson",
    "ShownRecord",
    "Stale",
    "StatusHistory",
    "StatusRow",
    "Withheld",
    "staff_name",
]
